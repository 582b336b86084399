"""The rules of moderation (core/moderation.py), without Telegram, a database or an event loop."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chatbot.core import moderation
from chatbot.core.moderation import (
    AppealAction,
    AppealStart,
    AuditAction,
    BanOrder,
    ReportAction,
    auto_ban_due,
    ban,
    decide_appeal,
    decide_report,
    mute_after_strike,
    start_appeal,
)
from chatbot.storage.privacy import STRIKES_KEPT

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_an_admins_ban_is_permanent_unless_given_a_length():
    assert ban(7, NOW) == BanOrder(None, AuditAction.BAN)
    assert ban(7, NOW, timedelta(hours=2)) == BanOrder(NOW + timedelta(hours=2), AuditAction.TEMP_BAN)


def test_a_ban_without_an_admin_is_the_automatic_one():
    assert ban(None, NOW) == BanOrder(None, AuditAction.AUTO_BAN)
    assert ban(None, NOW).until is None


def test_reporters_ban_automatically_at_the_threshold_unless_banned_already():
    assert not auto_ban_due(2, 3, banned=False)
    assert auto_ban_due(3, 3, banned=False) and auto_ban_due(4, 3, banned=False)
    assert not auto_ban_due(3, 3, banned=True)


def test_a_report_card_bans_for_good_for_24_hours_or_dismisses():
    banned = decide_report(ReportAction.BAN, 7, NOW)
    assert banned.status == "banned" and banned.ban == BanOrder(None, AuditAction.BAN)
    suspended = decide_report(ReportAction.SUSPEND, 7, NOW)
    assert suspended.status == "suspended"
    assert suspended.ban == BanOrder(NOW + timedelta(hours=24), AuditAction.TEMP_BAN)
    dismissed = decide_report(ReportAction.DISMISS, 7, NOW)
    assert dismissed.status == "dismissed" and dismissed.ban is None and not dismissed.purge
    purged = decide_report(ReportAction.PURGE, 7, NOW)
    assert (purged.status, purged.ban, purged.purge) == ("banned", BanOrder(None, AuditAction.BAN), True)


def test_the_card_buttons_are_the_actions():
    assert [a.value for a in ReportAction] == ["ban", "purge", "suspend", "dismiss"]
    assert [a.value for a in AppealAction] == ["unban", "reject"]


def test_one_appeal_per_ban():
    assert start_appeal(banned=False, appealed=False) is AppealStart.NOT_BANNED
    assert start_appeal(banned=False, appealed=True) is AppealStart.NOT_BANNED
    assert start_appeal(banned=True, appealed=False) is AppealStart.ASK
    assert start_appeal(banned=True, appealed=True) is AppealStart.ALREADY


def test_an_appeal_is_accepted_with_an_unban_or_rejected():
    accepted = decide_appeal(AppealAction.UNBAN)
    assert (accepted.status, accepted.unban, accepted.action) == ("accepted", True, AuditAction.APPEAL_ACCEPTED)
    rejected = decide_appeal(AppealAction.REJECT)
    assert (rejected.status, rejected.unban, rejected.action) == ("rejected", False, AuditAction.APPEAL_REJECTED)


def test_three_strikes_within_ten_minutes_mute_for_a_minute():
    assert mute_after_strike([NOW], [], NOW) is None
    assert mute_after_strike([NOW - minutes(1), NOW], [], NOW) is None
    assert mute_after_strike([NOW - minutes(9), NOW - minutes(1), NOW], [], NOW) == NOW + minutes(1)
    assert mute_after_strike([NOW - minutes(10), NOW - minutes(1), NOW], [], NOW) == NOW + minutes(1)


def test_strikes_older_than_ten_minutes_do_not_count():
    assert mute_after_strike([NOW - minutes(11), NOW - minutes(1), NOW], [], NOW) is None


def test_each_further_mute_within_a_week_lasts_longer_up_to_three_days():
    strikes = [NOW, NOW, NOW]
    lengths = []
    for earlier in range(9):
        mutes = [NOW - timedelta(hours=1)] * earlier
        until = mute_after_strike(strikes, mutes, NOW)
        assert until is not None
        lengths.append((until - NOW) / minutes(1))
    assert lengths == [1, 5, 25, 120, 720, 3600, 4320, 4320, 4320]
    assert max(lengths) == 3 * 24 * 60


def test_mutes_older_than_a_week_are_forgotten():
    strikes = [NOW, NOW, NOW]
    week_old = [NOW - timedelta(days=7)] * 3
    assert mute_after_strike(strikes, week_old, NOW) == NOW + minutes(1)
    recent = [NOW - timedelta(days=6, hours=23)]
    assert mute_after_strike(strikes, week_old + recent, NOW) == NOW + minutes(5)


def test_storage_keeps_strikes_and_mutes_as_long_as_the_ladder_looks_back():
    assert STRIKES_KEPT == moderation.STRIKE_MEMORY == timedelta(days=7)


def test_only_the_press_that_decided_a_card_carries_the_decision_out_again():
    assert moderation.resumes(decided_by=41, update_id=41)  # the journal brought it again after a crash
    assert not moderation.resumes(decided_by=41, update_id=42)  # another press, even the same admin's
    assert not moderation.resumes(decided_by=None, update_id=42)  # decided before presses were noted
