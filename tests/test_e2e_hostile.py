"""End to end: what an attacker or a clumsy user tries (defects found by hostile input, issue 7)."""

from __future__ import annotations

from conftest import pair, register


def test_bot_removed_from_a_group_or_channel_does_not_end_the_private_chat(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.remove_bot_from("channel", "Alice's channel")
    alice.remove_bot_from("supergroup", "Alice's group")
    bob.assert_nothing_new(0.8)
    hello = alice.send("still here")
    bob.wait_for_copy(hello)


def test_callback_data_with_a_trailing_newline_is_not_accepted(bot, emulator):
    carol = emulator.person("Carol")
    carol.send("/start")
    question = carol.wait_for("gender")
    answer = carol.press_data(question, "gender:female\n")
    assert answer.get("text") == "This button is no longer valid."
    carol.press("👩 Female")
    carol.wait_for("How old are you?")
    carol.send("30")
    carol.wait_for("all set")
    assert not any("went wrong" in text for text in carol.unread_texts())


def test_a_flood_is_told_once_per_window_not_once_per_message(start_bot, emulator):
    start_bot(MESSAGE_RATE_LIMIT="5", MESSAGE_RATE_WINDOW="60")
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.read_all()
    emulator.push_messages([(alice, f"spam {i}") for i in range(60)])
    alice.wait_for("Slow down")
    emulator.wait_until(lambda: len(emulator.calls_of("copyMessage")) >= 5, what="the allowed messages to be relayed")
    alice.assert_nothing_new(1.5)
    assert len(emulator.calls_of("copyMessage")) == 5
    slow_downs = [m for m in alice.bot_messages() if "Slow down" in (m.get("text") or "")]
    assert len(slow_downs) == 1


def test_a_double_tap_on_a_gender_button_is_harmless(bot, emulator):
    dave = emulator.person("Dave")
    dave.send("/start")
    dave.wait_for("gender")
    answers = dave.double_tap("👨 Male")
    assert all("text" not in answer for answer in answers)  # both answered, silently
    dave.wait_for("How old are you?")
    dave.assert_nothing_new(0.8)  # one question, and no "something went wrong"
    assert [e for e in emulator.errors if e[1] == 400] == []  # no call Telegram would refuse
    assert len(emulator.calls_of("editMessageText")) == 1
    dave.send("41")
    dave.wait_for("all set")


def test_a_double_tap_on_ive_joined_is_harmless(start_bot, emulator):
    emulator.add_channel("@anon_news")
    start_bot(REQUIRED_CHANNELS="@anon_news")
    erin = emulator.person("Erin")
    erin.send("/start")
    erin.wait_for("join")
    erin.join("@anon_news")
    answers = erin.double_tap("✅ I've joined")
    assert all("text" not in answer for answer in answers)
    erin.wait_for("gender")
    erin.assert_nothing_new(0.8)  # one gender question, and no "something went wrong"
    assert [e for e in emulator.errors if e[1] == 400] == []
    assert len(emulator.calls_of("editMessageReplyMarkup")) == 1
