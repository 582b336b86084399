"""End to end: /start, required channels, gender and age (item 1), /rules, /help, /privacy (items 6, 8)."""

from __future__ import annotations

import sqlite3

from conftest import register


def test_start_asks_gender_then_age_and_registers(bot, emulator):
    alice = emulator.person("Alice")
    alice.send("/start")
    question = alice.wait_for("gender")
    labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["👨 Male", "👩 Female"]
    answer = alice.press("👩 Female")
    assert "callback_query_id" in answer
    alice.wait_for("How old are you?")
    alice.send("27")
    done = alice.wait_for("/search")
    assert "all set" in done["text"]

    alice.send("/profile")
    profile = alice.wait_for("Your profile")["text"]
    assert "Gender: Female" in profile and "Age: 27" in profile


def test_every_bad_age_gets_a_reason_and_the_question_again(bot, emulator):
    bob = emulator.person("Bob")
    bob.send("/start")
    bob.press("👨 Male")
    bob.wait_for("How old are you?")
    cases = {
        "abc": "whole number",
        "17": "at least 18",
        "150": "at most 100",
        "18.5": "whole number",
        "-20": "whole number",
        "   ": "whole number",
        "9" * 4000: "at most 100",
        "１８": "whole number",  # full-width digits are not accepted as a number
    }
    for text, reason in cases.items():
        bob.send(text)
        reply = bob.wait_for(reason)
        assert "How old are you?" in reply["text"], text
    bob.send_sticker()
    assert "How old are you?" in bob.wait_for("whole number")["text"]
    bob.send("")  # an empty message
    bob.wait_for("whole number")
    bob.send("18")
    bob.wait_for("/search")


def test_start_from_registered_user_shows_welcome_and_commands(bot, emulator):
    carol = register(emulator.person("Carol"))
    carol.send("/start")
    welcome = carol.wait_for("Welcome")["text"]
    for command in ("/search", "/next", "/stop", "/profile", "/vip", "/rules", "/help"):
        assert command in welcome
    assert "/ban" not in welcome


def test_admin_start_also_lists_admin_commands(bot, emulator, admin):
    register(admin)
    admin.send("/start")
    welcome = admin.wait_for("Welcome")["text"]
    assert "/ban" in welcome and "/stats" in welcome


def test_text_before_registration_points_to_start(bot, emulator):
    dave = emulator.person("Dave")
    dave.send("hello?")
    dave.wait_for("/start")
    dave.send("/search")
    dave.wait_for("/start")
    dave.send("/profile")
    dave.wait_for("/start")


def test_required_channel_must_be_joined_before_registration(start_bot, emulator):
    emulator.add_channel("@anon_news")
    start_bot(REQUIRED_CHANNELS="@anon_news")
    erin = emulator.person("Erin")
    erin.send("/start")
    gate = erin.wait_for("join")
    assert "@anon_news" in gate["text"]
    answer = erin.press("✅ I've joined")
    assert "haven't joined" in answer["text"] and answer.get("show_alert")
    assert not erin.has_button("👨 Male")

    erin.join("@anon_news")
    erin.press("✅ I've joined")
    erin.wait_for("gender")
    erin.press("👨 Male")
    erin.wait_for("How old are you?")
    erin.send("33")
    erin.wait_for("/search")


def test_joined_user_goes_straight_to_registration(start_bot, emulator):
    emulator.add_channel("@chan_one")
    emulator.add_channel("@chan_two")
    start_bot(REQUIRED_CHANNELS="@chan_one,@chan_two")
    frank = emulator.person("Frank")
    frank.join("@chan_one")
    frank.send("/start")
    gate = frank.wait_for("join")["text"]
    assert "@chan_two" in gate and "@chan_one" not in gate
    frank.join("@chan_two")
    frank.send("/start")
    frank.wait_for("gender")


def test_search_checks_channels_again(start_bot, emulator):
    emulator.add_channel("@anon_news")
    start_bot(REQUIRED_CHANNELS="@anon_news", CHANNEL_CHECK_CACHE_SECONDS="0")
    gina = emulator.person("Gina")
    gina.join("@anon_news")
    register(gina)
    with emulator.cond:
        emulator.channels["@anon_news"].discard(gina.id)
    gina.send("/search")
    gina.wait_for("join")


def test_rules_help_privacy(bot, emulator):
    hank = emulator.person("Hank")
    hank.send("/rules")
    assert "18" in hank.wait_for("Rules")["text"]
    hank.send("/help")
    help_text = hank.wait_for("Commands")["text"]
    assert "/search" in help_text and "/paysupport" in help_text
    hank.send("/privacy")
    privacy = hank.wait_for("Privacy")["text"]
    assert "never store what you write" in privacy


def test_unknown_command(bot, emulator):
    ivy = register(emulator.person("Ivy"))
    ivy.send("/frobnicate")
    ivy.wait_for("Unknown command")


def test_a_registration_left_half_way_is_forgotten_after_flow_expire_days(start_bot, emulator):
    bot = start_bot()
    erin = emulator.person("Erin")
    erin.send("/start")
    erin.press("👩 Female")
    erin.wait_for("How old are you?")
    bot.stop()
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:  # she left eight days ago
        conn.execute("UPDATE conversations SET updated_at = datetime('now', '-8 days')")
    bot.start()
    # The hourly housekeeping runs 10 s after a start.
    emulator.wait_until(lambda: "1 steps of flows left for FLOW_EXPIRE_DAYS forgotten" in bot.log(), 30, "the expiry")
    erin.send("27")
    erin.wait_for("Please send /start to register first.")
    erin.send("/start")
    erin.wait_for("gender")  # and begins again
