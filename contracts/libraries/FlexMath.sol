// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title FlexMarket payment arithmetic
/// @notice The one rule for money from energy: payment = floor(pricePerMWh x energyWh / 1e6),
/// and the settlement split built on it. The Python module `marketplace.settlement` computes
/// the same numbers and the test suite holds the two to each other.
/// @dev Prices and quantities are uint128, so every product below fits in 256 bits.
library FlexMath {
    /// @notice Wh per MWh: prices are per MWh, quantities in Wh.
    uint256 internal constant WH_PER_MWH = 1_000_000;

    /// @notice Token base units for `energyWh` at `pricePerMWh`, rounded down.
    /// @param pricePerMWh Token base units per MWh.
    /// @param energyWh Energy in Wh.
    /// @return Token base units.
    function payment(uint256 pricePerMWh, uint256 energyWh) internal pure returns (uint256) {
        return pricePerMWh * energyWh / WH_PER_MWH;
    }

    /// @notice The settlement split of one agreement.
    /// @param pricePerMWh Agreed price.
    /// @param orderedWh Ordered energy.
    /// @param deliveredWh Attested delivered energy.
    /// @param successThresholdPct Success threshold in percent.
    /// @param penaltyPct Penalty factor in percent.
    /// @param guarantee Guarantee locked for the agreement; caps the penalty.
    /// @return success Whether delivered x 100 >= ordered x threshold.
    /// @return paid Credit to the FSP: payment(price, min(delivered, ordered)) on success, else 0.
    /// @return penalty Below the threshold: floor(penaltyPct x price x (ordered - delivered) / 1e8),
    /// capped at the guarantee; else 0.
    /// @return refund The agreement's amount minus the FSP's payment, back to the DSO.
    function settle(
        uint256 pricePerMWh,
        uint256 orderedWh,
        uint256 deliveredWh,
        uint256 successThresholdPct,
        uint256 penaltyPct,
        uint256 guarantee
    ) internal pure returns (bool success, uint256 paid, uint256 penalty, uint256 refund) {
        uint256 amount = payment(pricePerMWh, orderedWh);
        success = deliveredWh * 100 >= orderedWh * successThresholdPct;
        if (success) {
            paid = payment(pricePerMWh, deliveredWh < orderedWh ? deliveredWh : orderedWh);
        } else {
            // Below the threshold, so deliveredWh < orderedWh (threshold <= 100) and the
            // shortfall is positive.
            penalty = penaltyPct * pricePerMWh * (orderedWh - deliveredWh) / (100 * WH_PER_MWH);
            if (penalty > guarantee) penalty = guarantee;
        }
        // paid <= amount: payment is monotonic in energy and min(delivered, ordered) <= ordered.
        unchecked {
            refund = amount - paid;
        }
    }
}
