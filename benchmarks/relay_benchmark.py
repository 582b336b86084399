"""Relay throughput, latency and memory of the real bot, against a minimal PTB echo bot, on one emulator.

    python benchmarks/relay_benchmark.py [--pairs 50] [--messages 20] [--rounds 3] [--api-latency 0.05]
    python benchmarks/relay_benchmark.py --webhook [--repeat 3]   (the bot by webhook beside the bot by long polling)
    python benchmarks/relay_benchmark.py --webhook --instructions --messages 10 --rounds 1
        (the same, the bot under valgrind's callgrind: instructions a message, whatever else the machine does)
    python benchmarks/relay_benchmark.py --webhook --one-core
        (the same, the bot and its front on the first core, the emulator on another: a one-core host)

Both bots run as subprocesses against the Bot API emulator of tests/. For each round, every user of
every pair sends `--messages` texts, all released into the update queue at one instant; the
emulator timestamps each copy. Printed per bot: messages relayed per second (first release to last
copy), latency p50/p99 from release to copy, peak memory (VmHWM), and any message lost or out of
order; then the ratio of the bot's rate to the echo bot's. Figures, not assertions: the tests never
time anything.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from database import Database  # noqa: E402
from conftest import webhook_settings  # noqa: E402
from emulator import BOT_ID, Emulator, Person  # noqa: E402


@dataclass
class Result:
    name: str
    rate: float
    p50_ms: float
    p99_ms: float
    paced_p50_ms: float
    paced_p99_ms: float
    peak_mb: float
    cpu_ms_per_message: float
    emulator_cpu_ms_per_message: float  # this process (the emulator, the harness): is it the limit?
    front_cpu_ms_per_message: float  # by webhook, the bot's HTTP front (a process of its own); else 0
    front_peak_mb: float
    lost: int
    out_of_order: int
    instructions_per_message: float = float("nan")  # the bot's process, counted by callgrind (--instructions)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def order_errors(emulator: Emulator, sender: Person, receiver: Person, round_no: int) -> int:
    """How often a copy in the receiver's chat came before an earlier message of the sender's round."""
    prefix, suffix = f"r{round_no} m", f" from {sender.id}"
    sequence = [
        int((m.get("text") or m["caption"])[len(prefix) :].split()[0])
        for _, m in sorted(emulator.messages.get(receiver.id, {}).items())
        if m["from"]["id"] == BOT_ID and (text := m.get("text") or m.get("caption") or "").startswith(prefix)
        and text.endswith(suffix)
    ]
    return sum(1 for x, y in zip(sequence, sequence[1:], strict=False) if y < x)


def children(pid: int) -> list[int]:
    """The process's children (by webhook, the bot's HTTP front)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def look_until(predicate: Callable[[], bool], timeout: float) -> None:
    """Emulator.wait_until by looking every 20 ms: waiting on the emulator's condition, this thread
    would wake at each call and each webhook delivery and take the interpreter from the emulator's
    thread, which shares the machine with the bot measured (the copies carry their own times)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.02)


def bot_env(emulator: Emulator, url: str, workdir: Path, **settings: str) -> dict[str, str]:
    """A bot's environment: the emulator, a fresh database, quiet logs, and `settings` (else the defaults)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": url,
        "DATABASE_PATH": str(workdir / "bot.db"),
        "LOG_FILE": "",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def open_chats(workdir: Path, pairs: list[tuple[Person, Person]]) -> None:
    """Register everyone and open their chats straight in the database (the bot restores them)."""
    db = Database(str(workdir / "bot.db"))
    for a, b in pairs:
        db.users.create(a.id, "male", 30)
        db.users.create(b.id, "female", 30)
        db.chats.start(a.id, b.id)
    db.close()


def start(command: list[str], env: dict[str, str], emulator: Emulator, cwd: Path) -> subprocess.Popen[bytes]:
    """Start a bot and wait until it polls (or, with WEBHOOK_URL, has set its webhook)."""
    polls = emulator.polls
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    patience = 300 if command[0] == "valgrind" else 60  # under valgrind the start is several times slower
    if env.get("WEBHOOK_URL"):
        emulator.wait_until(lambda: emulator.webhook is not None or proc.poll() is not None, patience, "the webhook")
    else:
        emulator.wait_until(lambda: emulator.polls > polls or proc.poll() is not None, patience, "the bot to poll")
    if proc.poll() is not None:
        raise SystemExit(f"{command} exited at start")
    return proc


CALLGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]


def callgrind(pid: int, *commands: str) -> None:
    """Tell the callgrind running as process `pid` to do each of `commands` (--instr=on, --dump, ...)."""
    for command in commands:
        subprocess.run(["callgrind_control", command, str(pid)], check=True, capture_output=True)


def counted_instructions(workdir: Path) -> int:
    """The instructions in callgrind's first dump (callgrind.out.1: the measured stretch)."""
    for line in (workdir / "callgrind.out.1").read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise ValueError("no summary in the callgrind dump")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction) - 1)] if ordered else float("nan")


def paced_latencies(emulator: Emulator, people: list[tuple[Person, Person]], rate: float, seconds: float) -> list[float]:
    """Send texts at a steady `rate` per second, round-robin over everyone; the latency of each (ms)."""
    senders = [p for pair in people for p in pair]
    sent: dict[tuple[int, int], float] = {}
    interval = 1 / rate
    started = time.monotonic()
    for index in range(int(rate * seconds)):
        time.sleep(max(0.0, started + index * interval - time.monotonic()))
        pushed_at, keys = emulator.push_messages([(senders[index % len(senders)], f"paced {index}")])
        sent[keys[0]] = pushed_at
    emulator.wait_until(lambda: all(k in emulator.delivered_at for k in sent), 60, "paced copies")
    with emulator.cond:
        return [(emulator.delivered_at[k] - t) * 1000 for k, t in sent.items()]


def run(
    name: str, command: list[str], extra_env: dict[str, str], pairs: int, messages: int, rounds: int, echo: bool,
    paced_rate: float = 200, paced_seconds: float = 5, api_latency: float = 0.0, kind: str | None = None,
    covered: bool = True, webhook: bool = False, instructions: bool = False,
) -> Result:  # fmt: skip
    """`kind`: media of that kind instead of texts (their captions carry the order); `covered`: the
    readers hide their partner's media (the default: sent again by file id) or not (copied);
    `webhook`: the emulator POSTs the updates to the bot (the shipped WEBHOOK_MAX_CONNECTIONS);
    `instructions`: the bot runs under callgrind, which counts the instructions of the rounds (only
    theirs: no start, no warm-up, no paced phase); it runs about 50 times slower."""
    emulator = Emulator()
    url = emulator.start()
    if webhook:
        extra_env = {**extra_env, **webhook_settings()}
    if api_latency:
        emulator.delays["copyMessage"] = api_latency
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    people = [(emulator.person("A"), emulator.person("B")) for _ in range(pairs)]
    if kind:
        # The users were registered just now: lift the hold on a new account's media.
        extra_env = {**extra_env, "NEW_USER_MEDIA_HOLD_MINUTES": "0"}
    if not echo:
        open_chats(workdir, people)
        if not covered:
            with sqlite3.connect(workdir / "bot.db") as conn:
                conn.execute("UPDATE users SET hide_media = 0")
    if instructions:
        # Its HTTP front (a child) is not followed: it runs beside the bot, on the other core.
        command = [*CALLGRIND, f"--callgrind-out-file={workdir / 'callgrind.out'}", *command]
    proc = start(command, bot_env(emulator, url, workdir, **extra_env), emulator, workdir)
    try:
        # Warm up connections and caches with one message each way.
        warm = [(p, "warm-up") for pair in people for p in pair]
        emulator.push_messages(warm)
        emulator.wait_until(lambda: len(emulator.delivered_at) >= len(warm), 300 if instructions else 60, "warm-up copies")

        cpu_before = cpu_seconds(proc.pid)
        front = children(proc.pid)
        front_before = sum(map(cpu_seconds, front))
        own_before = cpu_seconds(os.getpid())
        if instructions:
            callgrind(proc.pid, "--instr=on")
        latencies: list[float] = []
        total = 0
        elapsed = 0.0
        lost = 0
        out_of_order = 0
        for round_no in range(rounds):
            before = set(emulator.delivered_at)
            load = [(p, f"r{round_no} m{i} from {p.id}") for i in range(messages) for pair in people for p in pair]
            pushed_at, _ = emulator.push_messages(load, kind)
            expected = len(load)
            goal = len(before) + expected
            patience = 600 if instructions else 120
            try:
                look_until(lambda: len(emulator.delivered_at) >= goal, patience)  # noqa: B023 - called here, at once
            except TimeoutError:
                pass  # counted as lost below
            with emulator.cond:
                new = {k: v for k, v in emulator.delivered_at.items() if k not in before}
                lost += expected - len(new)
                total += len(new)
                elapsed += max(new.values(), default=pushed_at) - pushed_at
                latencies += [(t - pushed_at) * 1000 for t in new.values()]
                for a, b in people:
                    for sender, receiver in ((a, a), (b, b)) if echo else ((a, b), (b, a)):
                        out_of_order += order_errors(emulator, sender, receiver, round_no)
        if instructions:
            callgrind(proc.pid, "--dump", "--instr=off")
        cpu = cpu_seconds(proc.pid) - cpu_before
        front_cpu = sum(map(cpu_seconds, front)) - front_before
        own = cpu_seconds(os.getpid()) - own_before
        paced = [] if instructions else paced_latencies(emulator, people, paced_rate, paced_seconds)
        peak = peak_memory_mb(proc.pid)
        front_peak = sum(map(peak_memory_mb, front))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        emulator.stop()
    return Result(
        name=name,
        rate=total / elapsed if elapsed else 0.0,
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        paced_p50_ms=percentile(paced, 0.5),
        paced_p99_ms=percentile(paced, 0.99),
        peak_mb=peak,
        cpu_ms_per_message=cpu * 1000 / total if total else float("nan"),
        emulator_cpu_ms_per_message=own * 1000 / total if total else float("nan"),
        front_cpu_ms_per_message=front_cpu * 1000 / total if total else float("nan"),
        front_peak_mb=front_peak,
        lost=lost,
        out_of_order=out_of_order,
        instructions_per_message=counted_instructions(workdir) / total if instructions and total else float("nan"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="texts each user sends per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paced-rate", type=float, default=200, help="messages per second in the latency phase")
    parser.add_argument("--paced-seconds", type=float, default=5)
    parser.add_argument(
        "--api-latency", type=float, default=0.0,
        help="seconds Telegram takes to answer each copy (a real link's round trip: 0.02 to 0.2); the bot"
        " is then compared with itself at 4 requests in flight, not with the echo bots",
    )  # fmt: skip
    parser.add_argument(
        "--kind", choices=("photo", "video"), default=None,
        help="media instead of texts: the bot alone, its readers hiding the partner's media (sent by file id,"
        " covered) and not (copied)",
    )  # fmt: skip
    parser.add_argument("--webhook", action="store_true", help="the bot by webhook beside the bot by long polling")
    parser.add_argument(
        "--repeat", type=int, default=3,
        help="with --webhook: runs of each, alternating (this machine's speed drifts by 20%% from minute to"
        " minute: one run of each compares two moments, not two modes); the medians are compared",
    )  # fmt: skip
    parser.add_argument(
        "--instructions", action="store_true",
        help="with --webhook: run the bot under valgrind's callgrind and count its instructions a message, which"
        " the other processes on this machine cannot change (its speed is not measured then: about 50 times"
        " slower; no paced phase)",
    )  # fmt: skip
    parser.add_argument(
        "--one-core", action="store_true",
        help="the bot, and by webhook its front, on the first core and this process (the emulator) on the"
        " others: a host with one core, where Telegram is elsewhere",
    )  # fmt: skip
    args = parser.parse_args()
    if args.instructions and not args.webhook:
        parser.error("--instructions compares the two modes: use it with --webhook")
    bot = [sys.executable, str(ROOT / "bot.py")]
    if args.one_core and (args.instructions or not args.webhook):
        parser.error("--one-core compares the two modes by the clock: use it with --webhook, without --instructions")
    if args.one_core:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            parser.error("--one-core needs a second core for the emulator")
        os.sched_setaffinity(0, cores[1:])
        bot = ["taskset", "--cpu-list", str(cores[0]), *bot]  # the front, a child, inherits it
    # The bot's per-chat pace and per-user message limit would measure the limits, not the code:
    # lift them, as the echo bot has none.
    bot_env = {"API_CHAT_RATE": "10000", "API_CHAT_BURST": "10000", "MESSAGE_RATE_LIMIT": "10000", "MESSAGE_RATE_WINDOW": "1"}
    echo_bot = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]
    sizes = {"pairs": args.pairs, "messages": args.messages, "rounds": args.rounds,
             "paced_rate": args.paced_rate, "paced_seconds": args.paced_seconds, "api_latency": args.api_latency}  # fmt: skip
    if args.webhook:
        results = []
        for index in range(args.repeat):
            modes = [False, True] if index % 2 == 0 else [True, False]  # neither always runs first
            for webhook in modes:
                name = f"webhook {index + 1}" if webhook else f"long polling {index + 1}"
                results.append(
                    run(name, bot, bot_env, echo=False, webhook=webhook, instructions=args.instructions, **sizes)
                )
    elif args.kind:
        results = [
            run(f"{args.kind}s, covered", bot, bot_env, echo=False, kind=args.kind, **sizes),
            run(f"{args.kind}s, copied", bot, bot_env, echo=False, kind=args.kind, covered=False, **sizes),
        ]
    elif args.api_latency:
        # An echo bot handling one update at a time would wait the latency for every message: the
        # bot is compared with itself, at the shipped API_CONCURRENCY and at the 4 it once had.
        results = [
            run("anonymous chat bot", bot, bot_env, echo=False, **sizes),
            run("bot, 4 in flight", bot, {**bot_env, "API_CONCURRENCY": "4"}, echo=False, **sizes),
        ]
    else:
        results = [
            run("anonymous chat bot", bot, bot_env, echo=False, **sizes),
            run("echo, sequential", echo_bot, {"CONCURRENT_UPDATES": "1"}, echo=True, **sizes),
            run("echo, 256 at once", echo_bot, {"CONCURRENT_UPDATES": "256"}, echo=True, **sizes),
            # Not the target's floor: the stock echo bot with only its HTTP client swapped for the bot's.
            run("echo on aiohttp", echo_bot, {"CONCURRENT_UPDATES": "1", "HTTP_CLIENT": "aiohttp"}, echo=True, **sizes),
        ]
    messages = args.pairs * 2 * args.messages * args.rounds
    print(f"{args.pairs} pairs, {args.messages} messages per user per round, {args.rounds} rounds: {messages} messages per bot")
    if not args.instructions:
        print(f"then {args.paced_rate:g} messages/s for {args.paced_seconds:g} s (paced latency)")
    if args.api_latency:
        print(f"Telegram answers each copy after {args.api_latency * 1000:g} ms")
    print(
        f"{'':20} {'msgs/s':>7} {'burst p50':>9} {'burst p99':>9} {'paced p50':>9} {'paced p99':>9}"
        f" {'peak MB':>7} {'CPU ms/msg':>10} {'emulator':>8} {'front':>5} {'front MB':>8} {'lost':>4} {'order':>5}"
    )
    for r in results:
        print(
            f"{r.name:20} {r.rate:7.0f} {r.p50_ms:7.0f}ms {r.p99_ms:7.0f}ms {r.paced_p50_ms:7.1f}ms {r.paced_p99_ms:7.1f}ms"
            f" {r.peak_mb:7.1f} {r.cpu_ms_per_message:10.2f} {r.emulator_cpu_ms_per_message:8.2f}"
            f" {r.front_cpu_ms_per_message:5.2f} {r.front_peak_mb:8.1f} {r.lost:4d} {r.out_of_order:5d}"
        )
    if args.instructions:
        print("instructions a message, the bot's process (callgrind; its HTTP front is a process of its own):")
        for r in results:
            print(f"{r.name:20} {r.instructions_per_message:,.0f}")
        polling = statistics.median(r.instructions_per_message for r in results if r.name.startswith("long polling"))
        hooked = statistics.median(r.instructions_per_message for r in results if r.name.startswith("webhook"))
        print(f"median instructions a message: long polling {polling:,.0f}, webhook {hooked:,.0f}")
        print(f"webhook / long polling, by the bot's instructions a message: {polling / hooked:.2f}")
    elif args.webhook:
        polling = statistics.median(r.rate for r in results if r.name.startswith("long polling"))
        hooked = statistics.median(r.rate for r in results if r.name.startswith("webhook"))
        print(f"median msgs/s: long polling {polling:.0f}, webhook {hooked:.0f}")
        print(f"ratio webhook / long polling: {hooked / polling:.2f} (target >= 1.00)")
    if args.api_latency or args.kind or args.webhook:
        return
    floor = max(results[1:3], key=lambda r: r.rate)
    print(f"ratio bot / fastest stock echo ({floor.name}): {results[0].rate / floor.rate:.2f} (target >= 0.90)")
    print(f"ratio bot / echo on the same client ({results[3].name}): {results[0].rate / results[3].rate:.2f}")


if __name__ == "__main__":
    main()
