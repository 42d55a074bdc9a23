"""``flexmarket clear``: clear an order book file and write the result file (and a plot)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from marketplace.clearing.engine import DEFAULT_TIME_LIMIT_S, clear_book
from marketplace.clearing.errors import ClearingError

#: Exit status for an input that cannot be cleared (bad JSON, invalid book, no market).
EXIT_INVALID = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_INVALID)


@click.command("clear")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Order book JSON.")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Result JSON to write.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the merit-order curves as PNG.")
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIME_LIMIT_S,
    show_default=True,
    help="Seconds the MILP solver may use; when it stops early the result is marked not optimal.",
)
def clear(input_path: Path, output_path: Path, plot_path: Path | None, time_limit_s) -> None:
    """Clear the order book INPUT and write the result (format: docs/clearing-format.md).

    Exits 0 on success and 2, with a one-line message, when the input cannot be read, is
    not valid JSON or not a valid book, or when the traffic light holds no market.
    """
    try:
        text = input_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {input_path}: {exc}")
    try:
        book = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{input_path} is not valid JSON: {exc}")
    try:
        result = clear_book(book, time_limit_s=time_limit_s)
    except ClearingError as exc:
        _fail(f"{exc.code.replace('_', ' ')}: {exc.message}")
    try:
        output_path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
        if plot_path is not None:
            from marketplace.clearing.plot import plot_result

            plot_result(result, plot_path)
    except OSError as exc:
        raise click.ClickException(f"cannot write the result: {exc}") from exc
    click.echo(
        f"auction {result.auction_id}: {len(result.accepted)} accepted lines, {len(result.rejected)} rejected bids, "
        f"welfare {result.welfare}, total cost {result.total_cost}, "
        f"{'optimal' if result.optimal else f'not proven optimal (gap {result.solver.gap})'}"
    )
