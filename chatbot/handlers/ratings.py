"""Ratings after a chat: 👍 👎 ⛔ once per rater and chat; ⛔ goes on to a report (handlers/reports.py).
🔁 Chat again stays after a 👍 and goes with a 👎 (a ⛔'s reasons replace it)."""

from __future__ import annotations

import logging

from telegram import Update

from chatbot.telegram_io import callbacks
from chatbot.handlers.chatting import chat_again_keyboard
from chatbot.handlers.moderating import ask_reason, refuse_rating
from chatbot.telegram_io.sending import answer, remove_buttons
from chatbot.handlers.common import Context, press_of, query_of

logger = logging.getLogger(__name__)


async def rating_callback(update: Update, context: Context) -> None:
    """Stores a 👍/👎 rating once; ⛔ asks for the report's reason (moderating.ask_reason)."""
    s = context.services
    press = press_of(update, callbacks.RATE)
    if press is None:
        return
    query, rater_id = press.query, press.user_id
    chat_id, rating_type = int(press.fields[0]), press.fields[1]
    if rating_type == "scam":
        await ask_reason(update, context, chat_id)
        return
    result = s.db.chats.add_rating(rater_id, chat_id, rating_type)
    if result.status != "ok":
        await refuse_rating(context, query, result.status)
        return
    await answer(query, context.text_for(rater_id, "rating_thanks"))
    await remove_buttons(query, chat_again_keyboard(context, rater_id, chat_id) if rating_type == "good" else None)


async def stale_button_callback(update: Update, context: Context) -> None:
    """Answers a button whose data no handler knows (old or forged)."""
    query = query_of(update)
    await answer(query, context.text_for(query.from_user.id, "button_invalid"))
