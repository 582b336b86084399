"""How long /stats takes to compute on a large database: 100,000 users over 30 days.

    python benchmarks/stats_benchmark.py [--users 100000]

Fills a fresh SQLite file (users, daily activity, chats, payments, blocks) and times the queries
/stats runs: the figures, the analytics of the last 1, 7 and 30 days, and both charts' series.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from database import Database  # noqa: E402


@dataclass
class StatsResult:
    users: int
    activity_rows: int
    chats: int
    fill_s: float
    timings_ms: dict[str, float]


def fill(path: Path, users: int, seed: int = 7) -> tuple[int, int]:
    """Users joined over 30 days; each active on a few days; chats, payments and blocks among them."""
    rng = random.Random(seed)
    Database(str(path)).close()
    activity: set[tuple[int, int]] = set()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO users (user_id, gender, age, created_at, blocked_at) VALUES"
            " (?, 'male', 30, datetime('now', ?), CASE WHEN ? THEN datetime('now', ?) END)",
            [(u, f"-{rng.randrange(30)} days", u % 20 == 0, f"-{rng.randrange(30)} days") for u in range(1, users + 1)],
        )
        for u in range(1, users + 1):
            for _ in range(rng.randrange(1, 8)):
                activity.add((rng.randrange(30), u))
        conn.executemany(
            "INSERT INTO activity (day, user_id, searched) VALUES (date('now', ?), ?, ?)",
            [(f"-{d} days", u, (u + d) % 3 == 0) for d, u in activity],
        )
        chats = users * 3 // 2
        conn.executemany(
            "INSERT INTO chat_history (user1_id, user2_id, started_at, ended_at) VALUES (?, ?, datetime('now', ?),"
            " datetime('now', ?, ?))",
            [
                (a, a % users + 1, f"-{d} days", f"-{d} days", f"+{rng.randrange(30, 3600)} seconds")
                for a, d in ((rng.randrange(1, users + 1), rng.randrange(30)) for _ in range(chats))
            ],
        )
        conn.executemany(
            "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, payload, vip_until, created_at,"
            " refunded_at) VALUES (?, ?, 100, 'XTR', 'vip', datetime('now', '+30 days'), datetime('now', ?),"
            " CASE WHEN ? THEN datetime('now') END)",
            [(f"c{u}", u, f"-{rng.randrange(30)} days", u % 50 == 0) for u in range(1, users + 1, 20)],
        )
    return len(activity), chats


def run(users: int = 100_000) -> StatsResult:
    path = Path(tempfile.mkdtemp(prefix="stats-")) / "bot.db"
    began = time.perf_counter()
    rows, chats = fill(path, users)
    fill_s = time.perf_counter() - began
    db = Database(str(path))
    timings: dict[str, float] = {}
    for name, query in (
        ("figures", db.analytics.figures),
        ("last day", lambda: db.analytics.period(1)),
        ("last 7 days", lambda: db.analytics.period(7)),
        ("last 30 days", lambda: db.analytics.period(30)),
        ("both charts' series", lambda: db.analytics.daily_activity(30)),
    ):
        began = time.perf_counter()
        query()
        timings[name] = (time.perf_counter() - began) * 1000
    db.close()
    return StatsResult(users, rows, chats, fill_s, timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    r = run(parser.parse_args().users)
    print(f"{r.users} users, {r.activity_rows} activity rows, {r.chats} chats (filled in {r.fill_s:.1f} s)")
    for name, ms in r.timings_ms.items():
        print(f"  {name:<40} {ms:8.1f} ms")
    print(f"  {'/stats in all':<40} {sum(r.timings_ms.values()):8.1f} ms")


if __name__ == "__main__":
    main()
