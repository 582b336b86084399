"""Prometheus metrics (`METRICS_PORT`): what the bot counts, in one place, served by prometheus_client.

Each metric is a module-level object the features update (`metrics.MATCHES.inc()`); the gauges read
the state when scraped. Nothing here knows Telegram or the database.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

ACTIVE_CHATS = Gauge("chatbot_active_chats", "Chats open now")
SEARCH_QUEUE = Gauge("chatbot_search_queue_length", "Users waiting for a partner")
UPDATES = Counter("chatbot_updates", "Updates received from Telegram", ["type"])
RELAYED = Counter("chatbot_relayed_messages", "Messages copied to a partner", ["kind"])
RELAY_LATENCY = Histogram(
    "chatbot_relay_latency_seconds",
    "From receiving a message to its copy being sent",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MATCHES = Counter("chatbot_matches", "Partners paired")
REPORTS = Counter("chatbot_reports", "Reports (⛔ with a reason)")
BANS = Counter("chatbot_bans", "Bans, by admins and automatic")
PAYMENTS = Counter("chatbot_payments", "Payments received (renewals included)")
STARS = Counter("chatbot_stars", "Telegram Stars received")
TELEGRAM_ERRORS = Counter("chatbot_telegram_errors", "Errors answered by Telegram", ["error"])
HANDLER_ERRORS = Counter("chatbot_handler_errors", "Updates whose handler raised (the error handler's count)")


def error_label(exc: TelegramError) -> str:
    """403, 429, other 4xx, 5xx or network: the error's family."""
    if isinstance(exc, Forbidden):
        return "403"
    if isinstance(exc, RetryAfter):
        return "429"
    if isinstance(exc, BadRequest):
        return "other_4xx"
    if isinstance(exc, TimedOut):
        return "network"
    if isinstance(exc, NetworkError):
        # PTB raises NetworkError both for a failed connection (the httpx error in its message) and
        # for an answer with an unexpected status, which from Telegram means a 5xx.
        text = exc.message.lower()
        return "network" if "httpx" in text or "http implementation" in text or "connect" in text else "5xx"
    return "other_4xx"


def serve(port: int, host: str, chats: Callable[[], int], queue: Callable[[], int]) -> None:
    """Start the /metrics endpoint in a thread; the gauges read the state on every scrape."""
    ACTIVE_CHATS.set_function(chats)
    SEARCH_QUEUE.set_function(queue)
    start_http_server(port, addr=host)
