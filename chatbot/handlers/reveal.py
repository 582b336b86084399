"""/reveal: exchanging Telegram profiles with the partner, only if both agree (🤝 Exchange / 🙅 Decline).

Nothing about either person leaves the bot unless the partner presses 🤝 Exchange on the offer of the
chat they are still in; then each gets a button to the other's profile, and the chat goes on.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from chatbot.handlers.chatting import partner_gone
from chatbot.handlers.common import Context, press_of, user_of
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import Failure, answer, delete, remove_buttons, send_profile_link

logger = logging.getLogger(__name__)


def profile_url(user_id: int, username: str | None) -> str:
    """A link that opens the user's profile: by username when they have one, else by id."""
    return f"https://t.me/{username}" if username else f"tg://user?id={user_id}"


async def reveal_command(update: Update, context: Context) -> None:
    """Offers the partner an exchange of Telegram profiles (one open offer per chat)."""
    s = context.services
    user = user_of(update)
    pairing = s.state.active_chats.get(user.id)
    if pairing is None:
        await context.say(user.id, "reveal_not_in_chat")
        return
    if not s.db.reveals.offer(pairing.chat_id, user.id, user.username):
        await context.say(user.id, "reveal_pending")
        return
    partner_id = pairing.partner_id
    keyboard = context.keyboard(
        partner_id,
        [
            ("btn_exchange", callbacks.REVEAL.build(pairing.chat_id, "yes")),
            ("btn_decline_exchange", callbacks.REVEAL.build(pairing.chat_id, "no")),
        ],
    )
    if not await context.say(partner_id, "reveal_offer", keyboard):
        await partner_gone(context, partner_id)
        return
    await context.say(user.id, "reveal_sent")


async def reveal_callback(update: Update, context: Context) -> None:
    """🤝 Exchange: each side gets a button to the other's profile. 🙅 Decline: the offerer is told.
    Only the offer's addressee, in that chat still open, once; anything else is no longer valid."""
    s = context.services
    press = press_of(update, callbacks.REVEAL)
    if press is None:
        return
    query, user_id = press.query, press.user_id
    chat_id, choice = int(press.fields[0]), press.fields[1]
    pairing = s.state.active_chats.get(user_id)
    # The offerer must be the presser's partner in this very chat: the offerer's own press, a press
    # after the chat ended, a second press and forged data all find no offer to take.
    offer = s.db.reveals.take(chat_id, pairing.partner_id) if pairing and pairing.chat_id == chat_id else None
    if offer is None:
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    await answer(query)
    await remove_buttons(query)
    offerer_id = offer.offerer_id
    if choice == "no":
        await context.say(user_id, "reveal_you_declined")
        await context.say(offerer_id, "reveal_declined")
        return
    # An exchange, never one-sided: the second link goes only if the first did, and if the second
    # cannot go, the first is taken back.
    first = await show_profile(context, offerer_id, user_id, query.from_user.username)
    if first is None:
        return
    if await show_profile(context, user_id, offerer_id, offer.offerer_username) is None:
        await delete(context.bot, offerer_id, [first])
        return
    logger.info("Profiles exchanged in chat %s", chat_id)


async def show_profile(context: Context, reader_id: int, owner_id: int, username: str | None) -> int | None:
    """Send the reader a button to the owner's profile; its message id, or None if it could not go:
    if the owner's privacy settings forbid a link, the reader is told so and the owner how to allow
    it (a username)."""
    label = context.text_for(reader_id, "btn_open_profile")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, url=profile_url(owner_id, username))]])
    sent = await send_profile_link(context.bot, reader_id, context.text_for(reader_id, "reveal_profile"), markup)
    if sent is Failure.REFUSED:
        await context.say(reader_id, "reveal_privacy_partner")
        await context.say(owner_id, "reveal_privacy_yours")
    return None if isinstance(sent, Failure) else sent.message_id
