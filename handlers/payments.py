"""VIP for Telegram Stars: /vip, the invoice, pre-checkout, the payment, and /paysupport
(flows.Flow.SUPPORT: the next message goes to the admins)."""

from __future__ import annotations

import logging

from telegram import Update

import callbacks
from flows import Flow, Step
from sending import STARS, answer, answer_pre_checkout, copy, send_invoice, send_text
from services import Context, message_of, query_of, user_of
from utils import TextFormatter

logger = logging.getLogger(__name__)


def vip_payload(user_id: int) -> str:
    """The invoice payload that binds a VIP purchase to its buyer."""
    return f"vip:{user_id}"


async def vip_command(update: Update, context: Context) -> None:
    """Shows the VIP benefits, the price and the buy button."""
    s = context.services
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    price, days = s.config.vip_price_stars, s.config.vip_days
    text = context.text_for(user_id, "vip_info", price=price, days=days)
    until = s.db.vip_until(user_id)
    if until:
        text += "\n\n" + context.text_for(user_id, "vip_status_active", until=TextFormatter.timestamp(until))
    await send_text(context.bot, user_id, text, context.keyboard(user_id, [("btn_buy_vip", callbacks.BUY_VIP.build())]))


async def buy_vip_callback(update: Update, context: Context) -> None:
    """Sends the VIP invoice in Telegram Stars."""
    s = context.services
    query = query_of(update)
    await answer(query)
    user_id = query.from_user.id
    if not await context.registered(user_id):
        return
    await send_invoice(
        context.bot,
        user_id,
        title=context.text_for(user_id, "invoice_title"),
        description=context.text_for(user_id, "invoice_description", days=s.config.vip_days),
        payload=vip_payload(user_id),
        label=context.text_for(user_id, "invoice_label"),
        stars=s.config.vip_price_stars,
    )


async def precheckout_callback(update: Update, context: Context) -> None:
    """Approves a checkout only if payload, buyer, currency and amount all match."""
    s = context.services
    query = update.pre_checkout_query
    if query is None:
        return
    buyer_id = query.from_user.id
    valid = (
        query.invoice_payload == vip_payload(buyer_id)
        and query.currency == STARS
        and query.total_amount == s.config.vip_price_stars
        and s.db.get_user(buyer_id) is not None
    )
    if not valid:
        logger.warning("Rejected pre-checkout %s from user %s", query.id, buyer_id)
    await answer_pre_checkout(query, None if valid else context.text_for(buyer_id, "precheckout_bad"))


async def successful_payment_callback(update: Update, context: Context) -> None:
    """Grants VIP once per payment charge id and confirms it."""
    s = context.services
    payment = message_of(update).successful_payment
    user_id = user_of(update).id
    if payment is None:
        return
    new, until = s.db.record_payment(
        payment.telegram_payment_charge_id,
        user_id,
        payment.total_amount,
        payment.currency,
        payment.invoice_payload,
        s.config.vip_days,
    )
    shown = TextFormatter.timestamp(until or "")
    if new:
        logger.info("User %s paid %s %s; VIP until %s", user_id, payment.total_amount, payment.currency, until)
        await context.say(user_id, "vip_activated", until=shown)
    else:
        logger.warning("Payment %s delivered again; not granted twice", payment.telegram_payment_charge_id)
        await context.say(user_id, "payment_duplicate", until=shown)


async def paysupport_command(update: Update, context: Context) -> None:
    """Explains payment support; the user's next message goes to the admins."""
    user_id = user_of(update).id
    context.services.conversations.move(user_id, Flow.SUPPORT, Step.MESSAGE)
    await context.say(user_id, "paysupport")


async def support_message(update: Update, context: Context) -> None:
    """Copies the user's support request to every admin under a line with their id."""
    s = context.services
    user_id = user_of(update).id
    message_id = message_of(update).message_id
    for admin_id in sorted(s.config.admin_ids):
        if await context.say(admin_id, "admin_paysupport", user_id=user_id):
            await copy(context.bot, admin_id, user_id, message_id, None)
    if not s.config.admin_ids:
        logger.warning("Payment support request from %s, but ADMIN_IDS is empty", user_id)
    # Ended only once delivered: a crash before this replays the request rather than losing it.
    s.conversations.end(user_id, Flow.SUPPORT)
    await context.say(user_id, "paysupport_sent")
