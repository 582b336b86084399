"""A local Telegram Bot API server for end-to-end tests.

A real HTTP server on 127.0.0.1 that answers `/bot<token>/<method>` like api.telegram.org:
long-polling getUpdates, the sending and editing methods, invoices, channel membership; Telegram's
status codes and error texts (400, 401, 403, 404, 429 with retry_after). It also fails the way
Telegram does now and then: `outage()` answers 5xx for a while (a 502 with the HTML page of the
front-end proxy, as api.telegram.org's does), `fail_next()` one call, `answer_late()` carries a call
out but answers after the client gave up, and `refuse_connections()` stops listening. Every call is checked
against `botapi_slice.json` (facts of the official Bot API): an unknown method, a missing required
parameter or an unknown one is answered as an error and recorded in `Emulator.violations`, which the
test fixtures assert to be empty. Every object the emulator injects is checked against the same types.

Tests play people through `Person`: `send()` text (with the entities Telegram adds), `press()` an
inline button by its label, `pay()` an invoice, `block()` the bot, and `wait_for()` what the bot says.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from botapi import (  # noqa: F401  (tests import these from here)
    BOT_ID,
    BOT_USER,
    CONTENT_FIELDS,
    HTTP_REASONS,
    SENDING_METHODS,
    SLICE,
    ApiError,
    check_object,
    media,
    text_entities,
)
from emulator_methods import BotApiMethods
from emulator_webhook import WebhookDelivery, parse_head
from person import Person


class Emulator(BotApiMethods, WebhookDelivery):
    """The server's state and its method implementations. Thread-safe through one condition."""

    def __init__(self, token: str = "123456:TEST-token_abcdefghij") -> None:
        self.token = token
        self.cond = threading.Condition()
        self.updates: list[dict] = []
        self.update_ids = itertools.count(1)
        self.users: dict[int, Person] = {}
        self.user_ids = itertools.count(100001)
        self.messages: dict[int, dict[int, dict]] = {}  # chat id -> message id -> message
        self.message_ids: dict[int, itertools.count] = {}
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, status, description) of every error answered
        self.violations: list[str] = []
        self.channels: dict[str, set[int]] = {}
        self.bot_admin_in: set[str] = set()
        self.flood_left: dict[int, int] = {}
        self.flood_retry_after: dict[int, int] = {}
        self.callback_answers: dict[str, dict] = {}
        self.precheckout_answers: dict[str, dict] = {}
        self.invoices: dict[tuple[int, int], dict] = {}  # (chat, message id) -> invoice params
        self.invoice_links: dict[str, dict] = {}  # createInvoiceLink slug -> invoice params
        self.charges: dict[str, dict] = {}  # charge id -> user_id, amount, payload, refunded, subscription
        self.subscriptions: dict[str, dict] = {}  # first charge id -> user_id, params, canceled, expires, charges
        self.copies: dict[tuple[int, int], tuple[int, int]] = {}  # copy -> original (chat, message id)
        self.failures: dict[str, list[ApiError]] = {}  # method -> errors to answer next
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering
        self.late_answers: dict[str, list[tuple[float, bool]]] = {}  # method -> (seconds, carried out) of its next answers
        self.outage_until = 0.0  # monotonic time until which every call but getUpdates gets outage_code
        self.outage_code = 502
        self.conflict_until = 0.0  # monotonic time until which another process "polls" this token
        self.outage_methods: frozenset[str] | None = None  # None: every method but getUpdates
        self.holding: dict[str, int] = {}  # method -> calls being held by a delay now
        self.flood_rate_limit: dict[int, float] = {}  # chat id -> sends allowed per second
        self.flooded_until: dict[int, float] = {}  # chat id -> monotonic time its flood ends
        self.recent_sends: dict[int, list[float]] = {}
        self.delivered_at: dict[tuple[int, int], float] = {}  # original (chat, message id) -> copy time
        self.deleted: list[tuple[int, int]] = []  # (chat, message id) the bot deleted, in order
        self.reactions: dict[tuple[int, int], list[dict]] = {}  # (chat, message id) -> the bot's reaction
        self.files: dict[str, tuple[int, int]] = {}  # file id -> the (chat, message id) it first came in
        # What the bot set of its profile: (field, scope JSON, language) -> value; and the set calls'
        # times, limited to profile_sets_per_minute (None: no limit) as Telegram does.
        self.profile: dict[tuple[str, ...], Any] = {}
        self.profile_sets: list[float] = []
        self.profile_sets_per_minute: int | None = None
        self.url = ""  # set by the fixtures to what start() returns
        self.connection_tasks: set[asyncio.Task[None]] = set()
        self.polls = 0
        self.polls_at_last_push = 0
        self.server: asyncio.base_events.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.init_webhook()

    # Server

    def start(self) -> str:
        """Serve on a free loopback port; returns the root URL for TELEGRAM_API_URL.

        An asyncio server in its own thread: bots keep hundreds of connections open, and a thread
        per connection would spend its time fighting over the GIL.
        """
        ready = threading.Event()

        async def serve() -> None:
            self.loop = asyncio.get_running_loop()
            self.wakeup = asyncio.Event()
            self.stopping = asyncio.Event()
            self.server = await asyncio.start_server(self.handle_connection, "127.0.0.1", 0, backlog=1024)
            self.port = self.server.sockets[0].getsockname()[1]
            deliverer = asyncio.create_task(self.deliver_webhooks())
            ready.set()
            await self.stopping.wait()
            self.server.close()
            deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await deliverer
            connections = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in connections:
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

        self.thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
        self.thread.start()
        ready.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None and self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.stopping.set)
            self.thread.join(5)
        with self.cond:
            self.cond.notify_all()

    def wake_pollers(self) -> None:
        """Tell waiting getUpdates calls that something happened (callable from any thread)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.wakeup.set)
        self.wake_webhook()

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/1.1 with keep-alive: one request after another on the connection."""
        task = asyncio.current_task()
        if task is not None:
            self.connection_tasks.add(task)
        try:
            while True:
                request_line, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
                _, target, _ = request_line.split(" ", 2)
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = await self.handle_request(target, headers.get("content-type", ""), body)
                if isinstance(payload, bytes):  # a front-end proxy's own page, not the Bot API's JSON
                    data, kind = payload, "text/html"
                else:
                    data, kind = json.dumps(payload).encode(), "application/json"
                writer.write(
                    f"HTTP/1.1 {status} {HTTP_REASONS.get(status, 'Error')}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode() + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError, ValueError):
            pass  # the client closed the connection (a bot stopping mid-poll, for example)
        finally:
            writer.close()
            if task is not None:
                self.connection_tasks.discard(task)

    async def handle_request(self, target: str, content_type: str, body: bytes) -> tuple[int, dict | bytes]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", target.split("?")[0])
        try:
            if not match:
                raise ApiError(404, "Not Found")
            if match.group(1) != self.token:
                raise ApiError(401, "Unauthorized")
            method = match.group(2)
            params = self.parse_body(content_type, body)
            outage = self.outage_answer(method)
            if outage is not None:
                return outage
            late, carried_out = self.take_late_answer(method)
            if late:
                # A slow network: the request reached Telegram and was carried out, or was lost on the
                # way; either way the answer comes after the client stopped waiting.
                result = self.call(method, params) if carried_out else None
                await asyncio.sleep(late)
                if not carried_out:
                    raise ApiError(504, "Gateway Timeout")
                return 200, {"ok": True, "result": result}
            if method == "getUpdates":
                params = self.check_call(method, params)
                return 200, {"ok": True, "result": await self.get_updates(params)}
            if self.delays.get(method):
                # A slow Telegram: the bot's handler is mid-flight meanwhile. The call is carried out
                # even if the bot dies while it waits, as Telegram does once a request reached it.
                with self.cond:
                    self.holding[method] = self.holding.get(method, 0) + 1
                    self.cond.notify_all()  # a test may be waiting for a call to be on the wire
                try:
                    await asyncio.sleep(self.delays[method])
                finally:
                    with self.cond:
                        self.holding[method] -= 1
            return 200, {"ok": True, "result": self.call(method, params)}
        except ApiError as exc:
            with self.cond:
                self.errors.append((match.group(2) if match else "?", exc.code, exc.description))
            payload = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            return exc.code, payload

    def outage_answer(self, method: str) -> tuple[int, dict | bytes] | None:
        """During an outage: the 5xx Telegram's front end answers instead of carrying the call out."""
        with self.cond:
            if time.monotonic() >= self.outage_until:
                return None
            if self.outage_methods is None and method == "getUpdates":
                return None
            if self.outage_methods is not None and method not in self.outage_methods:
                return None
            code = self.outage_code
            self.errors.append((method, code, HTTP_REASONS.get(code, "Error")))
        if code == 502:
            return code, b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        return code, {"ok": False, "error_code": code, "description": HTTP_REASONS.get(code, "Error")}

    def take_late_answer(self, method: str) -> tuple[float, bool]:
        with self.cond:
            queue = self.late_answers.get(method)
            return queue.pop(0) if queue else (0.0, True)

    @staticmethod
    def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
        """Form, multipart or JSON bodies, as the Bot API accepts; files become their names."""
        if not body:
            return {}
        if content_type.startswith("application/json"):
            return json.loads(body)
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
            params: dict[str, Any] = {}
            for part in message.iter_parts():
                name = str(part.get_param("name", header="content-disposition"))
                filename = part.get_filename()
                payload = part.get_payload(decode=True)
                content = payload if isinstance(payload, bytes) else b""
                params[name] = (
                    {"file": filename, "size": len(content), "head": content[:8].hex()} if filename else content.decode()
                )
            return params
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    # Checking calls against the Bot API

    def check_call(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Check a call against the Bot API; returns its parameters with their proper types."""
        spec = SLICE["methods"].get(method)
        if spec is None:
            self.violation(f"unknown method {method}")
            raise ApiError(404, "Not Found")
        params: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in spec:
                self.violation(f"{method}: unknown parameter {name}")
                raise ApiError(400, f"Bad Request: unknown parameter {name}")
            params[name] = self.coerce(method, name, value, spec[name]["types"])
        for name, field in spec.items():
            if field["required"] and name not in params:
                self.violation(f"{method}: missing required parameter {name}")
                raise ApiError(400, f"Bad Request: parameter {name} is required")
        return params

    def call(self, method: str, raw: dict[str, Any]) -> Any:
        """Check and carry out a (non-polling) call."""
        params = self.check_call(method, raw)
        with self.cond:
            self.calls.append((method, params))
            if self.failures.get(method):
                raise self.failures[method].pop(0)
            chat_id = params.get("chat_id")
            if method in SENDING_METHODS and isinstance(chat_id, int):
                self.check_flood(chat_id)
        handler = getattr(self, "api_" + method, None)
        with self.cond:
            result = handler(params) if handler else True
            self.cond.notify_all()
            return result

    def coerce(self, method: str, name: str, value: Any, types: list[str]) -> Any:
        """Turn a form value into the type the Bot API expects, or answer 400."""
        if not isinstance(value, str):
            return value
        for kind in types:
            try:
                if kind == "Integer":
                    return int(value)
                if kind == "Float":
                    return float(value)
                if kind == "Boolean":
                    if value.lower() not in ("true", "false"):
                        raise ValueError(value)
                    return value.lower() == "true"
                if kind == "String":
                    return value
                if kind == "InputFile":
                    return value
                return json.loads(value)
            except ValueError:
                continue
        self.violation(f"{method}: parameter {name} is not {' or '.join(types)}")
        raise ApiError(400, f"Bad Request: wrong type of parameter {name}")

    def check_flood(self, chat_id: int) -> None:
        """Answer 429 in flood mode: a number of times, or whenever the chat exceeds its rate."""
        if self.flood_left.get(chat_id):
            self.flood_left[chat_id] -= 1
            retry = self.flood_retry_after.get(chat_id, 1)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        until = self.flooded_until.get(chat_id, 0.0)
        if until > time.monotonic():
            retry = max(1, math.ceil(until - time.monotonic()))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        rate = self.flood_rate_limit.get(chat_id)
        if rate:
            now = time.monotonic()
            recent = [t for t in self.recent_sends.get(chat_id, []) if t > now - 1.0]
            if len(recent) >= rate:
                self.recent_sends[chat_id] = recent
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self.recent_sends[chat_id] = [*recent, now]

    def violation(self, text: str) -> None:
        with self.cond:
            self.violations.append(text)

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates (checked against the Update type first)."""
        with self.cond:
            update = {"update_id": next(self.update_ids), **update}
            for problem in check_object(update, "Update"):
                self.violations.append(f"emulator built a bad update: {problem}")
            if self.makes(update):
                self.updates.append(update)
            self.polls_at_last_push = self.polls
            self.cond.notify_all()
        self.wake_pollers()
        return update

    def push_messages(
        self, messages: list[tuple[Person, str]], kind: str | None = None
    ) -> tuple[float, list[tuple[int, int]]]:
        """Send many texts (or media of `kind`, each text its caption) at one instant (for load tests):
        that instant, and each (chat, message id)."""
        with self.cond:
            updates: list[dict[str, Any]] = []
            for person, text in messages:
                content = media(kind, text) if kind else {"text": text}
                message = self.new_message(person.id, person.user, content)
                updates.append({"update_id": next(self.update_ids), "message": message})
            pushed_at = time.monotonic()
            self.updates.extend(u for u in updates if self.makes(u))
            self.cond.notify_all()
        self.wake_pollers()
        return pushed_at, [(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates]

    # Test controls

    def add_channel(self, username: str, bot_is_admin: bool = True) -> None:
        with self.cond:
            self.channels.setdefault(username, set())
            if bot_is_admin:
                self.bot_admin_in.add(username)

    def flood_rate(self, chat_id: int, per_second: float) -> None:
        """Like Telegram: more than `per_second` sends into this chat within a second get 429."""
        with self.cond:
            self.flood_rate_limit[chat_id] = per_second

    def flood(self, chat_id: int, times: int, retry_after: int = 1) -> None:
        """The next `times` sends into this chat are answered 429 with retry_after."""
        with self.cond:
            self.flood_left[chat_id] = times
            self.flood_retry_after[chat_id] = retry_after

    def flood_for(self, chat_id: int, seconds: float) -> None:
        """Every send into this chat for the next `seconds` is answered 429, retry_after the time left."""
        with self.cond:
            self.flooded_until[chat_id] = time.monotonic() + seconds

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds`."""
        with self.cond:
            self.delays[method] = seconds

    def fail_next(self, method: str, code: int = 400, description: str = "Bad Request: injected failure") -> None:
        """Answer the next call of `method` with this error (it is not carried out)."""
        with self.cond:
            self.failures.setdefault(method, []).append(ApiError(code, description))

    def outage(self, seconds: float, code: int = 502, methods: set[str] | None = None) -> None:
        """For `seconds`, answer every call (but getUpdates, unless named in `methods`) with `code`,
        carrying nothing out: Telegram's front end failing, as it sometimes does for a while."""
        with self.cond:
            self.outage_until = time.monotonic() + seconds
            self.outage_code = code
            self.outage_methods = frozenset(methods) if methods is not None else None

    def conflict(self, seconds: float) -> None:
        """For `seconds`, another process polls the same token: every getUpdates gets Telegram's 409."""
        with self.cond:
            self.conflict_until = time.monotonic() + seconds
        self.wake_pollers()  # Telegram ends a long poll waiting now: "terminated by other getUpdates request"

    def answer_late(self, method: str, seconds: float, carried_out: bool = True) -> None:
        """Answer the next call of `method` only after `seconds` (longer than the client waits, it times
        out). `carried_out`: the call reached Telegram and was done at once; else it was lost on the way."""
        with self.cond:
            self.late_answers.setdefault(method, []).append((seconds, carried_out))

    def refuse_connections(self, seconds: float) -> None:
        """Close every connection and refuse new ones for `seconds` (Telegram unreachable), then listen
        again on the same port."""
        assert self.loop is not None
        done = threading.Event()

        async def refuse() -> None:
            assert self.server is not None
            self.server.close()
            for task in list(self.connection_tasks):
                task.cancel()
            done.set()
            await asyncio.sleep(seconds)
            self.server = await asyncio.start_server(self.handle_connection, "127.0.0.1", self.port, backlog=1024)

        asyncio.run_coroutine_threadsafe(refuse(), self.loop)
        done.wait(5)

    def person(
        self, first_name: str = "Test", username: str | None = None, language_code: str = "en", has_username: bool = True
    ) -> Person:
        with self.cond:
            user_id = next(self.user_ids)
            if has_username:
                username = username or f"{first_name.lower()}{user_id}"
            person = Person(self, user_id, first_name, username if has_username else None, language_code)
            self.users[user_id] = person
            return person

    def calls_of(self, method: str) -> list[dict]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    def wait_until(self, predicate: Any, timeout: float = 10.0, what: str = "condition") -> Any:
        """Wait (on the state's condition) until predicate() is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                # Wake now and then: some predicates watch things outside the state (a process).
                self.cond.wait(min(left, 0.1))

    def wait_for_poll(self, timeout: float = 20.0) -> None:
        """Wait until the bot (re)starts polling."""
        start = self.polls
        self.wait_until(lambda: self.polls > start, timeout, "the bot to poll getUpdates")

    def polls_since_last_push(self) -> int:
        """getUpdates calls since the newest update was queued (one more confirms the batch)."""
        with self.cond:
            return self.polls - self.polls_at_last_push

    def pending_updates(self) -> int:
        with self.cond:
            return len(self.updates)
