"""Bridge fixtures: a migrated database per backend (SQLite and a real PostgreSQL) and anvil."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete

from marketplace import db
from marketplace.models.chain import ChainCursor, ChainEvent, ChainTransaction

_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bridge_db_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bridge') / 'bridge.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(f"flexmarket_bridge_{next(_names)}")
    db.upgrade(url)
    return url


@pytest.fixture
def database(bridge_db_url):
    """The bridge tables, emptied before each test."""
    database = db.Database(bridge_db_url)
    with database.transaction() as s:
        for table in (ChainTransaction, ChainEvent, ChainCursor):
            s.execute(delete(table))
    yield database
    database.dispose()
