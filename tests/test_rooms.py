"""Unit tests of the rooms without Telegram: pairing state, callback data, the error policy, flows."""

from __future__ import annotations

import ast
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from chatbot.telegram_io import callbacks
from database import Database
from chatbot.storage.migrations import MIGRATIONS
from chatbot.core.flows import FLOWS, Conversations, Flow, Step
from chatbot.telegram_io.sending import Failure, classify
from chatbot.core.pairing import ChatState, Pairing


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path / "rooms.db"))
    for user_id in range(1, 8):
        database.users.create(user_id, "male", 30)
    yield database
    database.close()


# state.py


def test_first_searcher_waits_and_the_second_is_paired_with_them(db):
    state = ChatState(db.chats, db.matching)
    assert state.pair_or_enqueue(1) is None
    assert list(state.search_queue) == [1] and db.chats.queued_users() == [1]
    pairing = state.pair_or_enqueue(2)
    assert pairing is not None and pairing.partner_id == 1
    assert state.active_chats == {1: Pairing(2, pairing.chat_id), 2: Pairing(1, pairing.chat_id)}
    assert state.search_queue == {} and db.chats.queued_users() == []
    assert db.chats.open_chats() == [(pairing.chat_id, 1, 2)]
    assert state.chat_count == 1


def test_the_longest_waiting_is_chosen_and_nobody_is_paired_with_themselves(db):
    state = ChatState(db.chats, db.matching)
    db.chats.end(db.chats.start(1, 2))  # 1 and 2 just met: neither meets the other on the next search
    for user_id in (1, 2):
        assert state.pair_or_enqueue(user_id) is None
    assert state.pair_or_enqueue(2) is None  # already queued: never paired with itself, keeps its place
    assert list(state.search_queue) == [1, 2]
    pairing = state.pair_or_enqueue(3)
    assert pairing is not None and pairing.partner_id == 1
    assert list(state.search_queue) == [2]


def test_unpair_ends_the_chat_for_both_and_in_the_database(db):
    state = ChatState(db.chats, db.matching)
    state.pair_or_enqueue(1)
    chat_id = state.pair_or_enqueue(2).chat_id  # type: ignore[union-attr]
    assert state.unpair(2) == Pairing(1, chat_id)
    assert state.active_chats == {} and db.chats.open_chats() == []
    assert state.unpair(2) is None


def test_leave_queue(db):
    state = ChatState(db.chats, db.matching)
    state.pair_or_enqueue(1)
    assert state.leave_queue(1) and db.chats.queued_users() == []
    assert not state.leave_queue(1)


def test_restore_rebuilds_chats_and_queue(db):
    state = ChatState(db.chats, db.matching)
    state.pair_or_enqueue(1)
    state.pair_or_enqueue(2)
    state.pair_or_enqueue(3)
    restored = ChatState(db.chats, db.matching)
    restored.restore()
    assert restored.active_chats == state.active_chats and restored.search_queue == state.search_queue and list(restored.search_queue) == [3]


def test_restore_repairs_inconsistent_rows(db):
    # Rows no handler would write: user 1 in two open chats, and users 1 and 4 queued while chatting.
    first = db.chats.start(1, 2)
    second = db.chats.start(1, 3)
    third = db.chats.start(4, 5)
    db.chats.enqueue(1)
    db.chats.enqueue(4)
    db.chats.enqueue(6)
    state = ChatState(db.chats, db.matching)
    state.restore()
    assert state.active_chats == {1: Pairing(2, first), 2: Pairing(1, first), 4: Pairing(5, third), 5: Pairing(4, third)}
    assert [chat_id for chat_id, _, _ in db.chats.open_chats()] == [first, third]  # the second chat was closed
    assert second not in state.active_chats.values()
    assert list(state.search_queue) == [6] and db.chats.queued_users() == [6]


def test_the_state_class_has_no_awaits_and_no_telegram():
    tree = ast.parse((Path(__file__).resolve().parent.parent / "chatbot" / "core" / "pairing.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Await, ast.AsyncFunctionDef, ast.AsyncWith, ast.AsyncFor))]
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(name and name.startswith("telegram") for name in imported)


# callbacks.py


def test_callback_data_round_trips_and_is_matched_whole():
    assert callbacks.RATE.build(12, "bad") == "rate:12:bad"
    assert callbacks.RATE.parse("rate:12:bad") == ("12", "bad")
    assert callbacks.GENDER.parse(callbacks.GENDER.build("female")) == ("female",)
    assert callbacks.JOINED.parse(callbacks.JOINED.build()) == ()
    for forged in ("gender:female\n", "gender:other", "rate:1:good:x", "rate:x:good", "joined ", "", None):
        assert all(kind.parse(forged) is None for kind in (callbacks.GENDER, callbacks.RATE, callbacks.JOINED)), forged
    with pytest.raises(ValueError):
        callbacks.RATE.build(1, "great")
    assert callbacks.GENDER.pattern.match("gender:male\n") is None  # what CallbackQueryHandler uses


def test_no_callback_string_is_written_outside_callbacks_py():
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("*.py"), *(root / "chatbot").rglob("*.py")]:
        if path.name in ("callbacks.py", "test.py"):
            continue
        text = path.read_text()
        for prefix in ('"gender:', '"rate:', '"joined"', '"buy_vip"', "callback_data=\""):
            assert prefix not in text, f"{path.name} writes {prefix}"


# sending.py


@pytest.mark.parametrize(
    ("error", "refusable", "meaning"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), False, Failure.GONE),
        (Forbidden("Forbidden: user is deactivated"), True, Failure.GONE),
        (BadRequest("Bad Request: chat not found"), False, Failure.GONE),
        (BadRequest("Bad Request: message is not modified: specified new message content is the same"), False, Failure.HARMLESS),
        (BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid"), False, Failure.HARMLESS),
        (BadRequest("Bad Request: message to edit not found"), False, Failure.HARMLESS),
        (BadRequest("Bad Request: message can't be copied"), True, Failure.REFUSED),
        (BadRequest("Bad Request: message can't be copied"), False, None),
        (BadRequest("Bad Request: message text is empty"), False, None),
        (RetryAfter(3), False, None),
        (NetworkError("connection reset"), True, None),
    ],
)
def test_one_policy_says_what_each_error_means(error, refusable, meaning):
    assert classify(error, refusable) is meaning


# flows.py


def test_a_user_is_in_each_flow_at_one_step(db):
    conversations = Conversations(db.conversations)
    assert conversations.step(9, Flow.REGISTRATION) is None
    conversations.move(9, Flow.REGISTRATION, Step.GENDER)
    conversations.move(9, Flow.REGISTRATION, Step.AGE, "female")
    conversations.move(9, Flow.SUPPORT, Step.MESSAGE)
    assert conversations.step(9, Flow.REGISTRATION) == (Step.AGE, "female")
    assert conversations.at(9, Flow.SUPPORT, Step.MESSAGE) and not conversations.at(9, Flow.REGISTRATION, Step.GENDER)
    with pytest.raises(ValueError):
        conversations.move(9, Flow.SUPPORT, Step.AGE)
    assert conversations.end(9, Flow.SUPPORT) and not conversations.end(9, Flow.SUPPORT)
    db.users.create(9, "female", 30)
    assert conversations.end(9, Flow.REGISTRATION)  # registration's handler ends the flow (storage knows no flows)
    assert conversations.step(9, Flow.REGISTRATION) is None


def test_a_step_left_half_way_is_forgotten_in_the_table_and_in_memory(db):
    conversations = Conversations(db.conversations)
    conversations.move(9, Flow.REGISTRATION, Step.AGE, "female")
    conversations.move(9, Flow.INVITED, Step.REGISTER, "code")
    conversations.move(8, Flow.SUPPORT, Step.MESSAGE)
    with db.conn:  # user 9 last moved eight days ago
        db.conn.execute("UPDATE conversations SET updated_at = datetime('now', '-8 days') WHERE user_id = 9")
    assert db.conversations.expire(datetime.now(timezone.utc) - timedelta(days=7)) == 2
    assert conversations.step(9, Flow.REGISTRATION) is None and conversations.step(9, Flow.INVITED) is None
    assert conversations.at(8, Flow.SUPPORT, Step.MESSAGE)
    assert [tuple(row) for row in db.conn.execute("SELECT user_id FROM conversations")] == [(8,)]
    # A move counts from now: the step of a user who goes on is kept.
    conversations.move(8, Flow.SUPPORT, Step.MESSAGE)
    assert db.conversations.expire(datetime.now(timezone.utc) - timedelta(seconds=5)) == 0


def test_steps_kept_before_the_expiry_existed_count_from_the_upgrade(tmp_path):
    path = tmp_path / "v11.db"
    with sqlite3.connect(path) as conn:
        for version, step in enumerate(MIGRATIONS[:11], start=1):
            conn.executescript(f"BEGIN; {step}; PRAGMA user_version = {version}; COMMIT;")
        conn.execute("INSERT INTO conversations (user_id, flow, step, data) VALUES (9, 'support', 'message', '')")
    upgraded = Database(str(path))
    try:
        assert Conversations(upgraded.conversations).at(9, Flow.SUPPORT, Step.MESSAGE)
        assert upgraded.conversations.expire(datetime.now(timezone.utc) - timedelta(days=1)) == 0
        assert upgraded.conversations.expire(datetime.now(timezone.utc) + timedelta(seconds=5)) == 1
    finally:
        upgraded.close()


def test_the_expiry_of_flows_is_a_search_of_the_index(db):
    plan = db.conn.execute(
        "EXPLAIN QUERY PLAN DELETE FROM conversations WHERE updated_at < ?", ("2026-01-01 00:00:00",)
    ).fetchall()
    assert any("idx_conversations_updated" in row[-1] for row in plan), plan


def test_every_step_belongs_to_a_flow():
    assert {step for steps in FLOWS.values() for step in steps} == set(Step)
    assert set(FLOWS) == set(Flow)
