"""``flexmarket run``: the whole market on embedded defaults, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading

import click

from marketplace.cli.chain import progress
from marketplace.settings import load_settings


@click.command()
@click.option("--rpc", "rpc_url", default=None, help="Use this chain instead of starting a local anvil node.")
def run(rpc_url: str | None) -> None:
    """Run FlexMarket: a local anvil chain, the contracts, the database, the web server
    (UI and market service API), the market scheduler, the chain event indexer and the meter
    oracle (with simulated meters on the local dev chain).

    On first start the contracts are deployed and their addresses saved in the instance
    folder; later starts reuse them (the chain state is saved too). The database is migrated
    at every start, and the market operator's admin user (wallet: FLEX_OPERATOR_ADMIN, else
    the operator key's address) created when missing. Ctrl-C stops every process it started.
    """
    import waitress

    from marketplace.app import create_app
    from marketplace.cli.api import prepare_database
    from marketplace.chain.client import Chain
    from marketplace.chain.deploy import load_or_deploy
    from marketplace.chain.keys import operator_account
    from marketplace.chain.node import AnvilNode
    from marketplace.errors import MarketplaceError

    settings = load_settings()
    node = None
    workers = None
    oracle_threads = None
    stopping = threading.Event()

    def stop(*_: object) -> None:
        # The first Ctrl-C or SIGTERM stops everything; repeats are ignored meanwhile.
        if stopping.is_set():
            return
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if rpc_url:
            settings = load_settings(rpc_url=rpc_url)
        else:
            node = AnvilNode(settings.chain_port, state_path=settings.chain_state_path)
            progress(f"starting the local chain (anvil) on {node.url} ...")
            node.start()
            settings = load_settings(rpc_url=node.url)
        chain = Chain.connect(settings.rpc_url, poll_latency=settings.poll_latency_s)
        deployment, fresh = load_or_deploy(
            chain, operator_account(settings, chain.chain_id), settings.deployment_path, progress
        )
        progress(f"contracts {'deployed' if fresh else 'in place'}: market {deployment.market}, token {deployment.token}")
        operator = operator_account(settings, chain.chain_id)
        prepare_database(settings, settings.operator_admin or operator.address)
        app = create_app(settings=settings)
        from marketplace.market.workers import Workers

        workers = Workers(app.extensions["flexmarket.market"]).start()
        progress("market scheduler and chain event indexer running")
        oracle_threads = _start_oracle(settings, chain, deployment, operator,
                                       app.extensions["flexmarket.market"].database, dev_chain=node is not None)
        server = waitress.create_server(app, host=settings.host, port=settings.port, threads=settings.threads)
        if node is not None:
            _watch(node, stopping)
        progress(f"FlexMarket is running on http://{settings.host}:{settings.port} "
                 f"(API: /api/v1, docs: /api/v1/docs) — Ctrl-C stops it")
        server.run()
    except KeyboardInterrupt:
        progress("stopping ...")
    except MarketplaceError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        if oracle_threads is not None:
            oracle_threads.stop()
        if workers is not None:
            workers.stop()
        if node is not None:
            node.stop()
        progress("stopped")


def _start_oracle(settings, chain, deployment, operator, database, *, dev_chain: bool):
    """The meter oracle worker (and the simulated meters on the local dev chain), or None
    when the oracle key lacks the METER_ORACLE role on a chain this command did not start."""
    from marketplace.chain.deploy import METER_ORACLE
    from marketplace.chain.keys import oracle_account
    from marketplace.chain.market import MarketClient
    from oracle.service import OracleThreads, holds_oracle_role

    oracle = oracle_account(settings, chain.chain_id)
    if not holds_oracle_role(chain, deployment, oracle.address):
        if not dev_chain:
            progress(f"meter oracle not started: {oracle.address} lacks the METER_ORACLE role on chain")
            return None
        MarketClient(chain, deployment).grant_role(operator, oracle.address, METER_ORACLE)
    threads = OracleThreads(database, settings.rpc_url, deployment, oracle,
                            poll_latency_s=settings.poll_latency_s, interval_s=settings.oracle_interval_s,
                            simulate=dev_chain).start()
    progress(f"meter oracle {oracle.address} running" + (" with simulated meters" if dev_chain else ""))
    return threads


def _watch(node, stopping: threading.Event) -> None:
    """Stop everything when the chain node dies unexpectedly, so nothing runs half-alive."""

    def watch() -> None:
        node.process.wait()
        if not stopping.is_set():
            progress(f"the chain node exited (code {node.process.returncode}); shutting down")
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="chain-watch", daemon=True).start()
