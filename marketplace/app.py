"""The FlexMarket web application factory."""

from __future__ import annotations

from flask import Flask

from marketplace.settings import Settings, load_settings


def create_app(test_config: dict | None = None, settings: Settings | None = None) -> Flask:
    """Build the Flask app; ``settings`` default to the ``FLEX_*`` environment."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()), instance_relative_config=True)
    app.config.from_mapping(FLEX_SETTINGS=settings, JSON_SORT_KEYS=False)
    if test_config:
        app.config.from_mapping(test_config)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    from marketplace.blueprints import status

    app.register_blueprint(status.bp)
    from marketplace import web

    app.register_blueprint(web.bp)
    return app
