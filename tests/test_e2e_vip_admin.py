"""End to end: /vip and Stars payments (item 7), /paysupport (item 8), admin commands (item 9), /profile (item 5)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from conftest import pair, register
from test_e2e_chat import db_rows


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def test_vip_shows_price_and_sends_a_stars_invoice(start_bot, emulator):
    start_bot(VIP_PRICE_STARS="250", VIP_DAYS="7")
    alice = register(emulator.person("Alice"))
    alice.send("/vip")
    info = alice.wait_for("VIP")["text"]
    assert "250" in info and "7 days" in info
    alice.press("⭐ Buy VIP")
    alice.wait_for_invoice()
    (invoice,) = emulator.calls_of("sendInvoice")
    assert invoice["currency"] == "XTR"
    assert invoice.get("provider_token", "") == ""
    assert invoice["prices"] == [{"label": "VIP", "amount": 250}]
    assert invoice["payload"] == f"vip:{alice.id}"


def test_payment_grants_vip_once_and_renewal_extends(start_bot, emulator):
    bot = start_bot(VIP_DAYS="30")
    alice = register(emulator.person("Alice"))
    alice.send("/vip")
    alice.press("⭐ Buy VIP")
    charge = alice.pay()
    alice.wait_for("VIP is active until")
    (first_until,) = db_rows(bot, "SELECT vip_until FROM users WHERE user_id = ?", alice.id)[0]
    assert abs(parse_utc(first_until) - datetime.now(timezone.utc) - timedelta(days=30)) < timedelta(minutes=5)

    # Telegram delivers the same payment again: nothing is granted twice.
    params = emulator.invoices[next(iter(emulator.invoices))]
    alice.deliver_payment(params, charge)
    alice.wait_for("already processed")
    assert db_rows(bot, "SELECT COUNT(*) FROM payments") == [(1,)]
    assert db_rows(bot, "SELECT vip_until FROM users WHERE user_id = ?", alice.id) == [(first_until,)]

    # A renewal extends from the current end, not from today.
    alice.send("/vip")
    assert "active until" in alice.wait_for("VIP")["text"]
    alice.press("⭐ Buy VIP")
    alice.pay()
    alice.wait_for("VIP is active until")
    (second_until,) = db_rows(bot, "SELECT vip_until FROM users WHERE user_id = ?", alice.id)[0]
    assert parse_utc(second_until) - parse_utc(first_until) == timedelta(days=30)
    rows = db_rows(bot, "SELECT user_id, amount, currency FROM payments")
    assert rows == [(alice.id, 100, "XTR"), (alice.id, 100, "XTR")]
    alice.send("/profile")
    assert "VIP: yes, until" in alice.wait_for("Your profile")["text"]


def test_precheckout_refuses_anything_that_does_not_match(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    alice.send("/vip")
    alice.press("⭐ Buy VIP")
    invoice = alice.wait_for_invoice()
    bad: list[dict[str, Any]] = [
        {"total_amount": 1},
        {"currency": "USD"},
        {"invoice_payload": f"vip:{bob.id}"},
        {"invoice_payload": "vip:"},
        {"invoice_payload": "something-else"},
    ]
    for override in bad:
        answer = alice.checkout(invoice, **override)
        assert answer["ok"] is False, override
        assert answer["error_message"]
    assert alice.checkout(invoice)["ok"] is True
    assert db_rows(bot, "SELECT COUNT(*) FROM payments") == [(0,)]


def test_paysupport_sends_next_message_to_admins(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("/paysupport")
    alice.wait_for("Payment support")
    problem = alice.send("I paid yesterday but have no VIP")
    alice.wait_for("sent to the admins")
    header = admin.wait_for("Payment support request")["text"]
    assert str(alice.id) in header
    assert admin.wait_for_copy(problem)["text"] == problem["text"]
    bob.assert_nothing_new(0.3)  # the support message did not go to the partner


def test_a_banned_user_can_still_reach_payment_support(bot, emulator, admin):
    register(admin)
    mallory = register(emulator.person("Mallory"))
    admin.send(f"/ban {mallory.id}")
    admin.wait_for("is banned")
    mallory.send("/paysupport")
    mallory.wait_for("Payment support")
    request = mallory.send("I was banned but I paid for VIP yesterday")
    mallory.wait_for("sent to the admins")
    assert str(mallory.id) in admin.wait_for("Payment support request")["text"]
    admin.wait_for_copy(request)
    mallory.send("and another thing")  # only the one request passes; the ban still holds
    mallory.wait_for("banned")


def test_admin_ban_unban_and_stats(bot, emulator, admin):
    register(admin)
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    pair(alice, bob)
    carol.send("/search")
    carol.wait_for("Searching")

    admin.send("/stats")
    stats = admin.wait_for("Stats")["text"]
    for line in ("Users: 4", "Banned: 0", "VIP: 0", "Active chats: 1", "Searching: 1", "Chats today: 1", "Reports today: 0"):
        assert line in stats, line

    admin.send(f"/ban {alice.id} rude language")
    admin.wait_for(f"User {alice.id} is banned")
    assert "rude language" in alice.wait_for("banned")["text"]
    bob.wait_for("removed by moderation")
    admin.send(f"/ban {carol.id}")
    admin.wait_for("is banned")
    carol.wait_for("banned")
    dave = register(emulator.person("Dave"))
    dave.send("/search")
    dave.wait_for("Searching")  # Carol left the queue when banned

    admin.send("/stats")
    stats = admin.wait_for("Stats")["text"]
    assert "Banned: 2" in stats and "Active chats: 0" in stats and "Searching: 1" in stats

    admin.send(f"/unban {alice.id}")
    admin.wait_for("unbanned")
    alice.wait_for("ban was lifted")
    alice.send("/search")
    alice.wait_for("Partner found")


def test_admin_commands_with_bad_arguments(bot, emulator, admin):
    for command, reply in (
        ("/ban", "Usage: /ban"),
        ("/ban abc", "Usage: /ban"),
        ("/ban -5", "Usage: /ban"),
        ("/ban 999999999", "No user with id 999999999"),
        ("/unban", "Usage: /unban"),
        ("/unban 12x", "Usage: /unban"),
        ("/unban 999999999", "No user with id"),
    ):
        admin.send(command)
        admin.wait_for(reply)


def test_admin_commands_from_others_are_unknown(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    for command in (f"/ban {bob.id}", f"/unban {bob.id}", "/stats"):
        alice.send(command)
        alice.wait_for("Unknown command")
    assert db_rows(bot, "SELECT is_banned FROM users WHERE user_id = ?", bob.id) == [(0,)]
    bob.assert_nothing_new(0.3)


def test_profile_counts_chats(bot, emulator):
    alice = register(emulator.person("Alice"), "👩 Female", "22")
    # Two chats with two partners (nobody meets their previous partner on the next search).
    for partner in (register(emulator.person("Bob")), register(emulator.person("Carol"))):
        pair(alice, partner)
        partner.send("/stop")
        partner.wait_for("You ended")
        alice.wait_for("partner ended")
    alice.send("/profile")
    profile = alice.wait_for("Your profile")["text"]
    assert "Gender: Female" in profile and "Age: 22" in profile
    assert "VIP: no" in profile and "Chats: 2" in profile
