"""End to end: report cards with evidence and one-tap actions, temporary bans, appeals, /audit, filter
strikes and mutes, the new-account media hold, /deleteme and /privacy (issue 10)."""

from __future__ import annotations

import re

import pytest

from conftest import pair, register, report
from emulator import Person
from test_e2e_chat import db_rows
from test_e2e_matching import buy_vip
from utils import TextFormatter


def chat_then_report(reporter: Person, target: Person, reason: str = "💰 Spam or ads", lines: int = 0) -> None:
    pair(reporter, target)
    for i in range(lines):
        reporter.wait_for_copy(target.send(f"buy cheap followers {i}"))
    target.wait_for_copy(reporter.send("stop it"))
    reporter.send("/stop")
    reporter.wait_for("You ended the chat")
    target.wait_for("Your partner ended the chat")
    assert "report" in report(reporter, reason)["text"].lower()


def card_of(admin: Person) -> dict:
    return admin.wait_for("⛔ Report #")


def test_report_card_shows_the_chat_and_evidence_and_the_first_admin_wins(start_bot, emulator, admin):
    second = emulator.person("Admin2")
    bot = start_bot(ADMIN_IDS=f"{admin.id},{second.id}")
    alice, troll = register(emulator.person("Alice")), register(emulator.person("Troll"))
    chat_then_report(alice, troll, lines=7)
    cards = [card_of(admin), card_of(second)]
    text = cards[0]["text"]
    for needle in (f"Reported user: {troll.id}", f"Reporter: {alice.id}", "Reason: 💰 Spam or ads",
                   "Messages: 7 from the reported user, 1 from the reporter", "Users who reported this user: 1",
                   "lasted 1 min"):  # fmt: skip
        assert needle in text, needle
    labels = [b["text"] for row in cards[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["⛔ Ban", "🧹 Ban and delete", "⏳ Ban 24 h", "✅ Dismiss"]
    # The reported user's last 5 messages, copied from their own chat under each card.
    def evidence() -> list[dict]:
        return [c for c in emulator.calls_of("copyMessages") if c["chat_id"] in (admin.id, second.id)]

    emulator.wait_until(lambda: len(evidence()) == 2, what="evidence under both cards")
    assert all(c["from_chat_id"] == troll.id and len(c["message_ids"]) == 5 for c in evidence())
    texts = [m.get("text") for m in admin.bot_messages() if emulator.copies.get((admin.id, m["message_id"]))]
    assert texts == [f"buy cheap followers {i}" for i in range(2, 7)]

    # The second admin presses first; the first admin's later press changes nothing. (The first
    # card's button data is read before: once the ban is out, the card loses its buttons any moment.)
    dismiss = next(b["callback_data"] for row in cards[0]["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "✅ Dismiss")
    second.press("⛔ Ban")
    troll.wait_for("You are banned")
    answer = admin.press_data(cards[0], dismiss)
    assert "Already handled" in answer["text"]
    for card in cards:
        emulator.wait_until(lambda card=card: f"Banned by admin {second.id}" in card["text"], what="every card edited")
        assert "reply_markup" not in card or not card["reply_markup"]
    assert db_rows(bot, "SELECT status, handled_by FROM reports") == [("banned", second.id)]
    assert db_rows(bot, "SELECT until IS NULL, admin_id FROM bans WHERE lifted_at IS NULL") == [(1, second.id)]


def test_ban_for_24_hours_shows_until_when(bot, emulator, admin):
    alice, troll = register(emulator.person("Alice")), register(emulator.person("Troll"))
    chat_then_report(alice, troll, "🤬 Insults or threats")
    card_of(admin)
    admin.press("⏳ Ban 24 h")
    notice = troll.wait_for("You are banned")["text"]
    (until,) = db_rows(bot, "SELECT until FROM bans WHERE user_id = ?", troll.id)[0]
    shown = TextFormatter.timestamp(until, "en")  # "Nov 27, 2026, 3:04 PM"
    assert f"Until: {shown} UTC" in notice and "Insults or threats" in notice and "/appeal" in notice
    troll.send("/profile")
    assert f"Banned until {shown} UTC" in troll.wait_for("Your profile")["text"]
    troll.send("/search")
    assert f"Until: {shown}" in troll.wait_for("You are banned")["text"]


def test_dismissed_reports_do_not_count_towards_the_auto_ban(start_bot, emulator, admin):
    bot = start_bot(REPORT_BAN_THRESHOLD="2")
    target = register(emulator.person("Target"))
    first, second = register(emulator.person("R1")), register(emulator.person("R2"))
    chat_then_report(first, target)
    card_of(admin)
    admin.press("✅ Dismiss")
    emulator.wait_until(lambda: db_rows(bot, "SELECT status FROM reports") == [("dismissed",)], what="the dismissal")
    chat_then_report(second, target)
    assert "Users who reported this user: 1" in card_of(admin)["text"]
    target.send("/search")
    target.wait_for("Searching")  # not banned: one report stands


def test_a_temporary_ban_ends_by_itself_even_across_a_restart(bot, emulator, admin):
    troll = register(emulator.person("Troll"))
    admin.send(f"/ban {troll.id} 10x")
    admin.wait_for("10x is not a ban length")
    admin.send(f"/ban {troll.id} 30m flooding the chat")
    admin.wait_for(f"User {troll.id} is banned until")
    assert "flooding the chat" in troll.wait_for("You are banned")["text"]
    bot.stop()
    db_rows(bot, "UPDATE bans SET until = datetime('now', '-1 second') WHERE user_id = ?", troll.id)
    bot.start()
    troll.wait_for("Your ban has ended")
    troll.send("/search")
    troll.wait_for("Searching")
    admin.send("/audit")
    audit = admin.wait_for("admin actions")["text"]
    assert f"{admin.id} · temporary ban · {troll.id} until " in audit and "UTC · flooding the chat" in audit


def test_audit_in_russian_names_each_action_and_time_in_russian(start_bot, emulator):
    ivan = emulator.person("Ivan", language_code="ru")
    bot = start_bot(ADMIN_IDS=str(ivan.id))
    troll = register(emulator.person("Troll"))
    ivan.send(f"/ban {troll.id} 30m флуд")
    ivan.wait_for(f"Пользователь {troll.id} забанен до")
    troll.wait_for("You are banned")
    ivan.send(f"/unban {troll.id}")
    ivan.wait_for(f"Пользователь {troll.id} разбанен")
    ivan.send("/audit")
    audit = ivan.wait_for("Последние действия админов")["text"]
    (until,) = db_rows(bot, "SELECT until FROM bans WHERE user_id = ?", troll.id)[0]
    lines = audit.splitlines()[1:]
    assert lines[0].endswith(f" · {ivan.id} · разбан · {troll.id}")
    shown = TextFormatter.timestamp(until, "ru")  # "3 дек. 2026 г., 08:35"
    assert lines[1].endswith(f" · {ivan.id} · временный бан · {troll.id} до {shown} UTC · флуд")
    # No stored token, no stored time: "2026-12-03 08:05:22" would be the raw form.
    assert not re.search(r"temp_ban|unban|\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d|⏳", audit)


def test_appeal_accepted_by_one_admin_and_the_other_press_changes_nothing(start_bot, emulator, admin):
    second = emulator.person("Admin2")
    bot = start_bot(ADMIN_IDS=f"{admin.id},{second.id}")
    user = register(emulator.person("User"))
    user.send("/appeal")
    user.wait_for("aren't banned")
    admin.send(f"/ban {user.id} rude")
    user.wait_for("You are banned")
    user.send("/appeal")
    user.wait_for("Write your appeal")
    bot.restart()  # the appeal survives a restart half-way
    plea = user.send("I was joking, sorry")
    user.wait_for("appeal was sent")
    cards = [a.wait_for(f"Appeal from user {user.id}") for a in (admin, second)]
    assert "Reason: rude" in cards[0]["text"] and "Ban: permanent" in cards[0]["text"]
    assert admin.wait_for("I was joking")["text"] == plea["text"]
    second.press("✅ Unban")
    user.wait_for("appeal was accepted")
    answer = admin.press_data(cards[0], cards[0]["reply_markup"]["inline_keyboard"][0][1]["callback_data"])
    assert "Already handled" in answer["text"]
    for card in cards:
        emulator.wait_until(lambda card=card: f"Unbanned by admin {second.id}" in card["text"], what="every card edited")
    user.send("/search")
    user.wait_for("Searching")
    assert db_rows(bot, "SELECT status, handled_by FROM appeals") == [("accepted", second.id)]


def banned_and_appealing(admin, user, ban_args: str = "") -> dict:
    """The admin bans the user (`ban_args`: a duration, a reason), who appeals; the admin's card."""
    admin.send(f"/ban {user.id} {ban_args}".rstrip())
    user.wait_for("You are banned")
    user.send("/appeal")
    user.wait_for("Write your appeal")
    user.send("please")
    user.wait_for("appeal was sent")
    return admin.wait_for(f"Appeal from user {user.id}")


@pytest.mark.parametrize("cut", ["answerCallbackQuery", "editMessageText"])
def test_an_appeal_decision_cut_short_by_a_kill_9_is_carried_out_after_the_restart(bot, emulator, admin, cut):
    """Killed while the press is answered (before the user is told) or while the card is closed (after)."""
    user = register(emulator.person("User"))
    card = banned_and_appealing(admin, user)
    emulator.delay(cut, 8.0)  # longer than the bot waits for an answer: the kill comes first
    admin.press("✅ Unban")
    emulator.wait_until(lambda: emulator.holding.get(cut), what=f"{cut} on the wire")
    bot.kill()
    emulator.delay(cut, 0)
    bot.start()
    # The press, journaled, comes again: it finds its own decision, tells the user, closes the card.
    user.wait_for("appeal was accepted")
    emulator.wait_until(lambda: f"Unbanned by admin {admin.id}" in card["text"], what="the card closed")
    told = [c for c in emulator.calls_of("sendMessage") if c["chat_id"] == user.id and "appeal was accepted" in c["text"]]
    assert len(told) == 1, told  # once, whether or not the kill came after telling
    user.send("/search")
    user.wait_for("Searching")
    assert db_rows(bot, "SELECT status, handled_by FROM appeals") == [("accepted", admin.id)]
    assert db_rows(bot, "SELECT COUNT(*) FROM bans WHERE user_id = ? AND lifted_at IS NOT NULL", user.id) == [(1,)]


def test_one_appeal_per_ban_and_a_rejection(bot, emulator, admin):
    user = register(emulator.person("User"))
    banned_and_appealing(admin, user, "7d")
    user.send("/appeal")
    user.wait_for("already appealed")
    admin.press("❌ Reject")
    user.wait_for("appeal was rejected")
    user.send("/search")
    assert "/appeal" not in user.wait_for("You are banned")["text"]  # appealed: no more hint


def test_forged_moderation_buttons_and_bad_input_change_nothing(bot, emulator, admin):
    alice, troll, mallory = (register(emulator.person(n)) for n in ("Alice", "Troll", "Mallory"))
    chat_then_report(alice, troll)
    card = card_of(admin)
    chat_id = db_rows(bot, "SELECT chat_id FROM reports")[0][0]
    mallory.send("/help")
    anchor = mallory.wait_for("Commands")
    for data in (f"report:{chat_id}:spam", f"report:{chat_id}:nonsense", "report_do:1:ban", "report_do:1:explode",
                 "appeal_do:1:unban", "deleteme:yes", f"rate:{chat_id}:scam"):  # fmt: skip
        assert "no longer valid" in mallory.press_data(anchor, data)["text"], data
    assert db_rows(bot, "SELECT COUNT(*), MIN(status) FROM reports") == [(1, "open")]
    assert not db_rows(bot, "SELECT * FROM bans")
    assert "reply_markup" in card and card["reply_markup"]  # untouched
    mallory.send("/audit")
    mallory.wait_for("Unknown command")
    admin.send("/audit 0")
    admin.wait_for("Usage: /audit")
    admin.send("/audit")
    admin.wait_for("No admin actions yet")


def test_three_refused_messages_mute_and_the_partner_hears_nothing(bot, emulator):
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    copies = len(emulator.calls_of("copyMessage"))
    alice.send("see http://spam.example")
    alice.wait_for("not allowed")
    alice.send_contact()
    alice.wait_for("Contact cards are not allowed")
    alice.send("join t.me/spam")
    assert "muted for 1 min" in alice.wait_for("Too many refused messages")["text"]
    alice.send("hello, friend")
    alice.wait_for("You're muted for 1 min more")
    assert len(emulator.calls_of("copyMessage")) == copies
    bob.assert_nothing_new(0.5)
    # The next mute is longer (the mute is over: moved into the past, and the bot restarted to see it).
    bot.stop()
    db_rows(bot, "UPDATE mutes SET until = datetime('now', '-1 second')")
    bot.start()
    bob.wait_for_copy(alice.send("sorry"))
    for _ in range(3):
        alice.send("www.spam.example")
    assert "muted for 5 min" in alice.wait_for("Too many refused messages")["text"]


def test_new_accounts_send_only_text_for_a_while(start_bot, emulator):
    bot = start_bot(NEW_USER_MEDIA_HOLD_MINUTES="10")
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send_media("photo")
    assert "in 10 min" in alice.wait_for("New accounts can send only text")["text"]
    bob.wait_for_copy(alice.send("text is fine"))
    db_rows(bot, "UPDATE users SET created_at = datetime('now', '-11 minutes') WHERE user_id = ?", alice.id)
    bob.wait_for_copy(alice.send_media("photo"))


def test_deleteme_removes_the_user_and_a_new_start_registers_anew(bot, emulator, admin):
    alice, bob = register(emulator.person("Alice"), "👩 Female", "33"), register(emulator.person("Bob"))
    charge = buy_vip(alice)
    pair(alice, bob)
    alice.send("/deleteme")
    question = alice.wait_for("Delete your data?")
    alice.press("Cancel")
    emulator.wait_until(lambda: question["text"] == "Nothing was deleted.", what="the question to say so")
    assert "no longer valid" in alice.press_data(question, "deleteme:yes")["text"]  # stale: changes nothing
    assert db_rows(bot, "SELECT COUNT(*) FROM users WHERE user_id = ?", alice.id) == [(1,)]
    alice.send("/deleteme")
    question = alice.wait_for("Delete your data?")
    alice.press("🗑 Delete my data")
    emulator.wait_until(lambda: "Your data was deleted" in question["text"], what="the deletion")
    bob.wait_for("Your partner ended the chat")
    for table in ("users", "message_map", "preferences", "conversations", "search_queue"):
        assert db_rows(bot, f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", alice.id) == [(0,)], table
    assert db_rows(bot, "SELECT COUNT(*) FROM chat_history") == [(0,)]
    assert db_rows(bot, "SELECT telegram_payment_charge_id FROM payments") == [(charge,)]  # kept for refunds
    alice.send("/profile")
    alice.wait_for("/start")
    register(alice, "👩 Female", "34")
    alice.send("/profile")
    assert "Age: 34" in alice.wait_for("Your profile")["text"]


def test_deleting_does_not_undo_a_ban(bot, emulator, admin):
    user = register(emulator.person("User"))
    admin.send(f"/ban {user.id}")
    user.wait_for("You are banned")
    user.send("/deleteme")
    user.press("🗑 Delete my data")
    user.wait_for("Your data was deleted")
    user.send("/start")
    user.wait_for("You are banned")
    assert db_rows(bot, "SELECT COUNT(*) FROM users") == [(0,)]


def test_privacy_states_the_configured_periods(start_bot, emulator):
    start_bot(CHAT_RETENTION_DAYS="30", REPORT_EVIDENCE_HOURS="12", BACKUP_KEEP="5")
    person = emulator.person("Reader")
    person.send("/privacy")
    text = person.wait_for("Privacy")["text"]
    assert "for 12 hours after a chat" in text and "deleted 30 days after they end" in text
    assert "backups of the database are kept for 5 days" in text
    assert "/deleteme" in text and "payment records" in text.lower()
