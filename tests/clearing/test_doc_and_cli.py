"""The documented example and the ``flexmarket clear`` command."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from marketplace.cli import main
from marketplace.clearing import clear_book

from .books import bid, book

DOC = Path(__file__).resolve().parents[2] / "docs" / "clearing-format.md"


def _example(tag: str) -> dict:
    match = re.search(rf"<!-- {tag} -->\s*```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"{tag} block missing from {DOC}"
    return json.loads(match.group(1))


def test_documented_example_clears_to_the_documented_result():
    assert clear_book(_example("example-book")).to_json() == _example("example-result")


def _run(tmp_path: Path, data, *extra: str):
    source = tmp_path / "book.json"
    source.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = tmp_path / "result.json"
    return CliRunner().invoke(main, ["clear", "--input", str(source), "--output", str(out), *extra]), out


def test_clear_command_writes_the_result_and_the_plot(tmp_path):
    png = tmp_path / "curves.png"
    outcome, out = _run(tmp_path, _example("example-book"), "--plot", str(png))
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(out.read_text()) == _example("example-result")
    assert "welfare 21000000, total cost 30000000, optimal" in outcome.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@pytest.mark.parametrize(
    "data, message",
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"demands": [], "bids": []}), "invalid book: book.auction: missing"),
        (json.dumps(book([bid("b1")], pricing=3)), "invalid book: auction.pricing: must be one of pay_as_bid, pay_as_clear"),
        (json.dumps(book([{"fsp": "x"}])), "invalid book: bids[0].id: missing"),
        (json.dumps(book([bid("b1")], traffic_light="green")), "no market: traffic light is green"),
        (json.dumps(book([bid("b1")], traffic_light="red")), "no market: traffic light is red"),
    ],
)
def test_invalid_input_exits_2_with_one_line(tmp_path, data, message):
    outcome, out = _run(tmp_path, data)
    assert outcome.exit_code == 2
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not out.exists()


def test_missing_input_file_exits_2(tmp_path):
    outcome = CliRunner().invoke(main, ["clear", "--input", str(tmp_path / "none.json"), "--output", str(tmp_path / "r.json")])
    assert outcome.exit_code == 2 and "cannot read" in outcome.output


def test_void_bids_do_not_stop_the_command(tmp_path):
    outcome, out = _run(tmp_path, book([bid("b1"), bid("b2", currency="USD")]))
    assert outcome.exit_code == 0
    result = json.loads(out.read_text())
    assert result["rejected"] == [
        {"bid_id": "b2", "status": "void", "reason": "currency_not_eur", "detail": "currency 'USD' is not EUR"}
    ]
