"""Every custom error FlexMarket's contracts declare is exercised by a contract test."""

from __future__ import annotations

from pathlib import Path

from marketplace.chain import artifacts

OWN_PREFIXES = ("FlexMarket", "ParticipantRegistry")


def test_every_flexmarket_error_has_a_revert_test():
    declared = {
        item["name"]
        for item in artifacts.load("FlexMarket").abi
        if item["type"] == "error" and item["name"].startswith(OWN_PREFIXES)
    }
    assert len(declared) > 30
    here = Path(__file__).parent
    tested_text = "\n".join(p.read_text() for p in here.glob("test_*.py") if p.name != Path(__file__).name)
    untested = sorted(name for name in declared if f"errors.{name}" not in tested_text)
    assert untested == []
