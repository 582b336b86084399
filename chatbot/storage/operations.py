"""Operator tooling: announcements (broadcasts) and how far each got, who blocked the bot or refuses
announcements, daily activity, and the analytics of /stats."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chatbot.storage import Queries

# Registered, not banned now, not opted out, not known to have blocked the bot.
_RECIPIENTS = """
FROM users u WHERE u.announcements = 1 AND u.blocked_at IS NULL
AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = u.user_id AND b.lifted_at IS NULL
                AND (b.until IS NULL OR b.until > CURRENT_TIMESTAMP))
"""


class OperationsQueries(Queries):
    # Who blocked the bot, and announcements

    def mark_blocked(self, user_id: int, blocked: bool = True) -> None:
        """The user blocked the bot (a 403, or a my_chat_member update), or unblocked it."""
        with self.conn:
            if blocked:
                self.conn.execute(
                    "UPDATE users SET blocked_at = CURRENT_TIMESTAMP WHERE user_id = ? AND blocked_at IS NULL", (user_id,)
                )
            else:
                self.conn.execute("UPDATE users SET blocked_at = NULL WHERE user_id = ?", (user_id,))

    def announcements_on(self, user_id: int) -> bool:
        row = self.conn.execute("SELECT announcements FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return bool(row[0]) if row else True

    def toggle_announcements(self, user_id: int) -> bool:
        """Switch the user's announcements on or off; returns the new setting."""
        with self.conn:
            row = self.conn.execute(
                "UPDATE users SET announcements = 1 - announcements WHERE user_id = ? RETURNING announcements", (user_id,)
            ).fetchone()
        return bool(row[0]) if row else True

    def recipient_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) " + _RECIPIENTS).fetchone()[0])

    def recipients_after(self, user_id: int, limit: int) -> list[int]:
        """The next recipients of an announcement, in user id order."""
        rows = self.conn.execute(
            "SELECT u.user_id " + _RECIPIENTS + " AND u.user_id > ? ORDER BY u.user_id LIMIT ?", (user_id, limit)
        ).fetchall()
        return [row[0] for row in rows]

    def create_broadcast(self, admin_id: int, message_id: int, kind: str, text: str | None, entities: str) -> int:
        """A draft announcement: the admin's message, shown to them before it goes out."""
        with self.conn:
            row = self.conn.execute(
                "INSERT INTO broadcasts (admin_id, message_id, kind, text, entities) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (admin_id, message_id, kind, text, entities),
            ).fetchone()
        return int(row[0])

    def broadcast(self, broadcast_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
        return dict(row) if row else None

    def running_broadcast(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM broadcasts WHERE status = 'running' ORDER BY id LIMIT 1").fetchone()
        return dict(row) if row else None

    def start_broadcast(self, broadcast_id: int, total: int, progress_message_id: int | None) -> bool:
        """A draft starts, unless another announcement is running (one at a time) or it was decided."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE broadcasts SET status = 'running', total = ?, progress_message_id = ?,"
                " started_at = CURRENT_TIMESTAMP WHERE id = ? AND status = 'draft'"
                " AND NOT EXISTS (SELECT 1 FROM broadcasts WHERE status = 'running')",
                (total, progress_message_id, broadcast_id),
            )
        return cur.rowcount == 1

    def cancel_broadcast(self, broadcast_id: int) -> bool:
        with self.conn:
            cur = self.conn.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status = 'draft'", (broadcast_id,))
        return cur.rowcount == 1

    def advance_broadcast(self, broadcast_id: int, cursor: int, sent: int, failed: int, blocked: int) -> None:
        """Record how far an announcement got. Committed before the send to `cursor`: after a crash the
        announcement goes on after it, so nobody gets it twice."""
        with self.conn:
            self.conn.execute(
                "UPDATE broadcasts SET cursor = ?, sent = ?, failed = ?, blocked = ? WHERE id = ?",
                (cursor, sent, failed, blocked, broadcast_id),
            )

    def finish_broadcast(self, broadcast_id: int, status: str, sent: int, failed: int, blocked: int) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE broadcasts SET status = ?, sent = ?, failed = ?, blocked = ?, finished_at = CURRENT_TIMESTAMP"
                " WHERE id = ? AND status = 'running'",
                (status, sent, failed, blocked, broadcast_id),
            )

    def stop_broadcast(self, broadcast_id: int) -> bool:
        """Ask a running announcement to stop (its loop sees it before the next send)."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE broadcasts SET status = 'stopped', finished_at = CURRENT_TIMESTAMP WHERE id = ? AND status = 'running'",
                (broadcast_id,),
            )
        return cur.rowcount == 1

    # Activity

    def record_activity(self, day: str, active: Iterable[int], searched: Iterable[int]) -> None:
        """Users who sent anything on `day` (UTC), and who searched: flushed from memory every minute."""
        with self.conn:
            self.conn.executemany(
                "INSERT INTO activity (day, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [(day, u) for u in active]
            )
            self.conn.executemany(
                "INSERT INTO activity (day, user_id, searched) VALUES (?, ?, 1)"
                " ON CONFLICT (day, user_id) DO UPDATE SET searched = 1",
                [(day, u) for u in searched],
            )

    # Analytics

    def analytics(self, days: int) -> dict[str, int]:
        """The last `days` days (UTC, today included): active users, registrations, chats started and
        their median length in seconds, the funnel of those who registered (searched, chatted, bought
        VIP), Stars earned and refunded, and users who blocked the bot."""
        since = f"-{int(days) - 1} days"
        row = self.conn.execute(
            """
            WITH span(start) AS (SELECT date('now', ?)),
            new_users AS (SELECT user_id FROM users WHERE created_at >= (SELECT start FROM span)),
            lengths AS (
                SELECT CAST(strftime('%s', ended_at) - strftime('%s', started_at) AS INTEGER) AS seconds
                FROM chat_history WHERE started_at >= (SELECT start FROM span) AND ended_at IS NOT NULL
            )
            SELECT
                (SELECT COUNT(DISTINCT user_id) FROM activity WHERE day >= (SELECT start FROM span)),
                (SELECT COUNT(*) FROM new_users),
                (SELECT COUNT(*) FROM chat_history WHERE started_at >= (SELECT start FROM span)),
                (SELECT seconds FROM lengths ORDER BY seconds LIMIT 1 OFFSET (SELECT COUNT(*) FROM lengths) / 2),
                (SELECT COUNT(*) FROM new_users n WHERE EXISTS
                    (SELECT 1 FROM activity a WHERE a.user_id = n.user_id AND a.searched = 1)),
                (SELECT COUNT(*) FROM new_users n WHERE
                    EXISTS (SELECT 1 FROM chat_history h WHERE h.user1_id = n.user_id)
                    OR EXISTS (SELECT 1 FROM chat_history h WHERE h.user2_id = n.user_id)),
                (SELECT COUNT(*) FROM new_users n WHERE EXISTS (SELECT 1 FROM payments p WHERE p.user_id = n.user_id)),
                (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE created_at >= (SELECT start FROM span)),
                (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE refunded_at >= (SELECT start FROM span)),
                (SELECT COUNT(*) FROM users WHERE blocked_at >= (SELECT start FROM span))
            """,
            (since,),
        ).fetchone()
        keys = (
            "active", "registered", "chats", "median_chat_seconds", "searched", "chatted", "bought",
            "stars_earned", "stars_refunded", "blocked",
        )  # fmt: skip
        return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}

    def blocked_total(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL").fetchone()[0])
