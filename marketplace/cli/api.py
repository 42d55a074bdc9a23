"""``flexmarket api``: the market service API (and web UI) through the waitress WSGI server.

Settings come from the environment (``FLEX_DATABASE_URL``, ``FLEX_RPC_URL``,
``FLEX_INSTANCE_PATH``, ``FLEX_OPERATOR_ADMIN``, ...). The database is migrated at start. No
chain is needed to start: operations that need one answer 503 until it is reachable.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

import click

from marketplace.cli.chain import progress
from marketplace.errors import MarketplaceError
from marketplace.settings import Settings, load_settings


def operator_admin_address(settings: Settings) -> str | None:
    """The wallet of the market operator's first admin user: ``FLEX_OPERATOR_ADMIN``, else the
    configured operator key's address, else the operator of the recorded deployment."""
    from eth_utils import to_checksum_address

    from marketplace.chain.deploy import Deployment
    from marketplace.chain.keys import account_from

    if settings.operator_admin:
        return to_checksum_address(settings.operator_admin)
    if settings.operator_key.get_secret_value() or settings.operator_keyfile is not None:
        return account_from(settings.operator_key.get_secret_value(), settings.operator_keyfile, 0, dev_index=0,
                            what="market operator", env="FLEX_OPERATOR_KEY").address
    deployment = Deployment.load(settings.deployment_path)
    return None if deployment is None else to_checksum_address(deployment.operator)


class DatabaseUnavailable(MarketplaceError):
    code = "database_unavailable"


def prepare_database(settings: Settings, operator_admin: str | None, say: Callable[[str], None] = progress) -> None:
    """Migrate the database to the latest schema and create the market operator participant
    (with ``operator_admin`` as its first admin's wallet) when there is none yet.

    Raises :class:`DatabaseUnavailable` (password hidden) when the database cannot be opened.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from marketplace import db

    url = settings.effective_database_url
    try:
        db.upgrade(url)
    except OperationalError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot open the database {shown}: {str(exc.orig).strip().splitlines()[0]}") from exc
    say(f"database ready ({make_url(url).get_backend_name()}, schema {db.current_revision(url)})")
    _bootstrap(url, operator_admin, say)


def _bootstrap(url: str, operator_admin: str | None, say: Callable[[str], None]) -> None:
    from marketplace import db
    from marketplace.domain import participants

    if operator_admin is None:
        say("no market operator admin configured (FLEX_OPERATOR_ADMIN); approvals need one")
        return
    database = db.Database(url)
    try:
        with database.transaction() as session:
            created = participants.ensure_operator(session, operator_admin)
    finally:
        database.dispose()
    if created is not None:
        say(f"market operator created; its admin signs in with wallet {operator_admin}")


def serve(app, settings: Settings) -> None:
    """Serve ``app`` with waitress until SIGINT/SIGTERM."""
    import waitress

    server = waitress.create_server(app, host=settings.host, port=settings.port, threads=settings.threads)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    progress(f"API on http://{settings.host}:{settings.port}/api/v1 (docs: /api/v1/docs) — Ctrl-C stops it")
    try:
        server.run()
    except KeyboardInterrupt:
        progress("stopping ...")
    finally:
        server.close()


@click.command()
@click.option("--host", default=None, help="Address to listen on (default FLEX_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default FLEX_PORT, 5000).")
@click.option("--threads", type=int, default=None, help="WSGI worker threads (default FLEX_THREADS, 8).")
def api(host: str | None, port: int | None, threads: int | None) -> None:
    """Serve the market service API with the waitress WSGI server.

    Migrates the database first (SQLite in the instance folder, or FLEX_DATABASE_URL) and
    creates the market operator when there is none. Starts without a chain; operations that
    need one (approvals) answer 503 until FLEX_RPC_URL answers.
    """
    from marketplace.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port, "threads": threads}.items() if v is not None}
    settings = load_settings(**overrides)
    try:
        prepare_database(settings, operator_admin_address(settings))
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    try:
        app = create_app(settings=settings)
        serve(app, settings)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}") from exc
