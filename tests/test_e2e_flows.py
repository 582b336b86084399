"""End to end: a multi-step flow survives a restart (its step is in SQLite, not in memory)."""

from __future__ import annotations

from conftest import choose_gender, register


def test_a_restart_between_gender_and_age_keeps_the_gender(bot, emulator):
    alice = choose_gender(emulator.person("Alice"), "👩 Female")
    bot.restart()
    alice.send("29")
    alice.wait_for("all set")
    alice.send("/profile")
    profile = alice.wait_for("Your profile")["text"]
    assert "Gender: Female" in profile and "Age: 29" in profile


def test_a_kill_between_gender_and_age_keeps_the_gender(bot, emulator):
    bob = choose_gender(emulator.person("Bob"))
    bot.kill()
    bot.start()
    bob.send("35")
    bob.wait_for("all set")


def test_a_restart_between_paysupport_and_the_message_still_reaches_the_admins(bot, emulator, admin):
    carol = register(emulator.person("Carol"))
    carol.send("/paysupport")
    carol.wait_for("Payment support")
    bot.restart()
    request = carol.send("I paid twice on Monday")
    carol.wait_for("sent to the admins")
    header = admin.wait_for("Payment support request")
    assert str(carol.id) in header["text"]
    admin.wait_for_copy(request)
    carol.send("and this is just a message")
    carol.wait_for("not in a chat")  # the flow ended with the one message


def test_a_restart_at_the_channel_gate_keeps_the_button_working(start_bot, emulator):
    emulator.add_channel("@anon_news")
    bot = start_bot(REQUIRED_CHANNELS="@anon_news")
    dave = emulator.person("Dave")
    dave.send("/start")
    dave.wait_for("join")
    dave.join("@anon_news")
    bot.restart()
    dave.press("✅ I've joined")
    dave.wait_for("gender")
