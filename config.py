"""Every setting of the bot, read once from the environment and a `.env` file, and validated.

`load_config()` raises `ConfigError` listing every problem, one line each, naming the variable and
what it expects; `bot.main()` prints them on stderr and exits with code 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import time as dtime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

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

# Kinds of message a chat can relay besides text (always allowed). Contacts are never relayed.
MESSAGE_TYPES: tuple[str, ...] = (
    "photo",
    "video",
    "animation",
    "sticker",
    "voice",
    "video_note",
    "audio",
    "document",
    "location",
    "venue",
    "dice",
    "poll",
)

# Telegram's ceiling for the price of a Stars subscription.
MAX_SUBSCRIPTION_STARS = 10_000
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_CHANNEL_RE = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# What Telegram accepts as a webhook's secret_token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
T = TypeVar("T")


def mask_token(text: str, token: str) -> str:
    """`text` with the token, if it holds it, replaced by <token>."""
    return text.replace(token, "<token>") if token else text


class ConfigError(ValueError):
    """One or more settings are missing or malformed; each problem names its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    """The validated settings; see `.env.example` for what each one means."""

    bot_token: str
    admin_ids: frozenset[int] = frozenset()
    required_channels: tuple[str, ...] = ()
    vip_price_stars: int = 100
    vip_days: int = 30
    vip_subscription_stars: int = 0  # 0: the one-off price, VIP_PRICE_STARS
    search_timeout_minutes: float = 10.0  # 0: searches never time out
    rematch_minutes: float = 10.0  # how long after a chat 🔁 Chat again may be asked and answered
    referral_vip_days: int = 3  # VIP an invite earns; 0: no rewards
    referral_max_per_month: int = 10  # rewards per inviter in 30 days
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
    report_evidence_hours: float = 24.0
    new_user_media_hold_minutes: float = 10.0  # 0: off
    chat_retention_days: int = 90
    flow_expire_days: int = 7  # a step of a flow left this long is forgotten (registration, appeal, ...)
    channel_check_cache_seconds: int = 300
    api_chat_rate: float = 1.0
    api_chat_burst: int = 20
    bulk_rate: float = 30.0
    broadcast_rate: float = 25.0
    metrics_port: int = 0  # 0 (empty): no metrics endpoint
    metrics_host: str = "127.0.0.1"
    flood_backoff_chats: int = 3
    api_max_retries: int = 5
    api_retry_seconds: float = 60.0
    conflict_exit_seconds: float = 60.0  # 409 Conflicts this long without a good poll: exit 1
    api_concurrency: int = 100
    concurrent_updates: int = 256
    backup_dir: str = "backups"
    backup_keep: int = 7
    backup_time: dtime = dtime(3, 0)
    heartbeat_file: str = ""  # empty: DATABASE_PATH + ".heartbeat"
    health_max_age: int = 90
    start_failure_delay: int = 15
    poll_timeout: int = 10
    webhook_url: str = ""  # empty: long polling
    webhook_secret: str = ""
    webhook_max_connections: int = 40
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_domain: str = ""  # docker compose's webhook profile: Caddy's certificate is for this host
    allowed_message_types: frozenset[str] = frozenset(MESSAGE_TYPES)

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, where the bot takes Telegram's requests (decoded, as aiohttp reads it)."""
        return unquote(urlsplit(self.webhook_url).path) or "/"

    @property
    def masked_webhook_url(self) -> str:
        """WEBHOOK_URL safe for logs: some put the token in the path."""
        return mask_token(self.webhook_url, self.bot_token)

    @property
    def masked_token(self) -> str:
        """The token with its secret half hidden, safe for logs."""
        bot_id, _, _ = self.bot_token.partition(":")
        return f"{bot_id}:***"


class _Reader:
    """Reads variables, collecting every problem instead of stopping at the first.

    A variable's default is the default of the Config field of the same name in lower case, so
    each default is written once.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []
        self.defaults: dict[str, Any] = {f.name: f.default for f in fields(Config)}

    def raw(self, name: str) -> str:
        return self.env.get(name, "").strip()

    def text(self, name: str) -> str:
        """The variable, or its default when unset or empty."""
        return self.raw(name) or str(self.defaults[name.lower()])

    def number(self, name: str, low: T, high: T) -> T:
        default: T = self.defaults[name.lower()]
        raw = self.raw(name)
        if not raw:
            return default
        kind: Callable[[str], T] = type(default)
        noun = "a whole number" if kind is int else "a number"
        try:
            value: T | None = kind(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:  # type: ignore[operator]
            self.problems.append(f"{name} must be {noun} from {low} to {high}, got {raw!r}")
            return default
        return value

    def csv(self, name: str) -> list[str]:
        return [part.strip() for part in self.env.get(name, "").split(",") if part.strip()]

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def _idna(host: str) -> str:
    """A host name as DNS reads it (an internationalised one in punycode), to compare two spellings."""
    try:
        return host.lower().rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return host.lower()


def load_config(
    env: Mapping[str, str] | None = None, dotenv_path: str | None = ".env", require_token: bool = True
) -> Config:
    """Read and validate every setting; `env` defaults to `os.environ` after loading `.env`.

    `require_token=False` serves the modes that never talk to Telegram (--health, --restore).
    """
    if env is None:
        if dotenv_path:
            # Real environment variables win over the file, as operators expect.
            load_dotenv(dotenv_path, override=False)
        env = os.environ
    read = _Reader(env)

    token = read.raw("BOT_TOKEN")
    if not token and require_token:
        read.problems.append("BOT_TOKEN is required: the token BotFather gave you, like 123456:ABC-DEF")
    elif token:
        read.check(bool(_TOKEN_RE.match(token)), "BOT_TOKEN must look like 123456:ABC-DEF (digits, a colon, the secret)")

    admin_ids = set()
    for part in read.csv("ADMIN_IDS"):
        if part.isdigit():
            admin_ids.add(int(part))
        else:
            read.problems.append(f"ADMIN_IDS must be comma-separated numeric user ids, got {part!r}")

    channels = read.csv("REQUIRED_CHANNELS")
    for channel in channels:
        read.check(
            bool(_CHANNEL_RE.match(channel)),
            f"REQUIRED_CHANNELS must be comma-separated @usernames like @mychannel, got {channel!r}",
        )

    api_url = read.text("TELEGRAM_API_URL")
    read.check(
        bool(re.match(r"^https?://[^\s/]+", api_url)),
        f"TELEGRAM_API_URL must be an http(s) URL like https://api.telegram.org, got {api_url!r}",
    )

    log_level = read.text("LOG_LEVEL").upper()
    read.check(
        log_level in {"DEBUG", "INFO", "WARNING", "ERROR"},
        f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}",
    )

    backup_time: dtime = read.defaults["backup_time"]
    raw_time = read.raw("BACKUP_TIME")
    if raw_time:
        match = _TIME_RE.match(raw_time)
        if match:
            backup_time = dtime(int(match.group(1)), int(match.group(2)))
        else:
            read.problems.append(f"BACKUP_TIME must be a UTC time HH:MM like 03:00, got {raw_time!r}")

    allowed_types = [kind.lower() for kind in read.csv("ALLOWED_MESSAGE_TYPES")] or sorted(read.defaults["allowed_message_types"])
    for kind in allowed_types:
        read.check(
            kind in MESSAGE_TYPES,
            f"ALLOWED_MESSAGE_TYPES must be comma-separated kinds from {', '.join(MESSAGE_TYPES)}; got {kind!r}",
        )

    webhook_url = read.raw("WEBHOOK_URL")
    webhook_secret = read.raw("WEBHOOK_SECRET")
    url_ok = bool(re.match(r"^https?://[^\s/?#]+(/\S*)?$", webhook_url))
    if webhook_url:
        read.check(
            url_ok,
            f"WEBHOOK_URL must be an http(s) URL (Telegram calls only https://), like https://bot.example.com/telegram;"
            f" got {mask_token(webhook_url, token)!r}",
        )
        # The secret itself is never printed: the one line says what is wrong with it.
        if not _SECRET_RE.match(webhook_secret):
            wrong = (
                "it is missing" if not webhook_secret
                else f"it has {len(webhook_secret)} characters" if len(webhook_secret) > 256
                else "it has other characters"
            )  # fmt: skip
            read.problems.append(
                f"WEBHOOK_SECRET is required with WEBHOOK_URL: 1 to 256 characters of A-Z, a-z, 0-9, _ and -; {wrong}"
            )
    webhook_domain = read.raw("WEBHOOK_DOMAIN").strip()
    if url_ok and webhook_domain:
        url = urlsplit(webhook_url)
        read.check(
            _idna(url.hostname or "") == _idna(webhook_domain),
            f"WEBHOOK_DOMAIN (the host Caddy gets a certificate for) must be WEBHOOK_URL's host: {webhook_domain!r}"
            f" is not {url.hostname!r}",
        )
        try:
            port: int | None = url.port
        except ValueError:  # not a number: Telegram refuses it at setWebhook
            port = -1
        read.check(
            url.scheme == "https" and port in (None, 443),
            f"WEBHOOK_URL must be https:// on port 443 with WEBHOOK_DOMAIN (Caddy serves only that); got"
            f" {mask_token(webhook_url, token)!r}",
        )

    database_path = read.text("DATABASE_PATH")
    vip_price = read.number("VIP_PRICE_STARS", 1, 100_000)
    config = Config(
        bot_token=token,
        admin_ids=frozenset(admin_ids),
        required_channels=tuple(channels),
        vip_price_stars=vip_price,
        vip_days=read.number("VIP_DAYS", 1, 3650),
        vip_subscription_stars=read.number("VIP_SUBSCRIPTION_STARS", 0, MAX_SUBSCRIPTION_STARS) or vip_price,
        search_timeout_minutes=read.number("SEARCH_TIMEOUT_MINUTES", 0.0, 10_080.0),
        rematch_minutes=read.number("REMATCH_MINUTES", 0.1, 10_080.0),
        referral_vip_days=read.number("REFERRAL_VIP_DAYS", 0, 3650),
        referral_max_per_month=read.number("REFERRAL_MAX_PER_MONTH", 1, 1000),
        database_path=database_path,
        bad_words=tuple(word.lower() for word in read.csv("BAD_WORDS")) or read.defaults["bad_words"],
        telegram_api_url=api_url.rstrip("/"),
        # An empty LOG_FILE means stdout only, so it is read raw, not with a default.
        log_file=env.get("LOG_FILE", read.defaults["log_file"]).strip(),
        log_level=log_level,
        action_rate_limit=read.number("ACTION_RATE_LIMIT", 1, 10_000),
        action_rate_window=read.number("ACTION_RATE_WINDOW", 1, 86_400),
        message_rate_limit=read.number("MESSAGE_RATE_LIMIT", 1, 10_000),
        message_rate_window=read.number("MESSAGE_RATE_WINDOW", 1, 86_400),
        report_ban_threshold=read.number("REPORT_BAN_THRESHOLD", 1, 1000),
        report_evidence_hours=read.number("REPORT_EVIDENCE_HOURS", 0.0, 24.0 * 365),
        new_user_media_hold_minutes=read.number("NEW_USER_MEDIA_HOLD_MINUTES", 0.0, 10_080.0),
        chat_retention_days=read.number("CHAT_RETENTION_DAYS", 1, 3650),
        flow_expire_days=read.number("FLOW_EXPIRE_DAYS", 1, 365),
        channel_check_cache_seconds=read.number("CHANNEL_CHECK_CACHE_SECONDS", 0, 86_400),
        api_chat_rate=read.number("API_CHAT_RATE", 0.1, 10_000.0),
        api_chat_burst=read.number("API_CHAT_BURST", 1, 10_000),
        bulk_rate=read.number("BULK_RATE", 1.0, 10_000.0),
        broadcast_rate=read.number("BROADCAST_RATE", 0.1, 1000.0),
        metrics_port=read.number("METRICS_PORT", 0, 65_535),
        metrics_host=read.text("METRICS_HOST"),
        flood_backoff_chats=read.number("FLOOD_BACKOFF_CHATS", 1, 10_000),
        api_max_retries=read.number("API_MAX_RETRIES", 0, 100),
        api_retry_seconds=read.number("API_RETRY_SECONDS", 0.0, 3600.0),
        conflict_exit_seconds=read.number("CONFLICT_EXIT_SECONDS", 1.0, 3600.0),
        api_concurrency=read.number("API_CONCURRENCY", 1, 256),
        concurrent_updates=read.number("CONCURRENT_UPDATES", 1, 10_000),
        backup_dir=read.text("BACKUP_DIR"),
        backup_keep=read.number("BACKUP_KEEP", 1, 1000),
        backup_time=backup_time,
        heartbeat_file=read.raw("HEARTBEAT_FILE") or f"{database_path}.heartbeat",
        health_max_age=read.number("HEALTH_MAX_AGE", 3, 86_400),
        start_failure_delay=read.number("START_FAILURE_DELAY", 0, 3600),
        poll_timeout=read.number("POLL_TIMEOUT", 1, 50),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_domain=webhook_domain,
        webhook_max_connections=read.number("WEBHOOK_MAX_CONNECTIONS", 1, 100),
        webhook_listen=read.text("WEBHOOK_LISTEN"),
        webhook_port=read.number("WEBHOOK_PORT", 1, 65_535),
        allowed_message_types=frozenset(allowed_types),
    )
    read.check(
        config.vip_subscription_stars <= MAX_SUBSCRIPTION_STARS,
        f"VIP_SUBSCRIPTION_STARS must be set to at most {MAX_SUBSCRIPTION_STARS} (Telegram's limit for a subscription)"
        f" when VIP_PRICE_STARS is {config.vip_price_stars}",
    )
    # The heartbeat is refreshed after each long poll, which lasts up to POLL_TIMEOUT when idle.
    read.check(
        config.health_max_age > config.poll_timeout + 2,
        f"HEALTH_MAX_AGE must exceed POLL_TIMEOUT by more than 2 seconds, got {config.health_max_age}"
        f" and {config.poll_timeout}",
    )
    if read.problems:
        raise ConfigError(read.problems)
    return config
