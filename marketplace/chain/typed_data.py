"""EIP-712 typed data of FlexMarket: bids signed by FSP wallets, attestations by oracles.

The dictionaries here are what a wallet receives in ``eth_signTypedData_v4``; the contract
hashes the same structures (``FlexMarket.BID_TYPEHASH``, ``ATTESTATION_TYPEHASH``) in the
domain {name "FlexMarket", version "1", chainId, verifyingContract}. Amounts are integers:
energy in Wh, prices in token base units per MWh, guarantees in base units.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

DOMAIN_NAME = "FlexMarket"
DOMAIN_VERSION = "1"

EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
BID_TYPE = [
    {"name": "requestId", "type": "uint256"},
    {"name": "fsp", "type": "address"},
    {"name": "quantityWh", "type": "uint128"},
    {"name": "minQuantityWh", "type": "uint128"},
    {"name": "pricePerMWh", "type": "uint128"},
    {"name": "guarantee", "type": "uint128"},
    {"name": "terms", "type": "bytes32"},
]
ATTESTATION_TYPE = [
    {"name": "agreementId", "type": "bytes32"},
    {"name": "deliveredWh", "type": "uint128"},
]


@dataclass(frozen=True)
class Bid:
    """A bid as the FSP signs it (field names as in the contract's ``Bid`` struct)."""

    requestId: int
    fsp: str
    quantityWh: int
    minQuantityWh: int
    pricePerMWh: int
    guarantee: int
    terms: bytes

    def as_tuple(self) -> tuple:
        """The ABI tuple for contract calls."""
        return (
            self.requestId,
            to_checksum_address(self.fsp),
            self.quantityWh,
            self.minQuantityWh,
            self.pricePerMWh,
            self.guarantee,
            self.terms,
        )


def domain(chain_id: int, market: str) -> dict:
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(market),
    }


def bid_typed_data(chain_id: int, market: str, bid: Bid) -> dict:
    """The full ``eth_signTypedData_v4`` document of a bid."""
    message = asdict(bid)
    message["fsp"] = to_checksum_address(bid.fsp)
    message["terms"] = "0x" + bid.terms.hex()
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN, "Bid": BID_TYPE},
        "primaryType": "Bid",
        "domain": domain(chain_id, market),
        "message": message,
    }


def attestation_typed_data(chain_id: int, market: str, agreement_id: bytes, delivered_wh: int) -> dict:
    """The full ``eth_signTypedData_v4`` document of an oracle attestation."""
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN, "Attestation": ATTESTATION_TYPE},
        "primaryType": "Attestation",
        "domain": domain(chain_id, market),
        "message": {"agreementId": "0x" + agreement_id.hex(), "deliveredWh": delivered_wh},
    }


def digest(typed: dict) -> bytes:
    """The 32-byte EIP-712 digest of a typed-data document (what the contract recovers from)."""
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def recover(typed: dict, signature: bytes) -> str:
    """The address that signed ``typed`` (65-byte r ‖ s ‖ v signature)."""
    return Account.recover_message(encode_typed_data(full_message=typed), signature=signature)


def compact(signature: bytes) -> tuple[bytes, bytes]:
    """Split a 65-byte signature into EIP-2098 (r, vs): the parity bit goes on top of s."""
    if len(signature) != 65:
        raise ValueError("expected a 65-byte signature (r, s, v)")
    r, s, v = signature[:32], signature[32:64], signature[64]
    parity = (v - 27) if v >= 27 else v
    if parity not in (0, 1):
        raise ValueError("signature v must be 27/28 or 0/1")
    vs = (int.from_bytes(s, "big") | (parity << 255)).to_bytes(32, "big")
    return r, vs
