"""The operator's side: logging set-up and the command-line modes `--check [--online]`, `--health`
and `--restore FILE`, each answering with one line per problem and an exit code (0 fine, 1 unhealthy,
2 a configuration problem: systemd does not restart on 2).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import os
import sqlite3
import sys
import time
from pathlib import Path

from telegram import Bot, WebhookInfo
from telegram.constants import ChatMemberStatus
from telegram.error import Conflict, TelegramError

from chatbot.ops import instance
from config import Config, mask_token
from database import SCHEMA_VERSION, Database


def setup_logging(config: Config) -> None:
    """Log to stdout and, if LOG_FILE is set, to a rotating file."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if config.log_file:
        handlers.append(
            logging.handlers.RotatingFileHandler(config.log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
        )
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=config.log_level, handlers=handlers, force=True
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # PTB logs whole updates, message text included, at DEBUG: never go below INFO there.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(config.log_level)))
    if config.log_level != "DEBUG":
        # A filter applies to its own logger's records only, not to those of the loggers below it.
        for name in ("telegram.ext", "telegram.ext.Updater"):
            logging.getLogger(name).addFilter(drop_said_tracebacks)


def drop_said_tracebacks(record: logging.LogRecord) -> bool:
    """Tracebacks PTB logs for failures the bot says in one line of its own, kept for LOG_LEVEL=DEBUG:
    its start-up retry loop giving up (Telegram unreachable, a bad token), and its last getUpdates at
    shutdown answered 409 when the bot stops over a conflict (handlers/system.py)."""
    message = record.getMessage()
    if record.levelno >= logging.ERROR and message.startswith("Network Retry Loop"):
        return False
    error = record.exc_info[1] if record.exc_info else None
    return not (message.startswith("Error while calling `get_updates` one more time") and isinstance(error, Conflict))


def check_setup(config: Config, online: bool) -> tuple[list[str], list[str]]:
    """Problems that would stop the bot (paths, database, and with `online` the token and channels),
    and with `online` what Telegram says of the mode (lines for the operator)."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        Database(config.database_path).close()
    except (sqlite3.Error, RuntimeError) as exc:
        problems.append(f"DATABASE_PATH {config.database_path!r} cannot be opened: {exc}")
    for name, folder in (
        ("LOG_FILE", Path(config.log_file).parent if config.log_file else None),
        ("BACKUP_DIR", Path(config.backup_dir)),
        ("HEARTBEAT_FILE", Path(config.heartbeat_file).parent),
    ):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problems.append(f"{name}: cannot create {str(folder)!r}: {exc.strerror}")
            continue
        if not os.access(folder, os.W_OK):
            problems.append(f"{name}: {str(folder)!r} is not writable")
    if online:
        online_problems, notes = asyncio.run(check_online(config))
        problems += online_problems
    return problems, notes


async def check_online(config: Config) -> tuple[list[str], list[str]]:
    """The token works, and the bot is an admin of every required channel (so it can see members);
    and the mode, with what getWebhookInfo says."""
    bot = Bot(config.bot_token, base_url=f"{config.telegram_api_url}/bot")
    try:
        await bot.initialize()  # calls getMe
    except TelegramError as exc:
        return [f"BOT_TOKEN or TELEGRAM_API_URL: getMe failed: {exc.message}"], []
    problems = []
    notes = []
    try:
        try:
            notes = describe_mode(config, await bot.get_webhook_info())
        except TelegramError as exc:
            problems.append(f"getWebhookInfo failed: {exc.message}")
        for channel in config.required_channels:
            try:
                member = await bot.get_chat_member(channel, bot.id)
            except TelegramError as exc:
                problems.append(f"REQUIRED_CHANNELS: cannot check {channel} ({exc.message}); make the bot an admin there")
                continue
            if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
                problems.append(f"REQUIRED_CHANNELS: the bot is not an admin of {channel}, so it cannot see members")
    finally:
        await bot.shutdown()
    return problems, notes


def describe_mode(config: Config, info: WebhookInfo) -> list[str]:
    """The mode the settings choose, and Telegram's webhook (getWebhookInfo) beside it."""
    telegrams = mask_token(info.url, config.bot_token)  # some put the token in the URL's path
    pending = f"{info.pending_update_count} update(s) pending"
    error = ""
    if info.last_error_date:
        error = f"; last delivery error {info.last_error_date:%Y-%m-%d %H:%M:%S} UTC: {info.last_error_message}"
    if not config.webhook_url:
        lines = ["Mode: long polling (WEBHOOK_URL is empty)"]
        if info.url:
            lines.append(f"Telegram's webhook: {telegrams} ({pending}); the bot deletes it at start, keeping the updates")
        return lines
    lines = [f"Mode: webhook at {config.masked_webhook_url}, listening on {config.webhook_listen}:{config.webhook_port}"]
    if info.url == config.webhook_url:
        lines.append(f"Telegram's webhook: set to WEBHOOK_URL, {pending}, max {info.max_connections} connections{error}")
    else:
        lines.append(f"Telegram's webhook: {telegrams or 'not set'} ({pending}); the bot sets WEBHOOK_URL at start")
    return lines


def check_health(config: Config) -> tuple[bool, str]:
    """Whether the bot has heard from Telegram within HEALTH_MAX_AGE seconds: a long poll returned,
    or in webhook mode Telegram confirmed the webhook (asked every POLL_TIMEOUT seconds)."""
    what = "webhook check" if config.webhook_url else "poll"
    try:
        age = time.time() - Path(config.heartbeat_file).stat().st_mtime
    except OSError:
        return False, f"unhealthy: no heartbeat file {config.heartbeat_file}"
    if age > config.health_max_age:
        return False, f"unhealthy: the last {what} returned {age:.0f}s ago (limit {config.health_max_age}s)"
    return True, f"healthy: the last {what} returned {age:.0f}s ago"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: no option runs the bot; the others are operator modes."""
    parser = argparse.ArgumentParser(description="Anonymous chat bot for Telegram (long polling or webhook).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="validate settings and the database, then exit 0 or 2")
    parser.add_argument("--online", action="store_true", help="with --check: also call getMe, check the channels and report the mode")
    mode.add_argument("--health", action="store_true", help="exit 0 if the bot heard from Telegram lately, else 1")
    mode.add_argument("--restore", metavar="BACKUP", help="replace the database with a backup (stop the bot first)")
    args = parser.parse_args(argv)
    if args.online and not args.check:
        parser.error("--online goes with --check")
    return args


def run_mode(args: argparse.Namespace, config: Config) -> int:
    """Carry out --health, --check or --restore; returns the exit code."""
    if args.health:
        healthy, line = check_health(config)
        print(line)
        return 0 if healthy else 1
    if args.check:
        problems, notes = check_setup(config, args.online)
        for note in notes:
            print(note)
        for problem in problems:
            print(f"Configuration error: {problem}", file=sys.stderr)
        if not problems:
            print(f"Configuration OK (database schema version {SCHEMA_VERSION}{', online checks passed' if args.online else ''})")
        return 2 if problems else 0
    healthy, _ = check_health(config)
    if healthy:
        print("Refusing to restore: the bot seems to be running (fresh heartbeat). Stop it first.", file=sys.stderr)
        return 2
    try:
        lock = instance.hold(config.database_path)
    except instance.AlreadyRunning as exc:
        print(f"Refusing to restore: the bot is running on this database (pid {exc.pid}). Stop it first.", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 2
    try:
        Database.restore(args.restore, config.database_path)
    except (ValueError, sqlite3.Error) as exc:
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.close()
    print(f"Restored {config.database_path} from {args.restore}")
    return 0
