"""Who was active, for /stats: kept in memory, written to SQLite every minute and before /stats."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.storage import utc_text
from database import Database


@dataclass
class ActivityLog:
    """Who sent anything (and who searched) today, kept in memory and written to SQLite every minute
    and before /stats: one write a minute instead of one per update. A crash loses at most that
    minute of analytics."""

    day: str = ""
    active: set[int] = field(default_factory=set)
    searched: set[int] = field(default_factory=set)

    def seen(self, user_id: int, searched: bool = False) -> None:
        self.active.add(user_id)
        if searched:
            self.searched.add(user_id)

    def flush(self, db: Database) -> None:
        """Write what was seen (to the day it was seen on), and start a new day when the date changes."""
        if self.active or self.searched:
            db.analytics.record_activity(self.day or utc_text()[:10], self.active, self.searched)
        self.active, self.searched, self.day = set(), set(), utc_text()[:10]
