"""The partner choice (matching.py) and its rules, without Telegram or a database; and the queries behind it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from database import Database
from chatbot.core import interests
from chatbot.core.matching import Seeker, choose_partner, compatible
from chatbot.core.pairing import ChatState

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
LATER = datetime(2027, 1, 1, tzinfo=timezone.utc)
PAST = datetime(2026, 1, 1, tzinfo=timezone.utc)


def seeker(user_id: int, gender: str = "male", age: int = 30, vip: datetime | None = None, **prefs: object) -> Seeker:
    fields = {"partner_gender": None, "age_min": 18, "age_max": 100, "last_partner": None, "language": "en", **prefs}
    return Seeker(user_id, gender, age, vip, **fields)  # type: ignore[arg-type]


def test_without_vip_the_longest_waiting_is_chosen():
    waiting = [seeker(2), seeker(3)]
    assert choose_partner(seeker(1), waiting, set(), NOW) is waiting[0]
    assert choose_partner(seeker(1), [], set(), NOW) is None


def test_a_vip_searcher_meets_only_whom_their_preferences_allow():
    searcher = seeker(1, vip=LATER, partner_gender="female", age_min=20, age_max=30)
    waiting = [seeker(2, "male", 25), seeker(3, "female", 35), seeker(4, "female", 19), seeker(5, "female", 30)]
    assert choose_partner(searcher, waiting, set(), NOW) is waiting[3]
    assert choose_partner(searcher, waiting[:3], set(), NOW) is None


def test_a_waiting_vip_is_not_given_someone_outside_their_preferences():
    waiting = [seeker(2, vip=LATER, partner_gender="female"), seeker(3)]
    assert choose_partner(seeker(1, "male"), waiting, set(), NOW) is waiting[1]
    assert choose_partner(seeker(4, "female"), waiting, set(), NOW) is waiting[0]  # fits: the VIP comes first


def test_fit_both_ways_with_two_vips():
    him = seeker(1, "male", 40, vip=LATER, partner_gender="female", age_min=18, age_max=30)
    her = seeker(2, "female", 25, vip=LATER, partner_gender="male", age_min=20, age_max=35)
    assert not compatible(him, her, set(), NOW)  # she wants men up to 35; he is 40
    assert not compatible(her, him, set(), NOW)
    her.age_max = 45
    assert compatible(him, her, set(), NOW) and compatible(her, him, set(), NOW)


def test_lapsed_vip_keeps_preferences_that_no_longer_apply():
    lapsed = seeker(1, vip=PAST, partner_gender="female")
    assert lapsed.has_preferences() and not lapsed.is_vip(NOW)
    assert choose_partner(lapsed, [seeker(2, "male")], set(), NOW) is not None
    assert choose_partner(seeker(3, "male"), [lapsed], set(), NOW) is lapsed


def test_never_again_and_the_previous_partner():
    waiting = [seeker(2), seeker(3, last_partner=1), seeker(4)]
    assert choose_partner(seeker(1), waiting, {2}, NOW) is waiting[2]  # 2 blocked, 3 just met 1
    assert choose_partner(seeker(1, last_partner=4), waiting, {2}, NOW) is None
    assert choose_partner(seeker(5), waiting, set(), NOW) is waiting[0]


def test_vip_first_then_longest_waiting():
    waiting = [seeker(2), seeker(3, vip=PAST), seeker(4, vip=LATER), seeker(5, vip=LATER)]
    assert choose_partner(seeker(1), waiting, set(), NOW) is waiting[2]
    assert choose_partner(seeker(1), waiting, {4, 5}, NOW) is waiting[0]


# The queries and the state behind the choice


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path / "matching.db"))
    for user_id, gender, age in ((1, "male", 30), (2, "female", 25), (3, "female", 40), (4, "male", 22)):
        database.users.create(user_id, gender, age)
    yield database
    database.close()


def test_blocks_come_from_bad_and_scam_ratings_both_ways(db):
    for a, b, rating in ((1, 2, "bad"), (3, 1, "scam"), (1, 4, "good")):
        chat_id = db.chats.start(a, b)
        db.chats.end(chat_id)
        if rating == "scam":
            db.moderation.add_report(a, chat_id, "insults")
        else:
            db.chats.add_rating(a, chat_id, rating)
    assert db.matching.blocked_ids(1) == {2, 3}
    assert db.matching.blocked_ids(2) == {1} and db.matching.blocked_ids(3) == {1} and db.matching.blocked_ids(4) == set()


def test_seeker_rows_carry_vip_preferences_and_the_previous_partner(db):
    db.chats.end(db.chats.start(2, 1))
    db.chats.end(db.chats.start(1, 4))
    db.matching.set_partner_gender(1, "female")
    db.matching.set_age_range(1, 20, 35)
    row = db.matching.seeker(1)
    assert row is not None
    me = Seeker(*row)
    assert (me.partner_gender, me.age_min, me.age_max, me.last_partner, me.vip_until, me.joined_at) == (
        "female", 20, 35, 4, None, None
    )
    assert Seeker(*db.matching.seeker(2)).last_partner == 1
    assert Seeker(*db.matching.seeker(3)).last_partner is None
    assert db.matching.preferences(3) == (None, 18, 100)


def test_a_search_leaves_a_blocked_user_waiting_and_the_queue_survives_a_restart(db):
    chat_id = db.chats.start(1, 2)
    db.chats.end(chat_id)
    db.chats.add_rating(2, chat_id, "bad")
    db.chats.end(db.chats.start(3, 4))  # a newer chat for everyone, so "previous partner" is not the reason
    db.chats.end(db.chats.start(1, 4))
    db.chats.end(db.chats.start(2, 3))
    state = ChatState(db.chats, db.matching)
    assert state.pair_or_enqueue(1) is None
    assert state.pair_or_enqueue(2) is None  # blocked: both wait
    restored = ChatState(db.chats, db.matching)
    restored.restore()
    assert restored.search_queue == state.search_queue
    pairing = restored.pair_or_enqueue(4)  # 4's last partner is 1: 2 is next in line
    assert pairing is not None and pairing.partner_id == 2


def test_waiting_too_long_leaves_the_queue_in_arrival_order(db):
    state = ChatState(db.chats, db.matching)
    state.pair_or_enqueue(1)
    with db.conn:
        db.conn.execute("UPDATE search_queue SET joined_at = '2026-01-01 00:00:00'")
    state.restore()
    assert state.waited_too_long(datetime(2026, 1, 1, tzinfo=timezone.utc)) == []
    assert state.waited_too_long(datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc)) == [1]
    assert state.search_queue == {} and db.chats.queued_users() == []


def test_same_language_first_among_equals_but_never_at_the_cost_of_a_wait():
    russian = seeker(1, language="ru")
    waiting = [seeker(2), seeker(3, language="ru"), seeker(4, vip=LATER), seeker(5, vip=LATER, language="ru")]
    assert choose_partner(russian, waiting, set(), NOW) is waiting[3]  # VIP and same language
    assert choose_partner(russian, waiting[:3], set(), NOW) is waiting[2]  # VIP first, whatever the language
    assert choose_partner(russian, waiting[:2], set(), NOW) is waiting[1]  # same language over the longest wait
    assert choose_partner(russian, waiting[:1], set(), NOW) is waiting[0]  # another language beats waiting


# Interests (core.interests): the rank within VIP and language


def test_interests_are_bits_toggled_up_to_five():
    mask = 0
    for topic in interests.TOPICS[:5]:
        toggled = interests.toggle(mask, topic)
        assert toggled is not None
        mask = toggled
    assert interests.topics(mask) == list(interests.TOPICS[:5])
    assert interests.toggle(mask, "memes") is None  # a sixth changes nothing
    assert interests.toggle(mask, "music") == mask & ~interests.bit("music")
    assert interests.shared(interests.bit("music") | interests.bit("art"), interests.bit("art")) == 1
    with pytest.raises(ValueError):
        interests.bit("cooking")


def test_among_those_who_fit_the_most_shared_interests_win_then_the_longest_waiting():
    music, games, art = (interests.bit(t) for t in ("music", "games", "art"))
    searcher = seeker(1, interests=music | games | art)
    waiting = [seeker(2), seeker(3, interests=music), seeker(4, interests=music | games), seeker(5, interests=games | music)]
    assert choose_partner(searcher, waiting, set(), NOW) is waiting[2]
    # Nobody waits for an interest: with no one sharing, the longest-waiting who fits.
    assert choose_partner(seeker(6), waiting, set(), NOW) is waiting[0]
    assert choose_partner(searcher, waiting[:1], set(), NOW) is waiting[0]


def test_interests_rank_below_vip_and_language():
    music = interests.bit("music")
    searcher = seeker(1, interests=music)
    sharing, russian_vip, vip = seeker(2, interests=music), seeker(3, vip=LATER, language="ru"), seeker(4, vip=LATER)
    assert choose_partner(searcher, [sharing, russian_vip, vip], set(), NOW) is vip
    assert choose_partner(searcher, [sharing, russian_vip], set(), NOW) is russian_vip
    sharing_russian = seeker(5, interests=music, language="ru")
    assert choose_partner(searcher, [sharing_russian, seeker(6)], set(), NOW).user_id == 6  # type: ignore[union-attr]
    # Shared interests never make a partner fit who does not (a VIP's preferences, never again).
    picky = seeker(7, vip=LATER, partner_gender="female", interests=music)
    assert choose_partner(searcher, [picky], set(), NOW) is None
    assert choose_partner(searcher, [sharing], {2}, NOW) is None


def test_pair_takes_two_free_users_out_of_the_queue_and_refuses_the_busy(tmp_path: Path):
    db = Database(str(tmp_path / "bot.db"))
    for user_id in (1, 2, 3):
        db.users.create(user_id, "male", 30)
    state = ChatState(db.chats, db.matching)
    assert state.pair_or_enqueue(1) is None
    pairing = state.pair(2, 1)
    assert pairing is not None and pairing.partner_id == 1 and state.search_queue == {}
    assert db.chats.queued_users() == []
    assert state.pair(3, 1) is None and state.pair(3, 3) is None
    state.restore()
    assert state.active_chats[1].chat_id == pairing.chat_id
    db.close()


def test_the_rank_over_10000_waiting_is_one_pass():
    """A rough guard that the scan stays a plain loop (the benchmark measures it: load_benchmark.py state)."""
    waiting = [seeker(10 + i, interests=(i * 37) % (interests.ALL + 1)) for i in range(10_000)]
    searcher = seeker(1, interests=interests.bit("music") | interests.bit("games"))
    chosen = choose_partner(searcher, waiting, set(), NOW)
    assert chosen is not None and interests.shared(chosen.interests, searcher.interests) == 2
    assert chosen is next(s for s in waiting if interests.shared(s.interests, searcher.interests) == 2)
