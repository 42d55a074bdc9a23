"""The web UI: page shells served by Flask, behaviour in browser bundles built by esbuild.

Every page is a Jinja template extending ``web/base.html`` plus one bundle entry
``src/pages/<page>.js``. ``build.mjs`` writes the bundles and a ``manifest.json`` (page ->
hashed script and style sheets) into ``static/dist/`` (gitignored; ``make run`` and
``make test`` rebuild it when the sources or the npm lock change). Nothing is fetched from
outside the app: libraries come from ``node_modules`` at build time.

The page learns the chain and contracts from a JSON document embedded in the page (also at
``/ui/config.json``): the chain id the market is deployed on, data for
``wallet_addEthereumChain``, the token and market addresses with the ABI fragments pages
use, and every custom error of both contracts so the page can decode reverts.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

from marketplace import __version__
from marketplace.chain import artifacts, devkeys
from marketplace.chain.deploy import Deployment

bp = Blueprint("web", __name__, template_folder="templates")

#: Where ``build.mjs`` writes the bundles by default (app config ``WEB_DIST_DIR`` overrides).
DIST_DIR = Path(__file__).resolve().parent / "static" / "dist"
BUILD_HINT = "make run (or make ui, or: node marketplace/web/build.mjs after npm ci)"

#: Token base units per euro (the token has 6 decimals; money is always an integer of these).
TOKEN_DECIMALS = 6

#: The contract functions the pages call; a page that needs another adds its name here.
PAGE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "FlexToken": ("balanceOf", "allowance", "approve", "decimals", "symbol"),
    "FlexMarket": ("creditOf", "withdraw", "token"),
}

#: Pages in the main navigation: (endpoint, label).
NAVIGATION = (("web.home", "Dashboard"), ("web.wallet", "Wallet"), ("status.status_page", "Status"))


def dist_dir() -> Path:
    return Path(current_app.config.get("WEB_DIST_DIR") or DIST_DIR)


def load_manifest() -> dict | None:
    """The bundle manifest (page -> {js, css}), or None when the bundles are not built."""
    path = dist_dir() / "manifest.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _abi_subset(name: str, functions: tuple[str, ...]) -> list[dict]:
    abi = artifacts.load(name).abi
    return [item for item in abi if item["type"] == "function" and item["name"] in functions]


def _all_errors() -> list[dict]:
    """Every custom error of the token and the market, once (for decoding reverts in the page)."""
    seen: set[tuple] = set()
    errors = []
    for name in ("FlexMarket", "FlexToken"):
        for item in artifacts.load(name).abi:
            if item["type"] != "error":
                continue
            key = (item["name"], tuple(i["type"] for i in item["inputs"]))
            if key not in seen:
                seen.add(key)
                errors.append(item)
    return errors


def client_config() -> dict:
    """What the browser needs to know about the chain and the contracts (JSON-ready).

    ``chain.id`` is the chain the market is deployed on (None before the first deployment);
    the wallet module compares the wallet's chain with it. Token amounts are base units
    (``token.decimals`` = 6, 1 EUR = 1,000,000).
    """
    settings = current_app.config["FLEX_SETTINGS"]
    deployment = Deployment.load(settings.deployment_path)
    chain_id = deployment.chain_id if deployment else None
    contracts = {}
    if deployment is not None:
        contracts = {
            "FlexToken": {"address": deployment.token, "abi": _abi_subset("FlexToken", PAGE_FUNCTIONS["FlexToken"])},
            "FlexMarket": {"address": deployment.market, "abi": _abi_subset("FlexMarket", PAGE_FUNCTIONS["FlexMarket"])},
        }
    name = "FlexMarket local chain" if chain_id == devkeys.DEV_CHAIN_ID else f"FlexMarket chain {chain_id}"
    return {
        "version": __version__,
        "chain": {
            "id": chain_id,
            "name": name,
            "rpcUrls": [settings.rpc_url],
            "nativeCurrency": {"name": "Ether", "symbol": "ETH", "decimals": 18},
        },
        "token": {"decimals": TOKEN_DECIMALS, "currency": "EUR"},
        "contracts": contracts,
        "errors": _all_errors(),
        "eip712": {"name": "FlexMarket", "version": "1"},
        "auth": {"nonce": "/api/v1/auth/nonce", "siwe": "/api/v1/auth/siwe"},
    }


def render_page(page: str, title: str, **context) -> Response | tuple[str, int]:
    """Render ``web/<page>.html`` with the bundle of ``page``, or a 503 page that says how
    to build the bundles when they are missing."""
    manifest = load_manifest()
    if manifest is None or page not in manifest:
        html = render_template("web/bundle_missing.html", page=page, hint=BUILD_HINT, dist=str(dist_dir()))
        return html, 503
    return render_template(
        f"web/{page}.html",
        title=title,
        bundle=manifest[page],
        flex_config=client_config(),
        navigation=NAVIGATION,
        version=__version__,
        **context,
    )


@bp.get("/")
def home():
    return render_page("home", "Dashboard")


@bp.get("/wallet")
def wallet():
    return render_page("wallet", "Wallet")


@bp.get("/ui/components")
def components():
    return render_page("components", "UI components")


@bp.get("/ui/config.json")
def config_json():
    return client_config()


@bp.get("/ui/dist/<path:filename>")
def dist(filename: str):
    """Bundled scripts, style sheets and assets; hashed names, so cached for a year."""
    folder = dist_dir()
    if not (folder / "manifest.json").is_file():
        abort(404)
    return send_from_directory(folder, filename, max_age=31_536_000)
