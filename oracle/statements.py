"""Settlement statements: what was ordered, metered, delivered and paid, per agreement and
per participant and period, as JSON and CSV.

A statement shows the interval table of the oracle's verdict (baseline, ordered, actual,
delivered and shortfall energy in Wh), the price (token base units per MWh), the payment,
penalty and refund (token base units) and the transactions behind them. Once the agreement
is settled on chain the money comes from the contract's ``DeliveryAttested`` event
(``final``: true); before that it is the verdict's expectation (``final``: false). Disputes
raised against the statement are listed with it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace.models import Agreement, Participant
from marketplace.models.market import AgreementStatus
from marketplace.models.oracle import OracleVerdict, StatementDispute, VerdictStatus

AGREEMENT_CSV_COLUMNS = ("row", "start", "ordered_wh", "baseline_wh", "actual_wh", "delivered_wh", "shortfall_wh",
                         "price_per_mwh", "payment", "penalty", "refund", "final", "tx_hash")
PERIOD_CSV_COLUMNS = ("agreement_id", "kind", "direction", "role", "counterparty", "delivery_start", "delivery_end",
                      "ordered_wh", "delivered_wh", "ratio_pct", "success", "price_per_mwh", "payment", "penalty",
                      "refund", "final", "status", "settled_tx", "disputes_open")


def verdict_of(session: Session, agreement: Agreement) -> OracleVerdict | None:
    """The verdict behind the agreement's statement: the attested one, else the latest."""
    rows = session.scalars(select(OracleVerdict).where(OracleVerdict.agreement_id == agreement.id)
                           .order_by(OracleVerdict.updated_at.desc(), OracleVerdict.id.desc())).all()
    attested = [v for v in rows if v.status is VerdictStatus.ATTESTED]
    return (attested or rows or [None])[0]


def _party(session: Session, participant_id: int, address: str) -> dict[str, Any]:
    p = session.get(Participant, participant_id)
    return {"id": participant_id, "name": p.entity_name if p is not None else None, "address": address}


def agreement_statement(session: Session, agreement: Agreement) -> dict[str, Any]:
    """The statement of one agreement (see the module docstring for the fields' meaning)."""
    verdict = verdict_of(session, agreement)
    intervals = []
    if verdict is not None and verdict.intervals:
        intervals = [{**i, "shortfall_wh": max(0, i["ordered_wh"] - i["delivered_wh"])} for i in verdict.intervals]
    elif agreement.intervals:
        intervals = [{"start": i.start, "ordered_wh": i.quantity_wh, "baseline_wh": None, "actual_wh": None,
                      "delivered_wh": None, "shortfall_wh": None} for i in agreement.intervals]
    final = agreement.status is not AgreementStatus.ACTIVE
    money = (
        {"payment": agreement.payment, "penalty": agreement.penalty, "refund": agreement.refund}
        if final
        else {"payment": verdict.payment if verdict else None, "penalty": verdict.penalty if verdict else None,
              "refund": verdict.refund if verdict else None}
    )
    disputes = session.scalars(select(StatementDispute).where(StatementDispute.agreement_id == agreement.id)
                               .order_by(StatementDispute.id)).all()
    return {
        "id": agreement.id,
        "agreement_id": agreement.agreement_id,
        "kind": agreement.kind.value,
        "direction": agreement.direction.value,
        "status": agreement.status.value,
        "dso": _party(session, agreement.dso_id, agreement.dso_address),
        "fsp": _party(session, agreement.fsp_id, agreement.fsp_address),
        "request_id": agreement.request_id,
        "session_id": agreement.session_id,
        "bidding_unit_id": agreement.bidding_unit_id,
        "delivery_start": agreement.delivery_start,
        "delivery_end": agreement.delivery_end,
        "attest_deadline": agreement.attest_deadline,
        "price_per_mwh": agreement.price_per_mwh,
        "ordered_wh": agreement.quantity_wh,
        "amount": agreement.amount,
        "guarantee": agreement.guarantee,
        "success_threshold_pct": agreement.success_threshold_pct,
        "penalty_pct": agreement.penalty_pct,
        "verdict": None if verdict is None else {
            "status": verdict.status.value, "reason": verdict.reason, "oracle": verdict.oracle_address,
            "missing_count": verdict.missing_count, "judged_at": verdict.judged_at,
        },
        "intervals": intervals,
        "delivered_wh": agreement.delivered_wh if final else (verdict.attested_wh if verdict else None),
        "ratio_pct": verdict.ratio_pct if verdict else None,
        "success": agreement.success if final else (verdict.success if verdict else None),
        **money,
        "final": final,
        "transactions": {
            "awarded": agreement.awarded_tx,
            "attested": verdict.tx_hash if verdict else None,
            "settled": agreement.settled_tx,
        },
        "disputes": [
            {"id": d.id, "participant_id": d.participant_id, "status": d.status.value, "reason": d.reason,
             "resolution": d.resolution, "created_at": d.created_at, "resolved_at": d.resolved_at}
            for d in disputes
        ],
    }


def agreements_of(session: Session, participant_id: int | None, start: int, end: int) -> list[Agreement]:
    """Agreements whose delivery ended in [start, end) (Unix s) where the participant is the
    DSO or the FSP (all participants when ``participant_id`` is None)."""
    q = select(Agreement).where(Agreement.delivery_end >= start, Agreement.delivery_end < end)
    if participant_id is not None:
        q = q.where(or_(Agreement.dso_id == participant_id, Agreement.fsp_id == participant_id))
    return list(session.scalars(q.order_by(Agreement.delivery_end, Agreement.id)))


def period_statement(session: Session, participant_id: int | None, start: int, end: int) -> dict[str, Any]:
    """A participant's statements for a period, with totals of what it received and paid."""
    items = [agreement_statement(session, a) for a in agreements_of(session, participant_id, start, end)]
    received = sum(i["payment"] or 0 for i in items if i["final"] and i["fsp"]["id"] == participant_id)
    refunded = sum((i["refund"] or 0) + (i["penalty"] or 0) for i in items
                   if i["final"] and i["dso"]["id"] == participant_id)
    return {
        "participant_id": participant_id,
        "start": start,
        "end": end,
        "agreements": items,
        "totals": {
            "agreements": len(items),
            "settled": sum(i["final"] for i in items),
            "payments_received": received,
            "payments_made": sum(i["payment"] or 0 for i in items if i["final"] and i["dso"]["id"] == participant_id),
            "penalties_paid": sum(i["penalty"] or 0 for i in items if i["final"] and i["fsp"]["id"] == participant_id),
            "refunds_and_penalties_received": refunded,
        },
    }


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return out.getvalue()


def agreement_csv(statement: dict[str, Any]) -> str:
    """One agreement's statement as CSV: an ``interval`` row per quarter-hour, then ``total``."""
    rows = [{"row": "interval", **i} for i in statement["intervals"]]
    delivered = statement["delivered_wh"]
    rows.append({
        "row": "total", "ordered_wh": statement["ordered_wh"], "delivered_wh": delivered,
        "shortfall_wh": None if delivered is None else max(0, statement["ordered_wh"] - delivered),
        "price_per_mwh": statement["price_per_mwh"], "payment": statement["payment"],
        "penalty": statement["penalty"], "refund": statement["refund"], "final": statement["final"],
        "tx_hash": statement["transactions"]["settled"] or statement["transactions"]["attested"],
    })
    return _csv(AGREEMENT_CSV_COLUMNS, rows)


def period_csv(statement: dict[str, Any]) -> str:
    """A period statement as CSV: one row per agreement, from the participant's side."""
    me = statement["participant_id"]
    rows = []
    for s in statement["agreements"]:
        role = "fsp" if s["fsp"]["id"] == me else "dso" if s["dso"]["id"] == me else ""
        other = s["dso"] if role == "fsp" else s["fsp"]
        rows.append({
            **s, "role": role, "counterparty": other["name"] or other["address"],
            "settled_tx": s["transactions"]["settled"],
            "disputes_open": sum(d["status"] == "open" for d in s["disputes"]),
        })
    return _csv(PERIOD_CSV_COLUMNS, rows)
