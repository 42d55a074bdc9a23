"""``flexmarket bench market`` scaled down: signed bids through a real server, then gate closure
to awards that really landed on chain."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marketplace.cli import main

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def test_bench_market_reports_bids_latencies_and_gate_closure_to_awards_on_chain(tmp_path):
    out = tmp_path / "market.json"
    result = CliRunner(mix_stderr=False).invoke(
        main, ["bench", "market", "--json", str(out), "--fsps", "20", "--winners", "5", "--clients", "4"])
    assert result.exit_code == 0, result.output + result.stderr
    figures = json.loads(out.read_text())
    assert figures == json.loads(result.stdout)
    bids, trivial = figures["bids"], figures["health"]
    assert bids["requests"] == bids["fsps"] == 20 and bids["errors"] == 0 and bids["bids_per_s"] > 0
    assert trivial["requests"] == 20 and trivial["errors"] == 0 and trivial["requests_per_s"] > 0
    for reads in (bids, trivial):
        assert 0 < reads["p50_ms"] <= reads["p99_ms"]
    assert figures["ratio"]["bids_vs_health_per_s"] == round(bids["bids_per_s"] / trivial["requests_per_s"], 4)
    closure = figures["gate_closure"]
    assert (closure["request_status"], closure["session_status"]) == ("awarded", "awarded")
    assert closure["book_size"] == 20 and closure["awarded_wh"] == 5 * 1_000
    assert closure["agreements"] == closure["agreements_on_chain"] == closure["agreements_in_database"] == 5
    assert closure["award_gas_used"] > 0 and closure["award_tx"].startswith("0x")
    assert figures["gate_close_to_awarded_s"] == closure["gate_close_to_awarded_s"] > 0
    assert figures["goal_gate_close_to_awarded_s"] == 10
    assert figures["config"]["fsps"] == 20 and figures["config"]["winners"] == 5 and figures["config"]["clients"] == 4
    assert "gate closure" in result.stderr
