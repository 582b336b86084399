"""The update journal: every fetched update is written down before it is handled and marked done
after, so a `kill -9` loses none (telegram_io/updates.py replays what a crash left unfinished)."""

from __future__ import annotations

from chatbot.storage import Deferring, Store

# A journaled update is replayed after a crash at most this many times (a poison update must not
# crash the bot forever).
MAX_REPLAYS = 2
# Finished updates are remembered (id only) this long, to recognise one Telegram sends again: by
# polling, the last unconfirmed batch, at once; by webhook, an update whose 200 did not reach
# Telegram, after a back-off, while the updates of other chats go on.
JOURNAL_DEDUPE_SECONDS = 600


class JournalStore(Store):
    """The update_journal table."""

    def __init__(self, db: Deferring) -> None:
        super().__init__(db)
        self._writer = db

    def record(self, updates: list[tuple[int, str]]) -> set[int]:
        """Record fetched updates (id, JSON); returns the ids already journaled (delivered again),
        including an id the batch itself holds twice (a webhook's redelivery in the same turn)."""
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
            new: dict[int, str] = {}
            for update_id, body in updates:
                if update_id in seen or update_id in new:
                    seen.add(update_id)
                else:
                    new[update_id] = body
            self.conn.executemany("INSERT INTO update_journal (update_id, body) VALUES (?, ?)", new.items())
            if seen:
                # Telegram is still sending it: remember it JOURNAL_DEDUPE_SECONDS from now.
                self.conn.executemany(
                    "UPDATE update_journal SET received_at = CURRENT_TIMESTAMP WHERE update_id = ?", [(i,) for i in seen]
                )
            # idx_update_journal_received: each batch deletes only what expired since the one before.
            self.conn.execute(
                "DELETE FROM update_journal WHERE received_at < datetime('now', ?) AND done = 1",
                (f"-{JOURNAL_DEDUPE_SECONDS} seconds",),
            )
        return seen

    def finish(self, update_id: int) -> None:
        """The update's handlers are done: keep only its id, to recognise it if Telegram sends it again
        (deferred to `flush_writes`)."""
        self._writer.defer_done(update_id)

    def to_replay(self) -> list[str]:
        """Bodies of updates fetched but never finished (a crash), oldest first; counts the replay."""
        self._db.flush_writes()
        with self.conn:
            rows = self.conn.execute(
                "SELECT update_id, body, replays FROM update_journal WHERE done = 0 ORDER BY update_id"
            ).fetchall()
            self.conn.execute(
                "UPDATE update_journal SET replays = replays + 1, done = (replays + 1 >= ?) WHERE done = 0",
                (MAX_REPLAYS,),
            )
        return [body for _, body, replays in rows if replays < MAX_REPLAYS]

    def prune(self) -> int:
        """Forget finished updates older than a day (also those left behind when Telegram restarts its
        update ids, which it does after a week without updates)."""
        with self.conn:
            cur = self.conn.execute(
                "DELETE FROM update_journal WHERE done = 1 AND received_at < datetime('now', '-1 day')"
            )
        return cur.rowcount
