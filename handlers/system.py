"""The bot's own upkeep: the one error handler, the hourly housekeeping, and its Telegram profile
(command menu, descriptions)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ChatType
from telegram.error import NetworkError

import metrics
from handlers.gate import forget_old_channel_checks
from pacing import Interrupted, Undelivered
from sending import optional
from services import Context, Services
from texts import DEFAULT_LANGUAGE, LANGUAGES, t

logger = logging.getLogger(__name__)


def _glibc() -> ctypes.CDLL | None:
    """glibc, for malloc_trim; None elsewhere (musl, macOS), where nothing is trimmed."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()

# How often entries idle past their window are forgotten: the shortest window (MESSAGE_RATE_WINDOW's
# default) is 10 s, so an idle user's entries live at most about twice their window.
FORGET_IDLE_SECONDS = 10
# How often freed memory is handed back to the system (a full collection and malloc_trim: a few ms).
RELEASE_MEMORY_SECONDS = 60

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
    ("language", "menu_language"),
    ("start", "menu_start"),
)
ADMIN_MENU_COMMANDS = (
    ("ban", "menu_ban"),
    ("unban", "menu_unban"),
    ("audit", "menu_audit"),
    ("broadcast", "menu_broadcast"),
    ("stats", "menu_stats"),
    ("backup", "menu_backup"),
    ("refund", "menu_refund"),
)


async def error_handler(update: object, context: Context) -> None:
    """Logs a failure once and tells the user what it means for them; never raises itself."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, Interrupted):
        # Not handled, not lost: the journal replays it at the next start.
        if update_id is not None:
            context.services.update_processor.leave_unfinished(update_id)
        logger.info("Update %s left for the next start: %s", update_id, error)
        return
    if update is None and isinstance(error, NetworkError):
        # getUpdates failed (Telegram unreachable, a 5xx, a timeout): PTB polls again with a backoff.
        logger.warning("Polling failed, trying again: %s", error)
        return
    metrics.HANDLER_ERRORS.inc()
    if isinstance(error, Undelivered):
        # Telegram kept failing for API_RETRY_SECONDS: a known outage, said in one line, no traceback.
        logger.warning("Update %s not delivered: %s", update_id, error)
        key = "not_delivered"
    else:
        logger.error("Exception while handling update %s", update_id, exc_info=error)
        key = "error"
    if not (isinstance(update, Update) and update.effective_user and update.effective_chat):
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    try:
        await context.say(update.effective_user.id, key)
    except Exception as exc:  # noqa: BLE001 - the error handler is the last stop: nothing may escape it
        logger.warning("Could not tell user %s of the failure of update %s: %s", update.effective_user.id, update_id, exc)


async def activity_job(context: Context) -> None:
    """Writes the last minute's activity (who sent anything, who searched) for /stats."""
    context.services.activity.flush(context.services.db)


async def housekeeping_job(context: Context) -> None:
    """Expires ended VIPs; deletes what the retention periods say; forgets old journaled updates."""
    s: Services = context.services
    expired = s.db.expire_vips()
    maps, chats = s.db.prune_old_chats(s.config.chat_retention_days, s.config.report_evidence_hours)
    logger.info("Housekeeping: %s reply maps past REPORT_EVIDENCE_HOURS and %s old chats deleted", maps, chats)
    pruned = s.db.prune_journal()
    logger.debug("Housekeeping: %s VIPs expired, %s journaled updates dropped", expired, pruned)


async def release_memory_job(context: Context) -> None:
    """Hands freed memory back to the system: after a wave of users goes idle, glibc keeps the freed
    heap for reuse, so the process would stay at its peak; malloc_trim returns it."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


async def forget_idle_job(context: Context) -> None:
    """Forgets what is kept per user or chat once it is idle past its window (rate-limit entries,
    per-chat pace, channel checks), so memory follows the active users, not everyone ever seen."""
    s: Services = context.services
    dropped = s.action_limiter.cleanup() + s.message_limiter.cleanup() + forget_old_channel_checks(s)
    dropped += s.pacing.forget_idle()
    application = context.application
    if application.persistence is None:
        # PTB notes the id of every user and chat it sees for a persistence run to save their data,
        # and only that run clears them; with no persistence they would grow with every stranger.
        # No public API clears them: the private sets are emptied here (nothing else reads them).
        dropped += len(application._user_ids_to_be_updated_in_persistence)
        application._user_ids_to_be_updated_in_persistence.clear()
        application._chat_ids_to_be_updated_in_persistence.clear()
    if dropped:
        logger.debug("Forgot %s idle rate-limit, pacing and channel-check entries", dropped)


def command_menu(lang: str, admin: bool) -> list[BotCommand]:
    """The command menu in a language; an admin's adds the admin commands."""
    menu = MENU_COMMANDS + (ADMIN_MENU_COMMANDS if admin else ())
    return [BotCommand(name, t(key, lang)) for name, key in menu]


async def set_bot_profile(bot: Bot, admin_ids: frozenset[int], lang_of: Callable[[int], str]) -> None:
    """The command menu, description and short description in every language (English for any other
    app language), and each admin's menu with the admin commands, in the admin's language."""
    calls: list[tuple[str, Awaitable[Any]]] = []
    for lang in LANGUAGES:
        # English is also the default: what apps in any other language show.
        for code in (None, lang) if lang == DEFAULT_LANGUAGE else (lang,):
            calls += [
                (f"{lang} commands", bot.set_my_commands(command_menu(lang, False), BotCommandScopeDefault(), code)),
                (f"{lang} description", bot.set_my_description(t("bot_description", lang), code)),
                (f"{lang} short description", bot.set_my_short_description(t("bot_short_description", lang), code)),
            ]
    for admin_id in sorted(admin_ids):
        calls.append((f"admin {admin_id} commands", set_commands_call(bot, admin_id, lang_of(admin_id), True)))
    for what, call in calls:
        # A convenience only: an admin who never opened the bot ("chat not found") must not stop it.
        await optional(call, f"set the {what}")


def set_commands_call(bot: Bot, chat_id: int, lang: str, admin: bool) -> Awaitable[bool]:
    return bot.set_my_commands(command_menu(lang, admin), scope=BotCommandScopeChat(chat_id))


async def set_chat_commands(bot: Bot, user_id: int, lang: str, admin: bool) -> None:
    """One user's command menu in the language they chose (their app's language may differ)."""
    await optional(set_commands_call(bot, user_id, lang, admin), f"set the commands of {user_id}")
