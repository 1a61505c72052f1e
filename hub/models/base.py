"""Declarative base, naming convention and shared column types."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Self

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Choice(enum.StrEnum):
    """A fixed choice (a role, a status...): stored as its value, shown in words.

    Each member is written with its words, ``DRAFT = "draft", _l("draft")``: a lazy
    translation, worded in the interface language when shown (``member.label``).
    """

    _value_: str
    #: The choice in words, as a lazy translation (``label`` words it now).
    words: Any

    # ``words`` has a default only for type checkers, which read ``Role("student")`` (a
    # look-up by value) as a call of this; members are made here, and always with words.
    def __new__(cls, value: str, words: Any = None) -> Self:
        if words is None:
            raise TypeError(f"the choice {value!r} is written without its words")
        member = str.__new__(cls, value)
        member._value_ = value
        member.words = words
        return member

    @property
    def label(self) -> str:
        """The choice in words, in the interface language."""
        return str(self.words)

    @classmethod
    def vocabulary(cls) -> dict[str, Any]:
        """Every choice's value with its words (lazy), in the order they are written."""
        return {member.value: member.words for member in cls}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that always comes back timezone-aware in UTC, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware UTC time")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zones: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        result: dt.datetime = value.astimezone(dt.UTC)
        return result


#: A key of ``Session.info`` (and an execution option) marking a session that only reads:
#: every GET and HEAD request's (``hub.db``). Such a session cannot write, so what it has read
#: stays true until its transaction ends (the catalogue keeps its facts for that long).
READS_ONLY = "hub_reads_only"

# Every id column is a PostgreSQL ``integer``: numbers outside this range name no row, and
# reaching the database they are an error rather than an empty answer.
ID_MIN = 1
ID_MAX = 2**31 - 1


def is_id(value: str) -> bool:
    """Whether ``value`` spells an id (plain ASCII digits, in range)."""
    return value.isascii() and value.isdigit() and ID_MIN <= int(value) <= ID_MAX


class Base(DeclarativeBase):
    """Base of every model; carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}
