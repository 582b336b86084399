"""Reports: ⛔ asks why (🔞 🤬 💰 👶 ❓); the report reaches every admin as a card with the chat's figures
and the reported user's last messages (copied from Telegram), and ⛔ Ban / ⏳ Ban 24 h / ✅ Dismiss:
the first admin's press acts, and every copy of the card says what was done and by whom."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import InlineKeyboardMarkup, Update

from chatbot.telegram_io import callbacks
from chatbot.ops import metrics
from chatbot.core import moderation
from chatbot.handlers.moderating import (
    REASON_KEYS,
    admin_press,
    ban,
    carry_out_ban,
    close_cards,
    purge,
    refuse_rating,
    send_cards,
    write_ban,
)
from chatbot.telegram_io.sending import Failure, answer, copy_album, remove_buttons
from chatbot.handlers.common import Context, press_of
from chatbot.storage.moderation import Report
from utils import TextFormatter

logger = logging.getLogger(__name__)

EVIDENCE_MESSAGES = 5


async def report_reason_callback(update: Update, context: Context) -> None:
    """A reason chosen: the report is stored (once per reporter and chat) and every admin gets a card."""
    s = context.services
    press = press_of(update, callbacks.REPORT)
    if press is None:
        return
    query, reporter_id, fields = press.query, press.user_id, press.fields
    status, report_id = s.db.moderation.add_report(reporter_id, int(fields[0]), fields[1])
    if report_id is None:
        await refuse_rating(context, query, status)
        return
    metrics.REPORTS.inc()
    await answer(query, context.text_for(reporter_id, "report_thanks"))
    await remove_buttons(query)
    await send_report_cards(context, report_id)
    report = s.db.moderation.report(report_id)
    if report is None:
        return
    target_id, count = report.target_id, s.db.moderation.count_reports(report.target_id)
    logger.info("User %s reported in chat %s", target_id, report.chat_id)
    if moderation.auto_ban_due(count, s.config.report_ban_threshold, s.db.moderation.is_banned(target_id)):
        order = moderation.ban(None, datetime.now(timezone.utc))
        await ban(context, target_id, context.text_for(target_id, "auto_ban_reason", count=count), None, order)
        await context.tell_admins("admin_auto_ban", user_id=target_id, count=count)


def card_text(context: Context, reader_id: int, report: Report) -> str:
    """The report card: who, why, the chat's length and messages, and how many reported the user."""
    s = context.services
    lasted = (report.ended_at or datetime.now(timezone.utc)) - report.started_at
    return context.text_for(
        reader_id,
        "admin_report_card",
        report_id=report.id,
        target_id=report.target_id,
        reporter_id=report.reporter_id,
        reason=context.text_for(reader_id, REASON_KEYS.get(report.reason, "btn_reason_other")),
        chat_id=report.chat_id,
        duration=TextFormatter.duration(lasted, s.lang(reader_id)),
        target_messages=report.target_messages,
        reporter_messages=report.reporter_messages,
        count=s.db.moderation.count_reports(report.target_id),
    )


def card_keyboard(context: Context, admin_id: int, report_id: int) -> InlineKeyboardMarkup:
    """⛔ Ban / 🧹 Ban and delete, then ⏳ Ban 24 h / ✅ Dismiss under a report card."""
    action = moderation.ReportAction
    return context.keyboard(
        admin_id,
        [
            ("btn_card_ban", callbacks.REPORT_ACTION.build(report_id, action.BAN.value)),
            ("btn_card_purge", callbacks.REPORT_ACTION.build(report_id, action.PURGE.value)),
        ],
        [
            ("btn_card_suspend", callbacks.REPORT_ACTION.build(report_id, action.SUSPEND.value)),
            ("btn_card_dismiss", callbacks.REPORT_ACTION.build(report_id, action.DISMISS.value)),
        ],
    )


async def send_report_cards(context: Context, report_id: int) -> None:
    """One card per admin, the reported user's last messages of the chat copied under it."""
    s = context.services
    report = s.db.moderation.report(report_id)
    if report is None:
        return
    evidence = s.db.moderation.evidence(report.chat_id, report.target_id, EVIDENCE_MESSAGES)

    def card(admin_id: int) -> tuple[str, InlineKeyboardMarkup]:
        note = context.text_for(admin_id, "admin_report_evidence" if evidence else "admin_report_no_evidence")
        return f"{card_text(context, admin_id, report)}\n\n{note}", card_keyboard(context, admin_id, report_id)

    async def evidence_under(admin_id: int) -> None:
        if evidence:
            copied = await copy_album(context.bot, admin_id, report.target_id, evidence)
            if isinstance(copied, Failure):
                logger.info("Evidence of report %s could not be copied (%s)", report_id, copied.value)

    await send_cards(context, "report", report_id, card, evidence_under)


async def report_action_callback(update: Update, context: Context) -> None:
    """⛔ Ban / ⏳ Ban 24 h / ✅ Dismiss on a report card: the first admin's press acts."""
    press = await admin_press(update, context, callbacks.REPORT_ACTION)
    if press is None:
        return
    s, query, admin_id = context.services, press.query, press.user_id
    report_id, action = int(press.fields[0]), moderation.ReportAction(press.fields[1])
    decision = moderation.decide_report(action, admin_id, datetime.now(timezone.utc))
    report = s.db.moderation.report(report_id)
    if report is None:
        await answer(query, context.text_for(admin_id, "admin_card_already"))
        return
    target_id = report.target_id
    reason = context.text_for(
        target_id, "report_ban_reason", report_id=report_id, reason=context.text_for(target_id, REASON_KEYS[report.reason])
    )
    decided = s.db.moderation.decide_report(report_id, decision.status, admin_id, update.update_id)
    if decided:
        # Written with the decision, nothing awaited in between: a crash cannot part them.
        if decision.ban is None:
            s.db.moderation.audit(admin_id, moderation.AuditAction.DISMISS.value, target_id, report_id=report_id)
        else:
            write_ban(context, target_id, reason, admin_id, decision.ban)
    elif moderation.resumes(report.decided_update, update.update_id):
        logger.info("Carrying out the decision on report %s that a restart cut short", report_id)
    else:
        await answer(query, context.text_for(admin_id, "admin_card_already"))
        return
    await answer(query)
    deleted = 0
    if decision.ban is not None and s.db.moderation.active_ban(target_id) is not None:
        await carry_out_ban(context, target_id)
        if decision.purge:
            deleted = await purge(context, target_id, admin_id)

    def closed(reader: int) -> str:
        if action is moderation.ReportAction.BAN:
            done = context.text_for(reader, "admin_card_banned", admin_id=admin_id)
        elif action is moderation.ReportAction.PURGE:
            done = context.text_for(reader, "admin_card_purged", admin_id=admin_id, count=context.number(reader, deleted))
        elif action is moderation.ReportAction.SUSPEND:
            done = context.text_for(reader, "admin_card_suspended", admin_id=admin_id)
        else:
            done = context.text_for(reader, "admin_card_dismissed", admin_id=admin_id)
        return f"{card_text(context, reader, report)}\n\n{done}"

    await close_cards(context, "report", report_id, closed)
