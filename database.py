"""SQLite storage: users, ratings, chat history, payments and the durable copy of the search queue.

One connection per thread (the bot itself uses one: the asyncio thread), WAL mode, foreign keys
on, every write in a `with conn:` transaction. The schema version lives in `PRAGMA user_version`;
`MIGRATIONS[n]` upgrades version n to n+1, so an existing database is migrated in place.
Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS' (SQLite's CURRENT_TIMESTAMP), so they compare as text.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chatbot.storage import parse_utc
from chatbot.storage.migrations import MIGRATIONS
from utils import LruCache
from chatbot.storage.matching import MatchingQueries
from chatbot.storage.moderation import ModerationQueries
from chatbot.storage.operations import OperationsQueries
from chatbot.storage.payments import PaymentStore

# 👍 and 👎; a ⛔ ('scam' in ratings) is stored with its reason by add_report.
RATING_TYPES = ("good", "bad")
# After a 👎 (or a ⛔) the two never meet again.
BLOCKING_RATINGS = ("bad",)

# A journaled update is replayed after a crash at most this many times (a poison update must not
# crash the bot forever).
MAX_REPLAYS = 2
# Finished updates are remembered (id only) this far behind the newest batch: Telegram sends again at
# most the last unconfirmed batch (100 updates), and only those need recognising.
JOURNAL_DEDUPE_WINDOW = 1000
SCHEMA_VERSION = len(MIGRATIONS)
BACKUP_PATTERN = "bot-*.db"
# Relays and finished updates wait this long (seconds) to share one commit: under load a commit per
# relay cost about a seventh of the bot's CPU per message (benchmarks/relay_benchmark.py).
WRITE_DELAY = 0.01
# Registered users whose language is kept in memory (the most recently active; the rest are read).
LANGUAGE_CACHE_SIZE = 10_000
# Pages copied per step of an online backup; between steps the bot's writes go on.
BACKUP_PAGES_PER_STEP = 256


@dataclass(frozen=True, slots=True)
class RatingResult:
    """What `add_rating` did: status is 'ok', 'duplicate' or 'invalid'."""

    status: str
    target_id: int | None = None


class Database(MatchingQueries, ModerationQueries, OperationsQueries):
    """Thread-local SQLite connections and the bot's queries (the features' own in storage/)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._migrate()
        self.payments = PaymentStore(self.get_connection)
        # Read on every update, written rarely, and only by this process: kept in memory as well.
        self._load_moderation()
        # Every text looks the reader's language up: the active users' are kept at hand.
        self._languages: LruCache[int, str] = LruCache(LANGUAGE_CACHE_SIZE)
        self._conversations: dict[tuple[int, str], tuple[str, str]] = {
            (row[0], row[1]): (row[2], row[3]) for row in self.conn.execute("SELECT user_id, flow, step, data FROM conversations")
        }
        # Reply-map rows and journal "done" marks waiting for their shared commit (flush_writes).
        self._pending_maps: list[tuple[int, int, int, int, int, bool]] = []
        self._pending_done: list[int] = []
        self._flush_scheduled = False

    def get_connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, detect_types=0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # WAL makes NORMAL durable against process crashes (kill -9); only power loss can
            # drop the last transactions.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self.get_connection()

    def close(self) -> None:
        """Commit what waits, and close this thread's connection (the bot calls it at shutdown)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self.flush_writes()
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"database {self.path} has schema version {version}, newer than this bot's {SCHEMA_VERSION}"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits first; BEGIN makes each migration all-or-nothing.
            conn.executescript(f"BEGIN; {MIGRATIONS[target - 1]}; PRAGMA user_version = {target}; COMMIT;")

    # Users

    def create_user(self, user_id: int, gender: str, age: int, language: str = "en") -> bool:
        """Register a user and end their registration flow; False if they already exist."""
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO users (user_id, gender, age, language) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
                (user_id, gender, age, language),
            )
            self.conn.execute("DELETE FROM conversations WHERE user_id = ? AND flow = 'registration'", (user_id,))
        self._conversations.pop((user_id, "registration"), None)
        if cur.rowcount == 1:
            self._languages.put(user_id, language)
        return cur.rowcount == 1

    def language(self, user_id: int) -> str | None:
        """The language a registered user reads; None for someone not registered."""
        language = self._languages.get(user_id)
        if language is None:
            row = self.conn.execute("SELECT language FROM users WHERE user_id = ?", (user_id,)).fetchone()
            if row is None:
                return None
            language = str(row[0])
            self._languages.put(user_id, language)
        return language

    def set_language(self, user_id: int, language: str) -> bool:
        """Store a registered user's language; False if they are not registered."""
        with self.conn:
            cur = self.conn.execute("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))
        if cur.rowcount == 1:
            self._languages.put(user_id, language)
        return cur.rowcount == 1

    def get_user(self, user_id: int) -> dict[str, Any] | None:
        """The user's row as a dict, or None."""
        row = self.conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return dict(row) if row else None

    # Chats and the queue

    def start_chat(self, user1_id: int, user2_id: int) -> int:
        """Open a chat_history row and take both users out of the queue; returns the chat id."""
        with self.conn:
            cur = self.conn.execute("INSERT INTO chat_history (user1_id, user2_id) VALUES (?, ?)", (user1_id, user2_id))
            self.conn.execute("DELETE FROM search_queue WHERE user_id IN (?, ?)", (user1_id, user2_id))
        return int(cur.lastrowid or 0)

    def end_chat(self, chat_id: int) -> None:
        """Close the chat. Its message map stays REPORT_EVIDENCE_HOURS for reports (housekeeping deletes it)."""
        with self.conn:
            self.conn.execute(
                "UPDATE chat_history SET ended_at = CURRENT_TIMESTAMP WHERE id = ? AND ended_at IS NULL", (chat_id,)
            )

    def map_messages(self, chat_id: int, user_id: int, peer_id: int, pairs: list[tuple[int, int]]) -> None:
        """Remember (message, copy) pairs of a relay, both ways, so replies and edits find their copy.

        Deferred to `flush_writes`, with the journal's "done" marks (finish_update): everything
        finished within WRITE_DELAY shares one commit.
        """
        # `sent` marks the sender's own message (report evidence); the other row is the partner's copy.
        self._pending_maps += [(user_id, m, peer_id, c, chat_id, True) for m, c in pairs]
        self._pending_maps += [(peer_id, c, user_id, m, chat_id, False) for m, c in pairs]
        self._defer_writes()

    def peer_message(self, user_id: int, message_id: int, chat_id: int) -> int | None:
        """The id, in the partner's chat, of the counterpart of this message of the user's chat `chat_id`
        (maps of ended chats are kept a while, and must never reach a later partner)."""
        self.flush_writes()
        row = self.conn.execute(
            "SELECT peer_message_id FROM message_map WHERE user_id = ? AND message_id = ? AND chat_id = ?",
            (user_id, message_id, chat_id),
        ).fetchone()
        return row[0] if row else None

    def open_chats(self) -> list[tuple[int, int, int]]:
        """(chat id, user1, user2) of every chat not ended: the durable copy of active_chats."""
        rows = self.conn.execute(
            "SELECT id, user1_id, user2_id FROM chat_history WHERE ended_at IS NULL ORDER BY id"
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def enqueue(self, user_id: int) -> datetime:
        """Queue the user (once); returns when they started waiting."""
        with self.conn:
            self.conn.execute("INSERT INTO search_queue (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING", (user_id,))
            row = self.conn.execute("SELECT joined_at FROM search_queue WHERE user_id = ?", (user_id,)).fetchone()
        return parse_utc(str(row[0]))

    def dequeue(self, user_id: int) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM search_queue WHERE user_id = ?", (user_id,))

    def queued_users(self) -> list[int]:
        """Waiting users, longest-waiting first."""
        rows = self.conn.execute("SELECT user_id FROM search_queue ORDER BY joined_at, rowid").fetchall()
        return [r[0] for r in rows]

    def chats_count(self, user_id: int) -> int:
        row = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM chat_history WHERE user1_id = ?)"
            " + (SELECT COUNT(*) FROM chat_history WHERE user2_id = ?)",
            (user_id, user_id),
        ).fetchone()
        return int(row[0])

    # Ratings

    def rating_status(self, rater_id: int, chat_id: int) -> str:
        """Whether the rater may rate this chat now: 'ok', 'duplicate' (rated already) or 'invalid'."""
        chat = self.conn.execute(
            "SELECT user1_id, user2_id FROM chat_history WHERE id = ? AND ended_at IS NOT NULL", (chat_id,)
        ).fetchone()
        if chat is None or rater_id not in (chat[0], chat[1]):
            return "invalid"
        rated = self.conn.execute("SELECT 1 FROM ratings WHERE rater_id = ? AND chat_id = ?", (rater_id, chat_id)).fetchone()
        return "duplicate" if rated else "ok"

    def add_rating(self, rater_id: int, chat_id: int, rating_type: str) -> RatingResult:
        """Rate the partner of a finished chat, once per rater and chat."""
        if rating_type not in RATING_TYPES:
            return RatingResult("invalid")
        with self.conn:
            chat = self.conn.execute(
                "SELECT user1_id, user2_id FROM chat_history WHERE id = ? AND ended_at IS NOT NULL", (chat_id,)
            ).fetchone()
            if chat is None or rater_id not in (chat[0], chat[1]):
                return RatingResult("invalid")
            target_id = chat[1] if rater_id == chat[0] else chat[0]
            cur = self.conn.execute(
                "INSERT INTO ratings (rater_id, target_id, rating_type, chat_id) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (rater_id, chat_id) DO NOTHING",
                (rater_id, target_id, rating_type, chat_id),
            )
            if cur.rowcount == 0:
                return RatingResult("duplicate", target_id)
            if rating_type in BLOCKING_RATINGS:
                self.conn.execute(
                    "INSERT INTO blocks (user_id, blocked_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (rater_id, target_id)
                )
        return RatingResult("ok", target_id)

    def rating_counts(self, user_id: int) -> tuple[int, int]:
        """(👍, 👎) received."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(rating_type = 'good'), 0), COALESCE(SUM(rating_type = 'bad'), 0)"
            " FROM ratings WHERE target_id = ?",
            (user_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    # Admin figures

    def stats(self) -> dict[str, int]:
        """users, banned, vip, chats_today and reports_today (UTC day)."""
        row = self.conn.execute(
            "SELECT"
            " (SELECT COUNT(*) FROM users),"
            " (SELECT COUNT(DISTINCT user_id) FROM bans WHERE lifted_at IS NULL"
            "   AND (until IS NULL OR until > CURRENT_TIMESTAMP)),"
            " (SELECT COUNT(*) FROM users WHERE is_vip = 1 AND vip_until > CURRENT_TIMESTAMP),"
            " (SELECT COUNT(*) FROM chat_history WHERE started_at >= date('now')),"
            " (SELECT COUNT(*) FROM ratings WHERE rating_type = 'scam' AND created_at >= date('now'))"
        ).fetchone()
        keys = ("users", "banned", "vip", "chats_today", "reports_today")
        return {key: int(value) for key, value in zip(keys, row, strict=True)}

    def daily_activity(self, days: int = 30) -> tuple[list[str], dict[str, list[int]]]:
        """The last `days` UTC dates and, per date, new_users, chats_started, reports, vip_purchases,
        active_users and stars (paid that day; refunds not deducted)."""
        since = f"-{int(days) - 1} days"
        dates = [
            r[0]
            for r in self.conn.execute(
                "WITH RECURSIVE d(day) AS (SELECT date('now', ?) UNION ALL"
                " SELECT date(day, '+1 day') FROM d WHERE day < date('now')) SELECT day FROM d",
                (since,),
            )
        ]
        queries = {
            "new_users": "SELECT date(created_at), COUNT(*) FROM users WHERE created_at >= date('now', ?) GROUP BY 1",
            "chats_started": "SELECT date(started_at), COUNT(*) FROM chat_history"
            " WHERE started_at >= date('now', ?) GROUP BY 1",
            "reports": "SELECT date(created_at), COUNT(*) FROM ratings"
            " WHERE rating_type = 'scam' AND created_at >= date('now', ?) GROUP BY 1",
            "vip_purchases": "SELECT date(created_at), COUNT(*) FROM payments WHERE created_at >= date('now', ?) GROUP BY 1",
            "active_users": "SELECT day, COUNT(*) FROM activity WHERE day >= date('now', ?) GROUP BY day",
            "stars": "SELECT date(created_at), SUM(amount) FROM payments WHERE created_at >= date('now', ?) GROUP BY 1",
        }
        series = {}
        for name, sql in queries.items():
            counts = dict(self.conn.execute(sql, (since,)).fetchall())
            series[name] = [int(counts.get(day, 0)) for day in dates]
        return dates, series

    # Conversations (flows.py declares the flows and their steps)

    def conversation_step(self, user_id: int, flow: str) -> tuple[str, str] | None:
        """(step, data) of the user in this flow, or None if they are not in it."""
        return self._conversations.get((user_id, flow))

    def set_conversation_step(self, user_id: int, flow: str, step: str, data: str = "") -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO conversations (user_id, flow, step, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, flow) DO UPDATE SET step = excluded.step, data = excluded.data",
                (user_id, flow, step, data),
            )
        self._conversations[(user_id, flow)] = (step, data)

    def end_conversation(self, user_id: int, flow: str) -> bool:
        """Take the user out of the flow; True if they were in it."""
        with self.conn:
            cur = self.conn.execute("DELETE FROM conversations WHERE user_id = ? AND flow = ?", (user_id, flow))
        self._conversations.pop((user_id, flow), None)
        return cur.rowcount == 1

    # Backups

    def backup(self, directory: str, keep: int) -> Path:
        """Copy the live database into `directory` with SQLite's online backup API; keep the newest `keep`.

        Uses a connection of its own, so it may run in a worker thread while the bot writes.
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"bot-{stamp}.db"
        partial = target.with_suffix(".db.partial")
        source = sqlite3.connect(self.path, timeout=30)
        destination = sqlite3.connect(partial)
        try:
            with destination:
                source.backup(destination, pages=BACKUP_PAGES_PER_STEP)
        finally:
            destination.close()
            source.close()
        # A backup appears under its final name only when complete.
        partial.replace(target)
        for old in sorted(folder.glob(BACKUP_PATTERN))[:-keep]:
            old.unlink()
        return target

    @staticmethod
    def check_backup(path: str) -> str | None:
        """Why the file cannot be restored (not SQLite, damaged, from a newer bot), or None."""
        if not Path(path).is_file():
            return f"{path} does not exist"
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                result = conn.execute("PRAGMA integrity_check").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return f"{path} is not a readable SQLite database: {exc}"
        if result != "ok":
            return f"{path} is damaged: {result}"
        if version > SCHEMA_VERSION or "users" not in tables:
            return f"{path} is not a backup of this bot (schema version {version})"
        return None

    @staticmethod
    def restore(backup_path: str, database_path: str) -> None:
        """Replace the database at `database_path` with a backup (the bot must be stopped).

        The copy is built beside the database and then swapped in, so a damaged database file is
        replaced too; its write-ahead log is removed, or SQLite would replay it onto the backup.
        """
        problem = Database.check_backup(backup_path)
        if problem:
            raise ValueError(problem)
        target = Path(database_path)
        fresh = target.with_name(target.name + ".restoring")
        fresh.unlink(missing_ok=True)
        source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
        destination = sqlite3.connect(fresh)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        with contextlib.closing(sqlite3.connect(fresh)) as conn, conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'update_journal'").fetchone():
                # Updates journaled in the backup were all handled after it was taken: never replay them.
                conn.execute("DELETE FROM update_journal")
        for suffix in ("-wal", "-shm"):
            Path(f"{database_path}{suffix}").unlink(missing_ok=True)
        fresh.replace(target)

    # The update journal

    def journal_updates(self, updates: list[tuple[int, str]]) -> set[int]:
        """Record fetched updates (id, JSON); returns the ids already journaled (delivered again)."""
        if not updates:
            return set()
        ids = [update_id for update_id, _ in updates]
        with self.conn:
            seen = {
                row[0]
                for row in self.conn.execute(
                    f"SELECT update_id FROM update_journal WHERE update_id IN ({','.join('?' * len(ids))})", ids
                )
            }
            self.conn.executemany(
                "INSERT INTO update_journal (update_id, body) VALUES (?, ?) ON CONFLICT (update_id) DO NOTHING",
                [(update_id, body) for update_id, body in updates if update_id not in seen],
            )
            self.conn.execute(
                "DELETE FROM update_journal WHERE done = 1 AND update_id < ?", (min(ids) - JOURNAL_DEDUPE_WINDOW,)
            )
        return seen

    def finish_update(self, update_id: int) -> None:
        """The update's handlers are done: keep only its id, to recognise it if Telegram sends it again
        (deferred to `flush_writes`)."""
        self._pending_done.append(update_id)
        self._defer_writes()

    def _defer_writes(self) -> None:
        """Have `flush_writes` run WRITE_DELAY from now (at once outside an event loop: scripts, tests)."""
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush_writes()
            return
        self._flush_scheduled = True
        loop.call_later(WRITE_DELAY, self.flush_writes)

    def flush_writes(self) -> None:
        """Commit the deferred reply maps and "done" marks in one transaction.

        Whoever reads these tables flushes first, so a reply right after a relay finds its copy. A
        `kill -9` within WRITE_DELAY of a relay replays its update, as it does one killed mid-send
        (at least once; tests/test_e2e_conversation.py); a SIGTERM flushes at shutdown (close).
        Runs on the event loop's thread only, as do the writes it collects.
        """
        self._flush_scheduled = False
        rows, self._pending_maps = self._pending_maps, []
        done, self._pending_done = self._pending_done, []
        if not rows and not done:
            return
        try:
            with self.conn:
                self.conn.executemany(
                    "INSERT INTO message_map (user_id, message_id, peer_id, peer_message_id, chat_id, sent)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, message_id) DO NOTHING",
                    rows,
                )
                self.conn.executemany("UPDATE update_journal SET done = 1, body = '' WHERE update_id = ?", [(u,) for u in done])
        except sqlite3.Error:
            # Kept for the next flush: a full disk or a busy database must not lose what was relayed.
            self._pending_maps[:0] = rows
            self._pending_done[:0] = done
            raise

    def updates_to_replay(self) -> list[str]:
        """Bodies of updates fetched but never finished (a crash), oldest first; counts the replay."""
        self.flush_writes()
        with self.conn:
            rows = self.conn.execute(
                "SELECT update_id, body, replays FROM update_journal WHERE done = 0 ORDER BY update_id"
            ).fetchall()
            self.conn.execute(
                "UPDATE update_journal SET replays = replays + 1, done = (replays + 1 >= ?) WHERE done = 0",
                (MAX_REPLAYS,),
            )
        return [body for _, body, replays in rows if replays < MAX_REPLAYS]

    def prune_journal(self) -> int:
        """Forget finished updates older than a day (also those left behind when Telegram restarts its
        update ids, which it does after a week without updates)."""
        with self.conn:
            cur = self.conn.execute(
                "DELETE FROM update_journal WHERE done = 1 AND received_at < datetime('now', '-1 day')"
            )
        return cur.rowcount
