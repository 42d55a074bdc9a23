"""Where the service's own signing keys come from: the environment or a keyfile, never code.

On the local dev chain (chain id 31337) the market operator defaults to dev account 0 of
:mod:`marketplace.chain.devkeys`; on any other chain a key must be configured.
"""

from __future__ import annotations

from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from marketplace.chain import devkeys
from marketplace.errors import MarketplaceError


class KeyNotConfigured(MarketplaceError):
    """A signing key is needed and none is configured."""

    code = "key_not_configured"


def read_keyfile(path: Path) -> LocalAccount:
    """A key from a file holding its hex private key (one line, 0x optional)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise KeyNotConfigured(f"cannot read keyfile {path}: {exc.strerror}") from exc
    try:
        return Account.from_key(text)
    except ValueError as exc:
        raise KeyNotConfigured(f"keyfile {path} does not hold a hex private key") from exc


def account_from(
    key: str, keyfile: Path | None, chain_id: int, *, dev_index: int, what: str, env: str
) -> LocalAccount:
    """The account from ``key`` (hex), else ``keyfile``, else dev account ``dev_index`` on a dev chain."""
    if key:
        try:
            return Account.from_key(key)
        except ValueError as exc:
            raise KeyNotConfigured(f"{env} is not a hex private key") from exc
    if keyfile is not None:
        return read_keyfile(keyfile)
    if chain_id == devkeys.DEV_CHAIN_ID:
        return devkeys.dev_account(dev_index)
    raise KeyNotConfigured(
        f"the {what} key is not configured for chain {chain_id}: set {env} or {env}FILE",
        details={"chain_id": chain_id},
    )


def operator_account(settings, chain_id: int) -> LocalAccount:
    """The market operator's signing account per ``settings`` (FLEX_OPERATOR_KEY / _KEYFILE)."""
    return account_from(
        settings.operator_key.get_secret_value(),
        settings.operator_keyfile,
        chain_id,
        dev_index=0,
        what="market operator",
        env="FLEX_OPERATOR_KEY",
    )


def oracle_account(settings, chain_id: int) -> LocalAccount:
    """The meter oracle's signing account per ``settings`` (FLEX_ORACLE_KEY / _KEYFILE)."""
    return account_from(
        settings.oracle_key.get_secret_value(),
        settings.oracle_keyfile,
        chain_id,
        dev_index=devkeys.DEV_ORACLE_INDEX,
        what="meter oracle",
        env="FLEX_ORACLE_KEY",
    )
