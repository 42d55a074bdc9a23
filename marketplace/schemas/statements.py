"""Schemas of settlement statements and disputes (see oracle/statements.py for the meaning).

Energies Wh, prices token base units per MWh, money token base units, times Unix s.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from marketplace.schemas.common import MAX_ID, Paging, Query, Reason, Request, Response

Format = Literal["json", "csv"]


class StatementQuery(Query):
    format: Format = Field("json", description="json, or csv for the interval table.")


class PeriodQuery(Query):
    start: int = Field(ge=0, le=2**40, description="Delivery ended at or after this time, Unix s.")
    end: int = Field(ge=0, le=2**40, description="... and before this time, Unix s.")
    participant_id: int | None = Field(None, ge=1, le=MAX_ID,
                                       description="The participant (operator only; others get their own).")
    format: Format = "json"


class Party(Response):
    id: int
    name: str | None
    address: str


class StatementInterval(Response):
    start: int
    ordered_wh: int
    baseline_wh: int | None
    actual_wh: int | None
    delivered_wh: int | None
    shortfall_wh: int | None


class VerdictInfo(Response):
    status: str
    reason: str | None
    oracle: str
    missing_count: int
    judged_at: int | None


class Transactions(Response):
    awarded: str | None
    attested: str | None
    settled: str | None


class DisputeInfo(Response):
    id: int
    participant_id: int
    status: str
    reason: str
    resolution: str | None
    created_at: int
    resolved_at: int | None


class StatementOut(Response):
    """One agreement's settlement statement."""

    id: int
    agreement_id: str = Field(description="On-chain agreement id (0x + 64 hex digits).")
    kind: str
    direction: str
    status: str = Field(description="active, settled or reclaimed (as the chain says).")
    dso: Party
    fsp: Party
    request_id: int
    session_id: int
    bidding_unit_id: int
    delivery_start: int
    delivery_end: int
    attest_deadline: int
    price_per_mwh: int
    ordered_wh: int
    amount: int
    guarantee: int
    success_threshold_pct: int
    penalty_pct: int
    verdict: VerdictInfo | None
    intervals: list[StatementInterval]
    delivered_wh: int | None
    ratio_pct: str | None
    success: bool | None
    payment: int | None
    penalty: int | None
    refund: int | None
    final: bool = Field(description="True once settled on chain (money from the contract's event).")
    transactions: Transactions
    disputes: list[DisputeInfo]


class PeriodTotals(Response):
    agreements: int
    settled: int
    payments_received: int
    payments_made: int
    penalties_paid: int
    refunds_and_penalties_received: int


class PeriodStatementOut(Response):
    participant_id: int | None
    start: int
    end: int
    agreements: list[StatementOut]
    totals: PeriodTotals


class DisputeIn(Request):
    reason: Reason


class ResolveIn(Request):
    resolution: Reason


class DisputeQuery(Paging):
    status: Literal["open", "resolved", "withdrawn"] | None = None


class DisputeOut(DisputeInfo):
    agreement_id: int
