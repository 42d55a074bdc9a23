"""The worked example of docs/oracle-verify.md, run as documented, and the docs' CSV sample."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from marketplace.cli import main
from oracle import meterdata

DOCS = Path(__file__).resolve().parents[2] / "docs"


def examples() -> dict[str, str]:
    text = (DOCS / "oracle-verify.md").read_text()
    return dict(re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", text, re.S))


@pytest.fixture
def example_files(tmp_path):
    found = examples()
    for name in ("agreement.json", "readings.csv"):
        (tmp_path / name).write_text(found[name])
    return tmp_path, found


def verify(folder: Path, readings: str = "readings.csv"):
    out = folder / "out.json"
    result = CliRunner(mix_stderr=False).invoke(
        main, ["oracle", "verify", "--agreement", str(folder / "agreement.json"),
               "--readings", str(folder / readings), "--json", str(out)]
    )
    return result, (json.loads(out.read_text()) if out.exists() else None)


def test_documented_example_gives_the_documented_table_and_verdict(example_files):
    folder, found = example_files
    result, verdict = verify(folder)
    assert result.exit_code == 0
    assert result.stdout == found["output.txt"]
    assert verdict == json.loads(found["verdict.json"])


def test_documented_failure_variant(example_files):
    folder, found = example_files
    failing = found["readings.csv"].replace(
        "CS-ROMA-01,2025-01-15T17:45:00Z,2600", "CS-ROMA-01,2025-01-15T17:45:00Z,5600"
    )
    (folder / "failing.csv").write_text(failing)
    result, verdict = verify(folder, "failing.csv")
    assert result.exit_code == 0
    assert verdict == json.loads(found["verdict-failure.json"])


def test_documented_incomplete_variant(example_files):
    folder, found = example_files
    missing = found["readings.csv"].replace("EV-ROMA-07,2025-01-15T16:45:00Z,1850\n", "")
    (folder / "missing.csv").write_text(missing)
    result, verdict = verify(folder, "missing.csv")
    assert result.exit_code == 3
    assert verdict == json.loads(found["incomplete.json"])


def test_meter_data_doc_sample_parses():
    text = (DOCS / "meter-data.md").read_text()
    sample = re.search(r"```csv\n(.*?)```", text, re.S).group(1)
    readings = meterdata.parse_text(sample)
    assert readings.energy_wh("PV-0003", meterdata.parse_interval_start("2025-01-15T11:00:00Z")) == -1250
