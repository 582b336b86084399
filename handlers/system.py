"""The bot's own upkeep: the one error handler, the hourly housekeeping, and its Telegram profile
(command menu, descriptions)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ChatType

from handlers.gate import forget_old_channel_checks
from sending import optional
from services import Context, Services
from texts import DEFAULT_LANGUAGE, t

logger = logging.getLogger(__name__)

# The command menu, in its order: (command, text key of its description).
MENU_COMMANDS = (
    ("search", "menu_search"),
    ("next", "menu_next"),
    ("stop", "menu_stop"),
    ("profile", "menu_profile"),
    ("settings", "menu_settings"),
    ("vip", "menu_vip"),
    ("rules", "menu_rules"),
    ("help", "menu_help"),
    ("privacy", "menu_privacy"),
    ("paysupport", "menu_paysupport"),
    ("deleteme", "menu_deleteme"),
    ("start", "menu_start"),
)
ADMIN_MENU_COMMANDS = (
    ("ban", "menu_ban"),
    ("unban", "menu_unban"),
    ("audit", "menu_audit"),
    ("stats", "menu_stats"),
    ("backup", "menu_backup"),
    ("refund", "menu_refund"),
)


async def error_handler(update: object, context: Context) -> None:
    """Logs the failing update's id and the exception, and tells the user something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Exception while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_user and update.effective_chat:
        if update.effective_chat.type == ChatType.PRIVATE:
            await context.say(update.effective_user.id, "error")


async def housekeeping_job(context: Context) -> None:
    """Expires ended VIPs; deletes what the retention periods say; forgets idle rate-limit entries, stale
    channel checks and old journaled updates."""
    s: Services = context.services
    expired = s.db.expire_vips()
    maps, chats = s.db.prune_old_chats(s.config.chat_retention_days, s.config.report_evidence_hours)
    logger.info("Housekeeping: %s reply maps past REPORT_EVIDENCE_HOURS and %s old chats deleted", maps, chats)
    dropped = s.action_limiter.cleanup() + s.message_limiter.cleanup() + forget_old_channel_checks(s)
    dropped += s.pacing.forget_idle()
    pruned = s.db.prune_journal()
    logger.debug(
        "Housekeeping: %s VIPs expired, %s rate-limit, pacing and channel-check entries and %s journaled updates dropped",
        expired,
        dropped,
        pruned,
    )


async def set_bot_profile(bot: Bot, admin_ids: frozenset[int]) -> None:
    """The command menu for everyone, with the admin commands in each admin's chat, and descriptions."""
    lang = DEFAULT_LANGUAGE
    public = [BotCommand(name, t(key, lang)) for name, key in MENU_COMMANDS]
    admin = public + [BotCommand(name, t(key, lang)) for name, key in ADMIN_MENU_COMMANDS]
    calls: list[tuple[str, Awaitable[Any]]] = [
        ("commands", bot.set_my_commands(public, scope=BotCommandScopeDefault())),
        *((f"admin {a} commands", bot.set_my_commands(admin, scope=BotCommandScopeChat(a))) for a in sorted(admin_ids)),
        ("description", bot.set_my_description(t("bot_description", lang))),
        ("short description", bot.set_my_short_description(t("bot_short_description", lang))),
    ]
    for what, call in calls:
        # A convenience only: an admin who never opened the bot ("chat not found") must not stop it.
        await optional(call, f"set the {what}")
