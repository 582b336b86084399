"""🔁 Chat again: who may ask whom, and what a press of ✅ Accept or ❌ Decline does.

For a window after a chat ends, either side may ask the other to chat again; never after a 👎 or ⛔
between the two (either way, before or after the request), never with a banned user, and one open
request per sender. When both ask, the second press accepts the first request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum


class Ask(str, Enum):
    """What a press of 🔁 Chat again does."""

    INVALID = "invalid"  # not a finished chat of theirs, or the two chat again already
    TOO_LATE = "too_late"
    REFUSED = "refused"  # a 👎, ⛔ or ban: the text says neither which nor who
    ON_ITS_WAY = "on_its_way"  # their own request is still open
    ACCEPT_THEIRS = "accept_theirs"  # the other asked first: this press answers it
    ASK = "ask"


class Reply(str, Enum):
    """What a press of ✅ Accept or ❌ Decline does."""

    INVALID = "invalid"  # not addressed to them, answered, or expired
    REFUSED = "refused"  # a 👎, ⛔ or ban since the request: closed
    DECLINE = "decline"
    ACCEPT = "accept"


def may_meet_again(blocked: bool, either_banned: bool) -> bool:
    """`blocked`: a 👎 or ⛔ between the two, either way."""
    return not blocked and not either_banned


def ask(
    *, ended_at: datetime | None, now: datetime, window: timedelta, chatting_again: bool, allowed: bool,
    own_request_open: bool, asked_by_other: bool,
) -> Ask:  # fmt: skip
    """A press of 🔁 Chat again under a chat of theirs that ended at `ended_at` (None: still running)."""
    if ended_at is None or chatting_again:
        return Ask.INVALID
    if ended_at + window < now:
        return Ask.TOO_LATE
    if not allowed:
        return Ask.REFUSED
    if own_request_open:
        return Ask.ON_ITS_WAY
    return Ask.ACCEPT_THEIRS if asked_by_other else Ask.ASK


def expired(created_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a request made at `created_at` can no longer be answered."""
    return created_at + window < now


def reply(*, addressed_to_them: bool, is_expired: bool, allowed: bool, accepts: bool) -> Reply:
    """A press of ✅ Accept (`accepts`) or ❌ Decline on a request."""
    if not addressed_to_them or is_expired:
        return Reply.INVALID
    if not allowed:
        return Reply.REFUSED
    return Reply.ACCEPT if accepts else Reply.DECLINE
