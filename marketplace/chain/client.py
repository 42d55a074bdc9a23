"""One way to talk to a chain: the embedded in-process chain or any JSON-RPC endpoint.

:class:`Chain` signs locally with eth-account keys, hands out nonces per sender, waits for
receipts, and turns every revert into the named exception of :mod:`marketplace.chain.errors`
— the same on eth-tester (in process, for fast unit tests) and on anvil, Hardhat or any other
EVM node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import TimeExhausted, Web3RPCError
from web3.types import TxReceipt

from marketplace.chain import artifacts, devkeys
from marketplace.chain.errors import (
    ChainError,
    ChainUnavailable,
    ContractRevert,
    TransactionTimeout,
    decode_revert,
    is_revert,
)

#: Priority fee offered on every transaction, wei (1 gwei).
PRIORITY_FEE_WEI = 10**9
#: Gas limit = estimate x GAS_MARGIN_NUM / GAS_MARGIN_DEN.
GAS_MARGIN_NUM, GAS_MARGIN_DEN = 6, 5

Sendable = ContractFunction | ContractConstructor


class Chain:
    """A connection to one EVM chain with local signing and nonce management.

    ``poll_latency`` is the receipt polling interval in seconds (short on a local node).
    """

    def __init__(self, w3: Web3, *, poll_latency: float = 0.02, receipt_timeout: float = 120.0) -> None:
        self.w3 = w3
        self.poll_latency = poll_latency
        self.receipt_timeout = receipt_timeout
        self._nonces: dict[str, int] = {}
        self._lock = threading.Lock()
        self._chain_id: int | None = None

    # ----------------------------------------------------------------- connecting
    @classmethod
    def connect(cls, rpc_url: str, *, timeout: float = 10.0, poll_latency: float = 0.02) -> Chain:
        """Connect to a JSON-RPC node; raises :class:`ChainUnavailable` when none answers."""
        w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
        chain = cls(w3, poll_latency=poll_latency)
        try:
            chain.chain_id
        except (requests.RequestException, OSError, ValueError) as exc:
            raise ChainUnavailable(
                f"no chain node answers at {rpc_url}", details={"rpc_url": rpc_url, "reason": str(exc)}
            ) from exc
        return chain

    @classmethod
    def embedded(cls) -> Chain:
        """A fresh in-process chain (eth-tester on py-evm, Cancun rules), for tests.

        Its genesis funds the same dev accounts as anvil (``devkeys``), so code and tests
        use the same addresses on both.
        """
        from eth.vm.forks import CancunVM
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider

        from eth_tester.backends.pyevm.main import get_default_account_state
        from eth_utils import to_canonical_address

        genesis = {
            to_canonical_address(a.address): get_default_account_state() for a in devkeys.dev_accounts()
        }
        backend = PyEVMBackend(
            genesis_state=genesis,
            mnemonic=devkeys.DEV_CHAIN_MNEMONIC,
            hd_path=devkeys.DEV_HD_PATH,
            vm_configuration=((0, CancunVM),),
        )
        return cls(Web3(EthereumTesterProvider(EthereumTester(backend))), poll_latency=0.0)

    @property
    def is_embedded(self) -> bool:
        return hasattr(self.w3.provider, "ethereum_tester")

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def timestamp(self) -> int:
        """Timestamp of the latest block, Unix seconds."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def travel(self, seconds: int) -> int:
        """Advance chain time by ``seconds`` and mine a block (dev chains only); returns its time."""
        target = self.timestamp() + seconds
        if self.is_embedded:
            self.w3.provider.ethereum_tester.time_travel(target)
        else:
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [target])
            self.w3.provider.make_request("evm_mine", [])
        return self.timestamp()

    def snapshot(self) -> object:
        """Snapshot the chain state (dev chains only); see :meth:`revert`."""
        if self.is_embedded:
            return self.w3.provider.ethereum_tester.take_snapshot()
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def revert(self, snapshot: object) -> None:
        """Return to a :meth:`snapshot` (dev chains only); forgets cached nonces."""
        if self.is_embedded:
            self.w3.provider.ethereum_tester.revert_to_snapshot(snapshot)
        else:
            self.w3.provider.make_request("evm_revert", [snapshot])
        with self._lock:
            self._nonces.clear()

    # ----------------------------------------------------------------- contracts
    def contract(self, name: str, address: str) -> Contract:
        """A web3 contract object for the shipped artifact ``name`` at ``address``."""
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifacts.load(name).abi)

    def has_code(self, address: str) -> bool:
        return len(self.w3.eth.get_code(to_checksum_address(address))) > 0

    def deploy(self, name: str, *args: Any, sender: LocalAccount) -> Contract:
        """Deploy the shipped artifact ``name`` with constructor ``args`` from ``sender``."""
        artifact = artifacts.load(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.transact(factory.constructor(*args), sender)
        return self.contract(name, receipt["contractAddress"])

    # ----------------------------------------------------------------- calls
    def call(self, fn: ContractFunction, *, sender: str | None = None, block: Any = "latest") -> Any:
        """Run a read-only call; reverts come back as named exceptions."""
        params = {"from": sender} if sender else {}
        return self._guard(lambda: fn.call(params, block_identifier=block))

    def estimate(self, fn: Sendable, sender: str, value: int = 0) -> int:
        """Gas the transaction would use; reverts come back as named exceptions."""
        return int(self._guard(lambda: fn.estimate_gas({"from": sender, "value": value})))

    def transact(
        self, fn: Sendable, sender: LocalAccount, *, gas: int | None = None, value: int = 0
    ) -> TxReceipt:
        """Sign ``fn`` as ``sender``, send it, wait for the receipt and return it.

        Raises the named :class:`ContractRevert` when it would revert (found at estimation)
        or did revert (replayed against the state before its block).
        """
        if gas is None:
            gas = self.estimate(fn, sender.address, value) * GAS_MARGIN_NUM // GAS_MARGIN_DEN
        try:
            tx, tx_hash = self._sign_and_send(fn, sender, gas, value)
        except ChainError as exc:
            if "nonce too low" not in exc.message.lower():
                raise
            # Another process sent for this account; the node refused this transaction, so
            # signing a new one with the node's current nonce cannot duplicate an effect.
            tx, tx_hash = self._sign_and_send(fn, sender, gas, value)
        receipt = self.wait(tx_hash)
        if receipt["status"] != 1:
            raise self._replay_failure(tx, receipt)
        return receipt

    def _sign_and_send(self, fn: Sendable, sender: LocalAccount, gas: int, value: int) -> tuple[dict, bytes]:
        base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        with self._lock:
            nonce = self._next_nonce(sender.address)
            tx = fn.build_transaction(
                {
                    "from": sender.address,
                    "nonce": nonce,
                    "gas": gas,
                    "value": value,
                    "chainId": self.chain_id,
                    "maxPriorityFeePerGas": PRIORITY_FEE_WEI,
                    "maxFeePerGas": 2 * base_fee + PRIORITY_FEE_WEI,
                }
            )
            signed = sender.sign_transaction(tx)
            try:
                tx_hash = self.send_raw(signed.raw_transaction)
            except Exception:
                self._nonces.pop(sender.address, None)  # resync from the node next time
                raise
            self._nonces[sender.address] = nonce + 1
        return tx, tx_hash

    def send_raw(self, raw: bytes, *, attempts: int = 3) -> bytes:
        """Send a signed transaction; on a connection failure re-send the same bytes.

        A node that already has the transaction ("already known") counts as sent.
        """
        tx_hash = Web3.keccak(raw)
        for attempt in range(attempts):
            try:
                return bytes(self.w3.eth.send_raw_transaction(raw))
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == attempts - 1:
                    raise ChainUnavailable("chain node unreachable while sending", details={"reason": str(exc)}) from exc
                time.sleep(0.2 * (attempt + 1))
            except (ValueError, Web3RPCError) as exc:  # the node refused it (web3 7: Web3RPCError)
                if "already known" in str(exc).lower():
                    return bytes(tx_hash)
                raise ChainError(f"transaction refused by the node: {exc}") from exc
        return bytes(tx_hash)

    def wait(self, tx_hash: bytes, *, timeout: float | None = None) -> TxReceipt:
        """Wait for a transaction's receipt, polling every ``poll_latency`` seconds."""
        try:
            return self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=timeout or self.receipt_timeout, poll_latency=self.poll_latency
            )
        except TimeExhausted as exc:
            raise TransactionTimeout(
                "no receipt in time; the transaction may still be mined", details={"tx_hash": "0x" + tx_hash.hex()}
            ) from exc

    # ----------------------------------------------------------------- internals
    def _next_nonce(self, address: str) -> int:
        if address not in self._nonces:
            self._nonces[address] = int(self.w3.eth.get_transaction_count(address, "pending"))
        return self._nonces[address]

    def _guard(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except ContractRevert:
            raise
        except Exception as exc:
            if is_revert(exc):
                raise decode_revert(exc) from exc
            if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
                raise ChainUnavailable("chain node unreachable", details={"reason": str(exc)}) from exc
            raise

    def _replay_failure(self, tx: dict, receipt: TxReceipt) -> ContractRevert | ChainError:
        call = {k: tx[k] for k in ("from", "to", "data", "value", "gas") if k in tx}
        try:
            self.w3.eth.call(call, block_identifier=receipt["blockNumber"] - 1)
        except Exception as exc:
            if is_revert(exc):
                return decode_revert(exc)
            raise
        return ChainError(
            "transaction failed on chain but its replay succeeded (out of gas?)",
            details={"tx_hash": "0x" + bytes(receipt["transactionHash"]).hex(), "gas_used": receipt["gasUsed"]},
        )
