"""Moderation: bans (permanent or for a time, by an admin or by reports), lifting them, appeals
(flows.Flow.APPEAL: one message to the admins, a card with ✅ Unban / ❌ Reject), and /audit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from telegram import InlineKeyboardMarkup, Message, Update

from chatbot.telegram_io import callbacks
from chatbot.ops import metrics
from chatbot.core.flows import Flow, Step
from chatbot.handlers.chatting import finish_chat
from chatbot.telegram_io.sending import answer, copy, edit_message, send_message
from chatbot.handlers.common import Context, message_of, query_of, user_of
from chatbot.storage import utc_text
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
}


def ban_notice(context: Context, user_id: int) -> str:
    """What a banned user reads: until when, why, and how to appeal (until they have)."""
    s = context.services
    ban = s.db.active_ban(user_id)
    until = reason = appeal = ""
    if ban is not None:
        if ban.until:
            until = context.text_for(user_id, "ban_until_line", until=context.when(user_id, ban.until))
        if ban.reason:
            reason = context.text_for(user_id, "ban_reason_line", reason=ban.reason)
        if not s.db.appealed(user_id):
            appeal = context.text_for(user_id, "ban_appeal_line")
    return context.text_for(user_id, "banned", until=until, reason=reason, appeal=appeal)


async def ban(context: Context, user_id: int, reason: str | None, admin_id: int | None, until: str | None = None) -> bool:
    """Ban the user, remove them from any chat or queue, and tell them and their partner."""
    s = context.services
    if not s.db.ban_user(user_id, reason, admin_id, until):
        return False
    s.state.forget(user_id)
    metrics.BANS.inc()
    logger.info("User %s banned%s", user_id, f" until {until}" if until else "")
    action = "temp_ban" if until else "ban" if admin_id else "auto_ban"
    s.db.audit(admin_id, action, user_id, reason=reason or "", until=until or "")
    await finish_chat(context, user_id, None, "partner_removed")
    await send_message(context.bot, user_id, ban_notice(context, user_id))
    return True


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
    until = None
    # A second word starting with a digit is a duration, and must be a valid one.
    if rest and rest[0][:1].isdigit():
        length = ValidationHelper.parse_duration(rest[0])
        if length is None:
            await context.say(admin_id, "admin_ban_bad_duration", value=rest[0])
            return
        until = utc_text(datetime.now(timezone.utc) + length)
        rest = rest[1:]
    reason = " ".join(rest).strip()[:200] or None
    if not await ban(context, target, reason, admin_id, until):
        await context.say(admin_id, "admin_no_such_user", user_id=target)
    elif until:
        await context.say(admin_id, "admin_banned_until", user_id=target, until=context.when(admin_id, until))
    else:
        await context.say(admin_id, "admin_banned", user_id=target)


async def unban_command(update: Update, context: Context) -> None:
    """Admin: /unban <user_id>."""
    s = context.services
    admin_id = user_of(update).id
    target = await target_of(context, admin_id, "admin_unban_usage")
    if target is None:
        return
    if not s.db.unban_user(target, admin_id):
        await context.say(admin_id, "admin_no_such_user", user_id=target)
        return
    s.db.audit(admin_id, "unban", target)
    logger.info("User %s unbanned", target)
    await context.say(admin_id, "admin_unbanned", user_id=target)
    await context.say(target, "unbanned")


async def ban_expiry_job(context: Context) -> None:
    """Lifts temporary bans whose time is up, and tells each user."""
    for user_id in context.services.db.lift_ended_bans():
        logger.info("Ban of user %s ended", user_id)
        await context.say(user_id, "ban_ended")


async def appeal_command(update: Update, context: Context) -> None:
    """A banned user's /appeal: their next message goes to the admins (once per ban)."""
    s = context.services
    user_id = user_of(update).id
    if not s.db.is_banned(user_id):
        await context.say(user_id, "appeal_not_banned")
    elif s.db.appealed(user_id):
        await context.say(user_id, "appeal_already")
    else:
        s.conversations.move(user_id, Flow.APPEAL, Step.MESSAGE)
        await context.say(user_id, "appeal_ask")


async def appeal_message(update: Update, context: Context) -> None:
    """Sends the appeal to every admin as a card with ✅ Unban / ❌ Reject, the message under it."""
    s = context.services
    user_id = user_of(update).id
    ban_record = s.db.active_ban(user_id)
    appeal_id = s.db.open_appeal(user_id)
    if ban_record is None or appeal_id is None:
        s.conversations.end(user_id, Flow.APPEAL)
        await context.say(user_id, "appeal_not_banned" if ban_record is None else "appeal_already")
        return
    message_id = message_of(update).message_id
    for admin_id in sorted(s.config.admin_ids):
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
            banned_at=context.when(admin_id, s.db.banned_at(user_id)),
            reason=ban_record.reason or context.text_for(admin_id, "admin_no_reason"),
        )
        keyboard = context.keyboard(
            admin_id,
            [
                ("btn_appeal_unban", callbacks.APPEAL_ACTION.build(appeal_id, "unban")),
                ("btn_appeal_reject", callbacks.APPEAL_ACTION.build(appeal_id, "reject")),
            ],
        )
        sent = await send_message(context.bot, admin_id, text, keyboard, bulk=True)
        if sent is not None:
            s.db.add_card("appeal", appeal_id, admin_id, sent.message_id)
            await copy(context.bot, admin_id, user_id, message_id, None)
    s.conversations.end(user_id, Flow.APPEAL)
    await context.say(user_id, "appeal_sent")


async def admin_press(update: Update, context: Context, kind: callbacks.Callback) -> tuple[str, ...] | None:
    """The fields of a press on an admin's card button; anyone else's press is answered as invalid."""
    query = query_of(update)
    fields = kind.parse(query.data)
    if query.from_user.id not in context.services.config.admin_ids or fields is None:
        await answer(query, context.text_for(query.from_user.id, "button_invalid"))
        return None
    return fields


async def appeal_action_callback(update: Update, context: Context) -> None:
    """✅ Unban / ❌ Reject on an appeal card: the first admin's press decides; every copy says so."""
    s = context.services
    query = query_of(update)
    admin_id = query.from_user.id
    fields = await admin_press(update, context, callbacks.APPEAL_ACTION)
    if fields is None:
        return
    appeal_id, action = int(fields[0]), fields[1]
    user_id = s.db.decide_appeal(appeal_id, "accepted" if action == "unban" else "rejected", admin_id)
    if user_id is None:
        await answer(query, context.text_for(admin_id, "admin_card_already"))
        return
    await answer(query)
    s.db.audit(admin_id, "appeal_accepted" if action == "unban" else "appeal_rejected", user_id)
    if action == "unban":
        s.db.unban_user(user_id, admin_id)
        await context.say(user_id, "appeal_accepted")
    else:
        await context.say(user_id, "appeal_rejected")
    # The card as the deciding admin saw it (the ban it describes may be lifted by now).
    shown = query.message.text if isinstance(query.message, Message) and query.message.text else ""

    def closed(reader: int) -> str:
        return f"{shown}\n\n{context.text_for(reader, 'admin_card_unbanned' if action == 'unban' else 'admin_card_rejected', admin_id=admin_id)}"

    await close_cards(context, "appeal", appeal_id, closed)


async def close_cards(context: Context, kind: str, item_id: int, text: Callable[[int], str]) -> None:
    """Edit every admin's copy of a card to `text(that admin)` (saying what was done), without buttons."""
    for reader_id, message_id in context.services.db.cards(kind, item_id):
        await edit_message(context.bot, reader_id, message_id, text(reader_id))


async def audit_command(update: Update, context: Context) -> None:
    """Admin: /audit [n]: the last n admin actions (20 by default)."""
    s = context.services
    admin_id = user_of(update).id
    args = context.args or []
    n = int(args[0]) if len(args) == 1 and args[0].isdecimal() and len(args[0]) <= 3 else None
    if len(args) > 1 or (args and (n is None or not 1 <= n <= AUDIT_MAX)):
        await context.say(admin_id, "admin_audit_usage")
        return
    entries = s.db.audit_entries(n or AUDIT_DEFAULT)
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


def card_keyboard(context: Context, admin_id: int, report_id: int) -> InlineKeyboardMarkup:
    """⛔ Ban / ⏳ Ban 24 h / ✅ Dismiss under a report card."""
    return context.keyboard(
        admin_id,
        [
            ("btn_card_ban", callbacks.REPORT_ACTION.build(report_id, "ban")),
            ("btn_card_suspend", callbacks.REPORT_ACTION.build(report_id, "suspend")),
            ("btn_card_dismiss", callbacks.REPORT_ACTION.build(report_id, "dismiss")),
        ],
    )
