"""``flexmarket demo``: the three pilot flows on a fresh anvil chain and database, run once
through the command (in process) — the JSON summary, the table, and the instance it leaves."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace import db
from marketplace.cli import main
from marketplace.models import Agreement, ChainEvent, FlexRequest
from marketplace.models.market import AgreementStatus
from marketplace.settings import Settings

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

KEYS = ("requests", "bids", "agreements", "settled", "paid_total", "refunded_total", "penalties_total",
        "token_supply_before", "token_supply_after")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    out, instance = folder / "demo.json", folder / "instance"
    result = CliRunner(mix_stderr=False).invoke(main, ["demo", "--json", str(out), "--instance", str(instance)])
    return result, (json.loads(out.read_text()) if out.exists() else None), instance


def test_demo_runs_the_three_flows_settles_every_agreement_and_reconciles(demo_run):
    result, summary, instance = demo_run
    assert result.exit_code == 0, result.output + result.stderr
    for key in KEYS:
        assert isinstance(summary[key], int), key
    assert summary["agreements"] > 0 and summary["settled"] == summary["agreements"]
    assert summary["token_supply_after"] == summary["token_supply_before"] > 0
    assert summary["paid_total"] > 0 and summary["refunded_total"] > 0
    assert summary["reconcile_differences"] == []
    flows = summary["flows"]
    assert set(flows) == {"italy", "slovenia", "spain"}
    assert flows["italy"]["offers_seen_by_dso"] == 3 and flows["italy"]["picked_bid"] in flows["italy"]["bids"]
    assert "dca" in flows["slovenia"]["st_kinds"] and len(flows["slovenia"]["requests"]) == 2
    assert {r["flow"] for r in summary["agreement_rows"]} == {"italy", "slovenia", "spain"}
    # the instance it leaves agrees with the summary
    database = db.Database(Settings(instance_path=instance).effective_database_url)
    try:
        with database.new_session(writes=False) as s:
            assert s.scalar(select(func.count()).select_from(FlexRequest)) == summary["requests"]
            statuses = s.scalars(select(Agreement.status)).all()
            assert len(statuses) == summary["agreements"] and set(statuses) == {AgreementStatus.SETTLED}
            assert s.scalar(select(func.sum(Agreement.payment))) == summary["paid_total"]
            assert s.scalar(select(func.coalesce(func.sum(Agreement.penalty), 0))) == summary["penalties_total"]
            assert s.scalar(select(func.count()).select_from(ChainEvent).where(
                ChainEvent.event == "DeliveryAttested")) == summary["agreements"]
    finally:
        database.dispose()


def test_demo_prints_a_readable_summary_table(demo_run):
    result, summary, _ = demo_run
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["flow", "req", "kind", "ordered"]
    assert len([line for line in lines if line.split()[:1] in (["italy"], ["slovenia"], ["spain"])]) == \
        summary["agreements"]
    assert f"requests {summary['requests']}, bids {summary['bids']}, agreements {summary['agreements']}" in \
        result.stdout
    assert "reconcile: clean" in result.stdout
    assert "Italy" in result.stderr and "Slovenia" in result.stderr and "Spain" in result.stderr
