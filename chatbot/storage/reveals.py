"""Offers to exchange Telegram profiles (/reveal): one open offer per chat, until answered or the chat ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.storage import Store, parse_utc


@dataclass(frozen=True, slots=True)
class RevealOffer:
    """An open offer; the offerer's username (None without one) is kept only while it is open."""

    chat_id: int
    offerer_id: int
    offerer_username: str | None
    created_at: datetime


class RevealStore(Store):
    """The reveal_offers table."""

    def offer(self, chat_id: int, offerer_id: int, username: str | None) -> bool:
        """Open the chat's offer; False if one is open already (by either side)."""
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO reveal_offers (chat_id, offerer_id, offerer_username) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO NOTHING",
                (chat_id, offerer_id, username),
            )
        return cur.rowcount == 1

    def take(self, chat_id: int, offerer_id: int | None = None) -> RevealOffer | None:
        """Close the chat's open offer (only if made by `offerer_id`, when given) and return it; None if
        there is none: the first answer wins."""
        with self.conn:
            row = self.conn.execute(
                "DELETE FROM reveal_offers WHERE chat_id = ? AND offerer_id = COALESCE(?, offerer_id)"
                " RETURNING chat_id, offerer_id, offerer_username, created_at",
                (chat_id, offerer_id),
            ).fetchone()
        return RevealOffer(row[0], row[1], row[2], parse_utc(row[3])) if row else None

    def drop_ended(self) -> int:
        """Forget the offers of chats that have ended (nobody can answer them any more)."""
        with self.conn:
            return self.conn.execute(
                "DELETE FROM reveal_offers WHERE chat_id NOT IN (SELECT id FROM chat_history WHERE ended_at IS NULL)"
            ).rowcount
