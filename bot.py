"""Anonymous chat bot for Telegram: pairs strangers at random and relays their messages.

`AnonymousChatBot` owns the in-memory state (`active_chats`, `search_queue`), whose durable copy
is in SQLite, and registers every handler in `register_handlers`. `main()` runs long polling.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import logging.handlers
import os
import re
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

# Opt in to PTB 23's durations (timedelta, e.g. RetryAfter.retry_after) now: PerChatRateLimiter reads
# either type, and the opt-in silences a deprecation warning on every first 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from aiolimiter import AsyncLimiter  # noqa: E402

from telegram import (  # noqa: E402
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType  # noqa: E402
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    TypeHandler,
    filters,
)

import texts  # noqa: E402
from config import MESSAGE_TYPES, Config, ConfigError, load_config  # noqa: E402
from database import SCHEMA_VERSION, Database  # noqa: E402
from utils import MessageFilter, RateLimiter, TextFormatter, ValidationHelper, Verdict, render_activity_chart  # noqa: E402

__version__ = "1.0.0"

logger = logging.getLogger("chatbot")

CURRENCY = "XTR"
# Commands a banned user may still use: information and payment support (Telegram requires it).
BANNED_ALLOWED_COMMANDS = frozenset({"help", "rules", "privacy", "paysupport"})
RATE_LIMITED_COMMANDS = frozenset({"start", "search", "next"})
CHANNEL_GATED_COMMANDS = frozenset({"search", "next"})
MEMBER_STATUSES = frozenset(
    {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
)
_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|$)")
# Telegram delivers the messages of an album within a moment of each other; wait this long after
# the first one before copying the album as one.
ALBUM_COLLECT_SECONDS = 0.8


class Pairing(NamedTuple):
    """One side of an active chat: who the partner is and which chat_history row it is."""

    partner_id: int
    chat_id: int


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different users concurrently and each user's updates in arrival order.

    The user's lock is taken before a concurrency slot, so one user flooding the bot waits on
    their own lock and never occupies the slots everyone else needs.
    """

    def __init__(self, max_concurrent_updates: int, on_finished: Callable[[int], None] | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}
        self.on_finished = on_finished
        # Update ids Telegram delivered again that were already handled or are being replayed.
        self.skip: set[int] = set()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's earlier updates, then for a free slot, then run the handlers."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id in self.skip:
            self.skip.discard(update_id)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        user = update.effective_user if isinstance(update, Update) else None
        try:
            if user is None:
                await super().process_update(update, coroutine)
            else:
                async with self.serialized(user.id):
                    await super().process_update(update, coroutine)
        finally:
            if update_id is not None and self.on_finished is not None:
                self.on_finished(update_id)

    @contextlib.asynccontextmanager
    async def serialized(self, user_id: int) -> AsyncIterator[None]:
        """Run the block in turn with this user's updates (also used by jobs acting for the user)."""
        entry = self._locks.get(user_id)
        if entry is None:
            entry = self._locks[user_id] = (asyncio.Lock(), [0])
        lock, waiting = entry
        waiting[0] += 1
        try:
            # asyncio.Lock wakes waiters first-in first-out, and the Application starts the
            # tasks in update order, so each user's updates run in the order they came.
            async with lock:
                yield
        finally:
            waiting[0] -= 1
            if waiting[0] == 0:
                del self._locks[user_id]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class PollingRequest(HTTPXRequest):
    """The getUpdates HTTP client: journals each batch of updates before PTB sees it, and touches
    the heartbeat file whenever a long poll returns.

    PTB confirms a batch to Telegram when it asks for the next one, so without the journal a
    `kill -9` would lose the updates still being handled. `python bot.py --health` reads the
    heartbeat's age, so a stalled polling loop fails the health check.
    """

    def __init__(self, heartbeat_file: str, on_updates: Callable[[list[dict[str, Any]]], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat_file = heartbeat_file
        self.on_updates = on_updates
        self._last_beat = 0.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any) -> tuple[int, bytes]:
        """Send the request; on a successful poll journal its updates and refresh the heartbeat."""
        status, payload = await super().do_request(url, method, request_data, **kwargs)
        if status == 200 and url.endswith("/getUpdates"):
            updates = json.loads(payload).get("result") or []
            if updates:
                self.on_updates(updates)
            now = time.monotonic()
            if now - self._last_beat >= 1.0:  # at most once a second
                self._last_beat = now
                beat(self.heartbeat_file)
        return status, payload


def beat(path: str) -> None:
    """Create or touch the heartbeat file."""
    try:
        Path(path).touch()
    except OSError as exc:
        logger.warning("Cannot write the heartbeat file %s: %s", path, exc)


class PerChatRateLimiter(BaseRateLimiter[int]):
    """Caps the overall request rate and the requests in flight; a 429 pauses only the chat it was
    for, then the request is retried.

    PTB's AIORateLimiter pauses every request on a RetryAfter, so one flooded chat would stall all
    the others. Requests to one chat stay in order because each user's updates run one at a time.
    A paused chat waits before it takes an in-flight slot, so it never holds one the others need.
    Few requests in flight are cheaper per request than many (measured: benchmarks/), and Telegram
    takes about 30 messages a second from a bot anyway.
    """

    def __init__(self, overall_max_rate: float, max_retries: int, max_in_flight: int) -> None:
        self._overall = AsyncLimiter(overall_max_rate, 1)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._max_retries = max_retries
        self._paused_until: dict[object, float] = {}  # chat id -> loop time the pause ends

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait out this chat's pause, take a slot of the overall rate, call; on 429 pause the chat and retry."""
        chat_id = data.get("chat_id")
        max_retries = self._max_retries if rate_limit_args is None else rate_limit_args
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            pause = self._paused_until.get(chat_id, 0.0) - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            else:
                self._paused_until.pop(chat_id, None)
            try:
                if chat_id is None:  # getUpdates, getMe, ...: no chat to protect
                    return await callback(*args, **kwargs)
                async with self._overall, self._in_flight:
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= max_retries:
                    logger.error("Chat %s still flooded after %s retries of %s", chat_id, max_retries, endpoint)
                    raise
                attempt += 1
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                until = loop.time() + seconds + 0.1
                self._paused_until[chat_id] = max(self._paused_until.get(chat_id, 0.0), until)
                logger.info("429 for chat %s: pausing it for %.1f s (attempt %s)", chat_id, seconds, attempt)


def message_kind(message: Message) -> str:
    """What a message carries: 'text', one of config.MESSAGE_TYPES, 'contact', or 'other'."""
    if message.text is not None:
        return "text"
    # Order matters: an animation also has a document, a venue also has a location.
    for kind in ("animation", "venue", "contact", *MESSAGE_TYPES):
        if getattr(message, kind, None):
            return kind
    return "other"


def visible_text(message: Message) -> tuple[str, list[str]]:
    """Every text the partner would see (text, caption, poll, venue, file name) and the entity types."""
    parts = [message.text or message.caption or ""]
    entity_types = [e.type for e in (message.entities or message.caption_entities or ())]
    if message.poll:
        parts += [message.poll.question, *(option.text for option in message.poll.options)]
    if message.venue:
        parts += [message.venue.title, message.venue.address]
    if message.document and message.document.file_name:
        parts.append(message.document.file_name)
    return "\n".join(p for p in parts if p), entity_types


@dataclass
class PendingAlbum:
    """Messages of one album, collected until they are copied together."""

    media_group_id: str
    message_ids: list[int] = field(default_factory=list)
    blocked: str | None = None  # the reason, if any message of it failed the filter


def command_of(message: Message | None) -> str | None:
    """The command a message starts with ('search' for '/search@bot x'), lower-cased, or None."""
    if message is None or not message.text:
        return None
    match = _COMMAND_RE.match(message.text)
    return match.group(1).lower() if match else None


def rating_keyboard(chat_id: int) -> InlineKeyboardMarkup:
    """The 👍 👎 ⛔ buttons for one finished chat."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BTN_GOOD, callback_data=f"rate:{chat_id}:good"),
                InlineKeyboardButton(texts.BTN_BAD, callback_data=f"rate:{chat_id}:bad"),
                InlineKeyboardButton(texts.BTN_SCAM, callback_data=f"rate:{chat_id}:scam"),
            ]
        ]
    )


GENDER_KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton(texts.BTN_MALE, callback_data="gender:male"),
            InlineKeyboardButton(texts.BTN_FEMALE, callback_data="gender:female"),
        ]
    ]
)
JOINED_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_JOINED, callback_data="joined")]])
VIP_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_BUY_VIP, callback_data="buy_vip")]])


class AnonymousChatBot:
    """The bot: state, handlers and their registration."""

    def __init__(self, config: Config, db: Database) -> None:
        self.config = config
        self.db = db
        # user id -> their side of the chat. Both users of a chat are always present together.
        self.active_chats: dict[int, Pairing] = {}
        # Waiting users in arrival order (a dict keeps insertion order and gives O(1) removal).
        self.search_queue: dict[int, None] = {}
        self.message_filter = MessageFilter(config.bad_words)
        self.action_limiter = RateLimiter(config.action_rate_limit, config.action_rate_window)
        self.message_limiter = RateLimiter(config.message_rate_limit, config.message_rate_window)
        # user id -> monotonic time their channel membership was last confirmed.
        self._channels_confirmed: dict[int, float] = {}
        # sender id -> the album being collected from them.
        self.albums: dict[int, PendingAlbum] = {}
        self.update_processor = PerUserUpdateProcessor(config.concurrent_updates, on_finished=db.finish_update)
        self.restore_state()

    # State

    def restore_state(self) -> None:
        """Load open chats and the queue from the database (after a restart or a crash)."""
        self.active_chats.clear()
        self.search_queue.clear()
        for chat_id, user1, user2 in self.db.open_chats():
            if user1 in self.active_chats or user2 in self.active_chats:
                # Cannot happen through the handlers; if it did, a user would be in two chats.
                logger.warning("Closing chat %s: a user is already in another open chat", chat_id)
                self.db.end_chat(chat_id)
                continue
            self.active_chats[user1] = Pairing(user2, chat_id)
            self.active_chats[user2] = Pairing(user1, chat_id)
        for user_id in self.db.queued_users():
            if user_id in self.active_chats:
                self.db.dequeue(user_id)
            else:
                self.search_queue[user_id] = None

    def pair_or_enqueue(self, user_id: int) -> Pairing | None:
        """Pair the user with the longest-waiting other searcher, or queue them. No awaits inside."""
        partner_id = next((uid for uid in self.search_queue if uid != user_id), None)
        if partner_id is None:
            self.search_queue[user_id] = None
            self.db.enqueue(user_id)
            return None
        del self.search_queue[partner_id]
        self.search_queue.pop(user_id, None)
        chat_id = self.db.start_chat(partner_id, user_id)
        self.active_chats[partner_id] = Pairing(user_id, chat_id)
        self.active_chats[user_id] = Pairing(partner_id, chat_id)
        return self.active_chats[user_id]

    def unpair(self, user_id: int) -> Pairing | None:
        """End the user's chat in memory and in the database; returns their side of it. No awaits."""
        pairing = self.active_chats.pop(user_id, None)
        if pairing is not None:
            self.active_chats.pop(pairing.partner_id, None)
            self.db.end_chat(pairing.chat_id)
        return pairing

    def leave_queue(self, user_id: int) -> bool:
        """Take the user out of the queue; True if they were in it."""
        if user_id not in self.search_queue:
            return False
        del self.search_queue[user_id]
        self.db.dequeue(user_id)
        return True

    # Sending

    async def notify(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        """Send a text; False (and nothing raised) if the user blocked the bot or is gone."""
        try:
            await context.bot.send_message(chat_id, text, reply_markup=reply_markup)
        except Forbidden:
            logger.info("User %s blocked the bot", chat_id)
            return False
        except BadRequest as exc:
            logger.warning("Could not message user %s: %s", chat_id, exc.message)
            return False
        return True

    @staticmethod
    async def answer(query: CallbackQuery, text: str | None = None, show_alert: bool = False) -> None:
        """Answer a button press; one too old to answer (say, replayed after a crash) is let go."""
        try:
            await query.answer(text, show_alert=show_alert)
        except BadRequest as exc:
            logger.info("Could not answer a button press: %s", exc.message)

    async def notify_admins(self, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        """Send a text to every admin."""
        for admin_id in sorted(self.config.admin_ids):
            await self.notify(context, admin_id, text)

    async def finish_chat(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        user_id: int,
        user_text: str | None,
        partner_text: str | None,
    ) -> Pairing | None:
        """End the user's chat and offer both sides a rating; a None text skips that side."""
        pairing = self.unpair(user_id)
        if pairing is None:
            return None
        keyboard = rating_keyboard(pairing.chat_id)
        logger.info("Chat %s ended", pairing.chat_id)
        if user_text is not None:
            await self.notify(context, user_id, f"{user_text}\n\n{texts.RATE_PROMPT}", keyboard)
        if partner_text is not None:
            await self.notify(context, pairing.partner_id, f"{partner_text}\n\n{texts.RATE_PROMPT}", keyboard)
        return pairing

    async def partner_gone(self, context: ContextTypes.DEFAULT_TYPE, gone_id: int) -> None:
        """The user blocked the bot: end their chat, tell the partner, drop them from the queue."""
        self.leave_queue(gone_id)
        await self.finish_chat(context, gone_id, None, texts.PARTNER_LEFT)

    async def ban(self, context: ContextTypes.DEFAULT_TYPE, user_id: int, reason: str | None) -> bool:
        """Ban the user, remove them from any chat or queue, and tell them and their partner."""
        if not self.db.ban_user(user_id, reason):
            return False
        self.search_queue.pop(user_id, None)
        logger.info("User %s banned", user_id)
        await self.finish_chat(context, user_id, None, texts.PARTNER_REMOVED)
        reason_text = texts.BANNED_REASON.format(reason=reason) if reason else ""
        await self.notify(context, user_id, texts.BANNED.format(reason=reason_text))
        return True

    # Gatekeeping (group -1)

    async def channels_missing(self, context: ContextTypes.DEFAULT_TYPE, user_id: int, fresh: bool) -> list[str]:
        """The required channels the user has not joined; `fresh` skips the short-lived cache."""
        if not self.config.required_channels:
            return []
        confirmed = self._channels_confirmed.get(user_id)
        if (
            not fresh
            and confirmed is not None
            and time.monotonic() - confirmed < self.config.channel_check_cache_seconds
        ):
            return []
        missing = []
        for channel in self.config.required_channels:
            try:
                member = await context.bot.get_chat_member(channel, user_id)
            except TelegramError as exc:
                # A misconfigured channel must not lock every user out; the operator sees this.
                logger.error("Cannot check membership of %s (is the bot an admin there?): %s", channel, exc)
                continue
            if member.status not in MEMBER_STATUSES and not getattr(member, "is_member", False):
                missing.append(channel)
        if missing:
            self._channels_confirmed.pop(user_id, None)
        else:
            self._channels_confirmed[user_id] = time.monotonic()
        return missing

    async def ask_to_join(self, context: ContextTypes.DEFAULT_TYPE, user_id: int, missing: list[str]) -> None:
        """Show the channels still to join with the "I've joined" button."""
        text = texts.JOIN_CHANNELS.format(channels=TextFormatter.channel_list(missing))
        await self.notify(context, user_id, text, JOINED_KEYBOARD)

    async def gatekeeper(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stops updates from banned users, users over a rate limit and users missing a channel."""
        user = update.effective_user
        message = update.message
        if user is None or update.pre_checkout_query or (message and message.successful_payment):
            # Payments are always processed: the user's Stars are already on their way.
            return
        if update.my_chat_member or (update.effective_chat and update.effective_chat.type != "private"):
            return
        command = command_of(message)
        # A banned user may still ask for payment support, and must be able to send the request.
        support_request = message is not None and command is None and context.user_data.get("awaiting_support")
        if (update.callback_query or message) and command not in BANNED_ALLOWED_COMMANDS and not support_request:
            if self.db.is_banned(user.id):
                if update.callback_query:
                    await self.answer(update.callback_query, texts.BANNED.format(reason=""), show_alert=True)
                else:
                    await self.notify(context, user.id, texts.BANNED.format(reason=""))
                raise ApplicationHandlerStop
        limiter = None
        if command in RATE_LIMITED_COMMANDS:
            limiter = self.action_limiter
        elif ((message and command is None) or update.edited_message) and user.id in self.active_chats:
            limiter = self.message_limiter
        verdict = limiter.check(user.id) if limiter is not None else Verdict.ALLOW
        if verdict is not Verdict.ALLOW:
            if verdict is Verdict.WARN:
                await self.notify(context, user.id, texts.SLOW_DOWN)
            raise ApplicationHandlerStop
        if command in CHANNEL_GATED_COMMANDS or command == "start":
            missing = await self.channels_missing(context, user.id, fresh=command == "start")
            if missing:
                await self.ask_to_join(context, user.id, missing)
                raise ApplicationHandlerStop

    # Registration

    async def start_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greets a registered user, or starts registration with the gender question."""
        await self.continue_registration(update.effective_user.id, context)

    async def continue_registration(self, user_id: int, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Welcome a registered user, ask a new one their gender."""
        if self.db.get_user(user_id):
            text = texts.WELCOME
            if user_id in self.config.admin_ids:
                text += "\n\n" + texts.ADMIN_COMMANDS
            await self.notify(context, user_id, text)
            return
        context.user_data.pop("gender", None)
        await self.notify(context, user_id, texts.ASK_GENDER, GENDER_KEYBOARD)

    async def joined_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Checks the channels again after "I've joined"."""
        query = update.callback_query
        missing = await self.channels_missing(context, query.from_user.id, fresh=True)
        if missing:
            await self.answer(query, texts.STILL_NOT_JOINED.format(channels=", ".join(missing)), show_alert=True)
            return
        await self.answer(query)
        await query.edit_message_reply_markup(None)
        await self.continue_registration(query.from_user.id, context)

    async def gender_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stores the chosen gender and asks for the age."""
        query = update.callback_query
        await self.answer(query)
        if self.db.get_user(query.from_user.id):
            return
        gender = query.data.split(":", 1)[1]
        context.user_data["gender"] = gender
        await query.edit_message_text(f"{texts.ASK_GENDER}\n{TextFormatter.gender(gender)}")
        await self.notify(context, query.from_user.id, texts.ASK_AGE)

    async def age_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Validates the age of a user mid-registration and registers them."""
        user_id = update.effective_user.id
        gender = context.user_data.get("gender")
        if gender is None:
            await self.notify(context, user_id, texts.NOT_REGISTERED)
            return
        age, reason = ValidationHelper.parse_age(update.message.text)
        if age is None:
            await self.notify(context, user_id, f"{reason}\n\n{texts.ASK_AGE}")
            return
        self.db.create_user(user_id, gender, age)
        if self.config.required_channels:
            self.db.set_subscribed(user_id, True)
        context.user_data.pop("gender", None)
        logger.info("User %s registered", user_id)
        await self.notify(context, user_id, texts.REGISTERED)

    # Matching

    async def search_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pairs the user with a waiting searcher or puts them in the queue."""
        user_id = update.effective_user.id
        if not self.db.get_user(user_id):
            await self.notify(context, user_id, texts.NOT_REGISTERED)
        elif user_id in self.active_chats:
            await self.notify(context, user_id, texts.ALREADY_IN_CHAT)
        elif user_id in self.search_queue:
            await self.notify(context, user_id, texts.ALREADY_SEARCHING)
        else:
            await self.search(context, user_id)

    async def next_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ends the current chat, if any, and searches again."""
        user_id = update.effective_user.id
        if not self.db.get_user(user_id):
            await self.notify(context, user_id, texts.NOT_REGISTERED)
            return
        if user_id in self.search_queue:
            await self.notify(context, user_id, texts.ALREADY_SEARCHING)
            return
        await self.finish_chat(context, user_id, texts.YOU_ENDED_CHAT, texts.PARTNER_ENDED_CHAT)
        await self.search(context, user_id)

    async def search(self, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
        """Pair or queue the user, then tell whoever needs to know."""
        while True:
            pairing = self.pair_or_enqueue(user_id)
            if pairing is None:
                await self.notify(context, user_id, texts.SEARCHING)
                return
            # The waiting partner is told first: if they blocked the bot meanwhile, the chat is
            # dropped before this user ever hears of it, and the search goes on.
            if await self.announce_partner(context, pairing.partner_id, user_id):
                break
            logger.info("Queued user %s is gone; searching again for %s", pairing.partner_id, user_id)
            self.unpair(user_id)
        await self.announce_partner(context, user_id, pairing.partner_id)
        logger.info("Chat %s started", pairing.chat_id)

    async def announce_partner(self, context: ContextTypes.DEFAULT_TYPE, user_id: int, partner_id: int) -> bool:
        """Tell the user a partner was found (with their gender and age for a VIP)."""
        text = texts.PARTNER_FOUND
        if self.db.vip_until(user_id):
            partner = self.db.get_user(partner_id)
            if partner:
                text += "\n\n" + texts.PARTNER_INFO_VIP.format(
                    gender=TextFormatter.gender(partner["gender"]), age=partner["age"]
                )
        else:
            text += "\n\n" + texts.VIP_HINT
        return await self.notify(context, user_id, text)

    async def stop_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ends the chat for both users, or leaves the queue."""
        user_id = update.effective_user.id
        if user_id in self.active_chats:
            await self.finish_chat(context, user_id, texts.YOU_ENDED_CHAT, texts.PARTNER_ENDED_CHAT)
        elif self.leave_queue(user_id):
            await self.notify(context, user_id, texts.SEARCH_STOPPED)
        else:
            await self.notify(context, user_id, texts.NOTHING_TO_STOP)

    # Messages

    async def private_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Routes a non-command message: payment support, relay, registration or a hint."""
        user_id = update.effective_user.id
        pairing = self.active_chats.get(user_id)
        if context.user_data.pop("awaiting_support", False):
            await self.forward_to_support(update, context)
        elif pairing is not None:
            await self.relay_message(update, context, pairing)
        elif "gender" in context.user_data and not self.db.get_user(user_id):
            await self.age_message(update, context)
        elif user_id in self.search_queue:
            await self.notify(context, user_id, texts.STILL_SEARCHING)
        elif not self.db.get_user(user_id):
            await self.notify(context, user_id, texts.NOT_REGISTERED)
        else:
            await self.notify(context, user_id, texts.NOT_IN_CHAT_HINT)

    async def relay_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE, pairing: Pairing) -> None:
        """Copies a message to the partner (as a reply where it answers one), unless it is refused."""
        message = update.message
        user_id = update.effective_user.id
        kind = message_kind(message)
        if kind == "contact":
            await self.notify(context, user_id, texts.CONTACT_BLOCKED)
            return
        if kind != "text" and kind not in self.config.allowed_message_types:
            await self.notify(context, user_id, texts.KIND_BLOCKED)
            return
        reason = self.message_filter.check(*visible_text(message))
        if message.media_group_id:
            await self.collect_album(context, user_id, message, reason)
            return
        if reason:
            await self.notify(context, user_id, reason)
            return
        reply_to = None
        if message.reply_to_message:
            peer_id = self.db.peer_message(user_id, message.reply_to_message.message_id)
            if peer_id is not None:
                reply_to = ReplyParameters(peer_id, allow_sending_without_reply=True)
        try:
            copy = await context.bot.copy_message(pairing.partner_id, user_id, message.message_id, reply_parameters=reply_to)
        except Forbidden:
            logger.info("Partner %s of chat %s blocked the bot", pairing.partner_id, pairing.chat_id)
            await self.partner_gone(context, pairing.partner_id)
            return
        except BadRequest as exc:
            logger.warning("Could not relay a %s in chat %s: %s", kind, pairing.chat_id, exc.message)
            await self.notify(context, user_id, texts.KIND_BLOCKED)
            return
        self.db.map_messages(pairing.chat_id, user_id, pairing.partner_id, [(message.message_id, copy.message_id)])

    async def collect_album(
        self, context: ContextTypes.DEFAULT_TYPE, user_id: int, message: Message, reason: str | None
    ) -> None:
        """Add a message to the user's pending album; the first one schedules the album's copy."""
        album = self.albums.get(user_id)
        if album is not None and album.media_group_id != message.media_group_id:
            await self.flush_album(context, user_id)  # a new album began: the last one goes first
            album = None
        if album is None:
            album = self.albums[user_id] = PendingAlbum(message.media_group_id)
            context.job_queue.run_once(
                self.album_job, ALBUM_COLLECT_SECONDS, data=message.media_group_id, user_id=user_id, chat_id=user_id
            )
        album.message_ids.append(message.message_id)
        album.blocked = album.blocked or reason

    async def album_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Copies a collected album once Telegram has delivered all of it, in turn with the user's updates."""
        user_id = context.job.user_id
        async with self.update_processor.serialized(user_id):
            album = self.albums.get(user_id)
            # Only this job's album: a later one, begun since, has its own timer.
            if album is not None and album.media_group_id == context.job.data:
                await self.flush_album(context, user_id)

    async def pending_album_first(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Copies a waiting album before anything else the user does (a message, /stop, ...), keeping order."""
        user = update.effective_user
        album = self.albums.get(user.id) if user else None
        if album is None:
            return
        message = update.message
        if message is None or message.media_group_id != album.media_group_id:
            await self.flush_album(context, user.id)

    async def flush_album(self, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
        """Copy the user's pending album, if any, to their partner as one album."""
        album = self.albums.pop(user_id, None)
        if album is None:
            return
        if album.blocked:
            await self.notify(context, user_id, album.blocked)
            return
        pairing = self.active_chats.get(user_id)
        if pairing is None:
            return
        message_ids = sorted(album.message_ids)
        try:
            copies = await context.bot.copy_messages(pairing.partner_id, user_id, message_ids)
        except Forbidden:
            await self.partner_gone(context, pairing.partner_id)
            return
        except BadRequest as exc:
            logger.warning("Could not relay an album in chat %s: %s", pairing.chat_id, exc.message)
            await self.notify(context, user_id, texts.KIND_BLOCKED)
            return
        pairs = list(zip(message_ids, (copy.message_id for copy in copies), strict=True))
        self.db.map_messages(pairing.chat_id, user_id, pairing.partner_id, pairs)

    async def edited_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Mirrors an edited text or caption onto the partner's copy (never runs a command)."""
        message = update.edited_message
        user_id = update.effective_user.id
        pairing = self.active_chats.get(user_id)
        peer_message_id = self.db.peer_message(user_id, message.message_id) if pairing else None
        if pairing is None or peer_message_id is None:
            return  # not a message of the current chat
        reason = self.message_filter.check(*visible_text(message))
        if reason:
            await self.notify(context, user_id, texts.EDIT_BLOCKED.format(reason=reason))
            return
        try:
            if message.text is not None:
                await context.bot.edit_message_text(
                    message.text, chat_id=pairing.partner_id, message_id=peer_message_id, entities=message.entities
                )
            else:
                await context.bot.edit_message_caption(
                    chat_id=pairing.partner_id,
                    message_id=peer_message_id,
                    caption=message.caption or "",
                    caption_entities=message.caption_entities,
                )
        except Forbidden:
            await self.partner_gone(context, pairing.partner_id)
        except BadRequest as exc:
            # "message is not modified", or a copy too old to edit: nothing to mirror.
            logger.info("Could not mirror an edit in chat %s: %s", pairing.chat_id, exc.message)

    async def my_chat_member_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ends the chat and leaves the queue for a user who blocked the bot."""
        change = update.my_chat_member
        # Only a change in the user's own private chat means they blocked the bot; being removed from
        # a group or channel they run says nothing about their anonymous chat.
        if change.chat.type == ChatType.PRIVATE and change.new_chat_member.status == ChatMemberStatus.BANNED:
            logger.info("User %s blocked the bot", change.from_user.id)
            await self.partner_gone(context, change.from_user.id)

    # Ratings

    async def rating_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stores a 👍/👎/⛔ rating once; ⛔ reports the partner and may ban them."""
        query = update.callback_query
        _, chat_id, rating_type = query.data.split(":")
        result = self.db.add_rating(query.from_user.id, int(chat_id), rating_type)
        if result.status == "invalid":
            await self.answer(query, texts.RATING_INVALID)
            return
        if result.status == "duplicate":
            await self.answer(query, texts.RATING_DUPLICATE)
            return
        await self.answer(query, texts.REPORT_THANKS if rating_type == "scam" else texts.RATING_THANKS)
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass  # already without buttons
        if rating_type != "scam" or result.target_id is None:
            return
        logger.info("User %s reported in chat %s", result.target_id, chat_id)
        await self.notify_admins(
            context,
            texts.ADMIN_REPORT.format(
                target_id=result.target_id, rater_id=query.from_user.id, chat_id=chat_id, count=result.reports
            ),
        )
        if result.reports >= self.config.report_ban_threshold and not self.db.is_banned(result.target_id):
            reason = texts.AUTO_BAN_REASON.format(count=result.reports)
            await self.ban(context, result.target_id, reason)
            await self.notify_admins(context, texts.ADMIN_AUTO_BAN.format(user_id=result.target_id, count=result.reports))

    async def stale_button_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers a button whose data no handler knows (old or forged)."""
        await self.answer(update.callback_query, texts.BUTTON_INVALID)

    # Profile and information

    async def profile_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Shows the user's gender, age, VIP status, chats and ratings received."""
        user_id = update.effective_user.id
        user = self.db.get_user(user_id)
        if user is None:
            await self.notify(context, user_id, texts.NOT_REGISTERED)
            return
        good, bad = self.db.rating_counts(user_id)
        text = TextFormatter.profile(user, self.db.vip_until(user_id), self.db.chats_count(user_id), good, bad)
        await self.notify(context, user_id, text)

    async def rules_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Shows the rules."""
        await self.notify(context, update.effective_user.id, texts.RULES)

    async def help_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Lists the commands."""
        await self.notify(context, update.effective_user.id, texts.HELP)

    async def privacy_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """States what is stored and for how long."""
        await self.notify(context, update.effective_user.id, texts.PRIVACY)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers a command the bot does not know (or that this user may not use)."""
        await self.notify(context, update.effective_user.id, texts.UNKNOWN_COMMAND)

    # VIP and payments

    async def vip_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Shows the VIP benefits, the price and the buy button."""
        user_id = update.effective_user.id
        if not self.db.get_user(user_id):
            await self.notify(context, user_id, texts.NOT_REGISTERED)
            return
        until = self.db.vip_until(user_id)
        status = texts.VIP_STATUS_ACTIVE.format(until=TextFormatter.timestamp(until)) if until else ""
        text = texts.VIP_INFO.format(price=self.config.vip_price_stars, days=self.config.vip_days, status=status)
        await self.notify(context, user_id, text, VIP_KEYBOARD)

    async def buy_vip_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sends the VIP invoice in Telegram Stars."""
        query = update.callback_query
        await self.answer(query)
        user_id = query.from_user.id
        if not self.db.get_user(user_id):
            await self.notify(context, user_id, texts.NOT_REGISTERED)
            return
        await context.bot.send_invoice(
            chat_id=user_id,
            title=texts.INVOICE_TITLE,
            description=texts.INVOICE_DESCRIPTION.format(days=self.config.vip_days),
            payload=self.vip_payload(user_id),
            provider_token="",
            currency=CURRENCY,
            prices=[LabeledPrice(texts.INVOICE_LABEL, self.config.vip_price_stars)],
        )

    @staticmethod
    def vip_payload(user_id: int) -> str:
        """The invoice payload that binds a VIP purchase to its buyer."""
        return f"vip:{user_id}"

    async def precheckout_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Approves a checkout only if payload, buyer, currency and amount all match."""
        query = update.pre_checkout_query
        valid = (
            query.invoice_payload == self.vip_payload(query.from_user.id)
            and query.currency == CURRENCY
            and query.total_amount == self.config.vip_price_stars
            and self.db.get_user(query.from_user.id) is not None
        )
        if valid:
            await query.answer(ok=True)
        else:
            logger.warning("Rejected pre-checkout %s from user %s", query.id, query.from_user.id)
            await query.answer(ok=False, error_message=texts.PRECHECKOUT_BAD)

    async def successful_payment_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Grants VIP once per payment charge id and confirms it."""
        payment = update.message.successful_payment
        user_id = update.effective_user.id
        new, until = self.db.record_payment(
            payment.telegram_payment_charge_id,
            user_id,
            payment.total_amount,
            payment.currency,
            payment.invoice_payload,
            self.config.vip_days,
        )
        if new:
            logger.info("User %s paid %s %s; VIP until %s", user_id, payment.total_amount, payment.currency, until)
            await self.notify(context, user_id, texts.VIP_ACTIVATED.format(until=TextFormatter.timestamp(until or "")))
        else:
            logger.warning("Payment %s delivered again; not granted twice", payment.telegram_payment_charge_id)
            await self.notify(context, user_id, texts.PAYMENT_DUPLICATE.format(until=TextFormatter.timestamp(until or "")))

    async def paysupport_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explains payment support and sends the user's next message to the admins."""
        context.user_data["awaiting_support"] = True
        await self.notify(context, update.effective_user.id, texts.PAYSUPPORT)

    async def forward_to_support(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Copies the user's message to every admin under a line with their id."""
        user_id = update.effective_user.id
        header = texts.ADMIN_PAYSUPPORT.format(user_id=user_id)
        for admin_id in sorted(self.config.admin_ids):
            if await self.notify(context, admin_id, header):
                try:
                    await context.bot.copy_message(admin_id, user_id, update.message.message_id)
                except TelegramError as exc:
                    logger.warning("Could not copy a support message to admin %s: %s", admin_id, exc)
        if not self.config.admin_ids:
            logger.warning("Payment support request from %s, but ADMIN_IDS is empty", user_id)
        await self.notify(context, user_id, texts.PAYSUPPORT_SENT)

    # Admin

    async def ban_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Admin: /ban <user_id> [reason]."""
        admin_id = update.effective_user.id
        target = ValidationHelper.parse_user_id(context.args[0]) if context.args else None
        if target is None:
            await self.notify(context, admin_id, texts.ADMIN_BAN_USAGE)
            return
        reason = " ".join(context.args[1:]).strip()[:200] or None
        if await self.ban(context, target, reason):
            await self.notify(context, admin_id, texts.ADMIN_BANNED.format(user_id=target))
        else:
            await self.notify(context, admin_id, texts.ADMIN_NO_SUCH_USER.format(user_id=target))

    async def unban_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Admin: /unban <user_id>."""
        admin_id = update.effective_user.id
        target = ValidationHelper.parse_user_id(context.args[0]) if context.args else None
        if target is None:
            await self.notify(context, admin_id, texts.ADMIN_UNBAN_USAGE)
            return
        if not self.db.unban_user(target):
            await self.notify(context, admin_id, texts.ADMIN_NO_SUCH_USER.format(user_id=target))
            return
        logger.info("User %s unbanned", target)
        await self.notify(context, admin_id, texts.ADMIN_UNBANNED.format(user_id=target))
        await self.notify(context, target, texts.UNBANNED)

    async def stats_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Admin: users, bans, VIPs, live chats and today's activity, then a 30-day chart."""
        admin_id = update.effective_user.id
        figures = self.db.stats()
        figures["active_chats"] = len(self.active_chats) // 2
        figures["searching"] = len(self.search_queue)
        await self.notify(context, admin_id, TextFormatter.stats(figures))
        dates, series = self.db.daily_activity(30)
        # Rendering takes a few hundred milliseconds: keep it off the event loop.
        png = await asyncio.to_thread(render_activity_chart, dates, series, texts.STATS_CHART_TITLE)
        await context.bot.send_photo(admin_id, png, caption=texts.STATS_CHART_CAPTION)

    async def backup_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Admin: back up the database now."""
        admin_id = update.effective_user.id
        try:
            path = await self.run_backup()
        except (OSError, sqlite3.Error) as exc:
            await self.notify(context, admin_id, texts.BACKUP_FAILED.format(error=exc))
            return
        size = max(1, path.stat().st_size // 1024)
        await self.notify(
            context, admin_id, texts.BACKUP_DONE.format(name=path.name, size=size, keep=self.config.backup_keep)
        )

    async def run_backup(self) -> Path:
        """One online backup into BACKUP_DIR, in a worker thread (its own SQLite connection)."""
        path = await asyncio.to_thread(self.db.backup, self.config.backup_dir, self.config.backup_keep)
        logger.info("Database backed up to %s", path)
        return path

    async def backup_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The daily backup."""
        try:
            await self.run_backup()
        except (OSError, sqlite3.Error) as exc:
            logger.error("Daily backup into %s failed: %s", self.config.backup_dir, exc)

    # Errors and housekeeping

    async def error_handler(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs the failing update's id and the exception, and tells the user something went wrong."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("Exception while handling update %s", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_user and update.effective_chat:
            if update.effective_chat.type == "private":
                await self.notify(context, update.effective_user.id, texts.ERROR)

    def forget_old_channel_checks(self) -> int:
        """Drop channel confirmations past their cache time (they would be checked again anyway)."""
        cutoff = time.monotonic() - self.config.channel_check_cache_seconds
        stale = [user_id for user_id, confirmed in self._channels_confirmed.items() if confirmed < cutoff]
        for user_id in stale:
            del self._channels_confirmed[user_id]
        return len(stale)

    def journal_updates(self, updates: list[dict[str, Any]]) -> None:
        """Journal a fetched batch; updates Telegram delivered again are not handled twice."""
        seen = self.db.journal_updates([(u["update_id"], json.dumps(u)) for u in updates])
        if seen:
            logger.info("Skipping %s updates delivered again", len(seen))
            self.update_processor.skip |= seen

    async def replay_unfinished_updates(self, application: Application) -> None:
        """Queue the updates a crash left unhandled, before polling brings new ones."""
        bodies = self.db.updates_to_replay()
        for body in bodies:
            await application.update_queue.put(Update.de_json(json.loads(body), application.bot))
        if bodies:
            logger.warning("Replaying %s updates left unhandled by a crash", len(bodies))

    async def housekeeping_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Expires ended VIPs; forgets idle rate-limit entries, stale channel checks and old journaled updates."""
        expired = self.db.expire_vips()
        dropped = self.action_limiter.cleanup() + self.message_limiter.cleanup() + self.forget_old_channel_checks()
        pruned = self.db.prune_journal()
        logger.debug(
            "Housekeeping: %s VIPs expired, %s rate-limit and channel-check entries and %s journaled updates dropped",
            expired,
            dropped,
            pruned,
        )

    async def post_init(self, application: Application) -> None:
        """Logs the start, sets the command menu and profile texts, and schedules the jobs."""
        config = self.config
        figures = self.db.stats()
        logger.info(
            "Started @%s version %s; token %s, API %s, database %s, admins %s, channels %s, VIP %s stars/%s days,"
            " backups %s (keep %s at %s UTC); %s users, %s banned, %s VIP, %s active chats, %s searching",
            application.bot.username, __version__, config.masked_token, config.telegram_api_url,
            config.database_path, len(config.admin_ids), ",".join(config.required_channels) or "none",
            config.vip_price_stars, config.vip_days, config.backup_dir, config.backup_keep,
            config.backup_time.strftime("%H:%M"), figures["users"], figures["banned"], figures["vip"],
            len(self.active_chats) // 2, len(self.search_queue),
        )  # fmt: skip
        await self.set_bot_profile(application.bot)
        await self.replay_unfinished_updates(application)
        beat(config.heartbeat_file)
        if application.job_queue:
            application.job_queue.run_repeating(self.housekeeping_job, interval=3600, first=10)
            application.job_queue.run_daily(self.backup_job, time=config.backup_time)

    async def set_bot_profile(self, bot: Bot) -> None:
        """The command menu for everyone, with the admin commands in each admin's chat, and descriptions."""
        public = [BotCommand(name, description) for name, description in texts.MENU_COMMANDS]
        admin = public + [BotCommand(name, description) for name, description in texts.ADMIN_MENU_COMMANDS]
        calls: list[tuple[str, Awaitable[Any]]] = [
            ("commands", bot.set_my_commands(public, scope=BotCommandScopeDefault())),
            *((f"admin {a} commands", bot.set_my_commands(admin, scope=BotCommandScopeChat(a))) for a in sorted(self.config.admin_ids)),
            ("description", bot.set_my_description(texts.BOT_DESCRIPTION)),
            ("short description", bot.set_my_short_description(texts.BOT_SHORT_DESCRIPTION)),
        ]
        for what, call in calls:
            try:
                await call
            except TelegramError as exc:
                # A convenience only: an admin who never opened the bot ("chat not found") must not stop it.
                logger.warning("Could not set the %s: %s", what, exc)

    async def post_shutdown(self, application: Application) -> None:
        """Closes the database and removes the heartbeat (a stopped bot is not a stalled one)."""
        self.db.close()
        Path(self.config.heartbeat_file).unlink(missing_ok=True)
        logger.info("Bot stopped")

    # Wiring

    def register_handlers(self, application: Application) -> None:
        """Every handler, in a deliberate order: gatekeeping first (group -1), then the rest."""
        private = filters.ChatType.PRIVATE
        # Only new messages: an edited "/stop" must never run a command.
        new = filters.UpdateType.MESSAGE & private
        admins = filters.User(user_id=self.config.admin_ids) if self.config.admin_ids else None

        application.add_handler(TypeHandler(Update, self.pending_album_first), group=-2)
        application.add_handler(TypeHandler(Update, self.gatekeeper), group=-1)

        commands = {
            "start": self.start_command,
            "search": self.search_command,
            "next": self.next_command,
            "stop": self.stop_command,
            "profile": self.profile_command,
            "rules": self.rules_command,
            "help": self.help_command,
            "privacy": self.privacy_command,
            "vip": self.vip_command,
            "paysupport": self.paysupport_command,
        }
        for name, callback in commands.items():
            application.add_handler(CommandHandler(name, callback, filters=new))
        if admins is not None:
            application.add_handler(CommandHandler("ban", self.ban_command, filters=new & admins))
            application.add_handler(CommandHandler("unban", self.unban_command, filters=new & admins))
            application.add_handler(CommandHandler("stats", self.stats_command, filters=new & admins))
            application.add_handler(CommandHandler("backup", self.backup_command, filters=new & admins))

        # \A...\Z, not ^...$: "$" also matches before a final newline, which forged data may carry.
        application.add_handler(CallbackQueryHandler(self.gender_callback, pattern=r"\Agender:(male|female)\Z"))
        application.add_handler(CallbackQueryHandler(self.joined_callback, pattern=r"\Ajoined\Z"))
        application.add_handler(CallbackQueryHandler(self.rating_callback, pattern=r"\Arate:\d{1,18}:(good|bad|scam)\Z"))
        application.add_handler(CallbackQueryHandler(self.buy_vip_callback, pattern=r"\Abuy_vip\Z"))
        application.add_handler(CallbackQueryHandler(self.stale_button_callback))

        application.add_handler(PreCheckoutQueryHandler(self.precheckout_callback))
        application.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT & private, self.successful_payment_callback))
        application.add_handler(ChatMemberHandler(self.my_chat_member_update, ChatMemberHandler.MY_CHAT_MEMBER))

        application.add_handler(MessageHandler(new & filters.COMMAND, self.unknown_command))
        application.add_handler(MessageHandler(new & ~filters.StatusUpdate.ALL, self.private_message))
        application.add_handler(
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & private & ~filters.COMMAND, self.edited_message)
        )

        application.add_error_handler(self.error_handler)

    def build_application(self, request: BaseRequest | None = None) -> Application:
        """The PTB Application, pointed at `TELEGRAM_API_URL`, with flood retries and per-user order.

        `request` replaces the HTTP layer (the unit tests pass a fake one).
        """
        root = self.config.telegram_api_url
        builder = ApplicationBuilder()
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        else:
            # PTB's own get_updates request, plus the heartbeat; its timeouts leave room for the long poll.
            builder = builder.get_updates_request(
                PollingRequest(
                    self.config.heartbeat_file,
                    self.journal_updates,
                    connection_pool_size=1,
                    read_timeout=self.config.poll_timeout + 10,
                )
            )
        application = (
            builder.token(self.config.bot_token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .rate_limiter(
                PerChatRateLimiter(self.config.api_overall_rate, self.config.api_max_retries, self.config.api_concurrency)
            )
            .concurrent_updates(self.update_processor)
            .post_init(self.post_init)
            .post_shutdown(self.post_shutdown)
            .build()
        )
        self.register_handlers(application)
        return application


def setup_logging(config: Config) -> None:
    """Log to stdout and, if LOG_FILE is set, to a rotating file."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if config.log_file:
        handlers.append(
            logging.handlers.RotatingFileHandler(config.log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
        )
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=config.log_level, handlers=handlers, force=True
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # PTB logs whole updates, message text included, at DEBUG: never go below INFO there.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(config.log_level)))


def check_setup(config: Config, online: bool) -> list[str]:
    """Problems that would stop the bot: paths, database, and with `online` the token and channels."""
    problems = []
    try:
        Database(config.database_path).close()
    except (sqlite3.Error, RuntimeError) as exc:
        problems.append(f"DATABASE_PATH {config.database_path!r} cannot be opened: {exc}")
    for name, folder in (
        ("LOG_FILE", Path(config.log_file).parent if config.log_file else None),
        ("BACKUP_DIR", Path(config.backup_dir)),
        ("HEARTBEAT_FILE", Path(config.heartbeat_file).parent),
    ):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problems.append(f"{name}: cannot create {str(folder)!r}: {exc.strerror}")
            continue
        if not os.access(folder, os.W_OK):
            problems.append(f"{name}: {str(folder)!r} is not writable")
    if online:
        problems += asyncio.run(check_online(config))
    return problems


async def check_online(config: Config) -> list[str]:
    """The token works, and the bot is an admin of every required channel (so it can see members)."""
    bot = Bot(config.bot_token, base_url=f"{config.telegram_api_url}/bot")
    try:
        await bot.initialize()  # calls getMe
    except TelegramError as exc:
        return [f"BOT_TOKEN or TELEGRAM_API_URL: getMe failed: {exc.message}"]
    problems = []
    try:
        for channel in config.required_channels:
            try:
                member = await bot.get_chat_member(channel, bot.id)
            except TelegramError as exc:
                problems.append(f"REQUIRED_CHANNELS: cannot check {channel} ({exc.message}); make the bot an admin there")
                continue
            if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
                problems.append(f"REQUIRED_CHANNELS: the bot is not an admin of {channel}, so it cannot see members")
    finally:
        await bot.shutdown()
    return problems


def check_health(config: Config) -> tuple[bool, str]:
    """Whether the polling loop has returned from getUpdates within HEALTH_MAX_AGE seconds."""
    try:
        age = time.time() - Path(config.heartbeat_file).stat().st_mtime
    except OSError:
        return False, f"unhealthy: no heartbeat file {config.heartbeat_file}"
    if age > config.health_max_age:
        return False, f"unhealthy: the last poll returned {age:.0f}s ago (limit {config.health_max_age}s)"
    return True, f"healthy: the last poll returned {age:.0f}s ago"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Anonymous chat bot for Telegram (long polling).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="validate settings and the database, then exit 0 or 2")
    parser.add_argument("--online", action="store_true", help="with --check: also call getMe and check the channels")
    mode.add_argument("--health", action="store_true", help="exit 0 if the polling loop is alive, else 1")
    mode.add_argument("--restore", metavar="BACKUP", help="replace the database with a backup (stop the bot first)")
    args = parser.parse_args(argv)
    if args.online and not args.check:
        parser.error("--online goes with --check")
    return args


def main(argv: list[str] | None = None) -> int:
    """Validate the settings, open the database and run long polling until SIGTERM or SIGINT."""
    args = parse_args(argv)
    try:
        config = load_config(require_token=not (args.health or args.restore))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"Configuration error: {problem}", file=sys.stderr)
        return 2
    if args.health:
        healthy, line = check_health(config)
        print(line)
        return 0 if healthy else 1
    if args.check:
        problems = check_setup(config, args.online)
        for problem in problems:
            print(f"Configuration error: {problem}", file=sys.stderr)
        if not problems:
            print(f"Configuration OK (database schema version {SCHEMA_VERSION}{', online checks passed' if args.online else ''})")
        return 2 if problems else 0
    if args.restore:
        healthy, _ = check_health(config)
        if healthy:
            print("Refusing to restore: the bot seems to be running (fresh heartbeat). Stop it first.", file=sys.stderr)
            return 2
        try:
            Database.restore(args.restore, config.database_path)
        except (ValueError, sqlite3.Error) as exc:
            print(f"Restore failed: {exc}", file=sys.stderr)
            return 2
        print(f"Restored {config.database_path} from {args.restore}")
        return 0

    try:
        setup_logging(config)
    except OSError as exc:
        print(f"Configuration error: LOG_FILE {config.log_file!r} cannot be written: {exc}", file=sys.stderr)
        return 2
    try:
        db = Database(config.database_path)
    except (sqlite3.Error, RuntimeError) as exc:
        print(f"Configuration error: DATABASE_PATH {config.database_path!r} cannot be opened: {exc}", file=sys.stderr)
        return 2
    bot = AnonymousChatBot(config, db)
    try:
        bot.build_application().run_polling(allowed_updates=Update.ALL_TYPES, timeout=config.poll_timeout)
    except TelegramError as exc:
        # A bad token or an unreachable API: wait before exiting, so a supervisor that restarts the
        # bot at once cannot hammer Telegram (which answers a flood of getMe calls with a ban).
        logger.error(
            "Could not start: %s. Waiting %s s before exiting (START_FAILURE_DELAY)", exc, config.start_failure_delay
        )
        db.close()
        time.sleep(config.start_failure_delay)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
