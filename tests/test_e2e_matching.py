"""End to end: partner preferences (/settings), the matching rules, and the search timeout (issue 9)."""

from __future__ import annotations

import time

import pytest

from conftest import pair, register, report
from emulator import Person
from test_e2e_chat import db_rows


def buy_vip(person: Person) -> str:
    """The one-off VIP purchase, as a user makes it; returns the charge id."""
    person.send("/vip")
    person.press("⭐ Buy VIP")
    charge = person.pay()
    person.wait_for("Thank you! Your VIP is active until")
    return charge


def prefer(person: Person, gender_button: str | None, age_range: str | None = None) -> None:
    """A VIP sets their preferences through /settings."""
    person.send("/settings")
    person.wait_for("Whom you meet")
    if gender_button:
        person.press(gender_button)
    if age_range:
        person.press("🎂 Age range")
        person.wait_for("Send the partner age range")
        person.send(age_range)
        person.wait_for("Saved")


def end_chat(a: Person, b: Person) -> None:
    a.send("/stop")
    a.wait_for("You ended the chat")
    b.wait_for("Your partner ended the chat")


def test_settings_screen_buttons_and_age_range_validation(bot, emulator):
    alice = register(emulator.person("Alice"))
    buy_vip(alice)
    alice.send("/settings")
    screen = alice.wait_for("Whom you meet")
    assert "Partner gender: anyone" in screen["text"] and "Partner age: 18–100" in screen["text"]
    assert [b["text"] for row in screen["reply_markup"]["inline_keyboard"] for b in row] == [
        "👨 Men", "👩 Women", "👥 Anyone", "🎂 Age range", "🏷 Interests", "🔒 Protect my messages",
        "🫣 Hide partner's media", "🔔 Announcements"
    ]
    alice.press("👩 Women")
    emulator.wait_until(lambda: "Partner gender: women" in screen["text"], what="the screen to show women")
    alice.press("🎂 Age range")
    alice.wait_for("Send the partner age range")
    for typed, reason in (
        ("abc", "isn't an age range"),
        ("30-20", "must not be greater"),
        ("17-30", "from 18 to 100"),
        ("20-101", "from 18 to 100"),
        ("2 0-30", "isn't an age range"),
    ):
        alice.send(typed)
        refused = alice.wait_for(reason)
        assert "Send the partner age range like 20-30" in refused["text"]
    # The question survives a restart: the answer after it still counts.
    bot.restart()
    alice.send("20 - 30")
    saved = alice.wait_for("Saved")
    assert "Partner gender: women" in saved["text"] and "Partner age: 20–30" in saved["text"]
    assert db_rows(bot, "SELECT partner_gender, age_min, age_max FROM preferences") == [("female", 20, 30)]
    # Back to anyone, and a range typed with a dash.
    alice.press("👥 Anyone")
    alice.press("🎂 Age range")
    alice.send("18–100")
    alice.wait_for("Partner age: 18–100")
    assert db_rows(bot, "SELECT partner_gender, age_min, age_max FROM preferences") == [(None, 18, 100)]
    # A range is asked for once: afterwards a number is just a message.
    alice.send("25")
    alice.wait_for("You're not in a chat")


def test_without_vip_the_buttons_point_to_vip_and_nothing_is_stored(bot, emulator):
    bob = register(emulator.person("Bob"))
    bob.send("/settings")
    screen = bob.wait_for("Whom you meet")
    assert "Partner gender: anyone" in screen["text"] and "VIP feature" in screen["text"]
    for label in ("👨 Men", "👩 Women", "👥 Anyone", "🎂 Age range"):
        bob.press(label)
        assert "/vip" in bob.wait_for("VIP feature")["text"]
    bob.send("20-30")
    bob.wait_for("You're not in a chat")
    assert db_rows(bot, "SELECT COUNT(*) FROM preferences") == [(0,)]
    bob.send("/help")
    assert "/settings" in bob.wait_for("Commands")["text"]
    (menu,) = [c for c in emulator.calls_of("setMyCommands") if c["scope"]["type"] == "default" and not c.get("language_code")]
    assert "settings" in [c["command"] for c in menu["commands"]]


def test_preferences_choose_the_partner_and_a_waiting_vip_comes_first(bot, emulator):
    bob = register(emulator.person("Bob"), "👨 Male", "25")
    alice = register(emulator.person("Alice"), "👨 Male", "30")
    carol = register(emulator.person("Carol"), "👩 Female", "25")
    buy_vip(alice)
    prefer(alice, "👩 Women", "20-30")
    bob.send("/search")
    bob.wait_for("Searching for a partner")
    alice.send("/search")
    alice.wait_for("Searching for women aged 20–30...")  # Bob is a man: Alice waits
    carol.send("/search")
    carol.wait_for("Partner found")
    assert "Your partner" in alice.wait_for("Partner found")["text"]  # the VIP first, though Bob waited longer
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(bob.id,)]


def test_fit_both_ways_between_two_vips(bot, emulator):
    him = register(emulator.person("Him"), "👨 Male", "40")
    her = register(emulator.person("Her"), "👩 Female", "25")
    erin = register(emulator.person("Erin"), "👨 Male", "30")
    for person, gender, ages in ((him, "👩 Women", "18-30"), (her, "👨 Men", "20-35")):
        buy_vip(person)
        prefer(person, gender, ages)
    him.send("/search")
    him.wait_for("Searching for women aged 18–30")
    her.send("/search")
    her.wait_for("Searching for men aged 20–35")  # she fits him, but at 40 he is not in her range
    erin.send("/search")
    erin.wait_for("Partner found")
    her.wait_for("Partner found")
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(him.id,)]


@pytest.mark.parametrize("rating", ["👎", "⛔"])
def test_never_matched_again_after_a_bad_rating_or_a_report(bot, emulator, admin, rating):
    alice, bob, carol, dave = (register(emulator.person(n)) for n in ("Alice", "Bob", "Carol", "Dave"))
    pair(alice, bob)
    end_chat(alice, bob)
    # Bob rates Alice: from now on they never meet.
    answer = report(bob) if rating == "⛔" else bob.press(rating)
    assert "Thanks" in answer["text"]
    # Each has another chat, so neither is the other's previous partner any more.
    pair(alice, carol)
    end_chat(alice, carol)
    pair(bob, dave)
    end_chat(bob, dave)
    alice.send("/search")
    alice.wait_for("Searching")
    bob.send("/search")
    bob.wait_for("Searching")
    alice.assert_nothing_new(0.5)
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(2,)]
    # The block survives a restart, and either is still matched with others.
    bot.restart()
    erin = register(emulator.person("Erin"))
    erin.send("/search")
    erin.wait_for("Partner found")
    alice.wait_for("Partner found")  # the longest-waiting
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(bob.id,)]


def test_the_previous_partner_is_skipped_on_the_next_search_only(bot, emulator):
    alice, bob, carol, dave = (register(emulator.person(n)) for n in ("Alice", "Bob", "Carol", "Dave"))
    pair(alice, bob)
    bob.send("/next")  # Bob leaves and searches at once; Alice searches right after
    bob.wait_for("Searching")
    alice.wait_for("Your partner ended the chat")
    alice.send("/search")
    alice.wait_for("Searching")
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(2,)]
    carol.send("/search")
    carol.wait_for("Partner found")
    bob.wait_for("Partner found")  # the longest-waiting
    dave.send("/search")
    dave.wait_for("Partner found")
    alice.wait_for("Partner found")
    end_chat(alice, dave)
    end_chat(bob, carol)
    # Each has had another partner since: Alice and Bob may meet again.
    bob.send("/search")
    bob.wait_for("Searching")
    alice.send("/search")
    alice.wait_for("Partner found")
    bob.wait_for("Partner found")


def test_a_search_times_out_and_the_wait_counts_across_a_restart(start_bot, emulator):
    bot = start_bot(SEARCH_TIMEOUT_MINUTES="0.05")  # 3 seconds
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    alice.send("/search")
    alice.wait_for("Searching")
    started = time.monotonic()
    alice.wait_for("No partner was found in 0.05 minutes", timeout=15)
    assert time.monotonic() - started >= 2
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(0,)]
    alice.send("/search")
    alice.wait_for("Searching")
    bot.kill()
    time.sleep(3.5)
    bot.start()
    alice.wait_for("No partner was found", timeout=5)  # at once: the wait began before the crash
    bob.send("/search")
    bob.wait_for("Searching")  # Alice is no longer waiting
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(bob.id,)]


def test_preferences_rest_while_vip_has_lapsed_and_apply_again_on_renewal(bot, emulator):
    alice = register(emulator.person("Alice"), "👨 Male", "30")
    bob = register(emulator.person("Bob"), "👨 Male", "30")
    buy_vip(alice)
    prefer(alice, "👩 Women")
    # Her next update waits for the press to be handled: the preference is stored before VIP ends
    # (changing the database while the press was handled made the press meet a lapsed VIP).
    alice.send("/settings")
    assert "Partner gender: women" in alice.wait_for("Whom you meet")["text"]
    # VIP ends (as time passing would do it: the end date is behind us).
    db_rows(bot, "UPDATE users SET vip_until = datetime('now', '-1 minute') WHERE user_id = ?", alice.id)
    alice.send("/settings")
    lapsed = alice.wait_for("Whom you meet")["text"]
    assert "Partner gender: women" in lapsed and "VIP feature" in lapsed
    alice.send("/search")
    alice.wait_for("Searching for a partner")
    bob.send("/search")
    bob.wait_for("Partner found")  # a man: Alice's preferences do not apply while her VIP has lapsed
    alice.wait_for("Partner found")
    end_chat(alice, bob)
    buy_vip(alice)
    alice.send("/search")
    alice.wait_for("Searching for women aged 18–100")


def test_vip_bought_while_waiting_puts_the_buyer_first_at_once(bot, emulator):
    alice, bob, carol = (register(emulator.person(n)) for n in ("Alice", "Bob", "Carol"))
    pair(alice, bob)
    bob.send("/next")  # Bob waits; Alice, his previous partner, waits beside him
    bob.wait_for("Searching")
    alice.send("/search")
    alice.wait_for("Searching")
    buy_vip(alice)
    alice.wait_for("Searching")  # matched again at once, as a VIP now
    carol.send("/search")
    carol.wait_for("Partner found")
    alice.wait_for("Partner found")  # not Bob, though he waited longer
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(bob.id,)]
