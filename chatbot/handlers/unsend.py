"""/delete, as a reply to one of your own messages in the chat: deletes it for both, your message
and the partner's copy (Telegram lets a bot delete a message of a private chat for 48 hours). What
may be deleted is `core.unsend`'s rule; an album's items go one by one, each replied to.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import Update

from chatbot.core.unsend import Verdict, judge
from chatbot.handlers.common import Context, message_of, user_of
from chatbot.telegram_io.sending import DELETE_WINDOW, delete

logger = logging.getLogger(__name__)

# Why nothing was deleted, as the user reads it.
REFUSALS = {
    Verdict.NOT_IN_CHAT: "delete_not_in_chat",
    Verdict.USAGE: "delete_usage",
    Verdict.NOT_RELAYED: "delete_not_relayed",
    Verdict.OTHER_CHAT: "delete_other_chat",
    Verdict.NOT_YOURS: "delete_not_yours",
    Verdict.TOO_OLD: "delete_too_old",
}


async def delete_command(update: Update, context: Context) -> None:
    """Deletes the replied-to message of the user's current chat for both sides."""
    s = context.services
    user_id = user_of(update).id
    target = message_of(update).reply_to_message
    pairing = s.state.active_chats.get(user_id)
    mapped = s.db.chats.mapped(user_id, target.message_id) if pairing is not None and target is not None else None
    verdict = judge(
        current_chat=pairing.chat_id if pairing is not None else None, replied=target is not None,
        message_chat=mapped.chat_id if mapped is not None else None, sent_by_them=mapped is not None and mapped.sent,
        age=datetime.now(timezone.utc) - target.date if target is not None else timedelta(0), window=DELETE_WINDOW,
    )  # fmt: skip
    if verdict is not Verdict.DELETE:
        await context.say(user_id, REFUSALS[verdict])
        return
    assert pairing is not None and target is not None and mapped is not None
    deleted = await delete(context.bot, pairing.partner_id, [mapped.peer_message_id])
    await delete(context.bot, user_id, [target.message_id])
    # Forgotten once deleted (a crash before this replays the /delete, which finds it still mapped).
    s.db.chats.forget_message(user_id, target.message_id)
    logger.info("A message of chat %s deleted for both", pairing.chat_id)
    await context.say(user_id, "delete_done" if deleted else "delete_partner_kept")
