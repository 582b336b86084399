"""A local Telegram Bot API server for end-to-end tests.

A real HTTP server on 127.0.0.1 that answers `/bot<token>/<method>` like api.telegram.org:
long-polling getUpdates, the sending and editing methods, invoices, channel membership; Telegram's
status codes and error texts (400, 401, 403, 404, 429 with retry_after). Every call is checked
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
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

SLICE = json.loads((Path(__file__).with_name("botapi_slice.json")).read_text(encoding="utf-8"))
BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Anon Chat", "username": "anon_chat_test_bot"}
SENDING_METHODS = frozenset(
    {"sendMessage", "copyMessage", "copyMessages", "forwardMessage", "sendPhoto", "sendMediaGroup", "sendInvoice"}
)
CONTENT_FIELDS = (
    "text", "entities", "photo", "caption", "caption_entities", "sticker", "voice", "video", "video_note",
    "animation", "audio", "document", "location", "venue", "dice", "poll", "contact", "media_group_id",
    "has_media_spoiler", "show_caption_above_media",
)  # fmt: skip
URL_RE = re.compile(r"https?://\S+|www\.\S+")
MENTION_RE = re.compile(r"(?<![\w.])@[A-Za-z]\w{3,}")
PNG_SIGNATURE = "89504e470d0a1a0a"
HTTP_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                429: "Too Many Requests"}  # fmt: skip
COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]+(?:@\w+)?")


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def text_entities(text: str) -> list[dict]:
    """The entities Telegram would add to a typed text: bot_command, url, mention."""
    entities = []
    found = []
    match = COMMAND_RE.match(text)
    if match:
        found.append(("bot_command", match))
    found += [("url", m) for m in URL_RE.finditer(text)]
    found += [("mention", m) for m in MENTION_RE.finditer(text)]
    for kind, m in sorted(found, key=lambda item: item[1].start()):
        entities.append(
            {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
        )
    return entities


def check_object(obj: Any, type_name: str, path: str = "") -> list[str]:
    """Problems with an object the emulator builds: missing required fields, unknown fields."""
    spec = SLICE["types"].get(type_name)
    if spec is None or not isinstance(obj, dict):
        return []
    problems = [f"{path}{type_name}.{name} is required" for name, f in spec.items() if f["required"] and name not in obj]
    for name, value in obj.items():
        if name not in spec:
            problems.append(f"{path}{type_name} has no field {name}")
            continue
        for field_type in spec[name]["types"]:
            inner = field_type.removeprefix("Array of ")
            values = value if field_type.startswith("Array of ") and isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, list):  # Array of Array of X (keyboards)
                    for sub in item:
                        problems += check_object(sub, inner.removeprefix("Array of "), f"{path}{name}.")
                else:
                    problems += check_object(item, inner, f"{path}{name}.")
    return problems


def media(kind: str, caption: str | None = None) -> dict:
    """Content fields of a message of this kind, shaped like Telegram's."""

    def file(**more: Any) -> dict:
        return {"file_id": "BQAC" + uuid.uuid4().hex, "file_unique_id": uuid.uuid4().hex[:12], **more}

    thumb = file(width=90, height=90)
    contents: dict[str, dict[str, Any]] = {
        "photo": {"photo": [file(width=90, height=90), file(width=1280, height=960)]},
        "video": {"video": file(width=640, height=360, duration=12)},
        "animation": {"animation": file(width=320, height=240, duration=3), "document": file(file_name="a.mp4")},
        "sticker": {"sticker": file(type="regular", width=512, height=512, is_animated=False, is_video=False)},
        "voice": {"voice": file(duration=4)},
        "video_note": {"video_note": file(length=240, duration=5, thumbnail=thumb)},
        "audio": {"audio": file(duration=180, title="Song")},
        "document": {"document": file(file_name="notes.pdf", mime_type="application/pdf")},
        "location": {"location": {"latitude": 48.85, "longitude": 2.35}},
        "venue": {
            "venue": {"location": {"latitude": 48.85, "longitude": 2.35}, "title": "Cafe", "address": "1 Main St"},
            "location": {"latitude": 48.85, "longitude": 2.35},
        },
        "dice": {"dice": {"emoji": "🎲", "value": 4}},
        "poll": {
            "poll": {
                "id": uuid.uuid4().hex, "question": "Tea or coffee?",
                "options": [{"persistent_id": "1", "text": "Tea", "voter_count": 0},
                            {"persistent_id": "2", "text": "Coffee", "voter_count": 0}],
                "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                "allows_multiple_answers": False, "allows_revoting": False, "members_only": False,
            }
        },  # fmt: skip
        "contact": {"contact": {"phone_number": "+15550001111", "first_name": "Someone"}},
    }
    content = dict(contents[kind])
    if caption is not None:
        content["caption"] = caption
    return content


class Emulator:
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
        self.copies: dict[tuple[int, int], tuple[int, int]] = {}  # copy -> original (chat, message id)
        self.failures: dict[str, list[ApiError]] = {}  # method -> errors to answer next
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering
        self.flood_rate_limit: dict[int, float] = {}  # chat id -> sends allowed per second
        self.flooded_until: dict[int, float] = {}  # chat id -> monotonic time its flood ends
        self.recent_sends: dict[int, list[float]] = {}
        self.delivered_at: dict[tuple[int, int], float] = {}  # original (chat, message id) -> copy time
        self.url = ""  # set by the fixtures to what start() returns
        self.polls = 0
        self.polls_at_last_push = 0
        self.server: asyncio.base_events.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

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
            ready.set()
            await self.stopping.wait()
            self.server.close()
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

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/1.1 with keep-alive: one request after another on the connection."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                _, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = await self.handle_request(target, headers.get("content-type", ""), body)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {HTTP_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode() + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError, ValueError):
            pass  # the client closed the connection (a bot stopping mid-poll, for example)
        finally:
            writer.close()

    async def handle_request(self, target: str, content_type: str, body: bytes) -> tuple[int, dict]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", target.split("?")[0])
        try:
            if not match:
                raise ApiError(404, "Not Found")
            if match.group(1) != self.token:
                raise ApiError(401, "Unauthorized")
            method = match.group(2)
            params = self.parse_body(content_type, body)
            if method == "getUpdates":
                params = self.check_call(method, params)
                return 200, {"ok": True, "result": await self.get_updates(params)}
            if self.delays.get(method):
                await asyncio.sleep(self.delays[method])  # a slow Telegram: the bot's handler is mid-flight meanwhile
            return 200, {"ok": True, "result": self.call(method, params)}
        except ApiError as exc:
            with self.cond:
                self.errors.append((match.group(2) if match else "?", exc.code, exc.description))
            payload = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            return exc.code, payload

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

    # Helpers for the methods

    def new_message(self, chat_id: int, sender: dict, content: dict) -> dict:
        """Store a message in a private chat and return it."""
        counter = self.message_ids.setdefault(chat_id, itertools.count(1))
        person = self.users[chat_id]
        message = {
            "message_id": next(counter),
            "from": sender,
            "chat": {"id": chat_id, "type": "private", "first_name": person.first_name},
            "date": int(time.time()),
            **content,
        }
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        return message

    def target(self, params: dict, key: str = "chat_id") -> int:
        """The private chat a method writes to; 400 if unknown, 403 if the user blocked the bot."""
        chat_id = params.get(key)
        if not isinstance(chat_id, int) or chat_id not in self.users:
            raise ApiError(400, "Bad Request: chat not found")
        if self.users[chat_id].blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def find_message(self, params: dict, what: str) -> dict:
        chat_id = self.target(params)
        message_id = params.get("message_id")
        message = self.messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return message

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates (checked against the Update type first)."""
        with self.cond:
            update = {"update_id": next(self.update_ids), **update}
            for problem in check_object(update, "Update"):
                self.violations.append(f"emulator built a bad update: {problem}")
            self.updates.append(update)
            self.polls_at_last_push = self.polls
            self.cond.notify_all()
        self.wake_pollers()
        return update

    def push_messages(self, messages: list[tuple[Person, str]]) -> tuple[float, list[tuple[int, int]]]:
        """Send many texts at one instant (for load tests): that instant, and each (chat, message id)."""
        with self.cond:
            updates: list[dict[str, Any]] = []
            for person, text in messages:
                message = self.new_message(person.id, person.user, {"text": text})
                updates.append({"update_id": next(self.update_ids), "message": message})
            pushed_at = time.monotonic()
            self.updates.extend(updates)
            self.cond.notify_all()
        self.wake_pollers()
        return pushed_at, [(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates]

    # Methods (called with self.cond held, except getUpdates)

    def api_getMe(self, params: dict) -> dict:  # noqa: N802
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def get_updates(self, params: dict) -> list[dict]:
        """Long polling: answer at once if updates wait, else when one arrives or the timeout ends."""
        offset = params.get("offset")
        limit = params.get("limit") or 100
        allowed = params.get("allowed_updates")
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self.cond:
            self.polls += 1
            self.calls.append(("getUpdates", params))
            self.cond.notify_all()
        while True:
            self.wakeup.clear()
            with self.cond:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = [u for u in self.updates if not allowed or any(k in u for k in allowed)][:limit]
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), left)

    def api_sendMessage(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        text = params["text"]
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return self.new_message(chat_id, BOT_USER, content)

    def api_copyMessage(self, params: dict) -> dict:  # noqa: N802
        source_chat = params["from_chat_id"]
        source = self.messages.get(source_chat, {}).get(params["message_id"]) if isinstance(source_chat, int) else None
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        if "successful_payment" in source or "invoice" in source:
            raise ApiError(400, "Bad Request: message can't be copied")
        chat_id = self.target(params)
        content = {k: v for k, v in source.items() if k in CONTENT_FIELDS and k != "media_group_id"}
        if "caption" in params:
            content["caption"] = params["caption"]
        reply = params.get("reply_parameters")
        if reply:
            target = self.messages.get(chat_id, {}).get(reply["message_id"])
            if target is None and not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            if target is not None:
                content["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        return {"message_id": self.store_copy(chat_id, source_chat, source, content)["message_id"]}

    def store_copy(self, chat_id: int, source_chat: int, source: dict, content: dict) -> dict:
        copy = self.new_message(chat_id, BOT_USER, content)
        self.copies[(chat_id, copy["message_id"])] = (source_chat, source["message_id"])
        self.delivered_at[(source_chat, source["message_id"])] = time.monotonic()
        return copy

    def api_copyMessages(self, params: dict) -> list[dict]:  # noqa: N802
        source_chat = params["from_chat_id"]
        ids = params["message_ids"]
        if not ids or len(ids) > 100 or ids != sorted(set(ids)):
            raise ApiError(400, "Bad Request: message identifiers must be in strictly increasing order")
        found = [self.messages.get(source_chat, {}).get(i) for i in ids]
        sources = [s for s in found if s is not None]
        if len(sources) < len(found):
            raise ApiError(400, "Bad Request: message to copy not found")
        chat_id = self.target(params)
        group = uuid.uuid4().hex[:12]
        result = []
        for source in sources:
            content = {k: v for k, v in source.items() if k in CONTENT_FIELDS and k != "media_group_id"}
            if source.get("media_group_id"):
                content["media_group_id"] = group  # an album stays an album
            result.append({"message_id": self.store_copy(chat_id, source_chat, source, content)["message_id"]})
        return result

    def api_sendInvoice(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        prices = params["prices"]
        if params["currency"] == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise ApiError(400, "Bad Request: STARS_INVOICE_INVALID")
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": sum(p["amount"] for p in prices),
        }
        message = self.new_message(chat_id, BOT_USER, {"invoice": invoice})
        self.invoices[(chat_id, message["message_id"])] = params
        return message

    def api_answerPreCheckoutQuery(self, params: dict) -> bool:  # noqa: N802
        if params["pre_checkout_query_id"] in self.precheckout_answers:
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
        if not params["ok"] and not params.get("error_message"):
            raise ApiError(400, "Bad Request: error_message is required when ok is false")
        self.precheckout_answers[params["pre_checkout_query_id"]] = params
        return True

    def api_answerCallbackQuery(self, params: dict) -> bool:  # noqa: N802
        if params["callback_query_id"] in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[params["callback_query_id"]] = params
        return True

    def api_editMessageText(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        message.pop("entities", None)
        if params.get("entities"):
            message["entities"] = params["entities"]
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def api_editMessageCaption(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        if "caption" not in message and not any(k in message for k in ("photo", "video", "document", "audio", "animation", "voice")):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        message["caption"] = params.get("caption", "")
        message["edit_date"] = int(time.time())
        return message

    def api_editMessageReplyMarkup(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        markup = params.get("reply_markup")
        if not markup or not markup.get("inline_keyboard"):
            markup = None
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def api_sendPhoto(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        photo = params["photo"]
        if not isinstance(photo, dict) or photo.get("head") != PNG_SIGNATURE:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        size = {"file_id": "AgAC" + uuid.uuid4().hex, "file_unique_id": uuid.uuid4().hex[:10], "width": 900,
                "height": 450, "file_size": photo["size"]}  # fmt: skip
        content: dict[str, Any] = {"photo": [size]}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self.new_message(chat_id, BOT_USER, content)

    def api_getChatMember(self, params: dict) -> dict:  # noqa: N802
        channel = params["chat_id"]
        if channel not in self.channels:
            raise ApiError(400, "Bad Request: chat not found")
        if params["user_id"] == BOT_ID:
            if channel not in self.bot_admin_in:
                return {"status": "left", "user": BOT_USER}
            rights = ("can_be_edited", "can_change_info", "can_delete_messages", "can_delete_stories",
                      "can_edit_stories", "can_invite_users", "can_manage_chat", "can_manage_video_chats",
                      "can_post_stories", "can_promote_members", "can_restrict_members", "is_anonymous")  # fmt: skip
            return {"status": "administrator", "user": BOT_USER, **{right: False for right in rights}}
        if channel not in self.bot_admin_in:
            raise ApiError(400, "Bad Request: member list is inaccessible")
        user_id = params["user_id"]
        person = self.users.get(user_id)
        user = person.user if person else {"id": user_id, "is_bot": False, "first_name": "?"}
        status = "member" if user_id in self.channels[channel] else "left"
        return {"status": status, "user": user}

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
        """Answer the next call of `method` with this error."""
        with self.cond:
            self.failures.setdefault(method, []).append(ApiError(code, description))

    def person(self, first_name: str = "Test", username: str | None = None) -> Person:
        with self.cond:
            user_id = next(self.user_ids)
            person = Person(self, user_id, first_name, username or f"{first_name.lower()}{user_id}")
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


class Person:
    """A simulated Telegram user talking to the bot in a private chat."""

    def __init__(self, emulator: Emulator, user_id: int, first_name: str, username: str) -> None:
        self.emu = emulator
        self.id = user_id
        self.first_name = first_name
        self.username = username
        self.blocked = False
        self.cursor = 0  # how many of the bot's messages this person has read

    @property
    def user(self) -> dict:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "username": self.username,
                "language_code": "en"}  # fmt: skip

    @property
    def chat(self) -> dict:
        return {"id": self.id, "type": "private", "first_name": self.first_name, "username": self.username}

    # Acting

    def send(self, text: str, entities: list[dict] | None = None, reply_to: dict | None = None) -> dict:
        """Type and send a text (commands included); Telegram's entities are added."""
        content: dict[str, Any] = {"text": text}
        found = text_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self.send_content(content, reply_to)

    def send_content(self, content: dict, reply_to: dict | None = None) -> dict:
        """Send a message with the given content fields (photo, sticker, contact, ...)."""
        if reply_to is not None:
            content = {**content, "reply_to_message": {k: v for k, v in reply_to.items() if k != "reply_to_message"}}
        with self.emu.cond:
            message = self.emu.new_message(self.id, self.user, content)
        self.emu.push_update({"message": message})
        return message

    def send_media(self, kind: str, caption: str | None = None, **extra: Any) -> dict:
        """Send a photo, video, sticker, voice, poll, ... (see media())."""
        return self.send_content({**media(kind, caption), **extra})

    def send_album(self, count: int, caption: str | None = None, kind: str = "photo") -> list[dict]:
        """Send several photos (or videos) as one album: messages sharing a media_group_id."""
        group = uuid.uuid4().hex[:12]
        return [
            self.send_content({**media(kind, caption if index == 0 else None), "media_group_id": group})
            for index in range(count)
        ]

    def edit(self, message: dict, text: str) -> dict:
        """Edit one of this person's messages (its text, or its caption for media)."""
        field = "text" if "text" in message else "caption"
        with self.emu.cond:
            stored = self.emu.messages[self.id][message["message_id"]]
            stored[field] = text
            stored.pop("entities" if field == "text" else "caption_entities", None)
            found = text_entities(text)
            if found and field == "text":
                stored["entities"] = found
            stored["edit_date"] = int(time.time())
            edited = dict(stored)
        self.emu.push_update({"edited_message": edited})
        return edited

    def send_sticker(self) -> dict:
        return self.send_content(
            {"sticker": {"file_id": "CAACAgIAAxkBAAE" + uuid.uuid4().hex[:8], "file_unique_id": uuid.uuid4().hex[:10],
                         "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}}
        )  # fmt: skip

    def send_contact(self) -> dict:
        return self.send_content({"contact": {"phone_number": "+15550001111", "first_name": self.first_name,
                                              "user_id": self.id}})  # fmt: skip

    def press(self, label: str, timeout: float = 10.0) -> dict:
        """Press the newest inline button with this label; returns the bot's answerCallbackQuery."""
        message, data = self.emu.wait_until(lambda: self.find_button(label), timeout, f"button {label!r} for {self.id}")
        return self.press_data(message, data, timeout)

    def press_data(self, message: dict, data: str, timeout: float = 10.0) -> dict:
        """Press a button with arbitrary callback data (a forged or stale button)."""
        query_id = uuid.uuid4().hex
        self.emu.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user,
                    "message": message,
                    "chat_instance": str(self.id),
                    "data": data,
                }
            }
        )
        return self.emu.wait_until(
            lambda: self.emu.callback_answers.get(query_id), timeout, f"an answer to callback {data!r}"
        )

    def double_tap(self, label: str, timeout: float = 10.0) -> list[dict]:
        """Press the newest button with this label twice in a row, as fast as a thumb: both presses
        reach the bot before it has handled the first. Returns the bot's two answers."""
        message, data = self.emu.wait_until(lambda: self.find_button(label), timeout, f"button {label!r} for {self.id}")
        query_ids = [uuid.uuid4().hex, uuid.uuid4().hex]
        with self.emu.cond:
            for query_id in query_ids:
                self.emu.updates.append(
                    {
                        "update_id": next(self.emu.update_ids),
                        "callback_query": {
                            "id": query_id, "from": self.user, "message": message,
                            "chat_instance": str(self.id), "data": data,
                        },
                    }
                )  # fmt: skip
            self.emu.cond.notify_all()
        self.emu.wake_pollers()
        return [
            self.emu.wait_until(lambda q=q: self.emu.callback_answers.get(q), timeout, "an answer to a double tap")
            for q in query_ids
        ]

    def find_button(self, label: str) -> tuple[dict, str] | None:
        for message in reversed(list(self.emu.messages.get(self.id, {}).values())):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return message, button["callback_data"]
        return None

    def has_button(self, label: str) -> bool:
        with self.emu.cond:
            return self.find_button(label) is not None

    def checkout(self, invoice_message: dict | None = None, timeout: float = 10.0, **overrides: Any) -> dict:
        """Start paying the newest invoice: send a pre_checkout_query; returns the bot's answer."""
        if invoice_message is None:
            invoice_message = self.wait_for_invoice(timeout)
        with self.emu.cond:
            params = self.emu.invoices[(self.id, invoice_message["message_id"])]
        query_id = uuid.uuid4().hex
        query = {
            "id": query_id,
            "from": self.user,
            "currency": params["currency"],
            "total_amount": sum(p["amount"] for p in params["prices"]),
            "invoice_payload": params["payload"],
            **overrides,
        }
        self.emu.push_update({"pre_checkout_query": query})
        return self.emu.wait_until(lambda: self.emu.precheckout_answers.get(query_id), timeout, "pre-checkout answer")

    def pay(self, timeout: float = 10.0) -> str:
        """Pay the newest invoice in full; returns the telegram_payment_charge_id."""
        invoice_message = self.wait_for_invoice(timeout)
        answer = self.checkout(invoice_message, timeout)
        assert answer["ok"], f"pre-checkout was refused: {answer}"
        with self.emu.cond:
            params = self.emu.invoices[(self.id, invoice_message["message_id"])]
        charge_id = "stxTEST" + uuid.uuid4().hex
        self.deliver_payment(params, charge_id)
        return charge_id

    def deliver_payment(self, params: dict, charge_id: str) -> None:
        """Telegram's successful_payment service message (sent again to test idempotency)."""
        self.send_content(
            {
                "successful_payment": {
                    "currency": params["currency"],
                    "total_amount": sum(p["amount"] for p in params["prices"]),
                    "invoice_payload": params["payload"],
                    "telegram_payment_charge_id": charge_id,
                    "provider_payment_charge_id": "",
                }
            }
        )

    def wait_for_invoice(self, timeout: float = 10.0) -> dict:
        def newest_invoice() -> dict | None:
            found = [m for m in self.emu.messages.get(self.id, {}).values() if "invoice" in m]
            return found[-1] if found else None

        return self.emu.wait_until(newest_invoice, timeout, f"an invoice for {self.id}")

    def block(self, notify: bool = True) -> None:
        """Block the bot; Telegram then answers 403 and sends a my_chat_member update."""
        with self.emu.cond:
            self.blocked = True
        if notify:
            self.emu.push_update(
                {
                    "my_chat_member": {
                        "chat": self.chat,
                        "from": self.user,
                        "date": int(time.time()),
                        "old_chat_member": {"status": "member", "user": BOT_USER},
                        "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
                    }
                }
            )

    def remove_bot_from(self, chat_type: str, title: str = "Some group") -> None:
        """Remove the bot from a group or channel this person runs (a my_chat_member about that chat)."""
        chat_id = -1001000000000 - self.id
        chat = {"id": chat_id, "type": chat_type, "title": title}
        self.emu.push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": self.user,
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": BOT_USER},
                    "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
                }
            }
        )

    def join(self, channel: str) -> None:
        with self.emu.cond:
            self.emu.channels.setdefault(channel, set()).add(self.id)

    # Reading

    def bot_messages(self) -> list[dict]:
        """Everything the bot sent to this person, oldest first."""
        with self.emu.cond:
            return [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]

    def wait_for(self, needle: str, timeout: float = 10.0) -> dict:
        """Wait for the next unread bot message containing `needle`; marks it and earlier ones read."""

        def find() -> dict | None:
            mine = [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]
            for index in range(self.cursor, len(mine)):
                if needle in (mine[index].get("text") or mine[index].get("caption") or ""):
                    self.cursor = index + 1
                    return mine[index]
            return None

        return self.emu.wait_until(find, timeout, f"{needle!r} for user {self.id} (got {self.unread_texts()})")

    def wait_for_copy(self, of: dict, timeout: float = 10.0) -> dict:
        """Wait for the bot's copy of another person's message in this chat."""
        key = (of["chat"]["id"], of["message_id"])

        def find() -> dict | None:
            for message in self.emu.messages.get(self.id, {}).values():
                if self.emu.copies.get((self.id, message["message_id"])) == key:
                    return message
            return None

        return self.emu.wait_until(find, timeout, f"a copy of message {key} for {self.id}")

    def unread_texts(self) -> list[str]:
        mine = [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]
        return [m.get("text") or "<non-text>" for m in mine[self.cursor :]]

    def assert_nothing_new(self, seconds: float = 1.0) -> None:
        """Nothing more arrives from the bot within `seconds`."""
        time.sleep(seconds)
        with self.emu.cond:
            unread = self.unread_texts()
        assert not unread, f"user {self.id} unexpectedly got {unread}"

    def read_all(self) -> None:
        with self.emu.cond:
            self.cursor = len([m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID])
