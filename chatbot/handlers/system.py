"""The bot's own upkeep: the one error handler, the activity log's minute, the hourly housekeeping,
and forgetting what went idle."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import cast

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Conflict, NetworkError
from telegram.ext import JobQueue

from chatbot.ops import metrics
from chatbot.handlers.channels import channel_checks
from chatbot.telegram_io import http, profile, webhook
from chatbot.telegram_io.pacing import Interrupted, Undelivered
from chatbot.handlers.common import Context, Services
from config import mask_token

logger = logging.getLogger(__name__)


def _glibc() -> ctypes.CDLL | None:
    """glibc, for malloc_trim; None elsewhere (musl, macOS), where nothing is trimmed."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()

# How often entries idle past their window are forgotten: the shortest window (MESSAGE_RATE_WINDOW's
# default) is 10 s, so an idle user's entries live at most about twice their window.
FORGET_IDLE_SECONDS = 10
# How often freed memory is handed back to the system (a full collection and malloc_trim: a few ms).
RELEASE_MEMORY_SECONDS = 60


async def error_handler(update: object, context: Context) -> None:
    """Logs a failure once and tells the user what it means for them; never raises itself."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, Interrupted):
        # Not handled, not lost: the journal replays it at the next start.
        if update_id is not None:
            context.services.update_processor.leave_unfinished(update_id)
        logger.info("Update %s left for the next start: %s", update_id, error)
        return
    if update is None and isinstance(error, Conflict):
        await conflict(context, error)
        return
    if update is None and isinstance(error, NetworkError):
        # getUpdates failed (Telegram unreachable, a 5xx, a timeout): PTB polls again with a backoff.
        logger.warning("Polling failed, trying again: %s", error)
        return
    metrics.HANDLER_ERRORS.inc()
    if isinstance(error, Undelivered):
        # Telegram kept failing for API_RETRY_SECONDS: a known outage, said in one line, no traceback.
        logger.warning("Update %s not delivered: %s", update_id, error)
        key = "not_delivered"
    else:
        logger.error("Exception while handling update %s", update_id, exc_info=error)
        key = "error"
    if not (isinstance(update, Update) and update.effective_user and update.effective_chat):
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    try:
        await context.say(update.effective_user.id, key)
    except Exception as exc:  # noqa: BLE001 - the error handler is the last stop: nothing may escape it
        logger.warning("Could not tell user %s of the failure of update %s: %s", update.effective_user.id, update_id, exc)


async def conflict(context: Context, error: Conflict) -> None:
    """getUpdates answered 409: another process takes this bot's updates."""
    in_conflict(context, f"Telegram answers 409 Conflict ({error.message})")


async def webhook_watch_job(context: Context) -> None:
    """Webhook mode's heartbeat: Telegram still sends to WEBHOOK_URL (else a conflict), and its delivery errors said once."""
    s: Services = context.services
    assert context.job is not None and isinstance(context.job.data, webhook.WebhookWatch)
    watch = context.job.data
    info = await context.bot.get_webhook_info()
    if not watch.ours(info):
        in_conflict(context, f"Telegram's webhook is now {mask_token(info.url, s.config.bot_token)!r}, not WEBHOOK_URL")
        return
    s.conflicts.polled()
    http.beat(s.config.heartbeat_file)
    error = watch.new_error(info)
    if error:
        logger.warning(
            "Telegram reports a failed webhook delivery: %s (%s updates pending; it sends them again)",
            error, info.pending_update_count,
        )  # fmt: skip


def in_conflict(context: Context, seen: str) -> None:
    """Another process takes this bot's updates (`seen`: how it showed). Said once per streak; after
    CONFLICT_EXIT_SECONDS of it with no good poll or webhook check between, the bot stops (main()
    exits with 1)."""
    watch = context.services.conflicts
    first, give_up = watch.conflict(time.monotonic())
    if first:
        logger.error(
            "%s: another process takes this bot's updates, a second copy of the bot with this token (by"
            " polling or webhook), or a webhook set or deleted elsewhere. Only one may run; exiting if this"
            " lasts %g s (CONFLICT_EXIT_SECONDS)",
            seen, watch.exit_after,
        )  # fmt: skip
        # PTB types CallbackContext.job_queue with an unbound type variable; it is this context's queue.
        job_queue = cast("JobQueue[Context] | None", context.job_queue)
        assert job_queue is not None
        job_queue.run_once(conflict_deadline_job, watch.exit_after, data=watch.since, name="conflict deadline")
    if give_up:
        stop_for_conflict(context)


async def conflict_deadline_job(context: Context) -> None:
    """CONFLICT_EXIT_SECONDS after a conflict began: the bot stops if no good poll came since."""
    assert context.job is not None and isinstance(context.job.data, float)
    if context.services.conflicts.outlasted(context.job.data):
        stop_for_conflict(context)


def stop_for_conflict(context: Context) -> None:
    """Stop the bot (main() then exits with 1), once."""
    watch = context.services.conflicts
    if watch.stop_once():
        logger.critical("Still in conflict after %g s: exiting", watch.exit_after)
        context.application.stop_running()
        if not watch.polls_in_flight:  # PTB sleeps before its next poll: no need to wait that out
            http.cut_polling_wait(context.application.updater)


async def bot_profile_job(context: Context) -> None:
    """Sets the command menus and the profile texts, once, as polling starts: a dozen calls that need
    not delay the first poll (on a real link each is a round trip)."""
    s: Services = context.services
    await profile.set_bot_profile(context.bot, s.config.admin_ids, s.lang)


async def activity_job(context: Context) -> None:
    """Writes the last minute's activity (who sent anything, who searched) for /stats."""
    context.services.activity.flush(context.services.db)


async def housekeeping_job(context: Context) -> None:
    """Expires ended VIPs; deletes what the retention periods say; forgets old journaled updates,
    expired requests to chat again, offers of ended chats and steps of flows left half-way."""
    s: Services = context.services
    now = datetime.now(timezone.utc)
    expired = s.db.payments.expire_vips()
    left = s.db.conversations.expire(now - timedelta(days=s.config.flow_expire_days))
    if left:
        logger.info("Housekeeping: %s steps of flows left for FLOW_EXPIRE_DAYS forgotten", left)
    s.db.rematches.expire(now - timedelta(minutes=s.config.rematch_minutes))
    s.db.reveals.drop_ended()
    maps, chats = s.db.privacy.prune_old_chats(s.config.chat_retention_days, s.config.report_evidence_hours)
    logger.info("Housekeeping: %s reply maps past REPORT_EVIDENCE_HOURS and %s old chats deleted", maps, chats)
    pruned = s.db.journal.prune()
    logger.debug("Housekeeping: %s VIPs expired, %s journaled updates dropped", expired, pruned)


async def release_memory_job(context: Context) -> None:
    """Hands freed memory back to the system: after a wave of users goes idle, glibc keeps the freed
    heap for reuse, so the process would stay at its peak; malloc_trim returns it."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


async def forget_idle_job(context: Context) -> None:
    """Forgets what is kept per user or chat once it is idle past its window (rate-limit entries,
    per-chat pace, channel checks), so memory follows the active users, not everyone ever seen."""
    s: Services = context.services
    dropped = s.action_limiter.cleanup() + s.message_limiter.cleanup()
    dropped += channel_checks(context.bot_data).forget_older_than(s.config.channel_check_cache_seconds)
    dropped += s.pacing.forget_idle()
    application = context.application
    if application.persistence is None:
        # PTB notes the id of every user and chat it sees for a persistence run to save their data,
        # and only that run clears them; with no persistence they would grow with every stranger.
        # No public API clears them: the private sets are emptied here (nothing else reads them).
        dropped += len(application._user_ids_to_be_updated_in_persistence)
        application._user_ids_to_be_updated_in_persistence.clear()
        application._chat_ids_to_be_updated_in_persistence.clear()
    if dropped:
        logger.debug("Forgot %s idle rate-limit, pacing and channel-check entries", dropped)
