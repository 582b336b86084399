"""The HTTP client the bot talks to Telegram with (aiohttp, behind PTB's `BaseRequest`), and the
polling request that journals each batch of updates and beats the heartbeat."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
# PTB's own types for a request's timeouts and a parsed answer: BaseRequest's signatures use them and
# PTB exports them nowhere public.
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)


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
                payload = await response.read()
                if response.status >= 400 and not payload.lstrip().startswith(b"{"):
                    # A front end's error page (nginx's HTML for a 502), not the Bot API's answer: PTB
                    # would quote all of it in the error, in every retry's log line during an outage.
                    description = (
                        f"{response.reason} ({response.status}) from a proxy in front of the Bot API"
                        f" ({response.content_type}, not JSON)"
                    )
                    payload = json.dumps({"ok": False, "error_code": response.status, "description": description}).encode()
                return response.status, payload
        except TimeoutError as exc:
            raise TimedOut(f"aiohttp.{exc.__class__.__name__}") from exc
        except aiohttp.ClientError as exc:
            # The class name says what failed when the message is empty. Some aiohttp errors quote
            # the URL, and the URL holds the token: it is cut out before anyone logs the message.
            token_part = url.rsplit("/", 2)[-2]
            message = str(exc).replace(token_part, "bot<token>").replace(quote(token_part), "bot<token>")
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {message}") from exc


class ConflictWatch:
    """409 Conflicts on getUpdates: another process takes this token's updates (a second copy of the
    bot, or a webhook set elsewhere). Said once per streak; a streak with no successful poll for
    `exit_after` seconds means giving up, so that a supervisor never keeps two copies fighting."""

    def __init__(self, exit_after: float) -> None:
        self.exit_after = exit_after
        self.since: float | None = None  # when the current streak began
        self.gave_up = False
        self.polls_in_flight = 0  # counted by PollingRequest
        self._stopping = False

    def polled(self) -> None:
        """A poll succeeded: any streak is over."""
        self.since = None

    def conflict(self, now: float) -> tuple[bool, bool]:
        """Count a conflict: (the streak's first, the streak is past exit_after)."""
        first = self.since is None
        if self.since is None:
            self.since = now
        self.gave_up = self.gave_up or now - self.since >= self.exit_after
        return first, self.gave_up

    @property
    def stopping(self) -> bool:
        """The bot is stopping over this conflict."""
        return self._stopping

    def stop_once(self) -> bool:
        """True the first time only: the 409 past the deadline and the deadline's timer may both stop the bot."""
        first, self._stopping = not self._stopping, True
        return first

    def outlasted(self, since: float) -> bool:
        """At exit_after past the start of the streak that began at `since`: whether it still goes on
        (PTB's next poll may be 30 s away, so the deadline is kept by a timer, not by the next 409).
        With a poll in flight, its answer decides: a 409 gives up, a success ends the streak."""
        self.gave_up = self.gave_up or (self.since == since and not self.polls_in_flight)
        return self.gave_up


def cut_polling_wait(updater: object) -> bool:
    """End PTB's polling task now, while it sleeps between failed polls; True if there was one.
    PTB sleeps 1 s, then half as long again each time, up to 30 s, and sees a stop only when it
    wakes, so a bot stopped in a lasting conflict would outlive CONFLICT_EXIT_SECONDS by that sleep.
    Only for a task with no poll in flight (ConflictWatch.polls_in_flight): PTB runs the poll in a
    task of its own, which cancelling the loop would leave running, holding the polling connection
    PTB's last getUpdates needs. PTB keeps the task in a private attribute (tests/test_http.py fails
    if a PTB upgrade renames it)."""
    task = getattr(updater, "_Updater__polling_task", None)
    if isinstance(task, asyncio.Task) and not task.done():
        task.cancel()
        return True
    return False


class PollingRequest(AiohttpRequest):
    """The getUpdates HTTP client: journals each batch of updates before PTB sees it, and touches
    the heartbeat file whenever a poll succeeds.

    PTB confirms a batch to Telegram when it asks for the next one, so without the journal a
    `kill -9` would lose the updates still being handled. `python bot.py --health` reads the
    heartbeat's age, so a stalled polling loop fails the health check.
    """

    def __init__(
        self,
        heartbeat_file: str,
        on_updates: Callable[[list[dict[str, Any]]], None],
        conflicts: ConflictWatch | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.heartbeat_file = heartbeat_file
        self.on_updates = on_updates
        self.conflicts = conflicts
        self._last_beat = 0.0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """A poll, counted while in flight (a conflict's deadline waits for its answer)."""
        if self.conflicts is None:
            return await super().do_request(*args, **kwargs)
        self.conflicts.polls_in_flight += 1
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self.conflicts.polls_in_flight -= 1

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """Parse a poll's answer once, for PTB and for the journal; journal its updates and, if the poll
        succeeded, refresh the heartbeat (at most once a second)."""
        answer = AiohttpRequest.parse_json_payload(payload)
        if not answer.get("ok"):
            return answer  # PTB raises what Telegram said
        if self.conflicts is not None:
            self.conflicts.polled()
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
