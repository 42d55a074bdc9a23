"""Compile FlexMarket's Solidity sources into the artifacts the package ships.

The input is a solc standard-JSON document built here: every ``contracts/**/*.sol`` file
plus every file it imports (OpenZeppelin from ``node_modules``), resolved in Python, so the
compiler needs no import callback or remapping and any solc of the pinned version — the npm
WASM build through ``scripts/solc-compile.js``, or a native binary — sees the identical input.

Artifacts go to ``marketplace/chain/artifacts``: one JSON file per deployable contract (ABI,
creation and runtime bytecode) and ``build-info.json`` (compiler, settings, source hashes).
They are committed so the services need no Node at run time; ``check_artifacts`` rebuilds
into a temporary folder and reports every difference.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from marketplace.chain.artifacts import ARTIFACTS_DIR, BUILD_INFO

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = REPO_ROOT / "node_modules"
COMPILE_SCRIPT = REPO_ROOT / "scripts" / "solc-compile.js"

#: The pinned compiler, the same as package.json's ``solc`` (checked when compiling).
SOLC_VERSION = "0.8.37"

SETTINGS: dict = {
    "optimizer": {"enabled": True, "runs": 200},
    "viaIR": True,
    "evmVersion": "cancun",
    "outputSelection": {},
}
OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]

_IMPORT = re.compile(r"""^\s*import\s+(?:[^;]*?\s+from\s+)?["']([^"']+)["']\s*;""", re.MULTILINE)


class CompileError(RuntimeError):
    """The compiler could not run or reported errors; the message holds its diagnostics."""


@dataclass(frozen=True)
class Build:
    """A compiled build: the artifact documents by file name, ready to be written."""

    files: dict[str, str]


def _read_unit(unit: str) -> str:
    if unit.startswith("contracts/"):
        path = REPO_ROOT / unit
    elif unit.startswith("@"):
        path = NODE_MODULES / unit
    else:
        raise CompileError(f"import {unit!r} is neither under contracts/ nor an npm package")
    if not path.is_file():
        hint = " (run `npm ci`)" if unit.startswith("@") else ""
        raise CompileError(f"source {unit!r} not found at {path}{hint}")
    return path.read_text(encoding="utf-8")


def collect_sources() -> dict[str, str]:
    """Every source unit the build needs, by solc source unit name, sorted."""
    pending = sorted(p.relative_to(REPO_ROOT).as_posix() for p in CONTRACTS_DIR.rglob("*.sol"))
    if not pending:
        raise CompileError(f"no Solidity sources under {CONTRACTS_DIR}")
    sources: dict[str, str] = {}
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        text = _read_unit(unit)
        sources[unit] = text
        for target in _IMPORT.findall(text):
            if target.startswith("."):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(unit), target))
            if target not in sources:
                pending.append(target)
    return dict(sorted(sources.items()))


def standard_input(sources: dict[str, str] | None = None) -> dict:
    """The solc standard-JSON input for FlexMarket's contracts."""
    sources = collect_sources() if sources is None else sources
    own = [unit for unit in sources if unit.startswith("contracts/")]
    settings = dict(SETTINGS, outputSelection={unit: {"*": OUTPUTS} for unit in own})
    return {
        "language": "Solidity",
        "sources": {unit: {"content": text} for unit, text in sources.items()},
        "settings": settings,
    }


def _canonical(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def input_hash(document: dict) -> str:
    """sha256 of the canonical standard-JSON input: changes with any source or setting."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def run_npm_solc(document: dict) -> dict:
    """Compile with the npm solc (WASM) through the Node bridge script."""
    node = shutil.which("node")
    if node is None:
        raise CompileError("Node.js (>= 20) is needed to compile the contracts; install it and run `npm ci`")
    version = subprocess.run(
        [node, str(COMPILE_SCRIPT), "--version"], capture_output=True, text=True, cwd=REPO_ROOT
    )
    if version.returncode != 0:
        raise CompileError(f"the npm solc did not start (run `npm ci`): {version.stderr.strip()}")
    if not version.stdout.startswith(SOLC_VERSION + "+"):
        raise CompileError(f"npm solc is {version.stdout.strip()}, FlexMarket pins {SOLC_VERSION}; run `npm ci`")
    done = subprocess.run(
        [node, str(COMPILE_SCRIPT)],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    if done.returncode != 0:
        raise CompileError(f"solc failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def build(document: dict, output: dict, compiler: str) -> Build:
    """Turn a standard-JSON output into artifact documents; raises on compiler errors."""
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    digest = input_hash(document)
    files: dict[str, str] = {}
    for unit, contracts in sorted(output.get("contracts", {}).items()):
        for name, result in sorted(contracts.items()):
            bytecode = result["evm"]["bytecode"]["object"]
            if not bytecode or not result["abi"]:
                continue  # interfaces, abstract contracts and internal-only libraries
            if f"{name}.json" in files:
                raise CompileError(f"two contracts named {name}; artifact names must be unique")
            files[f"{name}.json"] = _canonical(
                {
                    "contractName": name,
                    "sourceName": unit,
                    "compiler": compiler,
                    "inputHash": digest,
                    "abi": result["abi"],
                    "bytecode": "0x" + bytecode,
                    "deployedBytecode": "0x" + result["evm"]["deployedBytecode"]["object"],
                }
            )
    files[BUILD_INFO] = _canonical(
        {
            "compiler": compiler,
            "settings": {k: v for k, v in document["settings"].items() if k != "outputSelection"},
            "inputHash": digest,
            "sources": {
                unit: {"keccak256": "0x" + keccak(text=src["content"]).hex()}
                for unit, src in document["sources"].items()
            },
        }
    )
    return Build(files)


def compile_contracts() -> Build:
    """Compile the current sources with the npm solc."""
    document = standard_input()
    return build(document, run_npm_solc(document), SOLC_VERSION)


def write(build_: Build, directory: Path = ARTIFACTS_DIR) -> list[Path]:
    """Write a build's artifacts into ``directory``, removing artifacts no longer built."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json"):
        if old.name not in build_.files:
            old.unlink()
    written = []
    for name, text in build_.files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_artifacts(directory: Path = ARTIFACTS_DIR) -> list[str]:
    """Rebuild from source and list how the artifacts in ``directory`` differ (empty: fresh)."""
    fresh = compile_contracts()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        write(fresh, Path(tmp))
        for name in sorted(fresh.files):
            committed = directory / name
            if not committed.exists():
                problems.append(f"{name}: missing")
            elif committed.read_text(encoding="utf-8") != fresh.files[name]:
                problems.append(f"{name}: differs from a rebuild of the sources")
    for extra in sorted(p.name for p in directory.glob("*.json") if p.name not in fresh.files):
        problems.append(f"{extra}: no longer built from the sources")
    return problems
