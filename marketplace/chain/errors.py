"""Contract reverts as named Python exceptions, whichever chain raised them.

Every custom error in the shipped ABIs (``FlexMarketPriceAboveCap``, OpenZeppelin's
``ERC20InsufficientBalance``, ...) becomes a subclass of :class:`ContractRevert` with the same
name, importable from this module, whose ``fields`` map argument names to decoded values::

    from marketplace.chain import errors
    try:
        chain.transact(market.functions.award(...), operator)
    except errors.FlexMarketPriceAboveCap as e:
        e.fields["price"], e.fields["cap"]

``decode_revert`` finds the revert data however the node reported it: eth-tester raises
``TransactionFailed`` carrying the raw bytes, JSON-RPC nodes (anvil, Hardhat, geth) answer
with a ``data`` field that web3 turns into ``ContractCustomError``/``ContractLogicError``.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from marketplace.chain import artifacts
from marketplace.errors import MarketplaceError


class ChainError(MarketplaceError):
    """A failure talking to the chain or executing a transaction."""

    code = "chain_error"


class ChainUnavailable(ChainError):
    """No chain node answers at the configured endpoint."""

    code = "chain_unavailable"


class TransactionTimeout(ChainError):
    """A sent transaction had no receipt in time; it may still be mined."""

    code = "transaction_timeout"


class ContractRevert(ChainError):
    """A contract call or transaction reverted.

    ``name`` is the Solidity error name, ``fields`` its arguments by name (addresses
    checksummed, bytes as 0x-hex), ``data`` the raw revert data.
    """

    code = "contract_revert"
    error_name = "ContractRevert"
    arg_names: tuple[str, ...] = ()
    arg_types: tuple[str, ...] = ()

    def __init__(self, fields: dict[str, Any] | None = None, data: bytes = b"") -> None:
        self.fields = fields or {}
        self.data = data
        args = ", ".join(f"{k}={v}" for k, v in self.fields.items())
        super().__init__(f"{self.error_name}({args})", details={"error": self.error_name, **self.fields})

    @property
    def name(self) -> str:
        return self.error_name


class UnknownRevert(ContractRevert):
    """A revert whose data matches no error in the shipped ABIs (or carries no data)."""

    error_name = "UnknownRevert"


class RevertString(ContractRevert):
    """A revert with a reason string, ``Error(string)``."""

    error_name = "Error"
    arg_names = ("reason",)
    arg_types = ("string",)


class Panic(ContractRevert):
    """A Solidity panic, ``Panic(uint256)`` (overflow, division by zero, ...)."""

    error_name = "Panic"
    arg_names = ("code",)
    arg_types = ("uint256",)


_BY_SELECTOR: dict[bytes, type[ContractRevert]] = {}
_BY_NAME: dict[str, type[ContractRevert]] = {}


def _canonical_type(item: dict) -> str:
    kind = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _register(cls: type[ContractRevert]) -> None:
    signature = f"{cls.error_name}({','.join(cls.arg_types)})"
    _BY_SELECTOR[function_signature_to_4byte_selector(signature)] = cls
    _BY_NAME[cls.error_name] = cls


def _load_errors() -> None:
    for cls in (RevertString, Panic):
        _register(cls)
    module = sys.modules[__name__]
    for contract in artifacts.names():
        for item in artifacts.load(contract).abi:
            if item["type"] != "error" or item["name"] in _BY_NAME:
                continue
            cls = type(
                item["name"],
                (ContractRevert,),
                {
                    "__doc__": f"Solidity error {item['name']} (from {contract}).",
                    "__module__": __name__,
                    "error_name": item["name"],
                    "arg_names": tuple(i["name"] for i in item["inputs"]),
                    "arg_types": tuple(_canonical_type(i) for i in item["inputs"]),
                },
            )
            _register(cls)
            setattr(module, item["name"], cls)


def _plain(value: Any, abi_type: str) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple):
        return list(value)
    return value


def error_class(name: str) -> type[ContractRevert]:
    """The exception class of the Solidity error ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no contract error named {name!r} in the shipped ABIs") from None


def from_data(data: bytes) -> ContractRevert:
    """Decode raw revert data into its named exception (``UnknownRevert`` when unknown)."""
    cls = _BY_SELECTOR.get(data[:4]) if len(data) >= 4 else None
    if cls is None:
        return UnknownRevert({"data": "0x" + data.hex()}, data)
    try:
        values = abi_decode(list(cls.arg_types), data[4:])
    except DecodingError:  # malformed payload after a known selector: keep the raw data
        return UnknownRevert({"data": "0x" + data.hex()}, data)
    return cls({n: _plain(v, t) for n, v, t in zip(cls.arg_names, values, cls.arg_types)}, data)


def _as_bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            return None
    return None


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data carried by a web3 or eth-tester exception, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        data = _as_bytes(getattr(current, "data", None))
        if data is not None:
            return data
        if type(current).__name__ == "TransactionFailed" and current.args:
            arg = current.args[0]
            if isinstance(arg, bytes):
                return arg
            if isinstance(arg, str) and arg.startswith("execution reverted: b"):
                try:
                    return ast.literal_eval(arg.removeprefix("execution reverted: "))
                except (ValueError, SyntaxError):
                    pass
        current = current.__cause__ or current.__context__
    return None


def is_revert(exc: BaseException) -> bool:
    """Whether ``exc`` is a node's report of a reverted execution."""
    from web3.exceptions import ContractLogicError

    if isinstance(exc, ContractLogicError):
        return True
    current: BaseException | None = exc
    while current is not None:
        if type(current).__name__ == "TransactionFailed":
            return True
        current = current.__cause__ or current.__context__
    return False


def decode_revert(exc: BaseException) -> ContractRevert:
    """The named :class:`ContractRevert` for a node's revert exception."""
    data = revert_data(exc)
    if data:
        return from_data(data)
    message = str(exc)
    if "reverted" in message and ":" in message:
        reason = message.split(":", 1)[1].strip()
        if reason and not reason.startswith("0x"):
            return RevertString({"reason": reason})
    return UnknownRevert({"message": message})


_load_errors()
