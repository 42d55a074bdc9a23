// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title FlexMarket participant registry
/// @notice Roles of the local flexibility market, granted by the market operator after the
/// off-chain approval of a registration. A suspended participant keeps its roles but fails
/// every role check until it is reinstated.
/// @dev Roles are bit flags so that one storage read answers a role check.
interface IParticipantRegistry {
    /// @notice The caller lacks the role an operation needs (or is suspended).
    /// @param account The caller.
    /// @param role The role flag that was required.
    error ParticipantRegistryUnauthorized(address account, uint8 role);

    /// @notice A role argument is zero or names bits that are not a role.
    /// @param role The rejected role flags.
    error ParticipantRegistryInvalidRole(uint8 role);

    /// @notice The zero address cannot hold a role.
    error ParticipantRegistryZeroAddress();

    /// @notice An operator tried to remove its own operator role or suspend itself.
    /// @param account The operator.
    error ParticipantRegistrySelfLockout(address account);

    /// @notice Emitted when roles are granted to an account.
    /// @param account The participant's address.
    /// @param role The role flags granted.
    /// @param roles All role flags the account holds afterwards.
    /// @param operator The market operator who granted them.
    event RoleGranted(address indexed account, uint8 role, uint8 roles, address indexed operator);

    /// @notice Emitted when roles are revoked from an account.
    /// @param account The participant's address.
    /// @param role The role flags revoked.
    /// @param roles All role flags the account holds afterwards.
    /// @param operator The market operator who revoked them.
    event RoleRevoked(address indexed account, uint8 role, uint8 roles, address indexed operator);

    /// @notice Emitted when a participant is suspended.
    /// @param account The participant's address.
    /// @param operator The market operator who suspended it.
    event ParticipantSuspended(address indexed account, address indexed operator);

    /// @notice Emitted when a suspended participant is reinstated.
    /// @param account The participant's address.
    /// @param operator The market operator who reinstated it.
    event ParticipantReinstated(address indexed account, address indexed operator);

    /// @notice Grants role flags to an account. Market operator only.
    /// @param account The participant's address.
    /// @param role One or more role flags (MARKET_OPERATOR, DSO, FSP, METER_ORACLE).
    function grantRole(address account, uint8 role) external;

    /// @notice Revokes role flags from an account. Market operator only.
    /// @param account The participant's address.
    /// @param role One or more role flags.
    function revokeRole(address account, uint8 role) external;

    /// @notice Suspends a participant: its role checks fail until reinstated. Market operator only.
    /// @param account The participant's address.
    function suspend(address account) external;

    /// @notice Lifts a suspension. Market operator only.
    /// @param account The participant's address.
    function reinstate(address account) external;

    /// @notice Whether an account holds every flag of `role` and is not suspended.
    /// @param account The participant's address.
    /// @param role One or more role flags.
    /// @return True when the account may act in that role now.
    function hasRole(address account, uint8 role) external view returns (bool);

    /// @notice The role flags an account holds and whether it is suspended.
    /// @param account The participant's address.
    /// @return roles The role flags held.
    /// @return suspended True while the account is suspended.
    function participant(address account) external view returns (uint8 roles, bool suspended);
}
