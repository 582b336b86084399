"""The rules of payments (core/payments.py), as plain functions: no event loop, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from chatbot.core import payments as rules
from chatbot.core.payments import (
    SUBSCRIPTION_PERIOD,
    CancelAction,
    Checkout,
    Grant,
    Renewal,
    Revocation,
    SubscribeAction,
    Terms,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Paid:
    """A stored payment as the refund rule reads it."""

    vip_from: datetime
    vip_until: datetime
    is_subscription: bool = False


def test_payloads_bind_an_invoice_to_its_buyer():
    assert rules.vip_payload(42) == "vip:42"
    assert rules.subscription_payload(42) == "vipsub:42"


def checkout(payload: str = "vip:7", currency: str = "XTR", amount: int = 100, registered: bool = True) -> Checkout:
    return rules.check_checkout(7, payload, currency, amount, 100, 80, registered)


def test_a_checkout_is_approved_only_if_payload_buyer_currency_and_amount_match():
    assert checkout() is Checkout.APPROVED
    assert checkout("vipsub:7", amount=80) is Checkout.APPROVED
    assert checkout("vip:8") is Checkout.FOREIGN_PAYLOAD  # another buyer's invoice
    assert checkout("vip:") is Checkout.FOREIGN_PAYLOAD
    assert checkout("something-else") is Checkout.FOREIGN_PAYLOAD
    assert checkout(amount=1) is Checkout.WRONG_AMOUNT
    assert checkout("vipsub:7", amount=100) is Checkout.WRONG_AMOUNT  # the one-off price for a subscription
    assert checkout(currency="USD") is Checkout.WRONG_CURRENCY
    assert checkout(registered=False) is Checkout.NOT_REGISTERED


def test_payment_terms_tell_a_subscription_from_a_one_off_purchase():
    expires = NOW + 30 * DAY
    assert rules.payment_terms(7, "vip:7", False, False, None, NOW) == Terms(None, False)
    assert rules.payment_terms(7, "vipsub:7", True, True, expires, NOW) == Terms(expires, False)
    assert rules.payment_terms(7, "vipsub:7", True, False, expires, NOW) == Terms(expires, True)  # a renewal
    # Telegram gave no expiration: a period from now.
    assert rules.payment_terms(7, "vipsub:7", False, False, None, NOW) == Terms(NOW + SUBSCRIPTION_PERIOD, False)
    # Recurring is a subscription whatever the payload says.
    assert rules.payment_terms(7, "vip:7", True, False, expires, NOW).expires_at == expires


def test_a_one_off_purchase_extends_the_current_end_or_now():
    assert rules.one_off_grant(None, 30, NOW) == Grant(NOW, NOW + 30 * DAY)
    current = NOW + 5 * DAY
    assert rules.one_off_grant(current, 30, NOW) == Grant(current, current + 30 * DAY)
    lapsed = NOW - DAY
    assert rules.one_off_grant(lapsed, 7, NOW) == Grant(NOW, NOW + 7 * DAY)
    assert rules.one_off_grant(NOW, 7, NOW) == Grant(NOW, NOW + 7 * DAY)  # ending this instant is lapsed


def test_a_subscription_runs_to_its_expiration():
    expires = NOW + 30 * DAY
    assert rules.subscription_grant(None, expires, None, NOW) == Grant(NOW, expires)
    # Renewed early: the period already paid is not counted twice.
    assert rules.subscription_grant(expires, expires + 30 * DAY, expires, NOW) == Grant(expires, expires + 30 * DAY)


def test_one_off_time_beyond_the_previous_period_is_kept_on_top_of_a_subscription():
    expires = NOW + 30 * DAY
    # 10 one-off days, then a first subscription payment: expiration plus those 10 days.
    assert rules.subscription_grant(NOW + 10 * DAY, expires, None, NOW).vip_until == expires + 10 * DAY
    # 5 days bought while subscribed (VIP to expires + 15 d, period to expires), then the renewal.
    renewed = rules.subscription_grant(expires + 15 * DAY, expires + 30 * DAY, expires, NOW)
    assert renewed == Grant(expires + 15 * DAY, expires + 45 * DAY)


def test_a_subscription_never_shortens_vip():
    # A payment whose period ends before the VIP already bought leaves that end.
    far = NOW + 90 * DAY
    assert rules.subscription_grant(far, NOW + 30 * DAY, far, NOW).vip_until == far


def test_a_refund_takes_back_exactly_what_the_payment_bought():
    first = Paid(NOW, NOW + 30 * DAY)
    second = Paid(NOW + 30 * DAY, NOW + 60 * DAY)
    assert rules.revoke(first, NOW + 60 * DAY, NOW) == Revocation(NOW + 30 * DAY, False)
    assert rules.revoke(second, NOW + 30 * DAY, NOW) == Revocation(None, False)  # nothing else covers it


def test_a_refund_ends_vip_when_what_is_left_is_past_or_none_is_left():
    paid = Paid(NOW - 20 * DAY, NOW + 10 * DAY)
    assert rules.revoke(paid, NOW + 10 * DAY, NOW).vip_until is None
    assert rules.revoke(paid, None, NOW).vip_until is None  # VIP already lapsed
    assert rules.revoke(Paid(NOW, NOW + DAY), NOW + DAY, NOW).vip_until is None  # left == now: over


def test_refunding_a_subscription_payment_ends_the_subscription():
    assert rules.revoke(Paid(NOW, NOW + 30 * DAY, is_subscription=True), NOW + 30 * DAY, NOW).ends_subscription
    assert not rules.revoke(Paid(NOW, NOW + 30 * DAY), NOW + 30 * DAY, NOW).ends_subscription


@pytest.mark.parametrize(
    ("canceled", "state", "subscribe", "cancel"),
    [
        (None, Renewal.NONE, SubscribeAction.OFFER, CancelAction.INVALID),
        (False, Renewal.ON, SubscribeAction.ALREADY_ON, CancelAction.CANCEL),
        (True, Renewal.CANCELED, SubscribeAction.RESUME, CancelAction.ALREADY_CANCELED),
    ],
)
def test_the_subscription_buttons_follow_the_renewal(canceled, state, subscribe, cancel):
    assert rules.renewal(canceled) is state
    assert rules.SUBSCRIBE_ACTIONS[state] is subscribe
    assert rules.CANCEL_ACTIONS[state] is cancel


def test_a_cancelled_subscriber_stays_vip_until_the_paid_period_ends():
    period_end = NOW + 30 * DAY
    assert rules.paid_until(NOW + 40 * DAY, period_end) == NOW + 40 * DAY  # one-off time on top
    assert rules.paid_until(None, period_end) == period_end
