"""Canonical JSON and the hashes that tie the database to the chain (pure).

Canonical JSON (docs/market.md): UTF-8, object keys sorted, no whitespace
(``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``), integers
only, no floats. Its keccak256 is:

- a chain request's ``ref``: the published request document with ``"leg"`` added;
- a bid's ``terms``: the bid's terms document (bidding unit, intervals, prices, divisibility,
  rest time, maximum consecutive activations, version);

and a request's ``location`` is keccak256 of ``"<DSO participant id>:<grid element code>"``
(or ``"<DSO participant id>:zone:<zone name>"``).
"""

from __future__ import annotations

import json
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

#: ABI type of the contract's FlexRequest and Agreement structs (for hashing as the contract does).
FLEX_REQUEST_ABI = "(address,uint64,uint64,uint64,uint64,uint128,uint128,uint8,uint8,bool,bytes32)"
AGREEMENT_ABI = "(bytes32,uint256,address,address,uint128,uint128,uint128,uint64,uint64,uint8,uint8)"


def canonical_json(doc: Any) -> str:
    """The canonical JSON text of ``doc``; floats are refused."""
    _no_floats(doc)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON holds integers only")
    if isinstance(value, dict):
        for v in value.values():
            _no_floats(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _no_floats(v)


def keccak_hex(data: str | bytes) -> str:
    """0x-hex keccak256 of ``data`` (text as UTF-8)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return "0x" + keccak(raw).hex()


def hex_bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def element_location(dso_id: int, code: str) -> str:
    return keccak_hex(f"{dso_id}:{code}")


def zone_location(dso_id: int, name: str) -> str:
    return keccak_hex(f"{dso_id}:zone:{name}")


def request_ref(document: dict[str, Any], leg: str) -> str:
    """The on-chain ``ref`` of one leg of a published request."""
    return keccak_hex(canonical_json({**document, "leg": leg}))


def flex_request_tuple(terms: dict[str, Any]) -> tuple:
    """The ABI tuple of a FlexRequest given as a dict of the contract's field names."""
    return (
        to_checksum_address(terms["dso"]), terms["gateClosure"], terms["awardDeadline"], terms["deliveryEnd"],
        terms["attestDeadline"], terms["quantityWh"], terms["priceCapPerMWh"], terms["successThresholdPct"],
        terms["penaltyPct"], terms["payAsClear"], hex_bytes(terms["ref"]) if isinstance(terms["ref"], str) else terms["ref"],
    )


def request_word(terms: dict[str, Any], root: str | None = None) -> str:
    """The contract's stored word of a request: keccak(abi.encode(request)) while open,
    keccak(abi.encode(termsHash, root)) once its book is committed."""
    terms_hash = keccak(abi_encode([FLEX_REQUEST_ABI], [flex_request_tuple(terms)]))
    if root is None:
        return "0x" + terms_hash.hex()
    return "0x" + keccak(abi_encode(["bytes32", "bytes32"], [terms_hash, hex_bytes(root)])).hex()


def agreement_hash(agreement_tuple: tuple) -> str:
    """keccak256(abi.encode(agreement)) as the contract stores it."""
    return "0x" + keccak(abi_encode([AGREEMENT_ABI], [agreement_tuple])).hex()
