"""The market service's database: engines, sessions, and migrations.

One :class:`Database` per Flask app (``app.extensions["flexmarket.db"]``), bound with
:meth:`Database.init_app`. Each request gets one session (:func:`session`), closed at the end
of the request. The schema comes only from the Alembic migrations packaged in
``marketplace/migrations`` (:func:`upgrade`), on SQLite (the default, a file in the instance
folder) and on PostgreSQL (``FLEX_DATABASE_URL=postgresql+psycopg://...``).

SQLite specifics: foreign keys on, WAL journal, a busy timeout, and transactions begun
explicitly by SQLAlchemy (the documented pysqlite recipe) so that savepoints and
transactional DDL work. Requests that write begin with ``BEGIN IMMEDIATE``: two writers then
queue on the busy timeout instead of one failing with "database is locked" when it upgrades
a read transaction to a write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

#: Constraint names that are the same on every backend, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Seconds a SQLite connection waits for a lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30


class Base(DeclarativeBase):
    """Declarative base of every FlexMarket table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_engine(url: str, *, immediate: bool, **kwargs: Any) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        if ":memory:" not in url and url != "sqlite://":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str, *, for_writes: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url`` with FlexMarket's per-backend settings.

    ``for_writes`` matters for SQLite only: its transactions take the write lock at BEGIN.
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=for_writes, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Engines and a session factory for one database.

    ``connection`` (tests only) binds every session to one open connection inside an
    outer transaction; sessions then commit to savepoints, and the test rolls it all back.
    """

    def __init__(self, url: str, *, connection: Connection | None = None) -> None:
        self.url = url
        self._connection = connection
        if connection is not None:
            self._read = self._write = None
            self._factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
            self._write_factory = self._factory
        else:
            self._read = make_engine(url)
            self._write = make_engine(url, for_writes=True) if url.startswith("sqlite") else self._read
            self._factory = sessionmaker(bind=self._read, expire_on_commit=False)
            self._write_factory = sessionmaker(bind=self._write, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def new_session(self, *, writes: bool = True) -> Session:
        """A new session; ``writes=False`` begins read-only work without the SQLite write lock."""
        return (self._write_factory if writes else self._factory)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on an exception."""
        with self.new_session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        for engine in {self._read, self._write} - {None}:
            engine.dispose()

    # -------------------------------------------------------------- Flask binding
    def init_app(self, app: Flask) -> None:
        app.extensions["flexmarket.db"] = self

        @app.teardown_appcontext
        def _close(_exc: BaseException | None) -> None:
            s = g.pop("flexmarket_session", None)
            if s is not None:
                s.close()


def database() -> Database:
    """The current app's :class:`Database`."""
    return current_app.extensions["flexmarket.db"]


def session(*, writes: bool | None = None) -> Session:
    """The request's session (created on first use).

    Whether it may write is decided by the route (see ``marketplace.api.registry``): the
    view marks ``g.flexmarket_writes`` before the first database access.
    """
    s = g.get("flexmarket_session")
    if s is None:
        if writes is None:
            writes = bool(g.get("flexmarket_writes", True))
        s = database().new_session(writes=writes)
        g.flexmarket_session = s
    return s


# ------------------------------------------------------------------ migrations
def alembic_config(url: str, connection: Connection | None = None):
    """The Alembic configuration of the packaged migrations for ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "marketplace:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head", *, connection: Connection | None = None) -> None:
    """Migrate the database at ``url`` (or through ``connection``) to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url, connection), revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
