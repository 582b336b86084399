"""End to end: --check, --health, graceful shutdown, start failures, command menu, backups, /stats chart, logs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, pair, register
from emulator import BOT_ID
from test_e2e_chat import db_rows


def run_bot(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), "LOG_FILE": "", **env}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout
    )


def paths(tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_PATH": str(tmp_path / "data" / "bot.db"),
        "BACKUP_DIR": str(tmp_path / "data" / "backups"),
        "HEARTBEAT_FILE": str(tmp_path / "data" / "heartbeat"),
    }


# 1. --check and --check --online


def test_check_validates_opens_and_migrates_without_polling(emulator, tmp_path):
    (tmp_path / "data").mkdir()
    env = {"BOT_TOKEN": emulator.token, "TELEGRAM_API_URL": emulator.url, **paths(tmp_path)}
    result = run_bot(["--check"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Configuration OK")
    with sqlite3.connect(env["DATABASE_PATH"]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert emulator.polls == 0 and not emulator.calls


def test_check_prints_one_line_per_problem(tmp_path):
    env = {"BOT_TOKEN": "nope", "VIP_DAYS": "0", "ADMIN_IDS": "x", "BACKUP_DIR": "/proc/no/such/dir"}
    result = run_bot(["--check"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in result.stderr
    assert [name for name in ("BOT_TOKEN", "VIP_DAYS", "ADMIN_IDS") if any(name in line for line in lines)] == [
        "BOT_TOKEN",
        "VIP_DAYS",
        "ADMIN_IDS",
    ]
    # With valid settings, an unusable folder is named too.
    result = run_bot(["--check"], {"BOT_TOKEN": "1:a", "BACKUP_DIR": "/proc/no/such/dir"}, tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "BACKUP_DIR" in result.stderr


def test_check_online_calls_get_me_and_checks_channels(emulator, tmp_path):
    emulator.add_channel("@admin_here")
    emulator.add_channel("@not_admin_here", bot_is_admin=False)
    (tmp_path / "data").mkdir()
    base = {"BOT_TOKEN": emulator.token, "TELEGRAM_API_URL": emulator.url, **paths(tmp_path)}

    ok = run_bot(["--check", "--online"], {**base, "REQUIRED_CHANNELS": "@admin_here"}, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "online checks passed" in ok.stdout
    assert [c["user_id"] for c in emulator.calls_of("getChatMember")] == [BOT_ID]

    bad = run_bot(
        ["--check", "--online"], {**base, "REQUIRED_CHANNELS": "@admin_here,@not_admin_here,@missing_one"}, tmp_path
    )
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "@not_admin_here" in lines[0] and "not an admin" in lines[0]
    assert "@missing_one" in lines[1] and "chat not found" in lines[1].lower()

    wrong = run_bot(["--check", "--online"], {**base, "BOT_TOKEN": "1:wrong"}, tmp_path)
    assert wrong.returncode == 2 and "getMe failed" in wrong.stderr and wrong.stderr.count("\n") == 1
    assert emulator.polls == 0


# 4. --health follows the polling loop


def test_health_follows_the_polling_loop(start_bot, emulator, tmp_path):
    bot = start_bot(POLL_TIMEOUT="1", HEALTH_MAX_AGE="4")
    # No BOT_TOKEN: the health check never talks to Telegram and needs no secrets.
    env = {"POLL_TIMEOUT": "1", "HEALTH_MAX_AGE": "4", "HEARTBEAT_FILE": bot.env["DATABASE_PATH"] + ".heartbeat"}
    time.sleep(2.5)  # idle: long polls keep returning, and each refreshes the heartbeat
    healthy = run_bot(["--health"], env, tmp_path)
    assert healthy.returncode == 0 and healthy.stdout.startswith("healthy"), healthy.stdout

    bot.proc.send_signal(signal.SIGSTOP)  # the polling loop stalls
    try:
        time.sleep(5)
        stalled = run_bot(["--health"], env, tmp_path)
        assert stalled.returncode == 1 and "unhealthy" in stalled.stdout
    finally:
        bot.proc.send_signal(signal.SIGCONT)
    emulator.wait_until(lambda: run_bot(["--health"], env, tmp_path).returncode == 0, 10, "the bot to be healthy again")
    assert bot.stop() == 0
    assert "no heartbeat" in run_bot(["--health"], env, tmp_path).stdout  # a stopped bot is not healthy


# 2. Graceful shutdown


def test_sigterm_lets_running_handlers_finish_and_closes_the_database(start_bot, emulator):
    bot = start_bot()
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    emulator.delay("copyMessage", 2.0)
    sent = alice.send("in flight during shutdown")
    emulator.wait_until(lambda: emulator.calls_of("copyMessage"), what="the relay to start")
    started = time.monotonic()
    assert bot.stop(timeout=10) == 0
    assert time.monotonic() - started < 10
    assert bob.wait_for_copy(sent, timeout=1)["text"] == sent["text"]
    # The last connection closed cleanly: SQLite checkpointed and removed the write-ahead log.
    assert not Path(bot.env["DATABASE_PATH"] + "-wal").exists()
    assert "Bot stopped" in bot.log()


def test_sigint_stops_cleanly_too(start_bot, emulator):
    bot = start_bot()
    bot.proc.send_signal(signal.SIGINT)
    assert bot.proc.wait(10) == 0


# 3. Failed starts back off before exiting


def test_bad_token_backs_off_before_exiting(emulator, tmp_path):
    env = {"BOT_TOKEN": "1:revoked", "TELEGRAM_API_URL": emulator.url, "START_FAILURE_DELAY": "2", **paths(tmp_path)}
    (tmp_path / "data").mkdir()
    started = time.monotonic()
    result = run_bot([], env, tmp_path)
    assert result.returncode == 1
    assert time.monotonic() - started >= 2
    # One clear line says what happened and what happens next; PTB's traceback only at LOG_LEVEL=DEBUG.
    assert "Could not start: The token" in result.stdout and "START_FAILURE_DELAY" in result.stdout
    assert len(result.stdout.splitlines()) == 1 and result.stderr == "", result.stdout + result.stderr


def test_unreachable_api_backs_off_before_exiting(tmp_path):
    (tmp_path / "data").mkdir()
    env = {"BOT_TOKEN": "1:a", "TELEGRAM_API_URL": "http://127.0.0.1:9", "START_FAILURE_DELAY": "1", **paths(tmp_path)}
    started = time.monotonic()
    result = run_bot([], env, tmp_path)
    assert result.returncode == 1 and time.monotonic() - started >= 1
    assert "Could not start" in result.stdout
    # One line, and everything it opened closed (no "Unclosed client session" from asyncio).
    assert len(result.stdout.splitlines()) == 1 and result.stderr == "", result.stdout + result.stderr
    debug = run_bot([], {**env, "LOG_LEVEL": "DEBUG", "START_FAILURE_DELAY": "0"}, tmp_path)
    assert "Traceback" in debug.stdout and "Unclosed" not in debug.stdout + debug.stderr


# 7. Command menu and descriptions


def test_commands_and_descriptions_are_set_at_start(start_bot, emulator, admin):
    other_admin = emulator.person("Admin2")
    start_bot(ADMIN_IDS=f"{admin.id},{other_admin.id}")
    # Four for everyone (the default, English, Russian, Spanish: tests/test_e2e_languages.py), two admins.
    calls = emulator.wait_until(lambda: len(emulator.calls_of("setMyCommands")) == 6 and emulator.calls_of("setMyCommands"))
    public = next(c for c in calls if c["scope"]["type"] == "default")
    names = [c["command"] for c in public["commands"]]
    assert {"search", "next", "stop", "profile", "vip", "rules", "help", "privacy", "paysupport"} <= set(names)
    assert "ban" not in names
    scoped = {c["scope"]["chat_id"]: [x["command"] for x in c["commands"]] for c in calls if c["scope"]["type"] == "chat"}
    assert set(scoped) == {admin.id, other_admin.id}
    for commands in scoped.values():
        assert {"ban", "unban", "stats", "backup", "search"} <= set(commands)
    assert emulator.calls_of("setMyDescription")[0]["description"]
    assert emulator.calls_of("setMyShortDescription")[0]["short_description"]


def test_menu_failure_does_not_stop_the_bot(start_bot, emulator):
    emulator.fail_next("setMyCommands", 400, "Bad Request: chat not found")
    bot = start_bot()
    register(emulator.person("Alice"))
    # The rest of the profile is still set (beside polling, which went on).
    emulator.wait_until(lambda: len(emulator.calls_of("setMyShortDescription")) == 4, what="the profile texts")
    assert "Could not set the en commands" in bot.log()


# 8. Backups and restore


def test_backup_command_keeps_the_newest(start_bot, emulator, admin, tmp_path):
    bot = start_bot(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP="2")
    for _ in range(3):
        admin.send("/backup")
        admin.wait_for("Backup saved")
    files = sorted((tmp_path / "backups").glob("bot-*.db"))
    assert len(files) == 2
    assert "Keeping the newest 2" in admin.bot_messages()[-1]["text"]
    alice = emulator.person("Alice")
    register(alice)
    alice.send("/backup")
    alice.wait_for("Unknown command")
    assert bot.proc.poll() is None


def test_backup_restore_procedure(start_bot, emulator, admin, tmp_path):
    backups = tmp_path / "backups"
    bot = start_bot(BACKUP_DIR=str(backups))
    alice = register(emulator.person("Alice"), "👩 Female", "29")
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("/stop")
    alice.wait_for("You ended")
    alice.press("👍")
    admin.send("/backup")
    admin.wait_for("Backup saved")
    (backup,) = backups.glob("bot-*.db")

    # Restoring while the bot runs is refused.
    env = {"DATABASE_PATH": bot.env["DATABASE_PATH"], "HEARTBEAT_FILE": bot.env["DATABASE_PATH"] + ".heartbeat"}
    assert run_bot(["--restore", str(backup)], env, tmp_path).returncode == 2

    assert bot.stop() == 0
    # Damage: the database is overwritten with garbage.
    db_path = Path(bot.env["DATABASE_PATH"])
    db_path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"nope" * 100)
    refused = run_bot(["--restore", str(garbage)], env, tmp_path)
    assert refused.returncode == 2 and "not a readable SQLite database" in refused.stderr

    restored = run_bot(["--restore", str(backup)], env, tmp_path)
    assert restored.returncode == 0, restored.stderr
    bot.start()
    alice.send("/profile")
    profile = alice.wait_for("Your profile")["text"]
    assert "Female" in profile and "Chats: 1" in profile
    bob.send("/profile")
    assert "👍 1" in bob.wait_for("Your profile")["text"]
    # Updates in flight when the backup was taken (the /backup itself) were handled long ago.
    assert "Replaying" not in bot.log()


# 9. /stats sends a chart


def test_stats_sends_a_chart_of_the_last_30_days(bot, emulator, admin):
    register(admin)
    alice = register(emulator.person("Alice"))
    pair(admin, alice)
    admin.send("/stats")
    admin.wait_for("Stats")
    chart = admin.wait_for("per day", timeout=30)
    assert chart["photo"] and chart["caption"].startswith("📈")
    (upload,) = emulator.calls_of("sendPhoto")
    assert upload["photo"]["size"] > 10_000  # a real PNG (the emulator checked its signature)


# 10. Logs


def test_start_line_names_version_settings_and_counts(start_bot, emulator, tmp_path):
    bot = start_bot(REQUIRED_CHANNELS="@some_channel")
    register(emulator.person("Alice"))
    bot.restart()
    bot.stop()
    log = (tmp_path / "bot.log").read_text()
    starts = [line for line in log.splitlines() if " Started @" in line]
    assert len(starts) == 2
    assert "version 1." in starts[1] and "token 123456:***" in starts[1]
    assert "channels @some_channel" in starts[1] and "1 users" in starts[1]
    assert emulator.token.split(":")[1] not in log
    assert db_rows(bot, "SELECT COUNT(*) FROM users") == [(1,)]
