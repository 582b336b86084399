"""End to end in webhook mode: the emulator POSTs each update to the bot as Telegram does (the secret
header, at most max_connections in flight, a chat's updates one at a time, again until a 2xx), and
the bot answers 200 once the update is journaled."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from conftest import WEBHOOK_SECRET, pair, register, webhook_settings
from test_e2e_chat import db_rows


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
    statuses = {status for _, status in emulator.webhook_deliveries}
    assert statuses == {200}
    assert 1 <= emulator.webhook_peak <= 7
    # Every update journaled, and done (the marks are committed together, within WRITE_DELAY).
    assert db_rows(bot, "SELECT COUNT(*) FROM update_journal")[0][0] == len(emulator.webhook_deliveries)
    emulator.wait_until(lambda: db_rows(bot, "SELECT COUNT(*) FROM update_journal WHERE done = 0") == [(0,)],
                        what="every update done")  # fmt: skip
    assert "Started" in bot.log() and "webhook mode" in bot.log()
