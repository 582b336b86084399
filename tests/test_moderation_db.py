"""Moderation and privacy storage (storage/moderation.py) and the duration parser, without Telegram."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chatbot.storage.migrations import MIGRATIONS
from chatbot.storage.moderation import Appeal
from database import Database
from chatbot.handlers.payments import grant_vip
from chatbot.storage import parse_utc, utc_text
from chatbot.handlers.moderating import strike
from utils import TextFormatter, ValidationHelper


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path / "moderation.db"))
    for user_id in (1, 2, 3):
        database.users.create(user_id, "male", 30)
    yield database
    database.close()


def mute_minutes(db: Database) -> int:
    for _ in range(2):
        assert strike(db, 1) is None
    until = strike(db, 1)
    assert until is not None
    # End the mute now, as time would, so the next strikes count.
    with db.conn:
        db.conn.execute("UPDATE mutes SET until = ? WHERE until = ?", (utc_text(), utc_text(until)))
    return round((until - datetime.now(timezone.utc)).total_seconds() / 60)


def test_three_strikes_mute_and_each_mute_within_a_week_lasts_longer(db):
    assert [mute_minutes(db) for _ in range(8)] == [1, 5, 25, 120, 720, 3600, 4320, 4320]


def test_strikes_outside_ten_minutes_and_mutes_older_than_a_week_are_forgotten(db):
    strike(db, 1)
    strike(db, 1)
    with db.conn:
        db.conn.execute("UPDATE strikes SET created_at = datetime('now', '-11 minutes')")
    assert strike(db, 1) is None  # only one strike in the last 10 minutes
    assert strike(db, 1) is None
    first = strike(db, 1)
    assert first is not None
    with db.conn:
        db.conn.execute("UPDATE mutes SET started_at = datetime('now', '-8 days'), until = datetime('now', '-8 days')")
    db.privacy.prune_old_chats(90, 24)
    assert db.conn.execute("SELECT COUNT(*) FROM mutes").fetchone()[0] == 0
    assert mute_minutes(db) == 1  # the ladder starts again


def test_a_mute_is_known_after_a_restart(tmp_path):
    first = Database(str(tmp_path / "m.db"))
    first.users.create(1, "male", 30)
    for _ in range(3):
        until = strike(first, 1)
    first.close()
    second = Database(str(tmp_path / "m.db"))
    assert second.moderation.muted_until(1) == until and second.moderation.muted_until(2) is None
    second.close()


def test_temporary_bans_end_and_a_new_ban_replaces_the_old(db):
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert db.moderation.ban_user(1, "spam", 9, until=past)
    assert not db.moderation.is_banned(1)  # over, even before it is lifted
    assert db.moderation.lift_ended_bans() == [1] and db.moderation.lift_ended_bans() == []
    assert db.moderation.ban_user(2, "a", 9) and db.moderation.ban_user(2, "b", 9, until=datetime.now(timezone.utc) + timedelta(days=1))
    ban = db.moderation.active_ban(2)
    assert ban is not None and ban.reason == "b" and ban.until is not None
    assert db.conn.execute("SELECT COUNT(*) FROM bans WHERE user_id = 2 AND lifted_at IS NULL").fetchone()[0] == 1
    assert not db.moderation.ban_user(404)


def test_one_appeal_per_ban(db):
    assert db.moderation.open_appeal(1) is None  # not banned
    db.moderation.ban_user(1, "x", 9)
    appeal = db.moderation.open_appeal(1)
    assert appeal is not None and db.moderation.appealed(1) and db.moderation.open_appeal(1) is None
    assert db.moderation.decide_appeal(appeal, "rejected", 9, update_id=41) == 1
    assert db.moderation.decide_appeal(appeal, "accepted", 8, update_id=42) is None
    assert db.moderation.appeal(appeal) == Appeal(1, 41, False)  # the press that decided it; not told yet
    db.moderation.appeal_told(appeal)
    assert db.moderation.appeal(appeal) == Appeal(1, 41, True)
    db.moderation.ban_user(1, "again", 9)  # a new ban may be appealed again
    assert not db.moderation.appealed(1) and db.moderation.open_appeal(1) is not None


def notified(db: Database, user_id: int) -> bool:
    """Whether the user's active ban has had its notice sent."""
    ban = db.moderation.active_ban(user_id)
    assert ban is not None
    return ban.notified


def test_a_ban_notice_is_remembered_for_that_ban_only(db):
    db.moderation.ban_user(1, "x", 9)
    first = db.moderation.active_ban(1)
    assert first is not None and not first.notified
    db.moderation.ban_notified(1, first.id)
    assert notified(db, 1)
    again = Database(db.path)  # a restart
    try:
        assert notified(again, 1)
    finally:
        again.close()
    db.moderation.ban_user(1, "again", 9)  # a new ban gets its own notice
    assert not notified(db, 1)
    # Another admin's ban replaced the first while its notice was on its way: the new one is not told yet.
    db.moderation.ban_notified(1, first.id)
    assert not notified(db, 1)


def test_bans_and_appeals_from_before_the_notice_marks_count_as_told(tmp_path):
    path = tmp_path / "v12.db"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for version, step in enumerate(MIGRATIONS[:12], start=1):
            conn.executescript(f"BEGIN; {step}; PRAGMA user_version = {version}; COMMIT;")
        conn.execute("INSERT INTO users (user_id, gender, age) VALUES (1, 'male', 30), (2, 'female', 30)")
        conn.execute("INSERT INTO bans (id, user_id, reason, lifted_at) VALUES (4, 1, 'old', CURRENT_TIMESTAMP)")
        conn.execute("INSERT INTO bans (id, user_id, reason) VALUES (5, 1, 'x'), (6, 2, 'y')")
        conn.execute("INSERT INTO appeals (id, ban_id, user_id, status, decided_update) VALUES (7, 5, 1, 'rejected', 40)")
        conn.execute("INSERT INTO appeals (id, ban_id, user_id) VALUES (8, 6, 2)")
    upgraded = Database(str(path))
    try:
        assert notified(upgraded, 1) and notified(upgraded, 2)
        assert upgraded.moderation.appeal(7) == Appeal(1, 40, True)
        assert upgraded.moderation.appeal(8) == Appeal(2, None, False)  # still open: its outcome is to be told
        assert tuple(upgraded.conn.execute("SELECT notified_at IS NOT NULL FROM bans WHERE id = 4").fetchone()) == (1,)
    finally:
        upgraded.close()


def test_evidence_keeps_only_the_reported_users_own_messages(db):
    chat = db.chats.start(1, 2)
    db.chats.map_messages(chat, 1, 2, [(10, 100), (11, 101)])
    db.chats.map_messages(chat, 2, 1, [(200, 12)])
    db.chats.end(chat)
    assert db.moderation.evidence(chat, 1) == [10, 11] and db.moderation.evidence(chat, 2) == [200]
    status, report_id = db.moderation.add_report(2, chat, "spam")
    report = db.moderation.report(report_id or 0)
    assert report is not None and (report.target_messages, report.reporter_messages) == (2, 1)


def test_retention_deletes_reply_maps_then_old_chats(db):
    old, recent = db.chats.start(1, 2), db.chats.start(1, 3)
    db.chats.map_messages(old, 1, 2, [(1, 2)])
    db.chats.map_messages(recent, 1, 3, [(3, 4)])
    db.chats.end(old)
    db.chats.end(recent)
    db.chats.add_rating(2, old, "good")
    with db.conn:
        db.conn.execute("UPDATE chat_history SET ended_at = datetime('now', '-91 days') WHERE id = ?", (old,))
        db.conn.execute("UPDATE chat_history SET ended_at = datetime('now', '-25 hours') WHERE id = ?", (recent,))
    maps, chats = db.privacy.prune_old_chats(90, 24)
    assert (maps, chats) == (4, 1)
    assert db.conn.execute("SELECT id FROM chat_history").fetchall()[0][0] == recent
    assert db.conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0


def test_deleting_a_user_keeps_payments_bans_and_blocks(db):
    chat = db.chats.start(1, 2)
    db.chats.map_messages(chat, 1, 2, [(1, 2)])
    db.chats.end(chat)
    db.chats.add_rating(2, chat, "bad")
    grant_vip(db.payments, "c1", 1, 100, "XTR", "vip:1", 30)
    db.matching.set_partner_gender(1, "female")
    db.conversations.set_step(1, "support", "message")
    db.moderation.ban_user(1, "x", 9)
    db.delete_user_data(1)
    assert db.users.get(1) is None and db.conversations.step(1, "support") is None
    for table in ("chat_history", "message_map", "ratings", "preferences", "conversations"):
        assert db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table  # noqa: S608
    assert db.payments.payments_of(1) and db.moderation.is_banned(1) and db.matching.blocked_ids(2) == {1}
    assert db.users.create(1, "female", 40)  # registers anew


def test_durations():
    assert ValidationHelper.parse_duration("30m") == timedelta(minutes=30)
    assert ValidationHelper.parse_duration("24h") == timedelta(hours=24)
    assert ValidationHelper.parse_duration("7d") == timedelta(days=7)
    for bad in ("0m", "10x", "5", "m", "-5m", "3651d", "1.5h", "", None):
        assert ValidationHelper.parse_duration(bad) is None, bad
    assert [TextFormatter.duration(timedelta(minutes=m), "en") for m in (0.2, 59, 61, 1500, 4320)] == [
        "1 min", "59 min", "1 h 1 min", "1 d 1 h", "3 d"
    ]


def test_activity_is_written_to_the_day_it_was_seen_on(db):
    from chatbot.handlers.common import ActivityLog

    log = ActivityLog(day="2026-01-01")
    log.seen(1)
    log.seen(2, searched=True)
    log.seen(1, searched=True)
    log.flush(db)
    rows = db.conn.execute("SELECT day, user_id, searched FROM activity ORDER BY user_id").fetchall()
    assert [tuple(r) for r in rows] == [("2026-01-01", 1, 1), ("2026-01-01", 2, 1)]
    assert log.day == utc_text()[:10] and not log.active
    log.flush(db)  # nothing seen: nothing written
    assert db.conn.execute("SELECT COUNT(*) FROM activity").fetchone()[0] == 2


def test_the_second_charts_series_count_active_users_and_stars_per_day(db):
    db.analytics.record_activity(utc_text()[:10], [1, 2], [2])
    grant_vip(db.payments, "c1", 1, 100, "XTR", "vip:1", 30)
    grant_vip(db.payments, "c2", 2, 50, "XTR", "vip:2", 30)
    dates, series = db.analytics.daily_activity(30)
    assert len(dates) == 30 and dates[-1] == utc_text()[:10]
    assert series["active_users"][-1] == 2 and series["stars"][-1] == 150
    assert sum(series["active_users"]) == 2 and sum(series["stars"]) == 150


def test_audit_entries_keep_fields_and_read_old_text_details(db):
    db.moderation.audit(7, "temp_ban", 1, reason="flooding", until=parse_utc("2026-12-03 08:05:22"))
    db.moderation.audit(7, "dismiss", 2, report_id=12)
    db.moderation.audit(7, "refund", 3, stars=100, charge_id="ch_1")
    db.moderation.audit(None, "auto_ban", 1, reason="reported by 3 users")
    db.moderation.audit(7, "unban", 1)
    # Rows written before the detail was JSON: English text, read back into the same fields.
    with db.conn:
        db.conn.executemany(
            "INSERT INTO audit_log (admin_id, action, target_id, detail) VALUES (7, ?, 1, ?)",
            [("temp_ban", "⏳ 2026-12-03 08:05:22 UTC flooding"), ("dismiss", "report #12"), ("refund", "100 XTR ch_1"),
             ("ban", '{"not": "ours"}'), ("temp_ban", "⏳ soon UTC")],
        )  # fmt: skip
    old_garbled, old_ban_json, old_refund, old_dismiss, old_temp, unban, auto, refund, dismiss, temp = db.moderation.audit_entries(20)
    assert (temp.until, temp.reason) == (old_temp.until, old_temp.reason) == (parse_utc("2026-12-03 08:05:22"), "flooding")
    assert dismiss.report_id == old_dismiss.report_id == 12
    assert (refund.stars, refund.charge_id) == (old_refund.stars, old_refund.charge_id) == (100, "ch_1")
    assert (auto.admin_id, auto.reason) == (None, "reported by 3 users")
    assert (unban.reason, unban.until, unban.report_id) == ("", None, None)
    # Text no pattern reads is shown as written.
    assert (old_ban_json.reason, old_garbled.reason, old_garbled.until) == ('{"not": "ours"}', "⏳ soon UTC", None)


def test_audit_lines_name_actions_and_times_in_the_readers_language(db):
    from chatbot.handlers.moderation import AUDIT_ACTIONS, audit_line

    db.moderation.audit(7, "temp_ban", 1, reason="флуд", until=parse_utc("2026-12-03 08:05:22"))
    db.moderation.audit(7, "refund", 3, stars=1500, charge_id="ch_1")
    db.moderation.audit(None, "auto_ban", 2)
    db.moderation.audit(7, "dismiss", 2, report_id=12)
    dismiss, auto, refund, temp = db.moderation.audit_entries(4)
    until = TextFormatter.timestamp("2026-12-03 08:05:22", "ru")
    assert audit_line(temp, "ru").endswith(f" · 7 · временный бан · 1 до {until} UTC · флуд")
    assert audit_line(refund, "ru").endswith(" · 7 · возврат · 3 1\xa0500 ⭐ · ch_1")
    assert audit_line(auto, "ru").endswith(" · авто · автоматический бан · 2")
    assert audit_line(dismiss, "es").endswith(" · 7 · denuncia descartada · 2 denuncia n.º 12")
    assert audit_line(dismiss, "en").endswith(" · 7 · report dismissed · 2 report #12")
    db.moderation.audit(7, "purge", 2, deleted=1200)
    (purge,) = db.moderation.audit_entries(1)
    assert audit_line(purge, "en").endswith(" · 7 · messages deleted · 2 1,200 deleted")
    assert audit_line(temp, "ru").startswith(TextFormatter.timestamp(temp.created_at, "ru"))
    # Every action the bot records has a name in every language (the catalogue test checks the keys).
    recorded = {"ban", "temp_ban", "auto_ban", "unban", "dismiss", "appeal_accepted", "appeal_rejected", "refund", "purge"}
    assert set(AUDIT_ACTIONS) == recorded
