// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFlexSettlement} from "../interfaces/IFlexSettlement.sol";
import {FlexMath} from "../libraries/FlexMath.sol";
import {ParticipantRegistry} from "../ParticipantRegistry.sol";

/// @title FlexMarket settlement
/// @notice Agreements (one word each), meter-oracle attestations, credits and guarantees.
/// Token conservation: the contract's token balance equals open request escrow + unsettled
/// agreements + guarantees + credits.
abstract contract FlexSettlement is IFlexSettlement, ParticipantRegistry, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type of a meter oracle's attestation.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 agreementId,uint128 deliveredWh)");

    struct Guarantee {
        uint128 total;
        uint128 locked;
    }

    IERC20 private immutable _token;
    uint8 private _oracleQuorum = 1;

    mapping(bytes32 agreementId => bytes32 agreementHash) private _agreements;
    mapping(address account => uint256 amount) private _credits;
    mapping(address fsp => Guarantee guarantee) private _guarantees;

    /// @param token_ The settlement token.
    constructor(IERC20 token_) EIP712("FlexMarket", "1") {
        _token = token_;
    }

    /// @inheritdoc IFlexSettlement
    function attest(Agreement calldata agreement, uint128 deliveredWh) external onlyRole(METER_ORACLE) {
        uint8 quorum = _oracleQuorum;
        if (quorum != 1) revert FlexMarketQuorumNotMet(agreement.id, 1, quorum);
        _settle(agreement, deliveredWh);
    }

    /// @inheritdoc IFlexSettlement
    function attestSigned(Agreement calldata agreement, uint128 deliveredWh, OracleSignature[] calldata signatures)
        external
    {
        bytes32 digest = attestationDigest(agreement.id, deliveredWh);
        uint256 quorum = _oracleQuorum;
        uint256 valid;
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signatures[i].r, signatures[i].vs);
            if (err != ECDSA.RecoverError.NoError || !hasRole(signer, METER_ORACLE)) continue;
            if (signer <= previous) revert FlexMarketOracleSignersUnordered(agreement.id, signer);
            previous = signer;
            // Bounded by signatures.length.
            unchecked {
                ++valid;
            }
        }
        if (valid < quorum) revert FlexMarketQuorumNotMet(agreement.id, valid, quorum);
        _settle(agreement, deliveredWh);
    }

    /// @inheritdoc IFlexSettlement
    function reclaim(Agreement calldata agreement) external {
        if (msg.sender != agreement.dso && !_isOperator(msg.sender)) {
            revert ParticipantRegistryUnauthorized(msg.sender, MARKET_OPERATOR);
        }
        _consumeAgreement(agreement);
        if (block.timestamp <= agreement.attestDeadline) {
            revert FlexMarketAttestationPending(agreement.id, agreement.attestDeadline, block.timestamp);
        }
        uint256 refund = FlexMath.payment(agreement.pricePerMWh, agreement.quantityWh);
        if (agreement.guarantee != 0) _guarantees[agreement.fsp].locked -= agreement.guarantee;
        _credit(agreement.dso, refund);
        emit AgreementReclaimed(agreement.id, refund);
    }

    /// @inheritdoc IFlexSettlement
    function withdraw() external {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert FlexMarketNothingToWithdraw(msg.sender);
        delete _credits[msg.sender];
        emit PaymentWithdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IFlexSettlement
    function depositGuarantee(uint256 amount) external onlyRole(FSP) {
        if (amount == 0) revert FlexMarketZeroGuarantee(msg.sender);
        Guarantee storage g = _guarantees[msg.sender];
        uint128 total = g.total + SafeCast.toUint128(amount);
        g.total = total;
        emit GuaranteeDeposited(msg.sender, amount, total);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IFlexSettlement
    function withdrawGuarantee(uint256 amount) external {
        if (amount == 0) revert FlexMarketZeroGuarantee(msg.sender);
        Guarantee storage g = _guarantees[msg.sender];
        uint256 free = g.total - g.locked;
        if (amount > free) revert FlexMarketGuaranteeInsufficient(msg.sender, amount, free);
        // amount <= free <= total, so it fits in uint128 and does not underflow.
        uint128 total;
        unchecked {
            total = g.total - uint128(amount);
        }
        g.total = total;
        emit GuaranteeWithdrawn(msg.sender, amount, total);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IFlexSettlement
    function setOracleQuorum(uint8 quorum) external onlyRole(MARKET_OPERATOR) {
        if (quorum == 0) revert FlexMarketInvalidQuorum(quorum);
        _oracleQuorum = quorum;
        emit OracleQuorumChanged(quorum);
    }

    /// @inheritdoc IFlexSettlement
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IFlexSettlement
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IFlexSettlement
    function guaranteeOf(address fsp) external view returns (uint128 total, uint128 locked) {
        Guarantee storage g = _guarantees[fsp];
        return (g.total, g.locked);
    }

    /// @inheritdoc IFlexSettlement
    function agreementHash(bytes32 agreementId) external view returns (bytes32) {
        return _agreements[agreementId];
    }

    /// @inheritdoc IFlexSettlement
    function attestationDigest(bytes32 agreementId, uint128 deliveredWh) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, agreementId, deliveredWh)));
    }

    /// @inheritdoc IFlexSettlement
    function oracleQuorum() external view returns (uint8) {
        return _oracleQuorum;
    }

    /// @dev Records a new agreement; reverts when its id (the bid digest) was ever awarded
    /// and is not settled. Locks the guarantee.
    function _createAgreement(Agreement memory agreement) internal {
        bytes32 id = agreement.id;
        if (_agreements[id] != 0) revert FlexMarketBidAlreadyAwarded(id);
        _agreements[id] = keccak256(abi.encode(agreement));
        uint128 guarantee = agreement.guarantee;
        if (guarantee != 0) {
            Guarantee storage g = _guarantees[agreement.fsp];
            (uint128 total, uint128 locked) = (g.total, g.locked);
            // locked <= total is kept by every writer.
            uint256 free;
            unchecked {
                free = total - locked;
            }
            if (guarantee > free) revert FlexMarketGuaranteeInsufficient(agreement.fsp, guarantee, free);
            // guarantee <= total - locked, so locked + guarantee <= total fits in uint128.
            unchecked {
                g.locked = locked + guarantee;
            }
        }
    }

    /// @dev Credits `amount` to `account` for a later withdraw; a zero amount writes nothing.
    function _credit(address account, uint256 amount) internal {
        if (amount != 0) _credits[account] += amount;
    }

    /// @dev The settlement token, for escrow intake by the market.
    function _settlementToken() internal view returns (IERC20) {
        return _token;
    }

    function _consumeAgreement(Agreement calldata agreement) private {
        bytes32 id = agreement.id;
        if (_agreements[id] != keccak256(abi.encode(agreement))) revert FlexMarketUnknownAgreement(id);
        delete _agreements[id];
    }

    function _settle(Agreement calldata agreement, uint128 deliveredWh) private {
        _consumeAgreement(agreement);
        if (block.timestamp < agreement.deliveryEnd) {
            revert FlexMarketDeliveryNotEnded(agreement.id, agreement.deliveryEnd, block.timestamp);
        }
        if (block.timestamp > agreement.attestDeadline) {
            revert FlexMarketAttestationTooLate(agreement.id, agreement.attestDeadline, block.timestamp);
        }
        (bool success, uint256 paid, uint256 penalty, uint256 refund) = FlexMath.settle(
            agreement.pricePerMWh,
            agreement.quantityWh,
            deliveredWh,
            agreement.successThresholdPct,
            agreement.penaltyPct,
            agreement.guarantee
        );
        if (agreement.guarantee != 0) {
            Guarantee storage g = _guarantees[agreement.fsp];
            // The agreement's guarantee is part of `locked`, and penalty <= guarantee <= total.
            unchecked {
                g.locked -= agreement.guarantee;
                g.total -= uint128(penalty);
            }
        }
        _credit(agreement.fsp, paid);
        _credit(agreement.dso, refund + penalty);
        emit DeliveryAttested(agreement.id, deliveredWh, success, paid, penalty, refund);
    }
}
