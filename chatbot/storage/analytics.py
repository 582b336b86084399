"""What /stats reads: the figures of the moment, daily activity, and the analytics of a period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.storage import Store


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of the moment (today is the UTC day)."""

    users: int
    banned: int
    vip: int
    chats_today: int
    reports_today: int


class AnalyticsStore(Store):
    """Reads across the tables, and writes the activity table."""

    def figures(self) -> Figures:
        """Users, banned, VIP, chats and reports today (UTC day)."""
        row = self.conn.execute(
            "SELECT"
            " (SELECT COUNT(*) FROM users),"
            " (SELECT COUNT(DISTINCT user_id) FROM bans WHERE lifted_at IS NULL"
            "   AND (until IS NULL OR until > CURRENT_TIMESTAMP)),"
            " (SELECT COUNT(*) FROM users WHERE is_vip = 1 AND vip_until > CURRENT_TIMESTAMP),"
            " (SELECT COUNT(*) FROM chat_history WHERE started_at >= date('now')),"
            " (SELECT COUNT(*) FROM ratings WHERE rating_type = 'scam' AND created_at >= date('now'))"
        ).fetchone()
        return Figures(*(int(value) for value in row))

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
            "vip_purchases": "SELECT date(created_at), COUNT(*) FROM payments WHERE created_at >= date('now', ?)"
            " AND kind != 'referral' GROUP BY 1",
            "active_users": "SELECT day, COUNT(*) FROM activity WHERE day >= date('now', ?) GROUP BY day",
            "stars": "SELECT date(created_at), SUM(amount) FROM payments WHERE created_at >= date('now', ?) GROUP BY 1",
        }
        series = {}
        for name, sql in queries.items():
            counts = dict(self.conn.execute(sql, (since,)).fetchall())
            series[name] = [int(counts.get(day, 0)) for day in dates]
        return dates, series

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

    def period(self, days: int) -> dict[str, int]:
        """The last `days` days (UTC, today included): active users, registrations, chats started and
        their median length in seconds, the funnel of those who registered (searched, chatted, bought
        VIP), Stars earned and refunded, users who blocked the bot, users who joined through an invite and
        the invites rewarded."""
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
                (SELECT COUNT(*) FROM new_users n WHERE EXISTS
                    (SELECT 1 FROM payments p WHERE p.user_id = n.user_id AND p.kind != 'referral')),
                (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE created_at >= (SELECT start FROM span)),
                (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE refunded_at >= (SELECT start FROM span)),
                (SELECT COUNT(*) FROM users WHERE blocked_at >= (SELECT start FROM span)),
                (SELECT COUNT(*) FROM referrals WHERE joined_at >= (SELECT start FROM span)),
                (SELECT COUNT(*) FROM referrals WHERE outcome = 'rewarded' AND decided_at >= (SELECT start FROM span))
            """,
            (since,),
        ).fetchone()
        keys = (
            "active", "registered", "chats", "median_chat_seconds", "searched", "chatted", "bought",
            "stars_earned", "stars_refunded", "blocked", "invited", "invite_rewards",
        )  # fmt: skip
        return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}

    def blocked_total(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL").fetchone()[0])
