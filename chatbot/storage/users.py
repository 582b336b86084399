"""Registered users: their profile, language (the active users' kept at hand), whether they blocked
the bot, and whether they take announcements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.storage import Connected, Store, parse_utc
from utils import LruCache

# Registered users whose language is kept in memory (the most recently active; the rest are read).
LANGUAGE_CACHE_SIZE = 2_000


@dataclass(frozen=True, slots=True)
class User:
    """A registered user; times are aware datetimes (UTC)."""

    user_id: int
    gender: str
    age: int
    language: str
    created_at: datetime
    blocked_at: datetime | None  # when they blocked the bot, if they did
    announcements: bool


class UserStore(Store):
    """The users table."""

    def __init__(self, db: Connected) -> None:
        super().__init__(db)
        # Every text looks the reader's language up.
        self._languages: LruCache[int, str] = LruCache(LANGUAGE_CACHE_SIZE)

    def create(self, user_id: int, gender: str, age: int, language: str = "en") -> bool:
        """Register a user; False if they already exist."""
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO users (user_id, gender, age, language) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
                (user_id, gender, age, language),
            )
        if cur.rowcount == 1:
            self._languages.put(user_id, language)
        return cur.rowcount == 1

    def language(self, user_id: int) -> str | None:
        """The language a registered user reads; None for someone not registered."""
        language = self._languages.get(user_id)
        if language is None:
            row = self.conn.execute("SELECT language FROM users WHERE user_id = ?", (user_id,)).fetchone()
            if row is None:
                return None
            language = str(row[0])
            self._languages.put(user_id, language)
        return language

    def set_language(self, user_id: int, language: str) -> bool:
        """Store a registered user's language; False if they are not registered."""
        with self.conn:
            cur = self.conn.execute("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))
        if cur.rowcount == 1:
            self._languages.put(user_id, language)
        return cur.rowcount == 1

    def get(self, user_id: int) -> User | None:
        """The registered user, or None."""
        row = self.conn.execute(
            "SELECT user_id, gender, age, language, created_at, blocked_at, announcements FROM users WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        blocked = parse_utc(row[5]) if row[5] else None
        return User(row[0], row[1], row[2], row[3], parse_utc(row[4]), blocked, bool(row[6]))

    def forget_language(self, user_id: int) -> None:
        """Drop the user's cached language (their row was deleted)."""
        self._languages.pop(user_id)

    def mark_blocked(self, user_id: int, blocked: bool = True) -> None:
        """The user blocked the bot (a 403, or a my_chat_member update), or unblocked it."""
        with self.conn:
            if blocked:
                self.conn.execute(
                    "UPDATE users SET blocked_at = CURRENT_TIMESTAMP WHERE user_id = ? AND blocked_at IS NULL", (user_id,)
                )
            else:
                self.conn.execute("UPDATE users SET blocked_at = NULL WHERE user_id = ?", (user_id,))

    def interests(self, user_id: int) -> int:
        """The user's interests (core.interests bits; 0 for none or someone not registered)."""
        row = self.conn.execute("SELECT interests FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return int(row[0]) if row else 0

    def set_interests(self, user_id: int, mask: int) -> None:
        with self.conn:
            self.conn.execute("UPDATE users SET interests = ? WHERE user_id = ?", (mask, user_id))

    def chat_options(self, user_id: int) -> tuple[bool, bool]:
        """(copies of the user's messages are protected, the partner's media reach them covered)."""
        row = self.conn.execute("SELECT protect_content, hide_media FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return (bool(row[0]), bool(row[1])) if row else (False, True)

    def toggle_protect_content(self, user_id: int) -> None:
        with self.conn:
            self.conn.execute("UPDATE users SET protect_content = 1 - protect_content WHERE user_id = ?", (user_id,))

    def toggle_hide_media(self, user_id: int) -> None:
        with self.conn:
            self.conn.execute("UPDATE users SET hide_media = 1 - hide_media WHERE user_id = ?", (user_id,))

    def announcements_on(self, user_id: int) -> bool:
        row = self.conn.execute("SELECT announcements FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return bool(row[0]) if row else True

    def toggle_announcements(self, user_id: int) -> bool:
        """Switch the user's announcements on or off; returns the new setting."""
        with self.conn:
            row = self.conn.execute(
                "UPDATE users SET announcements = 1 - announcements WHERE user_id = ? RETURNING announcements", (user_id,)
            ).fetchone()
        return bool(row[0]) if row else True
