"""Unit tests: config, utils and database.

Run with `pytest test.py` or `python test.py`. The unit tests of the other rooms (pairing state,
callbacks, sending, flows, texts, handlers through Application.process_update) and the end-to-end
tests live in tests/.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import DEFAULT_BAD_WORDS, Config, ConfigError, load_config
from chatbot.storage import users as storage_users
from chatbot.storage.analytics import Figures
from chatbot.storage.journal import JOURNAL_DEDUPE_SECONDS
from chatbot.storage.migrations import MIGRATIONS
from database import SCHEMA_VERSION, WRITE_DELAY, Database
from utils import AgeProblem, LruCache, MessageFilter, RangeProblem, RateLimiter, TextFormatter, ValidationHelper, Verdict

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


def test_webhook_settings_and_the_path_the_bot_serves():
    config = load_config({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": f"https://bot.example.com/hook%3A{TOKEN}?x=1", "WEBHOOK_SECRET": "s"})
    assert (config.webhook_max_connections, config.webhook_listen, config.webhook_port) == (40, "127.0.0.1", 8443)
    assert config.webhook_path == f"/hook:{TOKEN}"
    assert TOKEN not in config.masked_webhook_url and "<token>" in config.masked_webhook_url
    assert load_config({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com", "WEBHOOK_SECRET": "s"}).webhook_path == "/"
    # The secret is only required, and checked, with a URL: emptying WEBHOOK_URL goes back to polling.
    assert load_config({"BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "not checked!"}).webhook_url == ""


def test_webhook_domain_must_be_the_webhook_urls_host_served_by_caddy():
    def problems(url: str, domain: str) -> list[str]:
        try:
            load_config({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": url, "WEBHOOK_SECRET": "s", "WEBHOOK_DOMAIN": domain})
        except ConfigError as exc:
            return exc.problems
        return []

    assert problems("https://Bot.Example.com/t", "bot.example.COM.") == []
    assert problems("https://bot.example.com:443/t", "bot.example.com") == []
    assert problems("https://xn--bcher-kva.example/t", "bücher.example") == []  # one host, two spellings
    assert problems("http://127.0.0.1:8443/t", "") == []  # no WEBHOOK_DOMAIN: nothing to compare (a local server, the tests)
    [other] = problems("https://bot.example.com/t", "chat.example.com")
    assert other.startswith("WEBHOOK_DOMAIN") and "'chat.example.com' is not 'bot.example.com'" in other
    for url in ("https://bot.example.com:8443/t", "http://bot.example.com/t", "https://bot.example.com:x/t"):
        [port] = problems(url, "bot.example.com")
        assert port.startswith("WEBHOOK_URL must be https:// on port 443 with WEBHOOK_DOMAIN"), url
    [bad_url] = problems("bot.example.com", "bot.example.com")  # said once, as a bad URL
    assert bad_url.startswith("WEBHOOK_URL must be an http(s) URL")


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
        ({"API_CHAT_RATE": "fast"}, "API_CHAT_RATE"),
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


def test_rate_limiter_forgets_a_user_idle_past_the_window_and_only_then():
    now = [0.0]
    limiter = RateLimiter(3, 10, clock=lambda: now[0])
    limiter.check(1)
    now[0] = 5.0
    limiter.check(2)
    now[0] = 10.0
    assert limiter.cleanup() == 1  # user 1 idle for the whole window; user 2 still inside it
    now[0] = 15.0
    assert limiter.cleanup() == 1 and limiter.cleanup() == 0
    # A forgotten user starts afresh.
    assert [limiter.check(1) for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.WARN]


def test_lru_cache_keeps_the_most_recently_used():
    cache: LruCache[int, str] = LruCache(2)
    cache.put(1, "en")
    cache.put(2, "ru")
    assert cache.get(1) == "en"  # 1 is now the most recent
    cache.put(3, "es")
    assert 2 not in cache and cache.get(1) == "en" and cache.get(3) == "es" and len(cache) == 2
    cache.pop(1)
    cache.pop(1)  # popping what is not there is fine
    assert cache.get(1) is None and len(cache) == 1


def test_database_reads_languages_on_demand_with_a_bounded_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_users, "LANGUAGE_CACHE_SIZE", 2)
    db = Database(str(tmp_path / "lang.db"))
    for user_id, language in ((1, "en"), (2, "ru"), (3, "es")):
        db.users.create(user_id, "male", 30, language)
    db.close()
    db = Database(str(tmp_path / "lang.db"))  # nothing is loaded at start
    assert len(db.users._languages) == 0
    assert [db.users.language(u) for u in (1, 2, 3, 4)] == ["en", "ru", "es", None]
    assert len(db.users._languages) == 2
    assert db.users.set_language(1, "es") and db.users.language(1) == "es"
    db.close()


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
    # Each language's usual format (CLDR, through Babel), to the minute.
    assert TextFormatter.timestamp("2030-01-02 15:04:05", "en") == "Jan 2, 2030, 3:04\u202fPM"
    assert TextFormatter.timestamp("2030-01-02 15:04:05", "ru") == "2 янв. 2030\u202fг., 15:04"
    assert TextFormatter.timestamp("2030-01-02 15:04:05", "es") == "2 ene 2030, 15:04"
    assert [TextFormatter.number(1234567, lang) for lang in ("en", "ru", "es")] == ["1,234,567", "1\xa0234\xa0567", "1.234.567"]
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
    first.users.create(1, "male", 20)
    first.close()
    second = Database(path)
    user = second.users.get(1)
    assert user is not None and user.age == 20
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
    user = migrated.users.get(2)
    assert user is not None and user.age == 31
    assert migrated.chats.open_chats() == [(1, 1, 2)]
    migrated.chats.map_messages(1, 1, 2, [(10, 20)])
    assert migrated.chats.peer_message(2, 20, 1) == 10
    assert migrated.chats.peer_message(2, 20, 2) is None  # never across chats
    migrated.close()


def test_update_journal_remembers_only_what_it_must(db):
    assert db.journal.record([(1, '{"update_id": 1}'), (2, '{"update_id": 2}')]) == set()
    assert db.journal.record([(2, "{}"), (3, '{"update_id": 3}')]) == {2}  # sent again
    db.journal.finish(1)
    assert db.conn.execute("SELECT body FROM update_journal WHERE update_id = 1").fetchone()[0] == ""
    assert db.journal.to_replay() == ['{"update_id": 2}', '{"update_id": 3}']
    assert db.journal.to_replay() == ['{"update_id": 2}', '{"update_id": 3}']
    assert db.journal.to_replay() == []  # at most two replays
    # Finished ids are remembered JOURNAL_DEDUPE_SECONDS however many updates come meanwhile (by webhook
    # an update whose 200 was lost comes again after a back-off, while other chats go on) ...
    ids = lambda: [r[0] for r in db.conn.execute("SELECT update_id FROM update_journal ORDER BY 1")]  # noqa: E731
    db.journal.record([(5000, "{}")])
    assert ids() == [1, 2, 3, 5000]
    assert db.journal.record([(1, "{}")]) == {1}
    # ... and then forgotten.
    db.conn.execute(
        "UPDATE update_journal SET received_at = datetime('now', ?) WHERE update_id < 5000", (f"-{JOURNAL_DEDUPE_SECONDS + 1} seconds",)
    )
    db.journal.record([(5001, "{}")])
    assert ids() == [5000, 5001]
    # Sent twice in one batch (a webhook's redelivery in the same turn): the second is seen.
    assert db.journal.record([(6000, "{}"), (6000, "{}")]) == {6000}
    # A sighting refreshes the window: an update Telegram keeps sending is remembered from the latest.
    db.journal.finish(5000)
    db.flush_writes()
    db.conn.execute("UPDATE update_journal SET received_at = datetime('now', ?)", (f"-{JOURNAL_DEDUPE_SECONDS - 5} seconds",))
    assert db.journal.record([(5000, "{}")]) == {5000}
    db.conn.execute("UPDATE update_journal SET received_at = datetime(received_at, '-10 seconds') WHERE update_id != 5000")
    db.journal.record([(6001, "{}")])
    assert 5000 in ids()


def test_restore_never_replays_the_backups_journal(db, tmp_path):
    db.users.create(1, "male", 30)
    db.journal.record([(7, '{"update_id": 7}')])  # in flight while the backup is taken
    backup = db.backup(str(tmp_path / "backups"), keep=1)
    target = tmp_path / "restored.db"
    Database.restore(str(backup), str(target))
    restored = Database(str(target))
    assert restored.users.get(1) is not None
    assert restored.journal.to_replay() == []
    restored.close()


def test_users_and_bans(db):
    assert db.users.create(1, "male", 30)
    assert not db.users.create(1, "female", 40)
    assert getattr(db.users.get(1), "gender", None) == "male"
    assert db.users.get(2) is None
    db.chats.enqueue(1)
    assert db.moderation.ban_user(1, "spam")
    assert db.moderation.is_banned(1) and db.conn.execute("SELECT ban_reason FROM users WHERE user_id = 1").fetchone()[0] == "spam"
    assert db.chats.queued_users() == []
    assert db.moderation.unban_user(1) and not db.moderation.is_banned(1)
    assert not db.moderation.ban_user(99) and not db.moderation.unban_user(99)


def test_schema_rejects_bad_data(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.users.create(5, "other", 30)
    with pytest.raises(sqlite3.IntegrityError):
        db.users.create(5, "male", 12)
    with pytest.raises(sqlite3.IntegrityError):
        db.chats.enqueue(404)  # foreign key: not a user


def test_chats_and_queue(db):
    for uid in (1, 2, 3):
        db.users.create(uid, "male", 25)
    db.chats.enqueue(1)
    db.chats.enqueue(3)
    db.chats.enqueue(1)
    assert db.chats.queued_users() == [1, 3]
    chat_id = db.chats.start(1, 2)
    assert db.chats.queued_users() == [3]
    assert db.chats.open_chats() == [(chat_id, 1, 2)]
    db.chats.end(chat_id)
    assert db.chats.open_chats() == []
    assert db.conn.execute("SELECT ended_at FROM chat_history WHERE id = ?", (chat_id,)).fetchone()[0] is not None
    assert db.chats.count_for(1) == 1 and db.chats.count_for(3) == 0


def test_bans_and_flows_kept_in_memory_match_the_database_after_a_reopen(tmp_path):
    path = str(tmp_path / "mirror.db")
    first = Database(path)
    for uid in (1, 2):
        first.users.create(uid, "male", 30)
    assert first.moderation.ban_user(1, "spam") and first.moderation.is_banned(1) and not first.moderation.is_banned(2)
    first.conversations.set_step(7, "support", "message")
    first.conversations.set_step(8, "registration", "age", "female")
    first.close()
    second = Database(path)
    assert second.moderation.is_banned(1) and not second.moderation.is_banned(2)
    assert second.conversations.step(7, "support") == ("message", "")
    assert second.conversations.step(8, "registration") == ("age", "female")
    assert second.moderation.unban_user(1) and not second.moderation.is_banned(1)
    assert second.conversations.end(7, "support") and second.conversations.step(7, "support") is None
    second.users.create(8, "female", 30)
    assert second.conversations.end(8, "registration")  # registration's handler ends its flow
    assert second.conversations.step(8, "registration") is None
    second.close()
    third = Database(path)
    assert not third.moderation.is_banned(1) and third.conversations.step(7, "support") is None
    assert third.conversations.step(8, "registration") is None
    third.close()


async def test_relays_finished_within_the_write_delay_share_one_commit(db):
    for uid in (1, 2):
        db.users.create(uid, "male", 30)
    chat = db.chats.start(1, 2)
    db.journal.record([(50, '{"update_id": 50}'), (51, '{"update_id": 51}'), (52, '{"update_id": 52}')])
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    db.chats.map_messages(chat, 1, 2, [(10, 20)])
    db.journal.finish(50)
    db.chats.map_messages(chat, 2, 1, [(21, 11)])
    db.journal.finish(51)
    assert statements == []  # nothing written yet
    await asyncio.sleep(WRITE_DELAY * 3)
    assert statements.count("COMMIT") == 1
    done = dict(db.conn.execute("SELECT update_id, done FROM update_journal").fetchall())
    assert done == {50: 1, 51: 1, 52: 0}
    # A reader sees a relay at once, before the delay is over.
    db.chats.map_messages(chat, 1, 2, [(12, 22)])
    assert db.chats.peer_message(1, 12, chat) == 22 and db.chats.peer_message(2, 20, chat) == 10
    db.conn.set_trace_callback(None)
    assert [body for body in db.journal.to_replay()] == ['{"update_id": 52}']


def test_a_failed_flush_keeps_its_rows_for_the_next(db):
    for uid in (1, 2):
        db.users.create(uid, "male", 30)
    chat = db.chats.start(1, 2)
    db.journal.record([(50, '{"update_id": 50}')])
    real = db.conn

    class FullDisk:
        """The connection, but its first executemany fails as on a full disk."""

        failed = False

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def __enter__(self) -> object:
            return real.__enter__()

        def __exit__(self, *exc: object) -> object:
            return real.__exit__(*exc)

        def executemany(self, sql: str, rows: object) -> object:
            if not FullDisk.failed:
                FullDisk.failed = True
                raise sqlite3.OperationalError("database or disk is full")
            return real.executemany(sql, rows)

    db._local.conn = FullDisk()
    with pytest.raises(sqlite3.OperationalError):
        db.chats.map_messages(chat, 1, 2, [(10, 20)])  # outside an event loop it is written at once: it fails
    db.journal.finish(50)  # the next write carries both
    db._local.conn = real
    assert db.chats.peer_message(1, 10, chat) == 20
    assert real.execute("SELECT done FROM update_journal WHERE update_id = 50").fetchone()[0] == 1


def test_outside_an_event_loop_a_relay_is_written_at_once(db):
    for uid in (1, 2):
        db.users.create(uid, "male", 30)
    chat = db.chats.start(1, 2)
    db.journal.record([(50, '{"update_id": 50}')])
    db.chats.map_messages(chat, 1, 2, [(10, 20)])
    db.journal.finish(50)
    assert db.conn.execute("SELECT COUNT(*) FROM message_map").fetchone()[0] == 2
    assert db.conn.execute("SELECT done FROM update_journal").fetchone()[0] == 1


def test_ratings_once_per_chat_and_reports_by_distinct_users(db):
    for uid in (1, 2, 3):
        db.users.create(uid, "male", 25)
    chat = db.chats.start(1, 2)
    assert db.chats.add_rating(1, chat, "good").status == "invalid"  # still open
    db.chats.end(chat)
    assert db.chats.add_rating(1, chat, "good").status == "ok"
    assert db.moderation.add_report(1, chat, "spam") == ("duplicate", None)
    assert db.chats.add_rating(3, chat, "good").status == "invalid"  # not in the chat
    assert db.chats.add_rating(2, chat, "awesome").status == "invalid"
    assert db.chats.add_rating(2, chat, "scam").status == "invalid"  # a report needs its reason: add_report
    assert db.chats.add_rating(2, 999, "good").status == "invalid"
    assert db.moderation.add_report(2, chat, "nonsense") == ("invalid", None)
    status, report_id = db.moderation.add_report(2, chat, "spam")
    assert status == "ok" and report_id is not None and db.moderation.count_reports(1) == 1
    assert db.matching.blocked_ids(1) == {2}
    again = db.chats.start(2, 1)
    db.chats.end(again)
    db.moderation.add_report(2, again, "insults")
    assert db.moderation.count_reports(1) == 1  # same reporter counts once
    assert db.chats.rating_counts(2) == (1, 0)
    assert db.moderation.decide_report(report_id, "dismissed", 99) and not db.moderation.decide_report(report_id, "banned", 98)
    assert db.moderation.count_reports(1) == 1  # the other report still stands
    second = db.conn.execute("SELECT id FROM reports WHERE chat_id = ?", (again,)).fetchone()[0]
    db.moderation.decide_report(second, "dismissed", 99)
    assert db.moderation.count_reports(1) == 0


def test_payments_are_recorded_once_and_renewals_extend(db):
    from chatbot.handlers.payments import grant_vip

    db.users.create(1, "female", 30)
    new, until = grant_vip(db.payments, "charge-1", 1, 100, "XTR", "vip:1", 30)
    assert new and db.payments.vip_until(1) == until
    again, same = grant_vip(db.payments, "charge-1", 1, 100, "XTR", "vip:1", 30)
    assert not again and same == until
    _, later = grant_vip(db.payments, "charge-2", 1, 100, "XTR", "vip:1", 30)
    day = (later - until).days
    assert round(day) == 30
    assert db.conn.execute("SELECT COUNT(*) FROM payments WHERE user_id = 1").fetchone()[0] == 2
    with pytest.raises(LookupError):
        grant_vip(db.payments, "charge-3", 404, 100, "XTR", "vip:404", 30)
    assert db.conn.execute("SELECT COUNT(*) FROM payments").fetchone()[0] == 2


def test_vip_expires(db):
    db.users.create(1, "male", 30)
    set_vip(db, 1, 10)
    assert db.payments.vip_until(1)
    with db.conn:
        db.conn.execute("UPDATE users SET vip_until = '2000-01-01 00:00:00'")
    assert db.payments.vip_until(1) is None
    assert db.payments.expire_vips() == 1
    assert db.conn.execute("SELECT is_vip FROM users WHERE user_id = 1").fetchone()[0] == 0
    set_vip(db, 1, 5)
    set_vip(db, 1, 0)
    assert db.payments.vip_until(1) is None


def test_stats(db):
    for uid in (1, 2, 3):
        db.users.create(uid, "male", 25)
    db.moderation.ban_user(3)
    set_vip(db, 2, 30)
    chat = db.chats.start(1, 2)
    db.chats.end(chat)
    db.moderation.add_report(1, chat, "spam")
    assert db.analytics.figures() == Figures(users=3, banned=1, vip=1, chats_today=1, reports_today=1)


def test_subscription_price_defaults_to_the_one_off_price_within_telegrams_limit():
    assert load_config({"BOT_TOKEN": TOKEN, "VIP_PRICE_STARS": "250"}).vip_subscription_stars == 250
    assert load_config({"BOT_TOKEN": TOKEN, "VIP_SUBSCRIPTION_STARS": "80"}).vip_subscription_stars == 80
    with pytest.raises(ConfigError) as error:
        load_config({"BOT_TOKEN": TOKEN, "VIP_PRICE_STARS": "20000"})
    assert error.value.problems == [
        "VIP_SUBSCRIPTION_STARS must be set to at most 10000 (Telegram's limit for a subscription) when VIP_PRICE_STARS is 20000"
    ]
    assert load_config({"BOT_TOKEN": TOKEN, "SEARCH_TIMEOUT_MINUTES": "0.5"}).search_timeout_minutes == 0.5


def test_age_ranges_are_parsed_in_every_usual_spelling():
    for text in ("20-30", "20 30", "20–30", "20 - 30", " 20—30 "):
        assert ValidationHelper.parse_age_range(text) == (20, 30), text
    assert ValidationHelper.parse_age_range("18-100") == (18, 100)
    assert ValidationHelper.parse_age_range("25-25") == (25, 25)
    refused: tuple[tuple[str | None, RangeProblem], ...] = (
        ("30-20", RangeProblem.REVERSED),
        ("17-30", RangeProblem.OUT_OF_BOUNDS),
        ("20-101", RangeProblem.OUT_OF_BOUNDS),
        ("twenty", RangeProblem.NOT_RANGE),
        ("20", RangeProblem.NOT_RANGE),
        ("20-30-40", RangeProblem.NOT_RANGE),
        ("２０-30", RangeProblem.NOT_RANGE),
        ("", RangeProblem.NOT_RANGE),
        (None, RangeProblem.NOT_RANGE),
    )
    for typed, problem in refused:
        assert ValidationHelper.parse_age_range(typed) is problem, typed


if __name__ == "__main__":
    sys.exit(pytest.main([str(Path(__file__)), *sys.argv[1:]]))
