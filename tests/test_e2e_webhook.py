"""End to end in webhook mode: the emulator POSTs each update to the bot as Telegram does (the secret
header, at most max_connections in flight, a chat's updates one at a time, again until a 2xx), and
the bot answers 200 once the update is journaled."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
import urllib.error
import urllib.request

from conftest import WEBHOOK_SECRET, free_port, pair, register, webhook_settings
from test_e2e_chat import db_rows
from test_e2e_conversation import kill_under_load


def post(url: str, body: bytes, secret: str | None) -> int:
    """POST to the bot's webhook as anyone could; the HTTP status."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_whole_chat_and_a_payment_by_webhook(start_bot, emulator):
    settings = webhook_settings()
    bot = start_bot(**settings, WEBHOOK_MAX_CONNECTIONS="7")
    (set_call,) = emulator.calls_of("setWebhook")
    assert set_call["url"] == settings["WEBHOOK_URL"] and set_call["secret_token"] == WEBHOOK_SECRET
    assert set_call["max_connections"] == 7 and "message_reaction" in set_call["allowed_updates"]
    polls = emulator.polls
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"), "👩 Female")
    pair(alice, bob)
    album = alice.send_album(3, caption="our trip")
    copies = [bob.wait_for_copy(m) for m in album]
    assert [c["media_group_id"] for c in copies] == [copies[0]["media_group_id"]] * 3
    text = bob.send("lovely")
    copy = alice.wait_for_copy(text)
    reply = alice.send("thanks", reply_to=copy)
    assert bob.wait_for_copy(reply)["reply_to_message"]["message_id"] == text["message_id"]
    bob.edit(text, "lovely place")
    emulator.wait_until(lambda: copy["text"] == "lovely place", what="the edit mirrored")
    alice.send("/vip")
    alice.press("⭐ Buy VIP")
    alice.pay()
    alice.wait_for("VIP is active until")
    assert emulator.polls == polls  # no getUpdates while the webhook is set
    # The bot answers 200 before it handles: "Telegram" may note the last answer after the reply came.
    emulator.wait_until(lambda: not emulator.pending_updates(), what="every update answered")
    statuses = {status for _, status in emulator.webhook_deliveries}
    assert statuses == {200}
    assert 1 <= emulator.webhook_peak <= 7
    # Every update journaled, and done (the marks are committed together, within WRITE_DELAY).
    assert db_rows(bot, "SELECT COUNT(*) FROM update_journal")[0][0] == len(emulator.webhook_deliveries)
    emulator.wait_until(lambda: db_rows(bot, "SELECT COUNT(*) FROM update_journal WHERE done = 0") == [(0,)],
                        what="every update done")  # fmt: skip
    assert "Started" in bot.log() and "webhook mode" in bot.log()


def test_requests_without_the_secret_or_not_updates_are_refused_and_not_handled(start_bot, emulator):
    settings = webhook_settings()
    bot = start_bot(**settings)
    alice = register(emulator.person("Alice"))
    journaled = db_rows(bot, "SELECT COUNT(*) FROM update_journal")
    help_update = json.dumps({"update_id": 999_001, "message": {
        "message_id": 900, "date": int(time.time()), "chat": alice.chat, "from": alice.user, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }}).encode()  # fmt: skip
    url = settings["WEBHOOK_URL"]
    assert post(url, help_update, None) == 403
    assert post(url, help_update, "wrong-secret") == 403
    assert post(url, help_update, WEBHOOK_SECRET[:-1]) == 403
    assert post(url, b"not json", WEBHOOK_SECRET) == 400
    assert post(url, b'{"message": {}}', WEBHOOK_SECRET) == 400  # no update_id
    assert post(url, b'{"update_id": 999002, "message": {"text": 5}}', WEBHOOK_SECRET) == 400
    assert post(url.replace("/telegram", "/other"), help_update, WEBHOOK_SECRET) == 404
    alice.assert_nothing_new(1.0)
    assert db_rows(bot, "SELECT COUNT(*) FROM update_journal") == journaled
    # With the secret, an update is taken from anyone (the secret is the proof), and handled once even
    # if it comes twice.
    assert post(url, help_update, WEBHOOK_SECRET) == 200
    assert post(url, help_update, WEBHOOK_SECRET) == 200
    alice.wait_for("/search")
    alice.assert_nothing_new(1.0)
    log = bot.log()
    assert log.count("Refused 1 webhook request(s) without the right X-Telegram-Bot-Api-Secret-Token") == 1
    assert "Refused 3 webhook" not in log and "Skipping 1 updates delivered again" in log


def test_an_update_whose_200_was_lost_is_sent_again_and_handled_once(start_bot, emulator):
    bot = start_bot(**webhook_settings())
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"), "👩 Female")
    pair(alice, bob)
    # Every update of the pairing answered first: the answer lost must be that of "only once".
    emulator.wait_until(lambda: not emulator.pending_updates(), what="the pairing's updates answered")
    before = len(emulator.webhook_deliveries)
    emulator.lose_webhook_answers(1)
    sent = alice.send("only once")
    bob.wait_for_copy(sent)
    emulator.wait_until(lambda: not emulator.pending_updates(), what="Telegram to get a 200")
    after = bob.send("and after")
    alice.wait_for_copy(after)
    # The bot answers 200 before it relays: the copy can arrive before "Telegram" has noted the answer.
    emulator.wait_until(lambda: not emulator.pending_updates(), what="'and after' answered")
    ids = [update_id for update_id, _ in emulator.webhook_deliveries[before:]]
    assert len(ids) == 3 and ids[0] == ids[1] < ids[2]  # "only once" delivered twice, then "and after"
    # Recognised as it arrived again, before "and after" was: it can never be relayed again.
    assert "Skipping 1 updates delivered again" in bot.log()
    assert [m.get("text") for m in bob.bot_messages()].count("only once") == 1


def test_a_kill_9_mid_burst_loses_nothing_and_keeps_each_chat_in_order(start_bot, emulator):
    """As tests/test_e2e_conversation.py does by polling: five chats send faster than a slow Telegram
    takes the copies; the bot is killed with updates acknowledged, half-handled and still pending."""

    settings = webhook_settings()

    def telegram_holds_updates() -> None:  # what the dead bot did not acknowledge
        assert emulator.pending_updates() > 0
        # The front saw the bot go and went too, at once: nothing holds the port for the next start.
        emulator.wait_until(lambda: port_is_free(int(settings["WEBHOOK_PORT"])), 5, "the webhook front to exit")

    kill_under_load(start_bot, emulator, telegram_holds_updates, **settings)


def port_is_free(port: int) -> bool:
    try:
        socket.create_server(("127.0.0.1", port)).close()
    except OSError:
        return False
    return True


def front_pid(log: str) -> int:
    """The pid of the webhook front the bot started last, from its log."""
    return int(re.findall(r"Webhook front \(pid (\d+)\) takes", log)[-1])


def test_a_webhook_front_that_dies_is_replaced_and_the_chat_goes_on(start_bot, emulator):
    bot = start_bot(**webhook_settings())
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"), "👩 Female")
    pair(alice, bob)
    alice.wait_for_copy(bob.send("before"))
    first = front_pid(bot.log())
    os.kill(first, signal.SIGKILL)
    # Sent at once: Telegram's requests wait (the bot holds the port) or are sent again (one cut).
    sent = [bob.send(f"after {i}") for i in range(5)]
    for message in sent:
        alice.wait_for_copy(message)
    assert [m.get("text") for m in alice.bot_messages()][-5:] == [f"after {i}" for i in range(5)]
    assert f"Webhook front (pid {first}) stopped with exit code -9: starting another" in bot.log()
    assert front_pid(bot.log()) != first and bot.proc is not None and bot.proc.poll() is None


def test_a_stop_that_reaches_both_processes_at_once_is_clean(start_bot, emulator):
    """systemd stops a service by SIGTERM to each of its processes (KillMode=control-group)."""
    bot = start_bot(**webhook_settings(), LOG_LEVEL="INFO")
    alice = register(emulator.person("Alice"))
    # Registered means replied to; "Telegram" may note the last 200 a moment later.
    emulator.wait_until(lambda: not emulator.pending_updates(), what="every update answered")
    front = front_pid(bot.log())
    assert bot.proc is not None
    os.kill(front, signal.SIGTERM)
    assert bot.stop() == 0
    log = bot.log()
    assert "Bot stopped" in log and "starting another" not in log and "Traceback" not in log
    assert log.count("takes Telegram's requests") == 1  # no second front was started on the way out
    alice.send("/help")  # kept by Telegram for the next start
    assert emulator.pending_updates() == 1


def test_switching_to_polling_and_back_strands_no_update(start_bot, emulator):
    settings = webhook_settings()
    bot = start_bot(**settings)
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"), "👩 Female")
    pair(alice, bob)
    bot.stop()
    # Down: Telegram keeps trying the webhook, and keeps the updates.
    first = alice.send("sent while the bot was down")
    emulator.wait_until(lambda: emulator.webhook_error is not None, what="a failed delivery")
    assert emulator.webhook_error is not None and emulator.webhook_error[1] == "Connection refused"
    for name in settings:
        del bot.env[name]
    bot.start()  # long polling
    bob.wait_for_copy(first)
    assert emulator.calls_of("deleteWebhook")[-1].get("drop_pending_updates") in (None, False)
    assert emulator.webhook is None
    bot.stop()
    second = bob.send("sent while it was down again")
    bot.env.update(settings)
    bot.start()  # webhook again
    alice.wait_for_copy(second)
    assert len(emulator.calls_of("setWebhook")) == 2  # Telegram's had been deleted: set again
    assert not [e for e in emulator.errors if e[0] == "getUpdates"]


def test_restarts_set_the_webhook_only_when_it_changed(start_bot, emulator):
    settings = webhook_settings()
    bot = start_bot(**settings)
    for _ in range(3):
        bot.restart()
    assert len(emulator.calls_of("setWebhook")) == 1 and len(emulator.calls_of("getWebhookInfo")) >= 4
    assert bot.log().count("(webhook already set)") == 3
    bot.stop()
    bot.env["WEBHOOK_SECRET"] = "a-new-secret"  # Telegram never tells the secret: the bot remembers a hash
    bot.start()
    assert len(emulator.calls_of("setWebhook")) == 2 and emulator.webhook is not None
    assert emulator.webhook["secret_token"] == "a-new-secret"
    alice = register(emulator.person("Alice"))
    alice.send("/help")
    alice.wait_for("/search")


def test_a_slow_start_is_not_taken_for_a_conflict(start_bot, emulator):
    emulator.delay("setWebhook", 2.5)
    bot = start_bot(**webhook_settings(), POLL_TIMEOUT="1", HEALTH_MAX_AGE="4")
    time.sleep(1.5)
    assert "Telegram's webhook is now" not in bot.log()
    alice = register(emulator.person("Alice"))
    alice.send("/help")
    alice.wait_for("/search")


def test_a_webhook_taken_elsewhere_is_a_conflict_that_ends_the_bot(start_bot, emulator):
    bot = start_bot(**webhook_settings(), CONFLICT_EXIT_SECONDS="3", POLL_TIMEOUT="1", HEALTH_MAX_AGE="5", LOG_LEVEL="INFO")
    with emulator.cond:
        assert emulator.webhook is not None
        emulator.webhook["url"] = "https://elsewhere.example.com/hook"
    assert bot.proc is not None
    emulator.wait_until(lambda: bot.proc.poll() is not None, 30, "the bot to give up")
    assert bot.proc.returncode == 1
    log = bot.log()
    assert log.count("Telegram's webhook is now 'https://elsewhere.example.com/hook'") == 1
    assert "Still in conflict after 3 s" in log and "Traceback" not in log


def test_delivery_errors_are_said_and_health_follows_the_webhook(start_bot, emulator):
    import subprocess
    import sys

    from conftest import ROOT

    settings = webhook_settings()
    bot = start_bot(**settings, POLL_TIMEOUT="1", HEALTH_MAX_AGE="4")
    health = lambda: subprocess.run([sys.executable, str(ROOT / "bot.py"), "--health"], cwd=bot.workdir,  # noqa: E731
                                    env=bot.env, capture_output=True, text=True, timeout=30)  # fmt: skip
    time.sleep(5)  # past HEALTH_MAX_AGE: only the watch's beats keep it healthy now
    assert health().returncode == 0
    emulator.lose_webhook_answers(1)  # say, a proxy in front of the bot timing out
    alice = emulator.person("Alice")
    alice.send("/start")
    emulator.wait_until(lambda: alice.has_button("👨 Male"), what="the answer to /start")
    emulator.wait_until(lambda: "Telegram reports a failed webhook delivery" in bot.log(), 10, "the error said")
    assert "Read timeout expired" in bot.log()
    assert health().returncode == 0
    bot.stop()
    assert health().returncode == 1  # a stopped bot removes its heartbeat


def test_a_port_already_taken_stops_the_bot_with_one_line(emulator, tmp_path):
    import socket

    from conftest import BotProcess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = BotProcess(emulator, emulator.url, tmp_path, webhook_settings(port)).start(wait=False)
        assert bot.proc is not None
        assert bot.proc.wait(30) == 2
    assert emulator.calls == []  # refused before any call to Telegram (a restart loop costs it nothing)
    log = bot.log()
    assert f"Configuration error: WEBHOOK_LISTEN and WEBHOOK_PORT: cannot listen on 127.0.0.1:{port}" in log
    assert "Traceback" not in log


def test_check_online_reports_the_mode_and_the_webhook(emulator, tmp_path):
    from test_e2e_operations import paths, run_bot

    (tmp_path / "data").mkdir()
    base = {"BOT_TOKEN": emulator.token, "TELEGRAM_API_URL": emulator.url, **paths(tmp_path)}
    settings = webhook_settings()
    polling = run_bot(["--check", "--online"], base, tmp_path)
    assert polling.returncode == 0 and "Mode: long polling" in polling.stdout
    webhook = run_bot(["--check", "--online"], {**base, **settings}, tmp_path)
    assert webhook.returncode == 0, webhook.stderr
    assert f"Mode: webhook at {settings['WEBHOOK_URL']}" in webhook.stdout
    assert "Telegram's webhook: not set (0 update(s) pending); the bot sets WEBHOOK_URL at start" in webhook.stdout
    emulator.api_setWebhook({"url": settings["WEBHOOK_URL"], "secret_token": WEBHOOK_SECRET})
    emulator.person("Alice").send("/start")  # nobody listens: Telegram keeps it and says why
    emulator.wait_until(lambda: emulator.webhook_error is not None, what="a failed delivery")
    webhook = run_bot(["--check", "--online"], {**base, **settings}, tmp_path)
    assert "Telegram's webhook: set to WEBHOOK_URL, 1 update(s) pending, max 40 connections" in webhook.stdout
    assert "last delivery error" in webhook.stdout and "Connection refused" in webhook.stdout
    polling = run_bot(["--check", "--online"], base, tmp_path)
    assert f"Telegram's webhook: {settings['WEBHOOK_URL']} (1 update(s) pending); the bot deletes it" in polling.stdout
    assert emulator.webhook is not None  # --check changes nothing


def test_a_sigterm_while_the_webhook_is_being_set_stops_cleanly(start_bot, emulator, tmp_path):
    from conftest import BotProcess

    emulator.delay("getWebhookInfo", 3.0)
    bot = BotProcess(emulator, emulator.url, tmp_path, webhook_settings()).start(wait=False)
    emulator.wait_until(lambda: emulator.holding.get("getWebhookInfo"), 30, "the start to ask for the webhook")
    assert bot.stop() == 0
    log = bot.log()
    assert "Bot stopped" in log and "Traceback" not in log and "Receiving updates by webhook" not in log


def test_telegram_unreachable_while_setting_the_webhook_is_a_failed_start(emulator, tmp_path):
    from conftest import BotProcess

    emulator.outage(60, code=502, methods={"getWebhookInfo", "setWebhook"})
    bot = BotProcess(emulator, emulator.url, tmp_path, {**webhook_settings(), "START_FAILURE_DELAY": "0",
                                                        "API_MAX_RETRIES": "1", "API_RETRY_SECONDS": "1"})  # fmt: skip
    bot.start(wait=False)
    assert bot.proc is not None and bot.proc.wait(60) == 1
    log = bot.log()
    assert "Could not start" in log and "START_FAILURE_DELAY" in log and "Traceback" not in log
    assert "Bad Gateway (502) from a proxy in front of the Bot API" in log and "<html>" not in log


def test_a_webhook_url_telegram_refuses_is_a_configuration_error(emulator, tmp_path):
    """Telegram takes only https:// URLs on ports 443, 80, 88 and 8443: a URL it refuses stops the bot
    with one line and exit code 2 (restarting cannot fix it), after START_FAILURE_DELAY (each start
    costs Telegram calls)."""
    from conftest import BotProcess

    port = free_port()
    settings = {**webhook_settings(port), "WEBHOOK_URL": f"http://bot.example.com:{port}/telegram", "START_FAILURE_DELAY": "1"}
    bot = BotProcess(emulator, emulator.url, tmp_path, settings)
    bot.start(wait=False)
    assert bot.proc is not None and bot.proc.wait(60) == 2
    errors = [line for line in bot.output.read_text().splitlines() if "Configuration error" in line]
    assert errors == [
        "Configuration error: Telegram refuses WEBHOOK_URL 'http://bot.example.com:%s/telegram':"
        " Bad webhook: https url must be provided for webhook (waited 1 s, START_FAILURE_DELAY)" % port
    ], bot.output.read_text()
    assert "Traceback" not in bot.log() and not emulator.calls_of("getUpdates")


def test_a_webhook_host_telegram_cannot_resolve_yet_is_a_failed_start_not_a_configuration_error(emulator, tmp_path):
    """DNS that is not there yet may be there at the next start: exit code 1, which a supervisor restarts."""
    from conftest import BotProcess

    emulator.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known")
    bot = BotProcess(emulator, emulator.url, tmp_path, {**webhook_settings(), "START_FAILURE_DELAY": "0"})
    bot.start(wait=False)
    assert bot.proc is not None and bot.proc.wait(60) == 1
    log = bot.log()
    assert "Could not start: Bad webhook: failed to resolve host" in log and "Configuration error" not in log


def test_a_502_for_a_while_loses_nothing_by_webhook(start_bot, emulator):
    """Telegram's front end failing for the bot's calls while it keeps delivering updates: the relays
    are retried, once each and in order, as by polling (tests/test_e2e_outages.py)."""
    start_bot(**webhook_settings())
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"), "👩 Female")
    pair(alice, bob)
    emulator.outage(4.0, 502, methods={"copyMessage", "sendMessage"})
    texts = [f"during the outage {i}" for i in range(4)]
    for text in texts:
        alice.send(text)
        time.sleep(0.3)
    emulator.wait_until(lambda: [m.get("text") for m in bob.bot_messages() if m.get("text") in texts] == texts,
                        20, "every copy once Telegram is back")  # fmt: skip
    time.sleep(0.5)  # time for a duplicate to show
    assert [m.get("text") for m in bob.bot_messages() if m.get("text") in texts] == texts
    assert any(code == 502 for _, code, _ in emulator.errors)
