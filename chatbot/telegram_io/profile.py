"""The bot's Telegram profile: the command menu (for everyone, each admin and each user who chose a
language), the description and the short description, in every language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault

from chatbot.i18n.texts import DEFAULT_LANGUAGE, LANGUAGES, t
from chatbot.telegram_io.sending import optional

logger = logging.getLogger(__name__)

# The command menu, in its order: (command, text key of its description).
MENU_COMMANDS = (
    ("search", "menu_search"),
    ("next", "menu_next"),
    ("stop", "menu_stop"),
    ("reveal", "menu_reveal"),
    ("profile", "menu_profile"),
    ("settings", "menu_settings"),
    ("vip", "menu_vip"),
    ("invite", "menu_invite"),
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
    ("purge", "menu_purge"),
    ("audit", "menu_audit"),
    ("broadcast", "menu_broadcast"),
    ("stats", "menu_stats"),
    ("backup", "menu_backup"),
    ("refund", "menu_refund"),
)


def command_menu(lang: str, admin: bool) -> list[BotCommand]:
    """The command menu in a language; an admin's adds the admin commands."""
    menu = MENU_COMMANDS + (ADMIN_MENU_COMMANDS if admin else ())
    return [BotCommand(name, t(key, lang)) for name, key in menu]


async def set_bot_profile(bot: Bot, admin_ids: frozenset[int], lang_of: Callable[[int], str]) -> int:
    """The command menu, description and short description in every language (English for any other
    app language), and each admin's menu with the admin commands, in the admin's language.

    What Telegram already has is read first and only what differs is set: Telegram limits how often a
    bot changes its profile, and a restart (or a crash loop) with nothing changed must make no set
    call. Returns how many items were set."""
    changed = 0
    for lang in LANGUAGES:
        # English is also the default: what apps in any other language show.
        for code in (None, lang) if lang == DEFAULT_LANGUAGE else (lang,):
            changed += await ensure_commands(bot, command_menu(lang, False), BotCommandScopeDefault(), code, f"{lang} commands")
            description, short = t("bot_description", lang), t("bot_short_description", lang)
            current = await optional(bot.get_my_description(code), f"read the {lang} description")
            if current is None or current.description != description:
                changed += await set_item(bot.set_my_description(description, code), f"{lang} description")
            current_short = await optional(bot.get_my_short_description(code), f"read the {lang} short description")
            if current_short is None or current_short.short_description != short:
                changed += await set_item(bot.set_my_short_description(short, code), f"{lang} short description")
    for admin_id in sorted(admin_ids):
        scope = BotCommandScopeChat(admin_id)
        changed += await ensure_commands(bot, command_menu(lang_of(admin_id), True), scope, None, f"admin {admin_id} commands")
    logger.info("Bot profile checked: %s item(s) set", changed)
    return changed


async def ensure_commands(bot: Bot, wanted: list[BotCommand], scope: BotCommandScope, code: str | None, what: str) -> int:
    """Set a command menu unless Telegram has it already; 1 if it was set."""
    current = await optional(bot.get_my_commands(scope, code), f"read the {what}")
    if current is not None and [(c.command, c.description) for c in current] == [(c.command, c.description) for c in wanted]:
        return 0
    return await set_item(bot.set_my_commands(wanted, scope, code), what)


async def set_item(call: Awaitable[bool], what: str) -> int:
    """One set call; a convenience only (an admin who never opened the bot: "chat not found"), so a
    failure is logged and the bot goes on. 1 if it was set."""
    return 1 if await optional(call, f"set the {what}") else 0


def set_commands_call(bot: Bot, chat_id: int, lang: str, admin: bool) -> Awaitable[bool]:
    return bot.set_my_commands(command_menu(lang, admin), scope=BotCommandScopeChat(chat_id))


async def set_chat_commands(bot: Bot, user_id: int, lang: str, admin: bool) -> None:
    """One user's command menu in the language they chose (their app's language may differ)."""
    await optional(set_commands_call(bot, user_id, lang, admin), f"set the commands of {user_id}")
