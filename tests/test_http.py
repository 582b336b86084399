"""The bot's HTTP client (telegram_io.http.AiohttpRequest, PollingRequest) against the emulator:
forms, uploads, downloads, Telegram's errors as PTB's exceptions, timeouts, an unreachable server,
the token kept out of error messages, and a poll parsed once for PTB and the journal."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import Updater
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut

from emulator import Emulator
from emulator_methods import PNG_SIGNATURE
from chatbot.telegram_io.http import AiohttpRequest, ConflictWatch, PollingRequest, cut_polling_wait

PNG = bytes.fromhex(PNG_SIGNATURE) + b"\0" * 64


def bot_for(emulator: Emulator, request: AiohttpRequest | None = None, polling: AiohttpRequest | None = None) -> Bot:
    return Bot(
        emulator.token,
        base_url=f"{emulator.url}/bot",
        request=request or AiohttpRequest(),
        get_updates_request=polling or AiohttpRequest(),
    )


async def test_a_form_and_an_upload_reach_telegram_and_come_back_as_objects(emulator):
    alice = emulator.person("Alice")
    async with bot_for(emulator) as bot:
        sent = await bot.send_message(alice.id, "héllo & <b>", reply_markup=None)
        photo = await bot.send_photo(alice.id, PNG, caption="chart")
    assert sent.text == "héllo & <b>" and sent.chat.id == alice.id
    assert photo.caption == "chart"
    upload = emulator.calls_of("sendPhoto")[0]["photo"]
    assert upload["size"] == len(PNG) and upload["head"] == PNG_SIGNATURE


async def test_telegram_errors_become_ptb_exceptions(emulator):
    alice = emulator.person("Alice")
    alice.block(notify=False)
    async with bot_for(emulator) as bot:
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(alice.id, "x")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(123456789, "x")


async def test_a_proxys_error_page_is_a_network_error_in_one_short_line(emulator):
    """A 502 from the front end is nginx's HTML page: the error says what it was, not the page."""
    alice = emulator.person("Alice")
    emulator.outage(5, code=502, methods={"sendMessage"})
    async with bot_for(emulator) as bot:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(alice.id, "x")
    assert str(caught.value) == "Bad Gateway (502) from a proxy in front of the Bot API (text/html, not JSON)"


async def test_a_slow_answer_is_a_timeout(emulator):
    alice = emulator.person("Alice")
    emulator.delays["sendMessage"] = 2
    async with bot_for(emulator, AiohttpRequest(read_timeout=0.3)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(alice.id, "x")
        emulator.delays["sendMessage"] = 0
        # The pool is fine afterwards.
        assert (await bot.send_message(alice.id, "y")).text == "y"


@contextlib.asynccontextmanager
async def client() -> AsyncIterator[AiohttpRequest]:
    """An initialized AiohttpRequest, shut down afterwards."""
    request = AiohttpRequest()
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


@contextlib.asynccontextmanager
async def raw_server(answer: bytes, request_lines: list[bytes]) -> AsyncIterator[str]:
    """A server that notes each request's first line and answers `answer` bytes; yields its root URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_lines.append(await reader.readline())
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_an_unreachable_server_is_a_network_error_without_the_token(emulator):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{emulator.token}/sendMessage")
    assert "aiohttp.ClientConnectorError" in caught.value.message
    assert emulator.token.split(":")[1] not in str(caught.value)


async def test_a_garbled_answer_is_a_network_error_that_quotes_the_url_without_the_token(emulator):
    async with raw_server(b"NOT HTTP AT ALL\r\n\r\n", []) as root, client() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"{root}/bot{emulator.token}/sendMessage")
    # aiohttp quotes the URL in this error; the token is cut out of it.
    assert "/bot<token>/sendMessage" in caught.value.message
    assert emulator.token.split(":")[1] not in caught.value.message


async def test_a_file_download_is_a_get():
    request_lines: list[bytes] = []
    async with raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nPNG!", request_lines) as root, client() as request:
        content = await request.retrieve(f"{root}/file/bot1:a/photos/file_1.jpg")
    assert content == b"PNG!"
    assert request_lines == [b"GET /file/bot1:a/photos/file_1.jpg HTTP/1.1\r\n"]


async def test_a_request_before_initialize_is_refused(emulator):
    # PTB wraps whatever the client raises that is not a TelegramError.
    with pytest.raises(NetworkError, match="not initialized"):
        await AiohttpRequest().post(f"{emulator.url}/bot{emulator.token}/getMe")


async def test_a_poll_is_journaled_once_and_beats_the_heartbeat_only_when_it_succeeds(emulator, tmp_path: Path):
    alice = emulator.person("Alice")
    alice.send("hi")
    journaled: list[list[dict[str, Any]]] = []
    heartbeat = tmp_path / "heartbeat"
    polling = PollingRequest(str(heartbeat), journaled.append, connection_pool_size=1, read_timeout=5)
    async with bot_for(emulator, polling=polling) as bot:
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["hi"]
        assert [[u["update_id"] for u in batch] for batch in journaled] == [[updates[0].update_id]]
        assert heartbeat.exists()
    heartbeat.unlink()
    refused = PollingRequest(str(heartbeat), journaled.append, connection_pool_size=1, read_timeout=5)
    await refused.initialize()
    try:
        with pytest.raises(InvalidToken):
            await refused.post(f"{emulator.url}/bot1:wrong/getUpdates")
    finally:
        await refused.shutdown()
    assert not heartbeat.exists() and len(journaled) == 1


async def test_the_polling_wait_is_cut_so_a_stop_in_a_lasting_conflict_is_at_once(emulator):
    """In a lasting conflict PTB's polling loop sleeps between 409s and sees a stop only when it
    wakes; `cut_polling_wait` ends it now (it reads a private attribute of PTB's Updater: a PTB that
    renamed it fails here)."""
    async with bot_for(emulator) as bot:
        updater = Updater(bot, asyncio.Queue())
        async with updater:
            emulator.conflict(60)
            await updater.start_polling(poll_interval=0, timeout=1, error_callback=lambda error: None)
            for _ in range(10):  # 409s at 0, 1, 2.5 and 4.75 s: then a 3.4 s sleep
                await asyncio.sleep(0.5)
            began = time.monotonic()
            assert cut_polling_wait(updater)
            await updater.stop()
            assert time.monotonic() - began < 1.0
            assert not cut_polling_wait(updater)  # no task left


def test_a_conflict_streak_is_said_once_and_outlasts_its_deadline_only_if_unbroken():
    watch = ConflictWatch(exit_after=60)
    assert watch.conflict(100.0) == (True, False)  # the streak's first: said
    assert watch.conflict(130.0) == (False, False)
    watch.polled()  # a good poll ends it
    assert not watch.outlasted(100.0)  # the timer of the streak that ended
    assert watch.conflict(140.0) == (True, False)  # a new streak
    watch.polls_in_flight = 1
    assert not watch.outlasted(140.0)  # a poll is out: its answer decides
    watch.polls_in_flight = 0
    assert watch.outlasted(140.0) and watch.gave_up  # its timer, with no good poll since
    assert watch.conflict(300.0) == (False, True)  # given up stays given up (the exit code)
    assert watch.stop_once() and not watch.stop_once()  # the timer and a late 409 stop the bot once
    assert ConflictWatch(exit_after=5).conflict(0.0) == (True, False)
    late = ConflictWatch(exit_after=5)
    late.conflict(0.0)
    assert late.conflict(5.0) == (False, True)  # a 409 past the deadline gives up as well
