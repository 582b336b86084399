"""Unit tests: config, utils, database, and handlers through Application.process_update.

Run with `pytest test.py` or `python test.py`. The end-to-end tests live in tests/.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import runtime  # noqa: F401  (first: sets PTB_TIMEDELTA before python-telegram-bot loads, as for the bot)
from bot import AnonymousChatBot
from config import DEFAULT_BAD_WORDS, Config, ConfigError, load_config
from database import SCHEMA_VERSION, Database
from handlers import admin
from handlers.gate import command_of, forget_old_channel_checks
from migrations import MIGRATIONS
from ops import setup_logging
from runtime import PerChatRateLimiter, PerUserUpdateProcessor
from telegram import Chat, Message, Update
from telegram.error import RetryAfter
from telegram.request import BaseRequest, RequestData
from texts import t
from utils import AgeProblem, MessageFilter, RateLimiter, TextFormatter, ValidationHelper, Verdict

TOKEN = "123456:TEST-token"


# config.py


def test_config_defaults_need_only_a_token():
    config = load_config({"BOT_TOKEN": TOKEN})
    assert config.admin_ids == frozenset()
    assert config.required_channels == ()
    assert (config.vip_price_stars, config.vip_days) == (100, 30)
    assert config.database_path == "bot.db"
    assert config.bad_words == DEFAULT_BAD_WORDS
    assert config.telegram_api_url == "https://api.telegram.org"
    assert config.log_file == "bot.log"
    assert (config.action_rate_limit, config.action_rate_window) == (10, 60)
    assert config.masked_token == "123456:***"


def test_env_example_documents_every_setting_with_its_default():
    example = {}
    for line in (Path(__file__).parent / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            example[name] = value
    assert set(example) == {f.name.upper() for f in dataclasses.fields(Config)}
    documented = load_config({**example, "BOT_TOKEN": TOKEN}, dotenv_path=None)
    assert documented == load_config({"BOT_TOKEN": TOKEN}, dotenv_path=None)


def test_config_parses_lists_and_numbers():
    config = load_config(
        {
            "BOT_TOKEN": TOKEN,
            "ADMIN_IDS": " 1, 22 ,333",
            "REQUIRED_CHANNELS": "@first_channel, @second_one",
            "BAD_WORDS": "Foo, bar",
            "VIP_PRICE_STARS": "250",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "LOG_FILE": "",
        }
    )
    assert config.admin_ids == frozenset({1, 22, 333})
    assert config.required_channels == ("@first_channel", "@second_one")
    assert config.bad_words == ("foo", "bar")
    assert config.vip_price_stars == 250
    assert config.telegram_api_url == "http://127.0.0.1:8081"
    assert config.log_file == ""


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "abc"}, "BOT_TOKEN"),
        ({"ADMIN_IDS": "1,x"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "-5"}, "ADMIN_IDS"),
        ({"REQUIRED_CHANNELS": "channel"}, "REQUIRED_CHANNELS"),
        ({"VIP_PRICE_STARS": "0"}, "VIP_PRICE_STARS"),
        ({"VIP_PRICE_STARS": "1.5"}, "VIP_PRICE_STARS"),
        ({"VIP_DAYS": "99999"}, "VIP_DAYS"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"ACTION_RATE_WINDOW": "0"}, "ACTION_RATE_WINDOW"),
        ({"API_OVERALL_RATE": "fast"}, "API_OVERALL_RATE"),
        ({"LOG_LEVEL": "TRACE"}, "LOG_LEVEL"),
    ],
)
def test_config_rejects_bad_settings_naming_the_variable(env, named):
    with pytest.raises(ConfigError, match=named):
        load_config({"BOT_TOKEN": TOKEN, **env} if named != "BOT_TOKEN" else env)


def test_config_token_is_optional_only_when_asked():
    assert load_config({}, require_token=False).bot_token == ""
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        load_config({"BOT_TOKEN": "bad"}, require_token=False)


def test_config_lists_every_problem_and_checks_health_against_poll_timeout():
    with pytest.raises(ConfigError) as caught:
        load_config({"BOT_TOKEN": TOKEN, "VIP_DAYS": "x", "BACKUP_TIME": "25:00", "POLL_TIMEOUT": "30", "HEALTH_MAX_AGE": "20"})
    assert [p.split()[0] for p in caught.value.problems] == ["BACKUP_TIME", "VIP_DAYS", "HEALTH_MAX_AGE"]
    assert load_config({"BOT_TOKEN": TOKEN, "BACKUP_TIME": "04:30"}).backup_time.strftime("%H:%M") == "04:30"
    assert load_config({"BOT_TOKEN": TOKEN, "DATABASE_PATH": "/d/x.db"}).heartbeat_file == "/d/x.db.heartbeat"


def test_config_reads_dotenv_without_overriding_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("BOT_TOKEN=1:fromfile\nVIP_DAYS=7\n")
    monkeypatch.setenv("BOT_TOKEN", "2:fromenv")
    monkeypatch.delenv("VIP_DAYS", raising=False)
    config = load_config(dotenv_path=str(env_file))
    assert config.bot_token == "2:fromenv"
    assert config.vip_days == 7


# utils.py


@pytest.mark.parametrize(
    "text",
    [
        "http://a.b",
        "HTTPS://EXAMPLE.COM",
        "www.site",
        "t.me/channel",
        "telegram.me/x",
        "ask @someone",
        "example.org",
        "shop-online.io/abc",
        "visit EXAMPLE.COM",
    ],
)
def test_filter_detects_links(text):
    assert MessageFilter.contains_link(text)


@pytest.mark.parametrize("text", ["hello", "I am 18.5", "e.g. this", "me@", "a.b", "score 3.14", "ok...fine", "", None])
def test_filter_passes_plain_text(text):
    assert not MessageFilter.contains_link(text)


@pytest.mark.parametrize("kind", ["url", "text_link", "mention", "text_mention", "email"])
def test_filter_trusts_telegram_entities(kind):
    assert MessageFilter.contains_link("harmless words", [kind])


def test_filter_ignores_harmless_entities():
    assert not MessageFilter.contains_link("bold", ["bold", "italic", "hashtag"])


def test_bad_words_are_whole_words_in_any_case():
    check = MessageFilter(["darn", "bad word"])
    assert check.contains_bad_word("Darn!")
    assert check.contains_bad_word("that's a BAD WORD.")
    assert not check.contains_bad_word("darning")
    assert not check.contains_bad_word("undarn")
    assert not check.contains_bad_word(None)
    assert check.check("darn") == "bad_word_blocked"
    assert check.check("darn www.x") == "link_blocked"
    assert check.check("fine") is None
    assert not MessageFilter([]).contains_bad_word("anything")


def test_rate_limiter_slides_its_window():
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    allow, warn, drop = Verdict.ALLOW, Verdict.WARN, Verdict.DROP
    assert [limiter.check(1) for _ in range(5)] == [allow, allow, allow, warn, drop]
    assert limiter.check(2) is allow  # per user
    now[0] = 59.9
    assert limiter.check(1) is drop  # still refused, and already told
    now[0] = 60.0
    assert [limiter.check(1) for _ in range(4)] == [allow, allow, allow, warn]  # the window opened: told again, once
    now[0] = 500
    assert limiter.cleanup() == 2 and limiter.cleanup() == 0


@pytest.mark.parametrize(
    ("text", "age", "reason"),
    [
        ("25", 25, None),
        (" 18 ", 18, None),
        ("100", 100, None),
        ("17", None, AgeProblem.TOO_YOUNG),
        ("101", None, AgeProblem.TOO_OLD),
        ("9" * 5000, None, AgeProblem.TOO_OLD),
        ("abc", None, AgeProblem.NOT_NUMBER),
        ("18.5", None, AgeProblem.NOT_NUMBER),
        ("-20", None, AgeProblem.NOT_NUMBER),
        ("", None, AgeProblem.NOT_NUMBER),
        (None, None, AgeProblem.NOT_NUMBER),
        ("٢٥", None, AgeProblem.NOT_NUMBER),
    ],
)
def test_parse_age(text, age, reason):
    assert ValidationHelper.parse_age(text) == (age if reason is None else reason)


def test_parse_user_id():
    assert ValidationHelper.parse_user_id("12345") == 12345
    for bad in ("", "0", "-1", "abc", "1" * 20, None):
        assert ValidationHelper.parse_user_id(bad) is None


def test_text_formatter():
    assert TextFormatter.gender("female", "en") == "Female"
    assert TextFormatter.gender("male", "xx") == "Male"  # an unknown language reads English
    assert TextFormatter.timestamp("2030-01-02 03:04:05") == "2030-01-02 03:04"
    assert TextFormatter.channel_list(["@a_chan"]) == "• @a_chan (https://t.me/a_chan)"


# database.py


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = Database(str(tmp_path / "test.db"))
    yield database
    database.close()


def schema_version(db: Database) -> int:
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


def set_vip(db: Database, user_id: int, days: int) -> None:
    """Grant VIP for `days` from now, or revoke it with 0 (as an admin would in SQL)."""
    with db.conn:
        db.conn.execute(
            "UPDATE users SET is_vip = ?, vip_until = datetime('now', ?) WHERE user_id = ?",
            (int(days > 0), f"+{days} days", user_id),
        )


def test_database_pragmas_and_schema_version(db):
    conn = db.get_connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(db) == SCHEMA_VERSION
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','index')")}
    assert {"users", "ratings", "chat_history", "payments", "search_queue"} <= names
    assert {"idx_ratings_target", "idx_ratings_type", "idx_users_vip", "idx_users_banned"} <= names


def test_reopening_keeps_data_and_a_newer_schema_is_refused(tmp_path):
    path = str(tmp_path / "x.db")
    first = Database(path)
    first.create_user(1, "male", 20)
    first.close()
    second = Database(path)
    assert (second.get_user(1) or {}).get("age") == 20
    second.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    second.close()
    with pytest.raises(RuntimeError, match="newer"):
        Database(path)


def test_an_older_database_is_migrated_in_place_without_losing_data(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    conn.execute("INSERT INTO users (user_id, gender, age) VALUES (1, 'male', 30), (2, 'female', 31)")
    conn.execute("INSERT INTO chat_history (user1_id, user2_id) VALUES (1, 2)")
    conn.commit()
    conn.close()
    migrated = Database(str(path))
    assert schema_version(migrated) == SCHEMA_VERSION >= 2
    assert (migrated.get_user(2) or {}).get("age") == 31
    assert migrated.open_chats() == [(1, 1, 2)]
    migrated.map_messages(1, 1, 2, [(10, 20)])
    assert migrated.peer_message(2, 20) == 10
    migrated.close()


def test_update_journal_remembers_only_what_it_must(db):
    assert db.journal_updates([(1, '{"update_id": 1}'), (2, '{"update_id": 2}')]) == set()
    assert db.journal_updates([(2, "{}"), (3, '{"update_id": 3}')]) == {2}  # sent again
    db.finish_update(1)
    assert db.conn.execute("SELECT body FROM update_journal WHERE update_id = 1").fetchone()[0] == ""
    assert db.updates_to_replay() == ['{"update_id": 2}', '{"update_id": 3}']
    assert db.updates_to_replay() == ['{"update_id": 2}', '{"update_id": 3}']
    assert db.updates_to_replay() == []  # at most two replays
    # A batch far ahead lets finished ids fall out of the dedupe window.
    db.journal_updates([(5000, "{}")])
    assert [r[0] for r in db.conn.execute("SELECT update_id FROM update_journal ORDER BY 1")] == [5000]


def test_restore_never_replays_the_backups_journal(db, tmp_path):
    db.create_user(1, "male", 30)
    db.journal_updates([(7, '{"update_id": 7}')])  # in flight while the backup is taken
    backup = db.backup(str(tmp_path / "backups"), keep=1)
    target = tmp_path / "restored.db"
    Database.restore(str(backup), str(target))
    restored = Database(str(target))
    assert restored.get_user(1) is not None
    assert restored.updates_to_replay() == []
    restored.close()


def test_users_and_bans(db):
    assert db.create_user(1, "male", 30)
    assert not db.create_user(1, "female", 40)
    assert db.get_user(1)["gender"] == "male"
    assert db.get_user(2) is None
    db.enqueue(1)
    assert db.ban_user(1, "spam")
    assert db.is_banned(1) and db.get_user(1)["ban_reason"] == "spam"
    assert db.queued_users() == []
    assert db.unban_user(1) and not db.is_banned(1)
    assert not db.ban_user(99) and not db.unban_user(99)


def test_schema_rejects_bad_data(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.create_user(5, "other", 30)
    with pytest.raises(sqlite3.IntegrityError):
        db.create_user(5, "male", 12)
    with pytest.raises(sqlite3.IntegrityError):
        db.enqueue(404)  # foreign key: not a user


def test_chats_and_queue(db):
    for uid in (1, 2, 3):
        db.create_user(uid, "male", 25)
    db.enqueue(1)
    db.enqueue(3)
    db.enqueue(1)
    assert db.queued_users() == [1, 3]
    chat_id = db.start_chat(1, 2)
    assert db.queued_users() == [3]
    assert db.open_chats() == [(chat_id, 1, 2)]
    db.end_chat(chat_id)
    assert db.open_chats() == []
    assert db.conn.execute("SELECT ended_at FROM chat_history WHERE id = ?", (chat_id,)).fetchone()[0] is not None
    assert db.chats_count(1) == 1 and db.chats_count(3) == 0


def test_ratings_once_per_chat_and_reports_by_distinct_users(db):
    for uid in (1, 2, 3):
        db.create_user(uid, "male", 25)
    chat = db.start_chat(1, 2)
    assert db.add_rating(1, chat, "good").status == "invalid"  # still open
    db.end_chat(chat)
    assert db.add_rating(1, chat, "good").status == "ok"
    assert db.add_rating(1, chat, "scam").status == "duplicate"
    assert db.add_rating(3, chat, "good").status == "invalid"  # not in the chat
    assert db.add_rating(2, chat, "awesome").status == "invalid"
    assert db.add_rating(2, 999, "good").status == "invalid"
    result = db.add_rating(2, chat, "scam")
    assert (result.status, result.target_id, result.reports) == ("ok", 1, 1)
    again = db.start_chat(2, 1)
    db.end_chat(again)
    assert db.add_rating(2, again, "scam").reports == 1  # same reporter counts once
    assert db.rating_counts(2) == (1, 0)


def test_payments_are_recorded_once_and_renewals_extend(db):
    db.create_user(1, "female", 30)
    new, until = db.record_payment("charge-1", 1, 100, "XTR", "vip:1", 30)
    assert new and db.vip_until(1) == until
    again, same = db.record_payment("charge-1", 1, 100, "XTR", "vip:1", 30)
    assert not again and same == until
    _, later = db.record_payment("charge-2", 1, 100, "XTR", "vip:1", 30)
    day = db.conn.execute("SELECT julianday(?) - julianday(?)", (later, until)).fetchone()[0]
    assert round(day) == 30
    assert db.conn.execute("SELECT COUNT(*) FROM payments WHERE user_id = 1").fetchone()[0] == 2
    with pytest.raises(LookupError):
        db.record_payment("charge-3", 404, 100, "XTR", "vip:404", 30)
    assert db.conn.execute("SELECT COUNT(*) FROM payments").fetchone()[0] == 2


def test_vip_expires(db):
    db.create_user(1, "male", 30)
    set_vip(db, 1, 10)
    assert db.vip_until(1)
    with db.conn:
        db.conn.execute("UPDATE users SET vip_until = '2000-01-01 00:00:00'")
    assert db.vip_until(1) is None
    assert db.expire_vips() == 1
    assert db.get_user(1)["is_vip"] == 0
    set_vip(db, 1, 5)
    set_vip(db, 1, 0)
    assert db.vip_until(1) is None


def test_stats(db):
    for uid in (1, 2, 3):
        db.create_user(uid, "male", 25)
    db.ban_user(3)
    set_vip(db, 2, 30)
    chat = db.start_chat(1, 2)
    db.end_chat(chat)
    db.add_rating(1, chat, "scam")
    assert db.stats() == {"users": 3, "banned": 1, "vip": 1, "chats_today": 1, "reports_today": 1}


# bot.py: handlers through Application.process_update with a fake BaseRequest


class FakeRequest(BaseRequest):
    """Answers Bot API calls locally and records them, like PTB's own test doubles."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_timeouts: Any, **__: Any
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[1]
        params = request_data.parameters if request_data else {}
        self.calls.append((api_method, params))
        if api_method == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "test_bot"}
        elif api_method in ("sendMessage", "sendInvoice"):
            chat = {"id": params["chat_id"], "type": "private"}
            result = {"message_id": next(self._ids), "date": 0, "chat": chat, "text": params.get("text", "")}
        elif api_method == "copyMessage":
            result = {"message_id": next(self._ids)}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def texts_to(self, chat_id: int) -> list[str]:
        return [p["text"] for m, p in self.calls if m == "sendMessage" and p["chat_id"] == chat_id]


def message_update(update_id: int, user_id: int, text: str) -> dict:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
            "text": text,
            "entities": entities,
        },
    }


@pytest.fixture
async def harness(tmp_path):
    config = load_config({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "9", "DATABASE_PATH": str(tmp_path / "h.db"), "LOG_FILE": ""})
    database = Database(config.database_path)
    chatbot = AnonymousChatBot(config, database)
    request = FakeRequest()
    application = chatbot.build_application(request)
    await application.initialize()
    ids = itertools.count(1)

    async def send(user_id: int, text: str) -> None:
        await application.process_update(Update.de_json(message_update(next(ids), user_id, text), application.bot))

    yield chatbot, request, send
    await application.shutdown()
    database.close()


async def test_search_pairs_and_relay_copies(harness):
    chatbot, request, send = harness
    chatbot.db.create_user(1, "male", 20)
    chatbot.db.create_user(2, "female", 21)
    await send(1, "/search")
    assert chatbot.search_queue == {1: None}
    await send(2, "/search")
    assert chatbot.search_queue == {}
    assert chatbot.active_chats[1].partner_id == 2 and chatbot.active_chats[2].partner_id == 1
    assert any(t("partner_found", "en") in text for text in request.texts_to(1))
    assert any(t("partner_found", "en") in text for text in request.texts_to(2))
    await send(1, "hello")
    copies = [p for m, p in request.calls if m == "copyMessage"]
    assert copies == [{"chat_id": 2, "from_chat_id": 1, "message_id": 3}]
    assert not [m for m, _ in request.calls if m == "forwardMessage"]
    await send(2, "/stop")
    assert chatbot.active_chats == {}
    assert chatbot.db.open_chats() == []


async def test_gatekeeper_stops_banned_users(harness):
    chatbot, request, send = harness
    chatbot.db.create_user(5, "male", 20)
    chatbot.db.ban_user(5)
    await send(5, "/search")
    assert chatbot.search_queue == {}
    assert request.texts_to(5) == [t("banned", "en")]
    await send(5, "/rules")  # information stays available
    assert request.texts_to(5)[-1] == t("rules", "en")


async def test_state_is_restored_from_the_database(harness):
    chatbot, _, send = harness
    for uid in (1, 2, 3):
        chatbot.db.create_user(uid, "male", 20)
    await send(1, "/search")
    await send(2, "/search")
    await send(3, "/search")
    restored = AnonymousChatBot(chatbot.config, chatbot.db)
    assert restored.active_chats == chatbot.active_chats
    assert restored.search_queue == {3: None}


async def test_admin_commands_are_for_admins_only(harness):
    chatbot, request, send = harness
    await send(1, "/stats")
    assert request.texts_to(1) == [t("unknown_command", "en")]
    await send(9, "/stats")
    assert "Users: 0" in request.texts_to(9)[-1]


async def test_daily_backup_is_scheduled_and_writes_a_backup(harness, tmp_path):
    chatbot, request, _ = harness
    application = chatbot.build_application(request)
    await application.initialize()
    try:
        await chatbot.post_init(application)
        jobs = {job.name: job for job in application.job_queue.jobs()}
        trigger = jobs["backup_job"].job.trigger
        assert (str(trigger.fields[5]), str(trigger.fields[6])) == ("3", "0")  # hour, minute: BACKUP_TIME 03:00
        assert "housekeeping_job" in jobs
        assert [m for m, _ in request.calls].count("setMyCommands") == 2  # everyone, and admin 9
    finally:
        await application.shutdown()
    chatbot.services.config = dataclasses.replace(chatbot.config, backup_dir=str(tmp_path / "daily"))
    await admin.run_backup(chatbot.services)
    assert len(list((tmp_path / "daily").glob("bot-*.db"))) == 1


async def test_a_429_pauses_only_its_own_chat_and_is_retried():
    limiter = PerChatRateLimiter(overall_max_rate=1000, max_retries=3, max_in_flight=4)
    loop = asyncio.get_running_loop()
    started = loop.time()
    attempts: dict[int, int] = {}
    done_at: dict[int, float] = {}

    async def send(chat_id: int) -> dict:
        attempts[chat_id] = attempts.get(chat_id, 0) + 1
        if chat_id == 1 and attempts[chat_id] == 1:
            raise RetryAfter(1)
        done_at[chat_id] = loop.time() - started
        return {"ok": True}

    flooded = asyncio.create_task(limiter.process_request(send, (1,), {}, "sendMessage", {"chat_id": 1}, None))
    await asyncio.sleep(0.05)
    for other in (2, 3, 4):
        await limiter.process_request(send, (other,), {}, "sendMessage", {"chat_id": other}, None)
    assert max(done_at[c] for c in (2, 3, 4)) < 0.5  # not held up by chat 1's pause
    assert await flooded == {"ok": True}
    assert attempts[1] == 2 and done_at[1] >= 1.0


async def test_the_rate_limiter_gives_up_after_max_retries():
    limiter = PerChatRateLimiter(overall_max_rate=1000, max_retries=0, max_in_flight=1)

    async def always_flooded() -> bool:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always_flooded, (), {}, "sendMessage", {"chat_id": 5}, None)


def test_log_file_rotates(tmp_path):
    import logging
    import logging.handlers

    config = load_config({"BOT_TOKEN": TOKEN, "LOG_FILE": str(tmp_path / "bot.log")})
    try:
        setup_logging(config)
        handlers = logging.getLogger().handlers
        (rotating,) = [h for h in handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
        assert rotating.maxBytes == 10_000_000 and rotating.backupCount == 5
        assert logging.getLogger("httpx").level == logging.WARNING  # request URLs carry the token
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()


async def test_housekeeping_forgets_stale_channel_checks(harness):
    chatbot, _, _ = harness
    now = time.monotonic()
    confirmed = chatbot.services.channels_confirmed
    confirmed.update({1: now, 2: now - chatbot.config.channel_check_cache_seconds - 1})
    assert forget_old_channel_checks(chatbot.services) == 1
    assert list(confirmed) == [1]


def test_command_of():
    def msg(text: str | None) -> Message:
        return Message(1, datetime.now(timezone.utc), Chat(1, "private"), text=text)

    assert command_of(msg("/Search@anon_bot now")) == "search"
    assert command_of(msg("/next")) == "next"
    assert command_of(msg("/next\n")) == "next"
    assert command_of(msg("hello /start")) is None
    assert command_of(msg(None)) is None
    assert command_of(None) is None


async def test_update_processor_keeps_each_users_order_and_runs_users_concurrently():
    processor = PerUserUpdateProcessor(8)
    order: list[str] = []
    release_a = asyncio.Event()

    def update_from(user_id: int, update_id: int) -> Update:
        return Update.de_json(message_update(update_id, user_id, "x"), None)

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        if wait:
            await wait.wait()
        order.append(name)

    tasks = [
        asyncio.create_task(processor.process_update(update_from(1, 1), handle("a1", release_a))),
        asyncio.create_task(processor.process_update(update_from(1, 2), handle("a2"))),
        asyncio.create_task(processor.process_update(update_from(2, 3), handle("b1"))),
    ]
    await asyncio.sleep(0.05)
    assert order == ["b1"]  # user 2 is not stuck behind user 1
    release_a.set()
    await asyncio.gather(*tasks)
    assert order == ["b1", "a1", "a2"]
    assert processor._locks == {}  # nothing kept for idle users


if __name__ == "__main__":
    sys.exit(pytest.main([str(Path(__file__)), *sys.argv[1:]]))
