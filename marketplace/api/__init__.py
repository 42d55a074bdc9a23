"""The market service's JSON API under ``/api/v1``: one blueprint per resource."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError

from marketplace.schemas.common import MAX_ID


class IdConverter(BaseConverter):
    """Path ids: positive integers that fit the database's 32-bit ids (others: 404)."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def blueprints() -> tuple:
    """Every resource's blueprint (importing them registers their routes)."""
    from marketplace.api import (
        assets,
        audit,
        auth,
        flex_requests,
        grid,
        market,
        meta,
        meter_data,
        outcomes,
        participants,
        prequalifications,
        statements,
        trading,
    )

    return (
        meta.bp,
        auth.bp,
        auth.clients_bp,
        participants.bp,
        participants.users_bp,
        participants.documents_bp,
        grid.bp,
        grid.zones_bp,
        assets.bp,
        assets.units_bp,
        prequalifications.bp,
        market.products_bp,
        market.bp,
        market.sessions_bp,
        flex_requests.bp,
        trading.bp,
        outcomes.bp,
        outcomes.notifications_bp,
        audit.bp,
        meter_data.bp,
        statements.bp,
    )


def operations():
    """Every route of the API, as the OpenAPI description lists them."""
    from marketplace.api.registry import OPERATIONS

    blueprints()
    return list(OPERATIONS)


def init_app(app: Flask) -> None:
    """Register every resource's blueprint and the one error handler."""
    from marketplace.api import errors

    app.url_map.converters["id"] = IdConverter
    for bp in blueprints():
        app.register_blueprint(bp)
    errors.init_app(app)
