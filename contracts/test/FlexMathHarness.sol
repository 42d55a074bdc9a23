// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FlexMath} from "../libraries/FlexMath.sol";

/// @title Test harness exposing FlexMath
/// @notice Deployed by the test suite only, to hold the Python settlement module to the
/// Solidity arithmetic on the same inputs.
contract FlexMathHarness {
    function payment(uint128 pricePerMWh, uint128 energyWh) external pure returns (uint256) {
        return FlexMath.payment(pricePerMWh, energyWh);
    }

    function settle(
        uint128 pricePerMWh,
        uint128 orderedWh,
        uint128 deliveredWh,
        uint8 successThresholdPct,
        uint8 penaltyPct,
        uint128 guarantee
    ) external pure returns (bool success, uint256 paid, uint256 penalty, uint256 refund) {
        return FlexMath.settle(pricePerMWh, orderedWh, deliveredWh, successThresholdPct, penaltyPct, guarantee);
    }
}
