"""Prequalification attempts of an asset for one product and direction.

Review path: the DSO's technical check and the operator's check each accept or reject
with a reason; both accepted → ``qualified``, either rejected → ``failed``. Test path: the
FSP uploads an activation test; the verdict (with its numbers in ``test_result``) decides.
An asset's status for a product and direction is its latest decided attempt, or
``not_attempted``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.asset import Asset
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column
from marketplace.models.enums import Decision, Direction, PrequalificationPath, PrequalificationStatus, Product


class Prequalification(Base):
    """One prequalification attempt; ``qualified_power_w`` is the power it qualifies (W)."""

    __tablename__ = "prequalification"

    id: Mapped[int] = id_column()
    asset_id: Mapped[int] = fk("asset.id")
    product: Mapped[Product] = enum_column(Product)
    direction: Mapped[Direction] = enum_column(Direction)
    path: Mapped[PrequalificationPath] = enum_column(PrequalificationPath)
    status: Mapped[PrequalificationStatus] = enum_column(PrequalificationStatus, index=True)
    requested_at: Mapped[int] = time_column(default_now=True)
    requested_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    qualified_power_w: Mapped[int | None] = int_column(nullable=True)

    dso_decision: Mapped[Decision | None] = enum_column(Decision, nullable=True)
    dso_reason: Mapped[str | None] = mapped_column(String(1000))
    dso_decided_at: Mapped[int | None] = time_column(nullable=True)
    dso_decided_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    operator_decision: Mapped[Decision | None] = enum_column(Decision, nullable=True)
    operator_reason: Mapped[str | None] = mapped_column(String(1000))
    operator_decided_at: Mapped[int | None] = time_column(nullable=True)
    operator_decided_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)

    #: The activation test's verdict and the numbers behind it (see ``activation_test``).
    test_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tested_at: Mapped[int | None] = time_column(nullable=True)
    decided_at: Mapped[int | None] = time_column(nullable=True)
    #: Why it failed (the rejecting reviewer's reason, or the test's).
    reason: Mapped[str | None] = mapped_column(String(1000))

    asset: Mapped[Asset] = relationship()
