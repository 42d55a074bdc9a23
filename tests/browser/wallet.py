"""The browser tests' wallet: an injected EIP-1193 provider backed by the anvil dev accounts.

The page talks to ``window.ethereum`` (``test_wallet_provider.js``, injected before any page
script); each request comes here through Playwright's ``expose_function``. Signing happens
here with eth-account (``personal_sign``, ``eth_signTypedData_v4``, ``eth_sendTransaction``
as a signed raw transaction); reads go to the anvil node unchanged, so the page's real code
path runs against the real chain. Test controls:

- ``use_account(i)``: which dev account the wallet holds (emits ``accountsChanged`` when
  connected);
- ``start_on_chain(chain_id, known=...)``: the wallet starts on another chain, known to it
  (``wallet_switchEthereumChain`` works) or not (it answers 4902 until the page adds it);
- ``reject_next(n)``: the next ``n`` requests that a person would confirm are refused with
  4001 (user rejected);
- ``next_gas_limit``: the next transaction goes out with this gas limit instead of the
  estimate (to make one fail on chain).

``calls`` lists every (method, params) the page sent; ``added_chains`` the
``wallet_addEthereumChain`` parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from marketplace.chain import devkeys

PROVIDER_JS = (Path(__file__).with_name("test_wallet_provider.js")).read_text(encoding="utf-8")

#: Requests a person confirms in a real wallet: these can be rejected with 4001.
CONFIRMED_BY_USER = {
    "eth_requestAccounts",
    "personal_sign",
    "eth_signTypedData_v4",
    "eth_sendTransaction",
    "wallet_switchEthereumChain",
    "wallet_addEthereumChain",
}
USER_REJECTED = {"code": 4001, "message": "User rejected the request."}
PRIORITY_FEE_WEI = 10**9


class WalletRpcError(Exception):
    """A JSON-RPC error from the node, passed to the page as it came."""

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("message"))
        self.error = error


class TestWallet:
    """State and request handling of one browser context's injected wallet."""

    __test__ = False  # not a pytest test class

    def __init__(self, rpc_url: str, chain_id: int, account_index: int = 1) -> None:
        self.rpc_url = rpc_url
        self.node_chain_id = chain_id
        self.chain_id = chain_id
        self.known_chains = {chain_id, 1}
        self.account: LocalAccount = devkeys.dev_account(account_index)
        self.connected = False
        self.rejections = 0
        self.next_gas_limit: int | None = None
        self.calls: list[tuple[str, list]] = []
        self.added_chains: list[dict] = []
        self.page = None

    # ------------------------------------------------------------------ test controls
    def use_account(self, index: int) -> None:
        self.account = devkeys.dev_account(index)
        if self.connected:
            self.emit("accountsChanged", [self.account.address])

    def start_on_chain(self, chain_id: int, *, known: bool = True) -> None:
        self.chain_id = chain_id
        self.known_chains.add(chain_id)
        if not known:
            self.known_chains.discard(self.node_chain_id)

    def reject_next(self, count: int = 1) -> None:
        self.rejections += count

    def emit(self, event: str, payload: Any) -> None:
        self.page.evaluate("([event, payload]) => window.__flexTestWallet.emit(event, payload)", [event, payload])

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    # ------------------------------------------------------------------ the bridge
    def handle(self, method: str, params: list) -> dict:
        """One EIP-1193 request from the page: ``{result}`` or ``{error}``, maybe ``events``."""
        self.calls.append((method, params))
        if method in CONFIRMED_BY_USER and self.rejections > 0:
            self.rejections -= 1
            return {"error": USER_REJECTED}
        try:
            return self._dispatch(method, params)
        except WalletRpcError as exc:
            return {"error": exc.error}

    def _dispatch(self, method: str, params: list) -> dict:
        address = self.account.address
        if method == "eth_requestAccounts":
            self.connected = True
            return {"result": [address]}
        if method == "eth_accounts":
            return {"result": [address] if self.connected else []}
        if method == "eth_chainId":
            return {"result": hex(self.chain_id)}
        if method == "net_version":
            return {"result": str(self.chain_id)}
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted not in self.known_chains:
                return {"error": {"code": 4902, "message": f"Unrecognized chain ID {hex(wanted)}."}}
            return self._switch(wanted)
        if method == "wallet_addEthereumChain":
            spec = params[0]
            self.added_chains.append(spec)
            wanted = int(spec["chainId"], 16)
            self.known_chains.add(wanted)
            return self._switch(wanted)  # like MetaMask: adding also switches
        if method.startswith("wallet_"):
            return {"error": {"code": 4200, "message": f"The test wallet does not support {method}."}}
        if method in ("personal_sign", "eth_signTypedData_v4", "eth_sendTransaction"):
            if not self.connected:
                return {"error": {"code": 4100, "message": "The site is not connected to this wallet."}}
        if method == "personal_sign":
            message, signer = params
            self._require_signer(signer)
            signed = Account.sign_message(encode_defunct(hexstr=message), self.account.key)
            return {"result": "0x" + bytes(signed.signature).hex()}
        if method == "eth_signTypedData_v4":
            signer, document = params
            self._require_signer(signer)
            typed = json.loads(document) if isinstance(document, str) else document
            if int(typed["domain"]["chainId"]) != self.chain_id:
                return {"error": {"code": -32602, "message": "Typed data chainId does not match the wallet's chain."}}
            signed = Account.sign_message(encode_typed_data(full_message=typed), self.account.key)
            return {"result": "0x" + bytes(signed.signature).hex()}
        if method == "eth_sendTransaction":
            return {"result": self._send(params[0])}
        return {"result": self._rpc(method, params)}

    def _switch(self, chain_id: int) -> dict:
        changed = chain_id != self.chain_id
        self.chain_id = chain_id
        return {"result": None, "events": [["chainChanged", hex(chain_id)]] if changed else []}

    def _require_signer(self, signer: str) -> None:
        if to_checksum_address(signer) != self.account.address:
            raise WalletRpcError({"code": 4100, "message": f"The wallet does not hold {signer}."})

    def _rpc(self, method: str, params: list) -> Any:
        if self.chain_id != self.node_chain_id:
            raise WalletRpcError({"code": 4901, "message": f"The test wallet has no node for chain {hex(self.chain_id)}."})
        reply = requests.post(
            self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=10
        ).json()
        if "error" in reply:
            raise WalletRpcError(reply["error"])
        return reply["result"]

    def _send(self, tx: dict) -> str:
        sender = to_checksum_address(tx.get("from") or self.account.address)
        self._require_signer(sender)
        call = {"from": sender, "to": tx.get("to"), "data": tx.get("data", "0x"), "value": tx.get("value", "0x0")}
        nonce = int(self._rpc("eth_getTransactionCount", [sender, "pending"]), 16)
        if self.next_gas_limit is not None:
            gas, self.next_gas_limit = self.next_gas_limit, None
        elif tx.get("gas"):
            gas = int(tx["gas"], 16)
        else:
            gas = int(self._rpc("eth_estimateGas", [call]), 16) * 6 // 5
        base_fee = int(self._rpc("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        signed = Account.sign_transaction(
            {
                "type": 2,
                "chainId": self.chain_id,
                "nonce": nonce,
                "to": to_checksum_address(call["to"]),
                "data": call["data"],
                "value": int(call["value"], 16),
                "gas": gas,
                "maxFeePerGas": 2 * base_fee + PRIORITY_FEE_WEI,
                "maxPriorityFeePerGas": PRIORITY_FEE_WEI,
            },
            self.account.key,
        )
        return self._rpc("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
