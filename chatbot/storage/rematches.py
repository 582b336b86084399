"""Requests to chat again (🔁 Chat again): one open request per sender, until answered or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.storage import Store, parse_utc, utc_text


@dataclass(frozen=True, slots=True)
class RematchRequest:
    """A request from `from_id` to `to_id`, the other side of chat `chat_id`."""

    request_id: int
    chat_id: int
    from_id: int
    to_id: int
    created_at: datetime


def _request(row: tuple[int, int, int, int, str]) -> RematchRequest:
    return RematchRequest(row[0], row[1], row[2], row[3], parse_utc(row[4]))


_COLUMNS = "id, chat_id, from_id, to_id, created_at"


class RematchStore(Store):
    """The rematch_requests table."""

    def sent_by(self, user_id: int, since: datetime) -> RematchRequest | None:
        """The user's open request made since `since` (an older one has expired)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM rematch_requests WHERE from_id = ? AND created_at >= ?",  # noqa: S608
            (user_id, utc_text(since)),
        ).fetchone()
        return _request(tuple(row)) if row else None

    def request(self, chat_id: int, from_id: int, to_id: int) -> RematchRequest:
        """Open a request (replacing the sender's expired one)."""
        with self.conn:
            self.conn.execute("DELETE FROM rematch_requests WHERE from_id = ?", (from_id,))
            row = self.conn.execute(
                f"INSERT INTO rematch_requests (chat_id, from_id, to_id) VALUES (?, ?, ?) RETURNING {_COLUMNS}",  # noqa: S608
                (chat_id, from_id, to_id),
            ).fetchone()
        return _request(tuple(row))

    def get(self, request_id: int) -> RematchRequest | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM rematch_requests WHERE id = ?", (request_id,)  # noqa: S608
        ).fetchone()
        return _request(tuple(row)) if row else None

    def close(self, request_id: int) -> bool:
        """Close the request (answered); False if it was closed already: the first answer wins."""
        with self.conn:
            return self.conn.execute("DELETE FROM rematch_requests WHERE id = ?", (request_id,)).rowcount == 1

    def expire(self, before: datetime) -> int:
        """Forget the requests made before `before` (expired)."""
        with self.conn:
            return self.conn.execute("DELETE FROM rematch_requests WHERE created_at < ?", (utc_text(before),)).rowcount
