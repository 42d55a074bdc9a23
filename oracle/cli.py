"""``flexmarket oracle ...``: check a delivery offline, simulate meters, ingest meter data.

``verify`` exits 0 on a verdict (successful or not), 2 on invalid input (agreement file, meter
data, conflicting readings; click's own usage errors also exit 2), 3 when readings needed for
the verdict are missing. See ``docs/oracle-verify.md``.
"""

from __future__ import annotations

import calendar
import json
import sys
from datetime import datetime
from typing import Any

import click

from oracle import meterdata, simulator
from oracle.agreement import Agreement, load_agreement
from oracle.errors import OracleError
from oracle.meterdata import format_interval_start
from oracle.verdict import Incomplete, Verdict, missing_reason
from oracle.verdict import verify as verify_agreement

#: Exit codes of ``flexmarket oracle verify``.
EXIT_VERDICT, EXIT_INVALID, EXIT_INCOMPLETE = 0, 2, 3
#: At most this many missing readings are listed on the terminal (all of them go to --json).
MISSING_SHOWN = 20


@click.group()
def oracle() -> None:
    """Meter oracle: verify a delivery offline, simulate meters, ingest meter data."""


def _write_json(path: str | None, data: dict[str, Any]) -> None:
    if path is None:
        return
    text = json.dumps(data, indent=2) + "\n"
    if path == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        click.echo(f"error: cannot write {path}: {exc.strerror}", err=True)
        sys.exit(EXIT_INVALID)


def _table(agreement: Agreement, verdict: Verdict) -> str:
    lines = [
        f"agreement {agreement.id}",
        f"direction {agreement.direction}, {len(agreement.intervals)} intervals, "
        f"{len(agreement.meter_ids)} meters, baseline {agreement.baseline.method}",
        "",
        f"{'interval start (UTC)':<22}{'ordered_wh':>12}{'baseline_wh':>13}{'actual_wh':>12}{'delivered_wh':>14}",
    ]
    for row in verdict.intervals:
        lines.append(
            f"{format_interval_start(row.start):<22}{row.quantity_wh:>12}{row.baseline_wh:>13}"
            f"{row.actual_wh:>12}{row.delivered_wh:>14}"
        )
    lines.append(f"{'total':<22}{verdict.ordered_wh:>12}{'':>13}{'':>12}{verdict.delivered_wh:>14}")
    outcome = "success" if verdict.success else "failure"
    lines += [
        "",
        f"delivered {verdict.delivered_wh} Wh of {verdict.ordered_wh} Wh ordered = {verdict.ratio_pct} % "
        f"(success at >= {agreement.success_threshold_pct} %): {outcome}",
        f"payment {verdict.payment}, penalty {verdict.penalty}, refund {verdict.refund} "
        f"(token base units, 1 EUR = 1000000; price {agreement.price_per_mwh} per MWh)",
    ]
    return "\n".join(lines)


@oracle.command()
@click.option("--agreement", "agreement_path", required=True,
              type=click.Path(exists=True, dir_okay=False), help="Agreement terms, JSON (docs/oracle-verify.md).")
@click.option("--readings", "readings_path", required=True,
              type=click.Path(exists=True, dir_okay=False), help="Meter data CSV (docs/meter-data.md).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the result as JSON to this file ('-': standard output instead of the table).")
def verify(agreement_path: str, readings_path: str, json_path: str | None) -> None:
    """Verify one agreement's delivery against meter readings and print the verdict.

    Exit 0 on a verdict, 2 on invalid input, 3 when needed readings are missing.
    """
    try:
        agreement = load_agreement(agreement_path)
        readings = meterdata.parse_csv(readings_path)
    except OracleError as exc:
        click.echo(f"error ({exc.code}): {exc.message}", err=True)
        _write_json(json_path, {"error": exc.to_dict()})
        sys.exit(EXIT_INVALID)
    result = verify_agreement(agreement, readings)
    quiet = json_path == "-"
    if isinstance(result, Incomplete):
        if not quiet:
            click.echo(f"agreement {agreement.id}: no verdict, {missing_reason(len(result.missing))} "
                       "(baseline or delivery window):")
            for meter_id, start in result.missing[:MISSING_SHOWN]:
                click.echo(f"  {meter_id:<16} {format_interval_start(start)}  (start {start})")
            if len(result.missing) > MISSING_SHOWN:
                click.echo(f"  ... and {len(result.missing) - MISSING_SHOWN} more")
        _write_json(json_path, result.to_dict())
        sys.exit(EXIT_INCOMPLETE)
    if not quiet:
        click.echo(_table(agreement, result))
    _write_json(json_path, result.to_dict())
    sys.exit(EXIT_VERDICT)


def _parse_fleet(text: str) -> dict[str, int]:
    fleet: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, count = part.partition("=")
        if kind not in simulator.KINDS or not count.isdigit():
            raise click.BadParameter(
                f"{part!r}: expected KIND=COUNT with KIND one of {', '.join(simulator.KINDS)}", param_hint="--fleet"
            )
        fleet[kind] = int(count)
    return fleet


@oracle.command()
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Meter data CSV to write.")
@click.option("--start", "start_date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First simulated day (UTC), YYYY-MM-DD.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 366), help="Whole days to simulate.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same data.")
@click.option("--fleet", "fleet_text", default="ev=10,charging_station=2,battery=2,heat_pump=5,pv=5",
              show_default=True, help="Devices per kind, KIND=COUNT,... (meter ids EV-0000, CS-0000, BAT-, HP-, PV-).")
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Activate the agreement's meters over its window, in its direction and quantity.")
@click.option("--delivery-pct", default=100, show_default=True, type=click.IntRange(0, simulator.MAX_DELIVERY_PCT),
              help="Share of the ordered quantity the fleet delivers, percent (50: under-delivery on purpose).")
def simulate(out_path: str, start_date: datetime, days: int, seed: int, fleet_text: str,
             agreement_path: str | None, delivery_pct: int) -> None:
    """Simulate smart meters (EVs, charging stations, batteries, heat pumps, PV) and write CSV."""
    fleet = _parse_fleet(fleet_text)
    start = calendar.timegm(start_date.timetuple())
    try:
        activations = []
        if agreement_path is not None:
            activations.append(simulator.Activation.from_agreement(load_agreement(agreement_path), delivery_pct))
        result = simulator.simulate(fleet, seed=seed, start=start, days=days, activations=activations)
    except OracleError as exc:
        click.echo(f"error ({exc.code}): {exc.message}", err=True)
        sys.exit(EXIT_INVALID)
    rows = result.write_csv(out_path)
    click.echo(f"wrote {rows} readings of {len(result.series)} meters, {days} day(s) from "
               f"{format_interval_start(start)}, to {out_path}")


@oracle.command()
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Meter data CSV (docs/meter-data.md).")
def ingest(csv_path: str) -> None:
    """Store a meter data CSV file in the market's database (FLEX_DATABASE_URL).

    Readings equal to stored ones are counted as duplicates; a file with any reading that
    disagrees with a stored one is refused whole (exit 2). Prints the batch as JSON.
    """
    from pathlib import Path

    from marketplace import db
    from marketplace.models.meter import MeterDataSource
    from marketplace.settings import load_settings
    from oracle import intake

    raw = Path(csv_path).read_bytes()
    try:
        readings = meterdata.parse_csv(csv_path)
    except OracleError as exc:
        click.echo(f"error ({exc.code}): {exc.message}", err=True)
        sys.exit(EXIT_INVALID)
    url = load_settings().effective_database_url
    db.upgrade(url)
    database = db.Database(url)
    try:
        with database.transaction() as session:
            result = intake.store(session, readings, source=MeterDataSource.CLI, sha256=intake.sha256_hex(raw),
                                  filename=Path(csv_path).name)
    except OracleError as exc:
        click.echo(f"error ({exc.code}): {exc.message}", err=True)
        sys.exit(EXIT_INVALID)
    finally:
        database.dispose()
    click.echo(json.dumps(result.to_dict(), indent=2))


@oracle.command()
@click.option("--once", is_flag=True, help="Run one round, print its report as JSON and exit.")
def run(once: bool) -> None:
    """Judge ended deliveries from the stored meter readings and attest them on chain.

    Uses the market's database (FLEX_DATABASE_URL), chain (FLEX_RPC_URL) and deployment
    record, and the meter oracle's key (FLEX_ORACLE_KEY or FLEX_ORACLE_KEYFILE; a dev key on
    the local dev chain). Runs a round every FLEX_ORACLE_INTERVAL_S seconds until Ctrl-C.
    """
    import signal
    import threading

    from marketplace import db
    from marketplace.chain.client import Chain
    from marketplace.chain.deploy import Deployment
    from marketplace.chain.keys import oracle_account
    from marketplace.errors import MarketplaceError
    from marketplace.settings import load_settings
    from oracle.service import holds_oracle_role
    from oracle.worker import OracleWorker

    settings = load_settings()
    deployment = Deployment.load(settings.deployment_path)
    if deployment is None:
        raise click.ClickException(f"no deployment recorded in {settings.deployment_path}; run `flexmarket deploy`")
    try:
        chain = Chain.connect(settings.rpc_url, poll_latency=settings.poll_latency_s)
        account = oracle_account(settings, chain.chain_id)
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    if not holds_oracle_role(chain, deployment, account.address):
        raise click.ClickException(f"{account.address} does not hold the METER_ORACLE role on chain; "
                                   "the market operator grants it when approving the oracle")
    url = settings.effective_database_url
    db.upgrade(url)
    worker = OracleWorker(db.Database(url), chain, deployment, account)
    if once:
        report = worker.run_once()
        click.echo(json.dumps(report.__dict__, indent=2))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"flexmarket: meter oracle {account.address} running; Ctrl-C stops it", err=True)
    worker.run(stop, interval_s=settings.oracle_interval_s)
    click.echo("flexmarket: meter oracle stopped", err=True)


def _statement_db():
    from marketplace import db
    from marketplace.settings import load_settings

    url = load_settings().effective_database_url
    db.upgrade(url)
    return db.Database(url)


@oracle.command()
@click.argument("agreement")
@click.option("--csv", "as_csv", is_flag=True, help="The interval table as CSV instead of JSON.")
def statement(agreement: str, as_csv: bool) -> None:
    """The settlement statement of one agreement, from the market's database (FLEX_DATABASE_URL):
    AGREEMENT is its number in the market service or its on-chain id (0x + 64 hex digits).
    Exit 2 when there is no such agreement."""
    from sqlalchemy import select

    from marketplace.models import Agreement
    from oracle import statements

    database = _statement_db()
    try:
        with database.new_session(writes=False) as s:
            if agreement.isdigit():
                row = s.get(Agreement, int(agreement))
            else:
                row = s.scalar(select(Agreement).where(Agreement.agreement_id == agreement.lower()))
            if row is None:
                click.echo(f"error (not_found): no agreement {agreement!r}", err=True)
                sys.exit(EXIT_INVALID)
            result = statements.agreement_statement(s, row)
    finally:
        database.dispose()
    click.echo(statements.agreement_csv(result) if as_csv else json.dumps(result, indent=2), nl=not as_csv)


def _unix(text: str) -> int:
    """Unix seconds from digits or an ISO-8601 UTC date/time."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is neither Unix seconds nor an ISO-8601 date/time") from exc
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r}: give the time zone (UTC: a trailing Z)")
    return calendar.timegm(moment.utctimetuple())


@oracle.command()
@click.option("--start", required=True, help="Deliveries ended at or after this (Unix s or ISO-8601 UTC).")
@click.option("--end", required=True, help="... and before this.")
@click.option("--participant", "participant_id", type=int, default=None,
              help="The participant (DSO or FSP) whose statements these are; all when omitted.")
@click.option("--csv", "as_csv", is_flag=True, help="One row per agreement as CSV instead of JSON.")
def statements(start: str, end: str, participant_id: int | None, as_csv: bool) -> None:
    """Settlement statements of a period (agreements whose delivery ended in [start, end)), with
    totals, from the market's database. Exit 2 on a bad period."""
    from marketplace.domain.statements import MAX_PERIOD_S
    from oracle import statements as module

    first, last = _unix(start), _unix(end)
    if last <= first or last - first > MAX_PERIOD_S:
        click.echo("error (invalid_input): end must be after start, at most a year later", err=True)
        sys.exit(EXIT_INVALID)
    database = _statement_db()
    try:
        with database.new_session(writes=False) as s:
            result = module.period_statement(s, participant_id, first, last)
    finally:
        database.dispose()
    click.echo(module.period_csv(result) if as_csv else json.dumps(result, indent=2), nl=not as_csv)
