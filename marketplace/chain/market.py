"""A typed client of the deployed FlexMarket and FlexToken contracts.

Mirrors the contract structs as dataclasses (``FlexRequest``, ``Award``, ``Agreement``) and
wraps each state-changing function in one method that sends the transaction through
:class:`~marketplace.chain.client.Chain` (so reverts arrive as named exceptions) and returns
the receipt or the decoded result. Units: energy Wh, prices base units per MWh, money token
base units (1 EUR = 1,000,000), time Unix seconds.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from marketplace import settlement
from marketplace.chain import typed_data
from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment
from marketplace.chain.merkle import OrderBookTree


@dataclass(frozen=True)
class FlexRequest:
    """A request's terms, exactly as hashed by the contract (see IFlexMarket.FlexRequest)."""

    dso: str
    gateClosure: int
    awardDeadline: int
    deliveryEnd: int
    attestDeadline: int
    quantityWh: int
    priceCapPerMWh: int
    successThresholdPct: int = settlement.DEFAULT_SUCCESS_THRESHOLD_PCT
    penaltyPct: int = settlement.DEFAULT_PENALTY_PCT
    payAsClear: bool = False
    ref: bytes = b"\x00" * 32

    @property
    def escrow(self) -> int:
        """Token base units escrowed at creation: the maximum payment."""
        return settlement.payment(self.priceCapPerMWh, self.quantityWh)

    def as_tuple(self) -> tuple:
        return (to_checksum_address(self.dso), *astuple(self)[1:])


@dataclass(frozen=True)
class Award:
    """One winning bid in an award: the signed bid, what is agreed, and the signature."""

    bid: typed_data.Bid
    quantityWh: int
    pricePerMWh: int
    signature: bytes

    def as_tuple(self) -> tuple:
        r, vs = typed_data.compact(self.signature)
        return (self.bid.as_tuple(), self.quantityWh, self.pricePerMWh, r, vs)


@dataclass(frozen=True)
class Agreement:
    """An agreement as stored (hashed) by the contract; passed back at settlement."""

    id: bytes
    requestId: int
    dso: str
    fsp: str
    quantityWh: int
    pricePerMWh: int
    guarantee: int
    deliveryEnd: int
    attestDeadline: int
    successThresholdPct: int
    penaltyPct: int

    @property
    def amount(self) -> int:
        """Token base units moved from escrow into this agreement."""
        return settlement.payment(self.pricePerMWh, self.quantityWh)

    def as_tuple(self) -> tuple:
        values = astuple(self)
        return (values[0], values[1], to_checksum_address(self.dso), to_checksum_address(self.fsp), *values[4:])

    @classmethod
    def from_award(cls, request_id: int, request: FlexRequest, award: Award, agreement_id: bytes) -> Agreement:
        return cls(
            id=agreement_id,
            requestId=request_id,
            dso=request.dso,
            fsp=award.bid.fsp,
            quantityWh=award.quantityWh,
            pricePerMWh=award.pricePerMWh,
            guarantee=award.bid.guarantee,
            deliveryEnd=request.deliveryEnd,
            attestDeadline=request.attestDeadline,
            successThresholdPct=request.successThresholdPct,
            penaltyPct=request.penaltyPct,
        )


class MarketClient:
    """FlexMarket and FlexToken of one deployment, bound to a chain."""

    def __init__(self, chain: Chain, deployment: Deployment) -> None:
        self.chain = chain
        self.deployment = deployment
        self.market: Contract = chain.contract("FlexMarket", deployment.market)
        self.token: Contract = chain.contract("FlexToken", deployment.token)

    # ------------------------------------------------------------- registry, token
    def grant_role(self, operator: LocalAccount, account: str, role: int) -> TxReceipt:
        return self.chain.transact(self.market.functions.grantRole(to_checksum_address(account), role), operator)

    def mint(self, operator: LocalAccount, to: str, amount: int) -> TxReceipt:
        return self.chain.transact(self.token.functions.mint(to_checksum_address(to), amount), operator)

    def approve(self, owner: LocalAccount, amount: int) -> TxReceipt:
        return self.chain.transact(self.token.functions.approve(self.market.address, amount), owner)

    def balance_of(self, account: str) -> int:
        return self.chain.call(self.token.functions.balanceOf(to_checksum_address(account)))

    # ------------------------------------------------------------- requests
    def create_request(self, dso: LocalAccount, request: FlexRequest, location: bytes = b"\x00" * 32) -> int:
        """Create a request (the DSO must have approved its escrow); returns its id."""
        receipt = self.chain.transact(self.market.functions.createRequest(request.as_tuple(), location), dso)
        (event,) = self.market.events.RequestCreated().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["requestId"])

    def cancel_request(self, caller: LocalAccount, request_id: int, request: FlexRequest, root: bytes = b"\x00" * 32):
        return self.chain.transact(self.market.functions.cancelRequest(request_id, request.as_tuple(), root), caller)

    def commit_book(self, operator: LocalAccount, request_id: int, request: FlexRequest, root: bytes) -> TxReceipt:
        return self.chain.transact(self.market.functions.commitBook(request_id, request.as_tuple(), root), operator)

    def award(
        self,
        caller: LocalAccount,
        request_id: int,
        request: FlexRequest,
        tree: OrderBookTree,
        awards: list[Award],
        digests: list[bytes],
    ) -> tuple[TxReceipt, list[Agreement]]:
        """Award the winners (``digests[i]`` is the bid digest of ``awards[i]``).

        Sorts them into leaf order, attaches the book multiproof, and returns the receipt and
        the agreements as the contract stored them.
        """
        ordered = sorted(zip(digests, awards, strict=True), key=lambda pair: pair[0])
        multi = tree.multiproof(d for d, _ in ordered)
        fn = self.market.functions.award(
            request_id, request.as_tuple(), tree.root, [a.as_tuple() for _, a in ordered], multi.proof, multi.flags
        )
        return self.send_award(caller, request_id, request, fn, [a for _, a in ordered])

    def send_award(
        self, caller: LocalAccount, request_id: int, request: FlexRequest, fn, awards: list[Award]
    ) -> tuple[TxReceipt, list[Agreement]]:
        """Send a prepared ``award`` call; returns the receipt and the agreements created."""
        receipt = self.chain.transact(fn, caller)
        events = self.market.events.OfferAwarded().process_receipt(receipt, errors=DISCARD)
        agreements = [
            Agreement.from_award(request_id, request, a, bytes(e["args"]["agreementId"]))
            for a, e in zip(awards, events, strict=True)
        ]
        return receipt, agreements

    def bid_digest(self, bid: typed_data.Bid) -> bytes:
        return bytes(self.chain.call(self.market.functions.bidDigest(bid.as_tuple())))

    # ------------------------------------------------------------- settlement
    def attest(self, oracle: LocalAccount, agreement: Agreement, delivered_wh: int) -> TxReceipt:
        return self.chain.transact(self.market.functions.attest(agreement.as_tuple(), delivered_wh), oracle)

    def attest_signed(
        self, sender: LocalAccount, agreement: Agreement, delivered_wh: int, signatures: list[bytes]
    ) -> TxReceipt:
        """Submit oracle signatures (65-byte each, in ascending signer order)."""
        sigs = [typed_data.compact(s) for s in signatures]
        return self.chain.transact(
            self.market.functions.attestSigned(agreement.as_tuple(), delivered_wh, sigs), sender
        )

    def reclaim(self, caller: LocalAccount, agreement: Agreement) -> TxReceipt:
        return self.chain.transact(self.market.functions.reclaim(agreement.as_tuple()), caller)

    def withdraw(self, account: LocalAccount) -> TxReceipt:
        return self.chain.transact(self.market.functions.withdraw(), account)

    def deposit_guarantee(self, fsp: LocalAccount, amount: int) -> TxReceipt:
        return self.chain.transact(self.market.functions.depositGuarantee(amount), fsp)

    def withdraw_guarantee(self, fsp: LocalAccount, amount: int) -> TxReceipt:
        return self.chain.transact(self.market.functions.withdrawGuarantee(amount), fsp)

    def credit_of(self, account: str) -> int:
        return self.chain.call(self.market.functions.creditOf(to_checksum_address(account)))

    def guarantee_of(self, fsp: str) -> tuple[int, int]:
        total, locked = self.chain.call(self.market.functions.guaranteeOf(to_checksum_address(fsp)))
        return int(total), int(locked)
