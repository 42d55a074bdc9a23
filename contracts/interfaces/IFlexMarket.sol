// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IFlexSettlement} from "./IFlexSettlement.sol";

/// @title FlexMarket requests, order-book commitments and awards
/// @notice A DSO request escrows its maximum payment. FSP bids stay off chain as EIP-712
/// signed typed data; at gate closure the market operator commits the Merkle root of the
/// order book; an award (by the operator from the clearing result, or by the requesting DSO
/// choosing offers by hand) carries the winning bids with signatures and one inclusion multiproof
/// and turns the escrow into agreements. Unused escrow is credited back to the DSO.
/// @dev Units: energy in Wh, prices in token base units per MWh, time in Unix seconds.
/// A request is stored as one word: the hash of its terms while open, the hash of its
/// terms and book root once committed, nothing once awarded or cancelled. The terms come
/// back as calldata on every later call.
interface IFlexMarket is IFlexSettlement {
    /// @notice The terms of a DSO request, hashed into storage at creation.
    /// @param dso The requesting DSO; it pays the escrow and receives refunds and penalties.
    /// @param gateClosure Unix s; bids close, the book may be committed from this time on.
    /// @param awardDeadline Unix s; commit and award must happen before it, the DSO may
    /// reclaim an unawarded request from it on.
    /// @param deliveryEnd Unix s; end of the delivery window; attestations from this time on.
    /// @param attestDeadline Unix s; last moment for an attestation; then the DSO may reclaim.
    /// @param quantityWh Requested energy in Wh (availability: W of capacity times service hours).
    /// @param priceCapPerMWh Highest acceptable price, token base units per MWh.
    /// @param successThresholdPct Delivered share of ordered energy (percent) counted as success.
    /// @param penaltyPct Penalty factor (percent of price times shortfall) below the threshold.
    /// @param payAsClear False: each winner is paid its own bid price; true: a price at or
    /// above each winner's bid (the clearing price) and at or below the cap.
    /// @param ref The off-chain reference of the request (hash of its published terms).
    struct FlexRequest {
        address dso;
        uint64 gateClosure;
        uint64 awardDeadline;
        uint64 deliveryEnd;
        uint64 attestDeadline;
        uint128 quantityWh;
        uint128 priceCapPerMWh;
        uint8 successThresholdPct;
        uint8 penaltyPct;
        bool payAsClear;
        bytes32 ref;
    }

    /// @notice An FSP's bid as signed in its wallet (EIP-712 type `Bid`).
    /// @param requestId The request the bid answers.
    /// @param fsp The FSP's address; must be the signer and hold the FSP role.
    /// @param quantityWh Offered energy in Wh.
    /// @param minQuantityWh Smallest acceptable partial award in Wh (equal to quantityWh
    /// for an indivisible bid).
    /// @param pricePerMWh Asked price, token base units per MWh.
    /// @param guarantee Token base units of the FSP's guarantee locked for the agreement.
    /// @param terms Hash of the bid's off-chain terms (bidding unit, intervals, version).
    struct Bid {
        uint256 requestId;
        address fsp;
        uint128 quantityWh;
        uint128 minQuantityWh;
        uint128 pricePerMWh;
        uint128 guarantee;
        bytes32 terms;
    }

    /// @notice One winning bid in an award.
    /// @param bid The bid as signed.
    /// @param quantityWh Awarded energy in Wh, within [minQuantityWh, quantityWh] of the bid.
    /// @param pricePerMWh Agreed price: the bid price (pay-as-bid) or the clearing price.
    /// @param r The signature's r value.
    /// @param vs The signature's s value with the parity bit on top (EIP-2098).
    struct Award {
        Bid bid;
        uint128 quantityWh;
        uint128 pricePerMWh;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice The caller may not act on this request.
    /// @param requestId The request.
    /// @param caller The caller.
    error FlexMarketNotRequestParty(uint256 requestId, address caller);

    /// @notice The request's creator is not the caller.
    /// @param dso The DSO named in the request.
    /// @param caller The caller.
    error FlexMarketDsoNotCaller(address dso, address caller);

    /// @notice A request names a zero quantity or a cap so low that its escrow would be zero.
    /// @param quantityWh The requested energy.
    /// @param priceCapPerMWh The price cap.
    error FlexMarketEmptyRequest(uint128 quantityWh, uint128 priceCapPerMWh);

    /// @notice The request's times are not in order: now < gateClosure <= awardDeadline
    /// <= deliveryEnd < attestDeadline.
    /// @param gateClosure Unix s.
    /// @param awardDeadline Unix s.
    /// @param deliveryEnd Unix s.
    /// @param attestDeadline Unix s.
    /// @param now The block timestamp.
    error FlexMarketInvalidSchedule(
        uint64 gateClosure, uint64 awardDeadline, uint64 deliveryEnd, uint64 attestDeadline, uint256 now
    );

    /// @notice A percentage is above 100.
    /// @param successThresholdPct The success threshold.
    /// @param penaltyPct The penalty factor.
    error FlexMarketInvalidPercentage(uint8 successThresholdPct, uint8 penaltyPct);

    /// @notice No open or committed request matches the given id, terms and book root.
    /// @param requestId The request.
    error FlexMarketUnknownRequest(uint256 requestId);

    /// @notice The gate is still open: the book cannot be committed yet.
    /// @param requestId The request.
    /// @param gateClosure Unix s.
    /// @param now The block timestamp.
    error FlexMarketGateOpen(uint256 requestId, uint64 gateClosure, uint256 now);

    /// @notice The gate is closed: the request can no longer be cancelled (until its award
    /// deadline has passed).
    /// @param requestId The request.
    /// @param gateClosure Unix s.
    /// @param now The block timestamp.
    error FlexMarketGateClosed(uint256 requestId, uint64 gateClosure, uint256 now);

    /// @notice The award deadline has passed: no commit or award any more, only reclaim.
    /// @param requestId The request.
    /// @param awardDeadline Unix s.
    /// @param now The block timestamp.
    error FlexMarketAwardDeadlinePassed(uint256 requestId, uint64 awardDeadline, uint256 now);

    /// @notice A book root of zero cannot be committed.
    /// @param requestId The request.
    error FlexMarketEmptyRoot(uint256 requestId);

    /// @notice A bid in an award answers another request.
    /// @param requestId The request being awarded.
    /// @param bidRequestId The request named in the bid.
    error FlexMarketBidForOtherRequest(uint256 requestId, uint256 bidRequestId);

    /// @notice The multiproof does not show every awarded bid in the committed order book.
    /// @param requestId The request.
    /// @param root The committed book root.
    error FlexMarketBidsNotInBook(uint256 requestId, bytes32 root);

    /// @notice Awards must come in ascending order of bid digest (the book's leaf order).
    /// @param previous The digest of the award before.
    /// @param bidDigest The digest that is out of order.
    error FlexMarketAwardsUnordered(bytes32 previous, bytes32 bidDigest);

    /// @notice A bid's signature does not recover to the bid's FSP.
    /// @param bidDigest The bid's EIP-712 digest.
    /// @param signer The recovered address (zero when the signature is malformed).
    /// @param fsp The FSP named in the bid.
    error FlexMarketInvalidBidSignature(bytes32 bidDigest, address signer, address fsp);

    /// @notice A bid's signer does not hold the FSP role (or is suspended).
    /// @param bidDigest The bid's EIP-712 digest.
    /// @param fsp The signer.
    error FlexMarketSignerNotFsp(bytes32 bidDigest, address fsp);

    /// @notice An agreed price is above the request's cap.
    /// @param requestId The request.
    /// @param price The agreed price, base units per MWh.
    /// @param cap The cap, base units per MWh.
    error FlexMarketPriceAboveCap(uint256 requestId, uint128 price, uint128 cap);

    /// @notice An agreed price breaks the request's pricing rule: below the bid price, or
    /// (pay-as-bid) different from it.
    /// @param bidDigest The bid's EIP-712 digest.
    /// @param price The agreed price.
    /// @param bidPrice The bid price.
    error FlexMarketPriceNotAllowed(bytes32 bidDigest, uint128 price, uint128 bidPrice);

    /// @notice An awarded quantity is outside the bid's [minimum, offered] range or zero.
    /// @param bidDigest The bid's EIP-712 digest.
    /// @param quantityWh The awarded quantity.
    /// @param minQuantityWh The bid's minimum.
    /// @param maxQuantityWh The bid's offered quantity.
    error FlexMarketQuantityOutsideBid(
        bytes32 bidDigest, uint128 quantityWh, uint128 minQuantityWh, uint128 maxQuantityWh
    );

    /// @notice The awarded total exceeds the requested quantity.
    /// @param requestId The request.
    /// @param totalWh The awarded total.
    /// @param requestedWh The requested quantity.
    error FlexMarketQuantityAboveRequest(uint256 requestId, uint256 totalWh, uint128 requestedWh);

    /// @notice Emitted when a DSO creates a request and its escrow is taken.
    /// @param requestId The new request's id.
    /// @param dso The requesting DSO.
    /// @param location Hash of the grid element or zone the request is for.
    /// @param request The request's terms.
    /// @param escrow Token base units escrowed (the maximum payment).
    event RequestCreated(
        uint256 indexed requestId, address indexed dso, bytes32 indexed location, FlexRequest request, uint256 escrow
    );

    /// @notice Emitted when a request is cancelled (or reclaimed after its award deadline).
    /// @param requestId The request.
    /// @param by The caller.
    /// @param refund Token base units credited back to the DSO.
    event RequestCancelled(uint256 indexed requestId, address indexed by, uint256 refund);

    /// @notice Emitted when the operator commits the order book at gate closure.
    /// @param requestId The request.
    /// @param root Merkle root of the book's bid digests (sorted-pair keccak256 tree).
    event BookCommitted(uint256 indexed requestId, bytes32 root);

    /// @notice Emitted for each winning bid: an agreement now exists.
    /// @param requestId The request.
    /// @param agreementId The agreement id (the bid's EIP-712 digest).
    /// @param fsp The winning FSP.
    /// @param quantityWh Awarded energy in Wh.
    /// @param pricePerMWh Agreed price, base units per MWh.
    /// @param guarantee Token base units of guarantee locked.
    event OfferAwarded(
        uint256 indexed requestId,
        bytes32 indexed agreementId,
        address indexed fsp,
        uint128 quantityWh,
        uint128 pricePerMWh,
        uint128 guarantee
    );

    /// @notice Emitted once per award, after its OfferAwarded events.
    /// @param requestId The request.
    /// @param by The operator or DSO who awarded.
    /// @param winners Number of agreements created.
    /// @param awardedWh Total awarded energy in Wh.
    /// @param agreed Token base units moved from escrow into agreements.
    /// @param refund Token base units of unused escrow credited back to the DSO.
    event RequestAwarded(
        uint256 indexed requestId, address indexed by, uint256 winners, uint256 awardedWh, uint256 agreed, uint256 refund
    );

    /// @notice Creates a request and escrows its maximum payment with transferFrom. DSO only;
    /// the caller must be `request.dso` and have approved the escrow.
    /// @param request The request's terms.
    /// @param location Hash of the grid element or zone (emitted, not stored).
    /// @return requestId The new request's id.
    function createRequest(FlexRequest calldata request, bytes32 location) external returns (uint256 requestId);

    /// @notice Cancels a request and credits its escrow back to the DSO. The DSO or an operator,
    /// before gate closure; or after the award deadline when it was never awarded.
    /// @param requestId The request.
    /// @param request The request's terms.
    /// @param root The committed book root, or zero for an uncommitted request.
    function cancelRequest(uint256 requestId, FlexRequest calldata request, bytes32 root) external;

    /// @notice Commits the order book's Merkle root. Operator only, from gate closure until the
    /// award deadline, once.
    /// @param requestId The request.
    /// @param request The request's terms.
    /// @param root Merkle root of the bid digests.
    function commitBook(uint256 requestId, FlexRequest calldata request, bytes32 root) external;

    /// @notice Awards winning bids and credits unused escrow back to the DSO. The operator or the
    /// requesting DSO, once per request, after the book commitment and before the award deadline.
    /// @param requestId The request.
    /// @param request The request's terms.
    /// @param root The committed book root.
    /// @param awards The winning bids in ascending digest order; may be empty (all refunded).
    /// @param proof Multiproof sibling nodes showing every awarded digest under `root`
    /// (OpenZeppelin MerkleProof multiproof over a sorted-pair tree).
    /// @param proofFlags Multiproof flags.
    function award(
        uint256 requestId,
        FlexRequest calldata request,
        bytes32 root,
        Award[] calldata awards,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external;

    /// @notice The EIP-712 digest of a bid, as the FSP's wallet signs it.
    /// @param bid The bid.
    /// @return The digest (also the agreement id once awarded).
    function bidDigest(Bid calldata bid) external view returns (bytes32);

    /// @notice The stored word of a request: its terms hash while open, the hash of terms and
    /// root once committed, zero when unknown or finished.
    /// @param requestId The request.
    /// @return The stored word.
    function requestWord(uint256 requestId) external view returns (bytes32);

    /// @notice The number of requests created so far (the last request id).
    /// @return The count.
    function requestCount() external view returns (uint256);
}
