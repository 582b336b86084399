"""One store per feature's tables, composed by `database.Database` (which owns the connection, the
migrations, backups and the deferred commits): `db.users`, `db.chats`, `db.payments`, ...

A store knows SQL and nobody but sqlite3: no Telegram, no rules, no flow names, no other store's
cache. Rows leave it as typed dataclasses with aware datetimes; times are stored as UTC text.
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


class Connected(Protocol):
    """What a feature's store needs from the Database that composes it: this thread's connection, and
    the deferred writes flushed before reading the tables they go to."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    def flush_writes(self) -> None: ...


class Deferring(Connected, Protocol):
    """A Database that also collects reply-map rows and journal "done" marks for one shared commit."""

    def defer_maps(self, rows: list[tuple[int, int, int, int, int, bool]]) -> None: ...

    def defer_done(self, update_id: int) -> None: ...


class Store:
    """A feature's queries, composed by the Database (`db.moderation`, ...) over its connection."""

    def __init__(self, db: Connected) -> None:
        self._db = db

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (the Database's)."""
        return self._db.conn
