"""Unit tests of the handlers through Application.process_update with a fake BaseRequest, and of
the runtime plumbing (per-user update order, logging)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from bot import AnonymousChatBot
from config import load_config
from database import Database
from chatbot.handlers import admin
from chatbot.handlers.channels import channel_checks
from chatbot.telegram_io.messages import command_of
from chatbot.ops.modes import setup_logging
from chatbot.telegram_io.updates import PerUserUpdateProcessor
from telegram import Chat, Message, Update
from telegram.request import BaseRequest, RequestData
from chatbot.i18n.texts import t

TOKEN = "123456:TEST-token"


# bot.py: handlers through Application.process_update with a fake BaseRequest


class FakeRequest(BaseRequest):
    """Answers Bot API calls locally and records them, like PTB's own test doubles."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_timeouts: Any, **__: Any
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[1]
        params = request_data.parameters if request_data else {}
        self.calls.append((api_method, params))
        if api_method == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "test_bot"}
        elif api_method in ("sendMessage", "sendInvoice"):
            chat = {"id": params["chat_id"], "type": "private"}
            result = {"message_id": next(self._ids), "date": 0, "chat": chat, "text": params.get("text", "")}
        elif api_method == "copyMessage":
            result = {"message_id": next(self._ids)}
        elif api_method == "getMyCommands":
            result = []
        elif api_method in ("getMyDescription", "getMyShortDescription"):
            result = {api_method.removeprefix("getMy").replace("ShortDescription", "short_description").lower(): ""}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def texts_to(self, chat_id: int) -> list[str]:
        return [p["text"] for m, p in self.calls if m == "sendMessage" and p["chat_id"] == chat_id]


def message_update(update_id: int, user_id: int, text: str) -> dict:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
            "text": text,
            "entities": entities,
        },
    }


@pytest.fixture
async def harness(tmp_path):
    config = load_config({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "9", "DATABASE_PATH": str(tmp_path / "h.db"), "LOG_FILE": ""})
    database = Database(config.database_path)
    chatbot = AnonymousChatBot(config, database)
    request = FakeRequest()
    application = chatbot.build_application(request)
    await application.initialize()
    ids = itertools.count(1)

    async def send(user_id: int, text: str) -> None:
        await application.process_update(Update.de_json(message_update(next(ids), user_id, text), application.bot))

    yield chatbot, request, send
    await application.shutdown()
    database.close()


async def test_search_pairs_and_relay_copies(harness):
    chatbot, request, send = harness
    chatbot.db.users.create(1, "male", 20)
    chatbot.db.users.create(2, "female", 21)
    await send(1, "/search")
    assert list(chatbot.search_queue) == [1]
    await send(2, "/search")
    assert chatbot.search_queue == {}
    assert chatbot.active_chats[1].partner_id == 2 and chatbot.active_chats[2].partner_id == 1
    assert any(t("partner_found", "en") in text for text in request.texts_to(1))
    assert any(t("partner_found", "en") in text for text in request.texts_to(2))
    await send(1, "hello")
    copies = [p for m, p in request.calls if m == "copyMessage"]
    assert copies == [{"chat_id": 2, "from_chat_id": 1, "message_id": 3}]
    assert not [m for m, _ in request.calls if m == "forwardMessage"]
    await send(2, "/stop")
    assert chatbot.active_chats == {}
    assert chatbot.db.chats.open_chats() == []


async def test_gatekeeper_stops_banned_users(harness):
    chatbot, request, send = harness
    chatbot.db.users.create(5, "male", 20)
    chatbot.db.moderation.ban_user(5)
    await send(5, "/search")
    assert chatbot.search_queue == {}
    appeal = t("ban_appeal_line", "en")
    assert request.texts_to(5) == [t("banned", "en", until="", reason="", appeal=appeal)]
    await send(5, "/rules")  # information stays available
    assert request.texts_to(5)[-1] == t("rules", "en")


async def test_state_is_restored_from_the_database(harness):
    chatbot, _, send = harness
    for uid in (1, 2, 3):
        chatbot.db.users.create(uid, "male", 20)
    await send(1, "/search")
    await send(2, "/search")
    await send(3, "/search")
    restored = AnonymousChatBot(chatbot.config, chatbot.db)
    assert restored.active_chats == chatbot.active_chats
    assert list(restored.search_queue) == [3]


async def test_admin_commands_are_for_admins_only(harness):
    chatbot, request, send = harness
    await send(1, "/stats")
    assert request.texts_to(1) == [t("unknown_command", "en")]
    await send(9, "/stats")
    assert "Users: 0" in request.texts_to(9)[-1]


async def test_daily_backup_is_scheduled_and_writes_a_backup(harness, tmp_path):
    chatbot, request, _ = harness
    application = chatbot.build_application(request)
    await application.initialize()
    try:
        await chatbot.post_init(application)
        jobs = {job.name: job for job in application.job_queue.jobs()}
        assert "bot_profile_job" in jobs
        await jobs["bot_profile_job"].run(application)
        trigger = jobs["backup_job"].job.trigger
        assert (str(trigger.fields[5]), str(trigger.fields[6])) == ("3", "0")  # hour, minute: BACKUP_TIME 03:00
        assert "housekeeping_job" in jobs
        # English (the default, and for English apps), Russian, Spanish, and admin 9.
        assert [m for m, _ in request.calls].count("setMyCommands") == 5
    finally:
        await application.shutdown()
    chatbot.services.config = dataclasses.replace(chatbot.config, backup_dir=str(tmp_path / "daily"))
    await admin.run_backup(chatbot.services)
    assert len(list((tmp_path / "daily").glob("bot-*.db"))) == 1


def test_log_file_rotates(tmp_path):
    import logging
    import logging.handlers

    config = load_config({"BOT_TOKEN": TOKEN, "LOG_FILE": str(tmp_path / "bot.log")})
    try:
        setup_logging(config)
        handlers = logging.getLogger().handlers
        (rotating,) = [h for h in handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
        assert rotating.maxBytes == 10_000_000 and rotating.backupCount == 5
        assert logging.getLogger("httpx").level == logging.WARNING  # request URLs carry the token
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()


async def test_housekeeping_forgets_stale_channel_checks(harness):
    chatbot, _, _ = harness
    now = time.monotonic()
    assert chatbot.application is not None
    confirmed = channel_checks(chatbot.application.bot_data)
    confirmed.update({1: now, 2: now - chatbot.config.channel_check_cache_seconds - 1})
    assert confirmed.forget_older_than(chatbot.config.channel_check_cache_seconds) == 1
    assert list(confirmed) == [1]


def test_command_of():
    def msg(text: str | None) -> Message:
        return Message(1, datetime.now(timezone.utc), Chat(1, "private"), text=text)

    assert command_of(msg("/Search@anon_bot now")) == "search"
    assert command_of(msg("/next")) == "next"
    assert command_of(msg("/next\n")) == "next"
    assert command_of(msg("hello /start")) is None
    assert command_of(msg(None)) is None
    assert command_of(None) is None


async def test_update_processor_keeps_each_users_order_and_runs_users_concurrently():
    processor = PerUserUpdateProcessor(8)
    order: list[str] = []
    release_a = asyncio.Event()

    def update_from(user_id: int, update_id: int) -> Update:
        return Update.de_json(message_update(update_id, user_id, "x"), None)

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        if wait:
            await wait.wait()
        order.append(name)

    tasks = [
        asyncio.create_task(processor.process_update(update_from(1, 1), handle("a1", release_a))),
        asyncio.create_task(processor.process_update(update_from(1, 2), handle("a2"))),
        asyncio.create_task(processor.process_update(update_from(2, 3), handle("b1"))),
    ]
    await asyncio.sleep(0.05)
    assert order == ["b1"]  # user 2 is not stuck behind user 1
    release_a.set()
    await asyncio.gather(*tasks)
    assert order == ["b1", "a1", "a2"]
    assert processor._locks == {}  # nothing kept for idle users
