// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title FlexToken, the FlexMarket euro settlement token
/// @notice ERC-20 with 6 decimals (1 EUR = 1,000,000 base units), like euro stablecoins.
/// The market operator (owner) mints against euros received and burns on redemption.
/// EIP-2612 permits let wallets approve the market without a separate transaction.
contract FlexToken is ERC20, ERC20Permit, Ownable2Step {
    /// @param operator The market operator, owner of minting and burning.
    constructor(address operator) ERC20("FlexMarket Euro", "FLEUR") ERC20Permit("FlexMarket Euro") Ownable(operator) {}

    /// @notice Base units per euro: 6 decimals.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints tokens to an account. Market operator only.
    /// @param to The recipient.
    /// @param amount Token base units.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Burns tokens from the operator's own balance (redemption). Market operator only.
    /// @param amount Token base units.
    function burn(uint256 amount) external onlyOwner {
        _burn(msg.sender, amount);
    }
}
