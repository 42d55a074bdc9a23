"""``flexmarket oracle verify|simulate``: exit codes 0/2/3, table and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from marketplace.cli import main
from oracle.cli import oracle
from tests.oracle.support import W, agreement_dict

HEADER = "meter_id,interval_start,energy_wh\n"
GOOD_ROWS = (
    "M1,2025-01-15T16:45:00Z,5000\nM2,2025-01-15T16:45:00Z,2000\n"
    + "".join(f"M1,2025-01-15T17:{m:02d}:00Z,3000\nM2,2025-01-15T17:{m:02d}:00Z,2000\n" for m in (0, 15, 30, 45))
)


@pytest.fixture
def files(tmp_path):
    def write(agreement: dict | str | None = None, readings: str = HEADER + GOOD_ROWS) -> tuple[Path, Path]:
        a, r = tmp_path / "agreement.json", tmp_path / "readings.csv"
        a.write_text(agreement if isinstance(agreement, str) else json.dumps(agreement or agreement_dict()))
        r.write_text(readings)
        return a, r

    return write


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(main, ["oracle", *args])


def test_verdict_exits_0_and_prints_the_interval_table(files, tmp_path):
    agreement, readings = files()
    out = tmp_path / "verdict.json"
    result = run("verify", "--agreement", str(agreement), "--readings", str(readings), "--json", str(out))
    assert result.exit_code == 0, result.stderr
    assert "2025-01-15T17:00:00Z          2000         7000        5000          2000" in result.stdout
    assert "delivered 8000 Wh of 8000 Wh ordered = 100.00 % (success at >= 80 %): success" in result.stdout
    verdict = json.loads(out.read_text())
    assert list(verdict) == [
        "intervals", "delivered_wh", "ordered_wh", "ratio_pct", "success", "payment", "penalty", "refund"
    ]
    assert verdict["intervals"][0] == {"start": W, "baseline_wh": 7000, "actual_wh": 5000, "delivered_wh": 2000}
    assert (verdict["ratio_pct"], verdict["success"]) == ("100.00", True)
    assert (verdict["payment"], verdict["penalty"], verdict["refund"]) == (800_000, 0, 0)


def test_a_failed_delivery_is_still_a_verdict_exit_0(files):
    worse = GOOD_ROWS.replace("M1,2025-01-15T17:00:00Z,3000", "M1,2025-01-15T17:00:00Z,9000")
    agreement, readings = files(readings=HEADER + worse)
    result = run("verify", "--agreement", str(agreement), "--readings", str(readings), "--json", "-")
    assert result.exit_code == 0
    verdict = json.loads(result.stdout)  # --json - prints only the JSON
    assert (verdict["delivered_wh"], verdict["ratio_pct"], verdict["success"]) == (6000, "75.00", False)
    assert (verdict["payment"], verdict["penalty"], verdict["refund"]) == (0, 20_000, 800_000)


@pytest.mark.parametrize(
    "agreement, readings, code",
    [
        ('{"id": ', HEADER + GOOD_ROWS, "invalid_agreement"),
        (agreement_dict(direction="sideways"), HEADER + GOOD_ROWS, "invalid_agreement"),
        (None, "meter,interval_start,energy_wh\n", "invalid_meter_data"),
        (None, HEADER + "M1,2025-01-15T17:00:00Z,1.5\n", "invalid_meter_data"),
        (None, HEADER + GOOD_ROWS + "M2,2025-01-15T17:30:00Z,2001\n", "conflicting_readings"),
    ],
)
def test_invalid_input_exits_2_with_the_error(files, tmp_path, agreement, readings, code):
    a, r = files(agreement, readings)
    out = tmp_path / "error.json"
    result = run("verify", "--agreement", str(a), "--readings", str(r), "--json", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error ({code}): ")
    assert json.loads(out.read_text())["error"]["code"] == code


def test_missing_files_and_options_exit_2(files, tmp_path):
    agreement, readings = files()
    assert run("verify", "--agreement", str(tmp_path / "nope.json"), "--readings", str(readings)).exit_code == 2
    assert run("verify", "--agreement", str(agreement)).exit_code == 2


def test_incomplete_data_exits_3_listing_the_missing_readings(files, tmp_path):
    rows = GOOD_ROWS.replace("M2,2025-01-15T16:45:00Z,2000\n", "").replace("M1,2025-01-15T17:30:00Z,3000\n", "")
    agreement, readings = files(readings=HEADER + rows)
    out = tmp_path / "incomplete.json"
    result = run("verify", "--agreement", str(agreement), "--readings", str(readings), "--json", str(out))
    assert result.exit_code == 3
    assert "2 needed meter readings are missing" in result.stdout
    assert "M2               2025-01-15T16:45:00Z  (start 1736959500)" in result.stdout
    assert json.loads(out.read_text()) == {
        "incomplete": True,
        "reason": "2 needed meter readings are missing",
        "missing": [{"meter_id": "M1", "start": W + 1800}, {"meter_id": "M2", "start": W - 900}],
    }


def test_flexmarket_oracle_verify_runs_as_a_real_process(files, tmp_path):
    flexmarket = Path(sys.executable).parent / "flexmarket"
    agreement, readings = files()
    ok = subprocess.run(
        [flexmarket, "oracle", "verify", "--agreement", agreement, "--readings", readings, "--json", "-"],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["payment"] == 800_000
    _, partial = files(readings=HEADER + "M1,2025-01-15T17:00:00Z,1\n")
    incomplete = subprocess.run([flexmarket, "oracle", "verify", "--agreement", agreement, "--readings", partial],
                                capture_output=True, text=True, timeout=120)
    assert incomplete.returncode == 3


def test_simulate_writes_csv_that_verify_reads(tmp_path):
    agreement = tmp_path / "agreement.json"
    meters = ["HP-0000", "HP-0001", "BAT-0000"]
    terms = agreement_dict(meter_ids=meters, intervals=[{"start": W, "quantity_wh": 500}],
                           baseline={"method": "pre_window"})
    agreement.write_text(json.dumps(terms))
    csv_path = tmp_path / "sim.csv"
    runner = CliRunner(mix_stderr=False)
    result = runner.invoke(oracle, ["simulate", "--out", str(csv_path), "--start", "2025-01-15", "--seed", "3",
                                    "--fleet", "heat_pump=2,battery=1", "--agreement", str(agreement)])
    assert result.exit_code == 0, result.output
    assert "wrote 288 readings of 3 meters" in result.stdout
    verified = runner.invoke(
        oracle, ["verify", "--agreement", str(agreement), "--readings", str(csv_path), "--json", "-"]
    )
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ordered_wh"] == 500


def test_simulate_refuses_unknown_kinds_and_meters(tmp_path):
    runner = CliRunner(mix_stderr=False)
    bad_kind = runner.invoke(oracle, ["simulate", "--out", str(tmp_path / "x.csv"), "--start", "2025-01-15",
                                      "--fleet", "windmill=3"])
    assert bad_kind.exit_code == 2 and "windmill" in bad_kind.stderr
    agreement = tmp_path / "agreement.json"
    agreement.write_text(json.dumps(agreement_dict(meter_ids=["EV-0099"])))
    unknown = runner.invoke(oracle, ["simulate", "--out", str(tmp_path / "x.csv"), "--start", "2025-01-15",
                                     "--fleet", "ev=1", "--agreement", str(agreement)])
    assert unknown.exit_code == 2 and "EV-0099" in unknown.stderr
