"""Privacy and retention: deleting a user's data (/deleteme) and forgetting what outlived its period.

Rows only: the Database that composes this store also forgets what it keeps of the user in memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chatbot.storage import Store, utc_text

# Strikes and mutes are kept a week: as long as the mute ladder looks back (core.moderation.STRIKE_MEMORY).
STRIKES_KEPT = timedelta(days=7)


class PrivacyStore(Store):
    """What /deleteme deletes and what housekeeping forgets, across the features' tables (`db.privacy`)."""

    def delete_user_data(self, user_id: int) -> None:
        """/deleteme: the profile (interests included), preferences, ratings given and received, chats
        and their reply maps, flows, strikes, their invite code, open profile-exchange offers and
        requests to chat again (sent or received), and the user's unfinished journaled updates. Kept:
        payments and subscriptions (refunds and disputes), bans (deleting must not undo one), blocks
        (whom they must never meet), reports and the audit log (moderation records), and the record
        of whose invite they joined through (the inviter's reward; re-registering is not counted again)."""
        self._db.flush_writes()
        with self.conn:
            chats = [
                row[0]
                for row in self.conn.execute(
                    "SELECT id FROM chat_history WHERE user1_id = ? UNION SELECT id FROM chat_history WHERE user2_id = ?",
                    (user_id, user_id),
                )
            ]
            for chat_id in chats:
                self.conn.execute("DELETE FROM reveal_offers WHERE chat_id = ?", (chat_id,))
                self.conn.execute("DELETE FROM message_map WHERE chat_id = ?", (chat_id,))
                self.conn.execute("DELETE FROM ratings WHERE chat_id = ?", (chat_id,))
                self.conn.execute("DELETE FROM chat_history WHERE id = ?", (chat_id,))
            self.conn.execute("DELETE FROM rematch_requests WHERE from_id = ? OR to_id = ?", (user_id, user_id))
            for table in ("search_queue", "preferences", "conversations", "strikes", "mutes", "invite_codes"):
                self.conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608 (fixed names)
            self.conn.execute(
                "UPDATE update_journal SET done = 1, body = '' WHERE done = 0 AND ? IN ("
                " json_extract(body, '$.message.from.id'), json_extract(body, '$.edited_message.from.id'),"
                " json_extract(body, '$.callback_query.from.id'), json_extract(body, '$.my_chat_member.from.id'),"
                " json_extract(body, '$.message_reaction.user.id'))",
                (user_id,),
            )
            self.conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))

    def prune_old_chats(self, retention_days: int, evidence_hours: float) -> tuple[int, int]:
        """Forget reply maps of chats ended `evidence_hours` ago, and chats (with their ratings) ended
        `retention_days` ago; also strikes and mutes past a week. Returns (maps, chats) removed."""
        self._db.flush_writes()
        now = datetime.now(timezone.utc)
        evidence_cutoff = utc_text(now - timedelta(hours=evidence_hours))
        chat_cutoff = utc_text(now - timedelta(days=retention_days))
        memory_cutoff = utc_text(now - STRIKES_KEPT)
        with self.conn:
            maps = self.conn.execute(
                "DELETE FROM message_map WHERE chat_id IN (SELECT id FROM chat_history WHERE ended_at < ?)",
                (evidence_cutoff,),
            ).rowcount
            old = "SELECT id FROM chat_history WHERE ended_at < ?"
            self.conn.execute(f"DELETE FROM message_map WHERE chat_id IN ({old})", (chat_cutoff,))  # noqa: S608
            self.conn.execute(f"DELETE FROM ratings WHERE chat_id IN ({old})", (chat_cutoff,))  # noqa: S608
            chats = self.conn.execute("DELETE FROM chat_history WHERE ended_at < ?", (chat_cutoff,)).rowcount
            self.conn.execute("DELETE FROM strikes WHERE created_at < ?", (memory_cutoff,))
            self.conn.execute("DELETE FROM mutes WHERE until < ?", (memory_cutoff,))
        return maps, chats
