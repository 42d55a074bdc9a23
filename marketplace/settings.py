"""FlexMarket's settings: one typed object, read from ``FLEX_*`` environment variables.

Every process (``flexmarket run|api|chain|deploy|...``) reads the same settings; defaults
are the embedded ones ``make run`` uses: a local anvil node, SQLite and the instance folder
``./instance``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings from the environment (prefix ``FLEX_``), e.g. ``FLEX_RPC_URL``."""

    model_config = SettingsConfigDict(env_prefix="FLEX_", extra="ignore")

    #: Folder for the database, deployment record, chain state, uploads.
    instance_path: Path = Field(default_factory=lambda: Path.cwd() / "instance")
    #: SQLAlchemy URL; empty means SQLite in the instance folder.
    database_url: str = ""
    #: JSON-RPC endpoint of the chain. ``make run`` starts anvil here.
    rpc_url: str = "http://127.0.0.1:8545"
    #: Host and port the web server listens on.
    host: str = "127.0.0.1"
    port: int = 5000
    #: Port of the local anvil node ``flexmarket run``/``chain`` start.
    chain_port: int = 8545
    #: Market operator's private key (hex). Empty on the local dev chain: dev account 0.
    operator_key: SecretStr = SecretStr("")
    #: File holding the operator's private key (hex), instead of ``operator_key``.
    operator_keyfile: Path | None = None
    #: The meter oracle's private key (hex), or a file holding it. Empty on the local dev
    #: chain: dev account ``devkeys.DEV_ORACLE_INDEX``.
    oracle_key: SecretStr = SecretStr("")
    oracle_keyfile: Path | None = None
    #: Seconds between oracle worker rounds.
    oracle_interval_s: int = 5
    #: Seconds between receipt polls; short on a local node.
    poll_latency_s: float = 0.02

    # ---------------------------------------------------------------- market service API
    #: Wallet address of the market operator's first admin user, created at start when no
    #: operator participant exists yet (``flexmarket run`` uses the operator key's address).
    operator_admin: str = ""
    #: Domain SIWE messages must name (e.g. ``market.example.org``); empty: the request's Host.
    siwe_domain: str = ""
    #: Chain id SIWE messages must name; 0: the recorded deployment's, else 31337 (dev chain).
    siwe_chain_id: int = 0
    #: Lifetime of a SIWE nonce, seconds.
    nonce_ttl_s: int = 600
    #: Lifetime of a browser session, seconds.
    session_ttl_s: int = 8 * 3600
    #: Lifetime of an OAuth2 access token, seconds.
    access_token_ttl_s: int = 3600
    #: Mark the session cookie Secure (set when served over HTTPS).
    secure_cookies: bool = False
    #: Largest request body, bytes (a 10 MB document plus form overhead; bulk uploads).
    max_request_bytes: int = 16 * 1024 * 1024
    #: Largest registration document, bytes (seed table 1: 10 MB).
    max_document_bytes: int = 10 * 1024 * 1024
    #: Worker threads of the WSGI server.
    threads: int = 8

    # ---------------------------------------------------------------- market
    #: The market's clock: ``wall`` (the system clock) or ``chain`` (the latest block's time,
    #: for local dev chains whose time is moved by hand: the demo and tests).
    clock: str = "wall"
    #: Seconds after gate closure within which the award must happen (never past delivery start).
    award_window_s: int = 3600
    #: Seconds after the end of delivery within which the oracle may attest.
    attest_window_s: int = 7 * 24 * 3600
    #: Guarantee per qualified MW, token base units (seed table 2: EUR 50).
    guarantee_per_mw: int = 50_000_000
    #: A short-term session opened for a grid tool's need closes its gate this long before delivery, s.
    st_gate_lead_s: int = 300
    #: Seconds between scheduler rounds, and the leader lease's length.
    scheduler_interval_s: int = 5
    scheduler_lease_s: int = 30
    #: Seconds between event indexer polls; blocks rescanned each poll (reorganisations).
    indexer_interval_s: int = 1
    indexer_rescan_blocks: int = 12
    #: Webhook deliveries: attempts before giving up; first retry delay, s (doubling).
    webhook_max_attempts: int = 8
    webhook_retry_s: int = 30
    webhook_timeout_s: int = 5

    @property
    def sqlite_path(self) -> Path:
        return self.instance_path / "flexmarket.sqlite"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def documents_path(self) -> Path:
        """Where uploaded documents are stored, by SHA-256."""
        return self.instance_path / "documents"

    @property
    def deployment_path(self) -> Path:
        """Where the addresses of the deployed contracts are recorded."""
        return self.instance_path / "deployment.json"

    @property
    def chain_state_path(self) -> Path:
        """Where the local anvil node keeps its state between starts."""
        return self.instance_path / "anvil-state.json"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit ``overrides`` taking precedence."""
    return Settings(**overrides)
