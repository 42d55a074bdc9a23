"""``flexmarket bench api`` runs a bounded load against a server it starts and stops itself."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marketplace.cli import main


@pytest.mark.slow
def test_bench_api_reports_reads_latencies_and_bulk_registration(tmp_path):
    out = tmp_path / "api.json"
    result = CliRunner(mix_stderr=False).invoke(
        main, ["bench", "api", "--json", str(out), "--assets", "300", "--duration", "0.3", "--clients", "2"])
    assert result.exit_code == 0, result.output + result.stderr
    figures = json.loads(out.read_text())
    assert figures == json.loads(result.stdout)
    bulk = figures["bulk_registration"]
    assert bulk["assets"] == 300 and bulk["seconds"] > 0 and bulk["assets_per_s"] > 0
    for name in ("health", "asset_list"):
        reads = figures["reads"][name]
        assert reads["requests"] > 0 and reads["errors"] == 0 and reads["reads_per_s"] > 0
        assert 0 < reads["p50_ms"] <= reads["p99_ms"]
    assert figures["reads"]["asset_list"]["assets_in_database"] == 300
    ratio = figures["ratio"]["asset_list_vs_health_reads_per_s"]
    assert ratio == round(figures["reads"]["asset_list"]["reads_per_s"] / figures["reads"]["health"]["reads_per_s"], 4)
    assert figures["config"]["database"] == "sqlite" and figures["config"]["clients"] == 2
