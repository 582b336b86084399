"""Moderation: banning (by an admin's /ban or by reports) and lifting bans."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.chat import finish_chat
from services import Context, user_of
from utils import ValidationHelper

logger = logging.getLogger(__name__)


async def ban(context: Context, user_id: int, reason: str | None) -> bool:
    """Ban the user, remove them from any chat or queue, and tell them and their partner."""
    s = context.services
    if not s.db.ban_user(user_id, reason):
        return False
    s.state.forget(user_id)
    logger.info("User %s banned", user_id)
    await finish_chat(context, user_id, None, "partner_removed")
    if reason:
        await context.say(user_id, "banned_with_reason", reason=reason)
    else:
        await context.say(user_id, "banned")
    return True


async def target_of(context: Context, admin_id: int, usage_key: str) -> int | None:
    """The user id an admin command names first; without one the admin is shown the usage."""
    target = ValidationHelper.parse_user_id(context.args[0]) if context.args else None
    if target is None:
        await context.say(admin_id, usage_key)
    return target


async def ban_command(update: Update, context: Context) -> None:
    """Admin: /ban <user_id> [reason]."""
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_ban_usage")
    if target is None:
        return
    reason = " ".join((context.args or [])[1:]).strip()[:200] or None
    if await ban(context, target, reason):
        await context.say(admin_id, "admin_banned", user_id=target)
    else:
        await context.say(admin_id, "admin_no_such_user", user_id=target)


async def unban_command(update: Update, context: Context) -> None:
    """Admin: /unban <user_id>."""
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_unban_usage")
    if target is None:
        return
    if not context.services.db.unban_user(target):
        await context.say(admin_id, "admin_no_such_user", user_id=target)
        return
    logger.info("User %s unbanned", target)
    await context.say(admin_id, "admin_unbanned", user_id=target)
    await context.say(target, "unbanned")
