"""Who is making a request: a user (browser session), an API client, or the public."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.domain.errors import Forbidden, NotFound
from marketplace.models import ApiClient, Participant, User, WebSession
from marketplace.models.enums import Grant, ParticipantRole, ParticipantStatus


@dataclass(frozen=True)
class Principal:
    """The caller. ``user`` is the user acted as; ``impersonator`` the operator user behind an
    impersonation; ``api_client`` set for machine clients. Anonymous: all ``None``."""

    user: User | None = None
    api_client: ApiClient | None = None
    participant: Participant | None = None
    grant: Grant | None = None
    impersonator: User | None = None
    session: WebSession | None = None
    remote_addr: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.participant is None

    @property
    def role(self) -> ParticipantRole | None:
        return None if self.participant is None else self.participant.role

    @property
    def approved(self) -> bool:
        return self.participant is not None and self.participant.status is ParticipantStatus.APPROVED

    @property
    def participant_id(self) -> int | None:
        return None if self.participant is None else self.participant.id

    def has_role(self, *roles: ParticipantRole) -> bool:
        """An approved participant with one of ``roles``."""
        return self.approved and self.role in roles

    @property
    def is_operator(self) -> bool:
        return self.has_role(ParticipantRole.MARKET_OPERATOR)

    @property
    def is_dso(self) -> bool:
        return self.has_role(ParticipantRole.DSO)

    @property
    def is_fsp(self) -> bool:
        return self.has_role(ParticipantRole.FSP)

    @property
    def is_meter_oracle(self) -> bool:
        """An approved meter oracle."""
        return self.has_role(ParticipantRole.METER_ORACLE)

    def covers(self, grant: Grant) -> bool:
        return self.grant is not None and self.grant.covers(grant)

    def member_of(self, participant_id: int) -> bool:
        return self.participant_id == participant_id

    # ---------------------------------------------------------------- audit identity
    @property
    def actor_user_id(self) -> int | None:
        """The person who acts: the impersonating operator when there is one."""
        if self.impersonator is not None:
            return self.impersonator.id
        return None if self.user is None else self.user.id

    @property
    def acting_as_user_id(self) -> int | None:
        return None if self.user is None else self.user.id

    def require_manager_of(self, participant_id: int, grant: Grant = Grant.ADMIN) -> None:
        """The caller manages ``participant_id``: its own admin, or an operator with ``grant``.

        Foreign callers get 404 (they may not know the details of other participants).
        """
        if self.is_operator or self.member_of(participant_id):
            if self.covers(grant):
                return
            raise Forbidden(f"this needs the {grant.value} grant or higher", code="grant_too_low",
                            details={"grant": self.grant.value if self.grant else None, "needed": grant.value})
        raise NotFound("no such participant", details={"participant_id": participant_id})

    def require_reader_of(self, participant_id: int) -> None:
        """The caller may read ``participant_id``'s private data: a member or the operator."""
        if self.is_operator or self.member_of(participant_id):
            return
        raise NotFound("no such participant", details={"participant_id": participant_id})


ANONYMOUS = Principal()
