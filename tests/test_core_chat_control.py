"""The rules of 🔁 Chat again (core.rematch) and of /delete (core.unsend), without Telegram or SQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chatbot.core import rematch
from chatbot.core.rematch import Ask, Reply
from chatbot.core.unsend import Verdict, judge

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=10)


def ask(**changes: object) -> Ask:
    """A press of 🔁 Chat again that would ask, with `changes`."""
    press: dict[str, object] = {
        "ended_at": NOW - timedelta(minutes=3), "now": NOW, "window": WINDOW, "chatting_again": False,
        "allowed": True, "own_request_open": False, "asked_by_other": False,
    }  # fmt: skip
    return rematch.ask(**{**press, **changes})  # type: ignore[arg-type]


def test_a_press_within_the_window_asks_and_a_second_is_on_its_way():
    assert ask() is Ask.ASK
    assert ask(own_request_open=True) is Ask.ON_ITS_WAY
    assert ask(ended_at=NOW - WINDOW) is Ask.ASK  # the window's last instant still counts


def test_when_both_press_the_second_press_accepts_the_first_request():
    assert ask(asked_by_other=True) is Ask.ACCEPT_THEIRS


def test_a_running_chat_or_one_resumed_already_is_no_place_to_ask():
    assert ask(ended_at=None) is Ask.INVALID
    assert ask(chatting_again=True) is Ask.INVALID
    assert ask(chatting_again=True, ended_at=NOW - timedelta(days=1)) is Ask.INVALID


def test_too_late_comes_before_refused_and_refused_before_anything_open():
    assert ask(ended_at=NOW - WINDOW - timedelta(seconds=1)) is Ask.TOO_LATE
    assert ask(ended_at=NOW - timedelta(days=1), allowed=False) is Ask.TOO_LATE
    # A 👎, ⛔ or ban says "refused" even to one whose request is open or who was asked.
    assert ask(allowed=False, own_request_open=True, asked_by_other=True) is Ask.REFUSED


@pytest.mark.parametrize(
    ("blocked", "banned", "may"), [(False, False, True), (True, False, False), (False, True, False), (True, True, False)]
)
def test_a_thumbs_down_a_report_or_a_ban_means_never_again(blocked, banned, may):
    assert rematch.may_meet_again(blocked, banned) is may


def test_a_request_expires_after_the_window():
    assert not rematch.expired(NOW - WINDOW, NOW, WINDOW)
    assert rematch.expired(NOW - WINDOW - timedelta(seconds=1), NOW, WINDOW)


def test_a_reply_accepts_or_declines_only_a_live_request_addressed_to_the_presser():
    live = {"addressed_to_them": True, "is_expired": False, "allowed": True}
    assert rematch.reply(**live, accepts=True) is Reply.ACCEPT
    assert rematch.reply(**live, accepts=False) is Reply.DECLINE
    assert rematch.reply(**{**live, "addressed_to_them": False}, accepts=True) is Reply.INVALID
    assert rematch.reply(**{**live, "is_expired": True}, accepts=True) is Reply.INVALID
    # Blocked since the request: refused, whichever button.
    assert rematch.reply(**{**live, "allowed": False}, accepts=True) is Reply.REFUSED
    assert rematch.reply(**{**live, "allowed": False}, accepts=False) is Reply.REFUSED


def judged(**changes: object) -> Verdict:
    """/delete of one's own message of the current chat, an hour old, with `changes`."""
    command: dict[str, object] = {
        "current_chat": 7, "replied": True, "message_chat": 7, "sent_by_them": True, "age": timedelta(hours=1),
        "window": timedelta(hours=48),
    }  # fmt: skip
    return judge(**{**command, **changes})  # type: ignore[arg-type]


def test_delete_takes_ones_own_relayed_message_of_this_chat_within_telegrams_window():
    assert judged() is Verdict.DELETE
    assert judged(age=timedelta(hours=48) - timedelta(seconds=1)) is Verdict.DELETE
    assert judged(age=timedelta(hours=48)) is Verdict.TOO_OLD


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({"current_chat": None, "replied": False, "message_chat": None}, Verdict.NOT_IN_CHAT),
        ({"replied": False, "message_chat": None}, Verdict.USAGE),
        ({"message_chat": None, "sent_by_them": False}, Verdict.NOT_RELAYED),
        ({"message_chat": 6, "sent_by_them": False}, Verdict.OTHER_CHAT),  # an earlier chat, even the partner's
        ({"sent_by_them": False}, Verdict.NOT_YOURS),
        ({"sent_by_them": False, "age": timedelta(days=3)}, Verdict.NOT_YOURS),  # whose first, then how old
    ],
)
def test_delete_says_why_not_first_things_first(changes, verdict):
    assert judged(**changes) is verdict
