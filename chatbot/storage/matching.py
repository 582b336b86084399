"""What matching needs to know about a searcher: profile, VIP, preferences, previous partner, blocks."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from chatbot.storage import Store, parse_utc

# One row per user, in the field order of matching.Seeker. The previous partner comes from the
# newest chat_history row on either side (each side has its own index).
_SEEKER = """
SELECT u.user_id, u.gender, u.age,
    CASE WHEN u.is_vip = 1 AND u.vip_until > CURRENT_TIMESTAMP THEN u.vip_until END,
    p.partner_gender, COALESCE(p.age_min, 18), COALESCE(p.age_max, 100),
    (SELECT CASE WHEN h.user1_id = u.user_id THEN h.user2_id ELSE h.user1_id END FROM chat_history h
        WHERE h.id = MAX(COALESCE((SELECT MAX(id) FROM chat_history WHERE user1_id = u.user_id), 0),
                         COALESCE((SELECT MAX(id) FROM chat_history WHERE user2_id = u.user_id), 0))),
    q.joined_at, u.language, u.interests
FROM users u LEFT JOIN preferences p ON p.user_id = u.user_id LEFT JOIN search_queue q ON q.user_id = u.user_id
"""


class SeekerRow(NamedTuple):
    """A user as matching reads them (the fields of core.matching.Seeker, in its order)."""

    user_id: int
    gender: str
    age: int
    vip_until: datetime | None
    partner_gender: str | None
    age_min: int
    age_max: int
    last_partner: int | None
    joined_at: datetime | None
    language: str
    interests: int


def _seeker_row(row: tuple[object, ...]) -> SeekerRow:
    values = list(row)
    for i in (3, 8):  # vip_until, joined_at
        values[i] = parse_utc(str(values[i])) if values[i] is not None else None
    return SeekerRow(*values)  # type: ignore[arg-type]


class MatchingStore(Store):
    """Preferences and blocks, and each searcher as matching reads them."""

    def seeker(self, user_id: int) -> SeekerRow | None:
        """The user as matching sees them (joined_at None unless queued)."""
        row = self.conn.execute(_SEEKER + " WHERE u.user_id = ?", (user_id,)).fetchone()
        return _seeker_row(tuple(row)) if row else None

    def queued_seekers(self) -> list[SeekerRow]:
        """Every waiting user as matching sees them, longest-waiting first."""
        rows = self.conn.execute(_SEEKER + " WHERE q.user_id IS NOT NULL ORDER BY q.joined_at, q.rowid").fetchall()
        return [_seeker_row(tuple(row)) for row in rows]

    def preferences(self, user_id: int) -> tuple[str | None, int, int]:
        """(partner gender or None for anyone, minimum age, maximum age)."""
        row = self.conn.execute(
            "SELECT partner_gender, age_min, age_max FROM preferences WHERE user_id = ?", (user_id,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else (None, 18, 100)

    def set_partner_gender(self, user_id: int, gender: str | None) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO preferences (user_id, partner_gender) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET partner_gender = excluded.partner_gender",
                (user_id, gender),
            )

    def set_age_range(self, user_id: int, low: int, high: int) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO preferences (user_id, age_min, age_max) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET age_min = excluded.age_min, age_max = excluded.age_max",
                (user_id, low, high),
            )

    def blocked_ids(self, user_id: int) -> set[int]:
        """Everyone the user must never meet: whom they rated 👎 or ⛔, and who rated them so."""
        rows = self.conn.execute(
            "SELECT blocked_id FROM blocks WHERE user_id = ? UNION SELECT user_id FROM blocks WHERE blocked_id = ?",
            (user_id, user_id),
        ).fetchall()
        return {row[0] for row in rows}
