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
5. Then the longest-waiting (the queue is in arrival order).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

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
    # The first fitting candidate of each rank: (VIP, same language) = 0, (VIP, other) = 1,
    # (not VIP, same language) = 2, (not VIP, other) = 3.
    best: list[Seeker | None] = [None, None, None, None]
    for candidate in waiting:
        if not compatible(searcher, candidate, blocked, now):
            continue
        rank = (0 if candidate.is_vip(now) else 2) + (candidate.language != searcher.language)
        if rank == 0:
            return candidate
        if best[rank] is None:
            best[rank] = candidate
    return next((c for c in best if c is not None), None)
