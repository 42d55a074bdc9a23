"""The web blueprint without a browser: page shells, the embedded config, missing bundles."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

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
    assert {f["name"] for f in config["contracts"]["FlexToken"]["abi"]} == {"balanceOf", "allowance", "approve", "decimals", "symbol",
                                                                            "owner", "mint"}
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


# ------------------------------------------------------------------ page guards and navigation
def _bundle_of_every_page(dist):
    from marketplace.web import PAGES

    dist.mkdir(parents=True)
    names = [*PAGES, "refused"]
    (dist / "manifest.json").write_text(json.dumps({n: {"js": f"{n}-H.js", "css": []} for n in names}))
    return dist


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory):
    """The app on a migrated SQLite database (one per module) with an operator, an approved FSP
    (admin and a read-only user) and a pending DSO; ``cookies[name]`` is a session cookie for each."""
    from marketplace import db
    from marketplace.domain import auth, participants
    from marketplace.models.enums import Grant, ParticipantStatus
    from marketplace.schemas.participants import SignUp, UserIn
    from tests.api import payloads

    tmp_path = tmp_path_factory.mktemp("guarded")
    deployed_instance = tmp_path / "instance"
    Deployment(chain_id=31337, token=TOKEN, market=MARKET, operator="0x" + "01" * 20, block=3, build="x").save(
        deployed_instance / "deployment.json"
    )
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    db.upgrade(url)
    database = db.Database(url)
    cookies = {}
    with database.transaction() as s:
        users = {"operator": participants.ensure_operator(s, "0x" + "01" * 20)}
        for name, role, kind, wallet in (("fsp", "fsp", "aggregator", "0x" + "02" * 20),
                                         ("dso", "dso", None, "0x" + "03" * 20)):
            body = payloads.sign_up({"message": "x", "signature": "0x" + "00" * 65}, role=role, fsp_kind=kind,
                                    name=f"{name.upper()} Uno")
            data = SignUp.model_validate_json(json.dumps(body), strict=True)
            participant, users[name] = participants.sign_up(s, data, wallet, None)
            if name == "fsp":
                participant.status = ParticipantStatus.APPROVED
        s.flush()
        from marketplace.domain.principal import Principal

        fsp = users["fsp"]
        reader = UserIn(first_name="Rita", last_name="Lectora", email="rita@example.es", grant=Grant.READ_ONLY,
                        wallet_address="0x" + "04" * 20)
        principal = Principal(user=fsp, participant=fsp.participant, grant=fsp.grant)
        users["reader"] = participants.add_user(s, principal, fsp.participant_id, reader)
        for name, user in users.items():
            cookies[name] = auth.start_session(s, user, 3600).token
    settings = Settings(instance_path=deployed_instance, rpc_url=f"http://127.0.0.1:{free_port()}", database_url=url)
    app = create_app(test_config={"WEB_DIST_DIR": str(_bundle_of_every_page(tmp_path / "dist"))}, settings=settings)
    yield app, cookies
    database.dispose()
    app.extensions["flexmarket.db"].dispose()


def _as(app, cookies, name):
    client = app.test_client()
    if name is not None:
        client.set_cookie("flexmarket_session", cookies[name])
    return client


def _nav(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r">([^<]+)</a>", nav)


@pytest.mark.parametrize("path", ["/assets", "/operator/audit", "/organisation", "/api-clients", "/zones"])
def test_the_public_is_sent_to_sign_in_and_back(guarded_app, path):
    app, cookies = guarded_app
    reply = _as(app, cookies, None).get(path)
    assert reply.status_code == 302 and reply.headers["Location"] == f"/signin?next={path}"


@pytest.mark.parametrize(("viewer", "path", "refusal"), [
    ("fsp", "/operator/registrations",
     "This page is for market operator users. You are signed in as Ana García of FSP Uno, a FSP."),
    ("fsp", "/zones", "This page is for DSO users."),
    ("reader", "/api-clients", "This page is for your organisation's admins; your grant is read only."),
    ("dso", "/assets",
     "Your organisation's registration is pending: this page opens once the market operator approves it."),
])
def test_viewers_without_the_role_grant_or_approval_get_a_readable_403(guarded_app, viewer, path, refusal):
    app, cookies = guarded_app
    reply = _as(app, cookies, viewer).get(path)
    assert reply.status_code == 403
    html = reply.get_data(as_text=True)
    assert str(escape(refusal)) in html and "/ui/dist/refused-H.js" in html


@pytest.mark.parametrize(("viewer", "path"), [
    ("operator", "/operator/registrations"), ("operator", "/operator/audit"), ("fsp", "/assets"),
    ("fsp", "/api-clients"), ("reader", "/assets"), ("dso", "/organisation"), (None, "/signup"), (None, "/market"),
])
def test_viewers_open_the_pages_they_are_for(guarded_app, viewer, path):
    app, cookies = guarded_app
    reply = _as(app, cookies, viewer).get(path)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]


def test_navigation_lists_the_pages_each_viewer_may_open(guarded_app):
    app, cookies = guarded_app
    public = _nav(_as(app, cookies, None).get("/").get_data(as_text=True))
    assert {"Sign up", "Sign in", "Market information", "Wallet"} <= set(public)
    assert not {"Assets", "Organisation", "Registrations", "Audit log"} & set(public)
    fsp = _nav(_as(app, cookies, "fsp").get("/").get_data(as_text=True))
    assert {"Assets", "Bidding units", "Prequalification", "Organisation", "API clients", "Transformers"} <= set(fsp)
    assert not {"Sign up", "Sign in", "Registrations", "Zones"} & set(fsp)
    reader = _nav(_as(app, cookies, "reader").get("/").get_data(as_text=True))
    assert "Assets" in reader and "API clients" not in reader
    pending = _nav(_as(app, cookies, "dso").get("/").get_data(as_text=True))
    assert "Organisation" in pending and not {"Zones", "Transformers", "Assets"} & set(pending)
    operator = _nav(_as(app, cookies, "operator").get("/").get_data(as_text=True))
    assert {"Registrations", "Participants and users", "Audit log"} <= set(operator)
    assert fsp[-1] == "Status"


def test_the_page_embeds_who_is_looking_and_the_vocabularies(guarded_app):
    app, cookies = guarded_app
    html = _as(app, cookies, "fsp").get("/assets").get_data(as_text=True)
    def embedded(name: str):
        found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
        return json.loads(found.group(1))

    viewer = embedded("flex-viewer")
    assert (viewer["signedIn"], viewer["role"], viewer["grant"], viewer["status"]) == (True, "fsp", "admin", "approved")
    choices = embedded("flex-choices")
    assert ["EV_charging", "EV charging station"] in choices["asset_types"]
    assert ["400", "0.4 kV"] in choices["voltages"]
    assert "Signed in as <strong>Ana García</strong>, FSP Uno" in html


def test_a_sign_in_link_returns_only_to_this_site(guarded_app):
    app, cookies = guarded_app
    client = _as(app, cookies, None)
    for target, expected in (("/assets", "/assets"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/\\evil.example", "/")):
        html = client.get("/signin", query_string={"next": target}).get_data(as_text=True)
        assert f'data-next="{expected}"' in html, target
