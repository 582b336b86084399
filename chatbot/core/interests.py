"""Interests: the twelve topics a user may pick (at most five), kept as one integer of bits.

A topic's bit is its place in `TOPICS`, so the order is part of the stored data: never reorder,
only append. Sharing is `a & b`, and how much two users share is that mask's bit count, which keeps
the search over thousands of waiting users a few integer operations each.
"""

from __future__ import annotations

TOPICS: tuple[str, ...] = (
    "music",
    "games",
    "movies",
    "books",
    "travel",
    "sports",
    "tech",
    "art",
    "food",
    "animals",
    "deep_talk",
    "memes",
)
MAX_INTERESTS = 5
ALL = (1 << len(TOPICS)) - 1


def bit(topic: str) -> int:
    """The topic's bit (ValueError for a topic not in TOPICS)."""
    return 1 << TOPICS.index(topic)


def topics(mask: int) -> list[str]:
    """The topics of a mask, in catalogue order."""
    return [topic for index, topic in enumerate(TOPICS) if mask >> index & 1]


def toggle(mask: int, topic: str) -> int | None:
    """The mask with `topic` switched; None if that would make more than MAX_INTERESTS."""
    flipped = mask ^ bit(topic)
    return None if flipped.bit_count() > MAX_INTERESTS else flipped


def shared(a: int, b: int) -> int:
    """How many topics two users share."""
    return (a & b).bit_count()
