"""The user's own account and the bot's information: /profile, /rules, /help, /privacy, and /deleteme
(flows.Flow.DELETION: "🗑 Delete my data" or "Cancel")."""

from __future__ import annotations

import logging

from telegram import Update

from chatbot.telegram_io import callbacks
from chatbot.core.flows import Flow, Step
from chatbot.telegram_io.sending import answer, edit_text
from chatbot.handlers.common import Context, query_of, user_of
from chatbot.telegram_io.albums import Albums
from utils import TextFormatter

logger = logging.getLogger(__name__)


async def profile_command(update: Update, context: Context) -> None:
    """Shows the user's gender, age, VIP status, chats and ratings received."""
    s = context.services
    user_id = user_of(update).id
    user = s.db.users.get(user_id)
    if user is None:
        await context.say(user_id, "not_registered")
        return
    good, bad = s.db.chats.rating_counts(user_id)
    until = s.db.payments.vip_until(user_id)
    vip = (
        context.text_for(user_id, "profile_vip_until", until=context.when(user_id, until))
        if until
        else context.text_for(user_id, "profile_no_vip")
    )
    gender = TextFormatter.gender(user.gender, s.lang(user_id))
    chats = s.db.chats.count_for(user_id)
    ban = s.db.moderation.active_ban(user_id)
    ban_line = (
        ""
        if ban is None
        else context.text_for(user_id, "profile_banned", until=context.when(user_id, ban.until))
        if ban.until
        else context.text_for(user_id, "profile_banned_forever")
    )
    await context.say(
        user_id, "profile", gender=gender, age=user.age, vip=vip, chats=chats, good=good, bad=bad, ban=ban_line
    )


async def rules_command(update: Update, context: Context) -> None:
    """Shows the rules."""
    await context.say(user_of(update).id, "rules")


async def help_command(update: Update, context: Context) -> None:
    """Lists the commands."""
    await context.say(user_of(update).id, "help")


async def privacy_command(update: Update, context: Context) -> None:
    """States what is stored and for how long (the periods are the configured ones)."""
    config = context.services.config
    await context.say(
        user_of(update).id,
        "privacy",
        evidence_hours=f"{config.report_evidence_hours:g}",
        retention_days=config.chat_retention_days,
        backup_days=config.backup_keep,
        flow_days=config.flow_expire_days,
    )


async def deleteme_command(update: Update, context: Context) -> None:
    """Asks to confirm deleting the user's data."""
    user_id = user_of(update).id
    context.services.conversations.move(user_id, Flow.DELETION, Step.CONFIRM)
    keyboard = context.keyboard(
        user_id,
        [("btn_delete_confirm", callbacks.DELETE_ME.build("yes")), ("btn_delete_cancel", callbacks.DELETE_ME.build("no"))],
    )
    await context.say(user_id, "deleteme_confirm", keyboard)


async def deleteme_callback(update: Update, context: Context) -> None:
    """🗑 Delete my data: ends any chat or search, then deletes; Cancel changes nothing."""
    s = context.services
    query = query_of(update)
    user_id = query.from_user.id
    if not s.conversations.end(user_id, Flow.DELETION):
        # Confirmed or cancelled already (a double tap, an old message).
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    await answer(query)
    if callbacks.DELETE_ME.parse(query.data) != ("yes",):
        await edit_text(query, context.text_for(user_id, "deleteme_canceled"))
        return
    s.state.leave_queue(user_id)
    pairing = s.state.unpair(user_id)
    context.bot_data.owned(Albums).pop(user_id, None)
    s.db.delete_user_data(user_id)
    logger.info("User %s deleted their data", user_id)
    await edit_text(query, context.text_for(user_id, "deleteme_done"))
    if pairing is not None:
        # No rating buttons: the chat no longer exists to be rated.
        await context.say(pairing.partner_id, "partner_ended_chat")


async def unknown_command(update: Update, context: Context) -> None:
    """Answers a command the bot does not know (or that this user may not use)."""
    await context.say(user_of(update).id, "unknown_command")
