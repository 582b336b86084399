"""Whom a searcher meets: the partner choice, as pure functions over plain data.

The rules, in order (pairing.ChatState applies them to the queue):
1. Fit both ways: the candidate fits the searcher's preferences if the searcher is VIP now, and
   the searcher fits the candidate's if the candidate is VIP now. Lapsed VIPs keep their
   preferences, but they do not apply.
2. Never again: not someone either of them rated 👎 or ⛔, and not the previous partner of either
   (that is, nobody meets their previous partner on their very next search).
3. VIP first: a fitting VIP before any fitting non-VIP.
4. Same language: among those, one who reads the searcher's language first (never keeping anyone
   waiting when someone else fits).
5. Shared interests: among those, the one sharing the most of the searcher's topics.
6. Then the longest-waiting (the queue is in arrival order).

Rules 3 to 6 only order those who fit: nobody waits for a better rank while someone fits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from chatbot.core.interests import shared

ANY_AGE = (18, 100)


@dataclass(slots=True)
class Seeker:
    """A user as matching sees them; times are aware datetimes (UTC)."""

    user_id: int
    gender: str
    age: int
    vip_until: datetime | None
    partner_gender: str | None  # None: anyone
    age_min: int
    age_max: int
    last_partner: int | None
    joined_at: datetime | None = None  # when they started waiting; None while not queued
    language: str = "en"
    interests: int = 0  # core.interests bits

    def is_vip(self, now: datetime) -> bool:
        return self.vip_until is not None and self.vip_until > now

    def has_preferences(self) -> bool:
        return self.partner_gender is not None or (self.age_min, self.age_max) != ANY_AGE

    def accepts(self, other: Seeker) -> bool:
        """Whether `other` fits this user's preferences (whether or not they apply now)."""
        return (self.partner_gender is None or self.partner_gender == other.gender) and (
            self.age_min <= other.age <= self.age_max
        )


def compatible(searcher: Seeker, candidate: Seeker, blocked: Collection[int], now: datetime) -> bool:
    """Rules 1 and 2: may these two meet now? (`blocked`: whom the searcher must never meet.)"""
    if candidate.user_id == searcher.user_id or candidate.user_id in blocked:
        return False
    if candidate.user_id == searcher.last_partner or candidate.last_partner == searcher.user_id:
        return False
    if searcher.is_vip(now) and not searcher.accepts(candidate):
        return False
    return not (candidate.is_vip(now) and not candidate.accepts(searcher))


def choose_partner(searcher: Seeker, waiting: Iterable[Seeker], blocked: Collection[int], now: datetime) -> Seeker | None:
    """The partner for `searcher` among `waiting` (longest-waiting first), or None if nobody fits."""
    # Lower is better: (VIP 0 / not 1, same language 0 / other 1, minus the topics shared). The first
    # candidate of the best key wins (the longest-waiting); the best possible key ends the scan.
    ideal = (0, 0, -searcher.interests.bit_count())
    best: Seeker | None = None
    best_key: tuple[int, int, int] | None = None
    for candidate in waiting:
        if not compatible(searcher, candidate, blocked, now):
            continue
        key = (
            0 if candidate.is_vip(now) else 1,
            0 if candidate.language == searcher.language else 1,
            -shared(searcher.interests, candidate.interests),
        )
        if best_key is None or key < best_key:
            best, best_key = candidate, key
            if key == ideal:
                break
    return best
