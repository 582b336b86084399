"""Webhooks as Telegram does them (a mixin of `Emulator`): `setWebhook`, `deleteWebhook`,
`getWebhookInfo`, and delivery of pending updates by POST.

Delivery follows Telegram's Bot API server: each update is POSTed as JSON with the
`X-Telegram-Bot-Api-Secret-Token` header; at most `max_connections` requests are in flight; the
updates of one chat go one at a time and in order (the next waits for the 2xx of the one before);
anything but a 2xx (an error status, a refused connection, a timeout) is kept and sent again after a
back-off, and recorded as the webhook's last error. While a webhook is set, getUpdates answers 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from botapi import HTTP_REASONS, ApiError

# What Telegram answers a getUpdates while a webhook is set.
WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# How long Telegram waits for the webhook's answer, and its back-off after a failed delivery (shortened:
# Telegram's grows to minutes; the tests need the same order of events, not the same waits).
DELIVERY_TIMEOUT = 10.0
RETRY_FIRST, RETRY_MAX = 0.1, 1.0


def queue_key(update: dict) -> int:
    """The chat (or user) whose updates go one at a time: the first of chat, from, user found."""
    for value in update.values():
        if isinstance(value, dict):
            for holder in (value.get("chat"), value.get("from"), value.get("user"), (value.get("message") or {}).get("chat")):
                if isinstance(holder, dict) and isinstance(holder.get("id"), int):
                    return holder["id"]
    return 0


# What an empty allowed_updates, or none ever given, leaves out ("all update types except ...").
NOT_BY_DEFAULT = ("chat_member", "message_reaction", "message_reaction_count")


def of_kinds(update: dict, allowed: list[str] | None) -> bool:
    """Whether an update is of one of the `allowed` kinds, as allowed_updates means (no list, or an
    empty one: every kind but those not sent by default)."""
    if not allowed:
        return not any(kind in update for kind in NOT_BY_DEFAULT)
    return any(kind in update for kind in allowed)


def parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    """An HTTP/1.1 head (up to the blank line): its first line, and its headers with lower-case names."""
    first, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, colon, value in (h.partition(":") for h in lines) if colon}
    return first, headers


class WebhookClient:
    """HTTP/1.1 POSTs over kept-alive connections, as Telegram's server sends them (one request at a
    time on a connection). Plain asyncio streams, like the emulator's server: a full HTTP client
    would spend more CPU per update than the bot under test, and the two share the machine."""

    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """The status and reason of the answer to a POST of `body` (JSON) to `url`."""
        parts = urlsplit(url)
        address = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        idle = self.idle.setdefault(address, [])
        while idle and idle[-1][0].at_eof():  # closed by the other side while idle (a restart)
            idle.pop()[1].close()
        if idle:
            reader, writer = idle.pop()
        else:
            ssl = parts.scheme == "https" or None
            reader, writer = await asyncio.open_connection(*address, ssl=ssl)
        kept = False
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json",
                     f"Content-Length: {len(body)}", *(f"{name}: {value}" for name, value in headers.items())]  # fmt: skip
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            status_line, answer = parse_head(await reader.readuntil(b"\r\n\r\n"))
            _, status, *reason = status_line.split(" ", 2)
            if answer.get("transfer-encoding", "").lower() == "chunked":
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                await reader.readexactly(int(answer.get("content-length", "0")))
            kept = answer.get("connection", "").lower() != "close"
            return int(status), reason[0] if reason else ""
        finally:
            if kept:
                idle.append((reader, writer))
            else:
                writer.close()

    def close(self) -> None:
        for connections in self.idle.values():
            for _, writer in connections:
                writer.close()
        self.idle.clear()


class WebhookDelivery:
    """The webhook's settings, its delivery loop, and what a test can look at."""

    cond: threading.Condition
    updates: list[dict]
    loop: asyncio.AbstractEventLoop | None

    def wake_pollers(self) -> None:
        raise NotImplementedError

    def violation(self, text: str) -> None:
        raise NotImplementedError

    def init_webhook(self) -> None:
        self.webhook: dict[str, Any] | None = None  # url, secret_token, max_connections
        # The bot's one allowed_updates setting, kept from the last getUpdates or setWebhook that gave it.
        self.allowed_updates: list[str] | None = None
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last failed delivery
        self.webhook_sending: set[int] = set()  # update ids in flight
        self.webhook_busy: set[int] = set()  # queue keys with an update in flight
        self.webhook_retry_at: dict[int, float] = {}  # queue key -> monotonic time of its next try
        self.webhook_backoff: dict[int, float] = {}
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update id, status or 0) of every attempt
        self.webhook_peak = 0  # most requests in flight at once
        self.webhook_wakeup = asyncio.Event()
        self.webhook_answers_to_lose = 0  # the next deliveries whose answer never reaches "Telegram"

    # Bot API methods

    def api_setWebhook(self, params: dict) -> bool:  # noqa: N802
        url = params["url"]
        if not url:
            return self.api_deleteWebhook({"drop_pending_updates": params.get("drop_pending_updates", False)})
        parts = urlsplit(url)
        # A local Bot API server also takes http:// (as this emulator, on the loopback only).
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        if parts.port not in (None, 80, 88, 443, 8443) and parts.hostname not in ("127.0.0.1", "localhost"):
            raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = params.get("max_connections", 40)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad max_connections")
        self.webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        self.allow(params.get("allowed_updates"))
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook_error = None
        self.webhook_retry_at.clear()
        self.webhook_backoff.clear()
        self.wake_pollers()  # a long poll waiting now is answered 409, as Telegram does
        return True

    def allow(self, allowed: list[str] | None) -> None:
        """allowed_updates, given to getUpdates or setWebhook: "If not specified, the previous setting
        will be used"; it "doesn't affect updates created before the call" (those already queued stay)."""
        if allowed is not None:
            self.allowed_updates = allowed

    def makes(self, update: dict) -> bool:
        """Whether Telegram makes this update at all: only of the kinds the bot's setting allows."""
        return of_kinds(update, self.allowed_updates)

    def api_deleteWebhook(self, params: dict) -> bool:  # noqa: N802
        self.webhook = None
        self.webhook_retry_at.clear()
        self.webhook_backoff.clear()
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def api_getWebhookInfo(self, params: dict) -> dict:  # noqa: N802
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
            if self.webhook_error:
                info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    def lose_webhook_answers(self, count: int) -> None:
        """The bot's answers to the next `count` deliveries are lost on the way: each is sent again."""
        with self.cond:
            self.webhook_answers_to_lose = count

    # Delivery

    def wake_webhook(self) -> None:
        """Tell the delivery loop that something changed (callable from any thread)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.webhook_wakeup.set)

    async def deliver_webhooks(self) -> None:
        """Runs in the emulator's loop: starts deliveries while a webhook is set and there is room."""
        client = WebhookClient()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                self.webhook_wakeup.clear()
                wait = 1.0
                with self.cond:
                    hook = self.webhook
                    try:
                        batch = self.next_deliveries(hook) if hook else []
                    except Exception as exc:  # a broken update must fail the test, not stall it
                        self.violation(f"webhook delivery failed: {exc!r}")
                        batch = []
                    now = time.monotonic()
                    later = [at - now for at in self.webhook_retry_at.values() if at > now]
                    if later:
                        wait = min(wait, *later)
                for update in batch:
                    assert hook is not None
                    task = asyncio.create_task(self.deliver(client, hook, update))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                # asyncio.timeout, not wait_for: no task of its own each time (this loop turns per delivery).
                with contextlib.suppress(asyncio.TimeoutError):
                    async with asyncio.timeout(wait):
                        await self.webhook_wakeup.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            client.close()

    def next_deliveries(self, hook: dict) -> list[dict]:
        """Updates to send now (under the lock): the first pending one of each idle chat, oldest
        first, while fewer than max_connections are in flight."""
        room = hook["max_connections"] - len(self.webhook_sending)
        now = time.monotonic()
        taken = set(self.webhook_busy)
        batch = []
        for update in self.updates:
            if room <= 0:
                break
            key = queue_key(update)
            if key in taken:
                continue
            taken.add(key)  # later updates of this chat wait for this one
            if self.webhook_retry_at.get(key, 0.0) > now:
                continue
            batch.append(update)
            self.webhook_sending.add(update["update_id"])
            self.webhook_busy.add(key)
            room -= 1
        self.webhook_peak = max(self.webhook_peak, len(self.webhook_sending))
        return batch

    async def deliver(self, client: WebhookClient, hook: dict, update: dict) -> None:
        """POST one update; drop it on a 2xx, else keep it for a later try."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook["secret_token"] else {}
        status, error = 0, ""
        try:
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                status, reason = await client.post(hook["url"], json.dumps(update).encode(), headers)
            if not 200 <= status < 300:
                error = f"Wrong response from the webhook: {status} {HTTP_REASONS.get(status, reason)}"
            with self.cond:
                if self.webhook_answers_to_lose and not error:
                    self.webhook_answers_to_lose -= 1
                    error = "Read timeout expired"  # the bot took it, but its 200 was lost on the way
        except asyncio.TimeoutError:
            error = "Read timeout expired"
        except ConnectionRefusedError:
            error = "Connection refused"
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        key = queue_key(update)
        with self.cond:
            self.webhook_deliveries.append((update["update_id"], status))
            self.webhook_sending.discard(update["update_id"])
            self.webhook_busy.discard(key)
            if error:
                self.webhook_error = (int(time.time()), error)
                backoff = min(RETRY_MAX, self.webhook_backoff.get(key, RETRY_FIRST / 2) * 2)
                self.webhook_backoff[key] = backoff
                self.webhook_retry_at[key] = time.monotonic() + backoff
            else:
                self.webhook_backoff.pop(key, None)
                self.webhook_retry_at.pop(key, None)
                # Oldest first: the delivered update is near the front (a scan of the whole queue for
                # each delivery would make the emulator, not the bot, the limit of a benchmark).
                for index, pending in enumerate(self.updates):
                    if pending["update_id"] == update["update_id"]:
                        del self.updates[index]
                        break
            self.cond.notify_all()
        self.webhook_wakeup.set()
