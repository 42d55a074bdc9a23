"""EIP-712 attestations against the deployed contract on the embedded chain.

Reference digests and signatures come from the contract and from eth-account applied to
typed data written out here by hand — never only from the code under test.
"""

from __future__ import annotations

import warnings

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from oracle import attestation
from oracle.errors import AttestationError

with warnings.catch_warnings():
    # web3 7 imports its legacy websocket provider (a DeprecationWarning) at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    from marketplace.chain import devkeys, errors
    from marketplace.chain.client import Chain

METER_ORACLE = 8
AGREEMENT_ID = bytes.fromhex("7a1c" + "00" * 29 + "e5")


@pytest.fixture(scope="module")
def deployed():
    chain = Chain.embedded()
    operator = devkeys.dev_account(0)
    token = chain.deploy("FlexToken", operator.address, sender=operator)
    market = chain.deploy("FlexMarket", token.address, operator.address, sender=operator)
    oracle = devkeys.dev_account(3)
    chain.transact(market.functions.grantRole(oracle.address, METER_ORACLE), operator)
    return chain, market, oracle


def reference_typed_data(chain_id: int, contract: str, agreement_id: bytes, delivered_wh: int) -> dict:
    """The Attestation typed data as the contract defines it, written out by hand."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Attestation": [{"name": "agreementId", "type": "bytes32"}, {"name": "deliveredWh", "type": "uint128"}],
        },
        "primaryType": "Attestation",
        "domain": {"name": "FlexMarket", "version": "1", "chainId": chain_id, "verifyingContract": contract},
        "message": {"agreementId": agreement_id, "deliveredWh": delivered_wh},
    }


@pytest.mark.parametrize("delivered_wh", [0, 1, 7_900, 2**64, 2**128 - 1])
def test_digest_matches_the_contracts_attestation_digest(deployed, delivered_wh):
    chain, market, _ = deployed
    expected = chain.call(market.functions.attestationDigest(AGREEMENT_ID, delivered_wh))
    ours = attestation.digest(AGREEMENT_ID, delivered_wh, chain_id=chain.chain_id, verifying_contract=market.address)
    assert ours == bytes(expected)
    # The hex-string form of the id gives the same digest.
    assert attestation.digest(
        "0x" + AGREEMENT_ID.hex(), delivered_wh, chain_id=chain.chain_id, verifying_contract=market.address.lower()
    ) == ours


def test_domain_is_the_contracts_eip712_domain(deployed):
    chain, market, _ = deployed
    _, name, version, chain_id, contract, _, _ = chain.call(market.functions.eip712Domain())
    data = attestation.typed_data(AGREEMENT_ID, 1, chain_id=chain.chain_id, verifying_contract=market.address)
    assert data["domain"] == {"name": name, "version": version, "chainId": chain_id, "verifyingContract": contract}
    assert data["primaryType"] == "Attestation"


def test_signature_equals_eth_accounts_over_the_reference_typed_data(deployed):
    chain, market, oracle = deployed
    signed = attestation.sign_attestation(
        oracle, AGREEMENT_ID, 7_900, chain_id=chain.chain_id, verifying_contract=market.address
    )
    reference = reference_typed_data(chain.chain_id, market.address, AGREEMENT_ID, 7_900)
    expected = Account.sign_typed_data(oracle.key, full_message=reference)
    assert signed.signature == bytes(expected.signature)
    assert signed.digest == bytes(expected.message_hash)
    assert signed.digest == bytes(chain.call(market.functions.attestationDigest(AGREEMENT_ID, 7_900)))
    recovered = Account.recover_message(encode_typed_data(full_message=reference), signature=signed.signature)
    assert recovered == oracle.address == signed.signer
    # EIP-2098: vs = s with the parity of v in the top bit.
    s = int.from_bytes(signed.signature[32:64], "big")
    assert signed.r == signed.signature[:32]
    assert int.from_bytes(signed.vs, "big") == s | ((signed.signature[64] - 27) << 255)


def _terms(agreement_id: bytes) -> tuple:
    oracle_free = "0x" + "00" * 20
    return (agreement_id, 1, oracle_free, oracle_free, 8_000, 120_000_000, 0, 0, 2**63, 80, 10)


def test_contract_accepts_the_compact_signature_of_a_meter_oracle(deployed):
    chain, market, oracle = deployed
    signed = attestation.sign_attestation(
        oracle, AGREEMENT_ID, 7_900, chain_id=chain.chain_id, verifying_contract=market.address
    )
    call = market.functions.attestSigned(_terms(AGREEMENT_ID), 7_900, [(signed.r, signed.vs)])
    # The signature counts towards the quorum; the call then stops at the unknown agreement.
    with pytest.raises(errors.FlexMarketUnknownAgreement):
        chain.call(call)


@pytest.mark.parametrize("case", ["not an oracle", "other energy", "other agreement"])
def test_contract_does_not_count_a_signature_over_other_data_or_by_a_non_oracle(deployed, case):
    chain, market, oracle = deployed
    signer = devkeys.dev_account(5) if case == "not an oracle" else oracle
    signed_id = bytes(32) if case == "other agreement" else AGREEMENT_ID
    signed_wh = 8_000 if case == "other energy" else 7_900
    signed = attestation.sign_attestation(
        signer, signed_id, signed_wh, chain_id=chain.chain_id, verifying_contract=market.address
    )
    call = market.functions.attestSigned(_terms(AGREEMENT_ID), 7_900, [(signed.r, signed.vs)])
    with pytest.raises(errors.FlexMarketQuorumNotMet) as caught:
        chain.call(call)
    assert (caught.value.fields["valid"], caught.value.fields["quorum"]) == (0, 1)


def test_a_signature_is_bound_to_chain_and_contract(deployed):
    chain, market, oracle = deployed
    here = attestation.digest(AGREEMENT_ID, 1, chain_id=chain.chain_id, verifying_contract=market.address)
    assert here != attestation.digest(AGREEMENT_ID, 1, chain_id=chain.chain_id + 1, verifying_contract=market.address)
    assert here != attestation.digest(AGREEMENT_ID, 1, chain_id=chain.chain_id, verifying_contract="0x" + "11" * 20)


@pytest.mark.parametrize(
    "agreement_id, delivered_wh, chain_id, contract",
    [
        (b"\x01" * 31, 1, 1, "0x" + "11" * 20),
        ("0x1234", 1, 1, "0x" + "11" * 20),
        ("0x" + "zz" * 32, 1, 1, "0x" + "11" * 20),
        (AGREEMENT_ID, -1, 1, "0x" + "11" * 20),
        (AGREEMENT_ID, 2**128, 1, "0x" + "11" * 20),
        (AGREEMENT_ID, True, 1, "0x" + "11" * 20),
        (AGREEMENT_ID, 1, 0, "0x" + "11" * 20),
        (AGREEMENT_ID, 1, 1, "0x1234"),
    ],
)
def test_refuses_what_the_contract_type_cannot_hold(agreement_id, delivered_wh, chain_id, contract):
    with pytest.raises(AttestationError) as caught:
        attestation.typed_data(agreement_id, delivered_wh, chain_id=chain_id, verifying_contract=contract)
    assert caught.value.code == "invalid_attestation"


def test_compact_refuses_malformed_signatures():
    with pytest.raises(AttestationError):
        attestation.compact(b"\x00" * 64)
    with pytest.raises(AttestationError):
        attestation.compact(b"\x00" * 64 + b"\x05")
