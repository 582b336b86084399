"""The webhook receiver (chatbot/telegram_io/webhook.py) on its own: what it answers, what it journals
and queues, and in which order; and when the webhook is set again."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import aiohttp
from telegram import Bot, Update, WebhookInfo

from chatbot.telegram_io import webhook
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
                assert batches == [] and queue.empty()
                # Twenty at once: journaled together, queued in the order they came, all answered 200.
                assert await asyncio.gather(*(post(update(i)) for i in range(10, 30))) == [200] * 20
        finally:
            await receiver.stop()
        journaled = [i for batch in batches for i in batch]
        assert sorted(journaled) == list(range(10, 30)) and len(batches) < 20
        for i in journaled:  # no 200 before its update was journaled
            assert events.index(("journaled", i)) < events.index(("answered", i))
        queued = [queue.get_nowait() for _ in range(queue.qsize())]
        assert [u.update_id for u in queued if isinstance(u, Update)] == journaled

    asyncio.run(main())


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

    import pytest

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        receiver = webhook.Receiver("/hook", SECRET, lambda updates: None, asyncio.Queue(), Bot("1:a"))
        with pytest.raises(webhook.CannotListen, match="127.0.0.1"):
            receiver.bind("127.0.0.1", taken.getsockname()[1])


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
