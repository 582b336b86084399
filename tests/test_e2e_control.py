"""End to end: the chat a person controls. Delete for both (/delete), reactions mirrored, protected
messages, hidden media, and cleaning up after a spammer (🧹 Ban and delete, /purge)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from botapi import media
from conftest import pair, register, report
from test_e2e_chat import db_rows


def chatting(emulator):
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    pair(alice, bob)
    return alice, bob


def settings_toggle(person, label: str) -> None:
    person.send("/settings")
    person.wait_for("Whom you meet")
    person.press(label)


# Delete for both


def test_delete_takes_a_message_back_for_both(bot, emulator):
    alice, bob = chatting(emulator)
    mine = alice.send("oops, wrong chat")
    copy = bob.wait_for_copy(mine)
    alice.send("/delete", reply_to=mine)
    alice.wait_for("Deleted for both")
    assert (bob.id, copy["message_id"]) in emulator.deleted and (alice.id, mine["message_id"]) in emulator.deleted
    assert copy["message_id"] not in emulator.messages[bob.id]
    # Album items go one by one, as replied to.
    album = alice.send_album(3)
    emulator.wait_until(lambda: all((alice.id, m["message_id"]) in emulator.delivered_at for m in album), what="the album")
    album_copy = bob.wait_for_copy(album[1])
    alice.send("/delete", reply_to=album[1])
    alice.wait_for("Deleted for both")
    assert album_copy["message_id"] not in emulator.messages[bob.id]
    assert sum(1 for chat, _ in emulator.deleted if chat == bob.id) == 2
    # The chat goes on; a reply to the deleted message is sent without a reply.
    bob.wait_for_copy(alice.send("still here"))


def test_delete_refusals_delete_nothing(bot, emulator):
    alice, bob = chatting(emulator)
    alice.send("/delete")
    alice.wait_for("Reply /delete to one of your own messages")
    refused = alice.send("see example.org")
    alice.wait_for("not allowed")
    alice.send("/delete", reply_to=refused)
    alice.wait_for("never reached your partner")
    theirs = alice.wait_for_copy(bob.send("from bob"))
    alice.send("/delete", reply_to=theirs)
    alice.wait_for("only your own messages")
    old = alice.send("an old one")
    bob.wait_for_copy(old)
    with emulator.cond:
        emulator.messages[alice.id][old["message_id"]]["date"] -= 48 * 3600 + 60
    alice.send("/delete", reply_to=emulator.messages[alice.id][old["message_id"]])
    alice.wait_for("more than 48 hours")
    earlier = alice.send("before the next chat")
    bob.wait_for_copy(earlier)
    alice.send("/stop")
    alice.wait_for("You ended the chat")
    carol = register(emulator.person("Carol"))
    pair(alice, carol)
    alice.send("/delete", reply_to=earlier)
    alice.wait_for("isn't part of this chat")
    alice.send("/stop")
    alice.wait_for("You ended the chat")
    alice.send("/delete", reply_to=earlier)
    alice.wait_for("You're not in a chat")
    assert emulator.deleted == []
    alice.send("/help")
    assert "/delete" in alice.wait_for("Commands")["text"]
    (menu,) = [c for c in emulator.calls_of("setMyCommands") if c["scope"]["type"] == "default" and not c.get("language_code")]
    assert "delete" not in [c["command"] for c in menu["commands"]]


def test_delete_after_a_restart(bot, emulator):
    alice, bob = chatting(emulator)
    mine = alice.send("take me back later")
    copy = bob.wait_for_copy(mine)
    time.sleep(0.2)  # past the reply map's commit (a kill within 10 ms of a send may repeat it: README)
    bot.kill()
    bot.start()
    alice.send("/delete", reply_to=mine)
    alice.wait_for("Deleted for both")
    assert (bob.id, copy["message_id"]) in emulator.deleted


# Reactions


def test_reactions_are_mirrored_and_removed_on_the_other_side(bot, emulator):
    alice, bob = chatting(emulator)
    mine = alice.send("how are you?")
    copy = bob.wait_for_copy(mine)
    bob.react(copy, "❤")
    emulator.wait_until(lambda: emulator.reactions.get((alice.id, mine["message_id"])), what="the mirrored reaction")
    assert emulator.reactions[(alice.id, mine["message_id"])] == [{"type": "emoji", "emoji": "❤"}]
    # Alice reacts to her own message: it shows on Bob's copy.
    alice.react(mine, "🔥")
    emulator.wait_until(lambda: emulator.reactions.get((bob.id, copy["message_id"])), what="the reaction on the copy")
    # A custom emoji changes nothing; removing the standard one removes it.
    bob.react(copy, "❤", {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"})
    bob.react(copy)
    emulator.wait_until(lambda: emulator.reactions.get((alice.id, mine["message_id"])) == [], what="the reaction removed")
    calls = [c for c in emulator.calls_of("setMessageReaction") if c["chat_id"] == alice.id]
    assert [c.get("reaction") or [] for c in calls] == [[{"type": "emoji", "emoji": "❤"}], []]


def test_reactions_on_an_album_item_and_on_an_old_chat_reach_the_right_place(bot, emulator):
    alice, bob = chatting(emulator)
    album = alice.send_album(2)
    second = bob.wait_for_copy(album[1])
    alice.react(album[1], "👍")
    emulator.wait_until(lambda: emulator.reactions.get((bob.id, second["message_id"])), what="the album item's reaction")
    old = alice.send("from the first chat")
    old_copy = bob.wait_for_copy(old)
    alice.send("/stop")
    alice.wait_for("You ended the chat")
    carol = register(emulator.person("Carol"))
    pair(bob, carol)
    bob.react(old_copy, "😁")
    bob.wait_for_copy(carol.send("hi"))
    time.sleep(0.5)
    assert len(emulator.calls_of("setMessageReaction")) == 1


# Protected messages and hidden media


def test_protected_messages_are_announced_and_copied_protected(bot, emulator):
    alice, bob = register(emulator.person("Alice")), register(emulator.person("Bob"))
    settings_toggle(alice, "🔒 Protect my messages")
    emulator.wait_until(lambda: "Protect my messages: on" in (alice.bot_messages()[-1].get("text") or ""), what="on")
    pair(alice, bob)
    found = [m["text"] for m in bob.bot_messages() if "Partner found" in (m.get("text") or "")]
    assert "🔒 Your partner's messages are protected: they can't be forwarded or saved." in found[-1]
    assert "protected" not in [m["text"] for m in alice.bot_messages() if "Partner found" in (m.get("text") or "")][-1]
    assert bob.wait_for_copy(alice.send("secret"))["has_protected_content"] is True
    assert "has_protected_content" not in alice.wait_for_copy(bob.send("open"))
    album = alice.send_album(2, kind="video")
    assert bob.wait_for_copy(album[0])["has_protected_content"] is True


def test_partner_media_arrive_covered_by_default_with_caption_reply_and_edits(bot, emulator):
    alice, bob = chatting(emulator)
    question = alice.wait_for_copy(bob.send("show me your cat"))
    photo = alice.send_content(media("photo", "my cat"), reply_to=question)
    copy = bob.wait_for_copy(photo)
    assert copy["has_media_spoiler"] is True and copy["caption"] == "my cat"
    assert copy["photo"][-1]["file_id"] == photo["photo"][-1]["file_id"]
    asked = next(m for m in emulator.messages[bob.id].values() if m.get("text") == "show me your cat")
    assert copy["reply_to_message"]["message_id"] == asked["message_id"]
    alice.edit(photo, "my cat, Tom")
    emulator.wait_until(lambda: copy["caption"] == "my cat, Tom", what="the caption edit")
    for kind in ("video", "animation"):
        assert bob.wait_for_copy(alice.send_media(kind))["has_media_spoiler"] is True
    album = alice.send_album(3)
    copies = [bob.wait_for_copy(m) for m in album]
    assert all(c["has_media_spoiler"] for c in copies) and len({c["media_group_id"] for c in copies}) == 1
    # Stickers and documents are copied as they are.
    assert "has_media_spoiler" not in bob.wait_for_copy(alice.send_media("document"))
    # Bob turns it off: the next photo is a plain copy; a reply to a covered one still finds it.
    settings_toggle(bob, "🫣 Hide partner's media")
    emulator.wait_until(lambda: "Hide partner's media: off" in (bob.bot_messages()[-1].get("text") or ""), what="off")
    assert "has_media_spoiler" not in bob.wait_for_copy(alice.send_media("photo"))
    reply = bob.send("cute", reply_to=copy)
    assert alice.wait_for_copy(reply)["reply_to_message"]["message_id"] == photo["message_id"]


def test_a_report_card_shows_a_covered_photo_as_evidence(bot, emulator, admin):
    alice, bob = chatting(emulator)
    bob.wait_for_copy(alice.send_media("photo", caption="look"))
    bob.send("/stop")
    bob.wait_for("You ended the chat")
    report(bob)
    admin.wait_for("Report")
    evidence = emulator.wait_until(lambda: [m for m in admin.bot_messages() if "photo" in m], what="the evidence")
    assert evidence[0]["caption"] == "look"


# Cleaning up after a spammer


def test_ban_and_delete_from_the_card_deletes_copies_across_partners_and_a_restart(bot, emulator, admin):
    spammer = register(emulator.person("Spammer"))
    partners = [register(emulator.person(name)) for name in ("P1", "P2", "P3")]
    copies = []
    for index, partner in enumerate(partners):
        pair(spammer, partner)
        for n in range(2):
            copies.append((partner.id, partner.wait_for_copy(spammer.send(f"buy crypto {index}.{n}"))["message_id"]))
        copies.append((partner.id, partner.wait_for_copy(spammer.send_media("photo"))["message_id"]))
        own = spammer.wait_for_copy(partner.send("no thanks"))
        spammer.send("/stop")
        spammer.wait_for("You ended the chat")
        if index == 1:
            time.sleep(0.2)  # past the reply map's commit (a kill within it may repeat a relay: README)
            bot.kill()
            bot.start()
    # One copy was sent 49 hours ago (for Telegram and in the reply map): it is left alone.
    with emulator.cond:
        emulator.messages[copies[0][0]][copies[0][1]]["date"] -= 49 * 3600
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:
        conn.execute("UPDATE message_map SET sent_at = sent_at - ? WHERE user_id = ? AND message_id = ?",
                     (49 * 3600, *copies[0]))  # fmt: skip
    report(partners[-1], "💰 Spam or ads")
    card = admin.wait_for("Report")
    labels = [[b["text"] for b in row] for row in card["reply_markup"]["inline_keyboard"]]
    assert labels == [["⛔ Ban", "🧹 Ban and delete"], ["⏳ Ban 24 h", "✅ Dismiss"]]
    purge_data = card["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    admin.press("🧹 Ban and delete")
    emulator.wait_until(lambda: "Banned by admin" in card["text"], what="the card closed")
    assert "8 of their messages deleted" in card["text"]
    assert set(copies[1:]) <= set(emulator.deleted) and copies[0] not in emulator.deleted
    assert own["message_id"] in emulator.messages[spammer.id]  # the partners' own messages stay
    assert db_rows(bot, "SELECT COUNT(*) FROM bans WHERE user_id = ? AND lifted_at IS NULL", spammer.id) == [(1,)]
    assert "Already handled" in admin.press_data(card, purge_data)["text"]
    admin.send("/audit")
    assert "messages deleted" in admin.wait_for("8 deleted")["text"]


@pytest.mark.parametrize("cut", ["answerCallbackQuery", "deleteMessages"])
def test_a_ban_and_delete_cut_short_by_a_kill_9_is_carried_out_after_the_restart(start_bot, emulator, admin, cut):
    """Killed once the decision and the ban are written, while the press is answered or in the middle
    of the deletions: the press, journaled, comes again at start and does the rest."""
    bot = start_bot()
    spammer, partner = chatting(emulator)
    copies = [partner.wait_for_copy(spammer.send(f"buy crypto {n}"))["message_id"] for n in range(3)]
    partner.send("/stop")
    partner.wait_for("You ended the chat")
    report(partner, "💰 Spam or ads")
    card = admin.wait_for("Report")
    purge_data = card["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    emulator.delay(cut, 8.0)  # longer than the bot waits for an answer: the kill comes first
    admin.press("🧹 Ban and delete")
    emulator.wait_until(lambda: emulator.holding.get(cut), what=f"{cut} on the wire")
    assert db_rows(bot, "SELECT COUNT(*) FROM bans WHERE user_id = ?", spammer.id) == [(1,)]
    assert not {(partner.id, m) for m in copies} & set(emulator.deleted)
    bot.kill()
    emulator.delay(cut, 0)
    bot.start()
    emulator.wait_until(lambda: "Banned by admin" in card["text"], what="the card closed")
    assert "3 of their messages deleted" in card["text"]
    assert {(partner.id, m) for m in copies} <= set(emulator.deleted)
    assert "Carrying out the decision on report" in bot.log()
    assert db_rows(bot, "SELECT COUNT(*) FROM bans WHERE user_id = ?", spammer.id) == [(1,)]  # banned once
    # Told once, whether the kill came before the notice (the press) or after it (the deletions).
    notices = [c for c in emulator.calls_of("sendMessage") if c["chat_id"] == spammer.id and "You are banned" in c["text"]]
    assert len(notices) == 1, notices
    spammer.send("hello?")
    spammer.wait_for("banned")
    # Not a replay: a second press reads "already handled", as before.
    assert "Already handled" in admin.press_data(card, purge_data)["text"]


def test_purge_command(bot, emulator, admin):
    spammer, partner = chatting(emulator)
    copy = partner.wait_for_copy(spammer.send("spam spam"))
    admin.send("/purge")
    admin.wait_for("Usage: /purge")
    admin.send("/purge 424242")
    admin.wait_for("No user with id")
    admin.send(f"/purge {spammer.id}")
    assert "1 of their messages deleted" in admin.wait_for("is banned")["text"]
    assert (partner.id, copy["message_id"]) in emulator.deleted
    partner.wait_for("Your partner")
    # A second purge of the banned user finds nothing left.
    admin.send(f"/purge {spammer.id}")
    assert "0 of their messages deleted" in admin.wait_for("is banned")["text"]
    partner.send("/purge 1")
    partner.wait_for("Unknown command")
