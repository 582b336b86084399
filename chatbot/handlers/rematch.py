"""🔁 Chat again: for REMATCH_MINUTES after a chat ends, either side may ask the other to chat again;
✅ Accept pairs them at once if both are free, ❌ Decline tells the one who asked.

Never after a 👎 or ⛔ between the two (either way, before or after the request), never with a
banned user, and one open request per sender. Requests live in SQLite: a restart keeps them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import Update

from chatbot.handlers.chatting import start_chat_with
from chatbot.handlers.common import Context, press_of
from chatbot.storage.rematches import RematchRequest
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import answer, remove_buttons

logger = logging.getLogger(__name__)


def minutes(context: Context, user_id: int) -> str:
    """REMATCH_MINUTES as the user's language writes it (fractions allowed)."""
    value = context.services.config.rematch_minutes
    return context.number(user_id, value, 0 if value == int(value) else 1)


def refused(context: Context, user_id: int, other_id: int) -> bool:
    """Whether these two may never chat again: a 👎 or ⛔ between them (either way), or a ban. The
    text says neither which nor who, so nothing about the other is revealed."""
    s = context.services
    if other_id in s.db.matching.blocked_ids(user_id):
        return True
    return s.db.moderation.is_banned(user_id) or s.db.moderation.is_banned(other_id)


async def chat_again_callback(update: Update, context: Context) -> None:
    """🔁 Chat again under a finished chat: asks the other side (a second press: it is on its way)."""
    s = context.services
    press = press_of(update, callbacks.AGAIN)
    if press is None:
        return
    query, user_id = press.query, press.user_id
    chat_id = int(press.fields[0])
    chat = s.db.chats.chat(chat_id)
    if chat is None or user_id not in chat[:2] or chat[2] is None:
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    other_id = chat[1] if chat[0] == user_id else chat[0]
    pairing = s.state.active_chats.get(user_id)
    if pairing is not None and pairing.partner_id == other_id:
        await answer(query, context.text_for(user_id, "button_invalid"))  # chatting again already
        return
    now = datetime.now(timezone.utc)
    window = timedelta(minutes=s.config.rematch_minutes)
    if chat[2] + window < now:
        await answer(query, context.text_for(user_id, "rematch_too_late", minutes=minutes(context, user_id)), alert=True)
        return
    if refused(context, user_id, other_id):
        await answer(query, context.text_for(user_id, "rematch_refused"), alert=True)
        return
    if s.db.rematches.sent_by(user_id, now - window) is not None:
        await answer(query, context.text_for(user_id, "rematch_on_its_way"), alert=True)
        return
    asked = s.db.rematches.sent_by(other_id, now - window)
    if asked is not None and asked.to_id == user_id:
        # Both pressed 🔁 Chat again: the other's request is answered by this press.
        await answer(query)
        await accept(context, asked)
        return
    request = s.db.rematches.request(chat_id, user_id, other_id)
    await answer(query)
    keyboard = context.keyboard(
        other_id,
        [
            ("btn_accept", callbacks.REMATCH.build(request.request_id, "yes")),
            ("btn_decline", callbacks.REMATCH.build(request.request_id, "no")),
        ],
    )
    if await context.say(other_id, "rematch_request", keyboard):
        await context.say(user_id, "rematch_sent")
    else:
        s.db.rematches.close(request.request_id)
        await context.say(user_id, "rematch_unavailable")


async def rematch_callback(update: Update, context: Context) -> None:
    """✅ Accept: the two chat at once if both are free (else the presser is told and the request stays
    open). ❌ Decline: the one who asked is told. Answered, expired or forged: no longer valid."""
    s = context.services
    press = press_of(update, callbacks.REMATCH)
    if press is None:
        return
    query, user_id = press.query, press.user_id
    request = s.db.rematches.get(int(press.fields[0]))
    now = datetime.now(timezone.utc)
    expired = request is not None and request.created_at + timedelta(minutes=s.config.rematch_minutes) < now
    if request is None or request.to_id != user_id or expired:
        if request is not None and expired:
            s.db.rematches.close(request.request_id)
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    refuse = refused(context, user_id, request.from_id)
    if press.fields[1] == "no" or refuse:
        s.db.rematches.close(request.request_id)
        await answer(query)
        await remove_buttons(query)
        if refuse:
            await context.say(user_id, "rematch_refused")
            return
        await context.say(user_id, "rematch_you_declined")
        await context.say(request.from_id, "rematch_declined")
        return
    await answer(query)
    if await accept(context, request):
        await remove_buttons(query)


async def accept(context: Context, request: RematchRequest) -> bool:
    """Pair the two of an accepted request if both are free, and close it; else the acceptor is told
    who is busy and the request stays open until it expires. True if they chat now."""
    s = context.services
    accepter = request.to_id
    busy = [u for u in (accepter, request.from_id) if u in s.state.active_chats]
    if busy:
        await context.say(accepter, "rematch_you_are_busy" if accepter in busy else "rematch_partner_busy")
        return False
    s.db.rematches.close(request.request_id)
    if not await start_chat_with(context, accepter, request.from_id):
        await context.say(accepter, "rematch_unavailable")
        return False
    logger.info("Users of chat %s chat again", request.chat_id)
    return True
