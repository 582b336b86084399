"""Announcements (/broadcast): the draft, who gets it, and how far it got (committed before each send,
so a restart goes on after the last recipient)."""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.storage import Store

# Registered, not banned now, not opted out, not known to have blocked the bot.
_RECIPIENTS = """
FROM users u WHERE u.announcements = 1 AND u.blocked_at IS NULL
AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = u.user_id AND b.lifted_at IS NULL
                AND (b.until IS NULL OR b.until > CURRENT_TIMESTAMP))
"""


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An announcement and how far it got."""

    id: int
    admin_id: int
    message_id: int  # the admin's message, copied to each recipient
    kind: str
    text: str | None
    entities: str  # JSON of its text's entities
    status: str  # draft, running, done, stopped, canceled
    total: int
    cursor: int  # the last recipient's user id
    sent: int
    failed: int
    blocked: int
    progress_message_id: int | None


_BROADCAST = (
    "SELECT id, admin_id, message_id, kind, text, entities, status, total, cursor, sent, failed, blocked,"
    " progress_message_id FROM broadcasts"
)


class BroadcastStore(Store):
    """The broadcasts table and the announcements' recipients."""

    def recipient_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) " + _RECIPIENTS).fetchone()[0])

    def recipients_after(self, user_id: int, limit: int) -> list[int]:
        """The next recipients of an announcement, in user id order."""
        rows = self.conn.execute(
            "SELECT u.user_id " + _RECIPIENTS + " AND u.user_id > ? ORDER BY u.user_id LIMIT ?", (user_id, limit)
        ).fetchall()
        return [row[0] for row in rows]

    def create(self, admin_id: int, message_id: int, kind: str, text: str | None, entities: str) -> int:
        """A draft announcement: the admin's message, shown to them before it goes out."""
        with self.conn:
            row = self.conn.execute(
                "INSERT INTO broadcasts (admin_id, message_id, kind, text, entities) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (admin_id, message_id, kind, text, entities),
            ).fetchone()
        return int(row[0])

    def get(self, broadcast_id: int) -> Broadcast | None:
        row = self.conn.execute(_BROADCAST + " WHERE id = ?", (broadcast_id,)).fetchone()
        return Broadcast(*row) if row else None

    def running(self) -> Broadcast | None:
        row = self.conn.execute(_BROADCAST + " WHERE status = 'running' ORDER BY id LIMIT 1").fetchone()
        return Broadcast(*row) if row else None

    def start(self, broadcast_id: int, total: int, progress_message_id: int | None) -> bool:
        """A draft starts, unless another announcement is running (one at a time) or it was decided."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE broadcasts SET status = 'running', total = ?, progress_message_id = ?,"
                " started_at = CURRENT_TIMESTAMP WHERE id = ? AND status = 'draft'"
                " AND NOT EXISTS (SELECT 1 FROM broadcasts WHERE status = 'running')",
                (total, progress_message_id, broadcast_id),
            )
        return cur.rowcount == 1

    def cancel(self, broadcast_id: int) -> bool:
        with self.conn:
            cur = self.conn.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status = 'draft'", (broadcast_id,))
        return cur.rowcount == 1

    def advance(self, broadcast_id: int, cursor: int, sent: int, failed: int, blocked: int) -> None:
        """Record how far an announcement got. Committed before the send to `cursor`: after a crash the
        announcement goes on after it, so nobody gets it twice."""
        with self.conn:
            self.conn.execute(
                "UPDATE broadcasts SET cursor = ?, sent = ?, failed = ?, blocked = ? WHERE id = ?",
                (cursor, sent, failed, blocked, broadcast_id),
            )

    def finish(self, broadcast_id: int, status: str, sent: int, failed: int, blocked: int) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE broadcasts SET status = ?, sent = ?, failed = ?, blocked = ?, finished_at = CURRENT_TIMESTAMP"
                " WHERE id = ? AND status = 'running'",
                (status, sent, failed, blocked, broadcast_id),
            )

    def stop(self, broadcast_id: int) -> bool:
        """Ask a running announcement to stop (its loop sees it before the next send)."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE broadcasts SET status = 'stopped', finished_at = CURRENT_TIMESTAMP WHERE id = ? AND status = 'running'",
                (broadcast_id,),
            )
        return cur.rowcount == 1
