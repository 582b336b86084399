"""The rules of VIP for Telegram Stars, as pure functions over plain values (times aware, UTC).

What a checkout must match, what a payment grants (a one-off purchase, a subscription's period),
what a refund takes back, and what the subscription buttons do. Handlers load what these need,
call them, store the outcome and render it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

STARS = "XTR"  # the currency of Telegram Stars
# Telegram renews a Stars subscription every 30 days; it accepts no other period.
SUBSCRIPTION_PERIOD = timedelta(days=30)


def vip_payload(user_id: int) -> str:
    """The invoice payload that binds a one-off VIP purchase to its buyer."""
    return f"vip:{user_id}"


def subscription_payload(user_id: int) -> str:
    """The invoice payload that binds a VIP subscription to its subscriber."""
    return f"vipsub:{user_id}"


class Checkout(Enum):
    """The verdict on a pre-checkout query: approved, or the first thing that does not match."""

    APPROVED = "approved"
    FOREIGN_PAYLOAD = "payload not an invoice of this buyer"
    WRONG_AMOUNT = "amount not the price"
    WRONG_CURRENCY = "currency not Stars"
    NOT_REGISTERED = "buyer not registered"


def check_checkout(
    buyer_id: int, payload: str, currency: str, amount: int, price: int, subscription_price: int, registered: bool
) -> Checkout:
    """Approve a checkout only if payload (this buyer's), amount (its price), currency and buyer all match."""
    prices = {vip_payload(buyer_id): price, subscription_payload(buyer_id): subscription_price}
    if payload not in prices:
        return Checkout.FOREIGN_PAYLOAD
    if prices[payload] != amount:
        return Checkout.WRONG_AMOUNT
    if currency != STARS:
        return Checkout.WRONG_CURRENCY
    return Checkout.APPROVED if registered else Checkout.NOT_REGISTERED


@dataclass(frozen=True, slots=True)
class Terms:
    """What a delivered payment is: a subscription's (paid until `expires_at`) or a one-off (None)."""

    expires_at: datetime | None
    renewal: bool  # a subscription renewed by Telegram, not its first payment


def payment_terms(
    buyer_id: int,
    payload: str,
    is_recurring: bool,
    is_first_recurring: bool,
    expiration: datetime | None,
    now: datetime,
) -> Terms:
    """A recurring payment or one for a subscription invoice pays a period (to Telegram's expiration,
    else a period from now); anything else is a one-off purchase."""
    if not (is_recurring or payload == subscription_payload(buyer_id)):
        return Terms(None, False)
    return Terms(expiration or now + SUBSCRIPTION_PERIOD, is_recurring and not is_first_recurring)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a payment gives: VIP from the end it extends (`vip_from`) to `vip_until`."""

    vip_from: datetime
    vip_until: datetime


def _extended_end(vip_until: datetime | None, now: datetime) -> datetime:
    """The end a payment extends: the current VIP end, or now if there is none or it has lapsed."""
    return vip_until if vip_until is not None and vip_until > now else now


def one_off_grant(vip_until: datetime | None, days: int, now: datetime) -> Grant:
    """A one-off purchase adds `days` to the current VIP end (or to now)."""
    start = _extended_end(vip_until, now)
    return Grant(start, start + timedelta(days=days))


def subscription_grant(
    vip_until: datetime | None, expires_at: datetime, renews_at: datetime | None, now: datetime
) -> Grant:
    """A subscription payment runs VIP to its expiration, plus the VIP paid beyond the subscription's
    previous period (`renews_at`; one-off time), so no paid time is lost or counted twice."""
    start = _extended_end(vip_until, now)
    covered = max(now, renews_at) if renews_at is not None else now
    return Grant(start, max(start, expires_at + max(start - covered, timedelta(0))))


class PaidPeriod(Protocol):
    """A stored payment as a refund sees it: the VIP end it started from and the end it gave."""

    @property
    def vip_from(self) -> datetime: ...
    @property
    def vip_until(self) -> datetime: ...
    @property
    def is_subscription(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Revocation:
    """What a refund takes back: the VIP end left (None: VIP ends), and whether a subscription ends."""

    vip_until: datetime | None
    ends_subscription: bool


def revoke(payment: PaidPeriod, vip_until: datetime | None, now: datetime) -> Revocation:
    """Take back exactly the time the payment bought from the current VIP end (`vip_until`); VIP ends
    if nothing else covers now. A refunded subscription is over: no renewal, nothing left to cancel."""
    bought = payment.vip_until - payment.vip_from
    left = vip_until - bought if vip_until is not None else None
    return Revocation(left if left is not None and left > now else None, payment.is_subscription)


@dataclass(frozen=True, slots=True)
class Refund:
    """What refunding a payment did: `done` False if it was refunded already; the VIP end left."""

    done: bool
    user_id: int
    amount: int
    vip_until: datetime | None
    ended_subscription: bool = False


class Renewal(Enum):
    """Where a user's subscription stands while its paid period lasts."""

    NONE = "no subscription"
    ON = "renews"
    CANCELED = "canceled"


def renewal(canceled: bool | None) -> Renewal:
    """The state of a subscription from its `canceled` flag (None: no subscription in its period)."""
    if canceled is None:
        return Renewal.NONE
    return Renewal.CANCELED if canceled else Renewal.ON


class SubscribeAction(Enum):
    """What 🔁 Subscribe does: it sells a subscription only to someone without one."""

    OFFER = "send the link to a new subscription's invoice"
    RESUME = "turn the cancelled renewal back on"
    ALREADY_ON = "say when it renews rather than sell it twice"


class CancelAction(Enum):
    """What "Cancel subscription" does: only a renewing subscription is cancelled."""

    INVALID = "nothing to cancel"
    CANCEL = "stop the renewal"
    ALREADY_CANCELED = "say when VIP ends"


# What each button does, by the state of the user's renewal.
SUBSCRIBE_ACTIONS = {Renewal.NONE: SubscribeAction.OFFER, Renewal.CANCELED: SubscribeAction.RESUME, Renewal.ON: SubscribeAction.ALREADY_ON}
CANCEL_ACTIONS = {Renewal.NONE: CancelAction.INVALID, Renewal.ON: CancelAction.CANCEL, Renewal.CANCELED: CancelAction.ALREADY_CANCELED}


def paid_until(vip_until: datetime | None, renews_at: datetime) -> datetime:
    """Until when a subscriber without renewal stays VIP: their VIP end, else the period's end."""
    return vip_until or renews_at
