"""The committed contract artifacts are exactly what the pinned compiler builds from source."""

from __future__ import annotations

import json
import shutil

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


def _pinned_native_solc() -> bool:
    """Whether py-solc-x knows a native solc of the pinned version (installed, or on PATH)."""
    import solcx

    if shutil.which("solc"):
        solcx.import_installed_solc()
    return compiler.SOLC_VERSION in {str(v) for v in solcx.get_installed_solc_versions()}


@pytest.mark.skipif(
    not _pinned_native_solc(),
    reason=f"no native solc {compiler.SOLC_VERSION} installed for py-solc-x (it cannot download one here); "
    "the npm WASM build is the compiler of record",
)
def test_native_solc_of_the_pinned_version_gives_identical_bytecode():
    import solcx

    document = compiler.standard_input()
    output = solcx.compile_standard(document, solc_version=compiler.SOLC_VERSION)
    native = compiler.build(document, output, compiler.SOLC_VERSION)
    assert native.files == compiler.compile_contracts().files
