"""/delete, as a reply to one of your own messages in the chat: deletes it for both, your message
and the partner's copy (Telegram lets a bot delete a message of a private chat for 48 hours).

Refused, with the reason and nothing deleted: no reply, a reply to the partner's message, to a
message of an earlier chat, to one never relayed (refused by the filter), or to one older than 48 hours. An album's items go one by one, each
replied to.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import Update

from chatbot.handlers.common import Context, message_of, user_of
from chatbot.telegram_io.sending import DELETE_WINDOW, delete

logger = logging.getLogger(__name__)


async def delete_command(update: Update, context: Context) -> None:
    """Deletes the replied-to message of the user's current chat for both sides."""
    s = context.services
    user_id = user_of(update).id
    target = message_of(update).reply_to_message
    pairing = s.state.active_chats.get(user_id)
    if pairing is None:
        await context.say(user_id, "delete_not_in_chat")
        return
    if target is None:
        await context.say(user_id, "delete_usage")
        return
    mapped = s.db.chats.mapped(user_id, target.message_id)
    if mapped is None:
        await context.say(user_id, "delete_not_relayed")
        return
    if mapped.chat_id != pairing.chat_id:
        await context.say(user_id, "delete_other_chat")
        return
    if not mapped.sent:
        await context.say(user_id, "delete_not_yours")
        return
    if datetime.now(timezone.utc) - target.date >= DELETE_WINDOW:
        await context.say(user_id, "delete_too_old")
        return
    deleted = await delete(context.bot, pairing.partner_id, [mapped.peer_message_id])
    await delete(context.bot, user_id, [target.message_id])
    # Forgotten once deleted (a crash before this replays the /delete, which finds it still mapped).
    s.db.chats.forget_message(user_id, target.message_id)
    logger.info("A message of chat %s deleted for both", pairing.chat_id)
    await context.say(user_id, "delete_done" if deleted else "delete_partner_kept")
