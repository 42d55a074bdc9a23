"""``flexmarket bench oracle`` measures and reports; a small run checks the figures are real."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marketplace.cli import main

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def test_bench_oracle_reports_ingest_verify_and_attestations(tmp_path):
    out = tmp_path / "oracle.json"
    result = CliRunner(mix_stderr=False).invoke(
        main, ["bench", "oracle", "--json", str(out), "--meters", "200", "--agreements", "20", "--attestations", "4"])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["readings"] == 200 * 96 and figures["verdicts"] == 20
    assert 0 < figures["successes"] < 20  # every fourth agreement under-delivers on purpose
    assert figures["ingest_s"] > 0 and figures["verify_s"] > 0 and figures["attest_per_s"] > 0
    # Four attestations of 1 kWh at 100 EUR/MWh, each paid 0.1 EUR.
    assert figures["fsp_credit"] == 4 * 100_000
