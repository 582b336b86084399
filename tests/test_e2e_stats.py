"""End to end: /stats analytics against a database whose truth the test knows (issue 12)."""

from __future__ import annotations

import sqlite3

from conftest import BotProcess, pair, register
from database import Database


def known_history(path: str) -> None:
    """Eleven users over 40 days, with activity, chats, payments and blocks; times relative to now."""
    Database(path).close()  # the schema
    ago = "datetime('now', '-{} days')"
    with sqlite3.connect(path) as conn:
        for user_id, days in ((1, 0), (2, 0), (3, 0), (4, 0), (5, 5), (6, 5), (7, 5), (8, 20), (9, 20), (10, 20), (11, 40)):
            conn.execute(f"INSERT INTO users (user_id, gender, age, created_at) VALUES (?, 'male', 30, {ago.format(days)})", (user_id,))
        for user_id, days, searched in ((1, 0, 1), (2, 0, 1), (5, 0, 0), (5, 3, 0), (6, 3, 1), (8, 15, 1)):
            conn.execute(f"INSERT INTO activity (day, user_id, searched) VALUES (date({ago.format(days)}), ?, ?)", (user_id, searched))
        for a, b, days, seconds in ((1, 2, 0, 120), (1, 5, 0, 600), (6, 7, 5, 60), (8, 9, 20, 300)):
            start = ago.format(days)
            conn.execute(
                f"INSERT INTO chat_history (user1_id, user2_id, started_at, ended_at)"
                f" VALUES (?, ?, {start}, datetime({start}, '+{seconds} seconds'))",
                (a, b),
            )
        for charge, user_id, stars, days, refunded in (("c1", 1, 100, 0, None), ("c2", 6, 50, 5, 0), ("c3", 8, 100, 20, None)):
            conn.execute(
                "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, payload, vip_until, created_at,"
                f" refunded_at) VALUES (?, ?, ?, 'XTR', 'vip:1', datetime('now', '+30 days'), {ago.format(days)},"
                f" {ago.format(refunded) if refunded is not None else 'NULL'})",
                (charge, user_id, stars),
            )
        conn.execute(f"UPDATE users SET blocked_at = {ago.format(0)} WHERE user_id = 3")
        conn.execute(f"UPDATE users SET blocked_at = {ago.format(10)} WHERE user_id = 9")


def test_stats_figures_match_the_known_history(emulator, admin, tmp_path):
    known_history(str(tmp_path / "bot.db"))
    bot = BotProcess(emulator, emulator.url, tmp_path, {"ADMIN_IDS": str(admin.id)}).start()
    try:
        admin.send("/stats")
        text = admin.wait_for("Stats")["text"]
        # Active: the users the history names, and the admin, whose /stats counts at once.
        assert "Users: 11" in text and "Blocked the bot: 2" in text
        assert (
            "📅 Today: 4 active users, 4 new, 2 chats (median 10 min).\n"
            "Funnel: 4 registered → 2 searched (50%) → 2 chatted (50%) → 1 bought VIP (25%).\n"
            "⭐ 100 earned, 50 refunded; 1 blocked the bot."
        ) in text
        assert (
            "📅 Last 7 days: 5 active users, 7 new, 3 chats (median 2 min).\n"
            "Funnel: 7 registered → 3 searched (43%) → 5 chatted (71%) → 2 bought VIP (29%).\n"
            "⭐ 150 earned, 50 refunded; 1 blocked the bot."
        ) in text
        assert (
            "📅 Last 30 days: 6 active users, 10 new, 4 chats (median 5 min).\n"
            "Funnel: 10 registered → 4 searched (40%) → 7 chatted (70%) → 3 bought VIP (30%).\n"
            "⭐ 250 earned, 50 refunded; 2 blocked the bot."
        ) in text
        emulator.wait_until(lambda: len([m for m in emulator.messages[admin.id].values() if m.get("photo")]) == 2)
        captions = [m.get("caption", "") for m in emulator.messages[admin.id].values() if m.get("photo")]
        assert any("Daily active users and Stars" in c for c in captions)
    finally:
        bot.stop()


def test_stats_right_after_a_chat_counts_it(bot, emulator, admin):
    # Activity is written once a minute; /stats must not wait for that.
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    bob.wait_for_copy(alice.send("hi"))
    alice.send("/stop")
    bob.wait_for("Your partner ended the chat")
    admin.send("/stats")
    text = admin.wait_for("Stats")["text"]
    # The admin's /stats is activity too.
    assert "📅 Today: 3 active users, 2 new, 1 chats" in text
    assert "Funnel: 2 registered → 2 searched (100%) → 2 chatted (100%)" in text
