"""Agreement terms: what is accepted, and every refusal names its field."""

from __future__ import annotations

import json

import pytest

from oracle.agreement import agreement_from_dict, agreement_from_json, load_agreement
from oracle.errors import AgreementError
from tests.oracle.support import W, agreement_dict, make_agreement


def test_valid_terms_with_defaults():
    data = agreement_dict()
    del data["success_threshold_pct"], data["penalty_pct"]
    agreement = agreement_from_dict(data)
    assert (agreement.success_threshold_pct, agreement.penalty_pct) == (80, 10)
    assert agreement.ordered_wh == 8000 and agreement.window_start == W and agreement.window_end == W + 3600
    assert agreement.id_bytes == bytes([0xAB]) * 32


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"id": "0x1234"}, "id", "should match pattern"),
        ({"direction": "sideways"}, "direction", "'up' or 'down'"),
        ({"price_per_mwh": 1.5}, "price_per_mwh", "valid integer"),
        ({"price_per_mwh": 100.0}, "price_per_mwh", "valid integer"),
        ({"price_per_mwh": True}, "price_per_mwh", "valid integer"),
        ({"price_per_mwh": "100"}, "price_per_mwh", "valid integer"),
        ({"price_per_mwh": -1}, "price_per_mwh", "greater than or equal to 0"),
        ({"guarantee": 2**128}, "guarantee", "less than or equal to"),
        ({"meter_ids": []}, "meter_ids", "at least 1"),
        ({"meter_ids": ["M1", "M1"]}, "meter_ids", "more than once"),
        ({"meter_ids": ["bad id"]}, "meter_ids", "not a meter id"),
        ({"intervals": []}, "intervals", "at least 1"),
        ({"intervals": [{"start": W + 60, "quantity_wh": 1}]}, "intervals[0].start", "aligned"),
        ({"intervals": [{"start": W, "quantity_wh": -1}]}, "intervals[0].quantity_wh", "greater than or equal"),
        ({"intervals": [{"start": W, "quantity_wh": 0}]}, "agreement", "must be positive"),
        ({"intervals": [{"start": W, "quantity_wh": 1}, {"start": W + 1800, "quantity_wh": 1}]}, "agreement",
         "contiguous"),
        ({"intervals": [{"start": W + 900, "quantity_wh": 1}, {"start": W, "quantity_wh": 1}]}, "agreement",
         "contiguous"),
        ({"intervals": [{"start": W, "quantity_wh": 1, "price": 3}]}, "intervals[0].price", "Extra inputs"),
        ({"baseline": {"method": "magic"}}, "baseline", "does not match any of the expected tags"),
        ({"baseline": {}}, "baseline", "Unable to extract tag"),
        ({"baseline": {"method": "pre_window", "minutes": 15}}, "baseline.minutes", "Extra inputs"),
        ({"baseline": {"method": "x_of_y", "x": 6, "y": 5}}, "baseline", "must not exceed y"),
        ({"baseline": {"method": "x_of_y", "x": 0, "y": 5}}, "baseline.x", "greater than or equal to 1"),
        ({"baseline": {"method": "x_of_y", "x": 1, "y": 5, "select": "median"}}, "baseline.select", "'high'"),
        ({"baseline": {"method": "x_of_y", "x": 1, "y": 5, "excluded_dates": ["15/01/2025"]}},
         "baseline.excluded_dates[0]", "valid date"),
        ({"baseline": {"method": "declared", "values_wh": [1, 2]}}, "agreement", "one value per interval"),
        ({"baseline": {"method": "declared", "values_wh": {"M1": [1] * 4}}}, "agreement", "exactly the agreement"),
        ({"success_threshold_pct": 101}, "success_threshold_pct", "less than or equal to 100"),
        ({"penalty_pct": -5}, "penalty_pct", "greater than or equal to 0"),
        ({"penalty_percent": 5}, "penalty_percent", "Extra inputs"),
    ],
)
def test_refuses_bad_terms_naming_the_field(change, field, message):
    with pytest.raises(AgreementError) as caught:
        agreement_from_dict(agreement_dict(**change))
    error = caught.value
    assert error.code == "invalid_agreement"
    assert error.details["errors"][0]["field"] == field
    assert message in error.details["errors"][0]["message"]
    assert error.message.startswith(f"{field}: ")


def test_missing_required_fields_are_all_listed():
    data = agreement_dict()
    del data["guarantee"], data["meter_ids"]
    with pytest.raises(AgreementError) as caught:
        agreement_from_dict(data)
    assert {e["field"] for e in caught.value.details["errors"]} == {"guarantee", "meter_ids"}


def test_invalid_json_and_unreadable_files(tmp_path):
    with pytest.raises(AgreementError, match="Invalid JSON"):
        agreement_from_json("{not json")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(agreement_dict(direction="left")))
    with pytest.raises(AgreementError, match=r"a\.json: direction"):
        load_agreement(path)
    with pytest.raises(AgreementError, match="cannot read"):
        load_agreement(tmp_path / "missing.json")


def test_load_agreement_reads_a_file(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(agreement_dict()))
    assert load_agreement(path) == make_agreement()
