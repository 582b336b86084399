"""Updates on their way through the bot: each user's in arrival order (`PerUserUpdateProcessor`), each
batch journaled until handled (`UpdateJournal`), and how fast chats are relayed (`RelayStats`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from chatbot.ops import metrics
from database import Database

logger = logging.getLogger(__name__)


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different users concurrently and each user's updates in arrival order.

    PTB's `process_update` is final and holds its semaphore around `do_process_update`, so that
    semaphore is made wide (it only counts tasks) and the real bound on concurrent updates is taken
    here, after the user's lock: one user flooding the bot waits on their own lock and never
    occupies the slots everyone else needs.
    """

    # PTB creates one task per update anyway; its semaphore only counts them.
    TASK_BOUND = 1_000_000

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(self.TASK_BOUND)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}
        # Called with each update id once its handlers are done (the bot sets the journal's finish).
        self.on_finished: Callable[[int], None] | None = None
        # Asked of each update as it arrives, before it waits for its turn: False drops it unhandled
        # (the bot sets the gate's rate limits, so a flood is cut at the door, not at the chat's pace).
        self.admit: Callable[[Update], Awaitable[bool]] | None = None
        # Update ids Telegram delivered again that were already handled or are being replayed.
        self.skip: set[int] = set()
        # Update ids whose handling was cut short by the bot stopping: not finished, so replayed at start.
        self._unfinished: set[int] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Drop it if Telegram sent it again or its sender is flooding; else wait for this user's
        earlier updates, then for a free slot, then run the handlers."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None and update_id in self.skip:
            self.skip.discard(update_id)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        if isinstance(update, Update) and self.admit is not None and not await self.admit(update):
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            if update_id is not None and self.on_finished is not None:
                self.on_finished(update_id)
            return
        user = update.effective_user if isinstance(update, Update) else None
        try:
            if user is None:
                async with self._slots:
                    await coroutine
            else:
                async with self.serialized(user.id), self._slots:
                    await coroutine
        finally:
            if update_id in self._unfinished:
                self._unfinished.discard(update_id)
            elif update_id is not None and self.on_finished is not None:
                self.on_finished(update_id)

    def leave_unfinished(self, update_id: int) -> None:
        """The bot is stopping before this update was handled: leave it in the journal for the next start."""
        self._unfinished.add(update_id)

    @contextlib.asynccontextmanager
    async def serialized(self, user_id: int) -> AsyncIterator[None]:
        """Run the block in turn with this user's updates (also used by jobs acting for the user)."""
        entry = self._locks.get(user_id)
        if entry is None:
            entry = self._locks[user_id] = (asyncio.Lock(), [0])
        lock, waiting = entry
        waiting[0] += 1
        try:
            # asyncio.Lock wakes waiters first-in first-out, and the Application starts the
            # tasks in update order, so each user's updates run in the order they came.
            async with lock:
                yield
        finally:
            waiting[0] -= 1
            if waiting[0] == 0:
                del self._locks[user_id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class RelayStats:
    """How fast chats are relayed: when each update arrived, and, for the last `WINDOW` seconds, how
    long each relay took from the update's arrival to the partner's copy."""

    WINDOW = 300.0
    MAX_SAMPLES = 20_000  # at more than about 65 relays a second the window shrinks to fit

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._started = clock()
        self._arrived: dict[int, float] = {}
        # The samples (when, seconds taken) in a ring of two arrays of doubles: 16 bytes a sample,
        # allocated once, where a deque of tuples took about 110 and grew with the traffic.
        self._when = array("d", [0.0]) * self.MAX_SAMPLES
        self._taken = array("d", [0.0]) * self.MAX_SAMPLES
        self._first = 0  # the oldest sample's slot
        self._count = 0

    def arrived(self, update_ids: list[int]) -> None:
        now = self.clock()
        for update_id in update_ids:
            self._arrived[update_id] = now

    def finished(self, update_id: int) -> None:
        self._arrived.pop(update_id, None)

    def relayed(self, update_id: int) -> None:
        """The update's message reached the partner."""
        arrived = self._arrived.get(update_id)
        if arrived is not None:  # a replayed update has no arrival time
            now = self.clock()
            slot = (self._first + self._count) % self.MAX_SAMPLES
            if self._count == self.MAX_SAMPLES:
                self._first = (self._first + 1) % self.MAX_SAMPLES  # full: the oldest is overwritten
            else:
                self._count += 1
            self._when[slot], self._taken[slot] = now, now - arrived
            metrics.RELAY_LATENCY.observe(now - arrived)

    def summary(self) -> tuple[float, float | None]:
        """(relays a second, 95th-percentile seconds taken) over the last WINDOW seconds."""
        now = self.clock()
        while self._count and self._when[self._first] < now - self.WINDOW:
            self._first = (self._first + 1) % self.MAX_SAMPLES
            self._count -= 1
        if not self._count:
            return 0.0, None
        # Over the window, or what of it the bot has been up, or what the samples cover.
        span = min(self.WINDOW, now - self._started)
        if self._count == self.MAX_SAMPLES:
            span = now - self._when[self._first]
        span = max(span, 1.0)
        taken = sorted(self._taken[(self._first + k) % self.MAX_SAMPLES] for k in range(self._count))
        return len(taken) / span, taken[max(0, math.ceil(0.95 * len(taken)) - 1)]


def kind_of(update: dict[str, Any]) -> str:
    """An update's kind: its one field besides update_id (message, callback_query, ...)."""
    return next((key for key in update if key != "update_id"), "unknown")


class UpdateJournal:
    """Every fetched update is written down before PTB handles it and marked done after, so a
    `kill -9` loses none: at start the unfinished ones are queued again (each at most twice, so a
    poison update cannot crash the bot forever)."""

    def __init__(self, db: Database, processor: PerUserUpdateProcessor, stats: RelayStats) -> None:
        self.db = db
        self.processor = processor
        self.stats = stats

    def record(self, updates: list[dict[str, Any]]) -> None:
        """Journal a fetched batch; updates Telegram delivered again are not handled twice."""
        self.record_bodies([(u["update_id"], kind_of(u), json.dumps(u)) for u in updates])

    def record_bodies(self, updates: list[tuple[int, str, str]]) -> None:
        """`record` for updates whose JSON text is at hand (id, kind, JSON): a webhook's bodies."""
        seen = self.db.journal.record([(update_id, body) for update_id, _, body in updates])
        for _, kind, _ in updates:
            metrics.UPDATES.labels(kind).inc()
        # An update delivered again is skipped and never finishes: only new ones get an arrival time.
        self.stats.arrived([update_id for update_id, _, _ in updates if update_id not in seen])
        if seen:
            logger.info("Skipping %s updates delivered again", len(seen))
            self.processor.skip |= seen

    def finish(self, update_id: int) -> None:
        """The update's handlers are done."""
        self.db.journal.finish(update_id)
        self.stats.finished(update_id)

    async def replay(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Queue the updates a crash left unhandled, before polling brings new ones."""
        bodies = self.db.journal.to_replay()
        for body in bodies:
            await application.update_queue.put(Update.de_json(json.loads(body), application.bot))
        if bodies:
            logger.warning("Replaying %s updates left unhandled by a crash", len(bodies))
