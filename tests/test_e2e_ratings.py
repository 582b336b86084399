"""End to end: ratings after a chat, reports to admins, automatic bans (item 4)."""

from __future__ import annotations

from conftest import pair, register, report
from test_e2e_chat import db_rows


def chat_and_stop(a, b):
    pair(a, b)
    a.send("/stop")
    a.wait_for("You ended the chat")
    b.wait_for("Your partner ended the chat")


def test_rating_is_stored_once_per_rater_and_chat(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    chat_and_stop(alice, bob)
    answer = alice.press("👍")
    assert answer["text"] == "Thanks for your rating!"
    # The buttons are gone from Alice's message once she rated.
    emulator.wait_until(lambda: alice.find_button("👍") is None, what="the rating buttons to be removed")
    rating_message = next(m for m in reversed(alice.bot_messages()) if "How was your partner" in (m.get("text") or ""))
    chat_id = db_rows(bot, "SELECT id FROM chat_history")[0][0]
    again = alice.press_data(rating_message, f"rate:{chat_id}:bad")
    assert "already rated" in again["text"]
    bob.press("👎")
    rows = db_rows(bot, "SELECT rater_id, target_id, rating_type, chat_id FROM ratings ORDER BY id")
    assert rows == [(alice.id, bob.id, "good", chat_id), (bob.id, alice.id, "bad", chat_id)]
    alice.send("/profile")
    assert "👍 0  👎 1" in alice.wait_for("Your profile")["text"]
    bob.send("/profile")
    assert "👍 1  👎 0" in bob.wait_for("Your profile")["text"]


def test_forged_and_stale_rating_buttons_change_nothing(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    mallory = register(emulator.person("Mallory"))
    chat_and_stop(alice, bob)
    chat_id = db_rows(bot, "SELECT id FROM chat_history")[0][0]
    mallory.send("/help")
    anchor = mallory.wait_for("Commands")
    for data in (f"rate:{chat_id}:scam", "rate:999999:good", f"rate:{chat_id}:love", "rate:abc:good", "garbage"):
        answer = mallory.press_data(anchor, data)
        assert "no longer valid" in answer["text"], data
    # A live chat cannot be rated before it ends.
    carol = register(emulator.person("Carol"))
    pair(mallory, carol)
    live_id = db_rows(bot, "SELECT id FROM chat_history WHERE ended_at IS NULL")[0][0]
    assert "no longer valid" in mallory.press_data(anchor, f"rate:{live_id}:good")["text"]
    assert db_rows(bot, "SELECT COUNT(*) FROM ratings") == [(0,)]
    assert not [c for c in emulator.calls_of("sendMessage") if "Report" in c["text"]]


def test_report_notifies_every_admin_with_ids(start_bot, emulator, admin):
    second_admin = emulator.person("Admin2")
    bot = start_bot(ADMIN_IDS=f"{admin.id},{second_admin.id}")
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    chat_and_stop(alice, bob)
    chat_id = db_rows(bot, "SELECT id FROM chat_history")[0][0]
    answer = report(alice, "🤬 Insults or threats")
    assert "report" in answer["text"].lower()
    for person in (admin, second_admin):
        card = person.wait_for("Report")["text"]
        assert f"Reported user: {bob.id}" in card
        assert f"Reporter: {alice.id}" in card
        assert f"Chat: {chat_id}" in card and "Reason: 🤬 Insults or threats" in card


def test_three_distinct_reporters_ban_automatically(bot, emulator, admin):
    target = register(emulator.person("Troll"))
    reporters = [register(emulator.person(f"R{i}")) for i in range(3)]
    for index, reporter in enumerate(reporters):
        chat_and_stop(reporter, target)
        report(reporter)
        admin.wait_for(f"Reported user: {target.id}")
        if index < 2:
            target.read_all()
    # Banned after the third report: told so, and out of the queue.
    target.wait_for("banned")
    admin.wait_for("banned automatically")
    assert db_rows(bot, "SELECT is_banned, ban_reason FROM users WHERE user_id = ?", target.id) == [
        (1, "reported by 3 users")
    ]
    target.send("/search")
    target.wait_for("banned")


def test_same_reporter_counts_once_and_never_meets_the_target_again(start_bot, emulator, admin):
    # Reports count distinct reporters (test.py checks two reports by one rater in two chats); since a
    # ⛔ also means the two never meet again, the same reporter cannot reach the target twice here.
    bot = start_bot(REPORT_BAN_THRESHOLD="2")
    target = register(emulator.person("Target"))
    reporter = register(emulator.person("Reporter"))
    chat_and_stop(reporter, target)
    reporter.press("⛔")
    message, data = emulator.wait_until(lambda: reporter.find_button("❓ Other"), what="the reasons")
    reporter.press("❓ Other")
    admin.wait_for("Report")
    assert "already rated" in reporter.press_data(message, data)["text"]  # the same report again
    target.send("/search")
    target.wait_for("Searching")
    reporter.send("/search")
    reporter.wait_for("Searching")
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(2,)]
    assert db_rows(bot, "SELECT COUNT(*) FROM ratings WHERE rating_type = 'scam'") == [(1,)]
    assert db_rows(bot, "SELECT is_banned FROM users WHERE user_id = ?", target.id) == [(0,)]


def test_auto_ban_removes_user_from_live_chat_and_tells_partner(start_bot, emulator, admin):
    start_bot(REPORT_BAN_THRESHOLD="1")
    target = register(emulator.person("Target"))
    reporter = register(emulator.person("Reporter"))
    innocent = register(emulator.person("Innocent"))
    chat_and_stop(reporter, target)
    pair(target, innocent)
    report(reporter)
    target.wait_for("banned")
    innocent.wait_for("removed by moderation")
    sent = innocent.send("hello?")
    innocent.wait_for("/search")
    relayed = {(c["from_chat_id"], c["message_id"]) for c in emulator.calls_of("copyMessage")}
    assert (innocent.id, sent["message_id"]) not in relayed
