// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title FlexMarket participant registry
/// @notice Role flags per account in one storage word, so that a role check costs one read.
/// The market contract inherits the registry: the FSP check of every winning bid and the
/// operator check of every commitment stay inside one contract (no external call).
abstract contract ParticipantRegistry is IParticipantRegistry {
    /// @notice Runs the market: approves participants, commits books, awards from clearing.
    uint8 public constant MARKET_OPERATOR = 1;
    /// @notice Distribution system operator: creates requests and escrows payment.
    uint8 public constant DSO = 2;
    /// @notice Flexibility service provider: signs bids, delivers, posts guarantees.
    uint8 public constant FSP = 4;
    /// @notice Meter oracle: attests delivered energy.
    uint8 public constant METER_ORACLE = 8;

    uint8 private constant _ALL_ROLES = MARKET_OPERATOR | DSO | FSP | METER_ORACLE;
    uint16 private constant _SUSPENDED = 0x100;

    /// @dev Low byte: role flags; bit 8: suspended.
    mapping(address account => uint16 flags) private _participants;

    modifier onlyRole(uint8 role) {
        _checkRole(msg.sender, role);
        _;
    }

    /// @param operator The first market operator.
    constructor(address operator) {
        if (operator == address(0)) revert ParticipantRegistryZeroAddress();
        _grant(operator, MARKET_OPERATOR);
    }

    /// @inheritdoc IParticipantRegistry
    function grantRole(address account, uint8 role) external onlyRole(MARKET_OPERATOR) {
        if (account == address(0)) revert ParticipantRegistryZeroAddress();
        _validRole(role);
        _grant(account, role);
    }

    /// @inheritdoc IParticipantRegistry
    function revokeRole(address account, uint8 role) external onlyRole(MARKET_OPERATOR) {
        _validRole(role);
        if (account == msg.sender && role & MARKET_OPERATOR != 0) revert ParticipantRegistrySelfLockout(account);
        uint16 flags = _participants[account] & ~uint16(role);
        _participants[account] = flags;
        emit RoleRevoked(account, role, uint8(flags), msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function suspend(address account) external onlyRole(MARKET_OPERATOR) {
        if (account == msg.sender) revert ParticipantRegistrySelfLockout(account);
        _participants[account] |= _SUSPENDED;
        emit ParticipantSuspended(account, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function reinstate(address account) external onlyRole(MARKET_OPERATOR) {
        _participants[account] &= ~_SUSPENDED;
        emit ParticipantReinstated(account, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function hasRole(address account, uint8 role) public view returns (bool) {
        return _hasRole(_participants[account], role);
    }

    /// @inheritdoc IParticipantRegistry
    function participant(address account) external view returns (uint8 roles, bool suspended) {
        uint16 flags = _participants[account];
        return (uint8(flags), flags & _SUSPENDED != 0);
    }

    function _grant(address account, uint8 role) private {
        uint16 flags = _participants[account] | role;
        _participants[account] = flags;
        emit RoleGranted(account, role, uint8(flags), msg.sender);
    }

    function _checkRole(address account, uint8 role) internal view {
        if (!_hasRole(_participants[account], role)) revert ParticipantRegistryUnauthorized(account, role);
    }

    /// @dev True when `account` is an active market operator; one storage read.
    function _isOperator(address account) internal view returns (bool) {
        return _hasRole(_participants[account], MARKET_OPERATOR);
    }

    function _hasRole(uint16 flags, uint8 role) private pure returns (bool) {
        return flags & _SUSPENDED == 0 && flags & role == role;
    }

    function _validRole(uint8 role) private pure {
        if (role == 0 || role & ~_ALL_ROLES != 0) revert ParticipantRegistryInvalidRole(role);
    }
}
