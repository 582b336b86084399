"""End to end: what keeps good conversations going. Interests, the partner's rating, exchanging
profiles by consent (/reveal), chatting again (🔁 Chat again) and invites (/invite)."""

from __future__ import annotations

import sqlite3
import time

from conftest import pair, register, report
from test_e2e_chat import db_rows
from test_e2e_languages import register_in

TOPICS = ["🎵 Music", "🎮 Games", "🎬 Movies", "📚 Books", "✈️ Travel", "⚽ Sports",
          "💻 Tech", "🎨 Art", "🍳 Food", "🐾 Animals", "🧠 Deep talk", "😂 Memes"]  # fmt: skip


def choose_interests(person, *labels: str) -> None:
    """/settings, 🏷 Interests, tap each topic, ✔️ Done."""
    person.send("/settings")
    person.wait_for("Whom you meet")
    person.press("🏷 Interests")
    for label in labels:
        person.press(label)
        person.emu.wait_until(lambda label=label: person.has_button(f"{label} ✅"), what=f"{label} chosen")
    person.press("✔️ Done")
    person.emu.wait_until(lambda: person.has_button("🏷 Interests"), what="the settings screen again")


def register_russian(emulator):
    """Ivan, whose app speaks Russian, registers."""
    return register_in(emulator.person("Ivan", language_code="ru"), "👨 Мужской", "Сколько тебе лет?", "30", "Готово!")


def chat_and_stop(a, b, texts: int = 0) -> None:
    """Pair two people, each sends `texts` texts (each copy awaited), and `a` ends the chat."""
    pair(a, b)
    for index in range(texts):
        for sender, reader in ((a, b), (b, a)):
            reader.wait_for_copy(sender.send(f"text {index} from {sender.first_name}"))
    a.send("/stop")
    a.wait_for("You ended the chat")
    b.wait_for("Your partner ended the chat")


# Interests


def test_interests_are_toggled_up_to_five_and_listed_in_settings(bot, emulator):
    alice = register(emulator.person("Alice"))
    alice.send("/settings")
    assert "Interests: none" in alice.wait_for("Whom you meet")["text"]
    alice.press("🏷 Interests")
    screen = emulator.wait_until(lambda: alice.find_button("🎵 Music"), what="the topics")[0]
    labels = [b["text"] for row in screen["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == TOPICS + ["✔️ Done"]
    for label in TOPICS[:5]:
        alice.press(label)
        emulator.wait_until(lambda label=label: alice.has_button(f"{label} ✅"), what=f"{label} chosen")
    answer = alice.press("⚽ Sports")
    assert "at most 5" in answer["text"] and answer.get("show_alert")
    assert not alice.has_button("⚽ Sports ✅")
    # A tap on a chosen topic takes it back.
    alice.press("🎮 Games ✅")
    emulator.wait_until(lambda: alice.has_button("🎮 Games"), what="Games taken back")
    alice.press("✔️ Done")
    emulator.wait_until(lambda: alice.has_button("🏷 Interests"), what="the settings screen again")
    alice.send("/settings")
    text = alice.wait_for("Whom you meet")["text"]
    assert "Interests: 🎵 Music, 🎬 Movies, 📚 Books, ✈️ Travel" in text
    # Forged topics change nothing.
    anchor = alice.bot_messages()[-1]
    assert "no longer valid" in alice.press_data(anchor, "interest:cooking")["text"]
    assert db_rows(bot, "SELECT interests FROM users WHERE user_id = ?", alice.id) == [(1 + 4 + 8 + 16,)]


def test_every_topic_keeps_its_emoji_in_every_language(bot, emulator):
    ivan = register_russian(emulator)
    ivan.send("/settings")
    ivan.wait_for("Интересы")
    ivan.press("🏷 Интересы")
    screen = emulator.wait_until(lambda: ivan.find_button("🎵 Музыка"), what="the topics in Russian")[0]
    labels = [b["text"] for row in screen["reply_markup"]["inline_keyboard"] for b in row]
    assert [label.split(" ")[0] for label in labels] == [label.split(" ")[0] for label in TOPICS + ["✔️ Done"]]


def test_partner_found_names_shared_interests_and_the_partners_rating(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    choose_interests(alice, "🎵 Music", "✈️ Travel", "🎮 Games")
    choose_interests(bob, "✈️ Travel", "🎵 Music", "🍳 Food")
    alice.send("/search")
    alice.wait_for("Searching")
    bob.send("/search")
    found = bob.wait_for("Partner found")["text"]
    assert "You both like: 🎵 Music, ✈️ Travel" in found and "Partner's rating: new" in found
    assert "You both like: 🎵 Music, ✈️ Travel" in alice.wait_for("Partner found")["text"]
    bob.send("/stop")
    bob.wait_for("You ended the chat")
    alice.wait_for("Your partner ended the chat")
    alice.press("👍")
    report(bob)  # a ⛔ counts as a 👎
    # Ivan (Russian) meets Bob: Bob's rating and their shared topic in Russian.
    ivan = register_russian(emulator)
    ivan.send("/settings")
    ivan.wait_for("Интересы")
    ivan.press("🏷 Интересы")
    ivan.press("🍳 Еда")
    emulator.wait_until(lambda: ivan.has_button("🍳 Еда ✅"), what="food chosen")
    bob.send("/search")
    bob.wait_for("Searching")
    ivan.send("/search")
    text = ivan.wait_for("Собеседник найден")["text"]
    assert "Рейтинг собеседника: 👍 1 · 👎 0" in text and "Вам обоим нравится: 🍳 Еда" in text
    text = bob.wait_for("Partner found")["text"]
    assert "Partner's rating: new" in text and "You both like: 🍳 Food" in text
    ivan.send("/stop")
    ivan.wait_for("Ты закончил чат")
    # Alice meets Bob's ⛔-rated partner... Alice herself: rated ⛔ by Bob, it counts as a 👎.
    carol = register(emulator.person("Carol"))
    carol.send("/search")
    carol.wait_for("Searching")
    alice.send("/search")
    assert "Partner's rating: new" in alice.wait_for("Partner found")["text"]
    assert "Partner's rating: 👍 0 · 👎 1" in carol.wait_for("Partner found")["text"]
    assert "You both like" not in carol.bot_messages()[-1]["text"]


def test_among_those_who_fit_the_most_shared_interests_come_first(bot, emulator):
    # Two who just chatted wait together without meeting again (never the previous partner).
    first, second = register(emulator.person("First")), register(emulator.person("Second"))
    choose_interests(second, "🎵 Music", "🎮 Games")
    chat_and_stop(first, second)
    for person in (first, second):
        person.send("/search")
        person.wait_for("Searching")
    searcher = register(emulator.person("Searcher"))
    choose_interests(searcher, "🎵 Music", "🎮 Games", "🐾 Animals")
    searcher.send("/search")
    # The one sharing two topics, though the other waited longer.
    assert "You both like: 🎵 Music, 🎮 Games" in searcher.wait_for("Partner found")["text"]
    second.wait_for("Partner found")
    # Someone who shares nothing still meets whoever waits, at once.
    plain = register(emulator.person("Plain"))
    choose_interests(plain, "😂 Memes")
    plain.send("/search")
    assert "You both like" not in plain.wait_for("Partner found")["text"]
    first.wait_for("Partner found")
    rows = db_rows(bot, "SELECT user1_id, user2_id FROM chat_history ORDER BY id")
    assert rows[1:] == [(second.id, searcher.id), (first.id, plain.id)]


# Exchanging profiles


def test_reveal_exchange_gives_each_a_button_to_the_others_profile(bot, emulator):
    alice = register(emulator.person("Alice", username="alice_real"))
    bob = register(emulator.person("Bob", has_username=False))
    pair(alice, bob)
    alice.send("/reveal")
    assert "on its way" in alice.wait_for("exchange profiles")["text"]
    offer = bob.wait_for("Your partner offers to exchange Telegram profiles")
    labels = [b["text"] for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["🤝 Exchange", "🙅 Decline"]
    exchange = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # Nothing about Alice is in the offer.
    assert "alice" not in str(offer).lower() and str(alice.id) not in offer["text"]
    bob.press("🤝 Exchange")
    to_bob = bob.wait_for("You exchanged profiles")
    to_alice = alice.wait_for("You exchanged profiles")
    assert to_bob["reply_markup"]["inline_keyboard"][0][0] == {"text": "👤 Open profile", "url": "https://t.me/alice_real"}
    assert to_alice["reply_markup"]["inline_keyboard"][0][0] == {"text": "👤 Open profile", "url": f"tg://user?id={bob.id}"}
    # The chat goes on, and the offer is gone: a second press is no longer valid.
    bob.wait_for_copy(alice.send("still here"))
    assert "no longer valid" in bob.press_data(offer, exchange)["text"]
    assert db_rows(bot, "SELECT COUNT(*) FROM reveal_offers") == [(0,)]


def test_reveal_decline_a_second_offer_and_presses_that_are_no_longer_valid(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    alice.send("/reveal")
    assert "not in a chat" in alice.wait_for("/reveal")["text"]
    pair(alice, bob)
    alice.send("/reveal")
    offer = bob.wait_for("offers to exchange")
    data = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    alice.send("/reveal")
    alice.wait_for("already waiting")
    bob.send("/reveal")
    bob.wait_for("already waiting")
    # Not the offerer, not a stranger, not forged data.
    assert "no longer valid" in alice.press_data(alice.bot_messages()[-1], data)["text"]
    carol.send("/help")
    assert "no longer valid" in carol.press_data(carol.wait_for("Commands"), data)["text"]
    for forged in ("reveal:1:maybe", "reveal:999999:yes", "reveal:abc:yes"):
        assert "no longer valid" in bob.press_data(offer, forged)["text"]
    bob.press("🙅 Decline")
    assert "Nothing was shared" in alice.wait_for("declined to exchange")["text"]
    bob.wait_for("You declined")
    # A new offer, then the chat ends: its buttons are no longer valid.
    alice.send("/reveal")
    offer = bob.wait_for("offers to exchange")
    alice.send("/stop")
    bob.wait_for("Your partner ended the chat")
    assert "no longer valid" in bob.press_data(offer, offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"])["text"]
    texts = [m.get("text") or "" for p in (alice, bob) for m in p.bot_messages()]
    assert not [t for t in texts if "t.me/" in t or "Open profile" in t]
    assert not [c for c in emulator.calls_of("sendMessage") if "url" in str(c.get("reply_markup"))]


def test_reveal_when_privacy_forbids_a_link_says_so_and_suggests_a_username(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob", has_username=False))
    bob.links_forbidden = True
    pair(alice, bob)
    bob.send("/reveal")
    alice.press("🤝 Exchange")
    assert "privacy settings don't allow" in alice.wait_for("can't be shown")["text"]
    # Bob is told why his profile could not be shared; Alice's, sent to him first, is taken back: an
    # exchange is never one-sided. The chat goes on.
    assert "username" in bob.wait_for("Your privacy settings")["text"]
    emulator.wait_until(lambda: not [m for m in bob.bot_messages() if "t.me/" in str(m.get("reply_markup"))],
                        what="Alice's link taken back")  # fmt: skip
    assert [c for c in emulator.deleted if c[0] == bob.id]
    alice.wait_for_copy(bob.send("ok"))
    assert not [m for m in alice.bot_messages() if "tg://" in str(m.get("reply_markup"))]


def test_an_open_offer_survives_a_restart(bot, emulator):
    alice = register(emulator.person("Alice", username="alice_keeps"))
    bob = register(emulator.person("Bob"))
    pair(alice, bob)
    alice.send("/reveal")
    bob.wait_for("offers to exchange")
    bot.kill()
    bot.start()
    bob.press("🤝 Exchange")
    assert bob.wait_for("You exchanged profiles")["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/alice_keeps"


# Chatting again


def test_chat_again_accepted_pairs_the_two_at_once(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    chat_and_stop(alice, bob)
    ended = alice.bot_messages()[-1]
    labels = [b["text"] for row in ended["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["👍", "👎", "⛔", "🔁 Chat again"]
    # After a 👍 the button stays.
    alice.press("👍")
    emulator.wait_until(lambda: alice.find_button("👍") is None, what="the rating buttons to go")
    assert alice.has_button("🔁 Chat again")
    bob.send("/search")  # Bob waits in the queue meanwhile
    bob.wait_for("Searching")
    alice.press("🔁 Chat again")
    alice.wait_for("on its way")
    request = bob.wait_for("Your last partner would like to chat again")
    assert [b["text"] for b in request["reply_markup"]["inline_keyboard"][0]] == ["✅ Accept", "❌ Decline"]
    accept = request["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    answer = alice.press("🔁 Chat again")
    assert "already on its way" in answer["text"]
    bob.press("✅ Accept")
    bob.wait_for("Partner found")
    alice.wait_for("Partner found")
    alice.wait_for_copy(bob.send("hello again"))
    assert db_rows(bot, "SELECT COUNT(*) FROM search_queue") == [(0,)]
    assert "no longer valid" in bob.press_data(request, accept)["text"]


def test_chat_again_is_refused_after_a_thumbs_down_either_way(bot, emulator):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    chat_and_stop(alice, bob)
    alice.press("🔁 Chat again")
    bob.wait_for("would like to chat again")
    # Bob rates 👎 after the request: the request can no longer be accepted, and his button is gone.
    bob.press("👎")
    emulator.wait_until(lambda: not bob.has_button("🔁 Chat again"), what="Chat again to go with a 👎")
    bob.press("✅ Accept")
    bob.wait_for("can't chat again")
    assert "Partner found" not in " ".join(alice.unread_texts())
    # Alice, who rated nothing, is refused too (the text says nothing of who rated what).
    answer = alice.press("🔁 Chat again")
    assert "can't chat again" in answer["text"]
    assert db_rows(bot, "SELECT COUNT(*) FROM chat_history") == [(1,)]


def test_chat_again_decline_busy_expiry_and_a_restart(start_bot, emulator):
    bot = start_bot(REMATCH_MINUTES="0.1")  # 6 seconds
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    carol = register(emulator.person("Carol"))
    chat_and_stop(alice, bob)
    alice.press("🔁 Chat again")
    bob.wait_for("would like to chat again")
    bob.press("❌ Decline")
    alice.wait_for("declined to chat again")
    # Bob asks in turn, then is busy with Carol when Alice accepts: she is told, the request stays.
    bob.press("🔁 Chat again")
    alice.wait_for("would like to chat again")
    pair(bob, carol)
    alice.press("✅ Accept")
    alice.wait_for("in another chat")
    # A restart keeps the request; once Bob is free, Alice's accept pairs them.
    bot.kill()
    bot.start()
    bob.send("/stop")
    bob.wait_for("You ended the chat")
    alice.press("✅ Accept")
    alice.wait_for("Partner found")
    bob.wait_for("Partner found")
    bob.send("/stop")
    bob.wait_for("You ended the chat")
    alice.wait_for("Your partner ended the chat")
    # Past REMATCH_MINUTES: too late to ask, and a request older than that is no longer valid.
    alice.press("🔁 Chat again")
    request = bob.wait_for("would like to chat again")
    time.sleep(6.5)
    assert "no longer valid" in bob.press("✅ Accept")["text"]
    assert "Too late" in bob.press("🔁 Chat again")["text"]
    assert db_rows(bot, "SELECT COUNT(*) FROM chat_history") == [(3,)]
    assert request


def test_chat_again_with_a_banned_user_is_refused(bot, emulator, admin):
    alice = register(emulator.person("Alice"))
    bob = register(emulator.person("Bob"))
    chat_and_stop(alice, bob)
    alice.press("🔁 Chat again")
    bob.wait_for("would like to chat again")
    admin.send(f"/ban {alice.id} spam")
    admin.wait_for("banned")
    bob.press("✅ Accept")
    bob.wait_for("can't chat again")
    assert db_rows(bot, "SELECT COUNT(*) FROM chat_history WHERE ended_at IS NULL") == [(0,)]


# Invites


def invite_code(person) -> str:
    person.send("/invite")
    text = person.wait_for("Your invite link")["text"]
    link = next(word for word in text.split() if word.startswith("https://t.me/"))
    assert link.startswith("https://t.me/anon_chat_test_bot?start=")
    return link.split("=", 1)[1]


def test_an_invite_counts_on_registration_and_rewards_after_a_real_chat(bot, emulator):
    alice = register(emulator.person("Alice"))
    code = invite_code(alice)
    assert str(alice.id) not in code and "Joined through it: 0" in alice.bot_messages()[-1]["text"]
    assert invite_code(alice) == code  # the same link every time
    bob = register_through(emulator.person("Bob"), code)
    carol = register(emulator.person("Carol"))
    alice.send("/invite")
    assert "Joined through it: 1. VIP earned: 0 days" in alice.wait_for("Your invite link")["text"]
    # Two texts each: not a real conversation yet.
    chat_and_stop(bob, carol, texts=2)
    assert db_rows(bot, "SELECT outcome FROM referrals") == [("pending",)]
    dave = register(emulator.person("Dave"))
    chat_and_stop(bob, dave, texts=3)
    rewarded = alice.wait_for("Someone you invited had their first real chat")["text"]
    assert "3 days of VIP" in rewarded
    assert db_rows(bot, "SELECT outcome, vip_days FROM referrals") == [("rewarded", 3)]
    assert db_rows(bot, "SELECT kind, amount FROM payments WHERE user_id = ?", alice.id) == [("referral", 0)]
    alice.send("/profile")
    assert "VIP" in alice.wait_for("Your profile")["text"]
    # Only the first real chat counts.
    chat_and_stop(bob, register(emulator.person("Erin")), texts=3)
    alice.send("/invite")
    assert "Joined through it: 1. VIP earned: 3 days" in alice.wait_for("Your invite link")["text"]
    assert len([m for m in alice.bot_messages() if "Someone you invited" in (m.get("text") or "")]) == 1


def register_through(person, code: str):
    """Open an invite link (/start <code>) and register."""
    person.send(f"/start {code}")
    person.press("👨 Male")
    person.wait_for("How old are you?")
    person.send("25")
    person.wait_for("/search")
    return person


def test_no_reward_for_a_chat_with_the_inviter_nor_between_two_invitees(bot, emulator):
    alice = register(emulator.person("Alice"))
    code = invite_code(alice)
    bob = register_through(emulator.person("Bob"), code)
    carol = register_through(emulator.person("Carol"), code)
    # Bob's partner is Alice herself: a reward would tell her who he is.
    chat_and_stop(alice, bob, texts=3)
    # Two of Alice's invitees with each other: not strangers' real chat.
    chat_and_stop(bob, carol, texts=3)
    assert db_rows(bot, "SELECT outcome FROM referrals ORDER BY invitee_id") == [("pending",), ("pending",)]
    assert not [m for m in alice.bot_messages() if "Someone you invited" in (m.get("text") or "")]


def test_invites_that_change_nothing_and_the_monthly_cap(start_bot, emulator, admin):
    bot = start_bot(REFERRAL_MAX_PER_MONTH="1")
    alice = register(emulator.person("Alice"))
    code = invite_code(alice)
    # An existing user, an unknown code, a malformed one: registration works as usual, nobody counted.
    alice.send(f"/start {code}")
    alice.wait_for("Welcome")
    strangers = [register_through(emulator.person(name), c) for name, c in (("S1", "unknown_code"), ("S2", "bad!code"))]
    assert db_rows(bot, "SELECT COUNT(*) FROM referrals") == [(0,)]
    bob = register_through(emulator.person("Bob"), code)
    carol = register_through(emulator.person("Carol"), code)
    # Each has a first real chat with a stranger: one reward, the second is past the monthly cap.
    chat_and_stop(bob, register(emulator.person("Stranger1")), texts=3)
    alice.wait_for("Someone you invited")
    chat_and_stop(carol, register(emulator.person("Stranger2")), texts=3)
    emulator.wait_until(lambda: db_rows(bot, "SELECT COUNT(*) FROM referrals WHERE outcome = 'capped'") == [(1,)],
                        what="the capped referral")  # fmt: skip
    assert sorted(db_rows(bot, "SELECT outcome FROM referrals")) == [("capped",), ("rewarded",)]
    # Bob deletes his data and registers through the link again: not counted twice.
    bob.send("/deleteme")
    bob.press("🗑 Delete my data")
    bob.wait_for("deleted")
    register_through(bob, code)
    assert db_rows(bot, "SELECT COUNT(*) FROM referrals WHERE inviter_id = ?", alice.id) == [(2,)]
    alice.send("/invite")
    assert "Joined through it: 2. VIP earned: 3 days" in alice.wait_for("Your invite link")["text"]
    admin.send("/stats")
    assert "🔗 2 joined through invites, 1 rewarded" in admin.wait_for("joined through invites")["text"]
    assert strangers


def test_deleteme_removes_interests_code_offers_and_requests_but_keeps_the_referral(bot, emulator):
    alice = register(emulator.person("Alice"))
    code = invite_code(alice)
    bob = register_through(emulator.person("Bob"), code)
    choose_interests(bob, "🎵 Music")
    chat_and_stop(alice, bob)
    bob.press("🔁 Chat again")
    alice.wait_for("would like to chat again")
    carol = register(emulator.person("Carol"))
    pair(bob, carol)
    bob.send("/reveal")
    carol.wait_for("offers to exchange")
    bob.send("/deleteme")
    bob.press("🗑 Delete my data")
    bob.wait_for("deleted")
    for table in ("reveal_offers", "rematch_requests"):
        assert db_rows(bot, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    assert db_rows(bot, "SELECT COUNT(*) FROM users WHERE user_id = ?", bob.id) == [(0,)]
    assert db_rows(bot, "SELECT inviter_id FROM referrals WHERE invitee_id = ?", bob.id) == [(alice.id,)]
    alice.send("/deleteme")
    alice.press("🗑 Delete my data")
    alice.wait_for("deleted")
    assert db_rows(bot, "SELECT COUNT(*) FROM invite_codes") == [(0,)]
    # The offer's buttons and the request are no longer valid.
    assert "no longer valid" in carol.press("🤝 Exchange")["text"]
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM referrals").fetchone() == (1,)


def test_privacy_and_help_name_the_new_features(bot, emulator):
    alice = register(emulator.person("Alice"))
    alice.send("/help")
    text = alice.wait_for("Commands")["text"]
    assert "/reveal" in text and "/invite" in text
    alice.send("/privacy")
    text = alice.wait_for("Privacy")["text"]
    assert "interests" in text and "invite" in text and "username" in text
    (menu,) = [c for c in emulator.calls_of("setMyCommands") if c["scope"]["type"] == "default" and not c.get("language_code")]
    assert {"reveal", "invite"} <= {c["command"] for c in menu["commands"]}
