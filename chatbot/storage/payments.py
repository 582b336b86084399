"""VIP and Telegram Stars: payments (one-off and subscription), subscriptions, refunds.

Every payment row keeps the VIP end it started from (`vip_from`) and the end it gave (`vip_until`),
so a refund takes back exactly the time that payment bought and leaves what other payments bought.
The arithmetic is core/payments.py's; this class stores what it decided, once per charge id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from chatbot.storage import Store, parse_utc, utc_text

ONE_OFF = "one_off"
SUBSCRIPTION = "subscription"
# VIP earned by inviting (invites): recorded like a purchase, never listed or refunded as one.
REFERRAL = "referral"
_PAYMENT = (
    "SELECT id, telegram_payment_charge_id, user_id, amount, currency, payload, kind, vip_from, vip_until, created_at,"
    " refunded_at, refunded_by FROM payments"
)


@dataclass(frozen=True, slots=True)
class Payment:
    """A stored payment; times are aware datetimes (UTC)."""

    id: int
    charge_id: str  # telegram_payment_charge_id
    user_id: int
    amount: int
    currency: str
    payload: str
    is_subscription: bool
    vip_from: datetime  # the VIP end it extended (rows from before vip_from was kept: when it was paid)
    vip_until: datetime  # the VIP end it gave
    created_at: datetime
    refunded_at: datetime | None
    refunded_by: int | None  # the admin; None if not refunded or refunded by Telegram


@dataclass(frozen=True, slots=True)
class Subscription:
    """A user's Stars subscription while its paid period lasts."""

    charge_id: str  # the newest charge: renewals follow it
    renews_at: datetime
    canceled: bool


def _payment(row: sqlite3.Row) -> Payment:
    """A row of `_PAYMENT` as a Payment."""
    (id_, charge_id, user_id, amount, currency, payload, kind, vip_from, vip_until, created_at, refunded_at, by) = row
    return Payment(
        id_,
        charge_id,
        user_id,
        amount,
        currency,
        payload,
        kind == SUBSCRIPTION,
        parse_utc(vip_from or created_at),
        parse_utc(vip_until),
        parse_utc(created_at),
        parse_utc(refunded_at) if refunded_at else None,
        by,
    )


class PaymentStore(Store):
    """The payments, subscriptions and users' VIP ends, over the Database's connection."""

    def vip_until(self, user_id: int) -> datetime | None:
        """When the user's VIP ends, or None if they are not VIP now."""
        row = self.conn.execute(
            "SELECT vip_until FROM users WHERE user_id = ? AND is_vip = 1 AND vip_until > CURRENT_TIMESTAMP",
            (user_id,),
        ).fetchone()
        return parse_utc(row[0]) if row else None

    def expire_vips(self) -> int:
        """Clear the VIP flag of everyone whose VIP has ended; returns how many."""
        with self.conn:
            cur = self.conn.execute("UPDATE users SET is_vip = 0 WHERE is_vip = 1 AND vip_until <= CURRENT_TIMESTAMP")
        return cur.rowcount

    def record_payment(
        self,
        charge_id: str,
        user_id: int,
        amount: int,
        currency: str,
        payload: str,
        vip_from: datetime,
        vip_until: datetime,
        expires_at: datetime | None = None,
        kind: str | None = None,
    ) -> tuple[bool, datetime]:
        """Store a payment and set the VIP end it gave, once per charge id: (newly recorded, VIP end).

        A subscription's payment (`expires_at` given) also becomes the subscription renewals follow.
        """
        with self.conn:
            existing = self.conn.execute(
                "SELECT vip_until FROM payments WHERE telegram_payment_charge_id = ?", (charge_id,)
            ).fetchone()
            if existing:
                return False, parse_utc(existing[0])
            if self.conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone() is None:
                raise LookupError(f"payment {charge_id} for unknown user {user_id}")
            until = utc_text(vip_until)
            self.conn.execute("UPDATE users SET is_vip = 1, vip_until = ? WHERE user_id = ?", (until, user_id))
            kind = kind or (ONE_OFF if expires_at is None else SUBSCRIPTION)
            self.conn.execute(
                "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, payload, vip_until,"
                " kind, vip_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (charge_id, user_id, amount, currency, payload, until, kind, utc_text(vip_from)),
            )
            if expires_at is not None:
                # Renewals follow the newest charge; a payment means the renewal is on.
                self.conn.execute(
                    "INSERT INTO subscriptions (user_id, charge_id, renews_at, canceled) VALUES (?, ?, ?, 0)"
                    " ON CONFLICT (user_id) DO UPDATE SET charge_id = excluded.charge_id,"
                    " renews_at = excluded.renews_at, canceled = 0",
                    (user_id, charge_id, utc_text(expires_at)),
                )
        # As stored: to the second.
        return True, parse_utc(until)

    def payments_of(self, user_id: int, limit: int = 5) -> list[Payment]:
        """The user's newest Stars payments, newest first."""
        rows = self.conn.execute(
            _PAYMENT + " WHERE user_id = ? AND kind != ? ORDER BY id DESC LIMIT ?", (user_id, REFERRAL, limit)
        ).fetchall()
        return [_payment(row) for row in rows]

    def payment(self, payment_id: int) -> Payment | None:
        """The Stars payment with this id, or None."""
        row = self.conn.execute(_PAYMENT + " WHERE id = ? AND kind != ?", (payment_id, REFERRAL)).fetchone()
        return _payment(row) if row else None

    def payment_by_charge(self, charge_id: str) -> Payment | None:
        """The payment of this Telegram charge id, or None."""
        row = self.conn.execute(_PAYMENT + " WHERE telegram_payment_charge_id = ?", (charge_id,)).fetchone()
        return _payment(row) if row else None

    def refund_payment(
        self, payment_id: int, admin_id: int | None, vip_until: datetime | None, end_subscription: bool, now: datetime
    ) -> bool:
        """Mark a payment refunded (by an admin, or None: by Telegram) and set the VIP end left (None: no
        VIP), ending the user's subscription if told to. Once: False if it was refunded already."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE payments SET refunded_at = ?, refunded_by = ? WHERE id = ? AND refunded_at IS NULL",
                (utc_text(now), admin_id, payment_id),
            )
            if cur.rowcount == 0:
                return False
            (user_id,) = self.conn.execute("SELECT user_id FROM payments WHERE id = ?", (payment_id,)).fetchone()
            until = utc_text(vip_until) if vip_until is not None else None
            self.conn.execute(
                "UPDATE users SET is_vip = ?, vip_until = ? WHERE user_id = ?", (until is not None, until, user_id)
            )
            if end_subscription:
                # Over now: no renewal, nothing left to cancel in /vip.
                self.conn.execute(
                    "UPDATE subscriptions SET canceled = 1, renews_at = ? WHERE user_id = ?", (utc_text(now), user_id)
                )
        return True

    def subscription(self, user_id: int) -> Subscription | None:
        """The user's Stars subscription while its paid period lasts."""
        row = self.conn.execute(
            "SELECT charge_id, renews_at, canceled FROM subscriptions WHERE user_id = ? AND renews_at > CURRENT_TIMESTAMP",
            (user_id,),
        ).fetchone()
        return Subscription(row[0], parse_utc(row[1]), bool(row[2])) if row else None

    def set_subscription_canceled(self, user_id: int, canceled: bool) -> None:
        """Record that the subscription's renewal is off (or on again)."""
        with self.conn:
            self.conn.execute("UPDATE subscriptions SET canceled = ? WHERE user_id = ?", (canceled, user_id))
