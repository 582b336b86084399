"""The webhook receiver (chatbot/telegram_io/webhook.py) and its HTTP front (webhook_front.py, a process
of its own) without the bot: what they answer, what is journaled and queued, and in which order; a front
that dies or cannot start; and when the webhook is set again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from telegram import Bot, Update, WebhookInfo

from chatbot.telegram_io import webhook
from chatbot.telegram_io import webhook_front as front_module
from conftest import free_port

SECRET = "s3cret-_"


def update(update_id: int, user: int = 7) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "U"}, "text": f"m{update_id}",
    }}  # fmt: skip


async def serve(journal: Any) -> tuple[webhook.Receiver, asyncio.Queue[object], str]:
    queue: asyncio.Queue[object] = asyncio.Queue()
    receiver = webhook.Receiver("/hook", SECRET, journal, queue, Bot("1:a"))
    port = free_port()
    receiver.bind("127.0.0.1", port)
    await receiver.start()
    return receiver, queue, f"http://127.0.0.1:{port}/hook"


def test_answers_and_the_batch_journaled_before_the_200s():
    batches: list[list[int]] = []
    events: list[tuple[str, int]] = []

    def journal(updates: list[tuple[int, str, str]]) -> None:
        batches.append([update_id for update_id, _, _ in updates])
        events.extend(("journaled", update_id) for update_id, _, _ in updates)
        assert all(kind == "message" and json.loads(body)["update_id"] == i for i, kind, body in updates)

    async def main() -> None:
        receiver, queue, url = await serve(journal)
        try:
            async with aiohttp.ClientSession() as session:
                async def post(body: Any, secret: str | None = SECRET, to: str = url, method: str = "POST") -> int:
                    headers = {webhook.SECRET_HEADER: secret} if secret is not None else {}
                    async with session.request(method, to, data=json.dumps(body), headers=headers) as response:
                        if response.status == 200:
                            events.append(("answered", body["update_id"]))
                        return response.status

                assert await post(update(1), secret=None) == 403
                assert await post(update(1), secret=SECRET + "x") == 403
                assert await post([1, 2]) == 400
                assert await post({"update_id": "1"}) == 400
                assert await post(update(1), to=url + "/more") == 404
                assert await post(update(1), method="GET") == 405
                assert await post(update(1), method="GET", secret=None) == 403  # no secret: 403, whatever else
                assert batches == [] and queue.empty()
                # Twenty at once: journaled together, queued in the order they came, all answered 200.
                assert await asyncio.gather(*(post(update(i)) for i in range(10, 30))) == [200] * 20
        finally:
            await receiver.stop()
        journaled = [i for batch in batches for i in batch]
        assert sorted(journaled) == list(range(10, 30))  # how many batches depends on the reads: see below
        for i in journaled:  # no 200 before its update was journaled
            assert events.index(("journaled", i)) < events.index(("answered", i))
        queued = [queue.get_nowait() for _ in range(queue.qsize())]
        assert [u.update_id for u in queued if isinstance(u, Update)] == journaled

    asyncio.run(main())


def test_bodies_that_are_not_updates_among_updates_get_their_own_answers_in_order():
    journaled: list[int] = []
    bad_date = update(3)
    bad_date["message"]["date"] = 10**20  # PTB raises OverflowError building it: not an update either

    async def main() -> None:
        receiver, queue, url = await serve(lambda updates: journaled.extend(i for i, _, _ in updates))
        try:
            async with aiohttp.ClientSession() as session:
                async def post(body: Any) -> int:
                    headers = {webhook.SECRET_HEADER: SECRET}
                    async with session.post(url, data=json.dumps(body), headers=headers) as response:
                        return response.status

                bodies: list[Any] = [update(1), [1], update(2), bad_date, {"update_id": None}, update(4)]
                assert await asyncio.gather(*(post(b) for b in bodies * 3)) == [200, 400, 200, 400, 400, 200] * 3
                # A header that is not even UTF-8 is a wrong secret like any other.
                async with session.post(url, data=b"{}", headers={webhook.SECRET_HEADER: "caf\xe9".encode("latin-1").decode("latin-1")}) as response:
                    assert response.status == 403
        finally:
            await receiver.stop()
        assert receiver.failed is None and queue.qsize() == len(journaled) == 9

    asyncio.run(main())


def test_what_one_read_brings_is_journaled_in_one_transaction_and_answered_in_order():
    batches: list[list[int]] = []
    queue: asyncio.Queue[object] = asyncio.Queue()
    receiver = webhook.Receiver("/hook", SECRET, lambda u: batches.append([i for i, _, _ in u]), queue, Bot("1:a"))
    bodies = [json.dumps(update(i)).encode() for i in (1, 2)] + [b"[]"] + [json.dumps(update(3)).encode()]
    assert receiver.take(bodies) == b"200200400200"
    assert batches == [[1, 2, 3]]
    assert [u.update_id for u in (queue.get_nowait() for _ in range(3)) if isinstance(u, Update)] == [1, 2, 3]


def test_a_journal_that_cannot_write_answers_500_and_queues_nothing():
    def journal(updates: list[tuple[int, str, str]]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    async def main() -> None:
        receiver, queue, url = await serve(journal)
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(url, json=update(1), headers={webhook.SECRET_HEADER: SECRET}) as response:
                    assert response.status == 500  # Telegram sends it again
        finally:
            await receiver.stop()
        assert queue.empty()

    asyncio.run(main())


def test_an_unexpected_journal_failure_still_answers_every_request_and_stops_at_once():
    def journal(updates: list[tuple[int, str, str]]) -> None:
        raise RuntimeError("a bug")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: None)  # the bug goes to the loop's handler
        receiver, queue, url = await serve(journal)
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update(1), headers={webhook.SECRET_HEADER: SECRET}) as response:
                assert response.status == 500
        await asyncio.wait_for(receiver.stop(), 2)
        assert queue.empty()

    asyncio.run(main())


def test_a_taken_address_is_refused_at_bind():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        receiver = webhook.Receiver("/hook", SECRET, lambda updates: None, asyncio.Queue(), Bot("1:a"))
        with pytest.raises(webhook.CannotListen, match="127.0.0.1"):
            receiver.bind("127.0.0.1", taken.getsockname()[1])


FAILING_FRONT = [sys.executable, "-c", "import sys; sys.exit(3)"]


def test_a_front_that_cannot_start_fails_the_start_with_its_exit_code(monkeypatch):
    monkeypatch.setattr(webhook, "FRONT_COMMAND", FAILING_FRONT)

    async def main() -> None:
        receiver = webhook.Receiver("/hook", SECRET, lambda updates: None, asyncio.Queue(), Bot("1:a"))
        receiver.bind("127.0.0.1", free_port())
        with pytest.raises(webhook.FrontFailed, match="did not start .exit code 3"):
            await receiver.start()
        await receiver.stop()

    asyncio.run(main())


def test_a_front_that_dies_is_replaced_and_one_that_cannot_be_stops_the_bot(monkeypatch, caplog):
    journaled: list[int] = []

    async def main() -> None:
        receiver, queue, url = await serve(lambda updates: journaled.extend(i for i, _, _ in updates))
        failed = asyncio.Event()
        receiver.on_failure = failed.set
        # A connection of its own per request: one kept alive to a killed front is simply gone.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:

            async def post(update_id: int) -> int:
                async with session.post(url, json=update(update_id), headers={webhook.SECRET_HEADER: SECRET}) as response:
                    return response.status

            assert await post(1) == 200
            assert receiver.front is not None
            first = receiver.front.pid
            os.kill(first, signal.SIGKILL)
            # Sent while no front runs: the bot holds the port, so it waits for the next front.
            assert await asyncio.wait_for(post(2), 10) == 200
            assert receiver.front.pid != first and receiver.failed is None
            monkeypatch.setattr(webhook, "FRONT_COMMAND", FAILING_FRONT)
            os.kill(receiver.front.pid, signal.SIGKILL)
            await asyncio.wait_for(failed.wait(), 10)
        await receiver.stop()
        assert "exit code 3" in str(receiver.failed)
        assert queue.qsize() == 2

    asyncio.run(main())
    assert journaled == [1, 2]
    assert f"stopped with exit code {-signal.SIGKILL}: starting another" in caplog.text


def test_a_front_killed_before_reading_its_answers_is_replaced_too(monkeypatch, tmp_path):
    """A socket closed with data unread resets its peer: the bot reads ECONNRESET, not an end."""
    script = tmp_path / "front.py"
    script.write_text(
        "import json, os, socket, struct, sys, time\n"
        "channel = socket.socket(fileno=int(sys.argv[2]))\n"
        "channel.recv(4096)\n"  # the settings
        f"body = json.dumps({update(5)!r}).encode()\n"
        "channel.sendall(struct.pack('>cI', b'R', 0) + struct.pack('>cI', b'B', len(body)) + body)\n"
        "time.sleep(1)\n"  # the bot's answer arrives, unread
        "os._exit(0)\n"
    )
    real = webhook.FRONT_COMMAND
    monkeypatch.setattr(webhook, "FRONT_COMMAND", [sys.executable, str(script)])
    journaled: list[int] = []

    async def main() -> None:
        receiver, queue, url = await serve(lambda updates: journaled.extend(i for i, _, _ in updates))
        monkeypatch.setattr(webhook, "FRONT_COMMAND", real)  # the next one is a real front
        async with aiohttp.ClientSession() as session:
            headers = {webhook.SECRET_HEADER: SECRET}

            async def post() -> int:
                async with session.post(url, json=update(6), headers=headers) as response:
                    return response.status

            assert await asyncio.wait_for(post(), 10) == 200
        await receiver.stop()
        assert receiver.failed is None and queue.qsize() == 2

    asyncio.run(main())
    assert journaled == [5, 6]


@contextlib.contextmanager
def ready_front() -> Iterator[tuple[subprocess.Popen[bytes], socket.socket, int]]:
    """A real front on a loopback port, its channel's other end held by the test as the bot's, after
    the settings and READY: (the front, the channel, the port). Its stdout and stderr are captured."""
    listening = socket.create_server(("127.0.0.1", 0))
    ours, theirs = socket.socketpair()
    fds = (listening.fileno(), theirs.fileno())
    front = subprocess.Popen(
        [*webhook.FRONT_COMMAND, *map(str, fds)], pass_fds=fds, cwd=webhook.PACKAGE_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    theirs.close()
    try:
        ours.sendall(json.dumps({"path": "/hook", "secret": SECRET}).encode() + b"\n")
        assert ours.recv(FRAME_SIZE) == front_module.frame(front_module.READY)
        yield front, ours, listening.getsockname()[1]
    finally:
        if front.poll() is None:
            front.kill()
            front.wait()
        ours.close()
        listening.close()


def test_a_second_sigterm_while_the_front_drains_is_ignored():
    """systemd signals the front and the bot, and the bot then stops the front too: from its first
    SIGTERM on, the front ignores the signal (one landing while asyncio closes its wakeup pipe was
    reported as an error), answers what is in flight, and ends in order."""
    with ready_front() as (front, ours, port):
        body = json.dumps(update(1)).encode()
        request = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s: %s\r\n\r\n" % (
            len(body), webhook.SECRET_HEADER.encode(), SECRET.encode()
        )
        with socket.create_connection(("127.0.0.1", port)) as telegram:
            telegram.sendall(request + body)
            assert ours.recv(FRAME_SIZE + len(body)) == front_module.frame(front_module.BODY, body)  # in flight
            front.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 5
            while not ignores_sigterm(front.pid):
                assert time.monotonic() < deadline, "the front still takes SIGTERM while it drains"
                time.sleep(0.01)
            front.send_signal(signal.SIGTERM)  # the bot's own stop
            ours.sendall(b"200")
            assert telegram.recv(4096).startswith(b"HTTP/1.1 200")
        assert front.wait(10) == 0
        assert front.stderr is not None and front.stderr.read() == b""


def test_what_the_front_logs_goes_to_the_bot_not_to_stdout():
    """A record the front logs (here its last, that the bot's answers make no sense) reaches the bot,
    which writes it to its own log (LOG_FILE too): the front's stdout stays empty."""
    with ready_front() as (front, ours, _):
        ours.sendall(b"200")  # an answer to no request
        assert front.wait(10) == 1
        received = b""
        while chunk := ours.recv(1 << 16):
            received += chunk
        kind, size = front_module.FRAME.unpack_from(received)
        assert kind == front_module.LOG and len(received) == FRAME_SIZE + size
        head, text = received[FRAME_SIZE:].decode().split("\n", 1)
        assert head == f"{logging.ERROR} chatbot.webhook_front"
        assert text.startswith("Reading the bot's answers failed") and "IndexError" in text  # with its traceback
        assert front.stdout is not None and front.stdout.read() == b""
        assert front.stderr is not None and front.stderr.read() == b""


def test_the_bot_writes_what_its_front_logged_as_its_own(monkeypatch, tmp_path, caplog):
    script = tmp_path / "front.py"
    record = b"30 aiohttp.server\nError handling request\nTraceback (most recent call last): ..."
    script.write_text(
        "import socket, struct, sys, time\n"
        "channel = socket.socket(fileno=int(sys.argv[2]))\n"
        "channel.recv(4096)\n"  # the settings
        f"channel.sendall(struct.pack('>cI', b'R', 0) + struct.pack('>cI', b'L', {len(record)}) + {record!r})\n"
        "time.sleep(30)\n"
    )
    monkeypatch.setattr(webhook, "FRONT_COMMAND", [sys.executable, str(script)])

    async def main() -> None:
        receiver, _, _ = await serve(lambda updates: None)
        try:
            for _ in range(200):
                if "Error handling request" in caplog.text:
                    break
                await asyncio.sleep(0.02)
            assert receiver.front is not None
            pid = receiver.front.pid
        finally:
            await receiver.stop()
        [logged] = [r for r in caplog.records if "Error handling request" in r.getMessage()]
        assert (logged.name, logged.levelno) == ("chatbot.webhook_front", logging.WARNING)
        assert logged.getMessage() == (
            f"Webhook front (pid {pid}), aiohttp.server: Error handling request\n  | Traceback (most recent call last): ..."
        )

    asyncio.run(main())


def test_what_a_front_sends_to_the_log_is_only_text(caplog):
    """The front faces the internet: a record it sends cannot pass for the bot's own lines, pick a
    level of its own, or make the bot fail (a level of 5,000 digits is more than int() takes)."""
    receiver = webhook.Receiver("/hook", SECRET, lambda updates: None, asyncio.Queue(), Bot("1:a"))
    caplog.set_level(logging.DEBUG)
    receiver._say_logged("9" * 5000 + " evil\nname\nfirst\n2026-12-03 13:00:00 INFO chatbot: forged\r\nend\x1b[2J\u2028x\x0bx\tok")
    receiver._say_logged("30 " + "x" * 65 + "\n" + "y" * 100_000)
    receiver._say_logged("no newline at all")
    first, second, third = caplog.records
    assert first.levelno == logging.ERROR and first.getMessage() == (
        "Webhook front (pid ?), evil: name\n  | first\n  | 2026-12-03 13:00:00 INFO chatbot: forged\n  | end?[2J?x?x\tok"
    )
    assert second.levelno == logging.WARNING and "), ?: " in second.getMessage()
    assert len(second.getMessage()) < front_module.LOG_MAX + 300
    assert third.levelno == logging.ERROR and third.getMessage() == "Webhook front (pid ?), ?: "


class Channel:
    """A StreamWriter's part that ChannelLog uses: what was written, and whether it is closing."""

    def __init__(self) -> None:
        self.frames: list[tuple[bytes, str]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        kind, size = front_module.FRAME.unpack_from(data)
        assert len(data) == FRAME_SIZE + size
        self.frames.append((kind, data[FRAME_SIZE:].decode()))

    def is_closing(self) -> bool:
        return self.closing


class Fallen(logging.Handler):
    """Keeps the records that fell back (to stdout, in the front)."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def channel_log() -> tuple[front_module.ChannelLog, Channel, list[logging.LogRecord]]:
    """A ChannelLog on a fake channel, falling back to a list."""
    channel = Channel()
    fallen: list[logging.LogRecord] = []
    fallback = Fallen(fallen)
    return front_module.ChannelLog(cast(asyncio.StreamWriter, channel), [fallback]), channel, fallen


def record(message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("aiohttp.server", level, __file__, 1, message, None, None)


def test_the_fronts_log_goes_to_stdout_once_the_channel_closes_or_from_another_thread():
    handler, channel, fallen = channel_log()
    handler.handle(record("sent"))
    elsewhere = threading.Thread(target=handler.handle, args=(record("from a thread"),))
    elsewhere.start()
    elsewhere.join()
    channel.closing = True
    handler.handle(record("after"))
    assert channel.frames == [(front_module.LOG, f"{logging.ERROR} aiohttp.server\nsent")]
    assert [r.getMessage() for r in fallen] == ["from a thread", "after"]


def test_the_front_passes_on_a_few_records_a_minute_and_counts_the_rest(monkeypatch):
    monkeypatch.setattr(front_module, "LOG_WINDOW_SECONDS", 1.0)

    async def main() -> None:
        handler, channel, fallen = channel_log()
        for n in range(front_module.LOG_BURST + 5):
            handler.handle(record(f"bad request {n}\nTraceback ..."))
        assert len(channel.frames) == front_module.LOG_BURST
        handler.handle(logging.LogRecord("chatbot.webhook_front", logging.ERROR, __file__, 1, "why it ends", None, None))
        assert channel.frames[-1][1].endswith("why it ends")  # the front's own error is never held back
        await asyncio.sleep(1.3)  # the minute is over: the count is said, though nothing more came
        assert channel.frames[-1] == (
            front_module.LOG,
            f"{logging.WARNING} chatbot.webhook_front\n5 more records in a minute not written"
            f" (the latest: bad request {front_module.LOG_BURST + 4})",
        )
        handler.handle(record("next minute"))
        assert channel.frames[-1][1].endswith("next minute") and len(channel.frames) == front_module.LOG_BURST + 3
        assert not fallen

    asyncio.run(main())


def test_a_long_record_keeps_its_start_and_its_end():
    handler, channel, _ = channel_log()
    handler.handle(record("Error handling request\n" + "  File ...\n" * 5000 + "ValueError: the cause"))
    [(_, text)] = channel.frames
    assert text.startswith(f"{logging.ERROR} aiohttp.server\nError handling request\n")
    assert text.endswith("ValueError: the cause") and "\n[...]\n" in text
    assert len(text) < front_module.LOG_MAX + 100


FRAME_SIZE = front_module.FRAME.size


def ignores_sigterm(pid: int) -> bool:
    """Whether the process ignores SIGTERM (its SigIgn mask, /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_the_watch_says_each_delivery_error_once():
    from datetime import datetime, timezone

    watch = webhook.WebhookWatch("https://x/t")
    failing = WebhookInfo(url="https://x/t", has_custom_certificate=False, pending_update_count=2,
                          last_error_date=datetime(2026, 1, 1, tzinfo=timezone.utc), last_error_message="Connection refused")  # fmt: skip
    assert watch.ours(failing) and watch.new_error(failing) == "Connection refused"
    assert watch.new_error(failing) is None
    assert not watch.ours(WebhookInfo(url="", has_custom_certificate=False, pending_update_count=0))


def test_the_webhook_is_the_same_only_if_url_connections_and_kinds_agree():
    info = WebhookInfo(url="https://x/t", has_custom_certificate=False, pending_update_count=0, max_connections=40,
                       allowed_updates=["message", "callback_query"])  # fmt: skip
    assert webhook.same_webhook(info, "https://x/t", 40, ["callback_query", "message"])
    assert not webhook.same_webhook(info, "https://x/u", 40, ["callback_query", "message"])
    assert not webhook.same_webhook(info, "https://x/t", 41, ["callback_query", "message"])
    assert not webhook.same_webhook(info, "https://x/t", 40, ["message"])
    one = webhook.fingerprint("1:a", "https://x/t", "a", 40, ["message"])
    assert one == webhook.fingerprint("1:a", "https://x/t", "a", 40, ["message"])
    assert one != webhook.fingerprint("1:a", "https://x/t", "b", 40, ["message"])
    # Keyed with the token: the database alone cannot be used to guess the secret.
    assert one != webhook.fingerprint("1:b", "https://x/t", "a", 40, ["message"]) and len(one) == 64
