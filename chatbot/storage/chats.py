"""Chats: who talked to whom and when (chat_history), the queue's durable copy, the reply map that
links each message to its copy, and the ratings given after a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.storage import Deferring, Store, parse_utc

# 👍 and 👎; a ⛔ ('scam' in ratings) is stored with its reason by the moderation store's add_report.
RATING_TYPES = ("good", "bad")
# After a 👎 (or a ⛔) the two never meet again.
BLOCKING_RATINGS = ("bad",)


@dataclass(frozen=True, slots=True)
class RatingResult:
    """What `add_rating` did: status is 'ok', 'duplicate' or 'invalid'."""

    status: str
    target_id: int | None = None


@dataclass(frozen=True, slots=True)
class MappedMessage:
    """A reply-map row: a message of a user's chat and its counterpart in the partner's."""

    peer_id: int
    peer_message_id: int
    chat_id: int
    sent: bool  # the user's own message (else the bot's copy of the partner's)
    sent_at: int | None  # Unix time it was relayed (None for rows older than the column)


class ChatStore(Store):
    """chat_history, search_queue, message_map and ratings."""

    def __init__(self, db: Deferring) -> None:
        super().__init__(db)
        self._writer = db

    def start(self, user1_id: int, user2_id: int) -> int:
        """Open a chat_history row and take both users out of the queue; returns the chat id."""
        with self.conn:
            cur = self.conn.execute("INSERT INTO chat_history (user1_id, user2_id) VALUES (?, ?)", (user1_id, user2_id))
            self.conn.execute("DELETE FROM search_queue WHERE user_id IN (?, ?)", (user1_id, user2_id))
        return int(cur.lastrowid or 0)

    def end(self, chat_id: int) -> None:
        """Close the chat. Its message map stays REPORT_EVIDENCE_HOURS for reports (housekeeping deletes it)."""
        with self.conn:
            self.conn.execute(
                "UPDATE chat_history SET ended_at = CURRENT_TIMESTAMP WHERE id = ? AND ended_at IS NULL", (chat_id,)
            )

    def open_chats(self) -> list[tuple[int, int, int]]:
        """(chat id, user1, user2) of every chat not ended: the durable copy of active_chats."""
        rows = self.conn.execute(
            "SELECT id, user1_id, user2_id FROM chat_history WHERE ended_at IS NULL ORDER BY id"
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def map_messages(self, chat_id: int, user_id: int, peer_id: int, pairs: list[tuple[int, int]]) -> None:
        """Remember (message, copy) pairs of a relay, both ways, so replies and edits find their copy.

        Deferred to the Database's `flush_writes`, with the journal's "done" marks: everything
        finished within WRITE_DELAY shares one commit.
        """
        # `sent` marks the sender's own message (report evidence); the other row is the partner's copy.
        rows = [(user_id, m, peer_id, c, chat_id, True) for m, c in pairs]
        self._writer.defer_maps(rows + [(peer_id, c, user_id, m, chat_id, False) for m, c in pairs])

    def peer_message(self, user_id: int, message_id: int, chat_id: int) -> int | None:
        """The id, in the partner's chat, of the counterpart of this message of the user's chat `chat_id`
        (maps of ended chats are kept a while, and must never reach a later partner)."""
        self._db.flush_writes()
        row = self.conn.execute(
            "SELECT peer_message_id FROM message_map WHERE user_id = ? AND message_id = ? AND chat_id = ?",
            (user_id, message_id, chat_id),
        ).fetchone()
        return row[0] if row else None

    def mapped(self, user_id: int, message_id: int) -> MappedMessage | None:
        """What the reply map knows of a message in the user's chat: its counterpart, its chat, whether
        the user sent it (else it is the bot's copy of the partner's), and when it was relayed."""
        self._db.flush_writes()
        row = self.conn.execute(
            "SELECT peer_id, peer_message_id, chat_id, sent, sent_at FROM message_map WHERE user_id = ? AND message_id = ?",
            (user_id, message_id),
        ).fetchone()
        return MappedMessage(row[0], row[1], row[2], bool(row[3]), row[4]) if row else None

    def forget_message(self, user_id: int, message_id: int) -> None:
        """Drop a deleted message and its counterpart from the reply map."""
        with self.conn:
            row = self.conn.execute(
                "DELETE FROM message_map WHERE user_id = ? AND message_id = ? RETURNING peer_id, peer_message_id",
                (user_id, message_id),
            ).fetchone()
            if row:
                self.conn.execute("DELETE FROM message_map WHERE user_id = ? AND message_id = ?", (row[0], row[1]))

    def copies_of(self, sender_id: int, since: int) -> dict[int, list[int]]:
        """Every copy of the sender's messages relayed since `since` (Unix time) that the reply map
        still knows: partner -> their copies' message ids, oldest first."""
        self._db.flush_writes()
        rows = self.conn.execute(
            "SELECT user_id, message_id FROM message_map WHERE peer_id = ? AND sent = 0 AND sent_at >= ?"
            " ORDER BY user_id, message_id",
            (sender_id, since),
        ).fetchall()
        copies: dict[int, list[int]] = {}
        for holder, message_id in rows:
            copies.setdefault(holder, []).append(message_id)
        return copies

    def sent_counts(self, chat_id: int) -> dict[int, int]:
        """How many messages each side of the chat sent (an album's items one by one), from the reply map."""
        self._db.flush_writes()
        rows = self.conn.execute(
            "SELECT user_id, COUNT(*) FROM message_map WHERE chat_id = ? AND sent = 1 GROUP BY user_id", (chat_id,)
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def chat(self, chat_id: int) -> tuple[int, int, datetime | None] | None:
        """(user1, user2, when it ended or None while open) of a chat, or None if there is no such chat."""
        row = self.conn.execute(
            "SELECT user1_id, user2_id, ended_at FROM chat_history WHERE id = ?", (chat_id,)
        ).fetchone()
        return (row[0], row[1], parse_utc(row[2]) if row[2] else None) if row else None

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

    def count_for(self, user_id: int) -> int:
        row = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM chat_history WHERE user1_id = ?)"
            " + (SELECT COUNT(*) FROM chat_history WHERE user2_id = ?)",
            (user_id, user_id),
        ).fetchone()
        return int(row[0])

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
        """(👍, 👎) received; a ⛔ counts as a 👎."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(rating_type = 'good'), 0), COALESCE(SUM(rating_type != 'good'), 0)"
            " FROM ratings WHERE target_id = ?",
            (user_id,),
        ).fetchone()
        return int(row[0]), int(row[1])
