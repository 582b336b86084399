"""The chat's life, shared by the features that start or end a chat (/search, /next, /stop, a ban, a
partner who blocked the bot, new preferences or VIP): pairing or queueing, telling both sides, and
ending a chat with the 👍 👎 ⛔ buttons."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import InlineKeyboardMarkup

from chatbot.core.pairing import Pairing
from chatbot.handlers.common import Context
from chatbot.ops import metrics
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import send_text
from utils import TextFormatter

logger = logging.getLogger(__name__)

# A partner gender preference (None: anyone) -> the text key that names it.
WHO = {None: "pref_anyone", "male": "pref_men", "female": "pref_women"}


def rating_keyboard(context: Context, user_id: int, chat_id: int) -> InlineKeyboardMarkup:
    """The 👍 👎 ⛔ buttons for one finished chat (handlers/ratings.py answers them)."""
    ratings = (("btn_good", "good"), ("btn_bad", "bad"), ("btn_scam", "scam"))
    return context.keyboard(user_id, [(key, callbacks.RATE.build(chat_id, rating)) for key, rating in ratings])


async def search(context: Context, user_id: int) -> None:
    """Pair or queue the user, then tell whoever needs to know."""
    state = context.services.state
    context.services.activity.seen(user_id, searched=True)
    while True:
        pairing = state.pair_or_enqueue(user_id)
        if pairing is None:
            await say_searching(context, user_id)
            return
        # The waiting partner is told first: if they blocked the bot meanwhile, the chat is
        # dropped before this user ever hears of it, and the search goes on.
        if await announce_partner(context, pairing.partner_id, user_id):
            break
        logger.info("Queued user %s is gone; searching again for %s", pairing.partner_id, user_id)
        state.unpair(user_id)
    await announce_partner(context, user_id, pairing.partner_id)
    metrics.MATCHES.inc()
    logger.info("Chat %s started", pairing.chat_id)


async def search_again(context: Context, user_id: int) -> None:
    """A waiting user whose preferences or VIP changed may now fit someone else waiting: match them again."""
    if user_id in context.services.state.search_queue:
        await search(context, user_id)


async def say_searching(context: Context, user_id: int) -> None:
    """Tell a user they wait; a VIP with preferences hears whom for ("Searching for women aged 20–30...")."""
    seeker = context.services.state.seeker(user_id)
    if seeker is None or not seeker.is_vip(datetime.now(timezone.utc)) or not seeker.has_preferences():
        await context.say(user_id, "searching")
        return
    who = context.text_for(user_id, WHO[seeker.partner_gender])
    await context.say(user_id, "searching_for", who=who, min_age=seeker.age_min, max_age=seeker.age_max)


async def announce_partner(context: Context, user_id: int, partner_id: int) -> bool:
    """Tell the user a partner was found (with their gender and age for a VIP); False if the user is gone."""
    s = context.services
    text = context.text_for(user_id, "partner_found")
    if s.db.payments.vip_until(user_id):
        partner = s.db.users.get(partner_id)
        if partner:
            gender = TextFormatter.gender(partner.gender, s.lang(user_id))
            text += "\n\n" + context.text_for(user_id, "partner_info_vip", gender=gender, age=partner.age)
    else:
        text += "\n\n" + context.text_for(user_id, "vip_hint")
    return await send_text(context.bot, user_id, text)


async def finish_chat(context: Context, user_id: int, user_key: str | None, partner_key: str | None) -> Pairing | None:
    """End the user's chat and offer both sides a rating; a None text key skips that side."""
    pairing = context.services.state.unpair(user_id)
    if pairing is None:
        return None
    logger.info("Chat %s ended", pairing.chat_id)
    for who, key in ((user_id, user_key), (pairing.partner_id, partner_key)):
        if key is not None:
            text = f"{context.text_for(who, key)}\n\n{context.text_for(who, 'rate_prompt')}"
            await send_text(context.bot, who, text, rating_keyboard(context, who, pairing.chat_id))
    return pairing


async def partner_gone(context: Context, gone_id: int) -> None:
    """The user blocked the bot: end their chat, tell the partner, drop them from the queue."""
    context.services.state.leave_queue(gone_id)
    await finish_chat(context, gone_id, None, "partner_left")
