"""``flexmarket chain | deploy | compile``: the local chain and the contracts on it."""

from __future__ import annotations

import json
import signal
import sys

import click

from marketplace.settings import load_settings


def progress(message: str) -> None:
    """Progress of a long step, on stderr so stdout stays machine-readable."""
    click.echo(f"flexmarket: {message}", err=True)


@click.command()
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default FLEX_CHAIN_PORT, 8545).")
@click.option("--fresh", is_flag=True, help="Start from an empty chain instead of the saved state.")
def chain(port: int | None, fresh: bool) -> None:
    """Run a local anvil chain (chain id 31337) in the foreground until Ctrl-C.

    Its state is kept in the instance folder, so deployed contracts survive a restart.
    """
    from marketplace.chain.errors import ChainError
    from marketplace.chain.node import AnvilNode

    settings = load_settings()
    node = AnvilNode(port or settings.chain_port, state_path=None if fresh else settings.chain_state_path)
    progress(f"starting anvil on {node.url} ...")
    try:
        node.start()
    except ChainError as exc:
        raise click.ClickException(exc.message) from exc
    progress(f"chain id 31337 ready at {node.url}; Ctrl-C stops it")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        progress("chain stopped")


@click.command()
@click.option("--rpc", "rpc_url", default=None, help="JSON-RPC endpoint (default FLEX_RPC_URL).")
@click.option("--force", is_flag=True, help="Deploy again even when the recorded deployment is live.")
def deploy(rpc_url: str | None, force: bool) -> None:
    """Deploy FlexToken and FlexMarket and record their addresses in the instance folder.

    Prints the deployment as JSON. The operator key comes from FLEX_OPERATOR_KEY or
    FLEX_OPERATOR_KEYFILE (on the local dev chain: dev account 0).
    """
    from marketplace.chain import deploy as deployment_module
    from marketplace.chain.client import Chain
    from marketplace.chain.keys import operator_account
    from marketplace.errors import MarketplaceError

    settings = load_settings(**({"rpc_url": rpc_url} if rpc_url else {}))
    try:
        chain_ = Chain.connect(settings.rpc_url, poll_latency=settings.poll_latency_s)
        operator = operator_account(settings, chain_.chain_id)
        if force:
            record = deployment_module.deploy(chain_, operator, progress)
            record.save(settings.deployment_path)
        else:
            record, _ = deployment_module.load_or_deploy(chain_, operator, settings.deployment_path, progress)
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    progress(f"recorded in {settings.deployment_path}")
    click.echo(json.dumps(record.to_json(), indent=2))


@click.command("compile")
@click.option("--check", is_flag=True, help="Only check that the committed artifacts match the sources.")
def compile_contracts(check: bool) -> None:
    """Compile contracts/ with the pinned npm solc into the package's artifacts."""
    from marketplace.chain import compile as compiler

    try:
        if check:
            progress("rebuilding to compare with the committed artifacts ...")
            problems = compiler.check_artifacts()
            if problems:
                raise click.ClickException("artifacts are stale: " + "; ".join(problems) + " (run `make compile`)")
            progress("artifacts match the sources")
            return
        progress(f"compiling with solc {compiler.SOLC_VERSION} (npm, WASM) ...")
        for path in compiler.write(compiler.compile_contracts()):
            progress(f"wrote {path.relative_to(compiler.REPO_ROOT)}")
    except compiler.CompileError as exc:
        raise click.ClickException(str(exc)) from exc
