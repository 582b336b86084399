"""Invites: what a referral earns the inviter, decided when the invited user's chat ends.

The reward comes with the invited user's first chat in which both sides sent at least
`MESSAGES_EACH` messages: a real conversation, not a registration made only for the reward.
"""

from __future__ import annotations

from enum import Enum

MESSAGES_EACH = 3
CAP_DAYS = 30  # REFERRAL_MAX_PER_MONTH counts the rewards of this many days


class Outcome(str, Enum):
    """What a referral earned, once decided (the values are stored)."""

    REWARDED = "rewarded"
    CAPPED = "capped"  # the inviter had their rewards for the month already
    NONE = "none"  # the inviter is gone or banned


def qualifies(sent: dict[int, int], user_id: int, partner_id: int) -> bool:
    """Whether a chat was a real conversation: both sides sent at least MESSAGES_EACH messages."""
    return sent.get(user_id, 0) >= MESSAGES_EACH and sent.get(partner_id, 0) >= MESSAGES_EACH


def outcome(inviter_active: bool, recent_rewards: int, monthly_cap: int) -> Outcome:
    """What a qualifying chat earns the inviter (`recent_rewards`: theirs in the last CAP_DAYS days)."""
    if not inviter_active:
        return Outcome.NONE
    return Outcome.REWARDED if recent_rewards < monthly_cap else Outcome.CAPPED
