"""Service routes: a trivial health check, the OpenAPI document and its docs page.

The docs page is rendered on the server from the OpenAPI document: plain HTML and CSS, no
script and nothing fetched from elsewhere.
"""

from __future__ import annotations

import json
from functools import cache

from flask import Blueprint, Response, render_template_string

from marketplace.api import openapi
from marketplace.api.registry import UNAUTHENTICATED, route
from marketplace.domain.principal import Principal
from marketplace.schemas.common import Response as ResponseModel

bp = Blueprint("meta", __name__, url_prefix="/api/v1")


class Health(ResponseModel):
    status: str = "ok"


@route(bp, "/health", "GET", summary="Liveness: a trivial JSON answer (no database, no chain)",
       access=UNAUTHENTICATED, response=Health)
def health(principal: Principal):
    return Health()


@cache
def spec_json() -> str:
    return json.dumps(openapi.build(), indent=1)


@route(bp, "/openapi.json", "GET", summary="This API's OpenAPI 3.1 description", access=UNAUTHENTICATED,
       response=None, response_media="application/json")
def openapi_json(principal: Principal):
    return Response(spec_json(), mimetype="application/json")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ spec.info.title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#1b1b1b}
nav{width:17rem;padding:1rem;background:#f3f5f7;height:100vh;overflow:auto;position:sticky;top:0;font-size:.85rem}
nav a{display:block;color:#234;text-decoration:none;margin:.15rem 0}
main{padding:1rem 2rem;max-width:62rem}
.op{border:1px solid #d5dbe1;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
.m{font-weight:700;font-family:ui-monospace,monospace;padding:.1rem .4rem;border-radius:4px;color:#fff}
.get{background:#2d6cdf}.post{background:#1f8a4c}.put{background:#b06d00}.patch{background:#7a4cc2}.delete{background:#c0392b}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f6f8fa;padding:.5rem;overflow:auto}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #e1e4e8;padding:.2rem .5rem;text-align:left;vertical-align:top}
.access{color:#555}
</style></head><body>
<nav><strong>{{ spec.info.title }}</strong><br><small>version {{ spec.info.version }} ·
<a href="openapi.json" style="display:inline">openapi.json</a></small>
{% for tag, ops in groups %}<p><strong>{{ tag }}</strong></p>
{% for path, method, op in ops %}<a href="#{{ op.operationId }}">{{ method|upper }} {{ path }}</a>{% endfor %}
{% endfor %}<p><strong>Schemas</strong></p>{% for name in spec.components.schemas %}<a href="#schema-{{ name }}">{{ name }}</a>{% endfor %}
</nav><main><h1>{{ spec.info.title }}</h1><p>{{ spec.info.description }}</p>
<p>Sign in with a wallet (<code>GET /api/v1/auth/nonce</code>, then <code>POST /api/v1/auth/siwe</code>) for a session
cookie and a CSRF token (header <code>X-CSRF-Token</code>), or use a machine client's bearer token
(<code>POST /api/v1/oauth/token</code>).</p>
{% for tag, ops in groups %}<h2>{{ tag }}</h2>
{% for path, method, op in ops %}<div class="op" id="{{ op.operationId }}">
<p><span class="m {{ method }}">{{ method|upper }}</span> <code>{{ path }}</code> — {{ op.summary }}</p>
<p class="access">{{ op['x-flexmarket-access'] and op.description.split('**Access:**')[-1].strip() }}</p>
{% set desc = op.description.split('**Access:**')[0].strip() %}{% if desc %}<p>{{ desc }}</p>{% endif %}
{% if op.parameters %}<table><tr><th>parameter</th><th>in</th><th>schema</th><th>description</th></tr>
{% for p in op.parameters %}<tr><td><code>{{ p.name }}</code>{% if p.required %} *{% endif %}</td><td>{{ p['in'] }}</td>
<td><code>{{ p.schema|tojson }}</code></td><td>{{ p.description }}</td></tr>{% endfor %}</table>{% endif %}
{% if op.requestBody %}<p>Request body:</p><ul>{% for media, c in op.requestBody.content.items() %}
<li><code>{{ media }}</code>: <code>{{ c.schema|tojson }}</code></li>{% endfor %}</ul>{% endif %}
<p>Responses: {% for code, r in op.responses.items() %}<code title="{{ r.description }}">{{ code }}</code> {% endfor %}</p>
</div>{% endfor %}{% endfor %}
<h2>Schemas</h2>{% for name, schema in spec.components.schemas.items() %}
<div class="op" id="schema-{{ name }}"><h3>{{ name }}</h3>{% if schema.description %}<p>{{ schema.description }}</p>{% endif %}
<pre>{{ schema|tojson(indent=1) }}</pre></div>{% endfor %}
</main></body></html>"""


@cache
def _groups() -> tuple[dict, list]:
    spec = openapi.build()
    groups: dict[str, list] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            groups.setdefault(op["tags"][0], []).append((path, method, op))
    return spec, list(groups.items())


@route(bp, "/docs", "GET", summary="This API's documentation as a web page", access=UNAUTHENTICATED,
       response=None, response_media="text/html")
def docs(principal: Principal):
    spec, groups = _groups()
    return Response(render_template_string(_PAGE, spec=spec, groups=groups), mimetype="text/html")
