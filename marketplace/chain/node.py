"""A local anvil node as a child process: FlexMarket's dev chain.

The binary comes from the npm package ``@foundry-rs/anvil-linux-amd64`` (``npm ci`` puts it in
``node_modules/.bin/anvil``); ``FLEX_ANVIL_BIN`` or ``anvil`` on PATH also work. The node
listens on 127.0.0.1 only, uses chain id 31337, the Cancun rules the contracts are compiled
for, and funds the dev accounts of :mod:`marketplace.chain.devkeys`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

from marketplace.chain import devkeys
from marketplace.chain.errors import ChainUnavailable

REPO_ROOT = Path(__file__).resolve().parents[2]
HARDFORK = "cancun"


def find_anvil() -> str:
    """Path of the anvil binary; raises :class:`ChainUnavailable` with a hint when absent."""
    candidates = [os.environ.get("FLEX_ANVIL_BIN"), str(REPO_ROOT / "node_modules" / ".bin" / "anvil")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return on_path
    raise ChainUnavailable("the anvil node is not installed; run `npm ci` (or `make run`) in the FlexMarket folder")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rpc_answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a JSON-RPC node answers ``eth_chainId`` at ``url``."""
    try:
        reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=timeout)
        return reply.ok and "result" in reply.json()
    except (requests.RequestException, ValueError):
        return False


class AnvilNode:
    """An anvil child process on 127.0.0.1:``port``.

    ``state_path``, when given, is loaded at start and written on stop (and every
    ``state_interval_s`` seconds), so contracts deployed once survive restarts.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        state_path: Path | None = None,
        state_interval_s: int = 30,
        block_time_s: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.state_path = state_path
        self.state_interval_s = state_interval_s
        self.block_time_s = block_time_s
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            find_anvil(),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(devkeys.DEV_CHAIN_ID),
            "--hardfork", HARDFORK,
            "--mnemonic", devkeys.DEV_CHAIN_MNEMONIC,
            "--accounts", str(devkeys.DEV_ACCOUNT_COUNT),
            "--silent",
        ]  # fmt: skip
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            cmd += ["--state", str(self.state_path), "--state-interval", str(self.state_interval_s)]
        if self.block_time_s:
            cmd += ["--block-time", str(self.block_time_s)]
        return cmd

    def start(self, timeout_s: float = 15.0) -> AnvilNode:
        """Start the node and wait until it answers JSON-RPC."""
        if rpc_answers(self.url):
            raise ChainUnavailable(f"port {self.port} already serves a chain node; stop it or choose another port")
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a terminal's Ctrl-C reaches us; we stop the node cleanly
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise ChainUnavailable(f"anvil exited at start (code {self.process.returncode}): {err.strip()}")
            if rpc_answers(self.url):
                return self
            time.sleep(0.02)
        self.stop()
        raise ChainUnavailable(f"anvil did not answer on {self.url} within {timeout_s} s")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the node (SIGTERM, so it writes its state), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
