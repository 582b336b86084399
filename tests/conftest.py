"""Fixtures for the end-to-end tests: a Bot API emulator and `python bot.py` as a real subprocess."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# As runtime.py does for the bot: PTB 23's durations, before any test module imports telegram.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from emulator import Emulator, Person  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ADMIN_NAME = "Admin"
WEBHOOK_READY = "Receiving updates by webhook"
WEBHOOK_SECRET = "test-Secret_0123456789"


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(port: int | None = None, path: str = "/telegram") -> dict[str, str]:
    """The settings of webhook mode on a free loopback port (the emulator accepts http:// there)."""
    port = port or free_port()
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}{path}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_LISTEN": "127.0.0.1",
    }


class BotProcess:
    """`python bot.py` pointed at the emulator, with its own database and log file."""

    def __init__(self, emulator: Emulator, url: str, workdir: Path, env: dict[str, str]) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.env = {
            # The child gets a clean environment: the developer's own settings must not leak in.
            "PATH": os.environ.get("PATH", ""),
            "PYTHONUNBUFFERED": "1",
            "BOT_TOKEN": emulator.token,
            "TELEGRAM_API_URL": url,
            "DATABASE_PATH": str(workdir / "bot.db"),
            "LOG_FILE": str(workdir / "bot.log"),
            "LOG_LEVEL": "DEBUG",
            # The people of a test register seconds before they chat; the new-account media hold
            # (tests/test_e2e_moderation.py tests it) would refuse every photo they send.
            "NEW_USER_MEDIA_HOLD_MINUTES": "0",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        # A test that provokes a handler failure on purpose sets this; otherwise a traceback fails it.
        self.allow_tracebacks = False
        self.output = workdir / "stdout.log"

    def start(self, wait: bool = True) -> BotProcess:
        """Start the bot; by default wait until it polls for updates (in webhook mode: until it has
        set the webhook, or found it set)."""
        polls = self.emulator.polls
        webhooks = self.log().count(WEBHOOK_READY)
        with open(self.output, "ab") as out:
            # cwd is the test's folder, so a developer's .env in the repo is never read.
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "bot.py")], cwd=self.workdir, env=self.env, stdout=out, stderr=out
            )
        if wait and self.env.get("WEBHOOK_URL"):
            self.emulator.wait_until(
                lambda: self.log().count(WEBHOOK_READY) > webhooks or self.proc.poll() is not None,
                30, "the bot to receive by webhook",
            )  # fmt: skip
        elif wait:
            self.emulator.wait_until(
                lambda: self.emulator.polls > polls or self.proc.poll() is not None, 30, "the bot to start polling"
            )
            assert self.proc.poll() is None, f"bot exited at start:\n{self.log()}"
        return self

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"bot did not stop within {timeout}s of SIGTERM") from None

    def kill(self) -> None:
        """kill -9: no chance to clean up."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def restart(self) -> BotProcess:
        self.stop()
        return self.start()

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    emu.url = emu.start()
    yield emu
    emu.stop()
    assert not emu.violations, f"calls that break the Bot API: {emu.violations}"


@pytest.fixture
def admin(emulator: Emulator) -> Person:
    return emulator.person(ADMIN_NAME)


@pytest.fixture
def start_bot(emulator: Emulator, admin: Person, tmp_path: Path) -> Iterator:
    """start_bot(**settings) starts the bot with ADMIN_IDS set to the admin person."""
    started: list[BotProcess] = []

    def start(**settings: str) -> BotProcess:
        env = {"ADMIN_IDS": str(admin.id), **{k: str(v) for k, v in settings.items()}}
        bot = BotProcess(emulator, emulator.url, tmp_path, env).start()
        started.append(bot)
        return bot

    yield start
    for bot in started:
        if bot.proc and bot.proc.poll() is None:
            bot.stop()
        assert bot.allow_tracebacks or "Traceback" not in bot.log(), f"unexpected traceback:\n{bot.log()}"


@pytest.fixture
def bot(start_bot) -> BotProcess:
    return start_bot()


def choose_gender(person: Person, gender: str = "👨 Male") -> Person:
    """/start and a gender: the person now owes their age."""
    person.send("/start")
    person.press(gender)
    person.wait_for("How old are you?")
    return person


def register(person: Person, gender: str = "👨 Male", age: str = "25") -> Person:
    """Walk a person through /start, gender and age."""
    choose_gender(person, gender)
    person.send(age)
    person.wait_for("/search")
    return person


def forgive(bot: BotProcess, person: Person) -> None:
    """Forget the person's filter strikes, for tests of the filter itself: three refused messages
    in 10 minutes would mute them (tests/test_e2e_moderation.py tests that)."""
    with sqlite3.connect(bot.env["DATABASE_PATH"]) as conn:
        conn.execute("DELETE FROM strikes WHERE user_id = ?", (person.id,))


def report(person: Person, reason: str = "❓ Other") -> dict:
    """⛔ on the newest rating buttons, then a reason; returns the answer to the reason's press."""
    person.press("⛔")
    return person.press(reason)


def pair(a: Person, b: Person) -> None:
    """Two registered people search and get paired."""
    a.send("/search")
    a.wait_for("Searching")
    b.send("/search")
    b.wait_for("Partner found")
    a.wait_for("Partner found")
