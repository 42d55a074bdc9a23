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

Pages are declared once in :data:`PAGES` (path, title, who may open them). The navigation
shows the pages the viewer may open (:mod:`marketplace.web.viewer` reads the session behind
the cookie); the public is sent to the sign-in page for pages that need a session, and a
signed-in viewer without the role or grant gets a readable refusal (HTTP 403). The API still
checks every call: the page guard only spares people pages they cannot use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_from_directory, url_for

from marketplace import __version__
from marketplace.chain import artifacts, devkeys
from marketplace.chain.deploy import Deployment
from marketplace.models.enums import (
    REQUIRED_DOCUMENTS,
    VOLTAGE_LEVELS_V,
    ActivationMode,
    AssetStatus,
    AssetType,
    Connector,
    Direction,
    DocumentKind,
    Grant,
    GridElementKind,
    PrequalificationPath,
    Product,
    TrafficLight,
)
from marketplace.web.viewer import GRANT_LABELS, ROLE_LABELS, Viewer, current_viewer

bp = Blueprint("web", __name__, template_folder="templates")

#: Where ``build.mjs`` writes the bundles by default (app config ``WEB_DIST_DIR`` overrides).
DIST_DIR = Path(__file__).resolve().parent / "static" / "dist"
BUILD_HINT = "make run (or make ui, or: node marketplace/web/build.mjs after npm ci)"

#: API endpoints (paths under /api/v1) the notifications area reads, each answering a page of
#: ``{items: [{id, ...}], next_after}``; empty until the market service offers one.
NOTIFICATION_SOURCES: tuple[str, ...] = ("/notifications",)

#: Token base units per euro (the token has 6 decimals; money is always an integer of these).
TOKEN_DECIMALS = 6

#: The contract functions the pages call; a page that needs another adds its name here.
PAGE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "FlexToken": ("balanceOf", "allowance", "approve", "decimals", "symbol", "owner", "mint"),
    "FlexMarket": ("creditOf", "withdraw", "token"),
}

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
        "api": "/api/v1",
        "documents": {
            "maxBytes": settings.max_document_bytes,
            "extensions": [".pdf", ".xml"],
            "required": [k.value for k in REQUIRED_DOCUMENTS],
        },
        # Where the notifications area reads the participant's in-app notifications from:
        # none yet (the market service's notifications arrive with the market pages).
        "notifications": {"sources": list(NOTIFICATION_SOURCES)},
    }


# ---------------------------------------------------------------------------------- pages
OPERATOR, DSO, FSP, ORACLE = "market_operator", "dso", "fsp", "meter_oracle"
TRADING_ROLES = frozenset({OPERATOR, DSO, FSP})
ALL_ROLES = frozenset({OPERATOR, DSO, FSP, ORACLE})


@dataclass(frozen=True)
class PageSpec:
    """A page: its bundle (``src/pages/<name>.js``, template ``web/<name>.html``), title,
    navigation label and who may open it.

    ``roles`` None and ``signed_in`` False: anyone, the public included. ``signed_in``: any
    signed-in user, also while the participant's registration is pending. ``roles``: an
    approved participant of one of them. ``admin``: its users with the admin grant.
    ``public_only``: listed in the navigation for the public only.

    For the browser tests that walk every page (``tests/browser/test_shell.py``):
    ``test_as`` names the world actor to sign in as (default: one holding a role the page
    needs: FSP, DSO, operator, meter oracle, in that order) and ``test_path`` the path to open
    when the page's route takes arguments (default: its URL without any).
    """

    name: str
    title: str
    nav: str | None = None
    roles: frozenset[str] | None = None
    signed_in: bool = False
    admin: bool = False
    public_only: bool = False
    test_as: str | None = None
    test_path: str | None = None

    def refusal(self, viewer: Viewer) -> str | None:
        """Why ``viewer`` may not open this page (None: it may). Only for signed-in viewers."""
        if self.roles is not None:
            if not viewer.approved:
                return (f"Your organisation's registration is {viewer.status}: this page opens once the market "
                        "operator approves it. Your organisation page shows where the registration stands.")
            if viewer.role not in self.roles:
                wanted = " and ".join(sorted(ROLE_LABELS[r] for r in self.roles))
                return (f"This page is for {wanted} users. You are signed in as {viewer.name} of "
                        f"{viewer.participant_name}, a {viewer.role_label}.")
        if self.admin and not viewer.admin:
            return (f"This page is for your organisation's admins; your grant is {viewer.grant_label}. "
                    "An admin of your organisation can change it.")
        return None

    def open_to(self, viewer: Viewer) -> bool:
        if self.public_only:
            return not viewer.signed_in
        if self.roles is None and not self.signed_in:
            return True
        return viewer.signed_in and self.refusal(viewer) is None


#: Every page, in navigation order.
PAGES: dict[str, PageSpec] = {p.name: p for p in (
    PageSpec("home", "Dashboard", nav="Dashboard"),
    PageSpec("market", "Market information", nav="Market information"),
    PageSpec("transformers", "Transformers", nav="Transformers", roles=ALL_ROLES, test_as="dso"),
    PageSpec("grid", "Grid topology", nav="Grid topology", roles=ALL_ROLES, test_as="dso"),
    PageSpec("zones", "Zones", nav="Zones", roles=frozenset({DSO})),
    PageSpec("assets", "Assets", nav="Assets", roles=TRADING_ROLES),
    PageSpec("bidding_units", "Bidding units", nav="Bidding units", roles=TRADING_ROLES),
    PageSpec("prequalifications", "Prequalification", nav="Prequalification", roles=TRADING_ROLES),
    PageSpec("registrations", "Registrations", nav="Registrations", roles=frozenset({OPERATOR})),
    PageSpec("participants", "Participants and users", nav="Participants and users", roles=frozenset({OPERATOR})),
    PageSpec("audit", "Audit log", nav="Audit log", roles=frozenset({OPERATOR})),
    PageSpec("organisation", "Organisation", nav="Organisation", signed_in=True),
    PageSpec("api_clients", "API clients", nav="API clients", roles=ALL_ROLES, admin=True),
    PageSpec("wallet", "Wallet", nav="Wallet"),
    PageSpec("signup", "Sign up", nav="Sign up", public_only=True),
    PageSpec("signin", "Sign in", nav="Sign in", public_only=True),
    PageSpec("components", "UI components"),
)}


def navigation(viewer: Viewer) -> list[tuple[str, str]]:
    """(URL, label) of the pages ``viewer`` may open, then the chain status."""
    items = [(url_for(f"web.{p.name}"), p.nav) for p in PAGES.values() if p.nav and p.open_to(viewer)]
    return [*items, (url_for("status.status_page"), "Status")]


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


#: Vocabularies the forms offer (values as the API spells them, labels for people).
CHOICES = {
    "roles": [("fsp", "Market agent (FSP)"), ("dso", "DSO"), ("meter_oracle", "Meter oracle")],
    "fsp_kinds": [("aggregator", "Aggregator"), ("cpo", "Charge-point operator (CPO)"),
                  ("energy_community", "Energy community"), ("prosumer", "Prosumer"), ("other", "Other")],
    "grants": [(g.value, GRANT_LABELS[g.value]) for g in Grant],
    "document_kinds": [(DocumentKind.CONFIDENTIALITY_COMMITMENT.value, "Confidentiality commitment"),
                       (DocumentKind.NON_COLLUSION_COMMITMENT.value, "Non-collusion commitment"),
                       (DocumentKind.POWER_OF_ATTORNEY.value, "Power of attorney")],
    "asset_types": [(t.value, {"EV_charging": "EV charging station", "electric_vehicle": "Electric vehicle",
                               "chp": "CHP"}.get(t.value, t.value.replace("_", " ").capitalize())) for t in AssetType],
    "asset_statuses": _choices(AssetStatus),
    "activation_modes": _choices(ActivationMode),
    "voltages": [(str(v), f"{v / 1000:g} kV") for v in VOLTAGE_LEVELS_V],
    "connectors": [(c.value, {"type1": "Type 1", "type2": "Type 2", "ccs1": "CCS1", "ccs2": "CCS2",
                              "chademo": "CHAdeMO", "gbt": "GB/T", "schuko": "Schuko", "nacs": "NACS"}[c.value])
                   for c in Connector],
    "products": [(Product.ST_ENERGY.value, "Short-term energy"),
                 (Product.LT_AVAILABILITY.value, "Long-term availability"),
                 (Product.LT_ACTIVATION.value, "Long-term activation")],
    "directions": [(Direction.UP.value, "Up (less consumption or more generation)"),
                   (Direction.DOWN.value, "Down (more consumption or less generation)")],
    "paths": [(PrequalificationPath.REVIEW.value, "Review by the DSO and the market operator"),
              (PrequalificationPath.TEST.value, "Automated activation test")],
    "element_kinds": [(GridElementKind.HV_MV_SUBSTATION.value, "HV/MV substation"),
                      (GridElementKind.MV_FEEDER.value, "MV feeder"),
                      (GridElementKind.MV_LV_SUBSTATION.value, "MV/LV secondary substation"),
                      (GridElementKind.LV_FEEDER.value, "LV feeder")],
    "lights": [(TrafficLight.GREEN.value, "Green: no market needed"),
               (TrafficLight.YELLOW.value, "Yellow: short-term and long-term flexibility"),
               (TrafficLight.ORANGE.value, "Orange: also dynamic connection agreements"),
               (TrafficLight.RED.value, "Red: no market, the DSO acts directly")],
}


def _safe_next(target: str | None) -> str:
    """A same-site path to return to after signing in (anything else: the dashboard)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.home")


def render_page(page: str, **context) -> Response | tuple[str, int]:
    """Render ``web/<page>.html`` with its bundle for the viewer, or: a 503 page that says how
    to build the bundles when they are missing, a redirect to sign in for the public on a
    page that needs a session, a readable 403 page for a viewer without the role or grant."""
    spec = PAGES[page]
    viewer = current_viewer()
    needs_session = spec.roles is not None or spec.signed_in
    if needs_session and not viewer.signed_in:
        return redirect(url_for("web.signin", next=request.full_path.rstrip("?")))
    refusal = spec.refusal(viewer) if needs_session else None
    name, status = ("refused", 403) if refusal else (page, 200)
    manifest = load_manifest()
    if manifest is None or name not in manifest:
        html = render_template("web/bundle_missing.html", page=name, hint=BUILD_HINT, dist=str(dist_dir()))
        return html, 503
    html = render_template(
        f"web/{name}.html",
        title=spec.title,
        page=page,
        refusal=refusal,
        bundle=manifest[name],
        flex_config=client_config(),
        viewer=viewer,
        navigation=navigation(viewer),
        current_url=url_for(f"web.{page}"),
        choices=CHOICES,
        version=__version__,
        **context,
    )
    return html, status


@bp.get("/")
def home():
    return render_page("home")


@bp.get("/market")
def market():
    return render_page("market")


@bp.get("/signup")
def signup():
    return render_page("signup")


@bp.get("/signin")
def signin():
    return render_page("signin", next_url=_safe_next(request.args.get("next")))


@bp.get("/wallet")
def wallet():
    return render_page("wallet")


@bp.get("/organisation")
def organisation():
    return render_page("organisation")


@bp.get("/api-clients")
def api_clients():
    return render_page("api_clients")


@bp.get("/operator/registrations")
def registrations():
    return render_page("registrations")


@bp.get("/operator/participants")
def participants():
    return render_page("participants")


@bp.get("/operator/audit")
def audit():
    return render_page("audit")


@bp.get("/assets")
def assets():
    from marketplace.api.assets import ASSET_CSV_COLUMNS

    return render_page("assets", asset_csv_columns=ASSET_CSV_COLUMNS)


@bp.get("/bidding-units")
def bidding_units():
    return render_page("bidding_units")


@bp.get("/prequalifications")
def prequalifications():
    return render_page("prequalifications")


@bp.get("/grid")
def grid():
    return render_page("grid")


@bp.get("/transformers")
def transformers():
    # The market pages register the request form as ``web.new_request``; until then the
    # forecast chart's selection is offered as a draft link for it (lib/request-draft.js).
    return render_page("transformers", request_form="web.new_request" in current_app.view_functions)


@bp.get("/zones")
def zones():
    return render_page("zones")


@bp.get("/ui/components")
def components():
    return render_page("components")


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


# The market's trading and operations pages live in their own modules; importing them adds
# their PageSpecs to PAGES (navigation after the pages above) and their routes to ``bp``.
from marketplace.web import operations as _operations  # noqa: E402,F401
from marketplace.web import trading as _trading  # noqa: E402,F401
