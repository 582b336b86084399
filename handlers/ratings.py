"""Ratings after a chat: 👍 👎 ⛔ once per rater and chat; ⛔ reports the partner to the admins."""

from __future__ import annotations

import logging

from telegram import Update

import callbacks
from handlers.moderation import ban
from sending import answer, remove_buttons
from services import Context, query_of

logger = logging.getLogger(__name__)


async def rating_callback(update: Update, context: Context) -> None:
    """Stores a 👍/👎/⛔ rating once; ⛔ reports the partner and may ban them."""
    s = context.services
    query = query_of(update)
    rater_id = query.from_user.id
    fields = callbacks.RATE.parse(query.data)
    if fields is None:
        return
    chat_id, rating_type = int(fields[0]), fields[1]
    result = s.db.add_rating(rater_id, chat_id, rating_type)
    if result.status == "invalid":
        await answer(query, context.text_for(rater_id, "rating_invalid"))
        return
    if result.status == "duplicate":
        await answer(query, context.text_for(rater_id, "rating_duplicate"))
        return
    await answer(query, context.text_for(rater_id, "report_thanks" if rating_type == "scam" else "rating_thanks"))
    await remove_buttons(query)
    if rating_type != "scam" or result.target_id is None:
        return
    target_id = result.target_id
    logger.info("User %s reported in chat %s", target_id, chat_id)
    await context.tell_admins("admin_report", target_id=target_id, rater_id=rater_id, chat_id=chat_id, count=result.reports)
    if result.reports >= s.config.report_ban_threshold and not s.db.is_banned(target_id):
        reason = context.text_for(target_id, "auto_ban_reason", count=result.reports)
        await ban(context, target_id, reason)
        await context.tell_admins("admin_auto_ban", user_id=target_id, count=result.reports)


async def stale_button_callback(update: Update, context: Context) -> None:
    """Answers a button whose data no handler knows (old or forged)."""
    query = query_of(update)
    await answer(query, context.text_for(query.from_user.id, "button_invalid"))
