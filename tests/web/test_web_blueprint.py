"""The web blueprint without a browser: page shells, the embedded config, missing bundles."""

from __future__ import annotations

import json
import re

import pytest

from marketplace.app import create_app
from marketplace.chain.deploy import Deployment
from marketplace.chain.node import free_port
from marketplace.settings import Settings

MARKET = "0x" + "ab" * 20
TOKEN = "0x" + "cd" * 20


@pytest.fixture
def deployed_instance(tmp_path):
    instance = tmp_path / "instance"
    Deployment(chain_id=31337, token=TOKEN, market=MARKET, operator="0x" + "01" * 20, block=3, build="x").save(
        instance / "deployment.json"
    )
    return instance


def _app(instance, dist):
    settings = Settings(instance_path=instance, rpc_url=f"http://127.0.0.1:{free_port()}")
    return create_app(test_config={"WEB_DIST_DIR": str(dist)}, settings=settings)


def _fake_bundle(dist):
    dist.mkdir(parents=True)
    (dist / "manifest.json").write_text(
        json.dumps({page: {"js": f"{page}-H.js", "css": [f"{page}-H.css"]} for page in ("home", "wallet", "components")})
    )
    (dist / "home-H.js").write_text("export {};\n")
    return dist


def test_missing_bundle_answers_503_saying_how_to_build_it(deployed_instance, tmp_path):
    client = _app(deployed_instance, tmp_path / "no-dist").test_client()
    for path in ("/", "/wallet", "/ui/components"):
        reply = client.get(path)
        assert reply.status_code == 503
        text = reply.get_data(as_text=True)
        assert "The web UI is not built yet" in text and "make run" in text and "build.mjs" in text
    assert client.get("/ui/dist/home-H.js").status_code == 404


def test_pages_embed_the_config_and_link_the_hashed_bundle(deployed_instance, tmp_path):
    client = _app(deployed_instance, _fake_bundle(tmp_path / "dist")).test_client()
    home = client.get("/")
    assert home.status_code == 200 and "<title>Dashboard · FlexMarket</title>" in home.get_data(as_text=True)
    reply = client.get("/wallet")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert '<script type="module" src="/ui/dist/wallet-H.js">' in html
    assert 'href="/ui/dist/wallet-H.css"' in html
    embedded = json.loads(re.search(r'<script type="application/json" id="flex-config">(.*?)</script>', html, re.S).group(1))
    assert embedded == client.get("/ui/config.json").json
    assert 'aria-current="page"' in html and 'href="#main"' in html
    with client.get("/ui/dist/home-H.js") as served:
        assert served.status_code == 200 and served.headers["Cache-Control"] == "public, max-age=31536000"


def test_config_reports_the_deployed_chain_contracts_and_every_custom_error(deployed_instance, tmp_path):
    config = _app(deployed_instance, tmp_path).test_client().get("/ui/config.json").json
    assert config["chain"]["id"] == 31337 and config["chain"]["name"] == "FlexMarket local chain"
    assert config["chain"]["rpcUrls"][0].startswith("http://127.0.0.1:")
    assert config["token"] == {"decimals": 6, "currency": "EUR"}
    assert config["contracts"]["FlexMarket"]["address"] == MARKET
    assert config["contracts"]["FlexToken"]["address"] == TOKEN
    assert {f["name"] for f in config["contracts"]["FlexMarket"]["abi"]} == {"creditOf", "withdraw", "token"}
    assert {f["name"] for f in config["contracts"]["FlexToken"]["abi"]} == {"balanceOf", "allowance", "approve", "decimals", "symbol"}
    names = [e["name"] for e in config["errors"]]
    assert "FlexMarketNothingToWithdraw" in names and "ERC20InsufficientAllowance" in names
    assert len(names) == len(set(names)), "each error once"
    assert config["auth"] == {"nonce": "/api/v1/auth/nonce", "siwe": "/api/v1/auth/siwe"}


def test_without_a_deployment_the_config_says_so(tmp_path):
    config = _app(tmp_path / "empty", tmp_path).test_client().get("/ui/config.json").json
    assert config["chain"]["id"] is None and config["contracts"] == {}


def test_status_page_moved_to_status(deployed_instance, tmp_path):
    client = _app(deployed_instance, tmp_path).test_client()
    page = client.get("/status")
    assert page.status_code == 200 and MARKET in page.get_data(as_text=True)
    assert client.get("/status.json").json["contracts"]["FlexMarket"] == MARKET
