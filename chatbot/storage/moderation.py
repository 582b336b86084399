"""Moderation's tables: bans (with an end), reports and their cards, appeals, the audit log, filter
strikes and mutes (core/moderation.py decides; this stores).

Bans live in `bans` (the source of truth, kept after /deleteme); `users.is_banned` mirrors the
active ban for the profile. Active bans and mutes are read on every update and written only by this
process, so the store mirrors them in memory (loaded when it is built).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from chatbot.storage import Connected, Store, parse_utc, utc_text

REPORT_REASONS = ("sexual", "insults", "spam", "underage", "other")

# The fields of an audit entry's detail, stored as JSON so that /audit renders them in each reader's
# language. Rows written before were English text; these patterns read their fields back, per action.
AUDIT_FIELDS = {"reason", "until", "report_id", "stars", "charge_id", "deleted"}
_OLD_AUDIT_DETAIL = {
    "temp_ban": re.compile(r"⏳ (?P<until>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC ?(?P<reason>.*)", re.DOTALL),
    "dismiss": re.compile(r"report #(?P<report_id>\d+)"),
    "refund": re.compile(r"(?P<stars>\d+) XTR (?P<charge_id>\S+)"),
}
_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _utc(text: str | None) -> datetime | None:
    """A stored time, or None for NULL."""
    return parse_utc(text) if text is not None else None


def _kept(moment: datetime) -> datetime:
    """A moment as the database keeps it (to the second), so the mirror equals what a restart reads."""
    return moment.astimezone(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Ban:
    """A ban not lifted (a temporary one may be past its end until it is lifted)."""

    id: int
    reason: str | None
    until: datetime | None  # None: permanent
    banned_at: datetime
    notified: bool  # the user has been sent the ban notice (a press replayed after a crash sends none)


@dataclass(frozen=True, slots=True)
class Appeal:
    """Who appealed, the update (a press on its card) that decided it, and whether they were told."""

    user_id: int
    decided_update: int | None
    told: bool


@dataclass(frozen=True, slots=True)
class Report:
    """A report with its chat's figures."""

    id: int
    reporter_id: int
    target_id: int
    chat_id: int
    reason: str
    status: str  # open, banned, suspended or dismissed
    decided_update: int | None  # the update (a press on its card) that decided it
    started_at: datetime
    ended_at: datetime | None
    target_messages: int  # messages the reported user sent in that chat
    reporter_messages: int


@dataclass(frozen=True, slots=True)
class StrikeHistory:
    """What the mute ladder counts: when the user's unspent strikes came and their mutes started."""

    strikes: tuple[datetime, ...]
    mutes: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action, its detail read back into fields."""

    created_at: datetime
    admin_id: int | None  # None: the bot itself (an automatic ban)
    action: str  # ban, temp_ban, auto_ban, unban, dismiss, appeal_accepted, appeal_rejected, refund
    target_id: int | None
    reason: str = ""  # free text, shown as written (so is an old detail no pattern reads)
    until: datetime | None = None  # a temporary ban's end
    report_id: int | None = None  # the report dismissed
    stars: int | None = None  # a refund's amount
    charge_id: str = ""  # the payment refunded
    deleted: int | None = None  # a purge's count of messages deleted


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
        parse_utc(row["created_at"]),
        row["admin_id"],
        row["action"],
        row["target_id"],
        reason=str(fields.get("reason") or ""),
        until=parse_utc(until) if _UTC_TEXT.fullmatch(until) else None,
        report_id=_whole(fields.get("report_id")),
        stars=_whole(fields.get("stars")),
        charge_id=str(fields.get("charge_id") or ""),
        deleted=_whole(fields.get("deleted")),
    )


def _whole(value: object) -> int | None:
    """A stored whole number (an int, or digits from an old row's text); None if absent."""
    return int(str(value)) if str(value).isdecimal() else None


class ModerationStore(Store):
    """Bans, reports, cards, appeals, the audit log, strikes and mutes (`db.moderation`)."""

    def __init__(self, db: Connected) -> None:
        super().__init__(db)
        self._banned = {
            row[1]: Ban(row[0], row[2], _utc(row[3]), parse_utc(row[4]), row[5] is not None)
            for row in self.conn.execute(
                "SELECT id, user_id, reason, until, created_at, notified_at FROM bans WHERE lifted_at IS NULL"
            )
        }
        self._muted = {
            row[0]: parse_utc(row[1])
            for row in self.conn.execute(
                "SELECT user_id, MAX(until) FROM mutes WHERE until > CURRENT_TIMESTAMP GROUP BY user_id"
            )
        }

    # Bans

    def is_banned(self, user_id: int) -> bool:
        """Banned now (a temporary ban past its end no longer counts, even before it is lifted)."""
        ban = self._banned.get(user_id)
        return ban is not None and (ban.until is None or ban.until > datetime.now(timezone.utc))

    def active_ban(self, user_id: int) -> Ban | None:
        """The ban in force on the user, if any."""
        return self._banned.get(user_id) if self.is_banned(user_id) else None

    def ban_user(
        self, user_id: int, reason: str | None = None, admin_id: int | None = None, until: datetime | None = None
    ) -> bool:
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
            ban_id, banned_at = self.conn.execute(
                "INSERT INTO bans (user_id, reason, admin_id, until) VALUES (?, ?, ?, ?) RETURNING id, created_at",
                (user_id, reason, admin_id, utc_text(until) if until is not None else None),
            ).fetchone()
            self.conn.execute("DELETE FROM search_queue WHERE user_id = ?", (user_id,))
        self._banned[user_id] = Ban(ban_id, reason, _kept(until) if until is not None else None, parse_utc(banned_at), False)
        return True

    def ban_notified(self, user_id: int, ban_id: int) -> None:
        """The user has been sent the notice of this ban (by id: another may have replaced it meanwhile)."""
        with self.conn:
            self.conn.execute("UPDATE bans SET notified_at = CURRENT_TIMESTAMP WHERE id = ?", (ban_id,))
        ban = self._banned.get(user_id)
        if ban is not None and ban.id == ban_id:
            self._banned[user_id] = replace(ban, notified=True)

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
        now = datetime.now(timezone.utc)
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

    def report(self, report_id: int) -> Report | None:
        """A report with its chat's figures: when it started and ended, and messages sent by each side."""
        self._db.flush_writes()
        row = self.conn.execute(
            "SELECT r.id, r.reporter_id, r.target_id, r.chat_id, r.reason, r.status, r.decided_update, h.started_at, h.ended_at,"
            " (SELECT COUNT(*) FROM message_map m WHERE m.chat_id = r.chat_id AND m.user_id = r.target_id AND m.sent = 1),"
            " (SELECT COUNT(*) FROM message_map m WHERE m.chat_id = r.chat_id AND m.user_id = r.reporter_id AND m.sent = 1)"
            " FROM reports r JOIN chat_history h ON h.id = r.chat_id WHERE r.id = ?",
            (report_id,),
        ).fetchone()
        if row is None:
            return None
        started_at, ended_at = parse_utc(row[7]), _utc(row[8])
        return Report(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], started_at, ended_at, int(row[9]), int(row[10])
        )

    def evidence(self, chat_id: int, user_id: int, limit: int = 5) -> list[int]:
        """Ids (in the user's own chat) of the last messages the user sent in that chat, oldest first."""
        self._db.flush_writes()
        rows = self.conn.execute(
            "SELECT message_id FROM message_map WHERE chat_id = ? AND user_id = ? AND sent = 1"
            " ORDER BY message_id DESC LIMIT ?",
            (chat_id, user_id, limit),
        ).fetchall()
        return sorted(row[0] for row in rows)

    def decide_report(self, report_id: int, status: str, admin_id: int, update_id: int | None = None) -> bool:
        """Close an open report ('banned', 'suspended' or 'dismissed') by the press `update_id`; False if
        it was handled already."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE reports SET status = ?, handled_by = ?, handled_at = CURRENT_TIMESTAMP, decided_update = ?"
                " WHERE id = ? AND status = 'open'",
                (status, admin_id, update_id, report_id),
            )
        return cur.rowcount == 1

    # Admin cards (report and appeal messages, one per admin)

    def add_card(self, kind: str, item_id: int, admin_id: int, message_id: int) -> None:
        """Remember one admin's copy of a card, to edit it once the card is decided."""
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

    def decide_appeal(self, appeal_id: int, status: str, admin_id: int, update_id: int | None = None) -> int | None:
        """Accept or reject an open appeal by the press `update_id`; the appellant's id, or None if it
        was handled already."""
        with self.conn:
            row = self.conn.execute(
                "UPDATE appeals SET status = ?, handled_by = ?, handled_at = CURRENT_TIMESTAMP, decided_update = ?"
                " WHERE id = ? AND status = 'open' RETURNING user_id",
                (status, admin_id, update_id, appeal_id),
            ).fetchone()
        return int(row[0]) if row else None

    def appeal(self, appeal_id: int) -> Appeal | None:
        """An appeal, as a press on its card replayed after a crash needs it; None if there is none."""
        row = self.conn.execute(
            "SELECT user_id, decided_update, told_at FROM appeals WHERE id = ?", (appeal_id,)
        ).fetchone()
        return Appeal(int(row[0]), row[1], row[2] is not None) if row else None

    def appeal_told(self, appeal_id: int) -> None:
        """The appellant has been sent the decision on the appeal."""
        with self.conn:
            self.conn.execute("UPDATE appeals SET told_at = CURRENT_TIMESTAMP WHERE id = ?", (appeal_id,))

    # The audit log

    def audit(
        self,
        admin_id: int | None,
        action: str,
        target_id: int | None,
        *,
        reason: str = "",
        until: datetime | None = None,
        report_id: int | None = None,
        stars: int | None = None,
        charge_id: str = "",
        deleted: int | None = None,
    ) -> None:
        """Record an admin action; what it named is kept as fields (JSON), not as text in one language."""
        fields = {
            "reason": reason,
            "until": utc_text(until) if until is not None else "",
            "report_id": report_id,
            "stars": stars,
            "charge_id": charge_id,
            "deleted": deleted,
        }
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

    # Filter strikes and mutes (core.moderation's ladder decides when and how long)

    def muted_until(self, user_id: int) -> datetime | None:
        """When the user's mute ends, if they are muted now."""
        until = self._muted.get(user_id)
        return until if until is not None and until > datetime.now(timezone.utc) else None

    def add_strike(self, user_id: int, now: datetime, strikes_since: datetime, mutes_since: datetime) -> StrikeHistory:
        """Count a message the filter refused at `now`; returns the unspent strikes since `strikes_since`
        (this one included) and the mutes started since `mutes_since`."""
        with self.conn:
            self.conn.execute("INSERT INTO strikes (user_id, created_at) VALUES (?, ?)", (user_id, utc_text(now)))
            strikes = self.conn.execute(
                "SELECT created_at FROM strikes WHERE user_id = ? AND created_at >= ?", (user_id, utc_text(strikes_since))
            ).fetchall()
            mutes = self.conn.execute(
                "SELECT started_at FROM mutes WHERE user_id = ? AND started_at > ?", (user_id, utc_text(mutes_since))
            ).fetchall()
        return StrikeHistory(tuple(parse_utc(r[0]) for r in strikes), tuple(parse_utc(r[0]) for r in mutes))

    def mute(self, user_id: int, now: datetime, until: datetime) -> datetime:
        """Mute the user from `now` until `until`, spending their strikes; returns the end as stored."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO mutes (user_id, started_at, until) VALUES (?, ?, ?)", (user_id, utc_text(now), utc_text(until))
            )
            # The strikes that led to a mute are spent: the next mute needs three new ones.
            self.conn.execute("DELETE FROM strikes WHERE user_id = ?", (user_id,))
        self._muted[user_id] = _kept(until)
        return self._muted[user_id]

    def forget_mute(self, user_id: int) -> None:
        """Drop the mirrored mute of a user whose rows were deleted (/deleteme)."""
        self._muted.pop(user_id, None)
