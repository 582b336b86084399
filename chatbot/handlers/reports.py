"""Reports: ⛔ asks why (🔞 🤬 💰 👶 ❓); the report reaches every admin as a card with the chat's figures
and the reported user's last messages (copied from Telegram), and ⛔ Ban / ⏳ Ban 24 h / ✅ Dismiss:
the first admin's press acts, and every copy of the card says what was done and by whom."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import CallbackQuery, Update

from chatbot.telegram_io import callbacks
from chatbot.ops import metrics
from chatbot.handlers.moderation import admin_press, ban, card_keyboard, close_cards
from chatbot.telegram_io.sending import Failure, answer, copy_album, edit_text, remove_buttons, send_message
from chatbot.handlers.common import Context, query_of
from chatbot.storage import parse_utc, utc_text
from chatbot.storage.moderation import REPORT_REASONS
from utils import TextFormatter

logger = logging.getLogger(__name__)

# A report's reason -> the text key of its button (and of its name on the card).
REASON_KEYS = {
    "sexual": "btn_reason_sexual",
    "insults": "btn_reason_insults",
    "spam": "btn_reason_spam",
    "underage": "btn_reason_underage",
    "other": "btn_reason_other",
}
EVIDENCE_MESSAGES = 5
SUSPENSION = timedelta(hours=24)
# A card action -> the report's new status.
ACTIONS = {"ban": "banned", "suspend": "suspended", "dismiss": "dismissed"}


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


async def report_reason_callback(update: Update, context: Context) -> None:
    """A reason chosen: the report is stored (once per reporter and chat) and every admin gets a card."""
    s = context.services
    query = query_of(update)
    reporter_id = query.from_user.id
    fields = callbacks.REPORT.parse(query.data)
    if fields is None:
        return
    status, report_id = s.db.add_report(reporter_id, int(fields[0]), fields[1])
    if report_id is None:
        await refuse_rating(context, query, status)
        return
    metrics.REPORTS.inc()
    await answer(query, context.text_for(reporter_id, "report_thanks"))
    await remove_buttons(query)
    await send_report_cards(context, report_id)
    report = s.db.report(report_id)
    if report is None:
        return
    target_id, count = report["target_id"], s.db.count_reports(report["target_id"])
    logger.info("User %s reported in chat %s", target_id, report["chat_id"])
    if count >= s.config.report_ban_threshold and not s.db.is_banned(target_id):
        await ban(context, target_id, context.text_for(target_id, "auto_ban_reason", count=count), None)
        await context.tell_admins("admin_auto_ban", user_id=target_id, count=count)


def card_text(context: Context, reader_id: int, report_id: int) -> str:
    """The report card: who, why, the chat's length and messages, and how many reported the user."""
    s = context.services
    report = s.db.report(report_id) or {}
    ended = report.get("ended_at") or utc_text()
    lasted = parse_utc(ended) - parse_utc(report.get("started_at") or ended)
    return context.text_for(
        reader_id,
        "admin_report_card",
        report_id=report_id,
        target_id=report.get("target_id"),
        reporter_id=report.get("reporter_id"),
        reason=context.text_for(reader_id, REASON_KEYS.get(report.get("reason", ""), "btn_reason_other")),
        chat_id=report.get("chat_id"),
        duration=TextFormatter.duration(lasted, s.lang(reader_id)),
        target_messages=report.get("target_messages", 0),
        reporter_messages=report.get("reporter_messages", 0),
        count=s.db.count_reports(report.get("target_id", 0)),
    )


async def send_report_cards(context: Context, report_id: int) -> None:
    """One card per admin, the reported user's last messages of the chat copied under it."""
    s = context.services
    report = s.db.report(report_id)
    if report is None:
        return
    evidence = s.db.evidence(report["chat_id"], report["target_id"], EVIDENCE_MESSAGES)
    for admin_id in sorted(s.config.admin_ids):
        note = context.text_for(admin_id, "admin_report_evidence" if evidence else "admin_report_no_evidence")
        text = f"{card_text(context, admin_id, report_id)}\n\n{note}"
        sent = await send_message(context.bot, admin_id, text, card_keyboard(context, admin_id, report_id), bulk=True)
        if sent is None:
            continue
        s.db.add_card("report", report_id, admin_id, sent.message_id)
        if evidence:
            copied = await copy_album(context.bot, admin_id, report["target_id"], evidence)
            if isinstance(copied, Failure):
                logger.info("Evidence of report %s could not be copied (%s)", report_id, copied.value)


async def report_action_callback(update: Update, context: Context) -> None:
    """⛔ Ban / ⏳ Ban 24 h / ✅ Dismiss on a report card: the first admin's press acts."""
    s = context.services
    query = query_of(update)
    admin_id = query.from_user.id
    fields = await admin_press(update, context, callbacks.REPORT_ACTION)
    if fields is None:
        return
    report_id, action = int(fields[0]), fields[1]
    status = ACTIONS[action]
    report = s.db.report(report_id)
    if report is None or not s.db.decide_report(report_id, status, admin_id):
        await answer(query, context.text_for(admin_id, "admin_card_already"))
        return
    await answer(query)
    target_id = report["target_id"]
    reason = context.text_for(
        target_id, "report_ban_reason", report_id=report_id, reason=context.text_for(target_id, REASON_KEYS[report["reason"]])
    )
    if action == "dismiss":
        s.db.audit(admin_id, "dismiss", target_id, report_id=report_id)
    else:
        until = utc_text(datetime.now(timezone.utc) + SUSPENSION) if action == "suspend" else None
        await ban(context, target_id, reason, admin_id, until)
    def closed(reader: int) -> str:
        if action == "ban":
            done = context.text_for(reader, "admin_card_banned", admin_id=admin_id)
        elif action == "suspend":
            done = context.text_for(reader, "admin_card_suspended", admin_id=admin_id)
        else:
            done = context.text_for(reader, "admin_card_dismissed", admin_id=admin_id)
        return f"{card_text(context, reader, report_id)}\n\n{done}"

    await close_cards(context, "report", report_id, closed)
