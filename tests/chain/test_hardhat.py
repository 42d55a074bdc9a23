"""Hardhat users get the same contracts: `npx hardhat node` serves a FlexMarket deployment."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from marketplace.chain import devkeys
from marketplace.chain.client import Chain
from marketplace.chain.compile import REPO_ROOT
from marketplace.chain.deploy import DSO, deploy
from marketplace.chain.market import MarketClient
from marketplace.chain.node import free_port, rpc_answers
from tests.helpers import EUR, make_request

pytestmark = [pytest.mark.hardhat, pytest.mark.slow]

HARDHAT_VERSION = "2.29.1"  # the version README and hardhat.config.js name


def _ensure_hardhat() -> None:
    manifest = REPO_ROOT / "node_modules" / "hardhat" / "package.json"
    if manifest.is_file() and json.loads(manifest.read_text())["version"] == HARDHAT_VERSION:
        return
    # The one command the README documents for adding Hardhat.
    subprocess.run(
        ["npm", "install", "--no-save", "--no-audit", "--no-fund", f"hardhat@{HARDHAT_VERSION}"],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=600,
    )


@pytest.fixture(scope="module")
def hardhat_url():
    _ensure_hardhat()
    port = free_port()
    node = subprocess.Popen(
        [shutil.which("npx"), "hardhat", "node", "--hostname", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not rpc_answers(url):
            assert node.poll() is None, "hardhat node exited at start"
            assert time.monotonic() < deadline, "hardhat node did not answer in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        node.terminate()
        node.wait(timeout=20)


def test_hardhat_node_serves_a_working_flexmarket_deployment(hardhat_url):
    chain = Chain.connect(hardhat_url)
    assert chain.chain_id == 31337
    operator, dso = devkeys.dev_account(0), devkeys.dev_account(1)
    client = MarketClient(chain, deploy(chain, operator))
    client.grant_role(operator, dso.address, DSO)
    client.mint(operator, dso.address, 100 * EUR)
    client.approve(dso, 100 * EUR)
    terms = make_request(client, dso, quantity_wh=100_000, cap=200 * EUR)
    request_id = client.create_request(dso, terms)
    client.cancel_request(dso, request_id, terms)
    assert client.credit_of(dso.address) == terms.escrow == 20 * EUR
