"""How fast the bot talks to Telegram: `PerChatRateLimiter`, PTB's rate-limiter hook.

Telegram takes about one message a second in one chat (short bursts allowed) and about thirty a
second for *bulk notifications* to many users; it answers 429 with `retry_after` when pushed. So:

- **Each chat is paced** (`API_CHAT_RATE` a second, bursts of `API_CHAT_BURST`). A relay or an answer
  waits only for its own chat, never behind other chats: there is no fixed overall cap on them.
- **A 429 pauses only the chat it names**, for `retry_after`, then the request is retried.
- **A wave of 429s across many chats** (`FLOOD_BACKOFF_CHATS` within `FLOOD_WINDOW` seconds) means
  the bot as a whole is too fast: an overall cap is set at half the recent send rate, and raised a
  step every `RECOVERY_SECONDS` until it is back where it was, then lifted (`AdaptiveCap`).
- **Bulk traffic** the bot starts itself (telling many users at once) is sent with
  `rate_limit_args=Traffic.BULK` and also waits for a fixed cap (`BULK_RATE` a second).
- **A passing failure is retried**: a call that delivers something (a send, copy, edit, answer,
  invoice, ...) and meets a 5xx, a network error or a timeout is tried again after `Backoff`'s
  waits (0.5 s doubling to 8 s) for up to `API_RETRY_SECONDS`; only then does it raise `Undelivered`.
  The handler that made it waits meanwhile, so the sender's later updates (which run after it,
  runtime.PerUserUpdateProcessor) never overtake it. When the bot stops, waiting retries end at once
  with `Interrupted`, and the update is left for the next start to replay.
- **A backlog is said out loud**: when a request has waited more than `BACKLOG_WARNING_SECONDS`,
  a warning (at most once a minute) says how many wait and for how long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from enum import Enum
from itertools import count
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

# Endpoints that put a message in a chat (and so count toward its limit); getChatMember and the
# like are not paced.
PACED_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage")
FLOOD_WINDOW = 2.0  # seconds in which 429s for FLOOD_BACKOFF_CHATS chats mean "too fast overall"
RECOVERY_SECONDS = 5.0  # how often a backed-off cap is raised a step
RECOVERY_STEP = 1.25  # each step raises the cap by a quarter
MIN_CAP = 5.0  # the overall cap never drops below this many requests a second
BACKLOG_WARNING_SECONDS = 5.0
BACKLOG_WARNING_INTERVAL = 60.0
# Endpoints that deliver something to a person: a passing failure on them is retried. getUpdates has
# PTB's own retry loop; look-ups and the start-up profile calls are optional and hold nobody up.
DELIVERING_PREFIXES = (
    "send",
    "copy",
    "forward",
    "edit",
    "answer",
    "createInvoiceLink",
    "refundStarPayment",
    "deleteMessage",
    "setMessageReaction",
)
FIRST_RETRY_WAIT = 0.5
LONGEST_RETRY_WAIT = 8.0
STOP_CHECK_SECONDS = 0.25  # how often a waiting retry looks whether the bot is stopping


class Undelivered(NetworkError):
    """A delivering call still failed (5xx, network, timeout) when API_RETRY_SECONDS ran out."""


class Interrupted(NetworkError):
    """The bot is stopping: a call waiting to be retried is abandoned, and its update is replayed at
    the next start (it was never finished)."""


def is_transient(exc: TelegramError) -> bool:
    """A failure that may pass: what PTB calls a NetworkError (a 5xx answer, a transport failure, a
    timeout), except a BadRequest, which PTB also derives from it and which no retry changes."""
    return isinstance(exc, NetworkError) and not isinstance(exc, (BadRequest, Undelivered, Interrupted))


class Backoff:
    """The waits between tries of a call that keeps failing: `first`, doubling up to `longest`, while
    the time since the first failure stays within `budget` seconds (the last wait is cut to end there)."""

    def __init__(self, budget: float, first: float = FIRST_RETRY_WAIT, longest: float = LONGEST_RETRY_WAIT) -> None:
        self.budget = budget
        self.longest = longest
        self._next = first

    def wait(self, elapsed: float) -> float | None:
        """Seconds to wait before the next try, `elapsed` seconds after the first failure; None: give up."""
        left = self.budget - elapsed
        if left <= 0:
            return None
        wait = min(self._next, left)
        self._next = min(self.longest, self._next * 2)
        return wait


class Traffic(Enum):
    """What kind of request this is, for `rate_limit_args`."""

    DIRECT = "direct"  # a relay or an answer to a user's own action (the default)
    BULK = "bulk"  # the bot telling many users at once


class AdaptiveCap:
    """The overall cap: none while Telegram is content; halved on a wave of 429s; raised step by step."""

    def __init__(self, chats: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.chats = chats
        self.clock = clock
        self.cap: float | None = None
        self._restore_to = 0.0  # the send rate when the cap was set: lifted once it is reached
        self._next_step = 0.0
        self._sent: deque[float] = deque()  # send times over the last second
        self._floods: dict[object, float] = {}  # chat -> time of its last 429

    def sent(self) -> None:
        """Count one request sent (for the recent rate)."""
        now = self.clock()
        self._sent.append(now)
        while self._sent and self._sent[0] < now - 1.0:
            self._sent.popleft()

    def flooded(self, chat_id: object) -> bool:
        """A 429 for this chat; True if it began (or deepened) a back-off."""
        now = self.clock()
        self._floods[chat_id] = now
        for chat, when in list(self._floods.items()):
            if when < now - FLOOD_WINDOW:
                del self._floods[chat]
        if len(self._floods) < self.chats:
            return False
        recent = float(len([t for t in self._sent if t >= now - 1.0]))
        base = min(self.cap, recent) if self.cap is not None else recent
        self._restore_to = max(self._restore_to, recent)
        self.cap = max(MIN_CAP, base / 2)
        self._next_step = now + RECOVERY_SECONDS
        self._floods.clear()  # the next halving needs a new wave
        return True

    def current(self) -> float | None:
        """The cap now (None: no cap), raised a step for each quiet RECOVERY_SECONDS."""
        if self.cap is None:
            return None
        now = self.clock()
        while self.cap is not None and now >= self._next_step:
            self.cap *= RECOVERY_STEP
            self._next_step += RECOVERY_SECONDS
            if self.cap >= self._restore_to:
                self.cap = None
                self._restore_to = 0.0
        return self.cap


class PerChatRateLimiter(BaseRateLimiter[Traffic]):
    """Paces each chat, honours each 429 for the chat it names, caps bulk traffic, and backs off
    overall only when Telegram pushes back across many chats (see the module's docstring).

    Requests to one chat stay in order because each user's updates run one at a time. A request
    waits for its chat before it takes one of the `max_in_flight` slots, so a paced or paused chat
    never holds a slot the others need. Each slot carries about one request per round trip to
    Telegram (20-200 ms on a real link), so there are many (`API_CONCURRENCY`).
    """

    def __init__(
        self,
        chat_rate: float,
        chat_burst: int,
        bulk_rate: float,
        backoff_chats: int,
        max_retries: int,
        max_in_flight: int,
        retry_seconds: float = 0.0,
    ) -> None:
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._chats: dict[object, AsyncLimiter] = {}
        self._bulk = AsyncLimiter(bulk_rate, 1)
        self.adaptive = AdaptiveCap(backoff_chats)
        self._overall: AsyncLimiter | None = None
        self._overall_rate: float | None = None
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._max_retries = max_retries
        self._retry_seconds = retry_seconds
        # True once the bot is stopping: retries waiting then end with `Interrupted` (the bot sets it).
        self.stopping: Callable[[], bool] = lambda: False
        self._paused_until: dict[object, float] = {}  # chat id -> loop time the pause ends
        self._tickets = count()
        # Told of every error Telegram answers (the bot counts them and notes who blocked it).
        self.on_error: Callable[[object, TelegramError], None] | None = None
        self._waiting: dict[int, float] = {}  # ticket -> monotonic time it began waiting (oldest first)
        self._last_warning = float("-inf")

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Traffic | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for this chat (its pace, any 429 pause), the caps that apply, and a slot; call; on a
        429 pause the chat and try again; on a passing failure of a delivering call, back off and try again."""
        chat_id = data.get("chat_id")
        delivering = endpoint.startswith(DELIVERING_PREFIXES)

        def call() -> Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]:
            return callback(*args, **kwargs)

        if chat_id is None:  # getUpdates, getMe, answerCallbackQuery, ...: no chat to protect
            return await self._call_with_retries(call, endpoint, None, False, False, delivering)
        ticket = next(self._tickets)
        self._waiting[ticket] = time.monotonic()
        self._warn_of_backlog()
        try:
            paced = endpoint.startswith(PACED_PREFIXES)
            bulk = rate_limit_args is Traffic.BULK
            return await self._call_with_retries(call, endpoint, chat_id, paced, bulk, delivering, ticket)
        finally:
            self._waiting.pop(ticket, None)

    async def _call_with_retries(
        self,
        call: Callable[[], Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        endpoint: str,
        chat_id: object,
        paced: bool,
        bulk: bool,
        delivering: bool,
        ticket: int | None = None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        attempt = 0
        backoff: Backoff | None = None
        first_failure = 0.0
        while True:
            pause = self._paused_until.get(chat_id, 0.0) - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            else:
                self._paused_until.pop(chat_id, None)
            try:
                if chat_id is None:
                    return await call()
                if paced:
                    await self._chat_limiter(chat_id).acquire()
                if bulk:
                    await self._bulk.acquire()
                overall = self._current_overall()
                if overall is not None:
                    await overall.acquire()
                async with self._in_flight:
                    if ticket is not None:
                        self._waiting.pop(ticket, None)  # on the wire: no longer waiting
                    self.adaptive.sent()
                    return await call()
            except TelegramError as exc:
                if self.on_error is not None:
                    self.on_error(chat_id, exc)
                if delivering and is_transient(exc):
                    if backoff is None:
                        backoff, first_failure = Backoff(self._retry_seconds), loop.time()
                    wait = backoff.wait(loop.time() - first_failure)
                    if wait is None:
                        raise Undelivered(
                            f"{endpoint} to chat {chat_id} still failing after {self._retry_seconds:g} s: {exc.message}"
                        ) from exc
                    logger.info("%s to chat %s failed (%s): trying again in %.1f s", endpoint, chat_id, exc.message, wait)
                    await self._sleep_unless_stopping(wait, endpoint, chat_id)
                    continue
                if not isinstance(exc, RetryAfter):
                    raise
                if attempt >= self._max_retries:
                    logger.error("Chat %s still flooded after %s retries of %s", chat_id, self._max_retries, endpoint)
                    raise
                attempt += 1
                retry_after = exc.retry_after
                seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
                until = loop.time() + seconds + 0.1
                self._paused_until[chat_id] = max(self._paused_until.get(chat_id, 0.0), until)
                logger.info("429 for chat %s: pausing it for %.1f s (attempt %s)", chat_id, seconds, attempt)
                if chat_id is not None and self.adaptive.flooded(chat_id):
                    logger.warning("429s across many chats: capping all sends at %.0f a second", self.adaptive.cap)

    async def _sleep_unless_stopping(self, seconds: float, endpoint: str, chat_id: object) -> None:
        """Wait before a retry; raise `Interrupted` as soon as the bot is stopping."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while True:
            if self.stopping():
                raise Interrupted(f"{endpoint} to chat {chat_id} abandoned: the bot is stopping")
            left = until - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, STOP_CHECK_SECONDS))

    def _chat_limiter(self, chat_id: object) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            # A leaky bucket of `burst` that drains at `rate`: bursts pass, a steady flow is paced.
            limiter = self._chats[chat_id] = AsyncLimiter(self._chat_burst, self._chat_burst / self._chat_rate)
        return limiter

    def _current_overall(self) -> AsyncLimiter | None:
        rate = self.adaptive.current()
        if rate != self._overall_rate:
            self._overall_rate = rate
            self._overall = AsyncLimiter(rate, 1) if rate is not None else None
            if rate is None:
                logger.warning("Telegram is content again: no overall cap on sends")
        return self._overall

    def _warn_of_backlog(self) -> None:
        """Warn (at most once a minute) when requests have waited more than a few seconds."""
        if not self._waiting:
            return
        now = time.monotonic()
        oldest = next(iter(self._waiting.values()))
        if now - oldest > BACKLOG_WARNING_SECONDS and now - self._last_warning > BACKLOG_WARNING_INTERVAL:
            self._last_warning = now
            logger.warning(
                "Backlog: %s requests to Telegram are waiting, the oldest for %.0f s", len(self._waiting), now - oldest
            )

    def forget_idle(self) -> int:
        """Drop the pace of chats that have been quiet long enough to burst again, and ended pauses."""
        idle = [chat for chat, limiter in self._chats.items() if limiter.has_capacity(self._chat_burst)]
        for chat in idle:
            del self._chats[chat]
        now = asyncio.get_running_loop().time()
        ended = [chat for chat, until in self._paused_until.items() if until <= now]
        for chat in ended:
            del self._paused_until[chat]
        return len(idle) + len(ended)
