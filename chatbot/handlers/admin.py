"""Admin tools: /stats (figures, the last 1, 7 and 30 days' analytics, two 30-day charts), and backups
(/backup and the daily job)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

from telegram import Update

from chatbot.telegram_io.sending import send_photo, send_text
from chatbot.handlers.common import Context, Services, user_of
from utils import TextFormatter, render_activity_chart

logger = logging.getLogger(__name__)

# Series of db.analytics.daily_activity -> the text key of its line, for each of the two charts.
CHART_LINES = {"new_users": "chart_new_users", "chats_started": "chart_chats_started", "reports": "chart_reports",
               "vip_purchases": "chart_vip_purchases"}  # fmt: skip
CHART2_LINES = {"active_users": "chart_active_users", "stars": "chart_stars"}


async def stats_command(update: Update, context: Context) -> None:
    """Admin: users, bans, VIPs, live chats and today's activity, then a 30-day chart."""
    s = context.services
    admin_id = user_of(update).id
    # Count activity up to now, not up to the last minute's flush: written here, on the event loop's
    # thread that owns the log, and committed before the queries' worker thread starts its reads.
    s.activity.flush(s.db)
    f = s.db.analytics.figures()
    rate, p95 = s.relay_stats.summary()
    n = context.number
    lang = s.lang(admin_id)
    text = context.text_for(
        admin_id,
        "stats",
        relay_rate=n(admin_id, rate, 1),
        relay_p95=n(admin_id, round(p95 * 1000)) if p95 is not None else "-",
        users=n(admin_id, f.users),
        banned=n(admin_id, f.banned),
        vip=n(admin_id, f.vip),
        active_chats=n(admin_id, s.state.chat_count),
        searching=n(admin_id, len(s.state.search_queue)),
        chats_today=n(admin_id, f.chats_today),
        reports_today=n(admin_id, f.reports_today),
    )
    text += context.text_for(admin_id, "blocked_line", blocked=n(admin_id, s.db.analytics.blocked_total()))
    # Up to a second on 100,000 users (benchmarks/stats_benchmark.py): in a thread with its own
    # connection, so chats go on meanwhile.
    periods = await asyncio.to_thread(lambda: [s.db.analytics.period(days) for days in (1, 7, 30)])
    for a, period_key in zip(periods, ("stats_today", "stats_7_days", "stats_30_days"), strict=True):
        registered = a["registered"]
        text += "\n\n" + context.text_for(
            admin_id,
            "stats_period",
            period=context.text_for(admin_id, period_key),
            active=n(admin_id, a["active"]),
            registered=n(admin_id, registered),
            chats=n(admin_id, a["chats"]),
            median=TextFormatter.duration(timedelta(seconds=a["median_chat_seconds"]), lang),
            searched=n(admin_id, a["searched"]),
            searched_pct=TextFormatter.percent(a["searched"], registered, lang),
            chatted=n(admin_id, a["chatted"]),
            chatted_pct=TextFormatter.percent(a["chatted"], registered, lang),
            bought=n(admin_id, a["bought"]),
            bought_pct=TextFormatter.percent(a["bought"], registered, lang),
            earned=n(admin_id, a["stars_earned"]),
            refunded=n(admin_id, a["stars_refunded"]),
            blocked=n(admin_id, a["blocked"]),
            invited=n(admin_id, a["invited"]),
            invite_rewards=n(admin_id, a["invite_rewards"]),
        )
    await send_text(context.bot, admin_id, text)
    dates, series = await asyncio.to_thread(s.db.analytics.daily_activity, 30)
    lines = {context.text_for(admin_id, key): series[name] for name, key in CHART_LINES.items()}
    title = context.text_for(admin_id, "stats_chart_title")
    ylabel = context.text_for(admin_id, "stats_chart_ylabel")
    # Rendering takes a few hundred milliseconds: keep it off the event loop.
    png = await asyncio.to_thread(render_activity_chart, dates, lines, title, ylabel)
    await send_photo(context.bot, admin_id, png, context.text_for(admin_id, "stats_chart_caption"))
    lines = {context.text_for(admin_id, key): series[name] for name, key in CHART2_LINES.items()}
    png = await asyncio.to_thread(render_activity_chart, dates, lines, title, ylabel)
    await send_photo(context.bot, admin_id, png, context.text_for(admin_id, "stats_chart2_caption"))


async def backup_command(update: Update, context: Context) -> None:
    """Admin: back up the database now."""
    s = context.services
    admin_id = user_of(update).id
    try:
        path = await run_backup(s)
    except (OSError, sqlite3.Error) as exc:
        await context.say(admin_id, "backup_failed", error=exc)
        return
    size = max(1, path.stat().st_size // 1024)
    await context.say(admin_id, "backup_done", name=path.name, size=size, keep=s.config.backup_keep)


async def run_backup(services: Services) -> Path:
    """One online backup into BACKUP_DIR, in a worker thread (its own SQLite connection)."""
    path = await asyncio.to_thread(services.db.backup, services.config.backup_dir, services.config.backup_keep)
    logger.info("Database backed up to %s", path)
    return path


async def backup_job(context: Context) -> None:
    """The daily backup."""
    try:
        await run_backup(context.services)
    except (OSError, sqlite3.Error) as exc:
        logger.error("Daily backup into %s failed: %s", context.services.config.backup_dir, exc)
