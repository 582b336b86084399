"""The benchmark keeps working: a tiny run of the real bot reports every message delivered, in order.

It asserts what the benchmark counts (lost, out of order), never how fast anything was.
"""

from __future__ import annotations

import sys

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
