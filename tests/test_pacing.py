"""Unit tests of pacing.py: per-chat pace, 429 pauses, the adaptive overall cap, bulk, backlog.

They check order and cause (what waited for what), not how fast anything was.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from chatbot.telegram_io import pacing
from chatbot.telegram_io.pacing import AdaptiveCap, PerChatRateLimiter, Traffic
from chatbot.telegram_io.updates import RelayStats
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut


def limiter(**overrides: Any) -> PerChatRateLimiter:
    settings: dict[str, Any] = {
        "chat_rate": 1000.0, "chat_burst": 1000, "bulk_rate": 1000.0, "backoff_chats": 3, "max_retries": 3,
        "max_in_flight": 4, **overrides,
    }  # fmt: skip
    return PerChatRateLimiter(**settings)


async def send_to(rl: PerChatRateLimiter, chat_id: int, call: Any, traffic: Traffic | None = None) -> Any:
    return await rl.process_request(call, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, traffic)


async def test_a_429_pauses_only_its_own_chat_and_is_retried():
    rl = limiter()
    attempts: dict[int, int] = {}
    done: list[int] = []

    async def call(chat_id: int) -> dict[str, Any]:
        attempts[chat_id] = attempts.get(chat_id, 0) + 1
        if chat_id == 1 and attempts[chat_id] == 1:
            raise RetryAfter(1)
        done.append(chat_id)
        return {"ok": True}

    flooded = asyncio.create_task(send_to(rl, 1, call))
    await asyncio.sleep(0.05)
    for other in (2, 3, 4):
        await send_to(rl, other, call)
    assert done == [2, 3, 4] and not flooded.done()  # the others did not wait for chat 1's pause
    assert await flooded == {"ok": True}
    assert attempts[1] == 2 and done[-1] == 1


async def test_the_limiter_gives_up_after_max_retries():
    rl = limiter(max_retries=0)

    async def always_flooded(chat_id: int) -> bool:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await send_to(rl, 5, always_flooded)


async def test_each_chat_is_paced_after_a_burst_and_other_chats_are_not():
    rl = limiter(chat_rate=2.0, chat_burst=3)
    order: list[str] = []

    async def call(chat_id: int) -> bool:
        order.append(f"{chat_id}")
        return True

    chat_one = [asyncio.create_task(send_to(rl, 1, call)) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert order == ["1", "1", "1"]  # the burst passed at once; the fourth waits for chat 1's pace
    await send_to(rl, 2, call)
    assert order == ["1", "1", "1", "2"]  # chat 2 was not held behind chat 1
    await asyncio.gather(*chat_one)
    assert order.count("1") == 5


async def test_bulk_waits_for_its_cap_but_a_relay_does_not():
    rl = limiter(bulk_rate=2.0)
    order: list[str] = []

    def call_for(name: str) -> Any:
        async def call(chat_id: int) -> bool:
            order.append(name)
            return True

        return call

    bulk = [asyncio.create_task(send_to(rl, 100 + i, call_for(f"bulk{i}"), Traffic.BULK)) for i in range(4)]
    await asyncio.sleep(0.05)
    await send_to(rl, 7, call_for("relay"))
    assert order[:3] == ["bulk0", "bulk1", "relay"]  # two bulk sends fit the cap at once; the relay did not wait
    await asyncio.gather(*bulk)
    assert order[3:] == ["bulk2", "bulk3"]


def test_adaptive_cap_backs_off_on_a_wave_of_429s_and_recovers_step_by_step():
    now = [100.0]
    cap = AdaptiveCap(chats=3, clock=lambda: now[0])
    for _ in range(200):  # 200 sends in the last second
        cap.sent()
    assert not cap.flooded(1) and not cap.flooded(2)
    assert cap.current() is None  # two chats flooded: each chat's own pause is enough
    assert cap.flooded(3)
    assert cap.current() == 100.0  # half the recent rate
    steps = []
    for _ in range(10):
        now[0] += pacing.RECOVERY_SECONDS
        steps.append(cap.current())
    assert steps[:3] == [125.0, 156.25, 195.3125]  # up a quarter each quiet step...
    assert steps[3] is None  # ...and lifted once back at the old rate


def test_429s_spread_out_in_time_do_not_cap_anything():
    now = [0.0]
    cap = AdaptiveCap(chats=3, clock=lambda: now[0])
    for chat in range(10):
        now[0] += pacing.FLOOD_WINDOW + 0.1
        assert not cap.flooded(chat)
    assert cap.current() is None


async def test_a_backlog_is_logged_at_most_once_a_minute(monkeypatch, caplog):
    monkeypatch.setattr(pacing, "BACKLOG_WARNING_SECONDS", 0.05)
    rl = limiter(chat_rate=0.5, chat_burst=1)

    async def call(chat_id: int) -> bool:
        return True

    await send_to(rl, 1, call)  # uses up chat 1's burst: the next ones wait two seconds each
    waiting = [asyncio.create_task(send_to(rl, 1, call)) for _ in range(2)]
    await asyncio.sleep(0.1)
    with caplog.at_level(logging.WARNING, logger="pacing"):
        await send_to(rl, 2, call)
        await send_to(rl, 3, call)
    warnings = [r.getMessage() for r in caplog.records if "Backlog" in r.getMessage()]
    assert warnings == ["Backlog: 3 requests to Telegram are waiting, the oldest for 0 s"]
    for task in waiting:
        task.cancel()


def test_relay_stats_give_the_rate_and_95th_percentile_over_the_window():
    now = [1000.0]
    stats = RelayStats(clock=lambda: now[0])
    now[0] += 10  # up 10 s
    stats.arrived(list(range(1, 21)))
    for update_id in range(1, 21):
        now[0] += 0.001 * update_id if update_id < 20 else 1.0  # 19 quick relays and one slow one
        stats.relayed(update_id)
    stats.relayed(999)  # never arrived (a replay): not counted
    rate, p95 = stats.summary()
    assert rate == pytest.approx(20 / (now[0] - 1000.0))  # over the uptime, shorter than the window
    assert p95 is not None and 0.15 < p95 < 0.25  # the 19th fastest of 20
    for update_id in range(1, 21):
        stats.finished(update_id)
    now[0] += RelayStats.WINDOW + 1
    assert stats.summary() == (0.0, None)


def test_relay_stats_keep_the_newest_samples_when_full(monkeypatch):
    monkeypatch.setattr(RelayStats, "MAX_SAMPLES", 4)
    now = [0.0]
    stats = RelayStats(clock=lambda: now[0])
    now[0] = 100.0
    stats.arrived(list(range(1, 7)))
    for update_id in range(1, 7):  # six relays taking 1 s to 6 s; the ring keeps the last four
        now[0] = 100.0 + update_id
        stats.relayed(update_id)
    rate, p95 = stats.summary()
    assert p95 == 6.0 and rate == pytest.approx(4 / 3)  # 4 samples over what they cover: 3 s
    # WINDOW later, less 1.5 s: the samples made at 103 and 104 are out of the window, 105 and 106 in.
    now[0] = 106.0 + RelayStats.WINDOW - 1.5
    rate, p95 = stats.summary()
    assert p95 == 6.0 and rate == pytest.approx(2 / RelayStats.WINDOW)


def test_an_update_delivered_again_gets_no_second_arrival_time_and_leaves_none_behind(tmp_path):
    from database import Database
    from chatbot.telegram_io.updates import PerUserUpdateProcessor, UpdateJournal

    db = Database(str(tmp_path / "j.db"))
    stats = RelayStats()
    journal = UpdateJournal(db, PerUserUpdateProcessor(4), stats)
    journal.record([{"update_id": 1}, {"update_id": 2}])
    journal.finish(1)
    journal.record([{"update_id": 2}, {"update_id": 3}])  # Telegram sends 2 again
    assert journal.processor.skip == {2}
    assert set(stats._arrived) == {2, 3}  # the first delivery of 2 keeps its arrival time
    journal.finish(2)  # ...until it finishes
    assert set(stats._arrived) == {3}
    db.close()


def test_backoff_doubles_to_its_longest_wait_and_ends_with_the_budget():
    backoff = pacing.Backoff(budget=20.0, first=0.5, longest=8.0)
    waits = []
    elapsed = 0.0
    while (wait := backoff.wait(elapsed)) is not None:
        waits.append(wait)
        elapsed += wait
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 4.5]  # the last wait is cut to end with the budget
    assert pacing.Backoff(budget=0.0).wait(0.0) is None  # 0: never retried


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (NetworkError("Bad Gateway"), True),
        (NetworkError("Internal Server Error"), True),
        (TimedOut(), True),
        (BadRequest("Bad Request: message text is empty"), False),  # PTB derives it from NetworkError
        (Forbidden("Forbidden: bot was blocked by the user"), False),
        (RetryAfter(1), False),  # paced, not backed off
        (pacing.Undelivered("gave up"), False),
    ],
)
def test_what_counts_as_a_passing_failure(error, transient):
    assert pacing.is_transient(error) is transient


async def test_a_passing_failure_of_a_delivering_call_is_retried_until_it_succeeds(monkeypatch):
    monkeypatch.setattr(pacing, "FIRST_RETRY_WAIT", 0.01)
    rl = limiter(retry_seconds=5.0)
    outcomes: list[Exception | None] = [NetworkError("Bad Gateway"), TimedOut(), None]

    async def flaky(chat_id: int) -> dict[str, Any]:
        error = outcomes.pop(0)
        if error is not None:
            raise error
        return {"ok": True}

    assert await send_to(rl, 1, flaky) == {"ok": True}
    assert outcomes == []


async def test_a_spent_budget_raises_undelivered_and_a_lookup_is_never_retried(monkeypatch):
    monkeypatch.setattr(pacing, "FIRST_RETRY_WAIT", 0.01)
    rl = limiter(retry_seconds=0.05)
    calls = [0]

    async def down(chat_id: int) -> bool:
        calls[0] += 1
        raise NetworkError("Bad Gateway")

    with pytest.raises(pacing.Undelivered):
        await send_to(rl, 1, down)
    assert calls[0] >= 2
    calls[0] = 0
    with pytest.raises(NetworkError) as raised:
        await rl.process_request(down, (1,), {}, "getChatMember", {"chat_id": 1}, None)
    assert calls[0] == 1 and not isinstance(raised.value, pacing.Undelivered)


async def test_a_retry_waiting_when_the_bot_stops_is_interrupted_at_once(monkeypatch):
    rl = limiter(retry_seconds=60.0)
    stopping = [False]
    rl.stopping = lambda: stopping[0]

    async def down(chat_id: int) -> bool:
        raise NetworkError("Bad Gateway")

    task = asyncio.create_task(send_to(rl, 1, down))
    await asyncio.sleep(0.1)
    stopping[0] = True
    with pytest.raises(pacing.Interrupted):
        await asyncio.wait_for(task, 1.0)


async def test_idle_chats_are_forgotten_and_busy_ones_kept():
    rl = limiter(chat_rate=10.0, chat_burst=2)  # a chat's bucket drains 10 a second

    async def ok(chat_id: int) -> bool:
        return True

    await send_to(rl, 1, ok)
    await asyncio.sleep(0.15)  # chat 1 could burst again: idle
    await send_to(rl, 2, ok)
    await send_to(rl, 2, ok)  # chat 2 has just spent its burst
    assert rl.forget_idle() == 1
    await asyncio.sleep(0.25)
    assert rl.forget_idle() == 1 and rl.forget_idle() == 0
