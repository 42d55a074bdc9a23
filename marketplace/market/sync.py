"""Keeping the database in step with the chain: the event indexer's handlers.

Every handler is ``handler(session, event)`` with a :class:`~marketplace.models.chain.ChainEvent`
(``args`` as JSON) and runs in the indexer's transaction. State changes are idempotent, so the
same event may also be applied at once from a transaction receipt (:func:`apply_receipt`: the
publish call, the gate closure) and again by the indexer without effect. The ledger mirror
(credits and guarantees per address) changes only through the indexer, which sees each log
exactly once.

- ``RequestCreated``: the pending leg with this ``ref`` and exactly these terms gets its
  on-chain id; the request is published when every leg is created.
- ``BookCommitted``, ``RequestAwarded``, ``RequestCancelled``: the leg's status (and the
  refunds credited to the DSO). When every leg is awarded the results are final.
- ``OfferAwarded``: an agreement, from the bid leg whose digest is the agreement id.
- ``DeliveryAttested`` / ``AgreementReclaimed``: the agreement is settled / reclaimed with the
  event's payment, penalty and refund.
- ``PaymentWithdrawn``, ``GuaranteeDeposited``, ``GuaranteeWithdrawn``: the ledger mirror.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.bridge.indexer import EventIndexer, plain
from marketplace.domain.errors import InvalidInput
from marketplace.market import notifications
from marketplace.models import (
    Agreement,
    AgreementInterval,
    Bid,
    BidLeg,
    ChainRequest,
    CreditAccount,
    FlexRequest,
    GuaranteeAccount,
)
from marketplace.models.base import now_s
from marketplace.models.market import (
    AgreementKind,
    AgreementStatus,
    ChainRequestStatus,
    Leg,
    RequestStatus,
)

log = logging.getLogger(__name__)


@dataclass
class Event:
    """An event as handlers see it (the indexer's ``ChainEvent`` has the same fields)."""

    event: str
    chain_id: int
    address: str
    tx_hash: str
    log_index: int
    block_number: int
    args: dict[str, Any] = field(default_factory=dict)


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def _leg(session: Session, event: Any) -> ChainRequest | None:
    return session.scalars(select(ChainRequest).where(
        ChainRequest.chain_id == event.chain_id, ChainRequest.market_address == to_checksum_address(event.address),
        ChainRequest.onchain_id == int(event.args["requestId"]))).first()


# ---------------------------------------------------------------------------------- requests
def on_request_created(session: Session, event: Any, *, ledger: bool = True) -> None:
    from marketplace.market import requests as request_domain

    terms = event.args["request"]
    ref = _hex(terms["ref"])
    candidates = session.scalars(select(ChainRequest).where(
        ChainRequest.chain_id == event.chain_id, ChainRequest.market_address == to_checksum_address(event.address),
        ChainRequest.ref == ref)).all()
    onchain_id = int(event.args["requestId"])
    for leg in candidates:
        if leg.onchain_id == onchain_id:
            return  # seen before
    for leg in candidates:
        if leg.onchain_id is not None:
            continue
        expected = request_domain.leg_terms(leg)
        if not _same_terms(expected, terms):
            log.warning("RequestCreated %d has the ref of leg %d but other terms; ignored", onchain_id, leg.id)
            continue
        leg.onchain_id = onchain_id
        leg.created_tx, leg.created_block = event.tx_hash.lower(), event.block_number
        leg.updated_at = now_s()
        request = session.get(FlexRequest, leg.request_id)
        if request.status is RequestStatus.VALIDATED and leg.status is ChainRequestStatus.PENDING:
            leg.status = ChainRequestStatus.CREATED
            session.flush()
            session.expire(request, ["legs"])
            request_domain.mark_published(session, request)
        else:  # created after the request ended: the scheduler has the operator cancel it
            leg.status = ChainRequestStatus.CREATED
        return


def _same_terms(expected: dict[str, Any], got: dict[str, Any]) -> bool:
    for key, value in expected.items():
        other = got.get(key)
        if key == "ref":
            if _hex(other) != value.lower():
                return False
        elif key == "dso":
            if to_checksum_address(other) != to_checksum_address(value):
                return False
        elif key == "payAsClear":
            if bool(other) != bool(value):
                return False
        elif int(other) != int(value):
            return False
    return True


def on_book_committed(session: Session, event: Any, *, ledger: bool = True) -> None:
    leg = _leg(session, event)
    if leg is None or leg.status is not ChainRequestStatus.CREATED:
        return
    leg.status = ChainRequestStatus.COMMITTED
    root = _hex(event.args["root"])
    if leg.book_root is not None and leg.book_root != root:
        log.error("leg %d: committed root %s differs from the book %s", leg.id, root, leg.book_root)
    leg.book_root = root
    leg.committed_tx = event.tx_hash.lower()
    leg.updated_at = now_s()


def on_request_cancelled(session: Session, event: Any, *, ledger: bool = True) -> None:
    leg = _leg(session, event)
    if ledger and leg is not None:
        _credit(session, event, leg.dso_address, int(event.args["refund"]))
    if leg is None or leg.status is ChainRequestStatus.CANCELLED:
        return
    leg.status = ChainRequestStatus.CANCELLED
    leg.cancelled_tx = event.tx_hash.lower()
    leg.refund = int(event.args["refund"])
    leg.updated_at = now_s()
    request = session.get(FlexRequest, leg.request_id)
    if request.status in (RequestStatus.VALIDATED, RequestStatus.PUBLISHED, RequestStatus.CLOSED):
        request.status = RequestStatus.CANCELLED
        request.cancelled_at = now_s()


def on_request_awarded(session: Session, event: Any, *, ledger: bool = True) -> None:
    leg = _leg(session, event)
    if ledger and leg is not None:
        _credit(session, event, leg.dso_address, int(event.args["refund"]))
    if leg is None or leg.status is ChainRequestStatus.AWARDED:
        return
    leg.status = ChainRequestStatus.AWARDED
    leg.awarded_tx = event.tx_hash.lower()
    leg.awarded_by = to_checksum_address(event.args["by"])
    leg.awarded_wh, leg.agreed, leg.refund = (int(event.args["awardedWh"]), int(event.args["agreed"]),
                                             int(event.args["refund"]))
    leg.updated_at = now_s()
    session.flush()
    request = session.get(FlexRequest, leg.request_id)
    session.expire(request, ["legs"])
    if all(x.status in (ChainRequestStatus.AWARDED, ChainRequestStatus.CANCELLED) for x in request.legs):
        from marketplace.market import results

        results.finalize(session, request)


def on_offer_awarded(session: Session, event: Any, *, ledger: bool = True) -> None:
    agreement_id = _hex(event.args["agreementId"])
    guarantee = int(event.args["guarantee"])
    if ledger and guarantee:
        account = _guarantee_account(session, event, event.args["fsp"])
        account.locked += guarantee
    if session.scalars(select(Agreement.id).where(Agreement.agreement_id == agreement_id)).first() is not None:
        return
    leg_row = session.scalars(select(BidLeg).where(BidLeg.digest == agreement_id)).first()
    chain_leg = _leg(session, event)
    if leg_row is None or chain_leg is None:
        log.error("OfferAwarded %s matches no bid leg of ours", agreement_id)
        return
    bid = session.get(Bid, leg_row.bid_id)
    request = session.get(FlexRequest, bid.request_id)
    quantity = int(event.args["quantityWh"])
    price = int(event.args["pricePerMWh"])
    from marketplace import settlement

    kind = {Leg.ENERGY: AgreementKind.ENERGY, Leg.AVAILABILITY: AgreementKind.AVAILABILITY,
            Leg.ACTIVATION: AgreementKind.ACTIVATION}[leg_row.leg]
    agreement = Agreement(
        agreement_id=agreement_id, chain_id=event.chain_id, market_address=to_checksum_address(event.address),
        chain_request_id=chain_leg.id, request_id=request.id, session_id=request.session_id, bid_id=bid.id,
        bid_leg_id=leg_row.id, bidding_unit_id=bid.bidding_unit_id, dso_id=request.dso_id, fsp_id=bid.fsp_id,
        kind=kind, direction=request.direction, status=AgreementStatus.ACTIVE, onchain_request_id=chain_leg.onchain_id,
        dso_address=chain_leg.dso_address, fsp_address=to_checksum_address(event.args["fsp"]), quantity_wh=quantity,
        price_per_mwh=price, guarantee=guarantee, delivery_end=chain_leg.delivery_end,
        attest_deadline=chain_leg.attest_deadline, success_threshold_pct=chain_leg.success_threshold_pct,
        penalty_pct=chain_leg.penalty_pct, delivery_start=request.delivery_start,
        amount=settlement.payment(price, quantity), baseline_method="pre_window", baseline_params={},
        awarded_tx=event.tx_hash.lower(), awarded_block=event.block_number, created_at=now_s(),
    )
    if kind is not AgreementKind.ACTIVATION:
        agreement.intervals = [AgreementInterval(start=start, quantity_wh=wh)
                               for start, wh in _agreement_intervals(chain_leg, bid, quantity)]
    session.add(agreement)
    if kind is not AgreementKind.ENERGY:  # pair the availability and activation agreements of one bid
        session.flush()
        partner = session.scalars(select(Agreement).where(Agreement.bid_id == bid.id,
                                                          Agreement.id != agreement.id)).first()
        if partner is not None and {partner.kind, kind} == {AgreementKind.AVAILABILITY, AgreementKind.ACTIVATION}:
            agreement.partner_agreement_id, partner.partner_agreement_id = partner.id, agreement.id
    session.flush()


def _agreement_intervals(chain_leg: ChainRequest, bid: Bid, quantity: int) -> list[tuple[int, int]]:
    """Per-quarter-hour ordered Wh: the award plan's (the clearing's accepted lines or the DSO's
    pick), else the bid's offer scaled to the awarded total (exact: largest remainders)."""
    plan = (chain_leg.award_plan or {}).get(str(bid.id))
    if plan is not None and plan.get("quantity_wh") == quantity:
        return [(int(s), int(q)) for s, q in plan["intervals"]]
    offered = [(i.start, i.quantity_wh) for i in bid.intervals]
    total = sum(q for _, q in offered)
    if total == quantity or total == 0:
        return offered
    shares = [q * quantity // total for _, q in offered]
    rest = quantity - sum(shares)
    order = sorted(range(len(offered)), key=lambda k: (-(offered[k][1] * quantity % total), k))
    for k in order[:rest]:
        shares[k] += 1
    return [(s, w) for (s, _), w in zip(offered, shares) if w]


# ---------------------------------------------------------------------------------- settlement
def on_delivery_attested(session: Session, event: Any, *, ledger: bool = True) -> None:
    agreement = session.scalars(select(Agreement).where(
        Agreement.agreement_id == _hex(event.args["agreementId"]))).first()
    payment, penalty, refund = int(event.args["payment"]), int(event.args["penalty"]), int(event.args["refund"])
    if ledger and agreement is not None:
        _credit(session, event, agreement.fsp_address, payment)
        _credit(session, event, agreement.dso_address, refund + penalty)
        if agreement.guarantee:
            account = _guarantee_account(session, event, agreement.fsp_address)
            account.locked -= agreement.guarantee
            account.total -= penalty
    if agreement is None or agreement.status is not AgreementStatus.ACTIVE:
        return
    agreement.status = AgreementStatus.SETTLED
    agreement.delivered_wh = int(event.args["deliveredWh"])
    agreement.success = bool(event.args["success"])
    agreement.payment, agreement.penalty, agreement.refund = payment, penalty, refund
    agreement.settled_tx, agreement.settled_at = event.tx_hash.lower(), now_s()
    notifications.notify(session, [agreement.dso_id, agreement.fsp_id], notifications.AGREEMENT_SETTLED,
                         f"Agreement {agreement.agreement_id[:10]}… settled: "
                         f"{'success' if agreement.success else 'shortfall'}, payment {payment}",
                         {"agreement_id": agreement.agreement_id, "delivered_wh": agreement.delivered_wh,
                          "success": agreement.success, "payment": payment, "penalty": penalty, "refund": refund},
                         object_type="agreement", object_id=agreement.id)


def on_agreement_reclaimed(session: Session, event: Any, *, ledger: bool = True) -> None:
    agreement = session.scalars(select(Agreement).where(
        Agreement.agreement_id == _hex(event.args["agreementId"]))).first()
    refund = int(event.args["refund"])
    if ledger and agreement is not None:
        _credit(session, event, agreement.dso_address, refund)
        if agreement.guarantee:
            _guarantee_account(session, event, agreement.fsp_address).locked -= agreement.guarantee
    if agreement is None or agreement.status is not AgreementStatus.ACTIVE:
        return
    agreement.status = AgreementStatus.RECLAIMED
    agreement.payment, agreement.penalty, agreement.refund = 0, 0, refund
    agreement.settled_tx, agreement.settled_at = event.tx_hash.lower(), now_s()
    notifications.notify(session, [agreement.dso_id, agreement.fsp_id], notifications.AGREEMENT_SETTLED,
                         f"Agreement {agreement.agreement_id[:10]}… reclaimed by the DSO (no attestation in time)",
                         {"agreement_id": agreement.agreement_id, "reclaimed": True, "refund": refund},
                         object_type="agreement", object_id=agreement.id)


# ---------------------------------------------------------------------------------- ledger mirror
def _credit_account(session: Session, event: Any, address: str) -> CreditAccount:
    key = (event.chain_id, to_checksum_address(event.address), to_checksum_address(address))
    account = session.get(CreditAccount, key)
    if account is None:
        account = CreditAccount(chain_id=key[0], market_address=key[1], address=key[2], amount=0, updated_at=now_s())
        session.add(account)
    return account


def _credit(session: Session, event: Any, address: str, amount: int) -> None:
    if amount:
        account = _credit_account(session, event, address)
        account.amount += amount
        account.updated_at = now_s()


def _guarantee_account(session: Session, event: Any, address: str) -> GuaranteeAccount:
    key = (event.chain_id, to_checksum_address(event.address), to_checksum_address(address))
    account = session.get(GuaranteeAccount, key)
    if account is None:
        account = GuaranteeAccount(chain_id=key[0], market_address=key[1], address=key[2], total=0, locked=0,
                                   updated_at=now_s())
        session.add(account)
        session.flush()
    account.updated_at = now_s()
    return account


def on_payment_withdrawn(session: Session, event: Any, *, ledger: bool = True) -> None:
    if ledger:  # withdraw() pays out the whole credit
        account = _credit_account(session, event, event.args["account"])
        account.amount = 0
        account.updated_at = now_s()


def on_guarantee_changed(session: Session, event: Any, *, ledger: bool = True) -> None:
    if ledger:
        _guarantee_account(session, event, event.args["fsp"]).total = int(event.args["total"])


HANDLERS: dict[str, Callable[..., None]] = {
    "RequestCreated": on_request_created,
    "BookCommitted": on_book_committed,
    "RequestCancelled": on_request_cancelled,
    "RequestAwarded": on_request_awarded,
    "OfferAwarded": on_offer_awarded,
    "DeliveryAttested": on_delivery_attested,
    "AgreementReclaimed": on_agreement_reclaimed,
    "PaymentWithdrawn": on_payment_withdrawn,
    "GuaranteeDeposited": on_guarantee_changed,
    "GuaranteeWithdrawn": on_guarantee_changed,
}


def register(indexer: EventIndexer) -> EventIndexer:
    """Register every market handler on ``indexer`` (the ledger mirror included)."""
    for name, handler in HANDLERS.items():
        indexer.on(name, handler)
    return indexer


def receipt_events(services, tx_hash: str) -> list[Event]:
    """The market's events in a transaction's receipt, in log order."""
    from web3.exceptions import TransactionNotFound

    market = services.market()
    try:
        receipt = market.chain.w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        raise InvalidInput("no mined transaction with this hash", code="unknown_transaction",
                           details={"tx_hash": tx_hash}) from None
    if receipt["status"] != 1:
        raise InvalidInput("the transaction reverted", code="transaction_reverted", details={"tx_hash": tx_hash})
    topics = _topics(market.market)
    tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    out = []
    for entry in receipt["logs"]:
        if to_checksum_address(entry["address"]) != market.market.address or not entry["topics"]:
            continue
        name = topics.get(bytes(entry["topics"][0]))
        if name is None:
            continue
        decoded = market.market.events[name]().process_log(entry)
        out.append(Event(name, market.chain.chain_id, market.market.address, tx_hash, int(entry["logIndex"]),
                         int(receipt["blockNumber"]), plain(dict(decoded["args"]))))
    return out


_TOPICS: dict[str, dict[bytes, str]] = {}


def _topics(contract) -> dict[bytes, str]:
    """topic0 -> event name of the handled events of ``contract`` (computed once per address)."""
    found = _TOPICS.get(contract.address)
    if found is None:
        from eth_utils import event_abi_to_log_topic

        found = {event_abi_to_log_topic(item): item["name"] for item in contract.abi
                 if item["type"] == "event" and item["name"] in HANDLERS}
        _TOPICS[contract.address] = found
    return found


def apply_receipt(session: Session, services, tx_hash: str, *, only: Iterable[str] | None = None) -> list[str]:
    """Apply a receipt's market events now (state only: the indexer keeps the ledger); returns their names."""
    wanted = None if only is None else set(only)
    names = []
    for event in receipt_events(services, tx_hash):
        if wanted is None or event.event in wanted:
            HANDLERS[event.event](session, event, ledger=False)
            names.append(event.event)
    session.flush()
    return names
