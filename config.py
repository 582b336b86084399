"""Every setting of the bot, read once from the environment and a `.env` file, and validated.

`load_config()` raises `ConfigError` naming the variable and what it expects; `bot.main()`
turns that into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dotenv import load_dotenv

DEFAULT_BAD_WORDS: tuple[str, ...] = (
    "fuck",
    "fucking",
    "shit",
    "bitch",
    "cunt",
    "whore",
    "slut",
    "asshole",
    "dick",
    "nigger",
    "faggot",
    "retard",
)

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_CHANNEL_RE = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    """The validated settings; see `.env.example` for what each one means."""

    bot_token: str
    admin_ids: frozenset[int] = frozenset()
    required_channels: tuple[str, ...] = ()
    vip_price_stars: int = 100
    vip_days: int = 30
    database_path: str = "bot.db"
    bad_words: tuple[str, ...] = DEFAULT_BAD_WORDS
    telegram_api_url: str = "https://api.telegram.org"
    log_file: str = "bot.log"
    log_level: str = "INFO"
    action_rate_limit: int = 10
    action_rate_window: int = 60
    message_rate_limit: int = 30
    message_rate_window: int = 10
    report_ban_threshold: int = 3
    channel_check_cache_seconds: int = 300
    api_overall_rate: float = 30.0
    api_max_retries: int = 5
    concurrent_updates: int = 256

    @property
    def masked_token(self) -> str:
        """The token with its secret half hidden, safe for logs."""
        bot_id, _, _ = self.bot_token.partition(":")
        return f"{bot_id}:***"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value:g}")
    return value


def _csv(env: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in env.get(name, "").split(",") if part.strip()]


def load_config(env: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> Config:
    """Read and validate every setting; `env` defaults to `os.environ` after loading `.env`."""
    if env is None:
        if dotenv_path:
            # Real environment variables win over the file, as operators expect.
            load_dotenv(dotenv_path, override=False)
        env = os.environ

    token = env.get("BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("BOT_TOKEN is required: the token BotFather gave you, like 123456:ABC-DEF")
    if not _TOKEN_RE.match(token):
        raise ConfigError("BOT_TOKEN must look like 123456:ABC-DEF (digits, a colon, then the secret)")

    admin_ids: set[int] = set()
    for part in _csv(env, "ADMIN_IDS"):
        if not part.isdigit():
            raise ConfigError(f"ADMIN_IDS must be comma-separated numeric user ids, got {part!r}")
        admin_ids.add(int(part))

    channels = _csv(env, "REQUIRED_CHANNELS")
    for channel in channels:
        if not _CHANNEL_RE.match(channel):
            raise ConfigError(
                f"REQUIRED_CHANNELS must be comma-separated @usernames like @mychannel, got {channel!r}"
            )

    bad_words = tuple(word.lower() for word in _csv(env, "BAD_WORDS")) or DEFAULT_BAD_WORDS

    api_url = env.get("TELEGRAM_API_URL", "").strip() or "https://api.telegram.org"
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"TELEGRAM_API_URL must be an http(s) URL like https://api.telegram.org, got {api_url!r}")

    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")

    database_path = env.get("DATABASE_PATH", "").strip() or "bot.db"

    return Config(
        bot_token=token,
        admin_ids=frozenset(admin_ids),
        required_channels=tuple(channels),
        vip_price_stars=_int(env, "VIP_PRICE_STARS", 100, 1, 100_000),
        vip_days=_int(env, "VIP_DAYS", 30, 1, 3650),
        database_path=database_path,
        bad_words=bad_words,
        telegram_api_url=api_url.rstrip("/"),
        # An empty LOG_FILE means stdout only, so it is read raw, not with a default.
        log_file=env.get("LOG_FILE", "bot.log").strip(),
        log_level=log_level,
        action_rate_limit=_int(env, "ACTION_RATE_LIMIT", 10, 1, 10_000),
        action_rate_window=_int(env, "ACTION_RATE_WINDOW", 60, 1, 86_400),
        message_rate_limit=_int(env, "MESSAGE_RATE_LIMIT", 30, 1, 10_000),
        message_rate_window=_int(env, "MESSAGE_RATE_WINDOW", 10, 1, 86_400),
        report_ban_threshold=_int(env, "REPORT_BAN_THRESHOLD", 3, 1, 1000),
        channel_check_cache_seconds=_int(env, "CHANNEL_CHECK_CACHE_SECONDS", 300, 0, 86_400),
        api_overall_rate=_float(env, "API_OVERALL_RATE", 30.0, 1.0, 10_000.0),
        api_max_retries=_int(env, "API_MAX_RETRIES", 5, 0, 100),
        concurrent_updates=_int(env, "CONCURRENT_UPDATES", 256, 1, 10_000),
    )
