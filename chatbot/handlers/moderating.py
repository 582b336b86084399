"""What several handler modules share of moderation: banning, the ban notice, strikes, the admin
cards (sent to every admin, pressed by an admin, closed on every copy once decided), and ⛔ asking
for the report's reason (from the rating buttons).

Below the feature handlers (moderation, reports, gate, relay), above chatting.py (a ban ends the
banned user's chat) and common.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from chatbot.core import moderation
from chatbot.handlers.chatting import finish_chat
from chatbot.handlers.common import Context, Press, press_of, query_of
from chatbot.ops import metrics
from chatbot.storage.moderation import REPORT_REASONS
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import DELETE_WINDOW, answer, delete, edit_message, edit_text, send_message
from database import Database

logger = logging.getLogger(__name__)

# Messages one deleteMessages call takes at most.
DELETE_BATCH = 100

# A report's reason -> the text key of its button (and of its name on the card).
REASON_KEYS = {
    "sexual": "btn_reason_sexual",
    "insults": "btn_reason_insults",
    "spam": "btn_reason_spam",
    "underage": "btn_reason_underage",
    "other": "btn_reason_other",
}


def ban_notice(context: Context, user_id: int) -> str:
    """What a banned user reads: until when, why, and how to appeal (until they have)."""
    db = context.services.db
    ban = db.moderation.active_ban(user_id)
    until = reason = appeal = ""
    if ban is not None:
        if ban.until:
            until = context.text_for(user_id, "ban_until_line", until=context.when(user_id, ban.until))
        if ban.reason:
            reason = context.text_for(user_id, "ban_reason_line", reason=ban.reason)
        if not db.moderation.appealed(user_id):
            appeal = context.text_for(user_id, "ban_appeal_line")
    return context.text_for(user_id, "banned", until=until, reason=reason, appeal=appeal)


async def ban(context: Context, user_id: int, reason: str | None, admin_id: int | None, order: moderation.BanOrder) -> bool:
    """Ban the user as ordered, remove them from any chat or queue, and tell them and their partner."""
    if not write_ban(context, user_id, reason, admin_id, order):
        return False
    await carry_out_ban(context, user_id)
    return True


def write_ban(context: Context, user_id: int, reason: str | None, admin_id: int | None, order: moderation.BanOrder) -> bool:
    """A ban's record: the ban, the user out of the queue, the audit; False if the user is unknown."""
    s = context.services
    if not s.db.moderation.ban_user(user_id, reason, admin_id, order.until):
        return False
    s.state.forget(user_id)
    metrics.BANS.inc()
    logger.info("User %s banned%s", user_id, f" until {order.until}" if order.until else "")
    s.db.moderation.audit(admin_id, order.action.value, user_id, reason=reason or "", until=order.until)
    return True


async def carry_out_ban(context: Context, user_id: int) -> None:
    """What follows a written ban: the user leaves any chat (the partner is told), and is told once
    (a press replayed after a crash finds the notice sent)."""
    await finish_chat(context, user_id, None, "partner_removed")
    ban = context.services.db.moderation.active_ban(user_id)
    if ban is not None and not ban.notified:
        await send_message(context.bot, user_id, ban_notice(context, user_id))
        context.services.db.moderation.ban_notified(user_id, ban.id)


async def purge(context: Context, user_id: int, admin_id: int) -> int:
    """Delete every copy of the user's messages from their partners' chats that the reply map still
    knows (a chat's length plus REPORT_EVIDENCE_HOURS) and Telegram still lets the bot delete (48
    hours); audited with the count. Returns how many copies were deleted."""
    s = context.services
    since = int(time.time() - DELETE_WINDOW.total_seconds())
    deleted = 0
    for holder, message_ids in s.db.chats.copies_of(user_id, since).items():
        for start in range(0, len(message_ids), DELETE_BATCH):
            batch = message_ids[start : start + DELETE_BATCH]
            if await delete(context.bot, holder, batch, bulk=True):
                deleted += len(batch)
    logger.info("Purged %s messages of user %s", deleted, user_id)
    s.db.moderation.audit(admin_id, moderation.AuditAction.PURGE.value, user_id, deleted=deleted)
    return deleted


def strike(db: Database, user_id: int, now: datetime | None = None) -> datetime | None:
    """Count a message the filter refused; the end of the mute it starts, if the ladder says it does."""
    # To the second, as the database keeps times: the mute's end is then the same after a restart.
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    history = db.moderation.add_strike(user_id, now, now - moderation.STRIKE_WINDOW, now - moderation.STRIKE_MEMORY)
    until = moderation.mute_after_strike(history.strikes, history.mutes, now)
    return db.moderation.mute(user_id, now, until) if until is not None else None


async def send_cards(
    context: Context,
    kind: str,
    item_id: int,
    card: Callable[[int], tuple[str, InlineKeyboardMarkup]],
    under: Callable[[int], Awaitable[object]],
) -> None:
    """Send every admin their copy of a card (`card(admin)`: its text and buttons in their language),
    remember each copy so that `close_cards` finds it, and put `under(admin)` beneath it."""
    s = context.services
    for admin_id in sorted(s.config.admin_ids):
        text, keyboard = card(admin_id)
        sent = await send_message(context.bot, admin_id, text, keyboard, bulk=True)
        if sent is None:
            continue  # this admin is gone; the others still get theirs
        s.db.moderation.add_card(kind, item_id, admin_id, sent.message_id)
        await under(admin_id)


async def admin_press(update: Update, context: Context, kind: callbacks.Callback) -> Press | None:
    """A press on an admin's card button; anyone else's press, or forged data, is answered as invalid."""
    press = press_of(update, kind)
    if press is None or press.user_id not in context.services.config.admin_ids:
        query = query_of(update)
        await answer(query, context.text_for(query.from_user.id, "button_invalid"))
        return None
    return press


async def close_cards(context: Context, kind: str, item_id: int, text: Callable[[int], str]) -> None:
    """Edit every admin's copy of a card to `text(that admin)` (saying what was done), without buttons."""
    for reader_id, message_id in context.services.db.moderation.cards(kind, item_id):
        await edit_message(context.bot, reader_id, message_id, text(reader_id))


async def refuse_rating(context: Context, query: CallbackQuery, status: str) -> None:
    """Answer a rating or report that cannot count: 'duplicate' (rated already) or 'invalid'."""
    key = "rating_duplicate" if status == "duplicate" else "rating_invalid"
    await answer(query, context.text_for(query.from_user.id, key))


async def ask_reason(update: Update, context: Context, chat_id: int) -> None:
    """⛔ pressed: the rating buttons become the reasons; the report counts once one is chosen."""
    query = query_of(update)
    user_id = query.from_user.id
    status = context.services.db.chats.rating_status(user_id, chat_id)
    if status != "ok":
        await refuse_rating(context, query, status)
        return
    await answer(query)
    rows = [[(REASON_KEYS[r], callbacks.REPORT.build(chat_id, r))] for r in REPORT_REASONS]
    text = context.text_for(user_id, "report_ask_reason")
    await edit_text(query, text, context.keyboard(user_id, *rows))
