"""The benchmark keeps working: a tiny run of the real bot reports every message delivered, in order.

It asserts what the benchmark counts (lost, out of order), never how fast anything was.
"""

from __future__ import annotations

import shutil
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import relay_benchmark  # noqa: E402


def test_a_tiny_benchmark_run_loses_nothing_and_keeps_order():
    result = relay_benchmark.run(
        "bot",
        [sys.executable, str(ROOT / "bot.py")],
        {"API_CHAT_RATE": "10000", "API_CHAT_BURST": "10000", "MESSAGE_RATE_LIMIT": "10000", "MESSAGE_RATE_WINDOW": "1"},
        pairs=3,
        messages=4,
        rounds=1,
        echo=False,
        paced_rate=20,
        paced_seconds=0.5,
    )
    assert result.lost == 0 and result.out_of_order == 0
    assert result.rate > 0 and result.peak_mb > 0


def test_a_tiny_webhook_run_loses_nothing_and_keeps_order():
    lifted = {"API_CHAT_RATE": "10000", "API_CHAT_BURST": "10000", "MESSAGE_RATE_LIMIT": "10000", "MESSAGE_RATE_WINDOW": "1"}
    result = relay_benchmark.run(
        "webhook", [sys.executable, str(ROOT / "bot.py")], lifted, pairs=3, messages=4, rounds=1, echo=False,
        paced_rate=20, paced_seconds=0.5, webhook=True,
    )  # fmt: skip
    assert result.lost == 0 and result.out_of_order == 0, result


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_a_tiny_run_under_callgrind_counts_the_bots_instructions():
    lifted = {"API_CHAT_RATE": "10000", "API_CHAT_BURST": "10000", "MESSAGE_RATE_LIMIT": "10000", "MESSAGE_RATE_WINDOW": "1"}
    result = relay_benchmark.run(
        "webhook", [sys.executable, str(ROOT / "bot.py")], lifted, pairs=2, messages=3, rounds=1, echo=False,
        webhook=True, instructions=True,
    )  # fmt: skip
    assert result.lost == 0 and result.out_of_order == 0, result
    # Counted over the rounds only: hundreds of thousands an update, not the start's billions.
    assert 100_000 < result.instructions_per_message < 100_000_000, result


def test_a_tiny_media_run_covered_and_copied_loses_nothing_and_keeps_order():
    lifted = {"API_CHAT_RATE": "10000", "API_CHAT_BURST": "10000", "MESSAGE_RATE_LIMIT": "10000", "MESSAGE_RATE_WINDOW": "1"}
    for covered in (True, False):
        result = relay_benchmark.run(
            "photos", [sys.executable, str(ROOT / "bot.py")], lifted, pairs=2, messages=3, rounds=1, echo=False,
            paced_rate=10, paced_seconds=0.3, kind="photo", covered=covered,
        )  # fmt: skip
        assert result.lost == 0 and result.out_of_order == 0, (covered, result)


import load_benchmark  # noqa: E402


def test_a_tiny_steady_load_and_a_flooded_chat_lose_nothing_and_keep_order():
    for result in (
        load_benchmark.steady("steady", chats=3, interval=0.5, seconds=2),
        load_benchmark.steady("flood", chats=3, interval=0.5, seconds=4, flood_chat_for=1.5),
    ):
        assert result.sent > 0 and result.lost == 0 and result.out_of_order == 0, result


def test_a_tiny_state_at_scale_run_restores_and_answers_every_search():
    result = load_benchmark.state_at_scale(chats=20, queued=20, searches=3)
    assert result.searches == 9 and result.bytes_per_chat > 0


import stats_benchmark  # noqa: E402


def test_a_tiny_stats_benchmark_times_every_query():
    result = stats_benchmark.run(users=200)
    assert result.chats == 300 and result.activity_rows > 200
    assert set(result.timings_ms) >= {"figures", "last day", "last 7 days", "last 30 days"}


def test_a_tiny_million_users_run_answers_every_search_and_relay():
    result = load_benchmark.registered_at_scale(registered=300, chats=10, queued=10, searches=3, relays=4)
    assert result.registered == 300 and result.searches == 3 and result.relays == 4


import soak_benchmark  # noqa: E402


def test_a_tiny_soak_loses_nothing_duplicates_nothing_and_keeps_order():
    for webhook in (False, True):
        result = soak_benchmark.soak(users=40, wave=20, seconds=1, idle_seconds=1, warmup=4, webhook=webhook)
        assert result.sent == (40 + 4) * soak_benchmark.MESSAGES  # the warm-up wave included
        assert (result.lost, result.duplicated, result.out_of_order) == (0, 0, 0), (webhook, result.unanswered)
