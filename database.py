"""SQLite storage: the connection, the migrations, backups and the deferred commits, and the stores of
each feature's tables it composes (chatbot/storage/: `db.users`, `db.chats`, `db.payments`, ...).

One connection per thread (the bot itself uses one: the asyncio thread), WAL mode, foreign keys
on, every write in a `with conn:` transaction. The schema version lives in `PRAGMA user_version`;
`MIGRATIONS[n]` upgrades version n to n+1, so an existing database is migrated in place.
Timestamps are stored as UTC text 'YYYY-MM-DD HH:MM:SS' (SQLite's CURRENT_TIMESTAMP); the stores
hand them out as aware datetimes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from chatbot.storage.analytics import AnalyticsStore
from chatbot.storage.broadcasts import BroadcastStore
from chatbot.storage.chats import ChatStore
from chatbot.storage.conversations import ConversationStore
from chatbot.storage.invites import InviteStore
from chatbot.storage.journal import JournalStore
from chatbot.storage.matching import MatchingStore
from chatbot.storage.migrations import MIGRATIONS
from chatbot.storage.moderation import ModerationStore
from chatbot.storage.payments import PaymentStore
from chatbot.storage.privacy import PrivacyStore
from chatbot.storage.rematches import RematchStore
from chatbot.storage.reveals import RevealStore
from chatbot.storage.users import UserStore
from chatbot.storage.webhook import WebhookStore

SCHEMA_VERSION = len(MIGRATIONS)
BACKUP_PATTERN = "bot-*.db"
# Relays and finished updates wait this long (seconds) to share one commit: under load a commit per
# relay cost about a seventh of the bot's CPU per message (benchmarks/relay_benchmark.py).
WRITE_DELAY = 0.01
# Pages copied per step of an online backup; between steps the bot's writes go on.
BACKUP_PAGES_PER_STEP = 256


class Database:
    """Thread-local SQLite connections, the migrations, backups and the deferred commits; each
    feature's tables are a store it composes (`db.users`, `db.chats`, ...; chatbot/storage/)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._migrate()
        # Reply-map rows and journal "done" marks waiting for their shared commit (flush_writes).
        self._pending_maps: list[tuple[int, int, int, int, int, bool]] = []
        self._pending_done: list[int] = []
        self._flush_scheduled = False
        # Each feature's tables, over this connection.
        self.users = UserStore(self)
        self.chats = ChatStore(self)
        self.matching = MatchingStore(self)
        self.conversations = ConversationStore(self)
        self.journal = JournalStore(self)
        self.broadcasts = BroadcastStore(self)
        self.analytics = AnalyticsStore(self)
        self.payments = PaymentStore(self)
        # Bans and mutes are read on every update: the store mirrors them in memory.
        self.moderation = ModerationStore(self)
        self.reveals = RevealStore(self)
        self.rematches = RematchStore(self)
        self.invites = InviteStore(self)
        self.privacy = PrivacyStore(self)
        self.webhook = WebhookStore(self)

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

    def delete_user_data(self, user_id: int) -> None:
        """/deleteme: the user's rows (PrivacyStore says which), then what the stores keep of them in memory."""
        self.privacy.delete_user_data(user_id)
        self.moderation.forget_mute(user_id)
        self.users.forget_language(user_id)
        self.conversations.forget(user_id)

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

    def defer_maps(self, rows: list[tuple[int, int, int, int, int, bool]]) -> None:
        """Reply-map rows for the next shared commit (the chats store's map_messages)."""
        self._pending_maps += rows
        self._defer_writes()

    def defer_done(self, update_id: int) -> None:
        """A journal "done" mark for the next shared commit (the journal store's finish)."""
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
                    "INSERT INTO message_map (user_id, message_id, peer_id, peer_message_id, chat_id, sent, sent_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, unixepoch()) ON CONFLICT (user_id, message_id) DO NOTHING",
                    rows,
                )
                self.conn.executemany("UPDATE update_journal SET done = 1, body = '' WHERE update_id = ?", [(u,) for u in done])
        except sqlite3.Error:
            # Kept for the next flush: a full disk or a busy database must not lose what was relayed.
            self._pending_maps[:0] = rows
            self._pending_done[:0] = done
            raise

