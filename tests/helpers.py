"""Test helpers: named accounts, request builders, and bid/attestation signing.

Signatures are made here with eth-account's own typed-data signing from type definitions
written in this file — never by the code under test — so a wrong typehash or domain in the
contract or in ``marketplace.chain.typed_data`` shows up as a failing test.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from marketplace.chain.market import Agreement, Award, FlexRequest, MarketClient
from marketplace.chain.merkle import OrderBookTree
from marketplace.chain.typed_data import Bid

EUR = 1_000_000
HOUR = 3600

_BID_TYPES = {
    "Bid": [
        {"name": "requestId", "type": "uint256"},
        {"name": "fsp", "type": "address"},
        {"name": "quantityWh", "type": "uint128"},
        {"name": "minQuantityWh", "type": "uint128"},
        {"name": "pricePerMWh", "type": "uint128"},
        {"name": "guarantee", "type": "uint128"},
        {"name": "terms", "type": "bytes32"},
    ]
}
_ATTESTATION_TYPES = {
    "Attestation": [
        {"name": "agreementId", "type": "bytes32"},
        {"name": "deliveredWh", "type": "uint128"},
    ]
}


@dataclass(frozen=True)
class Accounts:
    operator: LocalAccount
    dso: LocalAccount
    dso2: LocalAccount
    oracle: LocalAccount
    oracle2: LocalAccount
    stranger: LocalAccount
    fsps: list[LocalAccount] = field(default_factory=list)


def _domain(client: MarketClient) -> dict:
    return {
        "name": "FlexMarket",
        "version": "1",
        "chainId": client.chain.chain_id,
        "verifyingContract": client.market.address,
    }


def sign_bid(client: MarketClient, signer: LocalAccount, bid: Bid) -> tuple[bytes, bytes]:
    """(digest, 65-byte signature) of ``bid`` signed by ``signer`` with eth-account."""
    message = {
        "requestId": bid.requestId,
        "fsp": bid.fsp,
        "quantityWh": bid.quantityWh,
        "minQuantityWh": bid.minQuantityWh,
        "pricePerMWh": bid.pricePerMWh,
        "guarantee": bid.guarantee,
        "terms": bid.terms,
    }
    signed = Account.sign_typed_data(signer.key, _domain(client), _BID_TYPES, message)
    return bytes(signed.message_hash), bytes(signed.signature)


def sign_attestation(client: MarketClient, signer: LocalAccount, agreement_id: bytes, delivered_wh: int) -> bytes:
    message = {"agreementId": agreement_id, "deliveredWh": delivered_wh}
    return bytes(Account.sign_typed_data(signer.key, _domain(client), _ATTESTATION_TYPES, message).signature)


def make_request(
    client: MarketClient,
    dso: LocalAccount,
    *,
    quantity_wh: int = 100_000,
    cap: int = 200 * EUR,
    pay_as_clear: bool = False,
    threshold: int = 80,
    penalty: int = 10,
    ref: int = 1,
) -> FlexRequest:
    """Request terms starting from the chain's current time: gate closes in 1 h, award by 2 h,
    delivery ends at 3 h, attestations until 30 days."""
    now = client.chain.timestamp()
    return FlexRequest(
        dso=dso.address,
        gateClosure=now + HOUR,
        awardDeadline=now + 2 * HOUR,
        deliveryEnd=now + 3 * HOUR,
        attestDeadline=now + 30 * 24 * HOUR,
        quantityWh=quantity_wh,
        priceCapPerMWh=cap,
        successThresholdPct=threshold,
        penaltyPct=penalty,
        payAsClear=pay_as_clear,
        ref=ref.to_bytes(32, "big"),
    )


def make_bid(request_id: int, fsp: LocalAccount, quantity_wh: int, price: int, *, guarantee: int = 0,
             min_quantity_wh: int | None = None, salt: int = 0) -> Bid:
    return Bid(
        requestId=request_id,
        fsp=fsp.address,
        quantityWh=quantity_wh,
        minQuantityWh=quantity_wh if min_quantity_wh is None else min_quantity_wh,
        pricePerMWh=price,
        guarantee=guarantee,
        terms=keccak(f"terms:{request_id}:{fsp.address}:{salt}".encode()),
    )


@dataclass
class SignedBid:
    bid: Bid
    digest: bytes
    signature: bytes

    def award(self, quantity_wh: int | None = None, price: int | None = None) -> Award:
        return Award(
            self.bid,
            self.bid.quantityWh if quantity_wh is None else quantity_wh,
            self.bid.pricePerMWh if price is None else price,
            self.signature,
        )


def signed(client: MarketClient, signer: LocalAccount, bid: Bid) -> SignedBid:
    digest, signature = sign_bid(client, signer, bid)
    return SignedBid(bid, digest, signature)


@dataclass
class OpenRequest:
    """A created request with the helpers to take it through commit and award."""

    client: MarketClient
    id: int
    terms: FlexRequest
    bids: list[SignedBid] = field(default_factory=list)
    tree: OrderBookTree | None = None

    def bid(self, fsp: LocalAccount, quantity_wh: int, price: int, **kw) -> SignedBid:
        sb = signed(self.client, fsp, make_bid(self.id, fsp, quantity_wh, price, salt=len(self.bids), **kw))
        self.bids.append(sb)
        return sb

    def close_and_commit(self, operator: LocalAccount, extra_leaves: list[bytes] = ()) -> OrderBookTree:
        self.client.chain.travel(HOUR + 1)
        self.tree = OrderBookTree([b.digest for b in self.bids] + list(extra_leaves))
        self.client.commit_book(operator, self.id, self.terms, self.tree.root)
        return self.tree

    def award(self, caller: LocalAccount, winners: list[tuple[SignedBid, Award]]) -> list[Agreement]:
        _, agreements = self.client.award(
            caller, self.id, self.terms, self.tree, [a for _, a in winners], [sb.digest for sb, _ in winners]
        )
        return agreements


def open_request(client: MarketClient, dso: LocalAccount, **kw) -> OpenRequest:
    terms = make_request(client, dso, **kw)
    return OpenRequest(client, client.create_request(dso, terms, keccak(b"transformer-42")), terms)


def with_terms(request: FlexRequest, **changes) -> FlexRequest:
    return replace(request, **changes)


class expect_revert:
    """Context manager: the block must revert with ``error`` and exactly these ``fields``.

    Addresses compare checksummed, bytes as 0x-hex (as decoded by marketplace.chain.errors).
    """

    def __init__(self, error: type, **fields) -> None:
        self.error = error
        self.fields = {k: _plain(v) for k, v in fields.items()}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            raise AssertionError(f"expected revert {self.error.__name__}, but the call succeeded")
        if not isinstance(exc, self.error):
            raise AssertionError(f"expected {self.error.__name__}{self.fields}, got {exc!r}") from exc
        assert exc.fields == self.fields, f"{self.error.__name__} fields {exc.fields} != expected {self.fields}"
        return True


def _plain(value):
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value
