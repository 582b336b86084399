"""The user's own account and the bot's information: /profile, /rules, /help, /privacy."""

from __future__ import annotations

from telegram import Update

from services import Context, user_of
from utils import TextFormatter


async def profile_command(update: Update, context: Context) -> None:
    """Shows the user's gender, age, VIP status, chats and ratings received."""
    s = context.services
    user_id = user_of(update).id
    user = s.db.get_user(user_id)
    if user is None:
        await context.say(user_id, "not_registered")
        return
    good, bad = s.db.rating_counts(user_id)
    until = s.db.vip_until(user_id)
    vip = (
        context.text_for(user_id, "profile_vip_until", until=TextFormatter.timestamp(until))
        if until
        else context.text_for(user_id, "profile_no_vip")
    )
    gender = TextFormatter.gender(user["gender"], s.lang(user_id))
    chats = s.db.chats_count(user_id)
    await context.say(user_id, "profile", gender=gender, age=user["age"], vip=vip, chats=chats, good=good, bad=bad)


async def rules_command(update: Update, context: Context) -> None:
    """Shows the rules."""
    await context.say(user_of(update).id, "rules")


async def help_command(update: Update, context: Context) -> None:
    """Lists the commands."""
    await context.say(user_of(update).id, "help")


async def privacy_command(update: Update, context: Context) -> None:
    """States what is stored and for how long."""
    await context.say(user_of(update).id, "privacy")


async def unknown_command(update: Update, context: Context) -> None:
    """Answers a command the bot does not know (or that this user may not use)."""
    await context.say(user_of(update).id, "unknown_command")
