"""What every handler works with: the services (settings, database, pairing state, flows, filters,
limiters) and a typed context that carries them, as python-telegram-bot's contexttypesbot example
does, so no handler reaches into untyped `bot_data` or `user_data` keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from config import Config
from database import Database
from chatbot.core.flows import Conversations
from chatbot.telegram_io.pacing import PerChatRateLimiter
from chatbot.telegram_io.runtime import PerUserUpdateProcessor, RelayStats
from chatbot.telegram_io.sending import send_text
from chatbot.core.pairing import ChatState
from chatbot.storage import utc_text
from chatbot.i18n.texts import DEFAULT_LANGUAGE, t
from utils import LruCache, MessageFilter, RateLimiter, TextFormatter


@dataclass
class PendingAlbum:
    """Messages of one album, collected until they are copied together."""

    media_group_id: str
    message_ids: list[int] = field(default_factory=list)
    blocked: str | None = None  # the text key of the reason, if any message of it failed the filter


UNREGISTERED_LANGUAGES = 10_000


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
            db.record_activity(self.day or utc_text()[:10], self.active, self.searched)
        self.active, self.searched, self.day = set(), set(), utc_text()[:10]


@dataclass
class Services:
    """Everything the handlers share; built once by AnonymousChatBot."""

    config: Config
    db: Database
    state: ChatState
    conversations: Conversations
    update_processor: PerUserUpdateProcessor
    pacing: PerChatRateLimiter
    relay_stats: RelayStats
    message_filter: MessageFilter
    action_limiter: RateLimiter
    message_limiter: RateLimiter
    # user id -> monotonic time their channel membership was last confirmed.
    channels_confirmed: dict[int, float] = field(default_factory=dict)
    # sender id -> the album being collected from them.
    albums: dict[int, PendingAlbum] = field(default_factory=dict)
    # Not yet registered: user id -> the language of their Telegram app or of their /language choice
    # (the most recent UNREGISTERED_LANGUAGES people; a registered user's language is in the database).
    unregistered_languages: LruCache[int, str] = field(default_factory=lambda: LruCache(UNREGISTERED_LANGUAGES))
    activity: ActivityLog = field(default_factory=ActivityLog)

    def lang(self, user_id: int) -> str:
        """The language a user reads: theirs if registered, else their app's, else English."""
        return self.db.language(user_id) or self.unregistered_languages.get(user_id) or DEFAULT_LANGUAGE

    def note_language(self, user_id: int, language: str) -> None:
        """Remember an unregistered user's language (their app's, or what they chose)."""
        self.unregistered_languages.put(user_id, language)


class BotData:
    """`application.bot_data`: PTB creates it empty; AnonymousChatBot puts the services in."""

    services: Services


class Context(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler and job gets."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    def text_for(self, user_id: int, key: str, /, **values: object) -> str:
        """A text in the language of the user who will read it."""
        return t(key, self.services.lang(user_id), **values)

    def when(self, user_id: int, value: str | datetime) -> str:
        """A UTC time (stored text or an aware datetime) as the user's language writes it (empty stays empty)."""
        text = utc_text(value) if isinstance(value, datetime) else value
        return TextFormatter.timestamp(text, self.services.lang(user_id)) if text else ""

    def number(self, user_id: int, value: float, digits: int = 0) -> str:
        """A number with `digits` decimals, as the user's language writes it."""
        return TextFormatter.number(value, self.services.lang(user_id), digits)

    def keyboard(self, user_id: int, *rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
        """Inline buttons, each (text key of its label, callback data), labelled in the user's language."""
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(self.text_for(user_id, key), callback_data=data) for key, data in row] for row in rows]
        )

    async def say(
        self, user_id: int, key: str, /, markup: InlineKeyboardMarkup | None = None, **values: object
    ) -> bool:
        """Send the user a text in their language; False if they are gone."""
        return await send_text(self.bot, user_id, self.text_for(user_id, key, **values), markup)

    async def registered(self, user_id: int) -> bool:
        """Whether the user has registered; if not, they are told to send /start."""
        if self.services.db.get_user(user_id) is not None:
            return True
        await self.say(user_id, "not_registered")
        return False

    async def tell_admins(self, key: str, /, **values: object) -> None:
        """Send every admin a text, each in their language."""
        for admin_id in sorted(self.services.config.admin_ids):
            await send_text(self.bot, admin_id, self.text_for(admin_id, key, **values), bulk=True)


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)


def user_of(update: Update) -> User:
    """The user an update comes from (every handler this bot registers has one)."""
    if update.effective_user is None:
        raise ValueError(f"update {update.update_id} has no user")
    return update.effective_user


def message_of(update: Update) -> Message:
    """The new message of an update routed by a message filter."""
    if update.message is None:
        raise ValueError(f"update {update.update_id} has no message")
    return update.message


def query_of(update: Update) -> CallbackQuery:
    """The button press of an update routed by a callback query handler."""
    if update.callback_query is None:
        raise ValueError(f"update {update.update_id} has no callback query")
    return update.callback_query
