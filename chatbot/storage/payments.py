"""VIP and Telegram Stars: payments (one-off and subscription), subscriptions, refunds.

Every payment row keeps the VIP end it started from (`vip_from`) and the end it gave (`vip_until`),
so a refund takes back exactly the time that payment bought and leaves what other payments bought.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from chatbot.storage import Queries, parse_utc, utc_text

ONE_OFF = "one_off"
SUBSCRIPTION = "subscription"


@dataclass(frozen=True, slots=True)
class Refund:
    """What `refund_payment` did: `done` is False if the payment was already refunded."""

    done: bool
    user_id: int
    amount: int
    vip_until: str | None


class PaymentQueries(Queries):
    def vip_until(self, user_id: int) -> str | None:
        """When the user's VIP ends, or None if they are not VIP now."""
        row = self.conn.execute(
            "SELECT vip_until FROM users WHERE user_id = ? AND is_vip = 1 AND vip_until > CURRENT_TIMESTAMP",
            (user_id,),
        ).fetchone()
        return row[0] if row else None

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
        days: int,
        expires_at: datetime | None = None,
    ) -> tuple[bool, str | None]:
        """Store a payment and extend VIP, once per charge id: (newly recorded, VIP end).

        A one-off payment adds `days`. A subscription payment (`expires_at` given) runs VIP to the
        subscription's expiration, plus whatever VIP was paid beyond the subscription's previous
        period (a one-off purchase), so no paid time is lost or counted twice.
        """
        now = datetime.now(timezone.utc)
        with self.conn:
            existing = self.conn.execute(
                "SELECT vip_until FROM payments WHERE telegram_payment_charge_id = ?", (charge_id,)
            ).fetchone()
            if existing:
                return False, existing[0]
            if self.conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone() is None:
                raise LookupError(f"payment {charge_id} for unknown user {user_id}")
            row = self.conn.execute(
                "SELECT vip_until FROM users WHERE user_id = ? AND is_vip = 1 AND vip_until > ?", (user_id, utc_text(now))
            ).fetchone()
            start = parse_utc(row[0]) if row else now
            if expires_at is None:
                end = start + timedelta(days=days)
            else:
                period = self.conn.execute("SELECT renews_at FROM subscriptions WHERE user_id = ?", (user_id,)).fetchone()
                covered = max(now, parse_utc(period[0])) if period else now
                end = max(start, expires_at + max(start - covered, timedelta(0)))
            vip_from, until = utc_text(start), utc_text(end)
            self.conn.execute("UPDATE users SET is_vip = 1, vip_until = ? WHERE user_id = ?", (until, user_id))
            kind = ONE_OFF if expires_at is None else SUBSCRIPTION
            self.conn.execute(
                "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, payload, vip_until,"
                " kind, vip_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (charge_id, user_id, amount, currency, payload, until, kind, vip_from),
            )
            if expires_at is not None:
                # Renewals follow the newest charge; a payment means the renewal is on.
                self.conn.execute(
                    "INSERT INTO subscriptions (user_id, charge_id, renews_at, canceled) VALUES (?, ?, ?, 0)"
                    " ON CONFLICT (user_id) DO UPDATE SET charge_id = excluded.charge_id,"
                    " renews_at = excluded.renews_at, canceled = 0",
                    (user_id, charge_id, utc_text(expires_at)),
                )
        return True, until

    def payments_of(self, user_id: int, limit: int = 5) -> list[dict[str, Any]]:
        """The user's newest payments, newest first."""
        rows = self.conn.execute(
            "SELECT * FROM payments WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit)
        ).fetchall()
        return [dict(row) for row in rows]

    def payment(self, payment_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return dict(row) if row else None

    def payment_by_charge(self, charge_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM payments WHERE telegram_payment_charge_id = ?", (charge_id,)).fetchone()
        return dict(row) if row else None

    def refund_payment(self, payment_id: int, admin_id: int | None) -> Refund | None:
        """Mark a payment refunded (by an admin, or None: by Telegram) and take back the VIP it bought.

        Once: a payment already refunded changes nothing (`done` False). None if no such payment.
        """
        now = datetime.now(timezone.utc)
        with self.conn:
            payment = self.conn.execute(
                "SELECT user_id, amount, kind, vip_from, vip_until, created_at, refunded_at FROM payments WHERE id = ?",
                (payment_id,),
            ).fetchone()
            if payment is None:
                return None
            user_id, amount, kind, vip_from, vip_until, created_at, refunded_at = payment
            if refunded_at is not None:
                return Refund(False, user_id, amount, self.vip_until(user_id))
            # Rows from before vip_from was kept: the payment is taken to have started at its time.
            bought = parse_utc(vip_until) - parse_utc(vip_from or created_at)
            current = self.vip_until(user_id)
            until = None
            if current is not None and parse_utc(current) - bought > now:
                until = utc_text(parse_utc(current) - bought)
            self.conn.execute(
                "UPDATE users SET is_vip = ?, vip_until = ? WHERE user_id = ?", (until is not None, until, user_id)
            )
            self.conn.execute(
                "UPDATE payments SET refunded_at = ?, refunded_by = ? WHERE id = ?", (utc_text(now), admin_id, payment_id)
            )
            if kind == SUBSCRIPTION:
                # A refunded subscription is over: no renewal, nothing left to cancel in /vip.
                self.conn.execute(
                    "UPDATE subscriptions SET canceled = 1, renews_at = ? WHERE user_id = ?", (utc_text(now), user_id)
                )
        return Refund(True, user_id, amount, until)

    def subscription(self, user_id: int) -> dict[str, Any] | None:
        """The user's Stars subscription while its paid period lasts: charge_id, renews_at, canceled."""
        row = self.conn.execute(
            "SELECT charge_id, renews_at, canceled FROM subscriptions WHERE user_id = ? AND renews_at > CURRENT_TIMESTAMP",
            (user_id,),
        ).fetchone()
        return dict(row) if row else None

    def set_subscription_canceled(self, user_id: int, canceled: bool) -> None:
        with self.conn:
            self.conn.execute("UPDATE subscriptions SET canceled = ? WHERE user_id = ?", (canceled, user_id))
