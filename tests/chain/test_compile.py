"""The committed contract artifacts are exactly what the pinned compiler builds from source."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from marketplace.chain import artifacts
from marketplace.chain import compile as compiler

pytestmark = pytest.mark.slow


def test_committed_artifacts_match_a_fresh_build():
    assert compiler.check_artifacts() == []


def test_build_info_records_the_pinned_compiler_and_settings():
    info = artifacts.build_info()
    assert info["compiler"] == compiler.SOLC_VERSION
    assert info["settings"]["evmVersion"] == "cancun" and info["settings"]["viaIR"] is True
    assert info["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    assert "@openzeppelin/contracts/token/ERC20/ERC20.sol" in info["sources"]
    assert info["inputHash"] == compiler.input_hash(compiler.standard_input())


def test_package_json_pins_the_same_solc():
    package = json.loads((compiler.REPO_ROOT / "package.json").read_text())
    assert package["dependencies"]["solc"] == compiler.SOLC_VERSION


def test_a_changed_source_makes_the_artifacts_stale(tmp_path):
    compiler.write(compiler.compile_contracts(), tmp_path)
    doc = json.loads((tmp_path / "FlexToken.json").read_text())
    doc["bytecode"] = doc["bytecode"][:-2] + "00"
    (tmp_path / "FlexToken.json").write_text(json.dumps(doc))
    (tmp_path / "Obsolete.json").write_text("{}")
    problems = compiler.check_artifacts(tmp_path)
    assert "FlexToken.json: differs from a rebuild of the sources" in problems
    assert "Obsolete.json: no longer built from the sources" in problems


def _native_solc() -> str | None:
    path = shutil.which("solc")
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    return path if f"Version: {compiler.SOLC_VERSION}+" in out else None


@pytest.mark.skipif(
    _native_solc() is None,
    reason=f"no native solc {compiler.SOLC_VERSION} on PATH (none can be downloaded here); "
    "the npm WASM build is the compiler of record",
)
def test_native_solc_of_the_pinned_version_gives_identical_bytecode():
    document = compiler.standard_input()
    done = subprocess.run([_native_solc(), "--standard-json"], input=json.dumps(document), capture_output=True, text=True)
    native = compiler.build(document, json.loads(done.stdout), compiler.SOLC_VERSION)
    assert native.files == compiler.compile_contracts().files
