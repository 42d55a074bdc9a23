"""Deployment records, the ``flexmarket`` chain commands and ``flexmarket run`` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from marketplace.chain import devkeys
from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment, load_or_deploy
from marketplace.chain.node import AnvilNode, free_port, rpc_answers
from marketplace.cli import main

pytestmark = pytest.mark.anvil
FLEXMARKET = str(Path(sys.executable).with_name("flexmarket"))


def test_load_or_deploy_reuses_a_live_deployment_and_redeploys_a_lost_one(tmp_path):
    record = tmp_path / "deployment.json"
    operator = devkeys.dev_account(0)
    with AnvilNode() as node:
        chain = Chain.connect(node.url)
        first, fresh = load_or_deploy(chain, operator, record)
        assert fresh and Deployment.load(record) == first and chain.has_code(first.market)
        again, fresh = load_or_deploy(chain, operator, record)
        assert not fresh and again == first
    with AnvilNode() as node:  # a new, empty chain: the recorded contracts are gone
        lost, fresh = load_or_deploy(Chain.connect(node.url), operator, record)
        assert fresh and Chain.connect(node.url).has_code(lost.market)


def test_deploy_command_prints_and_records_the_deployment(tmp_path, anvil_node, monkeypatch):
    monkeypatch.setenv("FLEX_INSTANCE_PATH", str(tmp_path))
    result = CliRunner(mix_stderr=False).invoke(main, ["deploy", "--rpc", anvil_node.url])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["registry"] == printed["market"]
    assert Deployment.load(tmp_path / "deployment.json").market == printed["market"]


def test_deploy_command_without_a_node_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("FLEX_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["deploy", "--rpc", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1 and "no chain node answers" in result.output


def test_deploy_on_a_foreign_chain_needs_a_configured_key(tmp_path, monkeypatch):
    # The embedded chain's id is not the dev chain's, so no dev key is used silently.
    chain = Chain.embedded()
    from marketplace.chain.keys import KeyNotConfigured, operator_account
    from marketplace.settings import Settings

    with pytest.raises(KeyNotConfigured, match="FLEX_OPERATOR_KEY"):
        operator_account(Settings(instance_path=tmp_path), chain.chain_id)
    keyfile = tmp_path / "operator.key"
    keyfile.write_text(devkeys.dev_account(7).key.hex() + "\n")
    assert operator_account(Settings(instance_path=tmp_path, operator_keyfile=keyfile), chain.chain_id).address == (
        devkeys.dev_account(7).address
    )


def _wait_for(url: str, timeout: float = 30.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}")


def _start_run(instance: Path, port: int, chain_port: int) -> subprocess.Popen:
    env = dict(os.environ, FLEX_INSTANCE_PATH=str(instance), FLEX_PORT=str(port), FLEX_CHAIN_PORT=str(chain_port))
    return subprocess.Popen([FLEXMARKET, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    output, _ = process.communicate(timeout=30)
    return output


@pytest.mark.slow
def test_run_serves_status_stops_cleanly_and_reuses_the_deployment(tmp_path):
    port, chain_port = free_port(), free_port()
    process = _start_run(tmp_path, port, chain_port)
    try:
        status = _wait_for(f"http://127.0.0.1:{port}/status.json").json()
        page = requests.get(f"http://127.0.0.1:{port}/status", timeout=5).text
        health = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()
        operators = requests.get(f"http://127.0.0.1:{port}/api/v1/participants?role=market_operator", timeout=5).json()
        from marketplace.chain.client import Chain
        from marketplace.chain.deploy import METER_ORACLE
        from marketplace.chain.devkeys import DEV_ORACLE_INDEX, dev_account

        chain = Chain.connect(f"http://127.0.0.1:{chain_port}")
        market_contract = chain.contract("FlexMarket", status["contracts"]["FlexMarket"])
        oracle_address = dev_account(DEV_ORACLE_INDEX).address
        assert chain.call(market_contract.functions.hasRole(oracle_address, METER_ORACLE))
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    assert f"meter oracle {oracle_address} running with simulated meters" in output
    assert status["chain"]["chain_id"] == 31337 and status["chain"]["block"] >= 2
    market = status["contracts"]["FlexMarket"]
    assert market in page and status["contracts"]["FlexToken"] in page
    assert health == {"status": "ok"} and len(operators["items"]) == 1  # the API is served, its database migrated
    assert (tmp_path / "flexmarket.sqlite").is_file() and "market operator created" in output
    assert not rpc_answers(f"http://127.0.0.1:{chain_port}"), "the anvil child outlived Ctrl-C"
    assert (tmp_path / "anvil-state.json").is_file()

    process = _start_run(tmp_path, port, chain_port)
    try:
        again = _wait_for(f"http://127.0.0.1:{port}/status.json").json()
    finally:
        output = _stop(process)
    assert again["contracts"]["FlexMarket"] == market
    assert "reusing the deployment" in output


def test_status_json_reports_an_unreachable_chain_with_503(tmp_path, monkeypatch):
    from marketplace.app import create_app
    from marketplace.settings import Settings

    app = create_app(settings=Settings(instance_path=tmp_path, rpc_url=f"http://127.0.0.1:{free_port()}"))
    reply = app.test_client().get("/status.json")
    assert reply.status_code == 503
    assert reply.json["chain"]["reachable"] is False and reply.json["contracts"] == {}
