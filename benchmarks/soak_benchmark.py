"""A soak: wave after wave of brand-new users register, chat, stop and rate; the bot's memory over time.

    python benchmarks/soak_benchmark.py [--users 20000] [--wave 500] [--seconds 240] [--idle-seconds 60]
                                        [--warmup 500] [--in-flight 4] [--trace-memory] [--webhook]

The real `python bot.py` runs against the Bot API emulator of tests/ with the shipped settings (only
the token, the API's URL, the database and the logs are set). A wave of `--wave` new users starts
every `--seconds` / (users / wave) seconds, and everyone of a wave goes through each step at once:
/start, a gender button, an age, /search, three texts each way with their partner, /stop by one side
of each chat, 👍 by both. The waves overlap, at most `--in-flight` at once: a bot slower than the
schedule makes the soak longer (its length and rate are printed) rather than piling up work until
answers time out. The waves' searches take turns, so everyone is paired within their own wave.
Updates are pushed in batches straight into the emulator's queue and the bot's answers are read from
its state (a thread per person would not keep up with 20,000 people).

Printed: lost (a copy never delivered, or a step never answered within five minutes), duplicated (a
copy or an answer twice), out of order (a copy before an earlier message of the same sender): all
must be 0. Then the bot's resident memory (VmRSS): right after start, after a warm-up wave (the
level "before" the soak; by default one wave, as a bot in service has seen: the first burst of
`--wave` users arriving at once sets the working set the allocator then keeps for the next burst,
about 10 MB whatever CONCURRENT_UPDATES (16 or 256) or API_CONCURRENCY (4 or 100), with about 2 MB
of it live objects; `--warmup 20` shows it), during the soak, at its end, and after `--idle-seconds` idle; the
growth per new user over the soak's second half (the least-squares slope of memory against the
users through, from when half of them were); and whether the idle level came back within 10 MB of
the level before. Also the bot's CPU per user and how long each step took a wave.

`--trace-memory` runs the bot under tracemalloc and prints where its memory grew from the level
before to the end of the idle: bytes per new user by the line that allocated them, with the line of
the bot's own code that led there. The bot is then several times slower (and its resident memory
larger): use a smaller `--users`. The CI smoke test runs a tiny soak and asserts only the three
counts, never time or memory.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from conftest import webhook_settings  # noqa: E402
from emulator import BOT_ID, Emulator, Person, text_entities  # noqa: E402
from chatbot.i18n.locales.en import TEXTS  # noqa: E402
from relay_benchmark import bot_env, cpu_seconds  # noqa: E402

MESSAGES = 3  # texts each user sends their partner
STEP_TIMEOUT = 300.0  # seconds a step may take before whoever got no answer counts as lost
TICK = 0.1  # seconds between two looks at the emulator's state
WITHIN_MB = 10.0  # the idle level must come back within this much of the level before


def first_line(key: str) -> str:
    """The fixed start of an English text (before its first placeholder or line break)."""
    return TEXTS[key].split("{")[0].split("\n")[0].strip()


# What each step waits for, in the bot's own English texts.
ASK_AGE, REGISTERED, PARTNER_FOUND = first_line("ask_age"), first_line("registered"), first_line("partner_found")
RATE_PROMPT = first_line("rate_prompt")
MALE, FEMALE, GOOD = TEXTS["btn_male"], TEXTS["btn_female"], TEXTS["btn_good"]
# Answers that must come once per user: duplicates of them count as duplicated.
ONCE = (first_line("ask_gender"), ASK_AGE, REGISTERED, PARTNER_FOUND, RATE_PROMPT)


def rss_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class User:
    person: Person
    gender: str  # the label of the gender button they press
    cursor: int = 0  # the id of the newest bot message this user has read
    query: str = ""  # their newest button press, to find the bot's answer
    partner: int | None = None

    @property
    def id(self) -> int:
        return self.person.id


@dataclass
class Wait:
    """What a wave waits for: something new for each of `users` (check(user) truthy), or `gate()`.

    check runs under the emulator's lock; what it returns is kept in `found`. Whoever has nothing
    by the deadline is `missing`: lost, unless `lost_if_missing` is off (the copies are counted
    one by one at the end instead).
    """

    what: str
    users: list[User]
    check: Callable[[User], Any] = lambda user: True
    gate: Callable[[], bool] | None = None
    lost_if_missing: bool = True
    found: dict[int, Any] = field(default_factory=dict)
    missing: list[User] = field(default_factory=list)
    since: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.since + STEP_TIMEOUT

    def poll(self, now: float) -> bool:
        """True once everyone has what they wait for (or the deadline passed)."""
        if self.gate is not None:
            return self.gate()
        for user in self.users:
            if user.id not in self.found:
                value = self.check(user)
                if value:
                    self.found[user.id] = value
        if len(self.found) == len(self.users):
            return True
        if now > self.deadline:
            self.missing = [u for u in self.users if u.id not in self.found]
            return True
        return False

    def answered(self) -> list[User]:
        return [u for u in self.users if u.id in self.found]


@dataclass
class Sample:
    seconds: float  # since the soak began
    started: int  # new users who had sent /start by then
    finished: int  # new users who had rated their partner by then
    rss_mb: float


@dataclass
class SoakResult:
    users: int
    soak_seconds: float
    sent: int  # texts sent to partners
    lost: int
    duplicated: int
    out_of_order: int
    unanswered: dict[str, int]  # step -> users who got no answer (included in lost)
    api_errors: int  # calls the emulator answered with an error
    bot_errors: int  # ERROR lines and tracebacks in the bot's output
    start_mb: float
    before_mb: float
    end_mb: float
    idle_mb: float
    peak_mb: float
    kb_per_user_last_half: float
    samples: list[Sample]
    bot_cpu_ms_per_user: float
    driver_cpu_ms_per_user: float
    step_seconds: dict[str, list[float]]
    memory_growth: list[str] = field(default_factory=list)  # --trace-memory: the top lines

    @property
    def returned(self) -> bool:
        return self.idle_mb - self.before_mb <= WITHIN_MB


class Soak:
    """The emulator, the bot, and the people of every wave."""

    def __init__(self, emulator: Emulator, bot: subprocess.Popen[bytes]) -> None:
        self.emu = emulator
        self.bot = bot
        self.users: list[User] = []
        self.sent: list[tuple[int, int]] = []  # (chat, message id) of every text meant for a partner
        self.unanswered: Counter[str] = Counter()
        self.searching = False  # a wave is searching now: the next waits its turn
        self.started = 0  # users who have sent /start
        self.finished = 0  # users who have rated their partner
        self.step_seconds: dict[str, list[float]] = {}  # step -> how long it took each wave
        self.samples: list[Sample] = []
        self.began = time.monotonic()

    # People

    def new_users(self, count: int) -> list[User]:
        users = [User(self.emu.person("User"), (MALE, FEMALE)[i % 2]) for i in range(count)]
        self.users += users
        return users

    def push(self, updates: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
        """Queue updates for the bot at one instant (built under the emulator's lock)."""
        with self.emu.cond:
            batch = [{"update_id": next(self.emu.update_ids), **u} for u in updates]
            self.emu.updates.extend(batch)
            self.emu.polls_at_last_push = self.emu.polls
            self.emu.cond.notify_all()
        self.emu.wake_pollers()

    def text(self, user: User, text: str) -> dict[str, Any]:
        """A text (a command gets its bot_command entity), stored in the user's chat like Telegram does."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = text_entities(text)
        return {"message": self.emu.new_message(user.id, user.person.user, content)}

    def press(self, user: User, message: dict[str, Any], data: str) -> dict[str, Any]:
        user.query = uuid.uuid4().hex
        callback = {"id": user.query, "from": user.person.user, "message": message, "chat_instance": str(user.id),
                    "data": data}  # fmt: skip
        return {"callback_query": callback}

    def says(self, users: list[User], make: Callable[[User], dict[str, Any]]) -> None:
        with self.emu.cond:
            updates = [make(u) for u in users]
        self.push(updates)

    # Reading the bot's answers (under the emulator's lock)

    def unread(self, user: User) -> Iterator[dict[str, Any]]:
        """The bot's messages to the user after their cursor, oldest first."""
        newer = []
        for message in reversed(self.emu.messages.get(user.id, {}).values()):
            if message["message_id"] <= user.cursor:
                break
            if message["from"]["id"] == BOT_ID:
                newer.append(message)
        return reversed(newer)

    def new_text(self, user: User, needle: str) -> dict[str, Any] | None:
        for message in self.unread(user):
            if needle in (message.get("text") or ""):
                user.cursor = message["message_id"]
                return message
        return None

    def new_button(self, user: User, label: str) -> tuple[dict[str, Any], str] | None:
        for message in self.unread(user):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        user.cursor = message["message_id"]
                        return message, button["callback_data"]
        return None

    def copies_from_partner(self, user: User) -> int | None:
        """The partner, once all their texts reached the user (copies are counted at the end)."""
        sources = [self.emu.copies.get((user.id, m["message_id"])) for m in self.unread(user)]
        partners = [chat for chat, _ in filter(None, sources)]
        if partners:
            user.partner = partners[0]
        return user.partner if len(partners) >= MESSAGES else None

    def answer_to_press(self, user: User) -> bool:
        return user.query in self.emu.callback_answers

    # One wave

    def flow(self, users: list[User]) -> Iterator[Wait]:
        """Everyone of the wave through the product, a step at a time; yields what they wait for."""

        def survivors(wait: Wait) -> list[User]:
            if wait.lost_if_missing and wait.missing:
                self.unanswered[wait.what] += len(wait.missing)
            return wait.answered() if wait.lost_if_missing else wait.users

        self.started += len(users)
        self.says(users, lambda u: self.text(u, "/start"))
        wait = Wait("the gender question", users, lambda u: self.new_button(u, u.gender))
        yield wait
        users = survivors(wait)
        buttons = wait.found
        self.says(users, lambda u: self.press(u, *buttons[u.id]))
        wait = Wait("the age question", users, lambda u: self.answer_to_press(u) and self.new_text(u, ASK_AGE))
        yield wait
        users = survivors(wait)
        self.says(users, lambda u: self.text(u, str(20 + u.id % 40)))
        wait = Wait("registered", users, lambda u: self.new_text(u, REGISTERED))
        yield wait
        users = survivors(wait)
        yield Wait("a turn to search", [], gate=lambda: not self.searching)
        self.searching = True
        self.says(users, lambda u: self.text(u, "/search"))
        wait = Wait("a partner", users, lambda u: self.new_text(u, PARTNER_FOUND))
        yield wait
        self.searching = False
        users = survivors(wait)
        with self.emu.cond:
            texts = [self.text(u, f"{u.id} says {n}") for n in range(MESSAGES) for u in users]
        self.sent += [(t["message"]["chat"]["id"], t["message"]["message_id"]) for t in texts]
        self.push(texts)
        wait = Wait("the partner's texts", users, self.copies_from_partner, lost_if_missing=False)
        yield wait
        users = survivors(wait)
        stoppers = [u for u in users if u.partner is None or u.id < u.partner]
        self.says(stoppers, lambda u: self.text(u, "/stop"))
        wait = Wait("the rating buttons", users, lambda u: self.new_button(u, GOOD))
        yield wait
        users = survivors(wait)
        ratings = wait.found
        self.says(users, lambda u: self.press(u, *ratings[u.id]))
        wait = Wait("thanks for the rating", users, self.answer_to_press)
        yield wait
        self.finished += len(survivors(wait))

    def run(self, waves: list[list[User]], interval: float, in_flight: int, sample_every: float = 1.0) -> None:
        """Start a wave every `interval` seconds, or later while `in_flight` waves are under way; move
        each along as its answers arrive; sample memory."""
        active: list[tuple[Iterator[Wait], Wait]] = []
        pending = list(waves)
        self.began = time.monotonic()
        next_sample = self.began
        while pending or active:
            now = time.monotonic()
            due = self.began + (len(waves) - len(pending)) * interval
            if pending and now >= due and len(active) < in_flight:
                flow = self.flow(pending.pop(0))
                active.append((flow, next(flow)))
            still: list[tuple[Iterator[Wait], Wait]] = []
            for flow, wait in active:  # oldest wave first: it searches first
                with self.emu.cond:
                    done = wait.poll(now)
                if done:
                    self.step_seconds.setdefault(wait.what, []).append(now - wait.since)
                following = next(flow, None) if done else wait
                if following is not None:
                    still.append((flow, following))
            active = still
            if now >= next_sample:
                self.sample()
                next_sample += sample_every
            time.sleep(TICK)

    def sample(self) -> Sample:
        sample = Sample(time.monotonic() - self.began, self.started, self.finished, rss_mb(self.bot.pid))
        self.samples.append(sample)
        return sample

    # Counting at the end

    def count(self) -> tuple[int, int, int]:
        """(lost, duplicated, out of order) over every text sent and every answer expected."""
        with self.emu.cond:
            copies = Counter(self.emu.copies.values())
            lost = sum(1 for key in self.sent if key not in copies) + sum(self.unanswered.values())
            duplicated = sum(n - 1 for n in copies.values() if n > 1)
            out_of_order = 0
            for user in self.users:
                messages = [m for m in self.emu.messages.get(user.id, {}).values() if m["from"]["id"] == BOT_ID]
                sources = [self.emu.copies.get((user.id, m["message_id"])) for m in messages]
                received = [mid for chat, mid in filter(None, sources) if chat == user.partner]
                out_of_order += sum(1 for x, y in zip(received, received[1:], strict=False) if y <= x)
                texts = Counter(needle for m in messages for needle in ONCE if needle in (m.get("text") or ""))
                duplicated += sum(n - 1 for n in texts.values() if n > 1)
        return lost, duplicated, out_of_order


def least_squares_slope(points: Sequence[tuple[float, float]]) -> float:
    if len(points) < 2:
        return float("nan")
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else float("nan")


# Runs bot.py as __main__ under tracemalloc; SIGUSR1 writes a snapshot to the file named in argv[1].
TRACED_BOT = """
import os, runpy, signal, sys, tracemalloc
tracemalloc.start(4)
path = sys.argv.pop(1)
def dump(*_):
    tracemalloc.take_snapshot().dump(path + ".part")
    os.rename(path + ".part", path)
signal.signal(signal.SIGUSR1, dump)
sys.argv[0] = {bot!r}
sys.path.insert(0, {root!r})
runpy.run_path({bot!r}, run_name="__main__")
"""


def snapshot(proc: subprocess.Popen[bytes], path: Path) -> tracemalloc.Snapshot:
    """The traced bot's allocations now."""
    path.unlink(missing_ok=True)
    proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(str(path))


def memory_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, users: int, top: int = 25) -> list[str]:
    """The lines of code whose allocations grew most, each with the line of the bot's own code
    that led to it (the innermost frame in this repository): bytes per new user and in all."""
    grown: Counter[tuple[str, str]] = Counter()
    blocks: Counter[tuple[str, str]] = Counter()
    for stat in after.compare_to(before, "traceback"):
        frames = list(stat.traceback)  # oldest first
        site = frames[-1]
        own = next((f for f in reversed(frames) if f.filename.startswith(str(ROOT)) and ".venv" not in f.filename), site)
        key = (f"{short(site.filename)}:{site.lineno}", f"{short(own.filename)}:{own.lineno}")
        grown[key] += stat.size_diff
        blocks[key] += stat.count_diff
    total = sum(grown.values())
    lines = [f"in all: {total / 1024 / 1024:+.1f} MB traced, {total / max(1, users):+.0f} bytes per new user"]
    for (where, own_line), size in grown.most_common(top):
        via = "" if own_line == where else f" (from {own_line})"
        count = blocks[where, own_line]
        lines.append(f"{size / max(1, users):+7.0f} B/user {size / 1024:+9.0f} KiB {count:+8d} blocks  {where}{via}")
    return lines


def short(filename: str) -> str:
    """A file's path inside the repository or the virtualenv; the standard library's, its last two parts."""
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1]
    if filename.startswith(str(ROOT)):
        return filename.removeprefix(str(ROOT) + "/")
    path = Path(filename)
    return f"{path.parent.name}/{path.name}"


def start_bot(emulator: Emulator, workdir: Path, trace: Path | None, webhook: bool = False) -> subprocess.Popen[bytes]:
    """`python bot.py` with the shipped settings, its output kept in workdir/bot.out; waits for its first
    poll (with `webhook`: until its webhook is set, the emulator then POSTs every update)."""
    command = [sys.executable, str(ROOT / "bot.py")]
    if trace is not None:
        command = [sys.executable, "-c", TRACED_BOT.format(bot=str(ROOT / "bot.py"), root=str(ROOT)), str(trace)]
    settings = webhook_settings() if webhook else {}
    polls = emulator.polls
    with open(workdir / "bot.out", "wb") as out:
        proc = subprocess.Popen(command, cwd=workdir, env=bot_env(emulator, emulator.url, workdir, **settings),
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    ready = (lambda: emulator.webhook is not None) if webhook else (lambda: emulator.polls > polls)
    emulator.wait_until(lambda: ready() or proc.poll() is not None, 60, "the bot to take updates")
    if proc.poll() is not None:
        raise SystemExit(f"the bot exited at start:\n{(workdir / 'bot.out').read_text(errors='replace')}")
    return proc


def soak(
    users: int = 20_000, wave: int = 500, seconds: float = 240, idle_seconds: float = 60, warmup: int = 500,
    in_flight: int = 4, trace_memory: bool = False, webhook: bool = False,
) -> SoakResult:  # fmt: skip
    if wave % 2 or warmup % 2:
        raise ValueError("a wave pairs its own users: --wave and --warmup must be even")
    users += users % 2
    emulator = Emulator()
    emulator.url = emulator.start()
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    trace = workdir / "snapshot" if trace_memory else None
    proc = start_bot(emulator, workdir, trace, webhook)
    run = Soak(emulator, proc)
    growth: list[str] = []
    try:
        time.sleep(1)
        start_mb = rss_mb(proc.pid)
        # A wave first: what the first burst of users costs once (code paths run for the first time,
        # caches filled, the allocator's working set for a burst) is not what each new user costs.
        run.run([run.new_users(warmup)], 0, 1)
        time.sleep(2)
        before_mb = rss_mb(proc.pid)
        before_snapshot = snapshot(proc, trace) if trace else None
        run.started = run.finished = 0
        run.samples, run.step_seconds = [], {}
        waves = [run.new_users(min(wave, users - start)) for start in range(0, users, wave)]
        bot_cpu, driver_cpu = cpu_seconds(proc.pid), time.process_time()
        run.run(waves, seconds / max(1, len(waves)), in_flight)
        soak_seconds = time.monotonic() - run.began
        bot_cpu, driver_cpu = cpu_seconds(proc.pid) - bot_cpu, time.process_time() - driver_cpu
        end_mb = rss_mb(proc.pid)
        while time.monotonic() - run.began < soak_seconds + idle_seconds:
            time.sleep(min(5.0, max(0.0, run.began + soak_seconds + idle_seconds - time.monotonic())))
            run.sample()
        idle_mb = rss_mb(proc.pid)
        if trace and before_snapshot is not None:
            growth = memory_growth(before_snapshot, snapshot(proc, trace), users)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        emulator.stop()
    lost, duplicated, out_of_order = run.count()
    output = (workdir / "bot.out").read_text(errors="replace")
    shutil.rmtree(workdir, ignore_errors=True)
    # The second half of the soak: from when half the users had been through, to the end.
    second_half = [(s.finished, s.rss_mb) for s in run.samples if users / 2 <= s.finished and s.seconds <= soak_seconds]
    return SoakResult(
        users=users,
        soak_seconds=soak_seconds,
        sent=len(run.sent),
        lost=lost,
        duplicated=duplicated,
        out_of_order=out_of_order,
        unanswered=dict(run.unanswered),
        api_errors=len(emulator.errors),
        bot_errors=output.count("Traceback") + output.count(" ERROR "),
        start_mb=start_mb,
        before_mb=before_mb,
        end_mb=end_mb,
        idle_mb=idle_mb,
        peak_mb=max([s.rss_mb for s in run.samples] + [end_mb]),
        kb_per_user_last_half=least_squares_slope(second_half) * 1024,
        samples=run.samples,
        bot_cpu_ms_per_user=bot_cpu * 1000 / max(1, users),
        driver_cpu_ms_per_user=driver_cpu * 1000 / max(1, users),
        step_seconds=run.step_seconds,
        memory_growth=growth,
    )


def print_result(r: SoakResult) -> None:
    rate = r.users / r.soak_seconds if r.soak_seconds else float("nan")
    print(f"{r.users} new users in {r.soak_seconds:.0f} s ({rate:.0f} a second)")
    print(f"  lost {r.lost}, duplicated {r.duplicated}, out of order {r.out_of_order} (of {r.sent} texts to partners "
          "and every step's answer, the warm-up's included)")
    if r.unanswered:
        print(f"  unanswered (in lost): {r.unanswered}")
    print(f"  calls answered with an error: {r.api_errors}; errors in the bot's log: {r.bot_errors}")
    print(f"  the bot's CPU: {r.bot_cpu_ms_per_user:.1f} ms per user; this driver's: {r.driver_cpu_ms_per_user:.1f} ms")
    steps = ", ".join(f"{what} {sum(t) / len(t):.1f}/{max(t):.1f}" for what, t in r.step_seconds.items())
    print(f"  seconds per step, mean/max over the waves: {steps}")
    print(f"  resident memory: {r.start_mb:.1f} MB at start, {r.before_mb:.1f} MB before the soak (after the warm-up)")
    every = max(1, len(r.samples) // 12)
    for s in r.samples[::every]:
        print(f"    {s.seconds:6.0f} s  {s.started:6d} started  {s.finished:6d} through  {s.rss_mb:6.1f} MB")
    print(f"  at the end {r.end_mb:.1f} MB (peak {r.peak_mb:.1f} MB); after the idle {r.idle_mb:.1f} MB")
    print(f"  growth per new user over the soak's second half: {r.kb_per_user_last_half:.2f} KB")
    verdict = "yes" if r.returned else "no"
    print(f"  idle level within {WITHIN_MB:.0f} MB of the level before: {verdict} ({r.idle_mb - r.before_mb:+.1f} MB)")
    if r.memory_growth:
        print("  where the memory grew (tracemalloc, before the soak -> after the idle):")
        for line in r.memory_growth:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000, help="new users in all")
    parser.add_argument("--wave", type=int, default=500, help="users who start together")
    parser.add_argument("--seconds", type=float, default=240, help="the waves start over this long")
    parser.add_argument("--idle-seconds", type=float, default=60, help="idle time after the soak")
    parser.add_argument("--warmup", type=int, default=500, help="users of the wave before the soak")
    parser.add_argument("--in-flight", type=int, default=4, help="at most this many waves under way at once")
    parser.add_argument("--trace-memory", action="store_true", help="tracemalloc in the bot: where memory grew")
    parser.add_argument("--webhook", action="store_true", help="the bot in webhook mode (the emulator POSTs the updates)")
    args = parser.parse_args()
    result = soak(args.users, args.wave, args.seconds, args.idle_seconds, args.warmup, args.in_flight, args.trace_memory,
                  args.webhook)  # fmt: skip
    print_result(result)


if __name__ == "__main__":
    main()
