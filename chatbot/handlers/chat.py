"""/search, /next and /stop, the search timeout, and the hint for a message outside any chat."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import Update

from chatbot.handlers.chatting import finish_chat, search
from chatbot.handlers.common import Context, user_of

logger = logging.getLogger(__name__)


async def search_command(update: Update, context: Context) -> None:
    """Pairs the user with a waiting searcher or puts them in the queue."""
    s = context.services
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    if user_id in s.state.active_chats:
        await context.say(user_id, "already_in_chat")
    elif user_id in s.state.search_queue:
        await context.say(user_id, "already_searching")
    else:
        await search(context, user_id)


async def next_command(update: Update, context: Context) -> None:
    """Ends the current chat, if any, and searches again."""
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    if user_id in context.services.state.search_queue:
        await context.say(user_id, "already_searching")
        return
    await finish_chat(context, user_id, "you_ended_chat", "partner_ended_chat")
    await search(context, user_id)


async def stop_command(update: Update, context: Context) -> None:
    """Ends the chat for both users, or leaves the queue."""
    s = context.services
    user_id = user_of(update).id
    if user_id in s.state.active_chats:
        await finish_chat(context, user_id, "you_ended_chat", "partner_ended_chat")
    elif s.state.leave_queue(user_id):
        await context.say(user_id, "search_stopped")
    else:
        await context.say(user_id, "nothing_to_stop")


async def search_timeout_job(context: Context) -> None:
    """Takes out of the queue whoever waited SEARCH_TIMEOUT_MINUTES, and tells them to search again."""
    minutes = context.services.config.search_timeout_minutes
    since = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    for user_id in context.services.state.waited_too_long(since):
        logger.info("User %s waited %s minutes; search stopped", user_id, minutes)
        await context.say(user_id, "search_timed_out", minutes=f"{minutes:g}")


async def hint_message(update: Update, context: Context) -> None:
    """A message outside any chat and any flow: what to do instead (wait, register, or search)."""
    s = context.services
    user_id = user_of(update).id
    if user_id in s.state.search_queue:
        await context.say(user_id, "still_searching")
    elif not s.db.users.get(user_id):
        await context.say(user_id, "not_registered")
    else:
        await context.say(user_id, "not_in_chat_hint")
