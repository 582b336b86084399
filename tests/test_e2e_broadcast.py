"""End to end: announcements (/broadcast), who gets them, a kill -9 half-way, relays meanwhile (issue 12)."""

from __future__ import annotations

import sqlite3

from conftest import BotProcess, pair, register
from emulator import Emulator, Person
from test_e2e_chat import db_rows
from test_e2e_languages import register_in

HINT = "To stop announcements: /settings → 🔔 Announcements."


def announcements_to(person: Person) -> list[str]:
    return [m["text"] for m in person.bot_messages() if HINT in (m.get("text") or "")]


def start_broadcast(admin: Person, text: str) -> dict:
    """/broadcast, the message, then 📣 Send; returns the progress message."""
    admin.send("/broadcast")
    admin.wait_for("Send the announcement")
    admin.send(text)
    preview = admin.wait_for("Send it?")
    label = preview["reply_markup"]["inline_keyboard"][0][0]["text"]
    admin.press(label)
    return preview


def add_users(bot: BotProcess, emulator: Emulator, count: int) -> list[Person]:
    """Registered users written straight into the database (as a bot with history would have them)."""
    people = [emulator.person(f"U{i}") for i in range(count)]
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:
        conn.executemany("INSERT INTO users (user_id, gender, age) VALUES (?, 'male', 30)", [(p.id,) for p in people])
    return people


def test_an_announcement_reaches_exactly_the_recipients(bot, emulator, admin):
    alice, bob, carol, dave, erin = (register(emulator.person(n)) for n in ("Alice", "Bob", "Carol", "Dave", "Erin"))
    bob.block()  # known to have blocked the bot
    admin.send(f"/ban {carol.id}")
    admin.wait_for("is banned")
    dave.send("/settings")
    dave.wait_for("Announcements: on")
    dave.press("🔔 Announcements")
    emulator.wait_until(lambda: db_rows(bot, "SELECT announcements FROM users WHERE user_id = ?", dave.id) == [(0,)])
    erin.block(notify=False)  # blocked, but the bot does not know it yet
    preview = start_broadcast(admin, "Big news: see https://example.com/news")
    assert preview["reply_markup"]["inline_keyboard"][0][0]["text"] == "📣 Send to 2 users"  # Alice and Erin
    assert [m["text"] for m in admin.bot_messages() if HINT in (m.get("text") or "")] == [
        f"Big news: see https://example.com/news\n\n🔕 {HINT}"
    ]  # the preview copy, link and all
    emulator.wait_until(lambda: "Done: 1 sent, 0 failed, 1 blocked the bot, of 2" in preview["text"], what="done")
    assert len(announcements_to(alice)) == 1
    assert announcements_to(bob) == announcements_to(carol) == announcements_to(dave) == []
    blocked = db_rows(bot, "SELECT user_id FROM users WHERE blocked_at IS NOT NULL ORDER BY user_id")
    assert blocked == sorted([(bob.id,), (erin.id,)])
    # The next announcement leaves Erin out too.
    preview = start_broadcast(admin, "Second news")
    assert preview["reply_markup"]["inline_keyboard"][0][0]["text"] == "📣 Send to 1 users"
    emulator.wait_until(lambda: "Done: 1 sent" in preview["text"], what="the second announcement")


def test_a_photo_announcement_carries_the_hint_in_its_caption_and_cancel_sends_nothing(bot, emulator, admin):
    alice = register_in(emulator.person("Alice", language_code="es"), "👨 Hombre", "¿Cuántos años tienes?", "25", "¡Listo!")
    admin.send("/broadcast")
    admin.wait_for("Send the announcement")
    admin.send("/broadcast")  # starting over is allowed
    admin.wait_for("Send the announcement")
    admin.send_media("photo", caption="New stickers!")
    preview = admin.wait_for("Send it?")
    admin.press("Cancel")
    emulator.wait_until(lambda: preview["text"] == "Cancelled: nothing was sent.", what="the cancellation")
    assert not [m for m in alice.bot_messages() if m.get("photo")]
    admin.send("/broadcast")
    admin.send_media("photo", caption="New stickers!")
    admin.press(admin.wait_for("Send it?")["reply_markup"]["inline_keyboard"][0][0]["text"])
    photo = emulator.wait_until(lambda: next((m for m in alice.bot_messages() if m.get("photo")), None))
    assert photo["caption"] == "New stickers!\n\n🔕 Para dejar de recibir anuncios: /settings → 🔔 Anuncios."


def test_a_kill_half_way_through_200_users_sends_each_exactly_one_copy(start_bot, emulator, admin):
    bot = start_bot(BROADCAST_RATE="100")
    people = add_users(bot, emulator, 200)
    # Telegram takes a while to answer each send: the bot is killed with one on the wire.
    emulator.delay("sendMessage", 0.05)
    preview = start_broadcast(admin, "Maintenance tonight at 23:00 UTC")
    emulator.wait_until(
        lambda: sum(1 for p in people if announcements_to(p)) >= 60 and emulator.holding.get("sendMessage"),
        timeout=30,
        what="a third of the users reached, a send in flight",
    )
    bot.kill()
    reached = sum(1 for p in people if announcements_to(p))
    assert reached < 200
    emulator.delay("sendMessage", 0)
    bot.start()
    emulator.wait_until(lambda: "Done:" in preview["text"], timeout=30, what="the announcement to finish")
    assert [len(announcements_to(p)) for p in people] == [1] * 200
    assert db_rows(bot, "SELECT status, sent FROM broadcasts") == [("done", 200)]


def test_relays_go_on_during_an_announcement_and_stop_ends_it(start_bot, emulator, admin):
    bot = start_bot(BROADCAST_RATE="20")
    add_users(bot, emulator, 150)
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    preview = start_broadcast(admin, "Long announcement")
    for i in range(10):
        bob.wait_for_copy(alice.send(f"still chatting {i}"), timeout=2)
    assert db_rows(bot, "SELECT status FROM broadcasts") == [("running",)]  # the chat did not wait for it
    admin.send("/broadcast")
    admin.wait_for("An announcement is going out")
    admin.press("⏹ Stop")
    emulator.wait_until(lambda: "Stopped:" in preview["text"], what="the stop")
    (sent,) = db_rows(bot, "SELECT sent FROM broadcasts")[0]
    assert 0 < sent < 152


def test_sigterm_half_way_stops_promptly_and_the_restart_goes_on(start_bot, emulator, admin):
    bot = start_bot(BROADCAST_RATE="20")
    people = add_users(bot, emulator, 80)
    preview = start_broadcast(admin, "Planned restart")
    emulator.wait_until(lambda: sum(1 for p in people if announcements_to(p)) >= 10, what="some users reached")
    assert bot.stop(timeout=10) == 0  # does not wait for the announcement to finish
    assert sum(1 for p in people if announcements_to(p)) < 80
    assert db_rows(bot, "SELECT status FROM broadcasts") == [("running",)]
    bot.start()
    emulator.wait_until(lambda: "Done:" in preview["text"], timeout=30, what="the announcement to finish")
    assert [len(announcements_to(p)) for p in people] == [1] * 80


def test_a_text_too_long_for_the_hint_gets_it_as_a_second_message(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    long_text = "x" * 4090  # the hint no longer fits in the same message
    preview = start_broadcast(admin, long_text)
    emulator.wait_until(lambda: "Done: 1 sent" in preview["text"], what="done")
    texts = [m.get("text") for m in alice.bot_messages()]
    assert long_text in texts and f"🔕 {HINT}" in texts
