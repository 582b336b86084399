"""The emulator answers like the Bot API, and its API slice matches the official description."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import make_botapi_slice
from emulator import Emulator, check_object, text_entities


def call(emu: Emulator, method: str, token: str | None = None, **params) -> tuple[int, dict]:
    body = urllib.parse.urlencode(
        {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in params.items()}
    ).encode()
    url = f"{emu.url}/bot{token or emu.token}/{method}"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def emu():
    emulator = Emulator()
    emulator.url = emulator.start()
    yield emulator
    emulator.stop()


def test_unknown_method_is_404_and_recorded(emu):
    status, body = call(emu, "sendMessagee", chat_id=1, text="x")
    assert status == 404 and body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert emu.violations == ["unknown method sendMessagee"]


def test_missing_and_unknown_parameters_are_400(emu):
    person = emu.person("A")
    status, body = call(emu, "sendMessage", chat_id=person.id)
    assert status == 400 and "text" in body["description"]
    status, body = call(emu, "sendMessage", chat_id=person.id, text="hi", colour="red")
    assert status == 400 and "colour" in body["description"]
    status, _ = call(emu, "copyMessage", chat_id="not-a-number-or-username", from_chat_id=person.id, message_id="x")
    assert status == 400
    assert len(emu.violations) == 3


def test_wrong_token_is_401(emu):
    status, body = call(emu, "getMe", token="1:wrong")
    assert status == 401 and body["description"] == "Unauthorized"


def test_blocked_user_is_403_and_flood_is_429(emu):
    person = emu.person("B")
    emu.flood(person.id, times=1, retry_after=3)
    status, body = call(emu, "sendMessage", chat_id=person.id, text="hi")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert call(emu, "sendMessage", chat_id=person.id, text="hi")[0] == 200
    person.block(notify=False)
    status, body = call(emu, "sendMessage", chat_id=person.id, text="hi")
    assert status == 403 and "blocked" in body["description"]
    assert call(emu, "sendMessage", chat_id=999, text="hi")[1]["description"] == "Bad Request: chat not found"
    assert emu.violations == []


def test_get_updates_long_polls_and_confirms_with_offset(emu):
    person = emu.person("C")
    person.send("/start")
    _, body = call(emu, "getUpdates", timeout=0)
    (update,) = body["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    _, again = call(emu, "getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert again["result"] == []


def test_channel_membership_needs_the_bot_as_admin(emu):
    person = emu.person("D")
    emu.add_channel("@open_channel")
    emu.add_channel("@closed_channel", bot_is_admin=False)
    assert call(emu, "getChatMember", chat_id="@open_channel", user_id=person.id)[1]["result"]["status"] == "left"
    person.join("@open_channel")
    assert call(emu, "getChatMember", chat_id="@open_channel", user_id=person.id)[1]["result"]["status"] == "member"
    status, body = call(emu, "getChatMember", chat_id="@closed_channel", user_id=person.id)
    assert status == 400 and "inaccessible" in body["description"]


def test_injected_objects_are_checked_against_the_types():
    assert check_object({"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}, "Update") == [
        "message.chat.Chat.type is required"
    ]
    assert "Update has no field mesage" in check_object({"update_id": 1, "mesage": {}}, "Update")


def test_entities_use_utf16_offsets():
    assert text_entities("🙂 see http://x.io") == [{"type": "url", "offset": 7, "length": 11}]


def test_slice_matches_the_official_api_description():
    source = make_botapi_slice.DEFAULT_SOURCE
    if not source.exists():
        pytest.skip("../shared/botapi/api.json is not beside this clone")
    committed = json.loads(Path(make_botapi_slice.TARGET).read_text(encoding="utf-8"))
    assert make_botapi_slice.build(source) == committed, "run: python tests/make_botapi_slice.py"


def raw_call(emu: Emulator, method: str, timeout: float = 5, **params) -> tuple[int, bytes]:
    """Like call(), but the body as sent (a 502 is a proxy's HTML page, not JSON)."""
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(f"{emu.url}/bot{emu.token}/{method}", data=body)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_an_outage_answers_5xx_carries_nothing_out_and_spares_polling(emu):
    person = emu.person("A")
    emu.outage(5.0, 502)
    status, body = raw_call(emu, "sendMessage", chat_id=person.id, text="lost")
    assert status == 502 and b"502 Bad Gateway" in body and b"<html>" in body
    assert emu.calls_of("sendMessage") == [] and person.bot_messages() == []
    assert call(emu, "getUpdates")[0] == 200  # polling is not part of it
    emu.outage(5.0, 500, methods={"copyMessage"})
    assert call(emu, "sendMessage", chat_id=person.id, text="fine")[0] == 200
    status, answer = call(emu, "copyMessage", chat_id=person.id, from_chat_id=person.id, message_id=1)
    assert status == 500 and answer == {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    emu.outage(0)
    assert call(emu, "sendMessage", chat_id=person.id, text="back")[0] == 200


def test_a_late_answer_is_carried_out_or_lost_but_always_too_late(emu):
    person = emu.person("A")
    emu.answer_late("sendMessage", 2.0, carried_out=True)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        raw_call(emu, "sendMessage", timeout=0.5, chat_id=person.id, text="reached Telegram")
    assert [m["text"] for m in person.bot_messages()] == ["reached Telegram"]  # carried out at once
    emu.answer_late("sendMessage", 2.0, carried_out=False)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        raw_call(emu, "sendMessage", timeout=0.5, chat_id=person.id, text="lost on the way")
    assert [m["text"] for m in person.bot_messages()] == ["reached Telegram"]


def test_refused_connections_come_back_on_the_same_port(emu):
    person = emu.person("A")
    emu.refuse_connections(1.0)
    with pytest.raises(urllib.error.URLError):
        raw_call(emu, "sendMessage", chat_id=person.id, text="refused")
    time.sleep(1.2)
    assert call(emu, "sendMessage", chat_id=person.id, text="back")[0] == 200


def test_url_buttons_are_checked_as_telegram_does(emu):
    reader, private = emu.person("Reader"), emu.person("Private", has_username=False)
    private.links_forbidden = True

    def send_button(url: str) -> tuple[int, dict]:
        markup = {"inline_keyboard": [[{"text": "👤 Open profile", "url": url}]]}
        return call(emu, "sendMessage", chat_id=reader.id, text="profile", reply_markup=markup)

    assert send_button("https://t.me/someone")[0] == 200
    assert send_button(f"tg://user?id={reader.id}")[0] == 200
    status, body = send_button(f"tg://user?id={private.id}")
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_USER_PRIVACY_RESTRICTED")
    assert send_button("javascript:alert(1)")[1]["description"] == "Bad Request: BUTTON_URL_INVALID"
    assert "username" not in private.user and private.user["id"] == private.id


def test_webhook_methods_answer_as_telegram(emu):
    assert call(emu, "getWebhookInfo") == (200, {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}})
    status, body = call(emu, "setWebhook", url="http://bot.example.com/hook")
    assert status == 400 and "HTTPS url must be provided" in body["description"]
    status, body = call(emu, "setWebhook", url="https://bot.example.com:9000/hook")
    assert status == 400 and "ports 80, 88, 443 or 8443" in body["description"]
    status, body = call(emu, "setWebhook", url="https://bot.example.com/hook", secret_token="not allowed!")
    assert status == 400 and "secret token" in body["description"]
    status, body = call(emu, "setWebhook", url="https://bot.example.com/hook", max_connections=101)
    assert status == 400 and "max_connections" in body["description"]
    assert call(emu, "setWebhook", url="https://bot.example.com/hook", secret_token="s", allowed_updates=["message"])[0] == 200
    status, body = call(emu, "getUpdates")
    assert status == 409 and body["description"].startswith("Conflict: can't use getUpdates method while webhook is active")
    info = call(emu, "getWebhookInfo")[1]["result"]
    assert info["url"] == "https://bot.example.com/hook" and info["max_connections"] == 40
    assert info["allowed_updates"] == ["message"] and not check_object(info, "WebhookInfo")
    # "If not specified, the previous setting will be used."
    call(emu, "setWebhook", url="https://bot.example.com/hook", max_connections=5)
    assert call(emu, "getWebhookInfo")[1]["result"]["allowed_updates"] == ["message"]
    assert call(emu, "deleteWebhook") == (200, {"ok": True, "result": True})
    assert call(emu, "getUpdates", timeout=0) == (200, {"ok": True, "result": []})
    # Pending updates are kept through both calls unless drop_pending_updates says otherwise.
    emu.person("P").send("/start")
    call(emu, "setWebhook", url="https://bot.example.com/hook")
    call(emu, "deleteWebhook")
    assert emu.pending_updates() == 1
    call(emu, "setWebhook", url="https://bot.example.com/hook", drop_pending_updates=True)
    assert emu.pending_updates() == 0
    emu.person("Q").send("/start")
    call(emu, "deleteWebhook", drop_pending_updates=True)
    assert emu.pending_updates() == 0
    assert emu.violations == []


def test_allowed_updates_is_one_setting_kept_from_call_to_call_as_telegram_documents(emu):
    """allowed_updates: "Specify an empty list to receive all update types except chat_member,
    message_reaction, and message_reaction_count (default). If not specified, the previous setting
    will be used." It "doesn't affect updates created before the call". getUpdates and setWebhook
    share it."""
    alice = emu.person("Alice")

    def kinds() -> list[str]:
        """The kinds of the updates waiting, which are then confirmed."""
        result = call(emu, "getUpdates", timeout=0)[1]["result"]
        if result:
            call(emu, "getUpdates", offset=result[-1]["update_id"] + 1, timeout=0)
        return [next(k for k in u if k != "update_id") for u in result]

    message = alice.send("hi")
    alice.react(message, "👍")  # the default leaves reactions out
    assert kinds() == ["message"]
    assert call(emu, "getUpdates", allowed_updates=["message", "message_reaction"], timeout=0)[0] == 200
    alice.send("again")
    alice.react(message, "🔥")
    assert kinds() == ["message", "message_reaction"]  # kept by the getUpdates that did not say
    alice.send("made before the change")
    call(emu, "getUpdates", allowed_updates=["message_reaction"], timeout=0)
    alice.send("made after it: not at all")
    alice.react(message, "❤")
    assert kinds() == ["message", "message_reaction"]  # what was made before the change stays queued
    emu.conflict(5)
    assert call(emu, "getUpdates", allowed_updates=["message"], timeout=0)[0] == 409  # refused: changes nothing
    emu.conflict(0)
    alice.react(message, "😁")
    assert kinds() == ["message_reaction"]
    call(emu, "getUpdates", allowed_updates=[], timeout=0)  # an empty list: the default again
    alice.react(message, "👎")
    call(emu, "setWebhook", url="https://bot.example.com/hook")
    assert "allowed_updates" not in call(emu, "getWebhookInfo")[1]["result"]
    call(emu, "setWebhook", url="https://bot.example.com/hook", allowed_updates=["message_reaction"])
    call(emu, "deleteWebhook")
    alice.react(message, "👌")
    assert kinds()[-1:] == ["message_reaction"]  # the webhook's setting is the one getUpdates goes on with
    assert emu.violations == []


def long_poll_ended_by(emu, action) -> tuple[int, dict]:
    """The answer to a long poll (4 s) that `action()` ends while it waits; it must end at once."""
    import threading

    answers: list[tuple[int, dict]] = []
    poller = threading.Thread(target=lambda: answers.append(call(emu, "getUpdates", timeout=4)))
    poller.start()
    emu.wait_until(lambda: emu.polls == 1, what="the poll to wait")
    started = time.monotonic()
    action()
    poller.join(5)
    assert time.monotonic() - started < 2
    return answers[0]


def test_a_long_poll_waiting_when_a_webhook_is_set_gets_409(emu):
    def set_webhook() -> None:
        assert call(emu, "setWebhook", url="https://bot.example.com/hook")[0] == 200

    status, answer = long_poll_ended_by(emu, set_webhook)
    assert status == 409 and "webhook is active" in answer["description"]


def test_a_long_poll_waiting_when_another_process_polls_gets_409(emu):
    """Telegram ends the waiting long poll at once ("terminated by other getUpdates request")."""
    status, answer = long_poll_ended_by(emu, lambda: emu.conflict(2))
    assert status == 409 and "terminated by other getUpdates request" in answer["description"]


def test_webhook_delivery_keeps_to_max_connections_and_each_chat_in_order(emu):
    """A webhook that takes 0.1 s an update: never more than max_connections at once, never two of one
    chat at once, each chat's in order; a 500 is sent again, and nothing is lost."""
    import asyncio
    import threading

    from aiohttp import web

    seen: list[tuple[int, str]] = []
    active: dict[int, int] = {}
    peaks = {"all": 0, "chat": 0}
    failed_once: set[str] = set()
    ready = threading.Event()
    state: dict = {}

    async def hook(request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        update = await request.json()
        chat, text = update["message"]["chat"]["id"], update["message"]["text"]
        active[chat] = active.get(chat, 0) + 1
        peaks["all"] = max(peaks["all"], sum(active.values()))
        peaks["chat"] = max(peaks["chat"], active[chat])
        await asyncio.sleep(0.1)
        active[chat] -= 1
        if text.endswith(" 1") and text not in failed_once:  # the second of each chat fails once
            failed_once.add(text)
            return web.Response(status=500)
        seen.append((chat, text))
        return web.Response()

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["port"] = runner.addresses[0][1]
        state["stop"], state["loop"] = asyncio.Event(), asyncio.get_running_loop()
        ready.set()
        await state["stop"].wait()
        await runner.cleanup()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait(5)
    people = [emu.person(f"P{i}") for i in range(6)]
    for person in people:
        for n in range(3):
            person.send(f"{person.id} {n}")
    assert emu.api_setWebhook({"url": f"http://127.0.0.1:{state['port']}/hook", "secret_token": "s3cret", "max_connections": 3})
    emu.wait_until(lambda: emu.pending_updates() == 0, 15, "every update delivered")
    assert peaks == {"all": 3, "chat": 1}
    for person in people:
        assert [text for chat, text in seen if chat == person.id] == [f"{person.id} {n}" for n in range(3)]
    assert len([s for _, s in emu.webhook_deliveries if s == 500]) == 6
    assert emu.webhook_error is not None and emu.webhook_error[1] == "Wrong response from the webhook: 500 Internal Server Error"
    state["loop"].call_soon_threadsafe(state["stop"].set)
    thread.join(5)


async def test_webhook_client_keeps_connections_alive_and_reads_every_kind_of_answer():
    """The delivery client reuses a kept-alive connection, reads chunked and sized answers, closes a
    connection the webhook says it closes, and opens a new one when the webhook restarted."""
    from aiohttp import web

    from emulator_webhook import WebhookClient

    peers: list[tuple[str, int]] = []

    async def hook(request: web.Request) -> web.StreamResponse:
        peers.append(request.transport.get_extra_info("peername") if request.transport else ("", 0))
        assert await request.json() == {"update_id": 1}
        if request.path == "/chunked":
            response = web.StreamResponse(status=202)
            response.enable_chunked_encoding()
            await response.prepare(request)
            await response.write(b"accepted")
            await response.write_eof()
            return response
        if request.path == "/close":
            return web.Response(status=404, headers={"Connection": "close"})
        return web.Response(text="ok")

    async def serve(port: int = 0) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/{path}", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = await serve()
    port = runner.addresses[0][1]
    client = WebhookClient()
    url = f"http://127.0.0.1:{port}"
    try:
        assert await client.post(f"{url}/plain", b'{"update_id": 1}', {}) == (200, "OK")
        assert await client.post(f"{url}/chunked", b'{"update_id": 1}', {}) == (202, "Accepted")
        assert await client.post(f"{url}/plain", b'{"update_id": 1}', {}) == (200, "OK")
        assert len(set(peers)) == 1  # one connection, kept alive
        assert await client.post(f"{url}/close", b'{"update_id": 1}', {}) == (404, "Not Found")
        assert await client.post(f"{url}/plain", b'{"update_id": 1}', {}) == (200, "OK")
        assert len(set(peers)) == 2  # the webhook closed it: a new one
        await runner.cleanup()  # the bot restarts: its kept-alive connections close
        runner = await serve(port)
        await asyncio.sleep(0.05)
        assert await client.post(f"{url}/plain", b'{"update_id": 1}', {}) == (200, "OK")
        assert len(set(peers)) == 3
    finally:
        client.close()
        await runner.cleanup()
