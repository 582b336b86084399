"""Who is waiting and who talks to whom: the pairing state, with its durable copy in SQLite.

A plain class with no awaits and no Telegram objects: every method decides and changes the state in
one step, so no other update can slip in between reading who is queued and pairing them. Handlers
call it, then send. Whom a searcher meets is matching.py's choice; this class applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple, Protocol

from chatbot.core.matching import Seeker, choose_partner

logger = logging.getLogger(__name__)


class Pairing(NamedTuple):
    """One side of an active chat: who the partner is and which chat_history row it is."""

    partner_id: int
    chat_id: int


class ChatStore(Protocol):
    """Where the pairing state writes through to: open chats and the queue (the database's chats)."""

    def open_chats(self) -> Sequence[tuple[int, int, int]]: ...
    def enqueue(self, user_id: int) -> datetime: ...
    def dequeue(self, user_id: int) -> None: ...
    def start(self, user1_id: int, user2_id: int) -> int: ...
    def end(self, chat_id: int) -> None: ...


class SeekerStore(Protocol):
    """What matching reads of a searcher: their profile and preferences, and whom they must never meet."""

    def queued_seekers(self) -> Sequence[Sequence[Any]]: ...
    def seeker(self, user_id: int) -> Sequence[Any] | None: ...
    def blocked_ids(self, user_id: int) -> set[int]: ...


class ChatState:
    """`active_chats` and `search_queue` in memory, written through to the database."""

    def __init__(self, chats: ChatStore, seekers: SeekerStore) -> None:
        self.chats = chats
        self.seekers = seekers
        # user id -> their side of the chat. Both users of a chat are always present together.
        self.active_chats: dict[int, Pairing] = {}
        # Waiting users in arrival order (a dict keeps insertion order and gives O(1) removal),
        # each with what matching needs to know, so a search reads no row of anyone else.
        self.search_queue: dict[int, Seeker] = {}

    def restore(self) -> None:
        """Load open chats and the queue from the database (after a restart or a crash)."""
        self.active_chats.clear()
        self.search_queue.clear()
        for chat_id, user1, user2 in self.chats.open_chats():
            if user1 in self.active_chats or user2 in self.active_chats:
                # Cannot happen through the handlers; if it did, a user would be in two chats.
                logger.warning("Closing chat %s: a user is already in another open chat", chat_id)
                self.chats.end(chat_id)
                continue
            self.active_chats[user1] = Pairing(user2, chat_id)
            self.active_chats[user2] = Pairing(user1, chat_id)
        for row in self.seekers.queued_seekers():
            if row[0] in self.active_chats:
                self.chats.dequeue(row[0])
            else:
                self.search_queue[row[0]] = Seeker(*row)

    def pair_or_enqueue(self, user_id: int) -> Pairing | None:
        """Pair the user with the partner matching.py chooses and return their side, or queue them.

        A user already queued (their preferences or VIP changed) is matched again and keeps their place.
        """
        row = self.seekers.seeker(user_id)
        if row is None:
            raise LookupError(f"user {user_id} is not registered")
        searcher = Seeker(*row)
        now = datetime.now(timezone.utc)
        partner = choose_partner(searcher, self.search_queue.values(), self.seekers.blocked_ids(user_id), now)
        if partner is None:
            if searcher.joined_at is None:
                searcher.joined_at = self.chats.enqueue(user_id)
            self.search_queue[user_id] = searcher
            return None
        partner_id = partner.user_id
        del self.search_queue[partner_id]
        self.search_queue.pop(user_id, None)
        chat_id = self.chats.start(partner_id, user_id)
        self.active_chats[partner_id] = Pairing(user_id, chat_id)
        self.active_chats[user_id] = Pairing(partner_id, chat_id)
        return self.active_chats[user_id]

    def pair(self, user_id: int, partner_id: int) -> Pairing | None:
        """Pair two users who agreed to chat (again) if both are free: neither in a chat; a waiting one
        leaves the queue. Returns the user's side, or None if either is in a chat."""
        if user_id == partner_id or user_id in self.active_chats or partner_id in self.active_chats:
            return None
        self.search_queue.pop(user_id, None)
        self.search_queue.pop(partner_id, None)
        chat_id = self.chats.start(partner_id, user_id)  # also takes both out of the stored queue
        self.active_chats[partner_id] = Pairing(user_id, chat_id)
        self.active_chats[user_id] = Pairing(partner_id, chat_id)
        return self.active_chats[user_id]

    def unpair(self, user_id: int) -> Pairing | None:
        """End the user's chat in memory and in the database; returns their side of it."""
        pairing = self.active_chats.pop(user_id, None)
        if pairing is not None:
            self.active_chats.pop(pairing.partner_id, None)
            self.chats.end(pairing.chat_id)
        return pairing

    def leave_queue(self, user_id: int) -> bool:
        """Take the user out of the queue; True if they were in it."""
        if user_id not in self.search_queue:
            return False
        del self.search_queue[user_id]
        self.chats.dequeue(user_id)
        return True

    def seeker(self, user_id: int) -> Seeker | None:
        """The queued user as matching sees them, or None if they are not waiting."""
        return self.search_queue.get(user_id)

    def waited_too_long(self, since: datetime) -> list[int]:
        """Take out of the queue everyone waiting since before `since`; returns them."""
        expired = []
        for seeker in self.search_queue.values():
            if seeker.joined_at is None or seeker.joined_at >= since:
                break  # arrival order: everyone after waited less
            expired.append(seeker.user_id)
        for user_id in expired:
            self.leave_queue(user_id)
        return expired

    def forget(self, user_id: int) -> None:
        """Drop a banned user from the queue in memory (`Database.ban_user` already did on disk)."""
        self.search_queue.pop(user_id, None)

    @property
    def chat_count(self) -> int:
        """How many chats are open."""
        return len(self.active_chats) // 2
