"""Status page: which chain FlexMarket talks to and where its contracts are."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

from marketplace import __version__
from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment
from marketplace.chain.errors import ChainError

bp = Blueprint("status", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FlexMarket status</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:50rem}
th{text-align:left;padding-right:1.5rem}td{font-family:ui-monospace,monospace}
.bad{color:#b00020}</style></head>
<body><h1>FlexMarket</h1>
<p>Local flexibility market, version {{ s.version }}.</p>
<h2>Chain</h2>
<table>
<tr><th scope="row">RPC endpoint</th><td>{{ s.chain.rpc_url }}</td></tr>
{% if s.chain.reachable %}
<tr><th scope="row">Chain id</th><td>{{ s.chain.chain_id }}</td></tr>
<tr><th scope="row">Latest block</th><td>{{ s.chain.block }}</td></tr>
{% else %}
<tr><th scope="row">State</th><td class="bad">unreachable: {{ s.chain.error }}</td></tr>
{% endif %}
</table>
<h2>Contracts</h2>
{% if s.contracts %}
<table>
{% for name, address in s.contracts.items() %}
<tr><th scope="row">{{ name }}</th><td>{{ address }}</td></tr>
{% endfor %}
</table>
{% else %}<p class="bad">Not deployed yet.</p>{% endif %}
<p><a href="{{ url_for('status.status_json') }}">status.json</a> · <a href="{{ url_for('web.home') }}">FlexMarket</a></p>
</body></html>"""


def _status() -> tuple[dict, bool]:
    settings = current_app.config["FLEX_SETTINGS"]
    deployment = Deployment.load(settings.deployment_path)
    chain_info: dict = {"rpc_url": settings.rpc_url, "reachable": False}
    try:
        chain = Chain.connect(settings.rpc_url, timeout=2.0)
        chain_info.update(reachable=True, chain_id=chain.chain_id, block=chain.block_number())
    except ChainError as exc:
        chain_info["error"] = exc.message
    contracts = {}
    if deployment is not None:
        contracts = {"FlexToken": deployment.token, "FlexMarket": deployment.market, "ParticipantRegistry": deployment.registry}
        chain_info["deployment_chain_id"] = deployment.chain_id
    return {"version": __version__, "chain": chain_info, "contracts": contracts}, chain_info["reachable"]


@bp.get("/status")
def status_page():
    status, _ = _status()
    return render_template_string(_PAGE, s=status)


@bp.get("/status.json")
def status_json():
    status, reachable = _status()
    return status, (200 if reachable else 503)
