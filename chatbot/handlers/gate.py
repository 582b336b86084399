"""Gatekeeping: rate limits count each update as it arrives and drop a flood there (`admit`, asked by
the update processor before the update waits for its turn); in group -1 an update from a banned user
or a user missing a required channel stops here, before any feature handler sees it."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop, ExtBot

from chatbot.telegram_io import callbacks
from chatbot.core.flows import Flow, Step
from chatbot.handlers.moderating import ban_notice
from chatbot.telegram_io.sending import answer, optional, send_text
from chatbot.handlers.common import Context, Services
from chatbot.i18n.texts import language_of, t
from utils import RateLimiter, TextFormatter, Verdict

logger = logging.getLogger(__name__)

# Commands a banned user may still use: information, their profile (until when), payment support
# (Telegram requires it), the appeal, deleting their data, and their language.
BANNED_ALLOWED_COMMANDS = frozenset(
    {"help", "rules", "privacy", "paysupport", "profile", "appeal", "deleteme", "language"}
)
# Flows whose message a banned user may still send.
BANNED_ALLOWED_FLOWS = ((Flow.SUPPORT, Step.MESSAGE), (Flow.APPEAL, Step.MESSAGE))
RATE_LIMITED_COMMANDS = frozenset({"start", "search", "next"})
CHANNEL_GATED_COMMANDS = frozenset({"start", "search", "next"})
MEMBER_STATUSES = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
_COMMAND_RE = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|\Z)")


def command_of(message: Message | None) -> str | None:
    """The command a message starts with ('search' for '/search@bot x'), lower-cased, or None."""
    if message is None or not message.text:
        return None
    match = _COMMAND_RE.match(message.text)
    return match.group(1).lower() if match else None


async def gatekeeper(update: Update, context: Context) -> None:
    """Stops updates from banned users and users missing a channel (rate limits are `admit`'s)."""
    s = context.services
    user = update.effective_user
    message = update.message
    if user is not None and (message or update.callback_query or update.edited_message):
        s.activity.seen(user.id)
    if user is not None and s.db.language(user.id) is None and user.id not in s.unregistered_languages:
        # Not registered: they read the language of their Telegram app until they choose one.
        s.note_language(user.id, language_of(user.language_code))
    if user is None or update.pre_checkout_query or (message and (message.successful_payment or message.refunded_payment)):
        # Payments and refunds are always processed: the user's Stars are already on their way.
        return
    if update.my_chat_member or (update.effective_chat and update.effective_chat.type != ChatType.PRIVATE):
        return
    command = command_of(message)
    if (update.callback_query or message) and command not in BANNED_ALLOWED_COMMANDS and s.db.moderation.is_banned(user.id):
        # A banned user may still send the support request or appeal they asked for, confirm /deleteme
        # and choose a language.
        owed = message and command is None and any(s.conversations.at(user.id, f, st) for f, st in BANNED_ALLOWED_FLOWS)
        data = update.callback_query.data if update.callback_query else None
        allowed_press = callbacks.DELETE_ME.parse(data) or callbacks.LANGUAGE.parse(data)
        if not (owed or allowed_press):
            if update.callback_query:
                # An alert holds 200 characters at most.
                await answer(update.callback_query, ban_notice(context, user.id)[:200], alert=True)
            else:
                await send_text(context.bot, user.id, ban_notice(context, user.id))
            raise ApplicationHandlerStop
    if command in CHANNEL_GATED_COMMANDS:
        missing = await channels_missing(context, user.id, fresh=command == "start")
        if missing:
            await ask_to_join(context, user.id, missing)
            raise ApplicationHandlerStop


async def admit(bot: ExtBot[Any], services: Services, update: Update) -> bool:
    """Counts an update against its sender's rate limit as it arrives, before it waits for the sender's
    earlier updates or for pacing, so a flood is cut at the door instead of being relayed at the
    chat's pace; False drops it unhandled. The first refusal in a window is answered at once with
    one "slow down" (not after the flood's admitted messages: it is about all of them)."""
    limiter = rate_limiter_for(services, update)
    user = update.effective_user
    if limiter is None or user is None:
        return True
    verdict = limiter.check(user.id)
    if verdict is Verdict.WARN:
        # A courtesy: whatever Telegram answers, the update is dropped all the same.
        await optional(send_text(bot, user.id, t("slow_down", services.lang(user.id))), f"tell {user.id} to slow down")
    return verdict is Verdict.ALLOW


def rate_limiter_for(services: Services, update: Update) -> RateLimiter | None:
    """The limit an update counts against: /start, /search and /next the action limit, what a user in a
    chat writes or edits the message limit; nothing else (payments never) is limited."""
    message = update.message
    if update.effective_user is None or update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return None
    if message is not None and (message.successful_payment or message.refunded_payment):
        return None
    command = command_of(message)
    if command in RATE_LIMITED_COMMANDS:
        return services.action_limiter
    if ((message and command is None) or update.edited_message) and update.effective_user.id in services.state.active_chats:
        return services.message_limiter
    return None


async def channels_missing(context: Context, user_id: int, fresh: bool) -> list[str]:
    """The required channels the user has not joined; `fresh` skips the short-lived cache."""
    s = context.services
    if not s.config.required_channels:
        return []
    confirmed = s.channels_confirmed.get(user_id)
    if not fresh and confirmed is not None and time.monotonic() - confirmed < s.config.channel_check_cache_seconds:
        return []
    missing = []
    for channel in s.config.required_channels:
        what = f"check membership of {channel} (is the bot an admin there?)"
        member = await optional(context.bot.get_chat_member(channel, user_id), what, logging.ERROR)
        if member is None:
            continue  # a misconfigured channel must not lock every user out; the operator sees the error
        if member.status not in MEMBER_STATUSES and not getattr(member, "is_member", False):
            missing.append(channel)
    if missing:
        s.channels_confirmed.pop(user_id, None)
    else:
        s.channels_confirmed[user_id] = time.monotonic()
    return missing


async def ask_to_join(context: Context, user_id: int, missing: list[str]) -> None:
    """Show the channels still to join with the "✅ I've joined" button."""
    context.services.conversations.move(user_id, Flow.CHANNELS, Step.JOIN)
    keyboard = context.keyboard(user_id, [("btn_joined", callbacks.JOINED.build())])
    await context.say(user_id, "join_channels", keyboard, channels=TextFormatter.channel_list(missing))


def forget_old_channel_checks(services: Services) -> int:
    """Drop channel confirmations past their cache time (they would be checked again anyway)."""
    cutoff = time.monotonic() - services.config.channel_check_cache_seconds
    stale = [user_id for user_id, confirmed in services.channels_confirmed.items() if confirmed < cutoff]
    for user_id in stale:
        del services.channels_confirmed[user_id]
    return len(stale)
