"""The schema comes from the migrations: they build exactly the models' schema, on SQLite and
PostgreSQL, and go down and up again cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from marketplace import db
from marketplace.db import Base

import marketplace.models  # noqa: F401  (every table on the metadata)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database(f"fresh_{tmp_path.name[-20:]}".lower())


def _diff(url: str) -> list:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema(fresh_url):
    assert db.current_revision(fresh_url) is None
    db.upgrade(fresh_url)
    assert db.current_revision(fresh_url) == _head(fresh_url)
    assert _diff(fresh_url) == []


def test_migrations_go_down_and_up(fresh_url):
    db.upgrade(fresh_url)
    from alembic import command

    command.downgrade(db.alembic_config(fresh_url), "base")
    engine = db.make_engine(fresh_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    db.upgrade(fresh_url)
    assert _diff(fresh_url) == []


def test_upgrading_twice_changes_nothing(fresh_url):
    db.upgrade(fresh_url)
    db.upgrade(fresh_url)
    assert db.current_revision(fresh_url) == _head(fresh_url)


def _head(url: str) -> str:
    """The newest revision of the packaged migrations (a single head)."""
    from alembic.script import ScriptDirectory

    (head,) = ScriptDirectory.from_config(db.alembic_config(url)).get_heads()
    return head
