// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/// @title FlexMarket settlement: agreements, oracle attestations, credits and guarantees
/// @notice After delivery a meter oracle attests the delivered energy of an agreement. The
/// contract pays by the settlement rules: on success (delivered >= threshold) the FSP is
/// credited price x min(delivered, ordered); below the threshold it gets nothing and a
/// penalty (penalty % x price x shortfall, capped at the agreement's guarantee) is taken from
/// its guarantee for the DSO; the DSO is credited the rest of the agreement. Money leaves the
/// contract only through `withdraw` and `withdrawGuarantee` (pull payments).
/// @dev Payment = floor(pricePerMWh x energyWh / 1e6) everywhere (FlexMath).
interface IFlexSettlement is IParticipantRegistry {
    /// @notice An agreement, hashed into one storage word at award and passed back as
    /// calldata at settlement.
    /// @param id The agreement id: the winning bid's EIP-712 digest.
    /// @param requestId The request it came from.
    /// @param dso The buying DSO.
    /// @param fsp The delivering FSP.
    /// @param quantityWh Ordered energy in Wh.
    /// @param pricePerMWh Agreed price, base units per MWh.
    /// @param guarantee Token base units of the FSP's guarantee locked for this agreement.
    /// @param deliveryEnd Unix s from which it may be attested.
    /// @param attestDeadline Unix s after which the DSO may reclaim it.
    /// @param successThresholdPct Success threshold in percent of ordered energy.
    /// @param penaltyPct Penalty factor in percent.
    struct Agreement {
        bytes32 id;
        uint256 requestId;
        address dso;
        address fsp;
        uint128 quantityWh;
        uint128 pricePerMWh;
        uint128 guarantee;
        uint64 deliveryEnd;
        uint64 attestDeadline;
        uint8 successThresholdPct;
        uint8 penaltyPct;
    }

    /// @notice A meter oracle's signature over an attestation (EIP-712 type `Attestation`).
    /// @param r The signature's r value.
    /// @param vs The signature's s value with the parity bit on top (EIP-2098).
    struct OracleSignature {
        bytes32 r;
        bytes32 vs;
    }

    /// @notice A bid was already awarded.
    /// @param agreementId The bid's EIP-712 digest (the agreement id).
    error FlexMarketBidAlreadyAwarded(bytes32 agreementId);

    /// @notice No unsettled agreement matches the given terms.
    /// @param agreementId The agreement id given.
    error FlexMarketUnknownAgreement(bytes32 agreementId);

    /// @notice The delivery window has not ended yet.
    /// @param agreementId The agreement.
    /// @param deliveryEnd Unix s.
    /// @param now The block timestamp.
    error FlexMarketDeliveryNotEnded(bytes32 agreementId, uint64 deliveryEnd, uint256 now);

    /// @notice The attestation deadline has passed; only a reclaim is possible.
    /// @param agreementId The agreement.
    /// @param attestDeadline Unix s.
    /// @param now The block timestamp.
    error FlexMarketAttestationTooLate(bytes32 agreementId, uint64 attestDeadline, uint256 now);

    /// @notice The attestation deadline has not passed; the agreement cannot be reclaimed yet.
    /// @param agreementId The agreement.
    /// @param attestDeadline Unix s.
    /// @param now The block timestamp.
    error FlexMarketAttestationPending(bytes32 agreementId, uint64 attestDeadline, uint256 now);

    /// @notice Too few distinct meter-oracle signatures for the quorum.
    /// @param agreementId The agreement.
    /// @param valid Distinct valid oracle signatures found.
    /// @param quorum Signatures needed.
    error FlexMarketQuorumNotMet(bytes32 agreementId, uint256 valid, uint256 quorum);

    /// @notice Oracle signatures must come in strictly ascending signer order (no repeats).
    /// @param agreementId The agreement.
    /// @param signer The signer out of order.
    error FlexMarketOracleSignersUnordered(bytes32 agreementId, address signer);

    /// @notice An oracle quorum of zero is not allowed.
    /// @param quorum The rejected quorum.
    error FlexMarketInvalidQuorum(uint8 quorum);

    /// @notice The caller has no credit to withdraw.
    /// @param account The caller.
    error FlexMarketNothingToWithdraw(address account);

    /// @notice A guarantee amount of zero.
    /// @param fsp The FSP.
    error FlexMarketZeroGuarantee(address fsp);

    /// @notice The FSP's free (unlocked) guarantee is smaller than needed.
    /// @param fsp The FSP.
    /// @param needed Token base units needed.
    /// @param free Token base units deposited and not locked.
    error FlexMarketGuaranteeInsufficient(address fsp, uint256 needed, uint256 free);

    /// @notice Emitted when an agreement is settled on an oracle attestation.
    /// @param agreementId The agreement.
    /// @param deliveredWh Attested delivered energy in Wh.
    /// @param success Whether delivery reached the success threshold.
    /// @param payment Token base units credited to the FSP.
    /// @param penalty Token base units taken from the FSP's guarantee for the DSO.
    /// @param refund Token base units of the agreement credited back to the DSO.
    event DeliveryAttested(
        bytes32 indexed agreementId, uint128 deliveredWh, bool success, uint256 payment, uint256 penalty, uint256 refund
    );

    /// @notice Emitted when the DSO reclaims an agreement nobody attested in time.
    /// @param agreementId The agreement.
    /// @param refund Token base units credited back to the DSO.
    event AgreementReclaimed(bytes32 indexed agreementId, uint256 refund);

    /// @notice Emitted when an account withdraws its credit.
    /// @param account The account paid.
    /// @param amount Token base units transferred.
    event PaymentWithdrawn(address indexed account, uint256 amount);

    /// @notice Emitted when an FSP deposits guarantee.
    /// @param fsp The FSP.
    /// @param amount Token base units deposited.
    /// @param total The FSP's guarantee afterwards.
    event GuaranteeDeposited(address indexed fsp, uint256 amount, uint256 total);

    /// @notice Emitted when an FSP withdraws unlocked guarantee.
    /// @param fsp The FSP.
    /// @param amount Token base units withdrawn.
    /// @param total The FSP's guarantee afterwards.
    event GuaranteeWithdrawn(address indexed fsp, uint256 amount, uint256 total);

    /// @notice Emitted when the operator changes the meter-oracle quorum.
    /// @param quorum Distinct oracle signatures an attestation needs.
    event OracleQuorumChanged(uint8 quorum);

    /// @notice Settles an agreement on the attestation of the calling meter oracle. Only while
    /// the quorum is one.
    /// @param agreement The agreement's terms.
    /// @param deliveredWh Delivered energy in Wh (baseline against metered, clipped per interval).
    function attest(Agreement calldata agreement, uint128 deliveredWh) external;

    /// @notice Settles an agreement on EIP-712 attestations signed by meter oracles (anyone may
    /// submit them). Signatures in strictly ascending signer order, at least the quorum.
    /// @param agreement The agreement's terms.
    /// @param deliveredWh Delivered energy in Wh.
    /// @param signatures The oracle signatures over `Attestation(agreementId, deliveredWh)`.
    function attestSigned(Agreement calldata agreement, uint128 deliveredWh, OracleSignature[] calldata signatures)
        external;

    /// @notice Credits an unattested agreement back to the DSO after its attestation deadline
    /// and unlocks its guarantee. The DSO or an operator.
    /// @param agreement The agreement's terms.
    function reclaim(Agreement calldata agreement) external;

    /// @notice Transfers the caller's whole credit to it.
    function withdraw() external;

    /// @notice Deposits guarantee from the caller (transferFrom). FSP only.
    /// @param amount Token base units.
    function depositGuarantee(uint256 amount) external;

    /// @notice Withdraws unlocked guarantee to the caller.
    /// @param amount Token base units.
    function withdrawGuarantee(uint256 amount) external;

    /// @notice Sets how many distinct meter-oracle signatures an attestation needs. Operator only.
    /// @param quorum At least one.
    function setOracleQuorum(uint8 quorum) external;

    /// @notice The settlement token (6 decimals, 1 EUR = 1,000,000 base units).
    /// @return The token address.
    function token() external view returns (address);

    /// @notice An account's credit waiting for `withdraw`.
    /// @param account The account.
    /// @return Token base units.
    function creditOf(address account) external view returns (uint256);

    /// @notice An FSP's guarantee.
    /// @param fsp The FSP.
    /// @return total Token base units deposited and not withdrawn or forfeited.
    /// @return locked Token base units locked by unsettled agreements.
    function guaranteeOf(address fsp) external view returns (uint128 total, uint128 locked);

    /// @notice The stored hash of an unsettled agreement, zero when unknown or settled.
    /// @param agreementId The agreement id.
    /// @return The keccak256 of the ABI-encoded agreement.
    function agreementHash(bytes32 agreementId) external view returns (bytes32);

    /// @notice The EIP-712 digest an oracle signs for an attestation.
    /// @param agreementId The agreement.
    /// @param deliveredWh Delivered energy in Wh.
    /// @return The digest.
    function attestationDigest(bytes32 agreementId, uint128 deliveredWh) external view returns (bytes32);

    /// @notice Distinct meter-oracle signatures an attestation needs.
    /// @return The quorum.
    function oracleQuorum() external view returns (uint8);
}
