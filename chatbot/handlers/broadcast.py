"""Announcements: an admin's /broadcast, then the message (flows.Flow.BROADCAST); a preview with
"📣 Send to N users" / "Cancel"; then a copy to every recipient at BROADCAST_RATE, one at a time.

How far it got is in SQLite, committed before each send: after a restart (SIGTERM or kill -9) it
goes on after the last recipient, so nobody gets it twice. Relays never wait for it: it sends as
bulk traffic, below BULK_RATE, one request at a time."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import cast

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.ext import JobQueue

from chatbot.telegram_io import callbacks
from database import Database
from chatbot.core.flows import Flow, Step
from chatbot.telegram_io.messages import message_kind
from chatbot.telegram_io.sending import Failure, answer, copy_announcement, edit_message, send_announcement, send_message
from chatbot.storage.broadcasts import Broadcast
from chatbot.handlers.common import Context, message_of, query_of, user_of
from utils import TextFormatter

logger = logging.getLogger(__name__)

# Kinds whose copy can carry the hint in its caption; other kinds get the hint as a second message.
CAPTIONED = frozenset({"photo", "video", "animation", "audio", "document", "voice"})
# Telegram's limits, in UTF-16 code units, for a message's text and for a caption.
MAX_TEXT, MAX_CAPTION = 4096, 1024
BATCH = 200
PROGRESS_EVERY = 2.0  # seconds between edits of the admin's progress message


async def broadcast_command(update: Update, context: Context) -> None:
    """Admin: asks for the announcement, or offers ⏹ Stop while one is going out."""
    s = context.services
    admin_id = user_of(update).id
    running = s.db.broadcasts.running()
    if running is not None:
        keyboard = context.keyboard(admin_id, [("btn_broadcast_stop", callbacks.BROADCAST.build(running.id, "stop"))])
        await context.say(admin_id, "broadcast_running", keyboard, sent=running.sent, total=running.total)
        return
    s.conversations.move(admin_id, Flow.BROADCAST, Step.MESSAGE)
    await context.say(admin_id, "broadcast_ask")


async def broadcast_message(update: Update, context: Context) -> None:
    """The announcement: kept as a draft, shown to the admin as recipients will see it, to confirm."""
    s = context.services
    admin_id = user_of(update).id
    message = message_of(update)
    kind = message_kind(message)
    if kind != "text" and kind not in s.config.allowed_message_types:
        await context.say(admin_id, "kind_blocked")
        return
    s.conversations.end(admin_id, Flow.BROADCAST)
    entities = message.entities if kind == "text" else message.caption_entities
    draft_id = s.db.broadcasts.create(
        admin_id,
        message.message_id,
        kind,
        message.text if kind == "text" else message.caption,
        json.dumps([e.to_dict() for e in entities or ()]),
    )
    draft = s.db.broadcasts.get(draft_id)
    if draft is None:
        raise LookupError(f"announcement {draft_id} was just created and is gone")
    await deliver(context, draft, admin_id)
    n = context.number(admin_id, s.db.broadcasts.recipient_count())
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.text_for(admin_id, "btn_broadcast_send", n=n), callback_data=callbacks.BROADCAST.build(draft_id, "send")
                ),
                InlineKeyboardButton(
                    context.text_for(admin_id, "btn_broadcast_cancel"), callback_data=callbacks.BROADCAST.build(draft_id, "cancel")
                ),
            ]
        ]
    )
    await send_message(context.bot, admin_id, context.text_for(admin_id, "broadcast_preview"), keyboard)


async def broadcast_callback(update: Update, context: Context) -> None:
    """📣 Send to N users / Cancel on the preview, ⏹ Stop while it runs (admins only)."""
    s = context.services
    query = query_of(update)
    admin_id = query.from_user.id
    fields = callbacks.BROADCAST.parse(query.data)
    if admin_id not in s.config.admin_ids or fields is None:
        await answer(query, context.text_for(admin_id, "button_invalid"))
        return
    broadcast_id, action = int(fields[0]), fields[1]
    if action == "cancel":
        done = s.db.broadcasts.cancel(broadcast_id)
        await answer(query, None if done else context.text_for(admin_id, "button_invalid"))
        if done and isinstance(query.message, Message):
            await edit_message(context.bot, admin_id, query.message.message_id, context.text_for(admin_id, "broadcast_cancelled"))
        return
    if action == "stop":
        stopped = s.db.broadcasts.stop(broadcast_id)
        await answer(query, None if stopped else context.text_for(admin_id, "button_invalid"))
        return
    progress_id = query.message.message_id if isinstance(query.message, Message) else None
    if not s.db.broadcasts.start(broadcast_id, s.db.broadcasts.recipient_count(), progress_id):
        busy = s.db.broadcasts.running() is not None
        await answer(query, context.text_for(admin_id, "broadcast_busy" if busy else "button_invalid"))
        return
    await answer(query)
    logger.info("Admin %s started announcement %s", admin_id, broadcast_id)
    schedule(context.job_queue, broadcast_id)


def schedule(job_queue: object, broadcast_id: int) -> None:
    """Run the announcement's sending loop as a job (at start, to resume one a restart cut short)."""
    queue = cast("JobQueue[Context] | None", job_queue)
    if queue is None:
        raise RuntimeError("announcements need the job queue (python-telegram-bot[job-queue])")
    queue.run_once(broadcast_job, 0, data=broadcast_id, name=f"broadcast {broadcast_id}")


async def broadcast_job(context: Context) -> None:
    """Send the announcement to every recipient after its cursor, at BROADCAST_RATE, editing the progress."""
    s = context.services
    broadcast_id = int(cast(int, context.job.data if context.job else 0))
    b = s.db.broadcasts.get(broadcast_id)
    if b is None or b.status != "running":
        return
    limiter = AsyncLimiter(1, 1 / s.config.broadcast_rate)
    counts = {"sent": b.sent, "failed": b.failed, "blocked": b.blocked}
    cursor, began, shown = b.cursor, time.monotonic(), 0.0
    status = "done"
    while status == "done":
        batch = s.db.broadcasts.recipients_after(cursor, BATCH)
        if not batch:
            break
        for user_id in batch:
            await limiter.acquire()
            if not context.application.running:
                status = "interrupted"  # the bot is stopping: a restart goes on from the cursor
                break
            current = s.db.broadcasts.get(broadcast_id)
            if current is None or current.status != "running":
                status = "stopped"
                break
            # Counted as sent before it goes: after a crash now it is not sent again, so it was
            # most likely delivered (Telegram had the request). A failure corrects the count.
            counts["sent"] += 1
            s.db.broadcasts.advance(broadcast_id, user_id, **counts)
            cursor = user_id
            result = await deliver(context, b, user_id, bulk=True)
            if isinstance(result, Failure):
                counts["sent"] -= 1
                counts["blocked" if result is Failure.GONE else "failed"] += 1
                if result is Failure.GONE:
                    s.db.users.mark_blocked(user_id)
            if time.monotonic() - shown > PROGRESS_EVERY:
                shown = time.monotonic()
                await show_progress(context, b, counts, "broadcast_progress")
    if status == "done":
        s.db.broadcasts.finish(broadcast_id, "done", **counts)
    else:
        s.db.broadcasts.advance(broadcast_id, cursor, **counts)
    logger.info("Announcement %s %s: %s", broadcast_id, status, counts)
    if status != "interrupted":
        key = "broadcast_done" if status == "done" else "broadcast_stopped"
        await show_progress(context, b, counts, key, time.monotonic() - began)


async def show_progress(context: Context, b: Broadcast, counts: dict[str, int], key: str, took: float = 0.0) -> None:
    """Edit the admin's progress message: sent, failed, blocked, and the time left or taken."""
    s = context.services
    admin_id, total = b.admin_id, b.total
    done = sum(counts.values())
    left = max(0, total - done) / s.config.broadcast_rate
    lang = s.lang(admin_id)
    sent, failed, blocked = counts["sent"], counts["failed"], counts["blocked"]
    if key == "broadcast_progress":
        left_text = TextFormatter.duration(timedelta(seconds=left), lang)
        text = context.text_for(
            admin_id, "broadcast_progress", sent=sent, failed=failed, blocked=blocked, total=total, left=left_text
        )
    elif key == "broadcast_done":
        took_text = TextFormatter.duration(timedelta(seconds=took), lang)
        text = context.text_for(
            admin_id, "broadcast_done", sent=sent, failed=failed, blocked=blocked, total=total, took=took_text
        )
    else:
        text = context.text_for(admin_id, "broadcast_stopped", sent=sent, failed=failed, blocked=blocked, total=total)
    if b.progress_message_id:
        await edit_message(context.bot, admin_id, b.progress_message_id, text)


async def deliver(context: Context, b: Broadcast, user_id: int, bulk: bool = False) -> object:
    """The announcement to one person, ending with the hint on turning announcements off (in the same
    message where it fits, else as a second one)."""
    hint = context.text_for(user_id, "announcement_hint")
    kind, text = b.kind, b.text
    entities = MessageEntity.de_list(json.loads(b.entities), context.bot)
    body = f"{text}\n\n{hint}" if text else hint
    if kind == "text" and utf16_length(body) <= MAX_TEXT:
        return await send_announcement(context.bot, user_id, body, entities, bulk)
    if kind in CAPTIONED and utf16_length(body) <= MAX_CAPTION:
        return await copy_announcement(context.bot, user_id, b.admin_id, b.message_id, body, entities, bulk)
    result = await copy_announcement(context.bot, user_id, b.admin_id, b.message_id, None, (), bulk)
    if not isinstance(result, Failure):
        await send_announcement(context.bot, user_id, hint, (), bulk)
    return result


def utf16_length(text: str) -> int:
    """Telegram counts message and caption lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def resume(job_queue: object, db: Database) -> None:
    """After a restart, go on with an announcement that was running."""
    running = db.broadcasts.running()
    if running is not None:
        logger.warning("Resuming announcement %s after recipient %s", running.id, running.cursor)
        schedule(job_queue, running.id)
