"""End to end: VIP as a Stars subscription (subscribe, renewal, cancel), refunds by an admin and by
Telegram, and the /paysupport card with its refund buttons (issue 9)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conftest import register
from test_e2e_chat import db_rows
from test_e2e_matching import buy_vip
from test_e2e_vip_admin import parse_utc
from utils import TextFormatter


def vip_until(bot, person) -> str | None:
    return db_rows(bot, "SELECT CASE WHEN is_vip = 1 THEN vip_until END FROM users WHERE user_id = ?", person.id)[0][0]


def test_subscribe_renew_and_cancel(start_bot, emulator):
    bot = start_bot(VIP_SUBSCRIPTION_STARS="80")
    alice = register(emulator.person("Alice"))
    alice.send("/vip")
    info = alice.wait_for("VIP membership")["text"]
    assert "80 ⭐ every 30 days" in info
    alice.press("🔁 Subscribe")
    alice.wait_for("VIP subscription: 80 ⭐ every 30 days")
    (link,) = emulator.calls_of("createInvoiceLink")
    assert link["subscription_period"] == 2592000 and link["currency"] == "XTR"
    assert link["prices"] == [{"label": "VIP", "amount": 80}] and link["payload"] == f"vipsub:{alice.id}"
    answer, subscription = alice.subscribe()
    assert answer["ok"] and subscription
    alice.wait_for("VIP is active until")
    expires = emulator.subscriptions[subscription]["expires"]
    assert vip_until(bot, alice) == datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    alice.send("/vip")
    status = alice.wait_for("VIP membership")
    assert "renews on" in status["text"] and alice.has_button("Cancel subscription")
    assert not alice.has_button("🔁 Subscribe") or status is not alice.find_button("🔁 Subscribe")[0]  # type: ignore[index]

    # Telegram renews: VIP runs to the new expiration; the same renewal delivered twice grants once.
    renewal = alice.renew(subscription)
    alice.wait_for("subscription was renewed")
    expires = emulator.subscriptions[subscription]["expires"]
    assert vip_until(bot, alice) == datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    alice.deliver_payment(emulator.subscriptions[subscription]["params"], renewal, is_recurring=True)
    alice.wait_for("already processed")
    assert db_rows(bot, "SELECT COUNT(*), SUM(amount) FROM payments WHERE kind = 'subscription'") == [(2, 160)]

    # Cancel: no more renewals, VIP stays until the paid period ends.
    alice.press("Cancel subscription")
    stays = alice.wait_for("subscription is canceled")["text"]
    assert TextFormatter.timestamp(vip_until(bot, alice) or "", "en") in stays
    (cancel,) = emulator.calls_of("editUserStarSubscription")
    assert cancel == {"user_id": alice.id, "telegram_payment_charge_id": renewal, "is_canceled": True}
    assert emulator.subscriptions[subscription]["canceled"]
    assert vip_until(bot, alice) is not None
    alice.send("/vip")
    assert "won't renew" in alice.wait_for("VIP membership")["text"]
    # 🔁 Subscribe now turns renewal back on instead of selling a second subscription.
    alice.press("🔁 Subscribe")
    alice.wait_for("subscription is on again")
    assert emulator.calls_of("editUserStarSubscription")[-1]["is_canceled"] is False
    assert not emulator.subscriptions[subscription]["canceled"] and len(emulator.calls_of("createInvoiceLink")) == 1


def test_a_forged_subscription_checkout_is_refused(start_bot, emulator):
    start_bot(VIP_SUBSCRIPTION_STARS="80")
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    alice.send("/vip")
    alice.press("🔁 Subscribe")
    alice.wait_for("VIP subscription")
    for forged in ({"total_amount": 1}, {"currency": "USD"}, {"invoice_payload": f"vipsub:{bob.id}"}):
        answer, charge = alice.subscribe(**forged)
        assert not answer["ok"] and charge is None, forged
        assert "not valid" in answer["error_message"]
    answer, charge = alice.subscribe()
    assert answer["ok"] and charge
    alice.wait_for("Thank you! Your VIP is active until")


def test_admin_refunds_latest_by_id_twice_and_unknown(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    first = buy_vip(alice)
    second = buy_vip(alice)
    two_periods = parse_utc(vip_until(bot, alice))  # type: ignore[arg-type]

    admin.send(f"/refund {alice.id}")  # the latest
    done = admin.wait_for("Refunded 100 ⭐")["text"]
    assert second in done and "until" in done
    assert emulator.charges[second]["refunded"] and not emulator.charges[first]["refunded"]
    assert "Your VIP now lasts until" in alice.wait_for("was refunded")["text"]
    assert two_periods - parse_utc(vip_until(bot, alice)) == timedelta(days=30)  # type: ignore[arg-type]

    admin.send(f"/refund {alice.id}")
    admin.wait_for("already refunded")
    admin.send(f"/refund {alice.id} {first}")
    assert "Their VIP: none" in admin.wait_for("Refunded 100 ⭐")["text"]
    assert "Your VIP has ended" in alice.wait_for("was refunded")["text"]
    assert vip_until(bot, alice) is None
    admin.send(f"/refund {alice.id} {first}")
    admin.wait_for("already refunded")
    assert len(emulator.calls_of("refundStarPayment")) == 2

    admin.send(f"/refund {alice.id} stxNOSUCHCHARGE")
    admin.wait_for("has no payment stxNOSUCHCHARGE")
    admin.send("/refund 424242")
    admin.wait_for("No user with id 424242")
    admin.send("/refund")
    admin.wait_for("Usage: /refund")
    bob = register(emulator.person("Bob"))
    admin.send(f"/refund {bob.id}")
    admin.wait_for(f"User {bob.id} has no payments")
    alice.send(f"/refund {alice.id}")
    alice.wait_for("Unknown command")
    rows = db_rows(bot, "SELECT refunded_by FROM payments ORDER BY id")
    assert rows == [(admin.id,), (admin.id,)]
    assert len(emulator.calls_of("refundStarPayment")) == 2


def test_a_refund_by_telegram_revokes_vip_once(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    charge = buy_vip(alice)
    alice.refunded_by_telegram(charge)
    alice.wait_for("Your VIP has ended")
    assert vip_until(bot, alice) is None
    alice.refunded_by_telegram(charge)  # delivered again
    alice.assert_nothing_new(1.0)
    assert db_rows(bot, "SELECT refunded_by, refunded_at IS NOT NULL FROM payments") == [(None, 1)]
    admin.send(f"/refund {alice.id}")
    admin.wait_for("already refunded")
    assert emulator.calls_of("refundStarPayment") == []


def test_paysupport_card_lists_payments_with_a_refund_button_each(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    first = buy_vip(alice)
    second = buy_vip(alice)
    admin.send(f"/refund {alice.id} {first}")
    admin.wait_for("Refunded")
    alice.send("/paysupport")
    alice.wait_for("Payment support")
    alice.send("I was charged twice")
    card = admin.wait_for(f"Payment support request from user {alice.id}")
    assert f"100 ⭐ · {second}" in card["text"] and f"{first} (refunded)" in card["text"]
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"↩️ Refund 100 ⭐ of {today}"]  # none for the refunded one
    assert "I was charged twice" in admin.wait_for("charged twice")["text"]
    admin.press(f"↩️ Refund 100 ⭐ of {today}")
    assert second in admin.wait_for("Refunded 100 ⭐")["text"]
    alice.wait_for("Your VIP has ended")
    admin.press(f"↩️ Refund 100 ⭐ of {today}")  # pressed again
    admin.wait_for("already refunded")
    # Only admins can use the button: the same data forged by a user is refused.
    third = buy_vip(alice)
    (payment_id,) = db_rows(bot, "SELECT id FROM payments WHERE telegram_payment_charge_id = ?", third)[0]
    forged = alice.press_data(alice.bot_messages()[-1], f"refund:{payment_id}")
    assert "no longer valid" in forged["text"]
    assert len(emulator.calls_of("refundStarPayment")) == 2 and not emulator.charges[third]["refunded"]
