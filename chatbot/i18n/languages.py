"""Which language each user reads: a registered user's is stored with them (and read with them); until
someone registers, their Telegram app's or their /language choice, kept for the most recent people."""

from __future__ import annotations

from collections.abc import Callable

from chatbot.i18n.texts import DEFAULT_LANGUAGE, language_of
from utils import LruCache

# People not yet registered whose language is remembered (the most recent ones).
UNREGISTERED_LANGUAGES = 2_000


class Languages:
    """The language lookups every text goes through."""

    def __init__(self, registered: Callable[[int], str | None]) -> None:
        self._registered = registered  # the stored language of a registered user, None for anyone else
        self._unregistered: LruCache[int, str] = LruCache(UNREGISTERED_LANGUAGES)

    def of(self, user_id: int) -> str:
        """The language a user reads: theirs if registered, else their app's (or choice), else English."""
        return self._registered(user_id) or self._unregistered.get(user_id) or DEFAULT_LANGUAGE

    def note(self, user_id: int, language: str) -> None:
        """Remember an unregistered user's language (their choice on /language)."""
        self._unregistered.put(user_id, language)

    def note_app_language(self, user_id: int, code: str | None) -> None:
        """Someone not registered reads their Telegram app's language until they choose one."""
        if user_id not in self._unregistered and self._registered(user_id) is None:
            self._unregistered.put(user_id, language_of(code))
