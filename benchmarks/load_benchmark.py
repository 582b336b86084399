"""The bot under real load with the shipped settings, a flooded chat, and its state at scale.

    python benchmarks/load_benchmark.py [steady|flood|state|all] [--seconds 60] [--scale 1.0] [--api-latency 0.1]

- steady: open chats whose one side writes at a steady pace (100 chats x 1 message a second, then
  300 chats x 1 message every 3 s): every message must arrive, in order; prints the delay from
  sending to the partner's copy, p50/p99 over the whole run and p99 per 10-second slice (growth
  would show as a rising p99 from first slice to last). Shipped defaults: no setting is changed.
- flood: 50 chats x 1 message a second; one receiver's chat is answered 429 for 10 s in the middle.
  Prints the other chats' p99 and what the flooded chat lost (it must lose nothing).
- state: 10,000 open chats and 10,000 queued users in the database: start-up time (process start to
  first poll, and the restore alone), memory per chat, and /search answered against that queue.

`--scale` shrinks chat counts and durations (the CI smoke test runs a tiny scale). Figures, not
assertions: the tests never time anything.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from database import Database  # noqa: E402
from emulator import BOT_ID, Emulator, Person  # noqa: E402
from relay_benchmark import bot_env, open_chats, percentile, start  # noqa: E402


@dataclass
class SteadyResult:
    name: str
    sent: int
    lost: int
    out_of_order: int
    p50_ms: float
    p99_ms: float
    slice_p99_ms: list[float] = field(default_factory=list)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def steady(
    name: str, chats: int, interval: float, seconds: float, flood_chat_for: float = 0.0, api_latency: float = 0.0
) -> SteadyResult:
    """One side of each of `chats` chats writes every `interval` seconds for `seconds`.

    With `flood_chat_for`, the first receiver's chat is answered 429 for that long, starting a
    quarter into the run; its delays are left out of the percentiles (they are the flood's). With
    `api_latency`, Telegram takes that long (seconds) to answer each copy, as over a real link.
    """
    emulator = Emulator()
    url = emulator.start()
    if api_latency:
        emulator.delays["copyMessage"] = api_latency
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    pairs = [(emulator.person("A"), emulator.person("B")) for _ in range(chats)]
    open_chats(workdir, pairs)
    proc = start([sys.executable, str(ROOT / "bot.py")], bot_env(emulator, url, workdir), emulator, workdir)
    sent: dict[tuple[int, int], tuple[float, int]] = {}  # (chat, message id) -> (pushed at, sender index)
    flooded = pairs[0][1].id if flood_chat_for else None
    try:
        step = interval / chats  # spread the senders evenly over each interval
        began = time.monotonic()
        total = int(seconds / interval) * chats
        for index in range(total):
            time.sleep(max(0.0, began + index * step - time.monotonic()))
            if flooded is not None and index == total // 4:
                emulator.flood_for(flooded, flood_chat_for)
            sender = index % chats
            pushed_at, keys = emulator.push_messages([(pairs[sender][0], f"{index // chats}")])
            sent[keys[0]] = (pushed_at, sender)
        try:
            emulator.wait_until(lambda: all(k in emulator.delivered_at for k in sent), 60 + flood_chat_for, "copies")
        except AssertionError:
            pass  # counted as lost
    finally:
        stop(proc)
        emulator.stop()
    delays: list[tuple[float, float]] = []  # (sent at, delay ms) of the chats not flooded
    lost = 0
    for key, (pushed_at, sender) in sent.items():
        delivered = emulator.delivered_at.get(key)
        if delivered is None:
            lost += 1
        elif pairs[sender][1].id != flooded:
            delays.append((pushed_at - began, (delivered - pushed_at) * 1000))
    out_of_order = 0
    for _, receiver in pairs:
        numbers = [
            int(m["text"])
            for _, m in sorted(emulator.messages.get(receiver.id, {}).items())
            if m["from"]["id"] == BOT_ID and m.get("text", "").isdigit()
        ]
        out_of_order += sum(1 for x, y in zip(numbers, numbers[1:], strict=False) if y <= x)
    slices = []
    for start_at in range(0, max(1, int(seconds)), 10):
        in_slice = [d for t, d in delays if start_at <= t < start_at + 10]
        if in_slice:
            slices.append(percentile(in_slice, 0.99))
    values = [d for _, d in delays]
    return SteadyResult(name, len(sent), lost, out_of_order, percentile(values, 0.5), percentile(values, 0.99), slices)


def print_steady(results: list[SteadyResult]) -> None:
    print(f"{'':34} {'sent':>6} {'lost':>4} {'order':>5} {'p50':>8} {'p99':>8}  p99 per 10 s")
    for r in results:
        slices = " ".join(f"{v:.0f}" for v in r.slice_p99_ms)
        print(f"{r.name:34} {r.sent:6d} {r.lost:4d} {r.out_of_order:5d} {r.p50_ms:6.1f}ms {r.p99_ms:6.1f}ms  {slices}")


@dataclass
class StateResult:
    chats: int
    queued: int
    start_s: float
    restore_s: float
    bytes_per_chat: float
    search_p50_ms: float  # a VIP whose only fits wait at the end of the queue: partner found
    search_max_ms: float
    wait_p50_ms: float  # a VIP nobody in the queue fits: told whom they wait for
    wait_max_ms: float
    searches: int


def fill_database(path: Path, chats: int, queued: int, searchers: int) -> tuple[list[int], list[int], list[int]]:
    """Users, open chats and the queue, written directly (as a busy bot would have left them).

    The searchers are VIPs looking for women aged 20-25. Nearly the whole queue does not fit them:
    men, and women of 30 (half of those VIPs with preferences of their own that exclude the
    searchers), so each search scans the whole queue. The last `searchers` waiting users fit.
    Returns (queued users, searchers, VIPs whom nobody in the queue fits).
    """
    db = Database(str(path))
    db.close()
    chat_users = list(range(1_000_000, 1_000_000 + 2 * chats))
    queue_users = list(range(3_000_000, 3_000_000 + queued))
    fitting = set(queue_users[-searchers:])
    choosy = {u for u in queue_users if u % 4 == 1 and u not in fitting}  # VIPs who want young men
    search_users = list(range(5_000_000, 5_000_000 + searchers))
    lonely_users = list(range(6_000_000, 6_000_000 + searchers))
    vip_until = "2999-01-01 00:00:00"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (user_id, gender, age) VALUES (?, ?, 30)",
            [(u, "male" if u % 2 else "female") for u in chat_users],
        )
        conn.executemany(
            "INSERT INTO users (user_id, gender, age, is_vip, vip_until) VALUES (?, ?, ?, ?, ?)",
            [
                (u, "female" if u in fitting or u % 2 else "male", 22 if u in fitting else 30, u in choosy, vip_until)
                for u in queue_users
            ],
        )
        conn.executemany(
            "INSERT INTO users (user_id, gender, age, is_vip, vip_until) VALUES (?, 'male', 30, 1, ?)",
            [(u, vip_until) for u in search_users + lonely_users],
        )
        conn.executemany(
            "INSERT INTO preferences (user_id, partner_gender, age_min, age_max) VALUES (?, ?, ?, ?)",
            [(u, "female", 20, 25) for u in search_users]
            + [(u, "female", 99, 100) for u in lonely_users]
            + [(u, "male", 18, 25) for u in choosy],
        )
        conn.executemany(
            "INSERT INTO chat_history (user1_id, user2_id) VALUES (?, ?)",
            [(chat_users[i], chat_users[i + 1]) for i in range(0, len(chat_users), 2)],
        )
        conn.executemany("INSERT INTO search_queue (user_id) VALUES (?)", [(u,) for u in queue_users])
    conn.close()
    return queue_users, search_users, lonely_users


def state_at_scale(chats: int = 10_000, queued: int = 10_000, searches: int = 20) -> StateResult:
    from chatbot.core.pairing import ChatState

    workdir = Path(tempfile.mkdtemp(prefix="state-"))
    queue_users, search_users, lonely_users = fill_database(workdir / "bot.db", chats, queued, searches)
    # The restore alone, in this process, with the memory it keeps.
    db = Database(str(workdir / "bot.db"))
    tracemalloc.start()
    began = time.perf_counter()
    state = ChatState(db.chats, db.matching)
    state.restore()
    restore_s = time.perf_counter() - began
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    db.close()
    bytes_per_chat = kept / max(1, chats)
    # The real bot: from process start to its first poll, then /search against the queue.
    emulator = Emulator()
    url = emulator.start()
    # The waiting users must exist for Telegram too: the bot tells the one it picks first.
    for user_id in queue_users + search_users + lonely_users:
        emulator.users[user_id] = Person(emulator, user_id, "User", f"user{user_id}")
    began = time.monotonic()
    proc = start([sys.executable, str(ROOT / "bot.py")], bot_env(emulator, url, workdir), emulator, workdir)
    start_s = time.monotonic() - began
    found: list[float] = []
    waiting: list[float] = []
    try:
        # Alternately: a VIP whose only fits wait at the very end of the queue, and one nobody fits.
        for searcher, lonely in zip(search_users, lonely_users, strict=True):
            for person, reply, latencies in (
                (emulator.users[searcher], "Partner found", found),
                (emulator.users[lonely], "Searching for women aged 99–100", waiting),
            ):
                pushed = time.monotonic()
                person.send("/search")
                person.wait_for(reply, timeout=30)
                latencies.append((time.monotonic() - pushed) * 1000)
    finally:
        stop(proc)
        emulator.stop()
    return StateResult(
        chats,
        queued,
        start_s,
        restore_s,
        bytes_per_chat,
        percentile(found, 0.5),
        max(found),
        percentile(waiting, 0.5),
        max(waiting),
        len(found) + len(waiting),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="all", choices=("steady", "flood", "state", "all"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies chat counts (state: sizes too)")
    parser.add_argument(
        "--api-latency", type=float, default=0.0,
        help="steady, flood: seconds Telegram takes to answer each copy (a real link's round trip: 0.02 to 0.2)",
    )  # fmt: skip
    args = parser.parse_args()
    scale = args.scale
    if args.scenario in ("steady", "all"):
        n1, n3 = max(1, int(100 * scale)), max(1, int(300 * scale))
        print_steady([
            steady(f"{n1} chats x 1 msg/s", n1, 1.0, args.seconds, api_latency=args.api_latency),
            steady(f"{n3} chats x 1 msg every 3 s", n3, 3.0, args.seconds, api_latency=args.api_latency),
        ])  # fmt: skip
    if args.scenario in ("flood", "all"):
        n = max(2, int(50 * scale))
        seconds = max(20.0, args.seconds / 3)
        print_steady([steady(f"{n} chats, one flooded 10 s (others)", n, 1.0, seconds, 10.0, args.api_latency)])
    if args.scenario in ("state", "all"):
        r = state_at_scale(max(10, int(10_000 * scale)), max(10, int(10_000 * scale)))
        print(f"{r.chats} open chats and {r.queued} queued users")
        print(f"  start (process start to first poll): {r.start_s:.2f} s; restore alone: {r.restore_s * 1000:.0f} ms")
        print(f"  memory kept by the state: {r.bytes_per_chat:.0f} bytes per chat (queue included)")
        print(f"  /search by a VIP with preferences, scanning the whole queue ({r.searches} searches):")
        print(f"    partner found (the fits wait last): p50 {r.search_p50_ms:.1f} ms, max {r.search_max_ms:.1f} ms")
        print(f"    nobody fits, told whom they wait for: p50 {r.wait_p50_ms:.1f} ms, max {r.wait_max_ms:.1f} ms")


if __name__ == "__main__":
    main()
