"""``flexmarket close-gate|scheduler|indexer|reconcile``: the market's workers and checks, each alone.

Settings come from the environment like every command (``FLEX_DATABASE_URL``, ``FLEX_RPC_URL``,
``FLEX_INSTANCE_PATH``, ``FLEX_OPERATOR_KEY``...); the database is migrated first.
"""

from __future__ import annotations

import json
import signal
import threading

import click

from marketplace.cli.chain import progress
from marketplace.errors import MarketplaceError


def _services():
    from marketplace.cli.api import operator_admin_address, prepare_database
    from marketplace.market.services import MarketServices
    from marketplace.settings import load_settings

    settings = load_settings()
    prepare_database(settings, operator_admin_address(settings), say=lambda _msg: None)
    return MarketServices.from_settings(settings)


def _until_stopped(stop: threading.Event) -> None:
    def handler(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


@click.command("close-gate")
@click.argument("session_id", type=int)
def close_gate(session_id: int) -> None:
    """Close SESSION_ID's gate now (if its time has come): commit the books, clear, award;
    prints what was done as JSON. Safe to repeat: it resumes where it stopped."""
    from marketplace.domain.errors import ServiceError
    from marketplace.market import gate

    services = _services()
    try:
        done = gate.close_gate(services, session_id)
    except (MarketplaceError, ServiceError) as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        services.database.dispose()
    click.echo(json.dumps(done, indent=1))


@click.command()
def scheduler() -> None:
    """Run the market scheduler until Ctrl-C: sessions opened and closed on time, short-term
    sessions for grid-tool needs, stray escrow returned, webhooks delivered. Only the lease
    holder among running schedulers acts."""
    from marketplace.market.scheduler import Scheduler

    services = _services()
    stop = threading.Event()
    _until_stopped(stop)
    worker = Scheduler(services)
    progress(f"scheduler {worker.holder} running every {services.settings.scheduler_interval_s} s — Ctrl-C stops it")
    worker.run(stop)
    progress("scheduler stopped")


@click.command()
def indexer() -> None:
    """Index the market contract's events into the database until Ctrl-C (durable cursor)."""
    from marketplace.market.workers import indexer_for

    services = _services()
    stop = threading.Event()
    _until_stopped(stop)
    try:
        worker = indexer_for(services)
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    progress(f"indexer {worker.name} from block {worker.cursor() + 1} — Ctrl-C stops it")
    worker.run(stop, interval_s=services.settings.indexer_interval_s)
    progress("indexer stopped")


@click.command()
@click.option("--json", "json_path", default=None, help="Also write the differences as JSON here.")
@click.option("--lenient", is_flag=True, help="Ignore requests other clients created on the same contract.")
def reconcile(json_path: str | None, lenient: bool) -> None:
    """Compare the database with the chain (requests, agreements, events, credits, guarantees);
    print every difference and exit 1 when there is any."""
    from marketplace.market import reconcile as check
    from marketplace.market.workers import indexer_for

    services = _services()
    try:
        indexer_for(services).poll()
        with services.database.new_session(writes=False) as s:
            differences = check.reconcile(s, services.market(), strict=not lenient)
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        services.database.dispose()
    for difference in differences:
        click.echo(str(difference))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as out:
            json.dump([d.__dict__ for d in differences], out, indent=1, default=str)
    if differences:
        raise SystemExit(1)
    click.echo("database and chain agree")
