"""Offers to exchange profiles and requests to chat again, as stored (no Telegram)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from database import Database


@pytest.fixture
def db(tmp_path: Path):
    database = Database(str(tmp_path / "bot.db"))
    for user_id in (1, 2, 3):
        database.users.create(user_id, "male", 30)
    yield database
    database.close()


def test_one_open_offer_per_chat_taken_once_and_only_as_made(db):
    chat = db.chats.start(1, 2)
    assert db.reveals.offer(chat, 1, "one") and not db.reveals.offer(chat, 2, None)
    assert db.reveals.take(chat, 2) is None  # not Bob's offer
    offer = db.reveals.take(chat, 1)
    assert offer is not None and (offer.offerer_id, offer.offerer_username) == (1, "one")
    assert db.reveals.take(chat, 1) is None
    assert db.reveals.offer(chat, 2, None)
    db.chats.end(chat)
    assert db.reveals.drop_ended() == 1 and db.reveals.take(chat) is None


def test_one_open_request_per_sender_closed_once_and_expired(db):
    now = datetime.now(timezone.utc)
    chat = db.chats.start(1, 2)
    first = db.rematches.request(chat, 1, 2)
    assert db.rematches.sent_by(1, now - timedelta(minutes=1)) == first
    assert db.rematches.sent_by(1, now + timedelta(minutes=1)) is None  # made before: expired
    second = db.rematches.request(chat, 1, 2)  # replaces the sender's older one
    assert db.rematches.get(first.request_id) is None and db.rematches.get(second.request_id) == second
    assert db.rematches.close(second.request_id) and not db.rematches.close(second.request_id)
    db.rematches.request(chat, 2, 1)
    assert db.rematches.expire(now - timedelta(minutes=1)) == 0
    assert db.rematches.expire(now + timedelta(minutes=1)) == 1


def test_deleteme_removes_offers_and_requests_either_way(db):
    chat = db.chats.start(1, 2)
    db.reveals.offer(chat, 2, "two")
    db.rematches.request(chat, 2, 1)
    db.rematches.request(chat, 3, 1)
    db.invites.code_of(1)
    db.delete_user_data(1)
    counts = [db.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("reveal_offers", "rematch_requests", "invite_codes")]
    assert counts == [0, 0, 0]
