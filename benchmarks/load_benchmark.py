"""The bot under real load with the shipped settings, a flooded chat, and its state at scale.

    python benchmarks/load_benchmark.py [steady|flood|state|million|all] [--seconds 60] [--scale 1.0]
                                        [--api-latency 0.1]

- steady: open chats whose one side writes at a steady pace (100 chats x 1 message a second, then
  300 chats x 1 message every 3 s): every message must arrive, in order; prints the delay from
  sending to the partner's copy, p50/p99 over the whole run and p99 per 10-second slice (growth
  would show as a rising p99 from first slice to last). Shipped defaults: no setting is changed.
- flood: 50 chats x 1 message a second; one receiver's chat is answered 429 for 10 s in the middle.
  Prints the other chats' p99 and what the flooded chat lost (it must lose nothing).
- state: 10,000 open chats and 10,000 queued users in the database: start-up time (process start to
  first poll, and the restore alone), memory per chat, and /search answered against that queue.
- million: 1,000,000 registered users (1,000 of them in open chats, 1,000 waiting in the queue),
  against the same chats and queue with nobody else registered: start-up time, resident memory once
  polling, and the latency of /search (partner found) and of a relay in an open chat.

`--scale` shrinks chat counts and durations (the CI smoke test runs a tiny scale). Figures, not
assertions: the tests never time anything.
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
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
from soak_benchmark import rss_mb  # noqa: E402


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
    ranked_p50_ms: float  # someone whom nearly the whole queue fits, ranked by shared interests
    ranked_max_ms: float
    searches: int


def fill_database(
    path: Path, chats: int, queued: int, searchers: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Users, open chats and the queue, written directly (as a busy bot would have left them).

    The searchers are VIPs looking for women aged 20-25. Nearly the whole queue does not fit them:
    men, and women of 30 (half of those VIPs with preferences of their own that exclude the
    searchers), so each search scans the whole queue. The last `searchers` waiting users fit.
    Everyone waiting has 0 to 5 interests. The ranked searchers (not VIP, 3 interests) fit everyone
    but the choosy VIPs, and no candidate can be ideal (a fitting VIP), so each of their searches
    ranks three quarters of the queue by shared interests.
    Returns (queued users, searchers, VIPs whom nobody in the queue fits, ranked searchers).
    """
    db = Database(str(path))
    db.close()
    chat_users = list(range(1_000_000, 1_000_000 + 2 * chats))
    queue_users = list(range(3_000_000, 3_000_000 + queued))
    fitting = set(queue_users[-searchers:])
    choosy = {u for u in queue_users if u % 4 == 1 and u not in fitting}  # VIPs who want young men
    search_users = list(range(5_000_000, 5_000_000 + searchers))
    lonely_users = list(range(6_000_000, 6_000_000 + searchers))
    ranked_users = list(range(7_000_000, 7_000_000 + searchers))

    def topics(user_id: int) -> int:
        return sum(1 << t for t in random.Random(user_id).sample(range(12), user_id % 6))
    vip_until = "2999-01-01 00:00:00"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (user_id, gender, age) VALUES (?, ?, 30)",
            [(u, "male" if u % 2 else "female") for u in chat_users],
        )
        conn.executemany(
            "INSERT INTO users (user_id, gender, age, is_vip, vip_until, interests) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (u, "female" if u in fitting or u % 2 else "male", 22 if u in fitting else 30, u in choosy, vip_until,
                 topics(u))
                for u in queue_users
            ],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO users (user_id, gender, age, interests) VALUES (?, 'male', 30, ?)",
            [(u, 0b111) for u in ranked_users],
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
    return queue_users, search_users, lonely_users, ranked_users


def state_at_scale(chats: int = 10_000, queued: int = 10_000, searches: int = 20) -> StateResult:
    from chatbot.core.pairing import ChatState

    workdir = Path(tempfile.mkdtemp(prefix="state-"))
    queue_users, search_users, lonely_users, ranked_users = fill_database(workdir / "bot.db", chats, queued, searches)
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
    for user_id in queue_users + search_users + lonely_users + ranked_users:
        emulator.users[user_id] = Person(emulator, user_id, "User", f"user{user_id}")
    began = time.monotonic()
    proc = start([sys.executable, str(ROOT / "bot.py")], bot_env(emulator, url, workdir), emulator, workdir)
    start_s = time.monotonic() - began
    found: list[float] = []
    waiting: list[float] = []
    ranked: list[float] = []
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
        for user_id in ranked_users:
            pushed = time.monotonic()
            emulator.users[user_id].send("/search")
            emulator.users[user_id].wait_for("Partner found", timeout=30)
            ranked.append((time.monotonic() - pushed) * 1000)
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
        percentile(ranked, 0.5),
        max(ranked),
        len(found) + len(waiting) + len(ranked),
    )


@dataclass
class RegisteredResult:
    registered: int  # rows in users, the chats' and the queue's included
    chats: int
    queued: int
    start_s: float  # process start to first poll
    memory_mb: float  # resident, once polling
    search_p50_ms: float  # a registered user's /search until "Partner found" (the queue's head fits)
    search_max_ms: float
    relay_p50_ms: float  # a text in an open chat until the partner's copy
    relay_max_ms: float
    searches: int
    relays: int


# Databases built in this run: (registered, chats, queued, searchers) -> the file (copied for each bot).
BUILT: dict[tuple[int, int, int, int], Path] = {}


def fill_registered(path: Path, registered: int, chats: int, queued: int, searchers: int) -> int:
    """At least `registered` users rows: 2 x `chats` in open chats, `queued` waiting, `searchers` who
    will /search (those in English), and everyone else registered and idle (a third each in English,
    Russian and Spanish). Built once per run, then copied. Returns the number of users rows."""
    active = 2 * chats + queued + searchers
    key = (registered, chats, queued, searchers)
    if key not in BUILT:
        folder = tempfile.mkdtemp(prefix="registered-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        built = Path(folder) / "bot.db"
        Database(str(built)).close()
        conn = sqlite3.connect(built)
        conn.execute("PRAGMA synchronous=OFF")
        with conn:  # one transaction
            insert = "INSERT INTO users (user_id, gender, age, language) VALUES (?, ?, ?, ?)"
            users = range(1_000_000, 1_000_000 + max(active, registered))
            conn.executemany(insert, ((u, ("male", "female")[u % 2], 30, "en") for u in users[:active]))
            languages = ("en", "ru", "es")
            conn.executemany(
                insert, ((u, ("male", "female")[u % 2], 18 + u % 60, languages[u % 3]) for u in users[active:])
            )
            first_queued = 1_000_000 + 2 * chats
            conn.executemany(
                "INSERT INTO chat_history (user1_id, user2_id) VALUES (?, ?)",
                ((u, u + 1) for u in range(1_000_000, first_queued, 2)),
            )
            conn.executemany(
                "INSERT INTO search_queue (user_id) VALUES (?)", ((u,) for u in range(first_queued, first_queued + queued))
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        BUILT[key] = built
    shutil.copyfile(BUILT[key], path)
    return max(active, registered)


def registered_at_scale(
    registered: int = 1_000_000, chats: int = 1_000, queued: int = 1_000, searches: int = 20, relays: int = 50
) -> RegisteredResult:
    """The bot started on a database of `registered` users: start-up, memory, /search and a relay.

    Each search pairs the searcher with the head of the queue, so there are at most `queued` of them.
    """
    searches = min(searches, queued)
    workdir = Path(tempfile.mkdtemp(prefix="registered-"))
    rows = fill_registered(workdir / "bot.db", registered, chats, queued, searches)
    emulator = Emulator()
    url = emulator.start()
    # Everyone who may hear from the bot exists for Telegram: the chats, the queue, the searchers.
    chat_users = list(range(1_000_000, 1_000_000 + 2 * chats))
    searchers = list(range(1_000_000 + 2 * chats + queued, 1_000_000 + 2 * chats + queued + searches))
    for user_id in range(1_000_000, 1_000_000 + 2 * chats + queued + searches):
        emulator.users[user_id] = Person(emulator, user_id, "User", f"user{user_id}")
    began = time.monotonic()
    proc = start([sys.executable, str(ROOT / "bot.py")], bot_env(emulator, url, workdir), emulator, workdir)
    start_s = time.monotonic() - began
    time.sleep(1)
    memory_mb = rss_mb(proc.pid)
    found: list[float] = []
    relayed: list[float] = []
    try:
        for user_id in searchers:
            person = emulator.users[user_id]
            pushed = time.monotonic()
            person.send("/search")
            person.wait_for("Partner found", timeout=30)
            found.append((time.monotonic() - pushed) * 1000)
        # One text in each of `relays` open chats, one after another (spread over the chats).
        for index in range(relays):
            sender = emulator.users[chat_users[2 * (index * chats // max(1, relays))]]
            pushed, keys = emulator.push_messages([(sender, f"hello {index}")])
            emulator.wait_until(lambda: keys[0] in emulator.delivered_at, 30, "a relayed copy")
            relayed.append((emulator.delivered_at[keys[0]] - pushed) * 1000)
    finally:
        stop(proc)
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)  # a copy of a large database
    return RegisteredResult(
        rows, chats, queued, start_s, memory_mb, percentile(found, 0.5), max(found),
        percentile(relayed, 0.5), max(relayed), len(found), len(relayed),
    )  # fmt: skip


def import_seconds(runs: int = 5) -> float:
    """The median time a fresh Python takes to load the bot's modules (`import bot`), start included:
    the part of a start that no database size changes."""
    times = []
    for _ in range(runs):
        began = time.monotonic()
        subprocess.run([sys.executable, "-c", "import bot"], cwd=ROOT, check=True)
        times.append(time.monotonic() - began)
    return sorted(times)[len(times) // 2]


def print_registered(results: list[RegisteredResult], imports_s: float) -> None:
    print(f"{'registered users':>16} {'start':>7} {'memory':>9} {'/search p50':>12} {'max':>8} {'relay p50':>10} {'max':>8}")
    for r in results:
        print(
            f"{r.registered:16,d} {r.start_s:6.2f}s {r.memory_mb:6.1f} MB {r.search_p50_ms:9.1f} ms "
            f"{r.search_max_ms:5.1f} ms {r.relay_p50_ms:7.1f} ms {r.relay_max_ms:5.1f} ms"
        )
    print(f"  ({results[0].chats} open chats and {results[0].queued} waiting in each; "
          f"{results[0].searches} searches and {results[0].relays} relays each)")  # fmt: skip
    print(f"  of the start, Python loading the bot's modules alone (python -c 'import bot', median): {imports_s:.2f}s")
    if len(results) == 2 and results[0].registered != results[1].registered:
        big, small = results
        per_user = (big.memory_mb - small.memory_mb) * 1024 * 1024 / (big.registered - small.registered)
        print(f"  memory per registered user: {per_user:.0f} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="all", choices=("steady", "flood", "state", "million", "all"))
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
        print("  /search by someone whom three quarters of the queue fits, ranked by shared interests:")
        print(f"    partner found: p50 {r.ranked_p50_ms:.1f} ms, max {r.ranked_max_ms:.1f} ms")

    if args.scenario in ("million", "all"):
        chats = max(10, int(1_000 * scale))
        registered = max(4 * chats + 20, int(1_000_000 * scale))
        results = [registered_at_scale(registered, chats, chats), registered_at_scale(0, chats, chats)]
        print_registered(results, import_seconds())


if __name__ == "__main__":
    main()
