"""Moderation and privacy: bans (with an end), reports and their cards, appeals, the audit log,
filter strikes and mutes, a user's data deletion, and retention.

Bans live in `bans` (the source of truth, kept after /deleteme); `users.is_banned` mirrors the
active ban for the profile. The bot mirrors active bans and mutes in memory (`Database.__init__`),
as it is the only process that writes them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from chatbot.storage import Queries, parse_utc, utc_text
from chatbot.storage.conversations import ConversationStore
from chatbot.storage.users import UserStore

REPORT_REASONS = ("sexual", "insults", "spam", "underage", "other")
# Filter strikes within this window that mute; strikes and mutes are forgotten after a week.
STRIKES_TO_MUTE = 3
STRIKE_WINDOW = timedelta(minutes=10)
STRIKE_MEMORY = timedelta(days=7)
# Mute lengths in minutes, the n-th mute within a week taking the n-th: 1 min, 5 min, 25 min, 2 h,
# 12 h, then five times longer, never over 3 days.
MUTE_LADDER = (1, 5, 25, 120, 720, 3600, 4320)

# The fields of an audit entry's detail, stored as JSON so that /audit renders them in each reader's
# language. Rows written before were English text; these patterns read their fields back, per action.
AUDIT_FIELDS = {"reason", "until", "report_id", "stars", "charge_id"}
_OLD_AUDIT_DETAIL = {
    "temp_ban": re.compile(r"⏳ (?P<until>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC ?(?P<reason>.*)", re.DOTALL),
    "dismiss": re.compile(r"report #(?P<report_id>\d+)"),
    "refund": re.compile(r"(?P<stars>\d+) XTR (?P<charge_id>\S+)"),
}
_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@dataclass(frozen=True, slots=True)
class Ban:
    id: int
    reason: str | None
    until: str | None  # None: permanent


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action, its detail read back into fields."""

    created_at: str
    admin_id: int | None  # None: the bot itself (an automatic ban)
    action: str  # ban, temp_ban, auto_ban, unban, dismiss, appeal_accepted, appeal_rejected, refund
    target_id: int | None
    reason: str = ""  # free text, shown as written (so is an old detail no pattern reads)
    until: str = ""  # a temporary ban's end
    report_id: int | None = None  # the report dismissed
    stars: int | None = None  # a refund's amount
    charge_id: str = ""  # the payment refunded


def audit_entry(row: sqlite3.Row) -> AuditEntry:
    """An audit_log row as an entry: its detail is JSON, or an older row's text."""
    detail: str = row["detail"]
    fields: dict[str, Any] = {"reason": detail}
    try:
        stored = json.loads(detail) if detail.startswith("{") else None
    except ValueError:
        stored = None
    old = _OLD_AUDIT_DETAIL.get(row["action"])
    if isinstance(stored, dict) and set(stored) <= AUDIT_FIELDS:
        fields = stored
    elif old and (match := old.fullmatch(detail)):
        fields = match.groupdict()
    until = str(fields.get("until") or "")
    return AuditEntry(
        row["created_at"],
        row["admin_id"],
        row["action"],
        row["target_id"],
        reason=str(fields.get("reason") or ""),
        until=until if _UTC_TEXT.fullmatch(until) else "",
        report_id=_whole(fields.get("report_id")),
        stars=_whole(fields.get("stars")),
        charge_id=str(fields.get("charge_id") or ""),
    )


def _whole(value: object) -> int | None:
    """A stored whole number (an int, or digits from an old row's text); None if absent."""
    return int(str(value)) if str(value).isdecimal() else None


class ModerationQueries(Queries):
    _banned: dict[int, Ban]
    _muted: dict[int, str]
    users: UserStore
    conversations: ConversationStore

    def _load_moderation(self) -> None:
        self._banned = {
            row[1]: Ban(row[0], row[2], row[3])
            for row in self.conn.execute("SELECT id, user_id, reason, until FROM bans WHERE lifted_at IS NULL")
        }
        self._muted = {
            row[0]: row[1]
            for row in self.conn.execute(
                "SELECT user_id, MAX(until) FROM mutes WHERE until > CURRENT_TIMESTAMP GROUP BY user_id"
            )
        }

    # Bans

    def banned_at(self, user_id: int) -> str:
        """When the user's current ban began (UTC text), or empty."""
        row = self.conn.execute("SELECT banned_at FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return str(row[0]) if row and row[0] else ""

    def is_banned(self, user_id: int) -> bool:
        """Banned now (a temporary ban past its end no longer counts, even before it is lifted)."""
        ban = self._banned.get(user_id)
        return ban is not None and (ban.until is None or ban.until > utc_text())

    def active_ban(self, user_id: int) -> Ban | None:
        return self._banned.get(user_id) if self.is_banned(user_id) else None

    def ban_user(self, user_id: int, reason: str | None = None, admin_id: int | None = None, until: str | None = None) -> bool:
        """Ban a registered user (replacing a ban they have) and take them out of the queue; False if unknown."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE users SET is_banned = 1, ban_reason = ?, banned_at = CURRENT_TIMESTAMP WHERE user_id = ?",
                (reason, user_id),
            )
            if cur.rowcount == 0:
                return False
            self.conn.execute(
                "UPDATE bans SET lifted_at = CURRENT_TIMESTAMP, lifted_by = ? WHERE user_id = ? AND lifted_at IS NULL",
                (admin_id, user_id),
            )
            ban_id = self.conn.execute(
                "INSERT INTO bans (user_id, reason, admin_id, until) VALUES (?, ?, ?, ?) RETURNING id",
                (user_id, reason, admin_id, until),
            ).fetchone()[0]
            self.conn.execute("DELETE FROM search_queue WHERE user_id = ?", (user_id,))
        self._banned[user_id] = Ban(ban_id, reason, until)
        return True

    def unban_user(self, user_id: int, admin_id: int | None = None) -> bool:
        """Lift the user's ban; False if they have none."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE bans SET lifted_at = CURRENT_TIMESTAMP, lifted_by = ? WHERE user_id = ? AND lifted_at IS NULL",
                (admin_id, user_id),
            )
            self.conn.execute(
                "UPDATE users SET is_banned = 0, ban_reason = NULL, banned_at = NULL WHERE user_id = ?", (user_id,)
            )
        self._banned.pop(user_id, None)
        return cur.rowcount > 0

    def lift_ended_bans(self) -> list[int]:
        """Lift temporary bans whose end has come; returns whose."""
        now = utc_text()
        ended = [user_id for user_id, ban in self._banned.items() if ban.until is not None and ban.until <= now]
        for user_id in ended:
            self.unban_user(user_id)
        return ended

    # Reports

    def add_report(self, reporter_id: int, chat_id: int, reason: str) -> tuple[str, int | None]:
        """A ⛔ with its reason: the scam rating, the report and the block, once per reporter and chat.

        Returns (status, report id): 'ok', 'duplicate' (this chat was rated already) or 'invalid'.
        """
        if reason not in REPORT_REASONS:
            return "invalid", None
        with self.conn:
            chat = self.conn.execute(
                "SELECT user1_id, user2_id FROM chat_history WHERE id = ? AND ended_at IS NOT NULL", (chat_id,)
            ).fetchone()
            if chat is None or reporter_id not in (chat[0], chat[1]):
                return "invalid", None
            target_id = chat[1] if reporter_id == chat[0] else chat[0]
            cur = self.conn.execute(
                "INSERT INTO ratings (rater_id, target_id, rating_type, chat_id) VALUES (?, ?, 'scam', ?)"
                " ON CONFLICT (rater_id, chat_id) DO NOTHING",
                (reporter_id, target_id, chat_id),
            )
            if cur.rowcount == 0:
                return "duplicate", None
            self.conn.execute(
                "INSERT INTO blocks (user_id, blocked_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (reporter_id, target_id)
            )
            report_id = self.conn.execute(
                "INSERT INTO reports (reporter_id, target_id, chat_id, reason) VALUES (?, ?, ?, ?) RETURNING id",
                (reporter_id, target_id, chat_id, reason),
            ).fetchone()[0]
        return "ok", int(report_id)

    def count_reports(self, target_id: int) -> int:
        """How many distinct users reported the target (dismissed reports do not count)."""
        row = self.conn.execute(
            "SELECT COUNT(DISTINCT reporter_id) FROM reports WHERE target_id = ? AND status != 'dismissed'", (target_id,)
        ).fetchone()
        return int(row[0])

    def report(self, report_id: int) -> dict[str, Any] | None:
        """A report with its chat's figures: started_at, ended_at, and messages sent by each side."""
        self.flush_writes()
        row = self.conn.execute(
            "SELECT r.*, h.started_at, h.ended_at,"
            " (SELECT COUNT(*) FROM message_map m WHERE m.chat_id = r.chat_id AND m.user_id = r.target_id AND m.sent = 1)"
            "   AS target_messages,"
            " (SELECT COUNT(*) FROM message_map m WHERE m.chat_id = r.chat_id AND m.user_id = r.reporter_id"
            "   AND m.sent = 1) AS reporter_messages"
            " FROM reports r JOIN chat_history h ON h.id = r.chat_id WHERE r.id = ?",
            (report_id,),
        ).fetchone()
        return dict(row) if row else None

    def evidence(self, chat_id: int, user_id: int, limit: int = 5) -> list[int]:
        """Ids (in the user's own chat) of the last messages the user sent in that chat, oldest first."""
        self.flush_writes()
        rows = self.conn.execute(
            "SELECT message_id FROM message_map WHERE chat_id = ? AND user_id = ? AND sent = 1"
            " ORDER BY message_id DESC LIMIT ?",
            (chat_id, user_id, limit),
        ).fetchall()
        return sorted(row[0] for row in rows)

    def decide_report(self, report_id: int, status: str, admin_id: int) -> bool:
        """Close an open report ('banned', 'suspended' or 'dismissed'); False if it was handled already."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE reports SET status = ?, handled_by = ?, handled_at = CURRENT_TIMESTAMP WHERE id = ? AND status = 'open'",
                (status, admin_id, report_id),
            )
        return cur.rowcount == 1

    # Admin cards (report and appeal messages, one per admin)

    def add_card(self, kind: str, item_id: int, admin_id: int, message_id: int) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO cards (kind, item_id, admin_id, message_id) VALUES (?, ?, ?, ?)",
                (kind, item_id, admin_id, message_id),
            )

    def cards(self, kind: str, item_id: int) -> list[tuple[int, int]]:
        """(admin id, message id) of every copy of a card."""
        rows = self.conn.execute(
            "SELECT admin_id, message_id FROM cards WHERE kind = ? AND item_id = ?", (kind, item_id)
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    # Appeals

    def open_appeal(self, user_id: int) -> int | None:
        """Start the appeal of the user's active ban; None if that ban was appealed already (or none)."""
        ban = self.active_ban(user_id)
        if ban is None:
            return None
        with self.conn:
            row = self.conn.execute(
                "INSERT INTO appeals (ban_id, user_id) VALUES (?, ?) ON CONFLICT (ban_id) DO NOTHING RETURNING id",
                (ban.id, user_id),
            ).fetchone()
        return int(row[0]) if row else None

    def appealed(self, user_id: int) -> bool:
        """Whether the user's active ban has been appealed."""
        ban = self.active_ban(user_id)
        return ban is not None and self.conn.execute("SELECT 1 FROM appeals WHERE ban_id = ?", (ban.id,)).fetchone() is not None

    def decide_appeal(self, appeal_id: int, status: str, admin_id: int) -> int | None:
        """Accept or reject an open appeal; the appellant's id, or None if it was handled already."""
        with self.conn:
            row = self.conn.execute(
                "UPDATE appeals SET status = ?, handled_by = ?, handled_at = CURRENT_TIMESTAMP"
                " WHERE id = ? AND status = 'open' RETURNING user_id",
                (status, admin_id, appeal_id),
            ).fetchone()
        return int(row[0]) if row else None

    # The audit log

    def audit(
        self,
        admin_id: int | None,
        action: str,
        target_id: int | None,
        *,
        reason: str = "",
        until: str = "",
        report_id: int | None = None,
        stars: int | None = None,
        charge_id: str = "",
    ) -> None:
        """Record an admin action; what it named is kept as fields (JSON), not as text in one language."""
        fields = {"reason": reason, "until": until, "report_id": report_id, "stars": stars, "charge_id": charge_id}
        kept = {name: value for name, value in fields.items() if value not in (None, "")}
        with self.conn:
            self.conn.execute(
                "INSERT INTO audit_log (admin_id, action, target_id, detail) VALUES (?, ?, ?, ?)",
                (admin_id, action, target_id, json.dumps(kept, ensure_ascii=False) if kept else ""),
            )

    def audit_entries(self, limit: int) -> list[AuditEntry]:
        """The newest entries, newest first."""
        rows = self.conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [audit_entry(row) for row in rows]

    # Filter strikes and mutes

    def muted_until(self, user_id: int) -> str | None:
        """When the user's mute ends, if they are muted now."""
        until = self._muted.get(user_id)
        return until if until is not None and until > utc_text() else None

    def add_strike(self, user_id: int) -> str | None:
        """Count a message the filter refused; returns the end of the mute it starts, if it starts one."""
        now = datetime.now(timezone.utc)
        with self.conn:
            self.conn.execute("INSERT INTO strikes (user_id, created_at) VALUES (?, ?)", (user_id, utc_text(now)))
            strikes = self.conn.execute(
                "SELECT COUNT(*) FROM strikes WHERE user_id = ? AND created_at >= ?", (user_id, utc_text(now - STRIKE_WINDOW))
            ).fetchone()[0]
            if strikes < STRIKES_TO_MUTE:
                return None
            earlier = self.conn.execute(
                "SELECT COUNT(*) FROM mutes WHERE user_id = ? AND started_at > ?", (user_id, utc_text(now - STRIKE_MEMORY))
            ).fetchone()[0]
            minutes = MUTE_LADDER[min(earlier, len(MUTE_LADDER) - 1)]
            until = utc_text(now + timedelta(minutes=minutes))
            self.conn.execute(
                "INSERT INTO mutes (user_id, started_at, until) VALUES (?, ?, ?)", (user_id, utc_text(now), until)
            )
            # The strikes that led to a mute are spent: the next mute needs three new ones.
            self.conn.execute("DELETE FROM strikes WHERE user_id = ?", (user_id,))
        self._muted[user_id] = until
        return until

    # Privacy

    def delete_user_data(self, user_id: int) -> None:
        """/deleteme: the profile, preferences, ratings given and received, chats and their reply maps,
        flows, strikes and the user's unfinished journaled updates. Kept: payments and subscriptions
        (refunds and disputes), bans (deleting must not undo one), blocks (whom they must never meet),
        reports and the audit log (moderation records)."""
        self.flush_writes()
        with self.conn:
            chats = [
                row[0]
                for row in self.conn.execute(
                    "SELECT id FROM chat_history WHERE user1_id = ? UNION SELECT id FROM chat_history WHERE user2_id = ?",
                    (user_id, user_id),
                )
            ]
            for chat_id in chats:
                self.conn.execute("DELETE FROM message_map WHERE chat_id = ?", (chat_id,))
                self.conn.execute("DELETE FROM ratings WHERE chat_id = ?", (chat_id,))
                self.conn.execute("DELETE FROM chat_history WHERE id = ?", (chat_id,))
            for table in ("search_queue", "preferences", "conversations", "strikes", "mutes"):
                self.conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608 (fixed names)
            self.conn.execute(
                "UPDATE update_journal SET done = 1, body = '' WHERE done = 0 AND ? IN ("
                " json_extract(body, '$.message.from.id'), json_extract(body, '$.edited_message.from.id'),"
                " json_extract(body, '$.callback_query.from.id'), json_extract(body, '$.my_chat_member.from.id'))",
                (user_id,),
            )
            self.conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        self._muted.pop(user_id, None)
        self.users.forget_language(user_id)
        self.conversations.forget(user_id)

    def prune_old_chats(self, retention_days: int, evidence_hours: float) -> tuple[int, int]:
        """Forget reply maps of chats ended `evidence_hours` ago, and chats (with their ratings) ended
        `retention_days` ago; also strikes and mutes past a week. Returns (maps, chats) removed."""
        self.flush_writes()
        now = datetime.now(timezone.utc)
        evidence_cutoff = utc_text(now - timedelta(hours=evidence_hours))
        chat_cutoff = utc_text(now - timedelta(days=retention_days))
        memory_cutoff = utc_text(now - STRIKE_MEMORY)
        with self.conn:
            maps = self.conn.execute(
                "DELETE FROM message_map WHERE chat_id IN (SELECT id FROM chat_history WHERE ended_at < ?)",
                (evidence_cutoff,),
            ).rowcount
            old = "SELECT id FROM chat_history WHERE ended_at < ?"
            self.conn.execute(f"DELETE FROM message_map WHERE chat_id IN ({old})", (chat_cutoff,))  # noqa: S608
            self.conn.execute(f"DELETE FROM ratings WHERE chat_id IN ({old})", (chat_cutoff,))  # noqa: S608
            chats = self.conn.execute("DELETE FROM chat_history WHERE ended_at < ?", (chat_cutoff,)).rowcount
            self.conn.execute("DELETE FROM strikes WHERE created_at < ?", (memory_cutoff,))
            self.conn.execute("DELETE FROM mutes WHERE until < ?", (memory_cutoff,))
        return maps, chats


def minutes_left(until: str) -> int:
    """Whole minutes (at least 1) from now until a database time."""
    seconds = (parse_utc(until) - datetime.now(timezone.utc)).total_seconds()
    return max(1, -int(-seconds // 60))
