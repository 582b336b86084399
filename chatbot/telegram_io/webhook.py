"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, and the bot answers 200 once the update is
journaled.

`Receiver` takes the updates from the webhook front (webhook_front.py), a process of its own that serves
the HTTP with aiohttp's server (aiohttp is already the bot's HTTP client, so webhooks add no dependency;
PTB's own `run_webhook` needs tornado, answers before anything is written down, and does its HTTP in the
bot's process, where by webhook it would cost more than polling: one request per update).
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
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from telegram import Bot, Update, WebhookInfo
from telegram.error import BadRequest
from telegram.ext import Application

from chatbot.storage.webhook import WebhookStore
from chatbot.telegram_io import webhook_front as front_module
from chatbot.telegram_io.updates import kind_of

logger = logging.getLogger(__name__)

SECRET_HEADER = front_module.SECRET_HEADER
# The front, started from the directory that holds the package (wherever the bot was started from),
# with the listening socket's and the channel's descriptors after it.
FRONT_COMMAND = [sys.executable, "-m", front_module.__name__]
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
# A front that does not serve within this long is a broken installation.
FRONT_START_SECONDS = 20.0
# A front that died is started again after this long (a crash loop then costs little).
FRONT_RESTART_SECONDS = 1.0
# Refused requests are said at most this often, with how many there were: a scanner must not fill the log.
REFUSED_LOG_SECONDS = 60.0
# setWebhook's refusals that only a change of WEBHOOK_URL (or WEBHOOK_SECRET) can end: a restart would
# be refused the same.
REFUSED_FOR_GOOD = ("https url must be provided", "only on ports", "is reserved", "invalid webhook url", "unallowed characters")
# What a front's log record may name as its level (logging's, DEBUG to CRITICAL) and its logger.
LOG_LEVEL_RE = re.compile(r"[1-5]0")
LOG_NAME_RE = re.compile(r"[\w.]{1,64}")
# What could end a line for some reader, or steer a terminal (ESC), in what a front logged: shown as "?".
LOG_CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


class CannotListen(Exception):
    """WEBHOOK_LISTEN:WEBHOOK_PORT cannot be listened on (taken, or not an address of this machine)."""


class FrontFailed(Exception):
    """The webhook front (webhook_front.py) could not be started."""


class Refused(Exception):
    """Telegram refuses WEBHOOK_URL (setWebhook's 400: not https://, a port it does not allow, ...)."""


class Receiver:
    """Takes Telegram's updates from the webhook front, a process of its own that does the HTTP (so the
    bot's process spends nothing on it, as by polling): answers 400 for a body that is not an update,
    500 if the journal cannot be written (Telegram sends it again), else journals, queues, and answers 200.

    Telegram keeps up to WEBHOOK_MAX_CONNECTIONS requests in flight, so updates arrive together: those
    the front passes on together are journaled in one transaction (as a polled batch is). A front that
    dies is started again (the bot holds the port, so Telegram's requests wait meanwhile).
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
        self.secret = secret
        self.journal = journal
        self.queue = queue
        self.bot = bot
        self.socket: socket.socket | None = None
        self.front: subprocess.Popen[bytes] | None = None
        # Set if a front that died could not be started again; `on_failure` is then called (webhook.run
        # stops the bot, and raises this once it has stopped cleanly).
        self.failed: FrontFailed | None = None
        self.on_failure: Callable[[], None] = lambda: None
        self.refused = 0
        self._refused_said = 0.0
        self._channel: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    def bind(self, host: str, port: int) -> None:
        """Take the address now, before anything talks to Telegram (raises CannotListen); requests
        wait in the backlog until `start`, so none arrives before the journal's replay is queued."""
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
            self.socket = socket.create_server((host, port), family=family, backlog=1024)
        except OSError as exc:
            raise CannotListen(f"{host}:{port}: {exc.strerror or exc}") from exc

    async def start(self) -> None:
        """Start the front on the bound address and return once it serves (raises FrontFailed)."""
        await self._start_front()
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop(self) -> None:
        """Stop the front: it stops taking requests and waits for the answers to those in flight."""
        self._stopping = True
        front = self.front
        if front is not None and front.poll() is None:
            front.terminate()
            try:
                await asyncio.to_thread(front.wait, front_module.STOP_SECONDS + 2)
            except subprocess.TimeoutExpired:
                front.kill()
                await asyncio.to_thread(front.wait)
        if self._supervisor is not None:
            await self._supervisor  # it ends with the channel, once the front is gone (it raises nothing)
        self._close_channel()
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    async def _start_front(self) -> None:
        assert self.socket is not None, "bind() first"
        # The process facing the internet gets neither the token nor the secret (the secret comes by the channel).
        env = {name: value for name, value in os.environ.items() if name not in ("BOT_TOKEN", "WEBHOOK_SECRET")}
        try:
            ours, theirs = socket.socketpair()
            fds = (self.socket.fileno(), theirs.fileno())
            with theirs:
                # subprocess, not asyncio's: its child watcher can lose a quick exit's code (it then says 255).
                self.front = subprocess.Popen(
                    [*FRONT_COMMAND, *map(str, fds)], pass_fds=fds, cwd=PACKAGE_ROOT, env=env, stdin=subprocess.DEVNULL
                )
        except OSError as exc:  # out of file descriptors or processes, or the Python gone (an upgrade)
            raise FrontFailed(f"the webhook front could not be started ({exc})") from exc
        reader, writer = await asyncio.open_connection(sock=ours)
        self._channel = reader, writer
        writer.write(json.dumps({"path": self.path, "secret": self.secret}).encode() + b"\n")
        try:
            head = await asyncio.wait_for(reader.readexactly(front_module.FRAME.size), FRONT_START_SECONDS)
            if front_module.FRAME.unpack(head)[0] != front_module.READY:
                raise ValueError(head)
        except (asyncio.IncompleteReadError, TimeoutError, ValueError, OSError) as exc:
            if self.front.poll() is None:
                self.front.kill()
            code = await asyncio.to_thread(self.front.wait)
            self._close_channel()
            raise FrontFailed(f"the webhook front did not start (exit code {code}, {exc.__class__.__name__})") from exc
        logger.info("Webhook front (pid %s) takes Telegram's requests", self.front.pid)

    async def _supervise(self) -> None:
        """Relays while the front lives; starts another if it dies, unless the bot is stopping; if that
        fails, or anything else does, sets `failed` and calls `on_failure`."""
        try:
            await self._keep_front()
        except FrontFailed as exc:  # said by main(), in one line
            if self._stopping:  # stopped while a front started: not a failure
                return
            self.failed = exc
            self.on_failure()
        except Exception as exc:  # noqa: BLE001 - a bot that no longer takes updates must stop, and say why
            logger.exception("The webhook receiver failed")
            self.failed = FrontFailed(f"the webhook receiver failed ({exc.__class__.__name__}: {exc})")
            if not self._stopping:
                self.on_failure()

    async def _keep_front(self) -> None:
        while True:
            try:
                await self._relay()
            except ConnectionError:  # a killed front resets the channel if our answers were still unread
                pass
            assert self.front is not None
            code = await asyncio.to_thread(self.front.wait)  # at once: its end closed the channel
            self._close_channel()
            if self._stopping:
                return
            if code == 0:
                # A SIGTERM of its own: the whole service is being stopped (systemd signals every process).
                logger.info("Webhook front (pid %s) stopped in order; another starts unless the bot stops", self.front.pid)
            else:
                logger.error(
                    "Webhook front (pid %s) stopped with exit code %s: starting another; Telegram sends"
                    " again what it had not answered", self.front.pid, code,
                )  # fmt: skip
            await asyncio.sleep(FRONT_RESTART_SECONDS)
            if self._stopping:
                return
            await self._start_front()

    async def _relay(self) -> None:
        """Takes the front's frames until it closes the channel; each read's bodies are one batch."""
        assert self._channel is not None
        reader, writer = self._channel
        head = front_module.FRAME
        buffer = bytearray()
        while chunk := await reader.read(1 << 18):
            buffer += chunk
            bodies: list[bytes] = []
            at = 0
            while len(buffer) - at >= head.size:
                kind, size = head.unpack_from(buffer, at)
                if len(buffer) - at - head.size < size:
                    break
                payload = bytes(buffer[at + head.size : at + head.size + size])
                at += head.size + size
                if kind == front_module.BODY:
                    bodies.append(payload)
                elif kind == front_module.REFUSED:
                    self._say_refused(payload.decode(errors="replace"))
                elif kind == front_module.LOG:
                    self._say_logged(payload.decode(errors="replace"))
            del buffer[:at]
            if bodies:
                writer.write(self.take(bodies))

    def take(self, bodies: list[bytes]) -> bytes:
        """Journal the bodies that are updates, then queue them in arrival order; their statuses, in order."""
        statuses = [b"400"] * len(bodies)
        batch: list[tuple[int, int, str, str, Update]] = []
        for at, raw in enumerate(bodies):
            try:
                body = raw.decode()
                data = json.loads(body)
                if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                    raise ValueError("no update_id")
                batch.append((at, data["update_id"], kind_of(data), body, Update.de_json(data, self.bot)))
            except Exception as exc:  # noqa: BLE001 - whatever a body makes PTB raise, it is not an update
                # Not from Telegram (it had the secret, so a misconfigured proxy or a test): say what it was.
                logger.warning("Refused a webhook request whose body is not an update (%s)", exc.__class__.__name__)
        if not batch:
            return b"".join(statuses)
        status = b"500"
        try:
            # Written down before the 200: after a kill -9 the journal replays them, and an update
            # Telegram sends again because its 200 never arrived is recognised and skipped.
            self.journal([(update_id, kind, body) for _, update_id, kind, body, _ in batch])
            status = b"200"
            # Telegram sends a chat's next update only after the 200 of the one before, and each is
            # queued before its 200: each user's updates reach the processor in order.
            for *_, update in batch:
                self.queue.put_nowait(update)
        except sqlite3.Error as exc:
            logger.error("Cannot journal %s update(s) (%s): answering 500, Telegram will send them again", len(batch), exc)
        except Exception as exc:  # noqa: BLE001 - answered 500 all the same, and said where errors are said
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Unexpected error journaling webhook updates", "exception": exc}
            )
        for at, *_ in batch:
            statuses[at] = status
        return b"".join(statuses)

    def _close_channel(self) -> None:
        if self._channel is not None:
            self._channel[1].close()
            self._channel = None

    def _say_logged(self, record: str) -> None:
        """A record the front logged ("LEVEL NAME\nTEXT"), written among the bot's own lines. The
        front faces the internet, so what it sends is taken as text: cut to size, and each line after
        the first marked, so that no line of it can pass for one of the bot's."""
        head, _, text = record[: front_module.LOG_MAX + 200].partition("\n")
        level, _, name = head.partition(" ")
        levelno = int(level) if LOG_LEVEL_RE.fullmatch(level) else logging.ERROR
        name = name if LOG_NAME_RE.fullmatch(name) else "?"
        text = "\n  | ".join(LOG_CONTROL_RE.sub("?", line) for line in text.replace("\r\n", "\n").split("\n"))
        front_module.logger.log(levelno, "Webhook front (pid %s), %s: %s", self.front.pid if self.front else "?", name, text)

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
    """Set the webhook unless Telegram already has these settings; True if it was set (raises Refused
    if Telegram refuses them). A restart with nothing changed makes one getWebhookInfo call, so a
    crash loop never floods setWebhook."""
    wanted = fingerprint(bot.token, url, secret, max_connections, allowed_updates)
    info = await bot.get_webhook_info()
    if store.fingerprint() == wanted and same_webhook(info, url, max_connections, allowed_updates):
        return False
    try:
        await bot.set_webhook(url, secret_token=secret, max_connections=max_connections, allowed_updates=list(allowed_updates))
    except BadRequest as exc:
        if any(reason in exc.message.lower() for reason in REFUSED_FOR_GOOD):
            raise Refused(exc.message) from exc
        raise  # "Failed to resolve host" may pass (DNS not there yet): a failed start, tried again
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
    Raises FrontFailed (after the same stop) if the webhook front could not be started.
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
        if receiver.failed is None:  # a front that could not be started again during the start ends it here
            receiver.on_failure = loop.stop
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
    if receiver.failed is not None:
        raise receiver.failed
