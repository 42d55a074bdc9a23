"""Prequalification of assets per product and direction (seed 3.2.2.3, 3.3.2.3).

The FSP asks for it (one request or in bulk). Review path: the DSO of the asset's grid
checks the technical side and the operator the market side, each accepting or rejecting
with a reason — qualified when both accept, failed when either rejects. Test path: the FSP
uploads an activation test, judged by :mod:`marketplace.domain.activation_test` against the
product's tolerances; the verdict and its numbers are recorded. Only operational assets
offering flexibility in the direction asked may be prequalified; one attempt at a time per
asset, product and direction. The qualified power is the asset's registered capacity in the
direction (review) or the tested change, capped at that capacity (test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain import activation_test, audit
from marketplace.domain.assets import own, visible
from marketplace.domain.errors import Conflict, InvalidInput, NotFound, ServiceError
from marketplace.domain.principal import Principal
from marketplace.domain.products import PRODUCTS
from marketplace.models import Asset, Prequalification
from marketplace.models.base import now_s
from marketplace.models.enums import AssetStatus, Decision, Direction, PrequalificationPath, PrequalificationStatus
from marketplace.schemas.assets import ActivationTestIn, PrequalificationIn, Review


def capacity_w(asset: Asset, direction: Direction) -> int:
    """The asset's registered flexibility in ``direction``: export for up, import for down (W)."""
    return asset.active_export_w if direction is Direction.UP else asset.active_import_w


def request(session: Session, principal: Principal, data: PrequalificationIn) -> Prequalification:
    """Open a prequalification attempt for one of the FSP's assets."""
    asset = own(session, principal, data.asset_id, "asset_id")
    if asset.status is not AssetStatus.OPERATIONAL:
        raise Conflict(f"only operational assets can be prequalified (this one is {asset.status.value})",
                       code="asset_not_operational")
    capacity = capacity_w(asset, data.direction)
    if capacity == 0:
        raise InvalidInput(
            f"the asset offers no {data.direction.value} flexibility "
            f"({'active_export_w' if data.direction is Direction.UP else 'active_import_w'} is 0)",
            code="direction_not_offered",
        )
    open_attempt = session.scalars(select(Prequalification.id).where(
        Prequalification.asset_id == asset.id, Prequalification.product == data.product,
        Prequalification.direction == data.direction, Prequalification.status == PrequalificationStatus.PENDING,
    )).first()
    if open_attempt is not None:
        raise Conflict("a prequalification for this asset, product and direction is already pending",
                       code="prequalification_pending", details={"prequalification_id": open_attempt})
    attempt = Prequalification(
        asset_id=asset.id, product=data.product, direction=data.direction, path=data.path,
        status=PrequalificationStatus.PENDING, requested_at=now_s(), requested_by_user_id=principal.acting_as_user_id,
        qualified_power_w=capacity if data.path is PrequalificationPath.REVIEW else None,
    )
    session.add(attempt)
    session.flush()
    audit.record(session, principal, "prequalification.requested", "prequalification", attempt.id,
                 after=audit.snapshot(attempt))
    return attempt


def request_many(session: Session, principal: Principal,
                 items: Sequence[PrequalificationIn | ServiceError]) -> list[tuple[int | None, ServiceError | None]]:
    """Each item's (attempt id, error); a failing item does not stop the others."""
    out: list[tuple[int | None, ServiceError | None]] = []
    for item in items:
        if isinstance(item, ServiceError):
            out.append((None, item))
            continue
        try:
            with session.begin_nested():
                out.append((request(session, principal, item).id, None))
        except ServiceError as exc:
            out.append((None, exc))
    return out


def get(session: Session, principal: Principal, attempt_id: int) -> Prequalification:
    found = session.scalars(
        visible(select(Prequalification).join(Asset, Asset.id == Prequalification.asset_id), principal)
        .where(Prequalification.id == attempt_id)
    ).first()
    if found is None:
        raise NotFound("no such prequalification", details={"prequalification_id": attempt_id})
    return found


def list_attempts(session: Session, principal: Principal, *, filters: dict[str, Any], after: int | None,
                  limit: int) -> Sequence[Prequalification]:
    stmt = visible(select(Prequalification).join(Asset, Asset.id == Prequalification.asset_id), principal)
    for key, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Prequalification, key) == value)
    if after is not None:
        stmt = stmt.where(Prequalification.id > after)
    return session.scalars(stmt.order_by(Prequalification.id).limit(limit)).all()


def _open_review(attempt: Prequalification) -> None:
    if attempt.path is not PrequalificationPath.REVIEW:
        raise Conflict("this prequalification goes by an activation test, not by review", code="not_review_path")
    if attempt.status is not PrequalificationStatus.PENDING:
        raise Conflict(f"the prequalification is already {attempt.status.value}", code="already_decided")


def _settle_review(attempt: Prequalification, now: int) -> None:
    if Decision.REJECTED in (attempt.dso_decision, attempt.operator_decision):
        attempt.status = PrequalificationStatus.FAILED
        who = "DSO" if attempt.dso_decision is Decision.REJECTED else "market operator"
        reason = attempt.dso_reason if attempt.dso_decision is Decision.REJECTED else attempt.operator_reason
        attempt.reason = f"rejected by the {who}: {reason}"
        attempt.decided_at = now
        attempt.qualified_power_w = None
    elif attempt.dso_decision is Decision.ACCEPTED and attempt.operator_decision is Decision.ACCEPTED:
        attempt.status = PrequalificationStatus.QUALIFIED
        attempt.decided_at = now


def dso_review(session: Session, principal: Principal, attempt_id: int, review: Review) -> Prequalification:
    """The technical check by the DSO whose grid the asset is on."""
    attempt = get(session, principal, attempt_id)  # scoped: only the asset's DSO finds it
    _open_review(attempt)
    if attempt.dso_decision is not None:
        raise Conflict("the DSO has already reviewed this prequalification", code="already_reviewed")
    before = audit.snapshot(attempt)
    now = now_s()
    attempt.dso_decision, attempt.dso_reason, attempt.dso_decided_at = review.decision, review.reason, now
    attempt.dso_decided_by_user_id = principal.acting_as_user_id
    _settle_review(attempt, now)
    audit.record(session, principal, "prequalification.dso_reviewed", "prequalification", attempt.id, before=before,
                 after=audit.snapshot(attempt), participant_id=principal.participant_id)
    return attempt


def operator_review(session: Session, principal: Principal, attempt_id: int, review: Review) -> Prequalification:
    """The market operator's check."""
    attempt = get(session, principal, attempt_id)
    _open_review(attempt)
    if attempt.operator_decision is not None:
        raise Conflict("the operator has already reviewed this prequalification", code="already_reviewed")
    before = audit.snapshot(attempt)
    now = now_s()
    attempt.operator_decision, attempt.operator_reason, attempt.operator_decided_at = review.decision, review.reason, now
    attempt.operator_decided_by_user_id = principal.acting_as_user_id
    _settle_review(attempt, now)
    audit.record(session, principal, "prequalification.operator_reviewed", "prequalification", attempt.id,
                 before=before, after=audit.snapshot(attempt))
    return attempt


def run_test(session: Session, principal: Principal, attempt_id: int, data: ActivationTestIn) -> Prequalification:
    """Judge the FSP's activation test for a test-path attempt and record the verdict."""
    attempt = session.get(Prequalification, attempt_id)
    if attempt is None or attempt.asset.fsp_id != principal.participant_id:
        raise NotFound("no such prequalification of yours", details={"prequalification_id": attempt_id})
    if attempt.path is not PrequalificationPath.TEST:
        raise Conflict("this prequalification goes by review, not by an activation test", code="not_test_path")
    if attempt.status is not PrequalificationStatus.PENDING:
        raise Conflict(f"the prequalification is already {attempt.status.value}", code="already_decided")
    samples = [activation_test.Sample(s.t, s.setpoint_w, s.measured_w) for s in data.samples]
    verdict = activation_test.judge(samples, attempt.direction, PRODUCTS[attempt.product])
    before = audit.snapshot(attempt)
    now = now_s()
    attempt.test_result = verdict.to_dict()
    attempt.tested_at = attempt.decided_at = now
    if verdict.passed:
        attempt.status = PrequalificationStatus.QUALIFIED
        attempt.qualified_power_w = min(verdict.requested_change_w, capacity_w(attempt.asset, attempt.direction))
    else:
        attempt.status = PrequalificationStatus.FAILED
        attempt.reason = verdict.reason
    audit.record(session, principal, "prequalification.tested", "prequalification", attempt.id, before=before,
                 after=audit.snapshot(attempt))
    return attempt
