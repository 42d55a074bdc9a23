"""Local-dev test keys of the dev chain — never for real money.

The well-known development mnemonic that anvil and Hardhat fund on start ("test test ...
junk"). FlexMarket uses its first accounts on the local dev chain (chain id 31337) and on the
embedded test chain only: account 0 is the market operator of ``make run``, the next ones
play DSOs, FSPs and meter oracles in demos and tests. Real deployments take keys from the
environment or a keyfile (see ``marketplace.settings``).
"""

from __future__ import annotations

from functools import cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

#: The public development mnemonic of anvil and Hardhat (local dev chains only).
DEV_CHAIN_MNEMONIC = "test test test test test test test test test test test junk"
#: Chain id of the local dev chain (anvil / Hardhat).
DEV_CHAIN_ID = 31337
#: BIP-44 path prefix of the dev accounts (account i at DEV_HD_PATH/i).
DEV_HD_PATH = "m/44'/60'/0'/0"
#: Dev account of the meter oracle ``flexmarket run`` and ``flexmarket oracle run`` use on
#: the dev chain (the last one, clear of the accounts demos and tests hand out from 1 up).
DEV_ORACLE_INDEX = 19
#: How many dev accounts the dev chains fund (anvil --accounts, the embedded chain's genesis).
DEV_ACCOUNT_COUNT = 20


@cache
def dev_account(index: int) -> LocalAccount:
    """Dev account ``index`` of the development mnemonic (m/44'/60'/0'/0/index)."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEV_CHAIN_MNEMONIC, account_path=f"{DEV_HD_PATH}/{index}")


def dev_accounts(count: int = DEV_ACCOUNT_COUNT) -> list[LocalAccount]:
    """The first ``count`` dev accounts."""
    return [dev_account(i) for i in range(count)]
