"""The ``flexmarket`` command line.

Subcommands are imported only when used, so ``flexmarket --help`` stays quick and a
command's heavy imports (web3, numpy, Flask) load only for the command that needs them.
Each part of FlexMarket registers its commands in ``COMMANDS`` (and benchmarks in
``marketplace.cli.bench.BENCHMARKS``).
"""

from __future__ import annotations

import importlib

import click

#: name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "api": "marketplace.cli.api:api",
    "bench": "marketplace.cli.bench:bench",
    "chain": "marketplace.cli.chain:chain",
    "clear": "marketplace.clearing.cli:clear",
    "close-gate": "marketplace.cli.market:close_gate",
    "compile": "marketplace.cli.chain:compile_contracts",
    "demo": "marketplace.market.demo:demo",
    "deploy": "marketplace.cli.chain:deploy",
    "indexer": "marketplace.cli.market:indexer",
    "oracle": "oracle.cli:oracle",
    "reconcile": "marketplace.cli.market:reconcile",
    "run": "marketplace.cli.run:run",
    "scheduler": "marketplace.cli.market:scheduler",
}


def load_command(target: str) -> click.Command:
    """Import the click command named by ``"module:attribute"``."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            return load_command(self.lazy[cmd_name])
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(package_name="flexmarket")
def main() -> None:
    """FlexMarket: a blockchain-settled local flexibility market."""
