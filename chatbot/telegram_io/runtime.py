"""Plumbing between python-telegram-bot and the features: per-user update order, the HTTP client,
and the polling request that journals updates and beats the heartbeat. No feature logic. (How fast
the bot talks to Telegram is pacing.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Opt in to PTB 23's durations (timedelta, e.g. RetryAfter.retry_after) now: pacing.py reads
# either type, and the opt-in silences a deprecation warning on every first 429. Set before PTB loads.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import aiohttp  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.error import NetworkError, TelegramError, TimedOut  # noqa: E402
from telegram.ext import Application, BaseUpdateProcessor  # noqa: E402
from telegram._utils.defaultvalue import DefaultValue  # noqa: E402
from telegram._utils.types import JSONDict, ODVInput  # noqa: E402  (PTB's own types for these)
from telegram.request import BaseRequest, RequestData  # noqa: E402

from chatbot.ops import metrics  # noqa: E402
from database import Database  # noqa: E402

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


class AiohttpRequest(BaseRequest):
    """PTB's HTTP client interface on aiohttp instead of PTB's default httpx.

    Every relay is one HTTP request, and the request dominates what a relay costs: measured against
    the emulator, aiohttp spends about a sixth of httpx's CPU per request (benchmarks/). The errors
    are PTB's own: a timeout is `TimedOut`, any other transport failure `NetworkError`, and HTTP
    answers go back to PTB, which turns them into `BadRequest`, `Forbidden`, `RetryAfter`, ...
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout, "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        # aiohttp binds a session to the running loop: made in initialize(), which PTB awaits in it.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout of a request that names none (PTB adds the long poll to it)."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            # Telegram sets no cookies: a dummy jar spares each request the cookie handling.
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Telegram's JSON answer. A front-end proxy's page (the HTML of a 502) is not JSON: PTB's own
        parser logs a traceback for each one, and an outage retried for a minute would fill the log;
        here it is one PTB error, which the retry logs in a line."""
        try:
            answer: JSONDict = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as exc:
            raise TelegramError("Invalid server response") from exc
        return answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request (a form, or multipart with files, as PTB's own client does); (status, body)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body: aiohttp.FormData | bytes | None = None
        headers = {"User-Agent": self.USER_AGENT}
        if files and request_data:
            form = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
        elif request_data and request_data.json_parameters:
            body = request_data.url_encoded_parameters().encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        read = self._timeouts["read"] if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._timeouts["connect"] if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._timeouts["pool"] if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._timeouts["write"]
        # aiohttp has no write timeout: the whole request is bounded by all four phases together.
        phases = (read, write, connect, pool)
        total = None if any(t is None for t in phases) else sum(t for t in phases if t is not None)
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut(f"aiohttp.{exc.__class__.__name__}") from exc
        except aiohttp.ClientError as exc:
            # The class name says what failed when the message is empty. Some aiohttp errors quote
            # the URL, and the URL holds the token: it is cut out before anyone logs the message.
            token_part = url.rsplit("/", 2)[-2]
            message = str(exc).replace(token_part, "bot<token>").replace(quote(token_part), "bot<token>")
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {message}") from exc


class PollingRequest(AiohttpRequest):
    """The getUpdates HTTP client: journals each batch of updates before PTB sees it, and touches
    the heartbeat file whenever a poll succeeds.

    PTB confirms a batch to Telegram when it asks for the next one, so without the journal a
    `kill -9` would lose the updates still being handled. `python bot.py --health` reads the
    heartbeat's age, so a stalled polling loop fails the health check.
    """

    def __init__(self, heartbeat_file: str, on_updates: Callable[[list[dict[str, Any]]], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat_file = heartbeat_file
        self.on_updates = on_updates
        self._last_beat = 0.0

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """Parse a poll's answer once, for PTB and for the journal; journal its updates and, if the poll
        succeeded, refresh the heartbeat (at most once a second)."""
        answer = AiohttpRequest.parse_json_payload(payload)
        if not answer.get("ok"):
            return answer  # PTB raises what Telegram said
        updates = answer.get("result")
        if isinstance(updates, list) and updates:
            self.on_updates(updates)
        now = time.monotonic()
        if now - self._last_beat >= 1.0:
            self._last_beat = now
            beat(self.heartbeat_file)
        return answer


def beat(path: str) -> None:
    """Create or touch the heartbeat file."""
    try:
        Path(path).touch()
    except OSError as exc:
        logger.warning("Cannot write the heartbeat file %s: %s", path, exc)


class RelayStats:
    """How fast chats are relayed: when each update arrived, and, for the last `WINDOW` seconds, how
    long each relay took from the update's arrival to the partner's copy."""

    WINDOW = 300.0
    MAX_SAMPLES = 20_000  # at more than about 65 relays a second the window shrinks to fit

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._started = clock()
        self._arrived: dict[int, float] = {}
        self._relays: deque[tuple[float, float]] = deque(maxlen=self.MAX_SAMPLES)  # (when, seconds taken)

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
            self._relays.append((now, now - arrived))
            metrics.RELAY_LATENCY.observe(now - arrived)

    def summary(self) -> tuple[float, float | None]:
        """(relays a second, 95th-percentile seconds taken) over the last WINDOW seconds."""
        now = self.clock()
        while self._relays and self._relays[0][0] < now - self.WINDOW:
            self._relays.popleft()
        if not self._relays:
            return 0.0, None
        # Over the window, or what of it the bot has been up, or what the samples cover.
        span = min(self.WINDOW, now - self._started)
        if len(self._relays) == self.MAX_SAMPLES:
            span = now - self._relays[0][0]
        span = max(span, 1.0)
        taken = sorted(seconds for _, seconds in self._relays)
        return len(taken) / span, taken[max(0, math.ceil(0.95 * len(taken)) - 1)]


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
        seen = self.db.journal_updates([(u["update_id"], json.dumps(u)) for u in updates])
        for u in updates:
            metrics.UPDATES.labels(next((key for key in u if key != "update_id"), "unknown")).inc()
        # An update delivered again is skipped and never finishes: only new ones get an arrival time.
        self.stats.arrived([u["update_id"] for u in updates if u["update_id"] not in seen])
        if seen:
            logger.info("Skipping %s updates delivered again", len(seen))
            self.processor.skip |= seen

    def finish(self, update_id: int) -> None:
        """The update's handlers are done."""
        self.db.finish_update(update_id)
        self.stats.finished(update_id)

    async def replay(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Queue the updates a crash left unhandled, before polling brings new ones."""
        bodies = self.db.updates_to_replay()
        for body in bodies:
            await application.update_queue.put(Update.de_json(json.loads(body), application.bot))
        if bodies:
            logger.warning("Replaying %s updates left unhandled by a crash", len(bodies))
