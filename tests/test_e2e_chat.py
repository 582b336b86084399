"""End to end: /search and pairing (item 2), relay and filtering (item 3), /stop and /next (item 4)."""

from __future__ import annotations

import json
import sqlite3

from conftest import forgive, pair, register


def db_rows(bot, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:
        return conn.execute(sql, args).fetchall()


def test_search_queues_then_pairs_and_opens_chat_history(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"), "👩 Female", "31")
    alice.send("/search")
    assert "Searching" in alice.wait_for("Searching")["text"]
    bob.send("/search")
    found = bob.wait_for("Partner found")["text"]
    assert "/stop" in found and "/vip" in found  # how to stop, and the VIP hint for a non-VIP
    assert "/stop" in alice.wait_for("Partner found")["text"]
    rows = db_rows(bot, "SELECT user1_id, user2_id, ended_at FROM chat_history")
    assert rows == [(alice.id, bob.id, None)]


def test_search_twice_or_in_chat_is_refused_and_never_queued_twice(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    alice.send("/search")
    alice.wait_for("Searching")
    alice.send("/search")
    alice.wait_for("already searching")
    alice.send("/next")
    alice.wait_for("already searching")
    bob.send("/search")
    bob.wait_for("Partner found")
    alice.wait_for("Partner found")
    alice.send("/search")
    alice.wait_for("already in a chat")
    # Alice was queued once: Carol must not be paired with a stale queue entry.
    carol.send("/search")
    carol.wait_for("Searching")
    carol.assert_nothing_new(0.5)
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(carol.id,)]


def test_longest_waiting_searcher_is_paired_first(bot, emulator):
    people = [register(emulator.person(f"P{i}")) for i in range(4)]
    a, b, c, d = people
    a.send("/search")
    a.wait_for("Searching")
    b.send("/search")
    b.wait_for("Partner found")
    c.send("/search")
    c.wait_for("Searching")
    d.send("/search")
    d.wait_for("Partner found")
    pairs = {tuple(sorted(r)) for r in db_rows(bot, "SELECT user1_id, user2_id FROM chat_history")}
    assert pairs == {tuple(sorted((a.id, b.id))), tuple(sorted((c.id, d.id)))}


def test_banned_user_cannot_search(bot, emulator, admin):
    register(admin)
    eve = register(emulator.person("Eve"))
    admin.send(f"/ban {eve.id} spam")
    admin.wait_for("is banned")
    eve.wait_for("banned")
    eve.send("/search")
    eve.wait_for("banned")
    assert db_rows(bot, "SELECT user_id FROM search_queue") == []


def test_vip_sees_partner_gender_and_age(bot, emulator):
    vip = register(emulator.person("Vic"))
    other = register(emulator.person("Olga"), "👩 Female", "42")
    vip.send("/vip")
    vip.press("⭐ Buy VIP")
    vip.pay()
    vip.wait_for("VIP is active")
    other.send("/search")
    other.wait_for("Searching")
    vip.send("/search")
    found = vip.wait_for("Partner found")["text"]
    assert "Female, 42" in found
    other_found = other.wait_for("Partner found")["text"]
    assert "Male" not in other_found and "/vip" in other_found


def test_text_is_copied_never_forwarded_and_reveals_nothing(bot, emulator):
    alice = register(emulator.person("Alice", username="alice_secret"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    sent = alice.send("Hi! How are you doing today? 🙂")
    copy = bob.wait_for_copy(sent)
    assert copy["text"] == sent["text"]
    assert copy["from"]["is_bot"] and "forward_origin" not in copy
    assert not emulator.calls_of("forwardMessage")
    everything_bob_got = json.dumps(bob.bot_messages())
    for secret in (str(alice.id), "alice_secret", "Alice"):
        assert secret not in everything_bob_got
    reply = bob.send("Fine, thanks")
    assert alice.wait_for_copy(reply)["text"] == "Fine, thanks"


def test_links_and_mentions_are_blocked(bot, emulator):
    # Each refused message is a strike; forgiven here, as this test is about the filter, not the mute.
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    for text in (
        "see http://example.com",
        "https://evil.test/path",
        "go to www.example",
        "t.me/joinchat/abc",
        "write me @somebody",
        "visit example.org now",
        "my site is shop-online.io",
    ):
        alice.send(text)
        alice.wait_for("not allowed")
        forgive(bot, alice)
    # A link Telegram marked as an entity only (text_link) is blocked too.
    alice.send("click here", entities=[{"type": "text_link", "offset": 0, "length": 10, "url": "https://x.io"}])
    alice.wait_for("not allowed")
    forgive(bot, alice)
    alice.send("e-mail me", entities=[{"type": "email", "offset": 0, "length": 6}])
    alice.wait_for("not allowed")
    ok = alice.send("I am 18.5 km away, e.g. near the lake")
    assert bob.wait_for_copy(ok)["text"] == ok["text"]
    assert len(emulator.calls_of("copyMessage")) == 1


def test_bad_words_are_blocked_as_whole_words_in_any_case(start_bot, emulator):
    start_bot(BAD_WORDS="darn,heck")
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("well DARN it")
    alice.wait_for("forbidden word")
    alice.send("what the Heck!")
    alice.wait_for("forbidden word")
    fine = alice.send("I was darning socks in Heckington")
    assert bob.wait_for_copy(fine)["text"] == fine["text"]
    assert len(emulator.calls_of("copyMessage")) == 1


def test_default_bad_word_list(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("you are a BITCH")
    alice.wait_for("forbidden word")
    assert not emulator.calls_of("copyMessage")


def test_text_outside_a_chat_gets_a_hint(bot, emulator):
    alice = register(emulator.person("Alice"))
    alice.send("anyone there?")
    alice.wait_for("/search")


def test_stop_ends_chat_for_both_with_rating_buttons(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("/stop")
    mine = alice.wait_for("You ended the chat")
    theirs = bob.wait_for("Your partner ended the chat")
    for message in (mine, theirs):
        rows = [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]
        assert rows == [["👍", "👎", "⛔"], ["🔁 Chat again"]]
    assert db_rows(bot, "SELECT COUNT(*) FROM chat_history WHERE ended_at IS NOT NULL") == [(1,)]
    late = alice.send("still there?")
    alice.wait_for("/search")
    bob.assert_nothing_new(0.3)
    assert late["message_id"] not in [c.get("message_id") for c in emulator.calls_of("copyMessage")]


def test_next_ends_chat_and_searches_again(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    pair(alice, bob)
    carol.send("/search")
    carol.wait_for("Searching")
    alice.send("/next")
    alice.wait_for("You ended the chat")
    bob.wait_for("Your partner ended the chat")
    alice.wait_for("Partner found")
    carol.wait_for("Partner found")
    sent = carol.send("hello new partner")
    alice.wait_for_copy(sent)
    bob.assert_nothing_new(0.3)


def test_stop_while_searching_leaves_the_queue(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    alice.send("/search")
    alice.wait_for("Searching")
    alice.send("is anyone there?")
    alice.wait_for("Still searching")
    alice.send("/stop")
    alice.wait_for("Search stopped")
    bob.send("/search")
    bob.wait_for("Searching")
    alice.assert_nothing_new(0.3)
    alice.send("/stop")
    alice.wait_for("not in a chat")


def test_edited_command_does_not_run(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    message = alice.send("hello")
    bob.wait_for_copy(message)
    edited = {**message, "text": "/stop", "entities": [{"type": "bot_command", "offset": 0, "length": 5}], "edit_date": message["date"] + 1}
    emulator.push_update({"edited_message": edited})
    alice.send("/profile")
    alice.wait_for("Your profile")
    assert db_rows(bot, "SELECT ended_at FROM chat_history") == [(None,)]
