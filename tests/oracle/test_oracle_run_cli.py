"""``flexmarket oracle run``: refuses clearly without a deployment or without the on-chain
role, and runs a round with ``--once`` (on a real anvil node)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marketplace.chain.client import Chain
from marketplace.chain.deploy import METER_ORACLE, deploy
from marketplace.chain.devkeys import DEV_ORACLE_INDEX, dev_account
from marketplace.chain.node import AnvilNode
from oracle.cli import oracle

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def node():
    with AnvilNode() as n:
        yield n


def _env(tmp_path, node) -> dict[str, str]:
    return {"FLEX_INSTANCE_PATH": str(tmp_path), "FLEX_RPC_URL": node.url, "FLEX_DATABASE_URL": ""}


def test_without_a_deployment_it_says_how_to_get_one(tmp_path, node):
    result = CliRunner().invoke(oracle, ["run", "--once"], env=_env(tmp_path, node))
    assert result.exit_code == 1 and "flexmarket deploy" in result.output


def test_without_the_role_it_refuses_then_runs_a_round_once_granted(tmp_path, node):
    chain = Chain.connect(node.url, poll_latency=0.005)
    operator = dev_account(0)
    deploy(chain, operator).save(tmp_path / "deployment.json")
    refused = CliRunner().invoke(oracle, ["run", "--once"], env=_env(tmp_path, node))
    assert refused.exit_code == 1 and "does not hold the METER_ORACLE role" in refused.output

    deployment_market = json.loads((tmp_path / "deployment.json").read_text())["market"]
    market = chain.contract("FlexMarket", deployment_market)
    chain.transact(market.functions.grantRole(dev_account(DEV_ORACLE_INDEX).address, METER_ORACLE), operator)
    result = CliRunner().invoke(oracle, ["run", "--once"], env=_env(tmp_path, node))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {"activations_judged": 0, "attested": [], "pending": {}, "signed": [], "expired": [],
                      "failed": {}}
    assert (tmp_path / "flexmarket.sqlite").is_file()  # the market database, migrated
