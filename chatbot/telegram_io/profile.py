"""The bot's Telegram profile: the command menu (for everyone, each admin and each user who chose a
language), the description and the short description, in every language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from chatbot.i18n.texts import DEFAULT_LANGUAGE, LANGUAGES, t
from chatbot.telegram_io.sending import optional

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
