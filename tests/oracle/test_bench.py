"""The oracle benchmark's pure part, at a small size (the full size is a report, not a test)."""

from __future__ import annotations

from oracle import bench


def test_measure_reports_parse_and_verify_times_for_every_agreement():
    figures = bench.measure(meters=300, agreements=40, meters_per_agreement=10)
    assert figures["rows"] == 300 * 96 and figures["intervals"] == 96
    assert figures["agreements"] == figures["verdicts"] == 40
    assert figures["parse_s"] >= 0 and figures["verify_s"] >= 0


def test_fleet_of_has_exactly_the_requested_meters():
    assert sum(bench.fleet_of(10_000).values()) == 10_000
    assert sum(bench.fleet_of(7).values()) == 7


def test_bench_agreements_cover_distinct_meters_and_alternate_directions():
    ids = [f"M{i}" for i in range(25)]
    terms = bench.bench_agreements(ids, 3, 10)
    assert [t.meter_ids for t in terms][:2] == [tuple(ids[:10]), tuple(ids[10:20])]
    assert terms[2].meter_ids == tuple(ids[20:] + ids[:5])
    assert [t.direction for t in terms] == ["up", "down", "up"]
