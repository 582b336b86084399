"""Invites without Telegram: the reward rules (core.invites) and the invite store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from chatbot.core import invites
from database import Database


def test_a_chat_qualifies_only_with_three_messages_each_way():
    assert invites.qualifies({1: 3, 2: 3}, 1, 2)
    assert not invites.qualifies({1: 10, 2: 2}, 1, 2)
    assert not invites.qualifies({1: 3}, 1, 2)


def test_the_outcome_respects_the_monthly_cap_and_a_gone_inviter():
    assert invites.outcome(True, 0, 10) is invites.Outcome.REWARDED
    assert invites.outcome(True, 9, 10) is invites.Outcome.REWARDED
    assert invites.outcome(True, 10, 10) is invites.Outcome.CAPPED
    assert invites.outcome(False, 0, 10) is invites.Outcome.NONE


def test_codes_are_opaque_unique_and_a_join_counts_once(tmp_path: Path):
    db = Database(str(tmp_path / "bot.db"))
    for user_id in (1, 2, 3):
        db.users.create(user_id, "male", 30)
    code = db.invites.code_of(1)
    assert code == db.invites.code_of(1) and code != db.invites.code_of(2) and "1" != code
    assert len(code) == 11 and db.invites.inviter(code) == 1 and db.invites.inviter("nope") is None
    assert db.invites.record_join(3, 1) and not db.invites.record_join(3, 2)
    assert db.invites.pending_inviter(3) == 1
    assert db.invites.decide(3, invites.Outcome.REWARDED.value, 3) and not db.invites.decide(3, "capped")
    assert db.invites.pending_inviter(3) is None
    now = datetime.now(timezone.utc)
    assert db.invites.rewards_since(1, now - timedelta(days=30)) == 1
    assert db.invites.rewards_since(1, now + timedelta(minutes=1)) == 0
    assert db.invites.summary(1) == (1, 3)
    # /deleteme of the invited user keeps the record, so registering again is not counted again.
    db.delete_user_data(3)
    db.users.create(3, "male", 30)
    assert not db.invites.record_join(3, 2) and db.invites.summary(1) == (1, 3)
    db.delete_user_data(1)
    assert db.invites.inviter(code) is None
    db.close()


def test_a_referral_reward_is_a_payment_of_its_own_kind_never_listed_or_refundable(tmp_path: Path):
    db = Database(str(tmp_path / "bot.db"))
    db.users.create(1, "male", 30)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    new, until = db.payments.record_payment("referral:7", 1, 0, "XTR", "referral", now, now + timedelta(days=3), kind="referral")
    again, same = db.payments.record_payment("referral:7", 1, 0, "XTR", "referral", now, now + timedelta(days=9), kind="referral")
    assert new and not again and same == until == db.payments.vip_until(1)
    (payment_id, kind), *_ = db.conn.execute("SELECT id, kind FROM payments").fetchall()
    assert kind == "referral" and db.payments.payments_of(1) == [] and db.payments.payment(payment_id) is None
    db.close()
