"""The durable transaction sender (outbox): one transaction per intended effect.

``submit(key, fn, account)`` estimates (a transaction that would revert raises its named
error and records nothing), takes the next nonce for the sender from the database and the
node together, signs, and records the signed bytes under ``key`` *before* sending. Asking
again with the same key returns the recorded transaction — finished if it was, sent again
(the same bytes) if it was not — so a retry never duplicates an effect. After a crash,
``resume()`` finishes every recorded transaction: receipts are looked up by hash, lost
transactions re-sent as they were, and a transaction whose nonce another one used is marked
dropped.

All processes that send for one account must use a sender on the same database: the
unique (chain, sender, nonce) constraint makes the database the one nonce manager.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from web3.exceptions import TransactionNotFound

from marketplace.chain import client as chain_client
from marketplace.chain.client import Chain, Sendable
from marketplace.chain.errors import ChainError, ContractRevert
from marketplace.db import Database
from marketplace.models.base import now_s
from marketplace.models.chain import ChainTransaction, TxStatus

UNFINISHED = (TxStatus.SIGNED, TxStatus.SENT)


@dataclass(frozen=True)
class TxRecord:
    """A recorded transaction as the caller sees it (a detached copy of the outbox row)."""

    id: int
    key: str
    purpose: str
    sender: str
    nonce: int
    tx_hash: str
    status: TxStatus
    block_number: int | None
    gas_used: int | None
    contract_address: str | None
    error: str | None

    @classmethod
    def of(cls, row: ChainTransaction) -> TxRecord:
        return cls(
            row.id, row.key, row.purpose, row.sender, row.nonce, row.tx_hash, row.status,
            row.block_number, row.gas_used, row.contract_address, row.error,
        )

    @property
    def done(self) -> bool:
        return self.status not in UNFINISHED


class TransactionFailed(ChainError):
    """A recorded transaction was mined but reverted; ``revert`` is the decoded reason."""

    code = "transaction_failed"

    def __init__(self, record: TxRecord, revert: ContractRevert | ChainError | None) -> None:
        reason = revert.message if revert is not None else "reverted"
        super().__init__(f"transaction {record.key} failed on chain: {reason}",
                         details={"key": record.key, "tx_hash": record.tx_hash, **(revert.details if revert else {})})
        self.record = record
        self.revert = revert


class TransactionSender:
    """Sends through the outbox table of ``database`` on ``chain``."""

    def __init__(self, database: Database, chain: Chain, *, receipt_timeout_s: float = 120.0) -> None:
        self.database = database
        self.chain = chain
        self.receipt_timeout_s = receipt_timeout_s
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public
    def submit(
        self,
        key: str,
        fn: Sendable,
        account: LocalAccount,
        *,
        purpose: str = "",
        wait: bool = True,
        gas: int | None = None,
    ) -> TxRecord:
        """Send ``fn`` as ``account`` once for ``key``; returns its record.

        With ``wait`` the call returns once mined and raises :class:`TransactionFailed`
        when it reverted on chain. A transaction that would revert raises its named
        :class:`ContractRevert` at estimation and is not recorded.
        """
        existing = self.find(key)
        if existing is not None:
            return self._finish(existing, wait)
        if gas is None:
            gas = self.chain.estimate(fn, account.address) * chain_client.GAS_MARGIN_NUM // chain_client.GAS_MARGIN_DEN
        record = self._record(key, fn, account, purpose or key.split(":", 1)[0], gas)
        return self._send(record, wait)

    def find(self, key: str) -> TxRecord | None:
        """The record for ``key``, if any."""
        with self.database.new_session(writes=False) as s:
            row = s.scalar(select(ChainTransaction).where(ChainTransaction.key == key))
            return TxRecord.of(row) if row is not None else None

    def receipt(self, record: TxRecord) -> Any:
        """The node's receipt of a mined or failed record (its logs carry the events)."""
        return self.chain.w3.eth.get_transaction_receipt(record.tx_hash)

    def resume(self, *, wait: bool = True) -> list[TxRecord]:
        """Finish every unfinished transaction of this chain, oldest nonce first."""
        with self.database.new_session(writes=False) as s:
            rows = s.scalars(
                select(ChainTransaction)
                .where(ChainTransaction.chain_id == self.chain.chain_id, ChainTransaction.status.in_(UNFINISHED))
                .order_by(ChainTransaction.sender, ChainTransaction.nonce)
            ).all()
            records = [TxRecord.of(r) for r in rows]
        done = []
        for record in records:
            try:
                done.append(self._finish(record, wait))
            except TransactionFailed as failed:
                done.append(failed.record)
        return done

    # ------------------------------------------------------------------ internals
    def _record(self, key: str, fn: Sendable, account: LocalAccount, purpose: str, gas: int) -> TxRecord:
        base_fee = int(self.chain.w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        for _ in range(5):
            with self._lock:
                try:
                    with self.database.transaction() as s:
                        nonce = self._next_nonce(s, account.address)
                        tx = fn.build_transaction(
                            {
                                "from": account.address,
                                "nonce": nonce,
                                "gas": gas,
                                "value": 0,
                                "chainId": self.chain.chain_id,
                                "maxPriorityFeePerGas": chain_client.PRIORITY_FEE_WEI,
                                "maxFeePerGas": 2 * base_fee + chain_client.PRIORITY_FEE_WEI,
                            }
                        )
                        signed = account.sign_transaction(tx)
                        row = ChainTransaction(
                            key=key,
                            purpose=purpose,
                            chain_id=self.chain.chain_id,
                            sender=account.address,
                            nonce=nonce,
                            to_address=tx.get("to"),
                            raw="0x" + bytes(signed.raw_transaction).hex(),
                            tx_hash="0x" + bytes(signed.hash).hex(),
                            gas_limit=gas,
                            status=TxStatus.SIGNED,
                            send_attempts=0,
                        )
                        s.add(row)
                        s.flush()
                        return TxRecord.of(row)
                except IntegrityError:
                    existing = self.find(key)
                    if existing is not None:  # another process recorded the same effect
                        return existing
                    time.sleep(0.05)  # a nonce taken concurrently: take the next one
        raise ChainError(f"could not allocate a nonce for {account.address}", details={"key": key})

    def _next_nonce(self, session, sender: str) -> int:
        on_chain = int(self.chain.w3.eth.get_transaction_count(sender, "pending"))
        recorded = session.scalar(
            select(func.max(ChainTransaction.nonce)).where(
                ChainTransaction.chain_id == self.chain.chain_id,
                ChainTransaction.sender == sender,
                ChainTransaction.status.in_(UNFINISHED),
            )
        )
        return on_chain if recorded is None else max(on_chain, recorded + 1)

    def _finish(self, record: TxRecord, wait: bool) -> TxRecord:
        if record.status is TxStatus.FAILED and wait:
            raise TransactionFailed(record, None)
        if record.done:
            return record
        receipt = self._receipt_or_none(record.tx_hash)
        if receipt is None and int(self.chain.w3.eth.get_transaction_count(record.sender, "latest")) > record.nonce:
            # The nonce is used; unless by this very transaction (mined meanwhile), it is lost.
            receipt = self._receipt_or_none(record.tx_hash)
            if receipt is None:
                return self._update(record.id, status=TxStatus.DROPPED,
                                    error="the nonce was used by another transaction; this one can never be mined")
        if receipt is None:
            return self._send(record, wait)
        return self._settle(record, receipt)

    def _send(self, record: TxRecord, wait: bool) -> TxRecord:
        """Send the recorded bytes; with ``wait`` record the outcome, else mark it sent.

        A crash anywhere here leaves the row signed or sent; :meth:`resume` finishes it.
        """
        self.chain.send_raw(bytes.fromhex(self._raw(record.id)[2:]))
        if not wait:
            return self._update(record.id, status=TxStatus.SENT, attempts=1)
        receipt = self.chain.wait(bytes.fromhex(record.tx_hash[2:]), timeout=self.receipt_timeout_s)
        return self._settle(record, receipt, attempts=1)

    def _settle(self, record: TxRecord, receipt: Any, *, attempts: int = 0) -> TxRecord:
        fields = {
            "block_number": int(receipt["blockNumber"]),
            "gas_used": int(receipt["gasUsed"]),
            "contract_address": receipt.get("contractAddress"),
        }
        if receipt["status"] == 1:
            return self._update(record.id, status=TxStatus.MINED, attempts=attempts, **fields)
        revert = self._replay(record, receipt)
        failed = self._update(record.id, status=TxStatus.FAILED, error=revert.message, attempts=attempts, **fields)
        raise TransactionFailed(failed, revert)

    def _replay(self, record: TxRecord, receipt: Any) -> ContractRevert | ChainError:
        tx = self.chain.w3.eth.get_transaction(record.tx_hash)
        return self.chain._replay_failure(
            {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"], "gas": tx["gas"]}, receipt
        )

    def _receipt_or_none(self, tx_hash: str) -> Any:
        try:
            return self.chain.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _raw(self, row_id: int) -> str:
        with self.database.new_session(writes=False) as s:
            return s.get(ChainTransaction, row_id).raw

    def _update(self, row_id: int, *, attempts: int = 0, **fields: Any) -> TxRecord:
        with self.database.transaction() as s:
            row = s.get(ChainTransaction, row_id)
            for name, value in fields.items():
                setattr(row, name, value)
            row.send_attempts += attempts
            row.updated_at = now_s()
            s.flush()
            return TxRecord.of(row)
