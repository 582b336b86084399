"""Where each user is in each multi-step flow (the conversations table), mirrored in memory: read on
every update, written only by this process. The flows and their steps are the core's; here a flow
and a step are only names."""

from __future__ import annotations

from datetime import datetime

from chatbot.storage import Connected, Store, utc_text


class ConversationStore(Store):
    """The conversations table and its in-memory mirror."""

    def __init__(self, db: Connected) -> None:
        super().__init__(db)
        self._steps: dict[tuple[int, str], tuple[str, str]] = {
            (row[0], row[1]): (row[2], row[3]) for row in self.conn.execute("SELECT user_id, flow, step, data FROM conversations")
        }

    def step(self, user_id: int, flow: str) -> tuple[str, str] | None:
        """(step, data) of the user in this flow, or None if they are not in it."""
        return self._steps.get((user_id, flow))

    def set_step(self, user_id: int, flow: str, step: str, data: str = "") -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO conversations (user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)"
                " ON CONFLICT (user_id, flow) DO UPDATE SET step = excluded.step, data = excluded.data,"
                " updated_at = excluded.updated_at",
                (user_id, flow, step, data),
            )
        self._steps[(user_id, flow)] = (step, data)

    def end(self, user_id: int, flow: str) -> bool:
        """Take the user out of the flow; True if they were in it."""
        with self.conn:
            cur = self.conn.execute("DELETE FROM conversations WHERE user_id = ? AND flow = ?", (user_id, flow))
        self._steps.pop((user_id, flow), None)
        return cur.rowcount == 1

    def expire(self, before: datetime) -> int:
        """Take everyone out of the flows they last moved in before `before` (left half-way)."""
        with self.conn:
            gone = self.conn.execute(
                "DELETE FROM conversations WHERE updated_at < ? RETURNING user_id, flow", (utc_text(before),)
            ).fetchall()
        for user_id, flow in gone:
            self._steps.pop((user_id, flow), None)
        return len(gone)

    def forget(self, user_id: int) -> None:
        """Drop the user's steps from memory (their rows were deleted with their data)."""
        for key in [key for key in self._steps if key[0] == user_id]:
            del self._steps[key]
