"""Who is looking at a page: the browser session behind the request's cookie, if any.

Pages are rendered on the server with the navigation of the viewer's role (operator, DSO,
FSP, meter oracle, a participant whose registration is pending, or the public), and pages
that need a role refuse other viewers with a readable page. The session is the API's own
(``flexmarket_session`` cookie, looked up through ``marketplace.domain.auth``); the page's
script then asks ``GET /api/v1/auth/me`` for the details it works with. Nothing here
writes: the lookup runs in a read-only database session.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy.exc import OperationalError, ProgrammingError

from marketplace.api.security import COOKIE
from marketplace.domain import auth
from marketplace.models.enums import Grant, ParticipantRole, ParticipantStatus

ROLE_LABELS = {
    ParticipantRole.MARKET_OPERATOR.value: "market operator",
    ParticipantRole.DSO.value: "DSO",
    ParticipantRole.FSP.value: "FSP",
    ParticipantRole.METER_ORACLE.value: "meter oracle",
}
GRANT_LABELS = {Grant.READ_ONLY.value: "read only", Grant.TRADER.value: "trader", Grant.ADMIN.value: "admin"}


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as pages see it (all empty for the public)."""

    user_id: int | None = None
    name: str = ""
    grant: str | None = None
    participant_id: int | None = None
    participant_name: str = ""
    role: str | None = None
    status: str | None = None
    impersonator_name: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def approved(self) -> bool:
        return self.status == ParticipantStatus.APPROVED.value

    @property
    def admin(self) -> bool:
        return self.grant == Grant.ADMIN.value

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role or "", "")

    @property
    def grant_label(self) -> str:
        return GRANT_LABELS.get(self.grant or "", "")

    def as_json(self) -> dict:
        return {
            "signedIn": self.signed_in, "userId": self.user_id, "name": self.name, "grant": self.grant,
            "participantId": self.participant_id, "participantName": self.participant_name, "role": self.role,
            "status": self.status, "impersonatorName": self.impersonator_name,
        }


PUBLIC = Viewer()


def current_viewer() -> Viewer:
    """The viewer of this request: the user of a live session cookie, else the public.

    A database that is not there or not migrated yet (the API answers 500/503 then too)
    leaves the page public rather than failing it.
    """
    token = request.cookies.get(COOKIE)
    database = current_app.extensions.get("flexmarket.db")
    if not token or database is None:
        return PUBLIC
    try:
        with database.new_session(writes=False) as s:
            record = auth.session_for_token(s, token)
            if record is None:
                return PUBLIC
            user, impersonator = record.user, record.impersonator
            participant = user.participant
            return Viewer(
                user_id=user.id, name=f"{user.first_name} {user.last_name}", grant=user.grant.value,
                participant_id=participant.id, participant_name=participant.entity_name, role=participant.role.value,
                status=participant.status.value,
                impersonator_name=None if impersonator is None else f"{impersonator.first_name} {impersonator.last_name}",
            )
    except (OperationalError, ProgrammingError) as exc:
        current_app.logger.warning("page rendered for the public: the session could not be read (%s)", exc)
        return PUBLIC
