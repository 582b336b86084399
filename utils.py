"""Helpers without Telegram I/O: content filtering, rate limiting, formatting and validation."""

from __future__ import annotations

import io
import re
import time
from collections import OrderedDict, deque
from datetime import datetime, timedelta, timezone
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Generic, TypeVar

from chatbot.i18n.texts import t

K = TypeVar("K")
V = TypeVar("V")

# Entity types that carry a link or reveal who someone is.
LINK_ENTITY_TYPES = frozenset({"url", "text_link", "mention", "text_mention", "email"})

# Top-level domains recognised without a scheme ("example.org"). A closed list keeps
# "18.5" or "e.g." from counting as links.
_TLDS = (
    "com|net|org|info|biz|io|co|me|ru|ua|by|kz|uk|de|fr|it|es|nl|pl|tr|ir|in|cn|jp|br|us|ca|au|"
    "xyz|top|site|online|store|shop|app|dev|ly|gg|tv|cc|to|su|link|club|pro|live|fun|space|tech"
)
LINK_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"https?://", re.IGNORECASE),
    re.compile(r"\bwww\.", re.IGNORECASE),
    re.compile(r"\bt\.me/", re.IGNORECASE),
    re.compile(r"telegram\.(?:me|dog)/", re.IGNORECASE),
    re.compile(r"(?<![\w.])@[A-Za-z]\w{3,}"),
    re.compile(rf"\b[\w-]+\.(?:{_TLDS})\b(?!\.\d)", re.IGNORECASE),
)


class MessageFilter:
    """Decides whether a text may be relayed: no links or mentions, no configured bad words."""

    def __init__(self, bad_words: Iterable[str]) -> None:
        words = sorted({w.strip().lower() for w in bad_words if w.strip()}, key=len, reverse=True)
        # Whole words only: "class" must not match "ass".
        self._bad_words = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)
            if words
            else None
        )

    @staticmethod
    def contains_link(text: str | None, entity_types: Sequence[str] = ()) -> bool:
        """True if Telegram marked a link/mention entity or one of the link patterns matches."""
        if any(kind in LINK_ENTITY_TYPES for kind in entity_types):
            return True
        if not text:
            return False
        return any(pattern.search(text) for pattern in LINK_PATTERNS)

    def contains_bad_word(self, text: str | None) -> bool:
        """True if the text contains a configured bad word as a whole word, in any case."""
        return bool(text and self._bad_words and self._bad_words.search(text))

    def check(self, text: str | None, entity_types: Sequence[str] = ()) -> str | None:
        """The text key of the reason to block the text, or None if it may pass."""
        if self.contains_link(text, entity_types):
            return "link_blocked"
        if self.contains_bad_word(text):
            return "bad_word_blocked"
        return None


class Verdict(Enum):
    """What a rate limiter says about one more action."""

    ALLOW = "allow"
    WARN = "warn"  # the first refusal since the user was last allowed: tell them once
    DROP = "drop"  # refused again: drop silently, or a flood would be answered with a flood


class RateLimiter:
    """Sliding-window limiter: at most `max_requests` actions per `time_window` seconds per key."""

    def __init__(
        self, max_requests: int = 10, time_window: float = 60, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_requests = max_requests
        self.time_window = time_window
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, key: int) -> Verdict:
        """Record an action for `key` if it is within the limit; refusals are WARN once, then DROP."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.time_window:
            hits.popleft()
        if len(hits) >= self.max_requests:
            if key in self._warned:
                return Verdict.DROP
            self._warned.add(key)
            return Verdict.WARN
        self._warned.discard(key)
        hits.append(now)
        return Verdict.ALLOW

    def cleanup(self) -> int:
        """Forget keys with no action inside the window; returns how many were dropped."""
        cutoff = self._clock() - self.time_window
        stale = [key for key, hits in self._hits.items() if not hits or hits[-1] <= cutoff]
        for key in stale:
            del self._hits[key]
            self._warned.discard(key)
        return len(stale)


class LruCache(Generic[K, V]):
    """At most `size` entries; the least recently used goes first. Kept for the active users only,
    so memory does not grow with everyone ever seen."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)


class TextFormatter:
    """Turns stored values into what people read."""

    # A stored gender -> the text key of its name.
    GENDER_KEYS = {"male": "gender_male", "female": "gender_female"}

    @classmethod
    def gender(cls, value: str, lang: str) -> str:
        """The display name of a stored gender."""
        key = cls.GENDER_KEYS.get(value)
        return t(key, lang) if key else value

    @staticmethod
    def timestamp(value: str | datetime, lang: str) -> str:
        """A UTC time (aware, or stored text 'YYYY-MM-DD HH:MM:SS') as the reader's language writes it, to the minute."""
        if isinstance(value, datetime):
            moment = value.astimezone(timezone.utc)
        else:
            moment = datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        locale = _locale(lang)
        return f"{format_date(moment, 'medium', locale=locale)}, {format_time(moment, 'short', tzinfo=timezone.utc, locale=locale)}"

    @staticmethod
    def number(value: float, lang: str, digits: int = 0) -> str:
        """A number with `digits` decimals, as the reader's language writes it (1,234.5 / 1 234,5 / 1234,5)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=_locale(lang)))

    @staticmethod
    def percent(part: int, whole: int, lang: str) -> str:
        """`part` of `whole` as a whole percentage in the reader's language ("45%", "45 %"); 0 of 0 is 0."""
        return str(format_percent(part / whole if whole else 0, locale=_locale(lang)))

    @staticmethod
    def duration(length: timedelta, lang: str) -> str:
        """A length in whole units, in the reader's language: '3 d 2 h', '2 h', '25 min' (at least 1 min)."""
        minutes = max(1, round(length.total_seconds() / 60))
        days, rest = divmod(minutes, 1440)
        hours, minutes = divmod(rest, 60)
        parts = [
            t("duration_days", lang, n=days) if days else "",
            t("duration_hours", lang, n=hours) if hours else "",
            t("duration_minutes", lang, n=minutes) if minutes and not days else "",
        ]
        return " ".join(p for p in parts if p)

    @staticmethod
    def channel_list(channels: Iterable[str]) -> str:
        """One channel a line, each as a t.me link the user can open."""
        return "\n".join(f"• {c} (https://t.me/{c.lstrip('@')})" for c in channels)


class AgeProblem(Enum):
    """Why a typed age is refused."""

    NOT_NUMBER = "not_number"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


class RangeProblem(Enum):
    """Why a typed partner age range is refused."""

    NOT_RANGE = "not_range"
    OUT_OF_BOUNDS = "out_of_bounds"
    REVERSED = "reversed"


# Two ages with a hyphen, an en or em dash, or spaces between: "20-30", "20 30", "20–30", "20 - 30".
# ASCII: only 0-9 count as digits.
_AGE_RANGE_RE = re.compile(r"\A\s*(\d{1,3})\s*(?:[-\u2013\u2014]|\s)\s*(\d{1,3})\s*\Z", re.ASCII)


_DURATION_RE = re.compile(r"\A(\d{1,7})([mhdMHD])\Z", re.ASCII)
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ValidationHelper:
    """Parses and checks what users type."""

    MIN_AGE = 18
    MAX_AGE = 100

    @classmethod
    def parse_age(cls, text: str | None) -> int | AgeProblem:
        """The age, or why it is refused."""
        raw = (text or "").strip()
        if not raw or not raw.isascii() or not raw.isdecimal():
            return AgeProblem.NOT_NUMBER
        # Check the length before int() so a huge number is never converted.
        age = int(raw) if len(raw) <= 3 else cls.MAX_AGE + 1
        if age < cls.MIN_AGE:
            return AgeProblem.TOO_YOUNG
        if age > cls.MAX_AGE:
            return AgeProblem.TOO_OLD
        return age

    @classmethod
    def parse_age_range(cls, text: str | None) -> tuple[int, int] | RangeProblem:
        """(youngest, oldest) of a partner age range, or why it is refused."""
        match = _AGE_RANGE_RE.match(text or "")
        if match is None:
            return RangeProblem.NOT_RANGE
        low, high = int(match.group(1)), int(match.group(2))
        if not cls.MIN_AGE <= low <= cls.MAX_AGE or not cls.MIN_AGE <= high <= cls.MAX_AGE:
            return RangeProblem.OUT_OF_BOUNDS
        if low > high:
            return RangeProblem.REVERSED
        return low, high

    @staticmethod
    def parse_duration(text: str | None) -> timedelta | None:
        """A ban length like 30m, 24h or 7d (1 minute to 10 years), or None."""
        match = _DURATION_RE.match(text or "")
        if match is None:
            return None
        length = timedelta(**{_DURATION_UNITS[match.group(2).lower()]: int(match.group(1))})
        return length if timedelta(minutes=1) <= length <= timedelta(days=3650) else None

    @staticmethod
    def parse_user_id(text: str | None) -> int | None:
        """A positive Telegram user id, or None."""
        raw = (text or "").strip()
        if not raw.isdecimal() or not raw.isascii() or len(raw) > 15:
            return None
        value = int(raw)
        return value if value > 0 else None


def render_activity_chart(dates: Sequence[str], series: Mapping[str, Sequence[int]], title: str, ylabel: str) -> bytes:
    """A PNG line chart of daily counts, one line per series named by its key (matplotlib, imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 4.5), dpi=100)
    axes = figure.subplots()
    days = [d[5:] for d in dates]  # MM-DD
    for name, counts in series.items():
        axes.plot(days, counts, marker="o", markersize=3, linewidth=1.5, label=name)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xticks(range(0, len(days), max(1, len(days) // 10)))
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
