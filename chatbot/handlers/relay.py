"""The relay: every message of a chat is copied (never forwarded: a forward shows who sent it) to the
partner, albums as albums, replies as replies, edits and standard emoji reactions mirrored; copies
protected if the sender asks, photos, videos and animations covered if the reader asks; and what
happens when a user blocks the bot. It only relays: which message reaches it is the registrar's
routes (bot.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import cast

from telegram import InputMediaPhoto, InputMediaVideo, Message, ReactionTypeEmoji, ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import JobQueue

from chatbot.ops import metrics
from chatbot.handlers.chatting import partner_gone
from chatbot.handlers.moderating import strike
from chatbot.telegram_io.albums import Albums, PendingAlbum
from chatbot.telegram_io.messages import message_kind, visible_text
from chatbot.telegram_io.sending import (
    COVERABLE,
    Failure,
    copy,
    copy_album,
    covered_media,
    mirror_edit,
    mirror_reaction,
    send_covered,
    send_covered_album,
)
from chatbot.handlers.common import Context, message_of, user_of
from chatbot.core.pairing import Pairing
from utils import TextFormatter

logger = logging.getLogger(__name__)

# Telegram delivers the messages of an album within a moment of each other; wait this long after
# the first one before copying the album as one.
ALBUM_COLLECT_SECONDS = 0.8


async def relay_message(update: Update, context: Context) -> None:
    """Copies a message to the partner (as a reply where it answers one), unless it is refused."""
    s = context.services
    message = message_of(update)
    user_id = user_of(update).id
    pairing = s.state.active_chats.get(user_id)
    if pairing is None:
        return  # the chat ended between the route's filter and now (an earlier handler of this user)
    kind = message_kind(message)
    if await held_back(context, user_id, kind):
        return
    reason = "contact_blocked" if kind == "contact" else s.message_filter.check(*visible_text(message))
    if kind not in ("text", "contact") and kind not in s.config.allowed_message_types:
        await context.say(user_id, "kind_blocked")
        return
    if message.media_group_id:
        await collect_album(context, user_id, message, message.media_group_id, reason)
        return
    if reason:
        await refuse(context, user_id, reason)
        return
    reply_to = None
    if message.reply_to_message:
        peer_id = s.db.chats.peer_message(user_id, message.reply_to_message.message_id, pairing.chat_id)
        if peer_id is not None:
            reply_to = ReplyParameters(peer_id, allow_sending_without_reply=True)
    protect = s.db.users.chat_options(user_id)[0]
    covered = covered_media(message) if kind in COVERABLE else None
    if covered is not None and s.db.users.chat_options(pairing.partner_id)[1]:
        result = await send_covered(context.bot, pairing.partner_id, covered, reply_to, protect)
    else:
        result = await copy(context.bot, pairing.partner_id, user_id, message.message_id, reply_to, protect)
    if isinstance(result, Failure):
        await not_delivered(context, user_id, pairing, result)
        return
    s.relay_stats.relayed(update.update_id)
    metrics.RELAYED.labels(kind).inc()
    pairs = [(message.message_id, result.message_id)]
    s.db.chats.map_messages(pairing.chat_id, user_id, pairing.partner_id, pairs)


async def held_back(context: Context, user_id: int, kind: str) -> bool:
    """A muted user's messages, and a new account's media, are not relayed; the user is told for how long."""
    s = context.services
    muted = s.db.moderation.muted_until(user_id)
    if muted is not None:
        left = muted - datetime.now(timezone.utc)
        await context.say(user_id, "muted", duration=TextFormatter.duration(left, s.lang(user_id)))
        return True
    if kind == "text" or not s.config.new_user_media_hold_minutes:
        return False
    user = s.db.users.get(user_id)
    hold = timedelta(minutes=s.config.new_user_media_hold_minutes)
    left = user.created_at + hold - datetime.now(timezone.utc) if user else timedelta(0)
    if left <= timedelta(0):
        return False
    await context.say(user_id, "media_hold", duration=TextFormatter.duration(left, s.lang(user_id)))
    return True


async def refuse(context: Context, user_id: int, reason: str) -> None:
    """The filter refused a message: a strike. Three in 10 minutes mute the user; else they hear why."""
    s = context.services
    muted = strike(s.db, user_id)
    if muted is None:
        await context.say(user_id, reason)
        return
    logger.info("User %s muted until %s", user_id, muted)
    left = muted - datetime.now(timezone.utc)
    await context.say(user_id, "muted_now", duration=TextFormatter.duration(left, s.lang(user_id)))


async def not_delivered(context: Context, user_id: int, pairing: Pairing, failure: Failure) -> None:
    """A copy did not reach the partner: they left the bot, or Telegram refused this message."""
    if failure is Failure.GONE:
        await partner_gone(context, pairing.partner_id)
    elif failure is Failure.REFUSED:
        await context.say(user_id, "kind_blocked")


async def collect_album(
    context: Context, user_id: int, message: Message, media_group_id: str, reason: str | None
) -> None:
    """Add a message to the user's pending album; the first one schedules the album's copy."""
    albums = context.bot_data.owned(Albums)
    album = albums.get(user_id)
    if album is not None and album.media_group_id != media_group_id:
        await flush_album(context, user_id)  # a new album began: the last one goes first
        album = None
    if album is None:
        album = albums[user_id] = PendingAlbum(media_group_id)
        # PTB types CallbackContext.job_queue with an unbound type variable; it is this context's queue.
        job_queue = cast("JobQueue[Context] | None", context.job_queue)
        if job_queue is None:
            raise RuntimeError("albums need the job queue (python-telegram-bot[job-queue])")
        job_queue.run_once(
            album_job, ALBUM_COLLECT_SECONDS, data=media_group_id, user_id=user_id, chat_id=user_id
        )
    album.message_ids.append(message.message_id)
    covered = covered_media(message)
    album.covered[message.message_id] = covered if isinstance(covered, (InputMediaPhoto, InputMediaVideo)) else None
    album.blocked = album.blocked or reason


async def album_job(context: Context) -> None:
    """Copies a collected album once Telegram has delivered all of it, in turn with the user's updates."""
    job = context.job
    if job is None or job.user_id is None:
        return
    async with context.services.update_processor.serialized(job.user_id):
        album = context.bot_data.owned(Albums).get(job.user_id)
        # Only this job's album: a later one, begun since, has its own timer.
        if album is not None and album.media_group_id == job.data:
            await flush_album(context, job.user_id)


async def pending_album_first(update: Update, context: Context) -> None:
    """Copies a waiting album before anything else the user does (a message, /stop, ...), keeping order."""
    user = update.effective_user
    album = context.bot_data.owned(Albums).get(user.id) if user else None
    if user is None or album is None:
        return
    message = update.message
    if message is None or message.media_group_id != album.media_group_id:
        await flush_album(context, user.id)


async def flush_album(context: Context, user_id: int) -> None:
    """Copy the user's pending album, if any, to their partner as one album."""
    s = context.services
    album = context.bot_data.owned(Albums).pop(user_id, None)
    if album is None:
        return
    if album.blocked:
        await refuse(context, user_id, album.blocked)
        return
    pairing = s.state.active_chats.get(user_id)
    if pairing is None:
        return
    message_ids = sorted(album.message_ids)
    protect = s.db.users.chat_options(user_id)[0]
    covered = [album.covered.get(i) for i in message_ids]
    if s.db.users.chat_options(pairing.partner_id)[1] and all(m is not None for m in covered):
        media = [m for m in covered if m is not None]
        copies = await send_covered_album(context.bot, pairing.partner_id, media, protect)
    else:
        copies = await copy_album(context.bot, pairing.partner_id, user_id, message_ids, protect)
    if isinstance(copies, Failure):
        await not_delivered(context, user_id, pairing, copies)
        return
    metrics.RELAYED.labels("album").inc(len(copies))
    pairs = list(zip(message_ids, (c.message_id for c in copies), strict=True))
    s.db.chats.map_messages(pairing.chat_id, user_id, pairing.partner_id, pairs)


async def edited_message(update: Update, context: Context) -> None:
    """Mirrors an edited text or caption onto the partner's copy (never runs a command)."""
    s = context.services
    message = update.edited_message
    user_id = user_of(update).id
    pairing = s.state.active_chats.get(user_id)
    peer_message_id = s.db.chats.peer_message(user_id, message.message_id, pairing.chat_id) if pairing and message else None
    if message is None or pairing is None or peer_message_id is None:
        return  # not a message of the current chat
    if s.db.moderation.muted_until(user_id):
        return  # a muted user's edits are not mirrored either (they were told of the mute)
    reason = s.message_filter.check(*visible_text(message))
    if reason:
        await context.say(user_id, "edit_blocked", reason=context.text_for(user_id, reason))
        return
    entities = message.entities if message.text is not None else message.caption_entities
    failure = await mirror_edit(
        context.bot, pairing.partner_id, peer_message_id, message.text, message.caption, entities
    )
    if failure is Failure.GONE:
        await partner_gone(context, pairing.partner_id)


async def reaction_update(update: Update, context: Context) -> None:
    """Mirrors a standard emoji reaction, set or taken off, on a message of the current chat onto the
    other side's copy (a bot sets one reaction: the newest). Custom-emoji and paid reactions, and
    reactions on a message of an earlier chat, reach nobody."""
    s = context.services
    change = update.message_reaction
    user_id = change.user.id if change and change.user else None
    pairing = s.state.active_chats.get(user_id) if user_id else None
    if change is None or user_id is None or pairing is None or change.chat.id != user_id:
        return  # not in a chat, or a reaction elsewhere (a group the bot is in): message ids differ there
    if s.db.moderation.muted_until(user_id):
        return  # a muted user's reactions are not mirrored, as their edits are not
    peer_message_id = s.db.chats.peer_message(user_id, change.message_id, pairing.chat_id)
    if peer_message_id is None:
        return
    new = [r.emoji for r in change.new_reaction if isinstance(r, ReactionTypeEmoji)]
    old = [r.emoji for r in change.old_reaction if isinstance(r, ReactionTypeEmoji)]
    if new == old:
        return  # only a custom-emoji or paid reaction changed
    await mirror_reaction(context.bot, pairing.partner_id, peer_message_id, new[-1] if new else None)


async def my_chat_member_update(update: Update, context: Context) -> None:
    """A user who blocked the bot: their chat ends, they leave the queue and get no announcements; a
    user who unblocks it gets them again."""
    change = update.my_chat_member
    # Only a change in the user's own private chat means they blocked the bot; being removed from
    # a group or channel they run says nothing about their anonymous chat.
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        logger.info("User %s blocked the bot", change.from_user.id)
        context.services.db.users.mark_blocked(change.from_user.id)
        await partner_gone(context, change.from_user.id)
    elif change.new_chat_member.status == ChatMemberStatus.MEMBER:
        context.services.db.users.mark_blocked(change.from_user.id, blocked=False)
