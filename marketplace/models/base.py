"""Column helpers shared by the models.

Conventions: integer ids; every time is Unix seconds UTC in a BIGINT column (``*_at``);
power W, energy Wh, reactive power var, money token base units — all integers. Enums are
stored as their string values in VARCHAR columns (no native enum types), so adding a value
needs no type migration on PostgreSQL.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer
from sqlalchemy.orm import MappedColumn, mapped_column


def now_s() -> int:
    """The current time, Unix seconds UTC."""
    return int(time.time())


def id_column() -> MappedColumn[Any]:
    return mapped_column(Integer, primary_key=True, autoincrement=True)


def fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None) -> MappedColumn[Any]:
    """An integer foreign key to ``target`` (``table.column``)."""
    return mapped_column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


def enum_type(enum_cls: type[StrEnum]) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def enum_column(enum_cls: type[StrEnum], **kwargs: Any) -> MappedColumn[Any]:
    return mapped_column(enum_type(enum_cls), **kwargs)


def time_column(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> MappedColumn[Any]:
    """A Unix-seconds column; ``default_now`` fills it with the insert time."""
    return mapped_column(BigInteger, nullable=nullable, default=now_s if default_now else None, index=index)


def int_column(*, nullable: bool = False, **kwargs: Any) -> MappedColumn[Any]:
    """A BIGINT quantity (W, Wh, var, s, base units)."""
    return mapped_column(BigInteger, nullable=nullable, **kwargs)
