"""The queries of each feature, as mixins of `database.Database` (which owns the connection) or as
stores it composes (a `Store` each: `db.moderation`, `db.privacy`).

`database.py` keeps the connection, the migrations, backups and the core tables; a feature whose
queries would crowd it gets a module here. They know nobody but sqlite3.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Protocol

# SQLite's CURRENT_TIMESTAMP format: UTC text that sorts as time.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_text(moment: datetime | None = None) -> str:
    """A moment (now by default) as the database writes times."""
    return (moment or datetime.now(timezone.utc)).strftime(TIME_FORMAT)


def parse_utc(text: str) -> datetime:
    """A database time back to an aware datetime."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)


class Queries:
    """What a mixin needs from the Database: this thread's connection, and the deferred writes flushed."""

    @property
    def conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def flush_writes(self) -> None:
        """Commit the deferred reply maps and journal marks (before reading those tables)."""
        raise NotImplementedError


class Connected(Protocol):
    """What a feature's store needs from the Database that composes it: this thread's connection, and
    the deferred writes flushed before reading the tables they go to."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    def flush_writes(self) -> None: ...


class Store:
    """A feature's queries, composed by the Database (`db.moderation`, ...) over its connection."""

    def __init__(self, db: Connected) -> None:
        self._db = db

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (the Database's)."""
        return self._db.conn
