"""🔁 Chat again: for REMATCH_MINUTES after a chat ends, either side may ask the other to chat again;
✅ Accept pairs them at once if both are free, ❌ Decline tells the one who asked. The rules are
`core.rematch`'s; requests live in SQLite, so a restart keeps them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import CallbackQuery, Update

from chatbot.core import rematch
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


def allowed(context: Context, user_id: int, other_id: int) -> bool:
    """Whether these two may chat again (no 👎 or ⛔ between them either way, no ban)."""
    s = context.services
    blocked = other_id in s.db.matching.blocked_ids(user_id)
    banned = s.db.moderation.is_banned(user_id) or s.db.moderation.is_banned(other_id)
    return rematch.may_meet_again(blocked, banned)


async def chat_again_callback(update: Update, context: Context) -> None:
    """🔁 Chat again under a finished chat: asks the other side (a second press: it is on its way)."""
    s = context.services
    press = press_of(update, callbacks.AGAIN)
    if press is None:
        return
    query, user_id = press.query, press.user_id
    chat_id = int(press.fields[0])
    chat = s.db.chats.chat(chat_id)
    if chat is None or user_id not in chat[:2]:
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    other_id = chat[1] if chat[0] == user_id else chat[0]
    pairing = s.state.active_chats.get(user_id)
    now = datetime.now(timezone.utc)
    window = timedelta(minutes=s.config.rematch_minutes)
    asked = s.db.rematches.sent_by(other_id, now - window)
    verdict = rematch.ask(
        ended_at=chat[2], now=now, window=window,
        chatting_again=pairing is not None and pairing.partner_id == other_id,
        allowed=allowed(context, user_id, other_id),
        own_request_open=s.db.rematches.sent_by(user_id, now - window) is not None,
        asked_by_other=asked is not None and asked.to_id == user_id,
    )  # fmt: skip
    if verdict is rematch.Ask.INVALID:
        await answer(query, context.text_for(user_id, "button_invalid"))
    elif verdict is rematch.Ask.TOO_LATE:
        await answer(query, context.text_for(user_id, "rematch_too_late", minutes=minutes(context, user_id)), alert=True)
    elif verdict is rematch.Ask.REFUSED:
        await answer(query, context.text_for(user_id, "rematch_refused"), alert=True)
    elif verdict is rematch.Ask.ON_ITS_WAY:
        await answer(query, context.text_for(user_id, "rematch_on_its_way"), alert=True)
    elif verdict is rematch.Ask.ACCEPT_THEIRS:
        assert asked is not None
        await answer(query)
        await accept(context, asked)
    else:
        await ask(context, chat_id, user_id, other_id, query)


async def ask(context: Context, chat_id: int, user_id: int, other_id: int, query: CallbackQuery) -> None:
    """Store the request and show the other side ✅ Accept / ❌ Decline (closed if it cannot reach them)."""
    s = context.services
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
    if request is None:
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    window = timedelta(minutes=s.config.rematch_minutes)
    expired = rematch.expired(request.created_at, datetime.now(timezone.utc), window)
    verdict = rematch.reply(
        addressed_to_them=request.to_id == user_id, is_expired=expired,
        allowed=allowed(context, user_id, request.from_id), accepts=press.fields[1] == "yes",
    )  # fmt: skip
    if verdict is rematch.Reply.INVALID:
        if expired:
            s.db.rematches.close(request.request_id)
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    if verdict is rematch.Reply.ACCEPT:
        await answer(query)
        if await accept(context, request):
            await remove_buttons(query)
        return
    s.db.rematches.close(request.request_id)
    await answer(query)
    await remove_buttons(query)
    if verdict is rematch.Reply.REFUSED:
        await context.say(user_id, "rematch_refused")
    else:
        await context.say(user_id, "rematch_you_declined")
        await context.say(request.from_id, "rematch_declined")


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
