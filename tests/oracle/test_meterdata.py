"""The meter data CSV: valid forms, every refused form with its line, duplicates."""

from __future__ import annotations

import io

import pytest

from oracle import meterdata
from oracle.errors import ConflictingReadings, MeterDataError
from tests.oracle.support import DAY, W

HEADER = "meter_id,interval_start,energy_wh\n"


def test_parses_readings_into_integer_wh_by_meter_and_unix_start():
    readings = meterdata.parse_text(
        HEADER
        + "CS-ROMA-01,2025-01-15T17:00:00Z,3000\n"
        + "CS-ROMA-01,2025-01-15T17:15:00+00:00,-420\n"
        + "IT001E00012345,2025-01-15T00:00:00Z,0\n"
    )
    assert readings["CS-ROMA-01"] == {W: 3000, W + 900: -420}
    assert readings.energy_wh("IT001E00012345", DAY) == 0
    assert readings.energy_wh("IT001E00012345", DAY + 900) is None
    assert readings.energy_wh("nobody", DAY) is None
    assert readings.rows == 3 and readings.duplicates == 0 and readings.count() == 3
    assert all(type(v) is int for series in readings.values() for v in series.values())


def test_accepts_crlf_bom_blank_lines_and_quoted_fields():
    text = (
        "\ufeff" + HEADER.replace("\n", "\r\n")
        + '"M1","2025-01-15T17:00:00Z","12"\r\n\r\nM1,2025-01-15T17:15:00Z,-7\r\n'
    )
    readings = meterdata.parse_lines(io.StringIO(text, newline=""))
    assert readings["M1"] == {W: 12, W + 900: -7}


def test_header_only_is_valid_and_empty():
    readings = meterdata.parse_text(HEADER)
    assert len(readings) == 0 and readings.rows == 0


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        ("", 1, None, "empty"),
        ("meter,interval_start,energy_wh\nM1,2025-01-15T17:00:00Z,1\n", 1, None, "header"),
        ("interval_start,meter_id,energy_wh\n", 1, None, "header"),
        ("meter_id,interval_start,energy_wh,extra\n", 1, None, "header"),
        (HEADER + "M1,2025-01-15T17:00:00Z\n", 2, None, "has 2 fields"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1,2\n", 2, None, "has 4 fields"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1\n M2,2025-01-15T17:00:00Z,1\n", 3, "meter_id", "letters"),
        (HEADER + ",2025-01-15T17:00:00Z,1\n", 2, "meter_id", "letters"),
        (HEADER + "M" * 65 + ",2025-01-15T17:00:00Z,1\n", 2, "meter_id", "letters"),
        (HEADER + "M1,2025-01-15T17:00:00,1\n", 2, "interval_start", "ISO-8601 UTC"),
        (HEADER + "M1,2025-01-15T18:00:00+01:00,1\n", 2, "interval_start", "ISO-8601 UTC"),
        (HEADER + "M1,2025-01-15 17:00:00Z,1\n", 2, "interval_start", "ISO-8601 UTC"),
        (HEADER + "M1,1736960400,1\n", 2, "interval_start", "ISO-8601 UTC"),
        (HEADER + "M1,2025-01-15T17:05:00Z,1\n", 2, "interval_start", "not aligned"),
        (HEADER + "M1,2025-01-15T17:00:30Z,1\n", 2, "interval_start", "not aligned"),
        (HEADER + "M1,2025-02-30T17:00:00Z,1\n", 2, "interval_start", "not a valid date"),
        (HEADER + "M1,2025-01-15T24:00:00Z,1\n", 2, "interval_start", "not a valid date"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1.5\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1.0\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,5e3\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,+5\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,5_000\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z, 5\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,-\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,\uff15\n", 2, "energy_wh", "integer"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1000000000001\n", 2, "energy_wh", "out of range"),
        (HEADER + "M1,2025-01-15T17:00:00Z,-1000000000001\n", 2, "energy_wh", "out of range"),
        (HEADER + "M1,2025-01-15T17:00:00Z,1\nM1,\"2025-01-15T17:15:00Z\"x,1\n", 3, None, "not valid CSV"),
    ],
)
def test_refuses_bad_input_naming_the_line(text, line, column, reason):
    with pytest.raises(MeterDataError) as caught:
        meterdata.parse_text(text)
    error = caught.value
    assert type(error) is MeterDataError and error.code == "invalid_meter_data"
    assert error.details["line"] == line
    assert error.details.get("column") == column
    assert reason in error.message
    if text:
        assert error.message.startswith(f"line {line}:")


def test_largest_allowed_magnitude_is_accepted():
    readings = meterdata.parse_text(HEADER + "M1,2025-01-15T17:00:00Z,-1000000000000\n")
    assert readings["M1"][W] == -(10**12)


def test_identical_duplicates_are_dropped_and_counted():
    text = HEADER + "M1,2025-01-15T17:00:00Z,300\nM2,2025-01-15T17:00:00Z,5\nM1,2025-01-15T17:00:00+00:00,300\n"
    readings = meterdata.parse_text(text)
    assert readings["M1"] == {W: 300}
    assert readings.rows == 3 and readings.duplicates == 1 and readings.count() == 2


def test_disagreeing_duplicates_are_refused_with_both_lines(tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(
        HEADER + "M1,2025-01-15T17:00:00Z,300\nM2,2025-01-15T17:00:00Z,5\nM1,2025-01-15T17:00:00Z,301\n"
    )
    with pytest.raises(ConflictingReadings) as caught:
        meterdata.parse_csv(path)
    error = caught.value
    assert error.code == "conflicting_readings"
    assert error.details == {
        "line": 4,
        "meter_id": "M1",
        "interval_start": W,
        "energy_wh": 301,
        "previous_energy_wh": 300,
        "previous_line": 2,
    }
    assert "line 4" in error.message and "(line 2)" in error.message and "300" in error.message


def test_disagreeing_duplicates_in_text_name_the_later_line():
    with pytest.raises(ConflictingReadings) as caught:
        meterdata.parse_text(HEADER + "M1,2025-01-15T17:00:00Z,0\nM1,2025-01-15T17:00:00Z,-1\n")
    assert caught.value.details["line"] == 3 and caught.value.details["previous_energy_wh"] == 0


def test_readings_add_keeps_the_same_duplicate_rules():
    readings = meterdata.MeterReadings()
    readings.add("M1", W, 5)
    readings.add("M1", W, 5)
    assert readings.rows == 2 and readings.duplicates == 1
    with pytest.raises(ConflictingReadings):
        readings.add("M1", W, 6)


def test_non_utf8_file_is_invalid_meter_data(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "Z\u00e4hler,2025-01-15T17:00:00Z,1\n").encode("latin-1"))
    with pytest.raises(MeterDataError, match="not UTF-8"):
        meterdata.parse_csv(path)


def test_write_csv_round_trips(tmp_path):
    series = {"B": {W + 900: -5, W: 7}, "A": {W: 1_000_000}}
    path = tmp_path / "out.csv"
    assert meterdata.write_csv(path, series) == 3
    assert path.read_text() == (
        HEADER + "A,2025-01-15T17:00:00Z,1000000\nB,2025-01-15T17:00:00Z,7\nB,2025-01-15T17:15:00Z,-5\n"
    )
    assert dict(meterdata.parse_csv(path)) == {"A": {W: 1_000_000}, "B": {W: 7, W + 900: -5}}


@pytest.mark.parametrize("start", [0, W, DAY + 86_400 * 365 * 30])
def test_interval_start_spelling_round_trips(start):
    assert meterdata.parse_interval_start(meterdata.format_interval_start(start)) == start
