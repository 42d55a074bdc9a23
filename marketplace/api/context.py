"""What views need from the app: settings, the chain gateway, the expected SIWE domain and chain."""

from __future__ import annotations

from flask import current_app, request

from marketplace.chain.deploy import Deployment
from marketplace.chain.devkeys import DEV_CHAIN_ID
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.settings import Settings


def settings() -> Settings:
    return current_app.config["FLEX_SETTINGS"]


def gateway() -> ChainGateway:
    return current_app.extensions["flexmarket.chain"]


def market():
    """The market's services (database, chain, clock) of this app."""
    return current_app.extensions["flexmarket.market"]


def siwe_domain() -> str:
    """The domain SIWE messages must name: configured, else this request's Host."""
    return settings().siwe_domain or request.host


def siwe_chain_id() -> int:
    """The chain id SIWE messages must name: configured, else the deployment's, else 31337."""
    s = settings()
    if s.siwe_chain_id:
        return s.siwe_chain_id
    deployment = Deployment.load(s.deployment_path)
    return deployment.chain_id if deployment is not None else DEV_CHAIN_ID
