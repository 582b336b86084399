"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, and the bot answers 200 once the update is
journaled.

`Receiver` is the HTTP endpoint (aiohttp's server: aiohttp is already the bot's HTTP client, so webhooks
add no dependency; PTB's own `run_webhook` needs tornado and answers before anything is written down).
`register` sets the webhook only when it differs from what Telegram has; `WebhookWatch` reads what
getWebhookInfo says later; `run` is the application's life in this mode, the counterpart of PTB's
`run_polling`: (the address already taken by `Receiver.bind`) initialize, post_init, start, serve, set
the webhook, run until SIGTERM or SIGINT (or `Application.stop_running`), then the same in reverse.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import signal
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, NoReturn

from aiohttp import web
from telegram import Bot, Update, WebhookInfo
from telegram.ext import Application

from chatbot.storage.webhook import WebhookStore
from chatbot.telegram_io.updates import kind_of

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Refused requests are said at most this often, with how many there were: a scanner must not fill the log.
REFUSED_LOG_SECONDS = 60.0


class CannotListen(Exception):
    """WEBHOOK_LISTEN:WEBHOOK_PORT cannot be listened on (taken, or not an address of this machine)."""


class Receiver:
    """Takes Telegram's POSTs at one path: 403 without the exact secret, 400 for a body that is not an
    update, 500 if the journal cannot be written (Telegram sends it again), else journal, queue, 200.

    Telegram keeps up to WEBHOOK_MAX_CONNECTIONS requests in flight, so updates arrive together: those
    that arrive in one turn of the event loop are journaled in one transaction (as a polled batch is).
    aiohttp's low-level server: one path, one method, no router or middlewares to run per update.
    """

    def __init__(
        self,
        path: str,
        secret: str,
        journal: Callable[[list[tuple[int, str, str]]], None],
        queue: asyncio.Queue[object],
        bot: Bot,
    ) -> None:
        self.path = path
        self.secret = secret.encode()
        self.journal = journal
        self.queue = queue
        self.bot = bot
        self.runner: web.ServerRunner | None = None
        self.socket: socket.socket | None = None
        self.refused = 0
        self._refused_said = 0.0
        # Updates waiting for this turn's journal commit: (id, kind, JSON, update, its request's answer).
        self._batch: list[tuple[int, str, str, Update, asyncio.Future[bool]]] = []

    async def receive(self, request: web.BaseRequest) -> web.StreamResponse:
        """One update from Telegram."""
        if request.path != self.path:
            return web.Response(status=404)
        if request.method != "POST":
            return web.Response(status=405)
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            # Behind a proxy the peer is the proxy: the address it forwards says more (for the log only).
            self._say_refused(request.headers.get("X-Forwarded-For", request.remote))
            return web.Response(status=403)
        try:
            body = (await request.read()).decode()
            data = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("no update_id")
            update = Update.de_json(data, self.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Not from Telegram (it had the secret, so a misconfigured proxy or a test): say what it was.
            logger.warning("Refused a webhook request whose body is not an update (%s)", exc.__class__.__name__)
            return web.Response(status=400)
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[bool] = loop.create_future()
        self._batch.append((data["update_id"], kind_of(data), body, update, answered))
        if len(self._batch) == 1:
            loop.call_soon(self._journal_batch)
        return web.Response(status=200 if await answered else 500)

    def _journal_batch(self) -> None:
        """Journal this turn's updates, then queue them in arrival order and let their 200s go."""
        batch, self._batch = self._batch, []
        journaled = False
        try:
            # Written down before the 200: after a kill -9 the journal replays them, and an update
            # Telegram sends again because its 200 never arrived is recognised and skipped.
            self.journal([(update_id, kind, body) for update_id, kind, body, _, _ in batch])
            journaled = True
        except sqlite3.Error as exc:
            logger.error("Cannot journal %s update(s) (%s): answering 500, Telegram will send them again", len(batch), exc)
        finally:
            # Whatever happened, every request gets its answer (an unexpected error goes on to the
            # loop's handler): a request left waiting would hold its chat's updates back and the stop.
            for _, _, _, update, answered in batch:
                if journaled:
                    # Telegram sends a chat's next update only after the 200 of the one before, and each
                    # is queued before its 200: each user's updates reach the processor in order.
                    self.queue.put_nowait(update)
                if not answered.done():
                    answered.set_result(journaled)

    def _say_refused(self, remote: str | None) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._refused_said >= REFUSED_LOG_SECONDS:
            logger.warning(
                "Refused %s webhook request(s) without the right %s header (the latest from %s): not Telegram,"
                " or WEBHOOK_SECRET changed since the webhook was set",
                self.refused, SECRET_HEADER, remote,
            )  # fmt: skip
            self._refused_said, self.refused = now, 0

    def bind(self, host: str, port: int) -> None:
        """Take the address now, before anything talks to Telegram (raises CannotListen); requests
        wait in the backlog until `start`, so none arrives before the journal's replay is queued."""
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
            self.socket = socket.create_server((host, port), family=family, backlog=1024)
        except OSError as exc:
            raise CannotListen(f"{host}:{port}: {exc.strerror or exc}") from exc

    async def start(self) -> None:
        """Serve on the bound address."""
        assert self.socket is not None, "bind() first"
        # No access log: a line per update would be most of the log, and says nothing the metrics do not.
        # A request still running at the stop has 5 s (its update is journaled: a cut one is replayed).
        self.runner = web.ServerRunner(web.Server(self.receive, access_log=None), handle_signals=False, shutdown_timeout=5.0)
        await self.runner.setup()
        await web.SockSite(self.runner, self.socket).start()

    async def stop(self) -> None:
        """Stop listening; requests being answered finish first (for up to 5 s)."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None


class WebhookWatch:
    """What getWebhookInfo, asked now and then, means: whether Telegram still sends to our URL (else
    another process took the updates), and a delivery error it reports that was not said yet."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._error_date: datetime | None = None

    def ours(self, info: WebhookInfo) -> bool:
        """Telegram's webhook is still WEBHOOK_URL."""
        return info.url == self.url

    def new_error(self, info: WebhookInfo) -> str | None:
        """Telegram's last delivery error, if it is newer than the last one said."""
        if info.last_error_date is None or info.last_error_date == self._error_date:
            return None
        self._error_date = info.last_error_date
        return info.last_error_message or "unknown error"


def fingerprint(token: str, url: str, secret: str, max_connections: int, allowed_updates: Sequence[str]) -> str:
    """A keyed hash of the webhook settings: a copy of the database tells nothing of the secret
    without the token, which the database never holds."""
    text = json.dumps([url, secret, max_connections, sorted(allowed_updates)])
    return hmac.new(token.encode(), text.encode(), hashlib.sha256).hexdigest()


def same_webhook(info: WebhookInfo, url: str, max_connections: int, allowed_updates: Sequence[str]) -> bool:
    """Whether Telegram's webhook is this one, as far as getWebhookInfo tells (it never tells the secret)."""
    return (
        info.url == url
        and info.max_connections == max_connections
        and sorted(info.allowed_updates or ()) == sorted(allowed_updates)
    )


async def register(
    bot: Bot, store: WebhookStore, url: str, secret: str, max_connections: int, allowed_updates: Sequence[str]
) -> bool:
    """Set the webhook unless Telegram already has these settings; True if it was set. A restart with
    nothing changed makes one getWebhookInfo call, so a crash loop never floods setWebhook."""
    wanted = fingerprint(bot.token, url, secret, max_connections, allowed_updates)
    info = await bot.get_webhook_info()
    if store.fingerprint() == wanted and same_webhook(info, url, max_connections, allowed_updates):
        return False
    await bot.set_webhook(url, secret_token=secret, max_connections=max_connections, allowed_updates=list(allowed_updates))
    store.remember(wanted)
    return True


def _raise_system_exit() -> NoReturn:
    raise SystemExit


def _stopping_already() -> None:
    logger.info("Stopping already: handlers are finishing")


def run(
    application: Application[Any, Any, Any, Any, Any, Any],
    receiver: Receiver,
    register_webhook: Callable[[], Awaitable[None]],
) -> None:
    """The application's life in webhook mode (PTB's run_polling, with the receiver instead of the updater).

    SIGTERM and SIGINT end it, as does `application.stop_running()` (which stops the loop); however it
    ends, the receiver stops first (no new updates), then the application handles or leaves what it has.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Set first, as PTB does: a signal during the start also ends in the clean stop below.
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _raise_system_exit)

    async def start() -> None:
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await receiver.start()
        await register_webhook()

    # One task, so that a signal in the middle of the start can cancel what it was waiting for.
    starting = loop.create_task(start())
    try:
        loop.run_until_complete(starting)
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        logger.debug("Stop signal received: shutting down")
    finally:
        # A second signal must not cut the stop short (the last "done" marks would not be written).
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stopping_already)
        if not starting.done():
            starting.cancel()
            loop.run_until_complete(asyncio.gather(starting, return_exceptions=True))
        try:
            loop.run_until_complete(receiver.stop())
            if application.running:
                loop.run_until_complete(application.stop())
            if application.post_stop:
                loop.run_until_complete(application.post_stop(application))
            loop.run_until_complete(application.shutdown())
            if application.post_shutdown:
                loop.run_until_complete(application.post_shutdown(application))
        finally:
            loop.close()
