"""The meter oracle worker: judges ended deliveries and attests them on chain.

Each :meth:`OracleWorker.run_once`:

1. finishes attestations a crash or a node restart left unfinished (the durable sender
   re-sends the same signed bytes; never a second settlement);
2. judges every ordered activation of long-term availability whose window has ended
   (delivered energy against the pre-window baseline, success at the product's 80 %);
3. for every active agreement whose delivery window has ended and whose attestation
   deadline has not passed, computes the verdict from the stored meter readings and attests
   it — directly when the contract's oracle quorum is one, otherwise by storing this
   oracle's EIP-712 signature and submitting ``attestSigned`` once enough oracles agree.

What is attested per agreement kind (``delivered`` in Wh; the contract turns it into money
by the settlement rules, :mod:`marketplace.settlement`):

- energy: the verdict's delivered energy over the agreement's intervals and meters;
- activation (the activation leg of long-term availability): the sum over its activations
  of min(delivered, ordered) — every activated Wh is paid at the agreed activation price;
- availability: the ordered Wh-equivalent scaled by the share of successful activations
  (:func:`oracle.availability.scaled_wh`; the full amount when none failed).

Readings missing for a needed interval leave the verdict ``pending`` with the reason; the
worker tries again every round until the attestation deadline, then marks it ``expired``
(the DSO may reclaim the agreement on chain).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import settlement
from marketplace.bridge.sender import TransactionFailed, TransactionSender
from marketplace.chain.errors import ContractRevert
from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment
from marketplace.db import Database
from marketplace.models import Activation, Agreement, Asset
from marketplace.models.base import now_s
from marketplace.models.chain import TxStatus
from marketplace.models.market import ActivationStatus, AgreementKind, AgreementStatus
from marketplace.models.oracle import OracleVerdict, VerdictStatus
from oracle import attestation, intake
from oracle.agreement import agreement_from_dict
from oracle.availability import scaled_wh
from oracle.baselines import DAY_S
from oracle.errors import OracleError
from oracle.meterdata import INTERVAL_S
from oracle.verdict import Incomplete, Verdict, missing_reason, verify

log = logging.getLogger(__name__)

#: Missing readings kept in a pending verdict (the count covers them all).
MISSING_KEPT = 100


@dataclass
class RoundReport:
    """What one round did, by agreement id (0x-hex)."""

    activations_judged: int = 0
    attested: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)
    signed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def meters_of(session: Session, bidding_unit_id: int) -> list[str]:
    """The metering points of a bidding unit's assets."""
    return sorted(set(session.scalars(select(Asset.metering_point_id).where(Asset.bidding_unit_id == bidding_unit_id))))


def readings_window(baseline: dict[str, Any], first: int, last: int) -> tuple[int, int]:
    """The interval starts a verdict needs readings for: the window, plus what the baseline
    method looks back to (pre-window: one interval; X-of-Y: up to two weeks past Y days)."""
    method = baseline.get("method", "pre_window")
    if method == "x_of_y":
        return first - (2 * int(baseline.get("y", 10)) + 14) * DAY_S, last
    if method == "declared":
        return first, last
    return first - INTERVAL_S, last


def judge(session: Session, agreement_id: str, direction: str, price_per_mwh: int, meter_ids: list[str],
          intervals: list[tuple[int, int]], baseline: dict[str, Any], threshold_pct: int, penalty_pct: int,
          guarantee: int) -> Verdict | Incomplete:
    """The verdict of one delivery from the stored readings (see :func:`oracle.verdict.verify`)."""
    terms = agreement_from_dict({
        "id": agreement_id,
        "direction": direction,
        "price_per_mwh": price_per_mwh,
        "meter_ids": meter_ids,
        "intervals": [{"start": s, "quantity_wh": q} for s, q in intervals],
        "baseline": baseline or {"method": "pre_window"},
        "success_threshold_pct": threshold_pct,
        "penalty_pct": penalty_pct,
        "guarantee": guarantee,
    })
    first, last = readings_window(terms.baseline.model_dump(), intervals[0][0], intervals[-1][0])
    return verify(terms, intake.load(session, meter_ids, first, last))


@dataclass
class OracleWorker:
    """Judges and attests for one oracle key on one deployment."""

    database: Database
    chain: Chain
    deployment: Deployment
    oracle: LocalAccount
    batch: int = 200

    def __post_init__(self) -> None:
        self.sender = TransactionSender(self.database, self.chain)
        self.market = self.chain.contract("FlexMarket", self.deployment.market)

    # ------------------------------------------------------------------ rounds
    def run_once(self, now: int | None = None) -> RoundReport:
        """One round; ``now`` defaults to the chain's latest block time (Unix s)."""
        now = self.chain.timestamp() if now is None else now
        report = RoundReport()
        self.sender.resume()
        self._quorum = int(self.chain.call(self.market.functions.oracleQuorum()))  # once per round
        report.activations_judged = self._judge_activations(now)
        after = 0
        while due := self._due(now, after):  # every due agreement, a page at a time: those still
            for agreement_pk in due:         # waiting for readings never hide the others
                self._process(agreement_pk, now, report)
            after = due[-1]
        return report

    def run(self, stop: threading.Event, *, interval_s: float = 5.0) -> None:
        """Rounds until ``stop`` is set; a failed round is logged and the next one retries."""
        while not stop.is_set():
            try:
                report = self.run_once()
                if report.attested or report.expired or report.failed:
                    log.info("oracle round: attested %s, expired %s, failed %s",
                             report.attested, report.expired, report.failed)
            except Exception:  # one bad round must not stop the oracle; the next one retries
                log.exception("oracle round failed; retrying")
            stop.wait(interval_s)

    def _due(self, now: int, after: int) -> list[int]:
        """Ids above ``after`` of active agreements ended by ``now`` this oracle has not done."""
        with self.database.new_session(writes=False) as s:
            done = select(OracleVerdict.agreement_id).where(
                OracleVerdict.oracle_address == self.oracle.address,
                OracleVerdict.status.in_((VerdictStatus.ATTESTED, VerdictStatus.EXPIRED)),
            )
            return list(s.scalars(
                select(Agreement.id).where(
                    Agreement.status == AgreementStatus.ACTIVE,
                    Agreement.chain_id == self.chain.chain_id,
                    Agreement.market_address == self.market.address,
                    Agreement.delivery_end <= now,
                    Agreement.id.not_in(done),
                    Agreement.id > after,
                ).order_by(Agreement.id).limit(self.batch)
            ))

    # ------------------------------------------------------------------ activations
    def _judge_activations(self, now: int) -> int:
        judged, after = 0, 0
        while True:  # a page at a time, so activations still waiting for readings hide none
            with self.database.transaction() as s:
                rows = s.scalars(
                    select(Activation).where(
                        Activation.status == ActivationStatus.ORDERED, Activation.judged_at.is_(None),
                        Activation.end <= now, Activation.id > after,
                    ).order_by(Activation.id).limit(self.batch)
                ).all()
                judged += sum(self._judge_activation(s, activation) for activation in rows)
            if len(rows) < self.batch:
                return judged
            after = rows[-1].id

    def _judge_activation(self, s: Session, activation: Activation) -> bool:
        """Judge one ended activation; False while its readings are missing (a later round)."""
        availability = s.get(Agreement, activation.agreement_id)
        result = judge(
            s, availability.agreement_id, activation.direction.value, availability.price_per_mwh,
            meters_of(s, activation.bidding_unit_id), [(i.start, i.quantity_wh) for i in activation.intervals],
            {"method": "pre_window"}, settlement.DEFAULT_SUCCESS_THRESHOLD_PCT, 0, 0,
        )
        if isinstance(result, Incomplete):
            return False
        activation.delivered_wh = result.delivered_wh
        activation.success = result.success
        activation.judged_at = now_s()
        return True

    # ------------------------------------------------------------------ agreements
    def _process(self, agreement_pk: int, now: int, report: RoundReport) -> None:
        """Judge one due agreement (unless already submitted) and attest it.

        The verdict, with the transaction key, is committed before anything is sent; after a
        crash the next round rebuilds the same call from the stored verdict, and the sender's
        key makes it one transaction whatever happened."""
        with self.database.transaction() as s:
            agreement = s.get(Agreement, agreement_pk)
            key = agreement.agreement_id
            verdict = self._verdict_row(s, agreement)
            if verdict.tx_key is None:
                if now > agreement.attest_deadline:
                    verdict.status, verdict.reason = VerdictStatus.EXPIRED, "the attestation deadline passed"
                    report.expired.append(key)
                    return
                if not self._judge(s, agreement, verdict, report):
                    return
                verdict.tx_key = f"attest:{self.chain.chain_id}:{key}"
            fn = self._attestation_call(s, agreement, verdict)
            tx_key = verdict.tx_key
        try:
            record = self.sender.submit(tx_key, fn, self.oracle, purpose="attest")
        except (TransactionFailed, ContractRevert) as exc:
            report.failed[key] = exc.message
            with self.database.transaction() as s:
                s.get(OracleVerdict, self._verdict_id(s, agreement_pk)).reason = exc.message
            return
        if record.status is TxStatus.MINED:
            with self.database.transaction() as s:
                verdict = s.get(OracleVerdict, self._verdict_id(s, agreement_pk))
                verdict.status, verdict.tx_hash, verdict.attested_at = VerdictStatus.ATTESTED, record.tx_hash, now_s()
                verdict.reason = None
            report.attested.append(key)

    def _judge(self, s: Session, agreement: Agreement, verdict: OracleVerdict, report: RoundReport) -> bool:
        """Compute and store the verdict; True when it is ready to be attested now."""
        key = agreement.agreement_id
        outcome = self._outcome(s, agreement)
        verdict.checks += 1
        verdict.updated_at = now_s()
        if isinstance(outcome, Incomplete):
            verdict.status = VerdictStatus.PENDING
            verdict.reason = missing_reason(len(outcome.missing)) + " (baseline or delivery window)"
            verdict.missing = [list(m) for m in outcome.missing[:MISSING_KEPT]]
            verdict.missing_count = len(outcome.missing)
            report.pending[key] = verdict.reason
            return False
        if isinstance(outcome, str):
            verdict.status, verdict.reason = VerdictStatus.PENDING, outcome
            report.pending[key] = outcome
            return False
        self._record(verdict, outcome)
        quorum = self._quorum
        if quorum == 1:
            return True
        signed = attestation.sign_attestation(self.oracle, key, verdict.attested_wh, chain_id=self.chain.chain_id,
                                              verifying_contract=self.market.address)
        verdict.signature = "0x" + signed.signature.hex()
        s.flush()
        missing = quorum - len(self._agreeing_signatures(s, agreement, verdict.attested_wh))
        if missing > 0:
            verdict.reason = f"signed; waiting for {missing} more meter oracle(s) (quorum {quorum})"
            report.signed.append(key)
            return False
        return True

    def _attestation_call(self, s: Session, agreement: Agreement, verdict: OracleVerdict):
        """``attest`` for a quorum of one, else ``attestSigned`` with the agreeing signatures."""
        terms = agreement.chain_struct().as_tuple()
        if verdict.signature is None:
            return self.market.functions.attest(terms, verdict.attested_wh)
        signatures = self._agreeing_signatures(s, agreement, verdict.attested_wh)
        return self.market.functions.attestSigned(
            terms, verdict.attested_wh, [attestation.compact(bytes.fromhex(sig[2:])) for sig in signatures])

    def _verdict_row(self, s: Session, agreement: Agreement) -> OracleVerdict:
        row = s.scalar(select(OracleVerdict).where(OracleVerdict.agreement_id == agreement.id,
                                                   OracleVerdict.oracle_address == self.oracle.address))
        if row is None:
            row = OracleVerdict(agreement_id=agreement.id, oracle_address=self.oracle.address,
                                status=VerdictStatus.PENDING, checks=0, missing_count=0)
            s.add(row)
            s.flush()
        return row

    def _verdict_id(self, s: Session, agreement_pk: int) -> int:
        return s.scalar(select(OracleVerdict.id).where(OracleVerdict.agreement_id == agreement_pk,
                                                       OracleVerdict.oracle_address == self.oracle.address))

    def _agreeing_signatures(self, s: Session, agreement: Agreement, attested_wh: int) -> list[str]:
        """Signatures of distinct oracles on the same delivered energy, in ascending signer order."""
        rows = s.execute(select(OracleVerdict.oracle_address, OracleVerdict.signature).where(
            OracleVerdict.agreement_id == agreement.id, OracleVerdict.attested_wh == attested_wh,
            OracleVerdict.signature.is_not(None))).all()
        return [sig for _, sig in sorted(rows, key=lambda r: int(r[0], 16))]

    # ------------------------------------------------------------------ verdicts
    def _outcome(self, s: Session, agreement: Agreement) -> Verdict | Incomplete | _Equivalent | str:
        """The verdict to attest, the missing readings, or why there is none yet."""
        if agreement.kind is AgreementKind.ENERGY:
            meters = meters_of(s, agreement.bidding_unit_id)
            if not meters:
                return "the bidding unit has no metered asset"
            try:
                result = judge(
                    s, agreement.agreement_id, agreement.direction.value, agreement.price_per_mwh, meters,
                    [(i.start, i.quantity_wh) for i in agreement.intervals],
                    {"method": agreement.baseline_method, **(agreement.baseline_params or {})},
                    agreement.success_threshold_pct, agreement.penalty_pct, agreement.guarantee,
                )
            except OracleError as exc:
                return f"the agreement's terms cannot be judged: {exc.message}"
            return result
        column = Activation.activation_agreement_id if agreement.kind is AgreementKind.ACTIVATION else Activation.agreement_id
        activations = s.scalars(select(Activation).where(column == agreement.id,
                                                         Activation.status == ActivationStatus.ORDERED)).all()
        unjudged = [a.id for a in activations if a.judged_at is None]
        if unjudged:
            return f"{len(unjudged)} activation(s) not judged yet (readings missing)"
        if agreement.kind is AgreementKind.ACTIVATION:
            delivered = sum(min(a.delivered_wh, a.total_wh) for a in activations)
        else:
            delivered = scaled_wh(agreement.quantity_wh, len(activations), sum(bool(a.success) for a in activations))
        return _Equivalent(delivered, agreement, len(activations), sum(bool(a.success) for a in activations))

    def _record(self, verdict: OracleVerdict, outcome: Verdict | _Equivalent) -> None:
        verdict.missing, verdict.missing_count = None, 0
        if isinstance(outcome, Verdict):
            verdict.intervals = [
                {"start": i.start, "ordered_wh": i.quantity_wh, "baseline_wh": i.baseline_wh,
                 "actual_wh": i.actual_wh, "delivered_wh": i.delivered_wh} for i in outcome.intervals]
            verdict.ordered_wh, verdict.delivered_wh = outcome.ordered_wh, outcome.delivered_wh
            verdict.ratio_pct, verdict.success = outcome.ratio_pct, outcome.success
            verdict.payment, verdict.penalty, verdict.refund = outcome.payment, outcome.penalty, outcome.refund
            verdict.attested_wh = outcome.delivered_wh
        else:
            split = outcome.split()
            verdict.intervals = []
            verdict.ordered_wh = outcome.agreement.quantity_wh
            verdict.delivered_wh = verdict.attested_wh = outcome.delivered_wh
            verdict.ratio_pct = None
            verdict.success, verdict.payment, verdict.penalty, verdict.refund = (
                split.success, split.payment, split.penalty, split.refund)
            verdict.reason = f"{outcome.successful} of {outcome.activations} activation(s) successful"
        verdict.status, verdict.judged_at = VerdictStatus.JUDGED, now_s()


@dataclass(frozen=True)
class _Equivalent:
    """The attested Wh of an activation or availability agreement and how it came about."""

    delivered_wh: int
    agreement: Agreement
    activations: int
    successful: int

    def split(self) -> settlement.SettlementSplit:
        a = self.agreement
        return settlement.settle(a.price_per_mwh, a.quantity_wh, self.delivered_wh, a.success_threshold_pct,
                                 a.penalty_pct, a.guarantee)
