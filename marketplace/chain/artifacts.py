"""Load the compiled contract artifacts shipped inside the package (no Node at run time)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
BUILD_INFO = "build-info.json"


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its ABI and creation/runtime bytecode (0x-prefixed hex)."""

    name: str
    abi: list[dict]
    bytecode: str
    deployed_bytecode: str


@cache
def load(name: str) -> Artifact:
    """The artifact of contract ``name`` (e.g. ``"FlexMarket"``)."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no compiled artifact for contract {name!r} in {ARTIFACTS_DIR}")
    doc = json.loads(path.read_text(encoding="utf-8"))
    return Artifact(name=name, abi=doc["abi"], bytecode=doc["bytecode"], deployed_bytecode=doc["deployedBytecode"])


@cache
def names() -> tuple[str, ...]:
    """Names of all shipped contract artifacts."""
    return tuple(sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json") if p.name != BUILD_INFO))


def build_info() -> dict:
    """Compiler, settings and source hashes of the shipped build."""
    return json.loads((ARTIFACTS_DIR / BUILD_INFO).read_text(encoding="utf-8"))
