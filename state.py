"""Who is waiting and who talks to whom: the pairing state, with its durable copy in SQLite.

A plain class with no awaits and no Telegram objects: every method decides and changes the state in
one step, so no other update can slip in between reading who is queued and pairing them. Handlers
call it, then send. Partner preferences, priority and blocks belong here when they come.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from database import Database

logger = logging.getLogger(__name__)


class Pairing(NamedTuple):
    """One side of an active chat: who the partner is and which chat_history row it is."""

    partner_id: int
    chat_id: int


class ChatState:
    """`active_chats` and `search_queue` in memory, written through to the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # user id -> their side of the chat. Both users of a chat are always present together.
        self.active_chats: dict[int, Pairing] = {}
        # Waiting users in arrival order (a dict keeps insertion order and gives O(1) removal).
        self.search_queue: dict[int, None] = {}

    def restore(self) -> None:
        """Load open chats and the queue from the database (after a restart or a crash)."""
        self.active_chats.clear()
        self.search_queue.clear()
        for chat_id, user1, user2 in self.db.open_chats():
            if user1 in self.active_chats or user2 in self.active_chats:
                # Cannot happen through the handlers; if it did, a user would be in two chats.
                logger.warning("Closing chat %s: a user is already in another open chat", chat_id)
                self.db.end_chat(chat_id)
                continue
            self.active_chats[user1] = Pairing(user2, chat_id)
            self.active_chats[user2] = Pairing(user1, chat_id)
        for user_id in self.db.queued_users():
            if user_id in self.active_chats:
                self.db.dequeue(user_id)
            else:
                self.search_queue[user_id] = None

    def pair_or_enqueue(self, user_id: int) -> Pairing | None:
        """Pair the user with the longest-waiting other searcher and return their side, or queue them."""
        partner_id = next((uid for uid in self.search_queue if uid != user_id), None)
        if partner_id is None:
            self.search_queue[user_id] = None
            self.db.enqueue(user_id)
            return None
        del self.search_queue[partner_id]
        self.search_queue.pop(user_id, None)
        chat_id = self.db.start_chat(partner_id, user_id)
        self.active_chats[partner_id] = Pairing(user_id, chat_id)
        self.active_chats[user_id] = Pairing(partner_id, chat_id)
        return self.active_chats[user_id]

    def unpair(self, user_id: int) -> Pairing | None:
        """End the user's chat in memory and in the database; returns their side of it."""
        pairing = self.active_chats.pop(user_id, None)
        if pairing is not None:
            self.active_chats.pop(pairing.partner_id, None)
            self.db.end_chat(pairing.chat_id)
        return pairing

    def leave_queue(self, user_id: int) -> bool:
        """Take the user out of the queue; True if they were in it."""
        if user_id not in self.search_queue:
            return False
        del self.search_queue[user_id]
        self.db.dequeue(user_id)
        return True

    def forget(self, user_id: int) -> None:
        """Drop a banned user from the queue in memory (`Database.ban_user` already did on disk)."""
        self.search_queue.pop(user_id, None)

    @property
    def chat_count(self) -> int:
        """How many chats are open."""
        return len(self.active_chats) // 2
