"""Deploy FlexMarket's contracts and remember where they are.

A deployment is two contracts: ``FlexToken`` (the euro settlement token) and ``FlexMarket``
(participant registry, requests, awards and settlement in one contract, so that role checks
are internal reads). The record — chain id, addresses, operator, block — is saved as JSON in
the instance folder and reused when the chain still holds the code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from eth_account.signers.local import LocalAccount

from marketplace.chain import artifacts
from marketplace.chain.client import Chain

#: Role flags of the ParticipantRegistry (bit flags, as in ParticipantRegistry.sol).
MARKET_OPERATOR, DSO, FSP, METER_ORACLE = 1, 2, 4, 8
ROLES = {"MARKET_OPERATOR": MARKET_OPERATOR, "DSO": DSO, "FSP": FSP, "METER_ORACLE": METER_ORACLE}


@dataclass(frozen=True)
class Deployment:
    """Where FlexMarket lives on one chain.

    ``registry`` is the market contract itself (it inherits the participant registry).
    """

    chain_id: int
    token: str
    market: str
    operator: str
    block: int
    build: str

    @property
    def registry(self) -> str:
        return self.market

    def to_json(self) -> dict:
        return {**asdict(self), "registry": self.registry}

    @classmethod
    def from_json(cls, doc: dict) -> Deployment:
        return cls(**{k: doc[k] for k in ("chain_id", "token", "market", "operator", "block", "build")})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment | None:
        if not path.is_file():
            return None
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def deploy(chain: Chain, operator: LocalAccount, progress: Callable[[str], None] = lambda _: None) -> Deployment:
    """Deploy a fresh token and market with ``operator`` as market operator and token owner."""
    progress("deploying FlexToken ...")
    token = chain.deploy("FlexToken", operator.address, sender=operator)
    progress(f"FlexToken at {token.address}; deploying FlexMarket ...")
    market = chain.deploy("FlexMarket", token.address, operator.address, sender=operator)
    progress(f"FlexMarket at {market.address}")
    return Deployment(
        chain_id=chain.chain_id,
        token=token.address,
        market=market.address,
        operator=operator.address,
        block=chain.block_number(),
        build=artifacts.build_info()["inputHash"],
    )


def is_live(chain: Chain, deployment: Deployment) -> bool:
    """Whether ``deployment`` belongs to this chain and its contracts hold code there."""
    return (
        deployment.chain_id == chain.chain_id
        and chain.has_code(deployment.token)
        and chain.has_code(deployment.market)
    )


def load_or_deploy(
    chain: Chain, operator: LocalAccount, path: Path, progress: Callable[[str], None] = lambda _: None
) -> tuple[Deployment, bool]:
    """The deployment recorded at ``path`` if still live on ``chain``, else a new one (saved).

    Returns the deployment and whether it was newly deployed.
    """
    recorded = Deployment.load(path)
    if recorded is not None and is_live(chain, recorded):
        progress(f"reusing the deployment recorded in {path}")
        return recorded, False
    if recorded is not None:
        progress(f"the deployment in {path} is not on this chain any more; deploying again")
    deployment = deploy(chain, operator, progress)
    deployment.save(path)
    return deployment, True
