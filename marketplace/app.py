"""The FlexMarket web application factory."""

from __future__ import annotations

from flask import Flask

from marketplace.settings import Settings, load_settings


def create_app(test_config: dict | None = None, settings: Settings | None = None) -> Flask:
    """Build the Flask app; ``settings`` default to the ``FLEX_*`` environment.

    Serves the web UI (``/``), the status page (``/status``, ``/status.json``) and the market
    service API under ``/api/v1``. The database schema is not created here: ``flexmarket api`` and
    ``flexmarket run`` migrate it at start (``marketplace.db.upgrade``).

    ``test_config`` may carry ``FLEX_DATABASE`` (a :class:`marketplace.db.Database`),
    ``FLEX_CHAIN_GATEWAY`` (a :class:`marketplace.domain.chain_gateway.ChainGateway`) and
    ``FLEX_CLOCK`` (an object with ``now()``, Unix s) to use instead of those built from the
    settings.
    """
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()), instance_relative_config=True)
    app.config.from_mapping(FLEX_SETTINGS=settings, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=settings.max_request_bytes)
    if test_config:
        app.config.from_mapping(test_config)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    from marketplace import api
    from marketplace.blueprints import status
    from marketplace.db import Database
    from marketplace.domain.chain_gateway import ChainGateway

    database = app.config.get("FLEX_DATABASE") or Database(settings.effective_database_url)
    database.init_app(app)
    app.extensions["flexmarket.chain"] = app.config.get("FLEX_CHAIN_GATEWAY") or ChainGateway(settings)
    from marketplace.market.services import MarketServices

    app.extensions["flexmarket.market"] = MarketServices(
        database, app.extensions["flexmarket.chain"], settings, clock=app.config.get("FLEX_CLOCK"))

    app.register_blueprint(status.bp)
    from marketplace import web

    app.register_blueprint(web.bp)
    api.init_app(app)
    return app
