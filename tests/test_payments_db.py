"""VIP arithmetic of payments, subscriptions and refunds (core/payments.py), stored in a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from database import Database
from chatbot.handlers.payments import grant_vip, revoke_payment
from chatbot.storage.payments import Subscription

DAY = timedelta(days=1)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path / "payments.db"))
    database.users.create(1, "male", 30)
    yield database
    database.close()


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def until(db: Database) -> datetime:
    value = db.payments.vip_until(1)
    assert value is not None
    return value


def test_a_subscription_runs_to_its_expiration_and_an_early_renewal_is_not_counted_twice(db):
    expires = now() + 30 * DAY
    grant_vip(db.payments, "sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires)
    assert until(db) == expires
    assert db.payments.subscription(1) == Subscription("sub-1", renews_at=db.payments.vip_until(1), canceled=False)
    grant_vip(db.payments, "sub-2", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires + 30 * DAY)  # renewed early
    assert until(db) == expires + 30 * DAY


def test_one_off_time_is_kept_on_top_of_a_subscription(db):
    grant_vip(db.payments, "one-1", 1, 100, "XTR", "vip:1", 10)
    expires = now() + 30 * DAY
    grant_vip(db.payments, "sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires)
    assert abs(until(db) - (expires + 10 * DAY)) <= timedelta(seconds=2)
    grant_vip(db.payments, "one-2", 1, 100, "XTR", "vip:1", 5)  # bought while subscribed
    grant_vip(db.payments, "sub-2", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires + 30 * DAY)
    assert abs(until(db) - (expires + 45 * DAY)) <= timedelta(seconds=2)


def test_a_refund_takes_back_exactly_what_the_payment_bought_once(db):
    grant_vip(db.payments, "a", 1, 100, "XTR", "vip:1", 30)
    grant_vip(db.payments, "b", 1, 100, "XTR", "vip:1", 30)
    both = until(db)
    first = db.payments.payment_by_charge("a")
    assert first is not None
    refund = revoke_payment(db.payments, first.id, 42)
    assert refund is not None and refund.done and refund.amount == 100 and refund.user_id == 1
    assert both - until(db) == 30 * DAY
    again = revoke_payment(db.payments, first.id, 42)
    assert again is not None and not again.done and both - until(db) == 30 * DAY
    second = db.payments.payment_by_charge("b")
    assert second is not None
    last = revoke_payment(db.payments, second.id, None)
    assert last is not None and last.done and last.vip_until is None and db.payments.vip_until(1) is None
    assert revoke_payment(db.payments, 999, 42) is None
    rows = db.conn.execute("SELECT refunded_by, refunded_at IS NOT NULL FROM payments ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(42, 1), (None, 1)]


def test_refunding_a_subscription_payment_stops_its_renewal(db):
    grant_vip(db.payments, "sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=now() + 30 * DAY)
    payment = db.payments.payment_by_charge("sub-1")
    assert payment is not None
    revoke_payment(db.payments, payment.id, 7)
    assert db.payments.vip_until(1) is None
    assert db.conn.execute("SELECT canceled FROM subscriptions").fetchone()[0] == 1
    assert db.payments.subscription(1) is None
