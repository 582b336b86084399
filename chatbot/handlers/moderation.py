"""Moderation: bans (permanent or for a time, by an admin or by reports), lifting them, appeals
(flows.Flow.APPEAL: one message to the admins, a card with ✅ Unban / ❌ Reject), and /audit."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import InlineKeyboardMarkup, Message, Update

from chatbot.telegram_io import callbacks
from chatbot.core import moderation
from chatbot.core.flows import Flow, Step
from chatbot.handlers.moderating import admin_press, ban, close_cards, purge, send_cards
from chatbot.telegram_io.sending import answer, copy
from chatbot.handlers.common import Context, message_of, user_of
from chatbot.storage.moderation import AuditEntry
from chatbot.i18n.texts import t
from utils import TextFormatter, ValidationHelper

logger = logging.getLogger(__name__)

AUDIT_DEFAULT, AUDIT_MAX = 20, 100
# An audit log action -> the text key of its name.
AUDIT_ACTIONS = {
    "ban": "admin_audit_ban",
    "temp_ban": "admin_audit_temp_ban",
    "auto_ban": "admin_audit_auto_ban",
    "unban": "admin_audit_unban",
    "dismiss": "admin_audit_dismiss",
    "appeal_accepted": "admin_audit_appeal_accepted",
    "appeal_rejected": "admin_audit_appeal_rejected",
    "refund": "admin_audit_refund",
    "purge": "admin_audit_purge",
}
# What /appeal answers.
APPEAL_STARTS = {
    moderation.AppealStart.ASK: "appeal_ask",
    moderation.AppealStart.NOT_BANNED: "appeal_not_banned",
    moderation.AppealStart.ALREADY: "appeal_already",
}


async def target_of(context: Context, admin_id: int, usage_key: str) -> int | None:
    """The user id an admin command names first; without one the admin is shown the usage."""
    target = ValidationHelper.parse_user_id(context.args[0]) if context.args else None
    if target is None:
        await context.say(admin_id, usage_key)
    return target


async def ban_command(update: Update, context: Context) -> None:
    """Admin: /ban <user_id> [duration] [reason]; a duration is like 30m, 24h or 7d."""
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_ban_usage")
    if target is None:
        return
    rest = (context.args or [])[1:]
    length = None
    # A second word starting with a digit is a duration, and must be a valid one.
    if rest and rest[0][:1].isdigit():
        length = ValidationHelper.parse_duration(rest[0])
        if length is None:
            await context.say(admin_id, "admin_ban_bad_duration", value=rest[0])
            return
        rest = rest[1:]
    reason = " ".join(rest).strip()[:200] or None
    order = moderation.ban(admin_id, datetime.now(timezone.utc), length)
    if not await ban(context, target, reason, admin_id, order):
        await context.say(admin_id, "admin_no_such_user", user_id=target)
    elif order.until:
        await context.say(admin_id, "admin_banned_until", user_id=target, until=context.when(admin_id, order.until))
    else:
        await context.say(admin_id, "admin_banned", user_id=target)


async def purge_command(update: Update, context: Context) -> None:
    """Admin: /purge <user_id>: bans the user for good and deletes their messages from their partners'
    chats (what the reply map still knows, under 48 hours old)."""
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_purge_usage")
    if target is None:
        return
    db = context.services.db
    current = db.moderation.active_ban(target)
    if db.users.get(target) is None and current is None:
        await context.say(admin_id, "admin_no_such_user", user_id=target)
        return
    if current is None or current.until is not None:
        # As ⛔ Ban: for good (a temporary ban becomes permanent).
        await ban(context, target, None, admin_id, moderation.ban(admin_id, datetime.now(timezone.utc)))
    deleted = await purge(context, target, admin_id)
    await context.say(admin_id, "admin_purged", user_id=target, count=context.number(admin_id, deleted))


async def unban_command(update: Update, context: Context) -> None:
    """Admin: /unban <user_id>."""
    s = context.services
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_unban_usage")
    if target is None:
        return
    if not s.db.moderation.unban_user(target, admin_id):
        await context.say(admin_id, "admin_no_such_user", user_id=target)
        return
    s.db.moderation.audit(admin_id, moderation.AuditAction.UNBAN.value, target)
    logger.info("User %s unbanned", target)
    await context.say(admin_id, "admin_unbanned", user_id=target)
    await context.say(target, "unbanned")


async def ban_expiry_job(context: Context) -> None:
    """Lifts temporary bans whose time is up, and tells each user."""
    for user_id in context.services.db.moderation.lift_ended_bans():
        logger.info("Ban of user %s ended", user_id)
        await context.say(user_id, "ban_ended")


async def appeal_command(update: Update, context: Context) -> None:
    """A banned user's /appeal: their next message goes to the admins (once per ban)."""
    s = context.services
    user_id = user_of(update).id
    start = moderation.start_appeal(s.db.moderation.is_banned(user_id), s.db.moderation.appealed(user_id))
    if start is moderation.AppealStart.ASK:
        s.conversations.move(user_id, Flow.APPEAL, Step.MESSAGE)
    await context.say(user_id, APPEAL_STARTS[start])


async def appeal_message(update: Update, context: Context) -> None:
    """Sends the appeal to every admin as a card with ✅ Unban / ❌ Reject, the message under it."""
    s = context.services
    user_id = user_of(update).id
    ban_record = s.db.moderation.active_ban(user_id)
    appeal_id = s.db.moderation.open_appeal(user_id)
    if ban_record is None or appeal_id is None:
        s.conversations.end(user_id, Flow.APPEAL)
        await context.say(user_id, "appeal_not_banned" if ban_record is None else "appeal_already")
        return
    message_id = message_of(update).message_id

    def card(admin_id: int) -> tuple[str, InlineKeyboardMarkup]:
        ban_text = (
            context.text_for(admin_id, "admin_ban_until", until=context.when(admin_id, ban_record.until))
            if ban_record.until
            else context.text_for(admin_id, "admin_ban_permanent")
        )
        text = context.text_for(
            admin_id,
            "admin_appeal_card",
            user_id=user_id,
            ban=ban_text,
            banned_at=context.when(admin_id, ban_record.banned_at),
            reason=ban_record.reason or context.text_for(admin_id, "admin_no_reason"),
        )
        keyboard = context.keyboard(
            admin_id,
            [
                ("btn_appeal_unban", callbacks.APPEAL_ACTION.build(appeal_id, moderation.AppealAction.UNBAN.value)),
                ("btn_appeal_reject", callbacks.APPEAL_ACTION.build(appeal_id, moderation.AppealAction.REJECT.value)),
            ],
        )
        return text, keyboard

    async def appeal_under(admin_id: int) -> None:
        await copy(context.bot, admin_id, user_id, message_id, None)

    await send_cards(context, "appeal", appeal_id, card, appeal_under)
    s.conversations.end(user_id, Flow.APPEAL)
    await context.say(user_id, "appeal_sent")


async def appeal_action_callback(update: Update, context: Context) -> None:
    """✅ Unban / ❌ Reject on an appeal card: the first admin's press decides; every copy says so."""
    s = context.services
    press = await admin_press(update, context, callbacks.APPEAL_ACTION)
    if press is None:
        return
    query, admin_id = press.query, press.user_id
    appeal_id, decision = int(press.fields[0]), moderation.decide_appeal(moderation.AppealAction(press.fields[1]))
    user_id = s.db.moderation.decide_appeal(appeal_id, decision.status, admin_id, update.update_id)
    told = False
    if user_id is not None:
        # Written with the decision, nothing awaited in between: a crash cannot part them.
        s.db.moderation.audit(admin_id, decision.action.value, user_id)
        if decision.unban:
            s.db.moderation.unban_user(user_id, admin_id)
    else:
        appeal = s.db.moderation.appeal(appeal_id)
        if appeal is None or not moderation.resumes(appeal.decided_update, update.update_id):
            await answer(query, context.text_for(admin_id, "admin_card_already"))
            return
        user_id, told = appeal.user_id, appeal.told  # decided by this press before a crash: the rest is carried out
    await answer(query)
    if not told:
        await context.say(user_id, "appeal_accepted" if decision.unban else "appeal_rejected")
        s.db.moderation.appeal_told(appeal_id)
    # The card as the deciding admin saw it (the ban it describes may be lifted by now).
    shown = query.message.text if isinstance(query.message, Message) and query.message.text else ""

    def closed(reader: int) -> str:
        return f"{shown}\n\n{context.text_for(reader, 'admin_card_unbanned' if decision.unban else 'admin_card_rejected', admin_id=admin_id)}"

    await close_cards(context, "appeal", appeal_id, closed)


async def audit_command(update: Update, context: Context) -> None:
    """Admin: /audit [n]: the last n admin actions (20 by default)."""
    s = context.services
    admin_id = user_of(update).id
    args = context.args or []
    n = int(args[0]) if len(args) == 1 and args[0].isdecimal() and len(args[0]) <= 3 else None
    if len(args) > 1 or (args and (n is None or not 1 <= n <= AUDIT_MAX)):
        await context.say(admin_id, "admin_audit_usage")
        return
    entries = s.db.moderation.audit_entries(n or AUDIT_DEFAULT)
    if not entries:
        await context.say(admin_id, "admin_audit_empty")
        return
    lang = s.lang(admin_id)
    lines = "\n".join(audit_line(entry, lang) for entry in entries)
    await context.say(admin_id, "admin_audit", n=len(entries), lines=lines)


def audit_line(entry: AuditEntry, lang: str) -> str:
    """One /audit line in the reader's language: when, who, what, to whom, and what it named."""
    key = AUDIT_ACTIONS.get(entry.action)
    details = (
        t("admin_ban_until", lang, until=TextFormatter.timestamp(entry.until, lang)) if entry.until else "",
        t("admin_audit_report", lang, report_id=entry.report_id) if entry.report_id is not None else "",
        t("admin_audit_payment", lang, amount=TextFormatter.number(entry.stars, lang), charge_id=entry.charge_id)
        if entry.stars is not None
        else "",
        t("admin_audit_deleted", lang, count=TextFormatter.number(entry.deleted, lang)) if entry.deleted is not None else "",
        entry.reason,
    )
    return t(
        "admin_audit_line",
        lang,
        time=TextFormatter.timestamp(entry.created_at, lang),
        admin=entry.admin_id or t("admin_audit_auto", lang),
        # An action this bot no longer knows is shown as stored rather than hidden.
        action=t(key, lang) if key else entry.action,
        target_id=entry.target_id or "",
        detail=" · ".join(d for d in details if d),
    ).rstrip()

