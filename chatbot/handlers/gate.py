"""Gatekeeping, a small step each, in the order the registrar runs them:

1. `admit` (asked by the update processor as each update arrives, before it waits for its turn):
   rate limits count the update and drop a flood at the door.
2. `seen` (group -5): who was active, and the language of someone not yet registered.
3. `ban_gate` (group -3): a banned user's update stops here, but for what a banned user may still do.
   (Group -4 copies a waiting album first; group -2 notes an invite link: bot.py.)
4. `channel_gate` (group -1): /start, /search and /next wait until the required channels are joined.

A step stops an update with ApplicationHandlerStop.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update, User
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ExtBot

from chatbot.core.flows import Flow, Step
from chatbot.handlers.channels import ask_to_join, channels_missing
from chatbot.handlers.common import Context, Services
from chatbot.handlers.moderating import ban_notice
from chatbot.i18n.texts import t
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.messages import command_of
from chatbot.telegram_io.sending import answer, optional, send_text
from utils import RateLimiter, Verdict

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
    chat writes, edits or reacts the message limit; nothing else (payments never) is limited."""
    message = update.message
    if update.effective_user is None or update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return None
    if message is not None and (message.successful_payment or message.refunded_payment):
        return None
    command = command_of(message)
    if command in RATE_LIMITED_COMMANDS:
        return services.action_limiter
    written = (message and command is None) or update.edited_message or update.message_reaction
    if written and update.effective_user.id in services.state.active_chats:
        return services.message_limiter
    return None


async def seen(update: Update, context: Context) -> None:
    """Notes who was active (for /stats), and the app language of someone not registered yet."""
    user = update.effective_user
    if user is None:
        return
    s = context.services
    if update.message or update.callback_query or update.edited_message:
        s.activity.seen(user.id)
    s.languages.note_app_language(user.id, user.language_code)


def gated_user(update: Update) -> User | None:
    """The user whose update the gates judge; None for what no gate stops: payments and refunds (the
    user's Stars are already on their way), chat member changes, anything outside private chats."""
    user = update.effective_user
    message = update.message
    if user is None or update.pre_checkout_query or (message and (message.successful_payment or message.refunded_payment)):
        return None
    if update.my_chat_member or (update.effective_chat and update.effective_chat.type != ChatType.PRIVATE):
        return None
    return user


async def ban_gate(update: Update, context: Context) -> None:
    """Stops a banned user's update, but for what they may still do: read the information commands and
    their profile, send the support request or appeal they asked for, confirm /deleteme, choose a
    language."""
    user = gated_user(update)
    message = update.message
    if user is None or not (update.callback_query or message):
        return
    s = context.services
    command = command_of(message)
    if command in BANNED_ALLOWED_COMMANDS or not s.db.moderation.is_banned(user.id):
        return
    owed = message and command is None and any(s.conversations.at(user.id, f, st) for f, st in BANNED_ALLOWED_FLOWS)
    data = update.callback_query.data if update.callback_query else None
    if owed or callbacks.DELETE_ME.parse(data) or callbacks.LANGUAGE.parse(data):
        return
    if update.callback_query:
        # An alert holds 200 characters at most.
        await answer(update.callback_query, ban_notice(context, user.id)[:200], alert=True)
    else:
        await send_text(context.bot, user.id, ban_notice(context, user.id))
    raise ApplicationHandlerStop


async def channel_gate(update: Update, context: Context) -> None:
    """Stops /start, /search and /next of a user missing a required channel, and shows what to join."""
    user = gated_user(update)
    command = command_of(update.message)
    if user is None or command not in CHANNEL_GATED_COMMANDS:
        return
    missing = await channels_missing(context, user.id, fresh=command == "start")
    if missing:
        await ask_to_join(context, user.id, missing)
        raise ApplicationHandlerStop
