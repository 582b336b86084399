"""VIP arithmetic of payments, subscriptions and refunds (storage/payments.py), on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from database import Database
from chatbot.storage import parse_utc

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
    value = db.vip_until(1)
    assert value is not None
    return parse_utc(value)


def test_a_subscription_runs_to_its_expiration_and_an_early_renewal_is_not_counted_twice(db):
    expires = now() + 30 * DAY
    db.record_payment("sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires)
    assert until(db) == expires
    assert db.subscription(1) == {"charge_id": "sub-1", "renews_at": db.vip_until(1), "canceled": 0}
    db.record_payment("sub-2", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires + 30 * DAY)  # renewed early
    assert until(db) == expires + 30 * DAY


def test_one_off_time_is_kept_on_top_of_a_subscription(db):
    db.record_payment("one-1", 1, 100, "XTR", "vip:1", 10)
    expires = now() + 30 * DAY
    db.record_payment("sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires)
    assert abs(until(db) - (expires + 10 * DAY)) <= timedelta(seconds=2)
    db.record_payment("one-2", 1, 100, "XTR", "vip:1", 5)  # bought while subscribed
    db.record_payment("sub-2", 1, 80, "XTR", "vipsub:1", 30, expires_at=expires + 30 * DAY)
    assert abs(until(db) - (expires + 45 * DAY)) <= timedelta(seconds=2)


def test_a_refund_takes_back_exactly_what_the_payment_bought_once(db):
    db.record_payment("a", 1, 100, "XTR", "vip:1", 30)
    db.record_payment("b", 1, 100, "XTR", "vip:1", 30)
    both = until(db)
    first = db.payment_by_charge("a")
    assert first is not None
    refund = db.refund_payment(first["id"], 42)
    assert refund is not None and refund.done and refund.amount == 100 and refund.user_id == 1
    assert both - until(db) == 30 * DAY
    again = db.refund_payment(first["id"], 42)
    assert again is not None and not again.done and both - until(db) == 30 * DAY
    second = db.payment_by_charge("b")
    assert second is not None
    last = db.refund_payment(second["id"], None)
    assert last is not None and last.done and last.vip_until is None and db.vip_until(1) is None
    assert db.refund_payment(999, 42) is None
    rows = db.conn.execute("SELECT refunded_by, refunded_at IS NOT NULL FROM payments ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(42, 1), (None, 1)]


def test_refunding_a_subscription_payment_stops_its_renewal(db):
    db.record_payment("sub-1", 1, 80, "XTR", "vipsub:1", 30, expires_at=now() + 30 * DAY)
    payment = db.payment_by_charge("sub-1")
    assert payment is not None
    db.refund_payment(payment["id"], 7)
    assert db.vip_until(1) is None
    assert db.conn.execute("SELECT canceled FROM subscriptions").fetchone()[0] == 1
    assert db.subscription(1) is None
