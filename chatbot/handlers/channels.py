"""Required channels: whether a user has joined them all (getChatMember, trusted for
CHANNEL_CHECK_CACHE_SECONDS) and the message asking to join. Shared by the channel gate and
registration's "✅ I've joined"; the confirmations are the gate's own state."""

from __future__ import annotations

import logging
import time

from telegram.constants import ChatMemberStatus

from chatbot.core.flows import Flow, Step
from chatbot.handlers.common import BotData, Context
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import optional
from utils import TextFormatter

MEMBER_STATUSES = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})


class ChannelChecks(dict[int, float]):
    """User id -> monotonic time their channel membership was last confirmed."""

    def forget_older_than(self, seconds: float) -> int:
        """Drop confirmations past their cache time (they would be checked again anyway)."""
        cutoff = time.monotonic() - seconds
        stale = [user_id for user_id, confirmed in self.items() if confirmed < cutoff]
        for user_id in stale:
            del self[user_id]
        return len(stale)


def channel_checks(bot_data: BotData) -> ChannelChecks:
    return bot_data.owned(ChannelChecks)


async def channels_missing(context: Context, user_id: int, fresh: bool) -> list[str]:
    """The required channels the user has not joined; `fresh` skips the short-lived cache."""
    s = context.services
    if not s.config.required_channels:
        return []
    checks = channel_checks(context.bot_data)
    confirmed = checks.get(user_id)
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
        checks.pop(user_id, None)
    else:
        checks[user_id] = time.monotonic()
    return missing


async def ask_to_join(context: Context, user_id: int, missing: list[str]) -> None:
    """Show the channels still to join with the "✅ I've joined" button."""
    context.services.conversations.move(user_id, Flow.CHANNELS, Step.JOIN)
    keyboard = context.keyboard(user_id, [("btn_joined", callbacks.JOINED.build())])
    await context.say(user_id, "join_channels", keyboard, channels=TextFormatter.channel_list(missing))
