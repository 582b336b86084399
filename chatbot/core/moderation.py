"""The rules of moderation: bans and their end, deciding a report or an appeal, strikes and the mute ladder.

Pure and synchronous over plain values; times are aware datetimes (UTC). Handlers load what a rule
needs, call it, store what it returns, then render the outcome with texts (README.md, "Moderation").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

# A "⏳ Ban 24 h" on a report card.
SUSPENSION = timedelta(hours=24)
# Filter strikes within this window that mute; strikes and mutes are forgotten after a week.
STRIKES_TO_MUTE = 3
STRIKE_WINDOW = timedelta(minutes=10)
STRIKE_MEMORY = timedelta(days=7)
# Mute lengths in minutes, the n-th mute within a week taking the n-th: 1 min, 5 min, 25 min, 2 h,
# 12 h, then five times longer, never over 3 days.
MUTE_LADDER = (1, 5, 25, 120, 720, 3600, 4320)


class AuditAction(str, Enum):
    """What the audit log calls each moderation action (its stored `action`)."""

    BAN = "ban"
    TEMP_BAN = "temp_ban"
    AUTO_BAN = "auto_ban"
    UNBAN = "unban"
    DISMISS = "dismiss"
    APPEAL_ACCEPTED = "appeal_accepted"
    APPEAL_REJECTED = "appeal_rejected"
    PURGE = "purge"  # a banned user's messages deleted from their partners' chats


@dataclass(frozen=True, slots=True)
class BanOrder:
    """A ban to apply: its end (None: permanent) and how the audit log names it."""

    until: datetime | None
    action: AuditAction


def ban(admin_id: int | None, now: datetime, length: timedelta | None = None) -> BanOrder:
    """A ban by an admin (for `length`, or for good) or, without an admin, the automatic one."""
    until = now + length if length is not None else None
    if until is not None:
        return BanOrder(until, AuditAction.TEMP_BAN)
    return BanOrder(None, AuditAction.BAN if admin_id is not None else AuditAction.AUTO_BAN)


def auto_ban_due(reporters: int, threshold: int, banned: bool) -> bool:
    """Whether this many distinct reporters (dismissed reports not counted) ban a user not banned yet."""
    return reporters >= threshold and not banned


class ReportAction(str, Enum):
    """The buttons of a report card."""

    BAN = "ban"
    PURGE = "purge"  # 🧹 Ban and delete
    SUSPEND = "suspend"
    DISMISS = "dismiss"


@dataclass(frozen=True, slots=True)
class ReportDecision:
    """What an admin's press on a report card does: the report's new status and the ban, if any."""

    status: str  # banned, suspended or dismissed
    ban: BanOrder | None  # None: dismissed, nobody is banned
    purge: bool = False  # also delete the banned user's messages from their partners' chats


def decide_report(action: ReportAction, admin_id: int, now: datetime) -> ReportDecision:
    """⛔ Ban bans for good, 🧹 Ban and delete too and purges, ⏳ Ban 24 h for SUSPENSION, ✅ Dismiss
    bans nobody."""
    if action is ReportAction.BAN:
        return ReportDecision("banned", ban(admin_id, now))
    if action is ReportAction.PURGE:
        return ReportDecision("banned", ban(admin_id, now), purge=True)
    if action is ReportAction.SUSPEND:
        return ReportDecision("suspended", ban(admin_id, now, SUSPENSION))
    return ReportDecision("dismissed", None)


def resumes(decided_by: int | None, update_id: int) -> bool:
    """Whether a press that finds its card decided made that decision itself: a crash cut it short and
    the journal brought it again. It carries out the rest (the deletions, telling the user); any
    other press reads "already handled"."""
    return decided_by == update_id


class AppealStart(Enum):
    """What /appeal does: ask for the appeal, or say why there is nothing to appeal."""

    ASK = "ask"
    NOT_BANNED = "not_banned"
    ALREADY = "already"  # one appeal per ban


def start_appeal(banned: bool, appealed: bool) -> AppealStart:
    """A banned user may appeal each ban once."""
    if not banned:
        return AppealStart.NOT_BANNED
    return AppealStart.ALREADY if appealed else AppealStart.ASK


class AppealAction(str, Enum):
    """The buttons of an appeal card."""

    UNBAN = "unban"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class AppealDecision:
    """What an admin's press on an appeal card does."""

    status: str  # accepted or rejected
    unban: bool
    action: AuditAction


def decide_appeal(action: AppealAction) -> AppealDecision:
    """✅ Unban accepts the appeal and lifts the ban; ❌ Reject keeps it."""
    if action is AppealAction.UNBAN:
        return AppealDecision("accepted", True, AuditAction.APPEAL_ACCEPTED)
    return AppealDecision("rejected", False, AuditAction.APPEAL_REJECTED)


def mute_after_strike(strikes: Iterable[datetime], mutes: Iterable[datetime], now: datetime) -> datetime | None:
    """The end of the mute a strike at `now` starts, or None.

    `strikes`: when the user's unspent strikes came (this one included; a mute spends them);
    `mutes`: when their earlier mutes started. STRIKES_TO_MUTE strikes within STRIKE_WINDOW mute;
    the n-th mute within STRIKE_MEMORY lasts the n-th step of MUTE_LADDER, the last step at most.
    """
    if sum(1 for moment in strikes if moment >= now - STRIKE_WINDOW) < STRIKES_TO_MUTE:
        return None
    earlier = sum(1 for moment in mutes if moment > now - STRIKE_MEMORY)
    return now + timedelta(minutes=MUTE_LADDER[min(earlier, len(MUTE_LADDER) - 1)])

