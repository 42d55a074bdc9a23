"""The clearing benchmark runs end to end on small sizes and reports every figure."""

from marketplace.bench.clearing import indivisible_book, measure, multi_interval_book


def test_benchmark_reports_every_figure_on_small_books():
    figures = measure(repeat=1, divisible_n=20_000, indivisible_n=60, multi=(8, 300))
    assert figures["divisible_20000_s"] > 0 and figures["argsort_20000_s"] > 0
    assert figures["divisible_vs_argsort"] > 0 and figures["divisible_exact"] is True
    assert figures["indivisible_60_optimal"] is True
    assert figures["multi_interval_8x300_optimal"] is True and figures["multi_interval_8x300_gap"] == 0


def test_benchmark_books_have_the_stated_shape():
    book = multi_interval_book(200, 96, seed=3)
    lengths = [len(b["intervals"]) for b in book["bids"]]
    assert len(book["demands"][0]["intervals"]) == 96 and 1 <= min(lengths) and max(lengths) <= 8
    assert any(not b["divisible"] for b in book["bids"]) and any(b["divisible"] for b in book["bids"])
    assert all(not b["divisible"] for b in indivisible_book(10, seed=2)["bids"])
