"""/delete: which message a user may delete for both sides of their chat.

Only their own message of the current chat, relayed to the partner, and young enough for Telegram
to delete (the window is Telegram's, given by the caller).
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum


class Verdict(str, Enum):
    """What a /delete does: DELETE, or why not."""

    NOT_IN_CHAT = "not_in_chat"
    USAGE = "usage"  # not a reply
    NOT_RELAYED = "not_relayed"  # never relayed (refused by the filter), or forgotten
    OTHER_CHAT = "other_chat"  # a message of an earlier chat
    NOT_YOURS = "not_yours"  # the partner's copy
    TOO_OLD = "too_old"
    DELETE = "delete"


def judge(
    *, current_chat: int | None, replied: bool, message_chat: int | None, sent_by_them: bool, age: timedelta,
    window: timedelta,
) -> Verdict:  # fmt: skip
    """`current_chat`: the user's chat now (None: none); `message_chat`: the chat the replied-to
    message was relayed in (None: not relayed); `age`: how old that message is."""
    if current_chat is None:
        return Verdict.NOT_IN_CHAT
    if not replied:
        return Verdict.USAGE
    if message_chat is None:
        return Verdict.NOT_RELAYED
    if message_chat != current_chat:
        return Verdict.OTHER_CHAT
    if not sent_by_them:
        return Verdict.NOT_YOURS
    if age >= window:
        return Verdict.TOO_OLD
    return Verdict.DELETE
