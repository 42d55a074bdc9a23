"""The service's way to the chain: connect lazily, grant registry roles with the operator key.

The API starts and serves without a chain. Operations that need one call
:meth:`ChainGateway.market`; when no node answers, the deployment is missing or belongs to
another chain, or the operator key is not configured, they fail with a typed error the API
answers with 503 (``chain_unavailable`` / ``key_not_configured``) — after authentication and
validation, and before anything is written.
"""

from __future__ import annotations

import threading

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from marketplace.chain import deploy as chain_deploy
from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment
from marketplace.chain.errors import ChainUnavailable
from marketplace.chain.keys import operator_account
from marketplace.chain.market import MarketClient
from marketplace.models.enums import ParticipantRole
from marketplace.settings import Settings

#: Registry role flag for each participant role.
ROLE_FLAGS: dict[ParticipantRole, int] = {
    ParticipantRole.MARKET_OPERATOR: chain_deploy.MARKET_OPERATOR,
    ParticipantRole.DSO: chain_deploy.DSO,
    ParticipantRole.FSP: chain_deploy.FSP,
    ParticipantRole.METER_ORACLE: chain_deploy.METER_ORACLE,
}


class ChainGateway:
    """Lazily connected market client plus the operator's signing account.

    ``market``/``operator`` given (tests): used as they are, never reconnected.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        market: MarketClient | None = None,
        operator: LocalAccount | None = None,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self.settings = settings
        self._fixed = market is not None
        self._market = market
        self._operator = operator
        self._timeout = connect_timeout_s
        self._lock = threading.Lock()

    def market(self) -> MarketClient:
        """The deployed market on the configured chain; raises :class:`ChainUnavailable`."""
        with self._lock:
            if self._market is not None:
                return self._market
            s = self.settings
            deployment = Deployment.load(s.deployment_path)
            if deployment is None:
                raise ChainUnavailable(
                    "the market contracts are not deployed: no deployment record in the instance folder "
                    "(run `flexmarket deploy` or `flexmarket run`)",
                    details={"deployment_path": str(s.deployment_path)},
                )
            chain = Chain.connect(s.rpc_url, timeout=self._timeout, poll_latency=s.poll_latency_s)
            if chain.chain_id != deployment.chain_id:
                raise ChainUnavailable(
                    f"the chain at {s.rpc_url} is chain {chain.chain_id}, but the market is deployed on "
                    f"chain {deployment.chain_id}",
                    details={"rpc_url": s.rpc_url, "chain_id": chain.chain_id, "deployment_chain_id": deployment.chain_id},
                )
            self._market = MarketClient(chain, deployment)
            return self._market

    def operator(self) -> LocalAccount:
        """The operator's signing account for the market's chain (from the settings)."""
        if self._operator is None:
            self._operator = operator_account(self.settings, self.market().chain.chain_id)
        return self._operator

    def forget(self) -> None:
        """Drop the connection after a failure, so the next call reconnects."""
        if self._fixed:
            return
        with self._lock:
            self._market = None

    def has_role(self, address: str, role: ParticipantRole) -> bool:
        market = self.market()
        return bool(market.chain.call(market.market.functions.hasRole(to_checksum_address(address), ROLE_FLAGS[role])))

    def grant_role(self, address: str, role: ParticipantRole) -> str | None:
        """Grant ``role`` to ``address`` in the registry; returns the tx hash (0x-hex), or
        ``None`` when the address already holds the role (nothing sent)."""
        try:
            market = self.market()
            operator = self.operator()
            if self.has_role(address, role):
                return None
            receipt = market.grant_role(operator, address, ROLE_FLAGS[role])
        except ChainUnavailable:
            self.forget()
            raise
        return "0x" + bytes(receipt["transactionHash"]).hex()
