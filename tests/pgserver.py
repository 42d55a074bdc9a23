"""A throw-away PostgreSQL server for the test session: Debian's binaries, a temp data folder,
a free loopback port, no systemd.

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` user (which
the Debian package creates) through ``runuser``, with the data folder owned by that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from marketplace.chain.node import free_port


class PostgresUnavailable(RuntimeError):
    pass


def find_bin(name: str) -> str:
    """A PostgreSQL server binary: Debian's versioned folder first, then PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise PostgresUnavailable(
        f"PostgreSQL's {name} is not installed; `make test` installs it (Debian package `postgresql`)"
    )


class PostgresServer:
    """``start()`` initialises a cluster and starts it; ``stop()`` stops it and deletes it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="flexmarket-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.as_postgres = os.geteuid() == 0
        self.user = "postgres"

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        if self.as_postgres:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> PostgresServer:
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        self.socket_dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        done = self._run(initdb, "-D", str(self.data), "-U", self.user, "--auth=trust", "--encoding=UTF8",
                         "--locale=C.UTF-8", "--no-sync")
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        done = self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
                         "-w", "-t", "60", "start")
        if done.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip()} {log[-2000:]}")
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return self

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(find_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
