"""End to end: rate limits (item 10), failures (item 11), restarts, and settings that stop the bot at start."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, pair, register
from test_e2e_chat import db_rows


def test_action_rate_limit_guards_search_next_start(start_bot, emulator):
    start_bot(ACTION_RATE_LIMIT="3", ACTION_RATE_WINDOW="60")
    alice = register(emulator.person("Alice"))  # /start is action 1
    alice.send("/search")  # 2
    alice.wait_for("Searching")
    alice.send("/stop")  # /stop is never limited
    alice.wait_for("Search stopped")
    alice.send("/search")  # 3
    alice.wait_for("Searching")
    alice.send("/stop")
    alice.wait_for("Search stopped")
    alice.send("/search")  # 4: over the limit
    alice.wait_for("Slow down")
    bob = register(emulator.person("Bob"))
    bob.send("/search")
    bob.wait_for("Searching")  # Alice was not queued by the refused /search
    alice.assert_nothing_new(0.3)


def test_message_rate_limit_in_chat(start_bot, emulator):
    start_bot(MESSAGE_RATE_LIMIT="3", MESSAGE_RATE_WINDOW="60")
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    sent = [alice.send(f"message {i}") for i in range(4)]
    alice.wait_for("Slow down")
    for message in sent[:3]:
        bob.wait_for_copy(message)
    relayed = {c["message_id"] for c in emulator.calls_of("copyMessage")}
    assert sent[3]["message_id"] not in relayed
    # Commands still work over the message limit.
    alice.send("/stop")
    alice.wait_for("You ended the chat")


def test_partner_who_blocked_the_bot_ends_the_chat_on_403(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    bob.block(notify=False)  # only the 403 tells the bot
    alice.send("are you there?")
    left = alice.wait_for("partner has left")
    assert [b["text"] for b in left["reply_markup"]["inline_keyboard"][0]] == ["👍", "👎", "⛔"]
    assert db_rows(bot, "SELECT ended_at IS NOT NULL FROM chat_history") == [(1,)]
    alice.send("/search")
    alice.wait_for("Searching")


def test_blocking_the_bot_ends_chat_and_leaves_queue(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    pair(alice, bob)
    bob.block()
    alice.wait_for("partner has left")
    carol.send("/search")
    carol.wait_for("Searching")
    carol.block()
    emulator.wait_until(lambda: db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(0,)], what="Carol to leave the queue")
    alice.send("/search")
    alice.wait_for("Searching")


def test_queued_user_who_blocked_is_skipped_when_pairing(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    alice.send("/search")
    alice.wait_for("Searching")
    alice.block(notify=False)
    bob.send("/search")
    bob.wait_for("Searching")  # never told of a partner who is gone
    assert "Partner found" not in " ".join(m.get("text", "") for m in bob.bot_messages())


def test_flood_429_is_retried_and_nothing_is_lost(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    emulator.flood(bob.id, times=2, retry_after=1)
    started = time.monotonic()
    sent = alice.send("through the flood")
    copy = bob.wait_for_copy(sent, timeout=20)
    assert copy["text"] == "through the flood"
    assert time.monotonic() - started >= 1.5  # it really waited for retry_after
    copies = [c for c in emulator.calls_of("copyMessage") if c["message_id"] == sent["message_id"]]
    assert len(copies) == 3  # two answered 429, the third delivered
    assert len([m for m in bob.bot_messages() if m.get("text") == "through the flood"]) == 1


def test_unexpected_error_reaches_error_handler_and_bot_survives(bot, emulator):
    bot.allow_tracebacks = True
    alice = emulator.person("Alice")
    alice.send("/start")
    alice.wait_for("gender")
    emulator.fail_next("editMessageText", 400, "Bad Request: injected failure")
    alice.press("👨 Male")
    alice.wait_for("something went wrong")
    assert "Exception while handling update" in bot.log()
    register(emulator.person("Bob"))  # still serving


def test_group_messages_and_odd_updates_are_ignored(bot, emulator):
    alice = register(emulator.person("Alice"))
    group = {"id": -100123, "type": "supergroup", "title": "Some group"}
    emulator.push_update({"message": {"message_id": 1, "date": 0, "chat": group, "from": alice.user, "text": "/search"}})
    emulator.push_update({"message": {"message_id": 2, "date": 0, "chat": group, "text": "channel post-like, no sender"}})
    alice.send("/profile")
    alice.wait_for("Your profile")
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(0,)]
    with emulator.cond:
        assert not emulator.messages.get(-100123)


def test_message_contents_and_token_are_never_logged(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    secret = "my-secret-words-42"
    bob.wait_for_copy(alice.send(secret))
    alice.send(f"blocked link {secret} http://x.com")
    alice.wait_for("not allowed")
    bot.stop()
    for log in (bot.log(), (bot.workdir / "bot.log").read_text()):
        assert secret not in log
        assert emulator.token.split(":")[1] not in log
        assert "Chat 1 started" in log


def test_users_ratings_bans_payments_and_chats_survive_a_restart(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    dave = register(emulator.person("Dave"))
    pair(alice, bob)
    alice.send("/stop")
    alice.wait_for("You ended")
    alice.press("👎")  # Alice and Bob never meet again

    alice.send("/vip")
    alice.press("⭐ Buy VIP")
    charge = alice.pay()
    alice.wait_for("VIP is active")
    admin.send(f"/ban {carol.id}")
    admin.wait_for("is banned")
    pair(alice, dave)

    bot.restart()

    alice.send("/profile")
    assert "VIP: yes" in alice.wait_for("Your profile")["text"]
    bob.send("/profile")
    assert "👎 1" in bob.wait_for("Your profile")["text"]
    carol.send("/search")
    carol.wait_for("banned")
    # The same payment delivered again after the restart is still recognised.
    alice.deliver_payment(emulator.invoices[next(iter(emulator.invoices))], charge)
    alice.wait_for("already processed")
    # The chat that was open goes on.
    sent = alice.send("still here after the restart")
    assert dave.wait_for_copy(sent)["text"] == sent["text"]


def run_bot_with(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), "LOG_FILE": "", **env}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=full, capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "1:a", "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": "1:a", "REQUIRED_CHANNELS": "news"}, "REQUIRED_CHANNELS"),
        ({"BOT_TOKEN": "1:a", "VIP_PRICE_STARS": "free"}, "VIP_PRICE_STARS"),
        ({"BOT_TOKEN": "1:a", "VIP_DAYS": "0"}, "VIP_DAYS"),
        ({"BOT_TOKEN": "1:a", "TELEGRAM_API_URL": "ftp://example"}, "TELEGRAM_API_URL"),
        ({"BOT_TOKEN": "1:a", "MESSAGE_RATE_LIMIT": "-1"}, "MESSAGE_RATE_LIMIT"),
        ({"BOT_TOKEN": "1:a", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"BOT_TOKEN": "1:a", "DATABASE_PATH": "/nonexistent/dir/bot.db"}, "DATABASE_PATH"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_URL": "https://bot.example.com/telegram"}, "WEBHOOK_SECRET"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_URL": "https://bot.example.com/t", "WEBHOOK_SECRET": "has spaces!"}, "WEBHOOK_SECRET"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_URL": "https://bot.example.com/t", "WEBHOOK_SECRET": "s" * 257}, "WEBHOOK_SECRET"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_URL": "bot.example.com", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_URL": "https://bot.example.com/t", "WEBHOOK_SECRET": "s",
          "WEBHOOK_DOMAIN": "chat.example.com"}, "WEBHOOK_DOMAIN"),  # Caddy's certificate would be for another host
        ({"BOT_TOKEN": "1:a", "WEBHOOK_MAX_CONNECTIONS": "101"}, "WEBHOOK_MAX_CONNECTIONS"),
        ({"BOT_TOKEN": "1:a", "WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
    ],
)
def test_bad_settings_stop_the_bot_with_one_clear_line(env, named, tmp_path):
    result = run_bot_with(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_settings_are_read_from_dotenv(tmp_path):
    (tmp_path / ".env").write_text("BOT_TOKEN=1:a\nVIP_DAYS=forever\n")
    result = run_bot_with({}, tmp_path)
    assert result.returncode == 2 and "VIP_DAYS" in result.stderr
