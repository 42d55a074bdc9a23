// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IFlexMarket} from "./interfaces/IFlexMarket.sol";
import {FlexMath} from "./libraries/FlexMath.sol";
import {ParticipantRegistry} from "./ParticipantRegistry.sol";
import {FlexSettlement} from "./settlement/FlexSettlement.sol";

/// @title FlexMarket
/// @notice The on-chain part of the FlexMarket local flexibility market: participant roles,
/// DSO request escrow, order-book commitments, awards of signed bids, and settlement on
/// meter-oracle attestations. See IFlexMarket and IFlexSettlement.
contract FlexMarket is IFlexMarket, FlexSettlement {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type of an FSP's bid.
    bytes32 public constant BID_TYPEHASH = keccak256(
        "Bid(uint256 requestId,address fsp,uint128 quantityWh,uint128 minQuantityWh,uint128 pricePerMWh,uint128 guarantee,bytes32 terms)"
    );

    uint256 private _requestCount;

    /// @dev requestId => terms hash (open) or hash(terms hash, book root) (committed); deleted
    /// when awarded or cancelled.
    mapping(uint256 requestId => bytes32 word) private _requests;

    /// @param token_ The settlement token (6 decimals).
    /// @param operator The first market operator.
    constructor(IERC20 token_, address operator) ParticipantRegistry(operator) FlexSettlement(token_) {}

    /// @inheritdoc IFlexMarket
    function createRequest(FlexRequest calldata request, bytes32 location)
        external
        onlyRole(DSO)
        returns (uint256 requestId)
    {
        if (request.dso != msg.sender) revert FlexMarketDsoNotCaller(request.dso, msg.sender);
        uint256 escrow = FlexMath.payment(request.priceCapPerMWh, request.quantityWh);
        if (escrow == 0) revert FlexMarketEmptyRequest(request.quantityWh, request.priceCapPerMWh);
        if (
            request.gateClosure <= block.timestamp || request.awardDeadline < request.gateClosure
                || request.deliveryEnd < request.awardDeadline || request.attestDeadline <= request.deliveryEnd
        ) {
            revert FlexMarketInvalidSchedule(
                request.gateClosure, request.awardDeadline, request.deliveryEnd, request.attestDeadline, block.timestamp
            );
        }
        if (request.successThresholdPct > 100 || request.penaltyPct > 100) {
            revert FlexMarketInvalidPercentage(request.successThresholdPct, request.penaltyPct);
        }
        // A request counter cannot reach 2**256.
        unchecked {
            requestId = ++_requestCount;
        }
        _requests[requestId] = _hashRequest(request);
        emit RequestCreated(requestId, msg.sender, location, request, escrow);
        _settlementToken().safeTransferFrom(msg.sender, address(this), escrow);
    }

    /// @inheritdoc IFlexMarket
    function cancelRequest(uint256 requestId, FlexRequest calldata request, bytes32 root) external {
        if (msg.sender != request.dso && !_isOperator(msg.sender)) {
            revert FlexMarketNotRequestParty(requestId, msg.sender);
        }
        bytes32 word = _requests[requestId];
        bytes32 terms = _hashRequest(request);
        bool open = word == terms && root == 0;
        if (!open && (word == 0 || word != _fold(terms, root))) revert FlexMarketUnknownRequest(requestId);
        // Open requests may be cancelled before gate closure; any unawarded one after its
        // award deadline.
        if (!(open && block.timestamp < request.gateClosure) && block.timestamp < request.awardDeadline) {
            revert FlexMarketGateClosed(requestId, request.gateClosure, block.timestamp);
        }
        delete _requests[requestId];
        uint256 refund = FlexMath.payment(request.priceCapPerMWh, request.quantityWh);
        _credit(request.dso, refund);
        emit RequestCancelled(requestId, msg.sender, refund);
    }

    /// @inheritdoc IFlexMarket
    function commitBook(uint256 requestId, FlexRequest calldata request, bytes32 root)
        external
        onlyRole(MARKET_OPERATOR)
    {
        bytes32 terms = _hashRequest(request);
        if (_requests[requestId] != terms) revert FlexMarketUnknownRequest(requestId);
        if (block.timestamp < request.gateClosure) {
            revert FlexMarketGateOpen(requestId, request.gateClosure, block.timestamp);
        }
        if (block.timestamp >= request.awardDeadline) {
            revert FlexMarketAwardDeadlinePassed(requestId, request.awardDeadline, block.timestamp);
        }
        if (root == 0) revert FlexMarketEmptyRoot(requestId);
        _requests[requestId] = _fold(terms, root);
        emit BookCommitted(requestId, root);
    }

    /// @inheritdoc IFlexMarket
    function award(
        uint256 requestId,
        FlexRequest calldata request,
        bytes32 root,
        Award[] calldata awards,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external {
        if (msg.sender != request.dso && !_isOperator(msg.sender)) {
            revert FlexMarketNotRequestParty(requestId, msg.sender);
        }
        if (root == 0 || _requests[requestId] != _fold(_hashRequest(request), root)) {
            revert FlexMarketUnknownRequest(requestId);
        }
        if (block.timestamp >= request.awardDeadline) {
            revert FlexMarketAwardDeadlinePassed(requestId, request.awardDeadline, block.timestamp);
        }
        delete _requests[requestId];

        uint256 awardedWh;
        uint256 agreed;
        bytes32[] memory leaves = new bytes32[](awards.length);
        bytes32 previous;
        for (uint256 i; i < awards.length; ++i) {
            Award calldata a = awards[i];
            bytes32 digest = _checkWinner(requestId, request, a);
            // Ascending digests are the book's leaf order; an equal digest is a repeated bid,
            // refused by _createAgreement.
            if (digest < previous) revert FlexMarketAwardsUnordered(previous, digest);
            previous = digest;
            leaves[i] = digest;
            _createAgreement(
                Agreement({
                    id: digest,
                    requestId: requestId,
                    dso: request.dso,
                    fsp: a.bid.fsp,
                    quantityWh: a.quantityWh,
                    pricePerMWh: a.pricePerMWh,
                    guarantee: a.bid.guarantee,
                    deliveryEnd: request.deliveryEnd,
                    attestDeadline: request.attestDeadline,
                    successThresholdPct: request.successThresholdPct,
                    penaltyPct: request.penaltyPct
                })
            );
            emit OfferAwarded(requestId, digest, a.bid.fsp, a.quantityWh, a.pricePerMWh, a.bid.guarantee);
            // Each term is a uint128 or a payment of two uint128s below 2**256 / 1e6; the
            // number of awards bounded by calldata keeps the sums far from 2**256.
            unchecked {
                awardedWh += a.quantityWh;
                agreed += FlexMath.payment(a.pricePerMWh, a.quantityWh);
            }
        }
        if (awards.length != 0 && !MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves)) {
            revert FlexMarketBidsNotInBook(requestId, root);
        }
        if (awardedWh > request.quantityWh) {
            revert FlexMarketQuantityAboveRequest(requestId, awardedWh, request.quantityWh);
        }
        // Every agreed price <= cap and the awarded total <= requested, so agreed <= escrow.
        uint256 refund;
        unchecked {
            refund = FlexMath.payment(request.priceCapPerMWh, request.quantityWh) - agreed;
        }
        _credit(request.dso, refund);
        emit RequestAwarded(requestId, msg.sender, awards.length, awardedWh, agreed, refund);
    }

    /// @inheritdoc IFlexMarket
    function bidDigest(Bid calldata bid) external view returns (bytes32) {
        return _bidDigest(bid);
    }

    /// @inheritdoc IFlexMarket
    function requestWord(uint256 requestId) external view returns (bytes32) {
        return _requests[requestId];
    }

    /// @inheritdoc IFlexMarket
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @dev Checks one winner against the request and its signature; returns the bid digest.
    /// Inclusion in the book is checked for all winners at once by the caller.
    function _checkWinner(uint256 requestId, FlexRequest calldata request, Award calldata a)
        private
        view
        returns (bytes32 digest)
    {
        Bid calldata bid = a.bid;
        if (bid.requestId != requestId) revert FlexMarketBidForOtherRequest(requestId, bid.requestId);
        digest = _bidDigest(bid);
        (address signer,,) = ECDSA.tryRecover(digest, a.r, a.vs);
        if (signer != bid.fsp) revert FlexMarketInvalidBidSignature(digest, signer, bid.fsp);
        if (!hasRole(signer, FSP)) revert FlexMarketSignerNotFsp(digest, signer);
        uint128 price = a.pricePerMWh;
        if (price > request.priceCapPerMWh) revert FlexMarketPriceAboveCap(requestId, price, request.priceCapPerMWh);
        if (request.payAsClear ? price < bid.pricePerMWh : price != bid.pricePerMWh) {
            revert FlexMarketPriceNotAllowed(digest, price, bid.pricePerMWh);
        }
        uint128 quantity = a.quantityWh;
        if (quantity == 0 || quantity < bid.minQuantityWh || quantity > bid.quantityWh) {
            revert FlexMarketQuantityOutsideBid(digest, quantity, bid.minQuantityWh, bid.quantityWh);
        }
    }

    function _bidDigest(Bid calldata bid) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    BID_TYPEHASH,
                    bid.requestId,
                    bid.fsp,
                    bid.quantityWh,
                    bid.minQuantityWh,
                    bid.pricePerMWh,
                    bid.guarantee,
                    bid.terms
                )
            )
        );
    }

    function _hashRequest(FlexRequest calldata request) private pure returns (bytes32) {
        return keccak256(abi.encode(request));
    }

    function _fold(bytes32 terms, bytes32 root) private pure returns (bytes32) {
        return keccak256(abi.encode(terms, root));
    }
}
