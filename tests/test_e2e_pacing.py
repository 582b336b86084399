"""End to end: each chat is paced, so a burst into one chat draws no 429 and holds no other chat up."""

from __future__ import annotations

from conftest import pair, register


def test_a_burst_into_one_chat_is_paced_instead_of_flooded(start_bot, emulator):
    start_bot(MESSAGE_RATE_LIMIT="1000", API_CHAT_RATE="2", API_CHAT_BURST="3")
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    carol, dave = register(emulator.person("Carol")), register(emulator.person("Dave"))
    pair(alice, bob)
    pair(carol, dave)
    # Telegram: 429 past five messages in any second into Bob's chat. The pace lets through at most a
    # burst of 3 plus 2 a second, so at most 5 in any second.
    emulator.flood_rate(bob.id, 5)
    burst = [alice.send(f"burst {i}") for i in range(12)]
    other = carol.send("meanwhile")
    dave.wait_for_copy(other)
    assert len([m for m in bob.bot_messages() if (m.get("text") or "").startswith("burst")]) < 12  # still pacing
    copies = [bob.wait_for_copy(m) for m in burst]
    assert [c["text"] for c in copies] == [f"burst {i}" for i in range(12)]
    assert [e for e in emulator.errors if e[1] == 429] == []  # paced below the limit: Telegram never pushed back


def test_stats_show_the_relay_rate_and_delay(bot, emulator, admin):
    register(admin)
    admin.send("/stats")
    assert "Relayed in the last 5 minutes: 0.0 messages a second, 95% within - ms" in admin.wait_for("Stats")["text"]
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    for i in range(3):
        bob.wait_for_copy(alice.send(f"hello {i}"))
    admin.send("/stats")
    line = [x for x in admin.wait_for("Stats")["text"].splitlines() if x.startswith("Relayed")][0]
    rate, p95 = line.split(": ")[1].split(" messages a second, 95% within ")
    assert float(rate) > 0 and p95.endswith(" ms") and int(p95[:-3]) >= 0


def test_with_the_shipped_settings_a_slow_telegram_holds_many_relays_at_once(bot, emulator):
    """A real link to Telegram takes 20-200 ms a request: relays must be on the wire side by side, not
    a few at a time (4 at once, at 50 ms each, carried 80 a second: a backlog at 100 chats)."""
    pairs = [(register(emulator.person(f"A{i}")), register(emulator.person(f"B{i}"), "👩 Female")) for i in range(10)]
    for a, b in pairs:
        pair(a, b)
    emulator.delay("copyMessage", 3.0)
    sent = [(b, a.send(f"hello from {i}")) for i, (a, b) in enumerate(pairs)]
    emulator.wait_until(lambda: emulator.holding.get("copyMessage") == 10, what="all ten relays on the wire at once")
    emulator.delay("copyMessage", 0)
    for receiver, message in sent:
        receiver.wait_for_copy(message)
