"""VIP for Telegram Stars: /vip, the one-off invoice and the subscription, pre-checkout, payments,
cancelling renewal, refunds (by an admin or by Telegram), and /paysupport (flows.Flow.SUPPORT: the
next message goes to the admins, with the user's payments and a "↩️ Refund" button for each).
The rules (what a payment grants, what a refund takes back, what a checkout must match) are
core/payments.py's; this module loads, asks it, stores and tells."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from chatbot.telegram_io import callbacks
from chatbot.ops import metrics
from chatbot.core import payments as rules
from chatbot.core.flows import Flow, Step
from chatbot.core.payments import STARS, CancelAction, Checkout, Refund, Renewal, SubscribeAction
from chatbot.handlers.chatting import search_again
from chatbot.telegram_io.sending import (
    answer,
    answer_pre_checkout,
    copy,
    edit_subscription,
    invoice_link,
    refund_stars,
    send_invoice,
    send_text,
)
from chatbot.handlers.common import Context, message_of, query_of, user_of
from chatbot.storage.payments import Payment, PaymentStore, Subscription
from utils import ValidationHelper

logger = logging.getLogger(__name__)

# Payments listed on a /paysupport card.
CARD_PAYMENTS = 5


def renewal_of(subscription: Subscription | None) -> Renewal:
    """Where the stored subscription (None: none in its paid period) stands."""
    return rules.renewal(None if subscription is None else subscription.canceled)


def grant_vip(
    store: PaymentStore, charge_id: str, user_id: int, amount: int, currency: str, payload: str, days: int,
    expires_at: datetime | None = None,
) -> tuple[bool, datetime]:
    """Store a payment and the VIP it grants (a subscription's: to `expires_at`), once per charge id:
    (newly recorded, VIP end). Synchronous: nothing else runs between reading the VIP end and storing."""
    now = datetime.now(timezone.utc)
    current = store.vip_until(user_id)
    if expires_at is None:
        grant = rules.one_off_grant(current, days, now)
    else:
        subscription = store.subscription(user_id)
        grant = rules.subscription_grant(current, expires_at, subscription.renews_at if subscription else None, now)
    return store.record_payment(
        charge_id, user_id, amount, currency, payload, grant.vip_from, grant.vip_until, expires_at
    )


def revoke_payment(store: PaymentStore, payment_id: int, admin_id: int | None) -> Refund | None:
    """Mark a payment refunded (by an admin, or None: by Telegram) and take back the VIP it bought,
    once (`done` False if it was refunded already). None if there is no such payment."""
    now = datetime.now(timezone.utc)
    payment = store.payment(payment_id)
    if payment is None:
        return None
    current = store.vip_until(payment.user_id)
    if payment.refunded_at is None:
        revoked = rules.revoke(payment, current, now)
        if store.refund_payment(payment.id, admin_id, revoked.vip_until, revoked.ends_subscription, now):
            return Refund(True, payment.user_id, payment.amount, revoked.vip_until, revoked.ends_subscription)
    return Refund(False, payment.user_id, payment.amount, current)


async def vip_command(update: Update, context: Context) -> None:
    """Shows the VIP benefits, the prices, the status, and ⭐ Buy VIP with 🔁 Subscribe or Cancel subscription."""
    s = context.services
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    config = s.config
    text = context.text_for(
        user_id,
        "vip_info",
        price=config.vip_price_stars,
        days=config.vip_days,
        subscription_price=config.vip_subscription_stars,
    )
    until = s.db.payments.vip_until(user_id)
    if until:
        text += "\n\n" + context.text_for(user_id, "vip_status_active", until=context.when(user_id, until))
    buy = ("btn_buy_vip", callbacks.BUY_VIP.build())
    subscription = s.db.payments.subscription(user_id)
    state = renewal_of(subscription)
    if subscription is not None and state is Renewal.ON:
        renews = context.when(user_id, subscription.renews_at)
        text += "\n" + context.text_for(user_id, "vip_subscription_renews", date=renews, price=config.vip_subscription_stars)
        keyboard = context.keyboard(user_id, [buy], [("btn_cancel_subscription", callbacks.CANCEL_SUBSCRIPTION.build())])
    else:
        if subscription is not None:
            ends = context.when(user_id, rules.paid_until(until, subscription.renews_at))
            text += "\n" + context.text_for(user_id, "vip_subscription_canceled", until=ends)
        keyboard = context.keyboard(user_id, [buy, ("btn_subscribe", callbacks.SUBSCRIBE.build())])
    await send_text(context.bot, user_id, text, keyboard)


async def registered_presser(update: Update, context: Context) -> int | None:
    """Answer a button press; the presser's id if they are registered (else they are told to /start)."""
    query = query_of(update)
    await answer(query)
    return query.from_user.id if await context.registered(query.from_user.id) else None


async def buy_vip_callback(update: Update, context: Context) -> None:
    """Sends the one-off VIP invoice in Telegram Stars."""
    s = context.services
    user_id = await registered_presser(update, context)
    if user_id is None:
        return
    await send_invoice(
        context.bot,
        user_id,
        title=context.text_for(user_id, "invoice_title"),
        description=context.text_for(user_id, "invoice_description", days=s.config.vip_days),
        payload=rules.vip_payload(user_id),
        label=context.text_for(user_id, "invoice_label"),
        stars=s.config.vip_price_stars,
    )


async def subscribe_callback(update: Update, context: Context) -> None:
    """🔁 Subscribe: turns a cancelled renewal back on, or sends the link to a new subscription's invoice."""
    s = context.services
    user_id = await registered_presser(update, context)
    if user_id is None:
        return
    subscription = s.db.payments.subscription(user_id)
    action = rules.SUBSCRIBE_ACTIONS[renewal_of(subscription)]
    if subscription is not None and action is not SubscribeAction.OFFER:
        renews = context.when(user_id, subscription.renews_at)
        if action is SubscribeAction.RESUME:
            if not await edit_subscription(context.bot, user_id, subscription.charge_id, cancel=False):
                await context.say(user_id, "subscription_failed")
                return
            s.db.payments.set_subscription_canceled(user_id, False)
        # Already subscribed (a second press): say when it renews rather than sell it twice.
        await context.say(user_id, "subscription_resumed", date=renews)
        return
    price = s.config.vip_subscription_stars
    link = await invoice_link(
        context.bot,
        title=context.text_for(user_id, "subscription_title"),
        description=context.text_for(user_id, "subscription_description"),
        payload=rules.subscription_payload(user_id),
        label=context.text_for(user_id, "invoice_label"),
        stars=price,
        period=rules.SUBSCRIPTION_PERIOD,
    )
    button = InlineKeyboardButton(context.text_for(user_id, "btn_subscribe_pay", price=price), url=link)
    await context.say(user_id, "subscription_offer", InlineKeyboardMarkup([[button]]), price=price)


async def cancel_subscription_callback(update: Update, context: Context) -> None:
    """Cancel subscription: no more renewals; VIP stays until the paid period ends."""
    s = context.services
    query = query_of(update)
    await answer(query)
    user_id = query.from_user.id
    subscription = s.db.payments.subscription(user_id)
    action = rules.CANCEL_ACTIONS[renewal_of(subscription)]
    if subscription is None or action is CancelAction.INVALID:
        await context.say(user_id, "button_invalid")
        return
    if action is CancelAction.CANCEL:
        if not await edit_subscription(context.bot, user_id, subscription.charge_id, cancel=True):
            await context.say(user_id, "subscription_failed")
            return
        s.db.payments.set_subscription_canceled(user_id, True)
        logger.info("User %s cancelled their subscription", user_id)
    until = rules.paid_until(s.db.payments.vip_until(user_id), subscription.renews_at)
    await context.say(user_id, "subscription_canceled", until=context.when(user_id, until))


async def precheckout_callback(update: Update, context: Context) -> None:
    """Approves a checkout only if payload, buyer, currency and amount all match."""
    s = context.services
    query = update.pre_checkout_query
    if query is None:
        return
    buyer_id = query.from_user.id
    verdict = rules.check_checkout(
        buyer_id, query.invoice_payload, query.currency, query.total_amount, s.config.vip_price_stars,
        s.config.vip_subscription_stars, registered=s.db.users.get(buyer_id) is not None,
    )
    valid = verdict is Checkout.APPROVED
    if not valid:
        logger.warning("Rejected pre-checkout %s from user %s: %s", query.id, buyer_id, verdict.value)
    await answer_pre_checkout(query, None if valid else context.text_for(buyer_id, "precheckout_bad"))


async def successful_payment_callback(update: Update, context: Context) -> None:
    """Grants VIP once per payment charge id (a subscription's to its expiration date) and confirms it."""
    s = context.services
    payment = message_of(update).successful_payment
    user_id = user_of(update).id
    if payment is None:
        return
    terms = rules.payment_terms(
        user_id, payment.invoice_payload, bool(payment.is_recurring), bool(payment.is_first_recurring),
        payment.subscription_expiration_date, datetime.now(timezone.utc),
    )
    new, until = grant_vip(
        s.db.payments, payment.telegram_payment_charge_id, user_id, payment.total_amount, payment.currency,
        payment.invoice_payload, s.config.vip_days, terms.expires_at,
    )
    shown = context.when(user_id, until)
    if new:
        logger.info("User %s paid %s %s; VIP until %s", user_id, payment.total_amount, payment.currency, until)
        metrics.PAYMENTS.inc()
        metrics.STARS.inc(payment.total_amount if payment.currency == STARS else 0)
        await context.say(user_id, "vip_renewed" if terms.renewal else "vip_activated", until=shown)
        await search_again(context, user_id)
    else:
        logger.warning("Payment %s delivered again; not granted twice", payment.telegram_payment_charge_id)
        await context.say(user_id, "payment_duplicate", until=shown)


async def paysupport_command(update: Update, context: Context) -> None:
    """Explains payment support; the user's next message goes to the admins."""
    user_id = user_of(update).id
    context.services.conversations.move(user_id, Flow.SUPPORT, Step.MESSAGE)
    await context.say(user_id, "paysupport")


async def support_message(update: Update, context: Context) -> None:
    """Copies the user's support request to every admin, under a card with their id and payments."""
    s = context.services
    user_id = user_of(update).id
    message_id = message_of(update).message_id
    payments = s.db.payments.payments_of(user_id, CARD_PAYMENTS)
    for admin_id in sorted(s.config.admin_ids):
        card = payment_lines(context, admin_id, payments)
        if await context.say(admin_id, "admin_paysupport", refund_buttons(context, admin_id, payments), user_id=user_id, payments=card):
            await copy(context.bot, admin_id, user_id, message_id, None)
    if not s.config.admin_ids:
        logger.warning("Payment support request from %s, but ADMIN_IDS is empty", user_id)
    # Ended only once delivered: a crash before this replays the request rather than losing it.
    s.conversations.end(user_id, Flow.SUPPORT)
    await context.say(user_id, "paysupport_sent")


def payment_lines(context: Context, reader_id: int, payments: list[Payment]) -> str:
    """One line per payment: date, Stars, charge id, and whether it was refunded."""
    if not payments:
        return context.text_for(reader_id, "admin_payments_none")
    return "\n".join(
        context.text_for(
            reader_id,
            "admin_payment_line_refunded" if p.refunded_at else "admin_payment_line",
            date=context.when(reader_id, p.created_at),
            amount=p.amount,
            charge_id=p.charge_id,
        )
        for p in payments
    )


def refund_buttons(context: Context, reader_id: int, payments: list[Payment]) -> InlineKeyboardMarkup | None:
    """A "↩️ Refund" button for each payment not refunded yet."""
    rows = [
        [
            InlineKeyboardButton(
                context.text_for(reader_id, "btn_refund", amount=p.amount, date=p.created_at.strftime("%Y-%m-%d")),
                callback_data=callbacks.REFUND.build(p.id),
            )
        ]
        for p in payments
        if not p.refunded_at
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def refund_command(update: Update, context: Context) -> None:
    """/refund <user_id> [charge_id]: refunds the user's latest payment, or the one named (admins only)."""
    s = context.services
    admin_id = user_of(update).id
    args = context.args or []
    user_id = ValidationHelper.parse_user_id(args[0]) if 1 <= len(args) <= 2 else None
    if user_id is None:
        await context.say(admin_id, "admin_refund_usage")
        return
    if s.db.users.get(user_id) is None:
        await context.say(admin_id, "admin_no_such_user", user_id=user_id)
        return
    if len(args) == 2:
        payment = s.db.payments.payment_by_charge(args[1])
        if payment is None or payment.user_id != user_id:
            await context.say(admin_id, "admin_refund_unknown_charge", user_id=user_id, charge_id=args[1])
            return
    else:
        latest = s.db.payments.payments_of(user_id, 1)
        if not latest:
            await context.say(admin_id, "admin_refund_no_payments", user_id=user_id)
            return
        payment = latest[0]
    await refund(context, admin_id, payment)


async def refund_callback(update: Update, context: Context) -> None:
    """"↩️ Refund" on a /paysupport card (admins only)."""
    s = context.services
    query = query_of(update)
    admin_id = query.from_user.id
    (payment_id,) = callbacks.REFUND.parse(query.data) or ("0",)
    payment = s.db.payments.payment(int(payment_id))
    if admin_id not in s.config.admin_ids or payment is None:
        await answer(query, context.text_for(admin_id, "button_invalid"))
        return
    await answer(query)
    await refund(context, admin_id, payment)


async def refund(context: Context, admin_id: int, payment: Payment) -> None:
    """Refund a payment in Telegram, take back the VIP it bought, tell the user and the admin."""
    s = context.services
    user_id, charge_id = payment.user_id, payment.charge_id
    if payment.refunded_at:
        await context.say(admin_id, "admin_refund_already", user_id=user_id, charge_id=charge_id)
        return
    outcome = await refund_stars(context.bot, user_id, charge_id)
    if isinstance(outcome, str):
        await context.say(admin_id, "admin_refund_failed", user_id=user_id, charge_id=charge_id, error=outcome)
        return
    revoked = revoke_payment(s.db.payments, payment.id, admin_id)
    if revoked is None or not revoked.done:
        # Telegram's own refund notice was handled meanwhile.
        await context.say(admin_id, "admin_refund_already", user_id=user_id, charge_id=charge_id)
        return
    logger.info("Admin %s refunded payment %s of user %s", admin_id, payment.id, user_id)
    s.db.moderation.audit(admin_id, "refund", user_id, stars=revoked.amount, charge_id=charge_id)
    if revoked.ended_subscription:
        # A refunded subscriber is not charged again next month.
        await edit_subscription(context.bot, user_id, charge_id, cancel=True)
    await tell_refunded(context, revoked)
    vip = (
        context.text_for(admin_id, "admin_vip_until", until=context.when(admin_id, revoked.vip_until))
        if revoked.vip_until
        else context.text_for(admin_id, "admin_vip_none")
    )
    await context.say(admin_id, "admin_refund_done", amount=revoked.amount, user_id=user_id, charge_id=charge_id, vip=vip)


async def refunded_payment_callback(update: Update, context: Context) -> None:
    """Telegram refunded a payment itself: take back the VIP it bought, once."""
    s = context.services
    refunded = message_of(update).refunded_payment
    if refunded is None:
        return
    payment = s.db.payments.payment_by_charge(refunded.telegram_payment_charge_id)
    if payment is None:
        logger.warning("Telegram refunded an unknown payment %s", refunded.telegram_payment_charge_id)
        return
    revoked = revoke_payment(s.db.payments, payment.id, None)
    if revoked is not None and revoked.done:
        logger.info("Telegram refunded payment %s of user %s", payment.id, payment.user_id)
        await tell_refunded(context, revoked)


async def tell_refunded(context: Context, revoked: Refund) -> None:
    """Tell the user their payment was refunded and how long their VIP lasts now."""
    user_id = revoked.user_id
    vip = (
        context.text_for(user_id, "refunded_vip_until", until=context.when(user_id, revoked.vip_until))
        if revoked.vip_until
        else context.text_for(user_id, "refunded_vip_ended")
    )
    await context.say(user_id, "refunded", amount=revoked.amount, vip=vip)
    await search_again(context, user_id)
