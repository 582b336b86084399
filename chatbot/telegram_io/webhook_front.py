"""The webhook front: a process of its own that takes Telegram's POSTs, so that the bot's process spends
nothing on HTTP (by webhook each update is a request of its own; by polling one request brings up to a
hundred, and the front gives the bot what came in together, as a poll does).

Started by `webhook.Receiver` (`python -m chatbot.telegram_io.webhook_front LISTEN_FD CHANNEL_FD`) on the
socket the bot bound; it knows nothing of updates or the database. Per request it answers 404 (another
path), 403 (no exact secret, whatever the method) and 405 itself; any other body goes to the bot, and
the bot's answer comes back: 200 once the update is journaled, 400 if the body is not an update, 500 if
the journal could not be written.

The channel, a socket pair (once the front is ready the bot never waits for it; the front waits for
the bot's answers):
    bot -> front   the settings, one JSON line {"path", "secret"}; then a 3-digit status per body, in order
    front -> bot   READY once serving; per request a BODY frame (its bytes), or a REFUSED frame (the
                   address to log) for one without the secret; a LOG frame per record the front logs
                   ("LEVEL NAME\nTEXT"), which the bot writes where it writes its own, LOG_FILE too
It ends when the channel ends (the bot stopped, even by a kill -9: requests still waiting are cut, and
Telegram sends them again), or at SIGTERM once the requests in flight are answered.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time

from aiohttp import web

# A frame: its kind, then the length of what follows. A body is at most aiohttp's 1 MiB.
FRAME = struct.Struct(">cI")
READY, BODY, REFUSED, LOG = b"R", b"B", b"X", b"L"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STATUS_SIZE = 3
# A request still running at the stop has this long to get the bot's answer.
STOP_SECONDS = 5.0
# A logged record's text (a traceback, say) is cut to this many characters, its start and its end.
LOG_MAX = 16_384
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# At most this many records a minute go to the bot: a malformed request is logged with a traceback
# (aiohttp's), and anybody who finds the port must not be able to fill LOG_FILE or busy the bot. The
# others are counted, and the count said once the minute is over.
LOG_BURST, LOG_WINDOW_SECONDS = 20, 60.0

logger = logging.getLogger("chatbot.webhook_front")


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    """One frame of the channel."""
    return FRAME.pack(kind, len(payload)) + payload


class ChannelLog(logging.Handler):
    """Sends what the front logs to the bot, so that it lands where the bot's own lines do (LOG_FILE
    too), LOG_BURST records a minute at most; to the handlers it replaced (stdout) what it cannot
    send: once the channel is closing (the bot gone, or the front ending), or from another thread."""

    def __init__(self, channel: asyncio.StreamWriter, fallback: list[logging.Handler]) -> None:
        super().__init__()
        self.channel = channel
        self.fallback = fallback
        self._thread = threading.get_ident()  # the loop's: a StreamWriter is not thread-safe
        self._emitting = False  # a record logged while one is sent (asyncio's own, on a failed write)
        self._window_start = -LOG_WINDOW_SECONDS
        self._sent = self._held = 0
        self._latest_held = ""

    def emit(self, record: logging.LogRecord) -> None:
        if self._emitting or threading.get_ident() != self._thread or self.channel.is_closing():
            self._to_fallback(record)
            return
        self._emitting = True
        try:
            now = time.monotonic()
            if now - self._window_start >= LOG_WINDOW_SECONDS:
                self._say_held()
                self._window_start, self._sent = now, 0
            own_error = record.name == logger.name and record.levelno >= logging.ERROR  # why it is ending: never held
            if self._sent >= LOG_BURST and not own_error:
                if not self._held:
                    asyncio.get_running_loop().call_later(self._window_start + LOG_WINDOW_SECONDS - now, self._say_held)
                self._held += 1
                self._latest_held = record.getMessage().partition("\n")[0][:200]
                return
            self._sent += 1
            self._send(record.levelno, record.name, self.format(record))  # the message, and its traceback if any
            if self.channel.is_closing():  # the write found the bot gone
                self._to_fallback(record)
        except Exception:  # noqa: BLE001 - logging's own rule: a record that cannot be written is said on stderr
            self.handleError(record)
        finally:
            self._emitting = False

    def _say_held(self) -> None:
        if self._held and not self.channel.is_closing():
            self._send(logging.WARNING, logger.name, f"{self._held} more records in a minute not written (the latest: {self._latest_held})")
        self._held = 0

    def _send(self, level: int, name: str, text: str) -> None:
        if len(text) > LOG_MAX:  # the start says what failed, the end where (a traceback's last line)
            text = f"{text[: LOG_MAX // 2]}\n[...]\n{text[-LOG_MAX // 2 :]}"
        self.channel.write(frame(LOG, f"{level} {name}\n{text}".encode(errors="replace")))

    def _to_fallback(self, record: logging.LogRecord) -> None:
        for handler in self.fallback:
            handler.handle(record)


class Front:
    """Answers what it can alone; passes bodies to the bot and returns its answers, in order."""

    def __init__(self, path: str, secret: str, channel: asyncio.StreamWriter) -> None:
        self.path = path
        self.secret = secret.encode()
        self.channel = channel
        # One per body sent, oldest first: the bot answers bodies in the order it got them.
        self.waiting: collections.deque[asyncio.Future[int]] = collections.deque()

    async def receive(self, request: web.BaseRequest) -> web.StreamResponse:
        """One request from Telegram (or from anybody who found the port)."""
        if request.path != self.path:
            return web.Response(status=404)
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")  # any bytes: a 403
        if not hmac.compare_digest(given, self.secret):
            # Behind a proxy the peer is the proxy: the address it forwards says more (for the log only).
            remote = request.headers.get("X-Forwarded-For", request.remote) or "unknown"
            self.channel.write(frame(REFUSED, remote.encode()[:200]))
            return web.Response(status=403)
        if request.method != "POST":
            return web.Response(status=405)
        body = await request.read()
        answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiting.append(answered)
        self.channel.write(frame(BODY, body))
        return web.Response(status=await answered)

    async def read_answers(self, reader: asyncio.StreamReader) -> None:
        """Hands each request the bot's answer, until the bot closes the channel."""
        partial = b""
        while chunk := await reader.read(1 << 16):
            partial += chunk
            whole = len(partial) - len(partial) % STATUS_SIZE
            self._answer(partial[:whole])
            partial = partial[whole:]

    def _answer(self, statuses: bytes) -> None:
        for at in range(0, len(statuses), STATUS_SIZE):
            answered = self.waiting.popleft()
            if not answered.done():  # a request whose client went away
                answered.set_result(int(statuses[at : at + STATUS_SIZE]))


async def serve(listening: socket.socket, channel_socket: socket.socket) -> None:
    """Serve until SIGTERM, or until the bot closes the channel."""
    reader, writer = await asyncio.open_connection(sock=channel_socket)
    settings = json.loads(await reader.readline())
    front = Front(settings["path"], settings["secret"], writer)
    # No access log: a line per update would be all of it. aiohttp's 1 MiB limit on a body stands.
    runner = web.ServerRunner(web.Server(front.receive, access_log=None), handle_signals=False, shutdown_timeout=STOP_SECONDS)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    writer.write(frame(READY))
    # From READY on (the bot reads nothing else before it), what the front logs goes to the bot.
    root = logging.getLogger()
    root.handlers = [ChannelLog(writer, fallback=root.handlers)]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    answers = asyncio.create_task(front.read_answers(reader))
    await asyncio.wait([answers, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    if answers.done():
        # The bot is gone: nobody can journal what is waiting, so Telegram must send it again. Exit at
        # once, cutting those requests (no clean-up to wait for), so the port is free for the next start.
        error = answers.exception()
        if error is not None and not isinstance(error, ConnectionError):
            logger.error("Reading the bot's answers failed", exc_info=error)
            with contextlib.suppress(Exception):  # the record is in the channel's buffer, if not sent yet
                await asyncio.wait_for(writer.drain(), 1.0)
            os._exit(1)
        os._exit(0)
    # SIGTERM: stop taking requests, and answer those in flight as the bot journals them. Another
    # SIGTERM is ignored from now on (systemd signals both processes, then the bot stops the front
    # too): one landing while asyncio.run closes the loop, whose wakeup pipe goes before its signal
    # handler, was reported on stderr as an error.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    await runner.cleanup()
    answers.cancel()
    writer.close()


def main() -> None:
    """`python -m chatbot.telegram_io.webhook_front LISTEN_FD CHANNEL_FD`."""
    # Until the channel is open, and once it is closing: stdout (the journal, or docker's log).
    logging.basicConfig(format=LOG_FORMAT, level=logging.WARNING, stream=sys.stdout)
    # Ctrl-C in a terminal reaches the whole process group: the bot stops the front in its own time.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listening = socket.socket(fileno=int(sys.argv[1]))
    channel = socket.socket(fileno=int(sys.argv[2]))
    asyncio.run(serve(listening, channel))


if __name__ == "__main__":
    main()
