"""End to end: running one copy at a time. A 409 Conflict (another process polls the token) is said
once, survived while it passes, and ends the bot with exit code 1 when it outlasts CONFLICT_EXIT_SECONDS."""

from __future__ import annotations

import time

from conftest import pair, register


def test_a_passing_conflict_is_said_once_and_the_bot_goes_on(start_bot, emulator):
    bot = start_bot(CONFLICT_EXIT_SECONDS="30", LOG_LEVEL="INFO")
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    emulator.conflict(4)
    polls = emulator.polls
    emulator.wait_until(lambda: emulator.polls >= polls + 3, 15, "polls answered 409")
    pair(alice, bob)
    bob.wait_for_copy(alice.send("still relayed"))
    log = bot.log()
    assert log.count("409 Conflict") == 1 and "another process takes this bot's updates" in log
    assert "Traceback" not in log and bot.proc is not None and bot.proc.poll() is None


def test_a_lasting_conflict_ends_the_bot_with_exit_code_1(start_bot, emulator):
    bot = start_bot(CONFLICT_EXIT_SECONDS="3", LOG_LEVEL="INFO")  # as shipped: PTB's own traceback of it is dropped
    emulator.conflict(60)
    assert bot.proc is not None
    emulator.wait_until(lambda: bot.proc.poll() is not None, 30, "the bot to give up")
    assert bot.proc.returncode == 1
    log = bot.log()
    assert log.count("409 Conflict") == 1 and "Still in conflict after 3 s" in log and "Traceback" not in log


def test_a_lasting_conflict_ends_the_bot_when_its_time_is_up_not_at_the_next_retry(start_bot, emulator):
    """PTB polls again after a growing wait (1, 1.5, 2.25, ... s): the 409 seen at 8.1 s would be
    followed by the next at 13.2 s. The bot gives up at CONFLICT_EXIT_SECONDS (9), between the two."""
    bot = start_bot(CONFLICT_EXIT_SECONDS="9", LOG_LEVEL="INFO")
    assert bot.proc is not None
    began = time.monotonic()
    emulator.conflict(60)
    emulator.wait_until(lambda: bot.proc.poll() is not None, 30, "the bot to give up")
    took = time.monotonic() - began
    assert bot.proc.returncode == 1 and "Still in conflict after 9 s" in bot.log()
    assert 9 <= took < 12, took


def test_a_conflict_that_ends_while_a_poll_waits_at_the_deadline_is_over(start_bot, emulator):
    """The conflict ends at 6 s; PTB's poll at about 8.1 s succeeds and is still waiting (a long poll)
    at the 9 s deadline: that poll's answer decides, and the bot goes on."""
    bot = start_bot(CONFLICT_EXIT_SECONDS="9", POLL_TIMEOUT="5", LOG_LEVEL="INFO")
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    emulator.conflict(6)
    time.sleep(12)
    assert bot.proc is not None and bot.proc.poll() is None
    pair(alice, bob)
    bob.wait_for_copy(alice.send("still relayed"))
    log = bot.log()
    assert "Still in conflict" not in log and "Traceback" not in log and "never retrieved" not in log


def test_a_second_copy_on_the_same_database_refuses_to_start_and_a_kill_leaves_no_lock(start_bot, emulator):
    import subprocess
    import sys

    from conftest import ROOT

    bot = start_bot()
    assert bot.proc is not None
    second = subprocess.run([sys.executable, str(ROOT / "bot.py")], cwd=bot.workdir, env=bot.env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert second.returncode == 2
    assert second.stderr.strip() == (
        f"Not starting: another copy of the bot (pid {bot.proc.pid}) is running on DATABASE_PATH"
        f" {bot.env['DATABASE_PATH']!r}; only one may run at a time"
    )
    restore = subprocess.run([sys.executable, str(ROOT / "bot.py"), "--restore", str(bot.workdir / "bot.db")],
                             cwd=bot.workdir, env=bot.env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert restore.returncode == 2 and "Refusing to restore" in restore.stderr
    # kill -9 cannot leave the lock behind: the kernel drops it with the process.
    bot.kill()
    bot.start()
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)


def test_restarts_set_only_what_changed_and_a_crash_loop_never_trips_the_profile_limit(start_bot, emulator, admin):
    # Telegram's limit on profile changes, switched on: 15 set calls a minute, then 429.
    emulator.profile_sets_per_minute = 15
    bot = start_bot()
    # The first start sets everything: 4 menus, 4 descriptions, 4 short descriptions, the admin's menu.
    emulator.wait_until(lambda: len(emulator.calls_of("setMyCommands")) == 5, what="the first profile")
    emulator.wait_until(lambda: "Bot profile checked: 13 item(s) set" in bot.log(), what="the profile set")
    sets = lambda: sum(len(emulator.calls_of(m)) for m in ("setMyCommands", "setMyDescription", "setMyShortDescription"))  # noqa: E731
    first = sets()
    for n in range(1, 21):  # a crash loop: killed as soon as each start has checked the profile, 20 times
        bot.kill()
        bot.start()
        emulator.wait_until(lambda n=n: bot.log().count("Bot profile checked: 0 item(s) set") >= n, what=f"check {n}")
    assert sets() == first and not [e for e in emulator.errors if e[1] == 429]
    assert len(emulator.calls_of("getMyCommands")) == 5 * 21  # every start read all five menus


def test_a_second_ctrl_c_while_the_bot_stops_lets_it_finish_its_stop(start_bot, emulator):
    """Ctrl-C twice in a terminal: the second one, while the stop waits for a relay on the wire, must
    not cut the stop short (the last writes, the database closed, "Bot stopped")."""
    import signal

    bot = start_bot(LOG_LEVEL="INFO")
    assert bot.proc is not None
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    emulator.delay("copyMessage", 3.0)  # a relay on the wire: the stop waits for it
    alice.send("on its way")
    emulator.wait_until(lambda: emulator.holding.get("copyMessage"), what="the copy on the wire")
    bot.proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    bot.proc.send_signal(signal.SIGINT)
    assert bot.proc.wait(30) == 0
    log = bot.log()
    assert "Bot stopped" in log and "Stopping already" in log and "Traceback" not in log
