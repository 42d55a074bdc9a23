"""``flexmarket bench ...``: benchmarks that measure and print JSON (reports, not tests)."""

from __future__ import annotations

import click

from marketplace.cli import LazyGroup

#: name -> "module:attribute" of a benchmark command.
BENCHMARKS: dict[str, str] = {
    "api": "marketplace.bench.api:api",
    "clearing": "marketplace.bench.clearing:clearing",
    "gas": "marketplace.bench.gas:gas",
    "market": "marketplace.bench.market:market",
    "oracle": "marketplace.bench.oracle:oracle",
}


@click.group(cls=LazyGroup, lazy=BENCHMARKS)
def bench() -> None:
    """Measure FlexMarket's speed and cost; every benchmark prints its figures as JSON."""
