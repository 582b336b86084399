"""What every handler works with: the services (settings, database, pairing state, flows, languages,
filters, limiters) and a typed context that carries them, as python-telegram-bot's contexttypesbot
example does, so no handler reaches into untyped `bot_data` or `user_data` keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from config import Config
from database import Database
from chatbot.core.flows import Conversations
from chatbot.telegram_io.http import ConflictWatch
from chatbot.telegram_io.pacing import PerChatRateLimiter
from chatbot.telegram_io.updates import PerUserUpdateProcessor, RelayStats
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import send_text
from chatbot.core.pairing import ChatState
from chatbot.i18n.languages import Languages
from chatbot.i18n.texts import t
from chatbot.ops.activity import ActivityLog
from utils import MessageFilter, RateLimiter, TextFormatter

T = TypeVar("T")


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
    languages: Languages
    activity: ActivityLog
    conflicts: ConflictWatch

    def lang(self, user_id: int) -> str:
        """The language a user reads (i18n's lookup)."""
        return self.languages.of(user_id)


class BotData:
    """`application.bot_data`: PTB creates it empty; AnonymousChatBot puts the services in, and a
    feature keeps its own state here (`owned`), so Services holds only what every handler needs."""

    services: Services

    def __init__(self) -> None:
        self._owned: dict[type[Any], Any] = {}

    def owned(self, kind: type[T]) -> T:
        """A feature's own state (its album buffer, its channel checks): one instance, made on first use."""
        value = self._owned.get(kind)
        if value is None:
            value = self._owned[kind] = kind()
        return cast(T, value)


class Context(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler and job gets."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    def text_for(self, user_id: int, key: str, /, **values: object) -> str:
        """A text in the language of the user who will read it."""
        return t(key, self.services.lang(user_id), **values)

    def when(self, user_id: int, value: str | datetime) -> str:
        """A UTC time (aware, or as stored) as the user's language writes it (empty stays empty)."""
        return TextFormatter.timestamp(value, self.services.lang(user_id)) if value else ""

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
        if self.services.db.users.get(user_id) is not None:
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


@dataclass(frozen=True)
class Press:
    """A button press whose data is of the kind its handler expects: the query, who pressed, the fields."""

    query: CallbackQuery
    user_id: int
    fields: tuple[str, ...]


def press_of(update: Update, kind: callbacks.Callback) -> Press | None:
    """The press of an update routed by a callback query handler, with its parsed data; None if the
    data is not of this kind."""
    query = query_of(update)
    fields = kind.parse(query.data)
    return None if fields is None else Press(query, query.from_user.id, fields)


def query_of(update: Update) -> CallbackQuery:
    """The button press of an update routed by a callback query handler."""
    if update.callback_query is None:
        raise ValueError(f"update {update.update_id} has no callback query")
    return update.callback_query
