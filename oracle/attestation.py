"""EIP-712 attestations: a meter oracle's signed statement of an agreement's delivered energy.

The type is the settlement contract's (``contracts/settlement/FlexSettlement.sol``)::

    Attestation(bytes32 agreementId,uint128 deliveredWh)

in the domain ``{name: "FlexMarket", version: "1", chainId, verifyingContract}`` — the
deployed FlexMarket's address. Binding chain id, contract and agreement id makes a signature
useless anywhere else; the contract settles each agreement once. ``deliveredWh`` is the
verdict's ``delivered_wh`` (uncapped; the contract pays at most the ordered energy).

:func:`sign_attestation` signs with an eth-account ``LocalAccount`` (a key loaded from the
environment or a keyfile, never from code) and returns the 65-byte signature and the EIP-2098
compact ``(r, vs)`` pair that ``attestSigned`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import is_address

from marketplace.chain import typed_data as chain_typed_data
from oracle.errors import AttestationError

#: Largest ``uint128``.
UINT128_MAX = 2**128 - 1


def agreement_id_bytes(agreement_id: bytes | str) -> bytes:
    """The 32-byte agreement id from bytes or a 0x-prefixed hex string."""
    if isinstance(agreement_id, str):
        text = agreement_id.removeprefix("0x")
        try:
            agreement_id = bytes.fromhex(text)
        except ValueError:
            raise AttestationError(f"agreement id {agreement_id!r} is not hex") from None
    if not isinstance(agreement_id, bytes) or len(agreement_id) != 32:
        raise AttestationError("an agreement id is 32 bytes (0x + 64 hex digits)")
    return agreement_id


def typed_data(
    agreement_id: bytes | str, delivered_wh: int, *, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The full EIP-712 message (``types``, ``primaryType``, ``domain``, ``message``) of an
    attestation, as MetaMask's ``eth_signTypedData_v4`` and eth-account take it — after
    checking every value (the document itself is :mod:`marketplace.chain.typed_data`'s)."""
    if not isinstance(delivered_wh, int) or isinstance(delivered_wh, bool) or not 0 <= delivered_wh <= UINT128_MAX:
        raise AttestationError(f"delivered energy must be an integer 0..2**128-1 Wh, got {delivered_wh!r}")
    if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
        raise AttestationError(f"chain id must be a positive integer, got {chain_id!r}")
    if not isinstance(verifying_contract, str) or not is_address(verifying_contract):
        raise AttestationError(f"verifying contract {verifying_contract!r} is not an address")
    return chain_typed_data.attestation_typed_data(
        chain_id, verifying_contract, agreement_id_bytes(agreement_id), delivered_wh
    )


def digest(agreement_id: bytes | str, delivered_wh: int, *, chain_id: int, verifying_contract: str) -> bytes:
    """The 32-byte EIP-712 digest the contract's ``attestationDigest`` returns."""
    return chain_typed_data.digest(
        typed_data(agreement_id, delivered_wh, chain_id=chain_id, verifying_contract=verifying_contract)
    )


@dataclass(frozen=True)
class SignedAttestation:
    """An attestation signed by a meter oracle.

    ``signature`` is the 65-byte ``r || s || v`` form; ``r`` and ``vs`` the EIP-2098 compact
    form (``vs`` = s with the parity of v in its top bit) that ``attestSigned`` takes.
    """

    agreement_id: bytes
    delivered_wh: int
    signer: str
    digest: bytes
    signature: bytes
    r: bytes
    vs: bytes


def compact(signature: bytes) -> tuple[bytes, bytes]:
    """EIP-2098 ``(r, vs)`` of a 65-byte ``r || s || v`` signature (v 27/28 or 0/1)."""
    if len(signature) != 65:
        raise AttestationError(f"a signature is 65 bytes, got {len(signature)}")
    if int.from_bytes(signature[32:64], "big") >> 255:
        raise AttestationError("signature has an invalid v or a high s")
    try:
        return chain_typed_data.compact(signature)
    except ValueError:
        raise AttestationError("signature has an invalid v or a high s") from None


def sign_attestation(
    account: LocalAccount, agreement_id: bytes | str, delivered_wh: int, *, chain_id: int, verifying_contract: str
) -> SignedAttestation:
    """Sign the attestation of ``delivered_wh`` Wh for ``agreement_id`` with ``account``."""
    message = typed_data(agreement_id, delivered_wh, chain_id=chain_id, verifying_contract=verifying_contract)
    signed = account.sign_message(encode_typed_data(full_message=message))
    signature = bytes(signed.signature)
    r, vs = compact(signature)
    return SignedAttestation(
        agreement_id=agreement_id_bytes(agreement_id),
        delivered_wh=delivered_wh,
        signer=account.address,
        digest=bytes(signed.message_hash),
        signature=signature,
        r=r,
        vs=vs,
    )
