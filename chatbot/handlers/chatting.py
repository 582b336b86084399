"""The chat's life, shared by the features that start or end a chat (/search, /next, /stop, a ban, a
partner who blocked the bot, new preferences or VIP, 🔁 Chat again): pairing or queueing, telling
both sides (with the partner's rating and the interests they share), and ending a chat with the
👍 👎 ⛔ and 🔁 Chat again buttons, which may earn an inviter their reward."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import InlineKeyboardMarkup

from chatbot.core import interests, invites
from chatbot.core import payments as payment_rules
from chatbot.core.pairing import Pairing
from chatbot.handlers.common import Context
from chatbot.ops import metrics
from chatbot.storage.payments import REFERRAL
from chatbot.telegram_io import callbacks
from chatbot.telegram_io.sending import send_text
from utils import TextFormatter

logger = logging.getLogger(__name__)

# A partner gender preference (None: anyone) -> the text key that names it.
WHO = {None: "pref_anyone", "male": "pref_men", "female": "pref_women"}


def rating_keyboard(context: Context, user_id: int, chat_id: int) -> InlineKeyboardMarkup:
    """The 👍 👎 ⛔ buttons for one finished chat (handlers/ratings.py answers them), and 🔁 Chat again
    below them (handlers/rematch.py)."""
    ratings = (("btn_good", "good"), ("btn_bad", "bad"), ("btn_scam", "scam"))
    return context.keyboard(
        user_id,
        [(key, callbacks.RATE.build(chat_id, rating)) for key, rating in ratings],
        [("btn_chat_again", callbacks.AGAIN.build(chat_id))],
    )


def chat_again_keyboard(context: Context, user_id: int, chat_id: int) -> InlineKeyboardMarkup:
    """What stays of the buttons after a 👍: 🔁 Chat again."""
    return context.keyboard(user_id, [("btn_chat_again", callbacks.AGAIN.build(chat_id))])


async def search(context: Context, user_id: int) -> None:
    """Pair or queue the user, then tell whoever needs to know."""
    state = context.services.state
    context.services.activity.seen(user_id, searched=True)
    while True:
        pairing = state.pair_or_enqueue(user_id)
        if pairing is None:
            await say_searching(context, user_id)
            return
        # The waiting partner is told first: if they blocked the bot meanwhile, the chat is
        # dropped before this user ever hears of it, and the search goes on.
        if await announce_partner(context, pairing.partner_id, user_id):
            break
        logger.info("Queued user %s is gone; searching again for %s", pairing.partner_id, user_id)
        state.unpair(user_id)
    await announce_partner(context, user_id, pairing.partner_id)
    metrics.MATCHES.inc()
    logger.info("Chat %s started", pairing.chat_id)


async def search_again(context: Context, user_id: int) -> None:
    """A waiting user whose preferences or VIP changed may now fit someone else waiting: match them again."""
    if user_id in context.services.state.search_queue:
        await search(context, user_id)


async def say_searching(context: Context, user_id: int) -> None:
    """Tell a user they wait; a VIP with preferences hears whom for ("Searching for women aged 20–30...")."""
    seeker = context.services.state.seeker(user_id)
    if seeker is None or not seeker.is_vip(datetime.now(timezone.utc)) or not seeker.has_preferences():
        await context.say(user_id, "searching")
        return
    who = context.text_for(user_id, WHO[seeker.partner_gender])
    await context.say(user_id, "searching_for", who=who, min_age=seeker.age_min, max_age=seeker.age_max)


async def announce_partner(context: Context, user_id: int, partner_id: int) -> bool:
    """Tell the user a partner was found, with the partner's rating, the interests they share, whether
    the partner's messages are protected, and the partner's gender and age for a VIP; False if the
    user is gone."""
    s = context.services
    text = context.text_for(user_id, "partner_found")
    good, bad = s.db.chats.rating_counts(partner_id)
    if good or bad:
        rating = context.text_for(
            user_id, "partner_rating", good=context.number(user_id, good), bad=context.number(user_id, bad)
        )
    else:
        rating = context.text_for(user_id, "partner_rating_new")
    text += "\n\n" + rating
    shared = interests.topics(s.db.users.interests(user_id) & s.db.users.interests(partner_id))
    if shared:
        topics = ", ".join(context.text_for(user_id, f"topic_{topic}") for topic in shared)
        text += "\n" + context.text_for(user_id, "shared_interests", topics=topics)
    if s.db.users.chat_options(partner_id)[0]:
        text += "\n" + context.text_for(user_id, "partner_protected")
    if s.db.payments.vip_until(user_id):
        partner = s.db.users.get(partner_id)
        if partner:
            gender = TextFormatter.gender(partner.gender, s.lang(user_id))
            text += "\n\n" + context.text_for(user_id, "partner_info_vip", gender=gender, age=partner.age)
    else:
        text += "\n\n" + context.text_for(user_id, "vip_hint")
    return await send_text(context.bot, user_id, text)


async def finish_chat(context: Context, user_id: int, user_key: str | None, partner_key: str | None) -> Pairing | None:
    """End the user's chat and offer both sides a rating; a None text key skips that side."""
    s = context.services
    pairing = s.state.unpair(user_id)
    if pairing is None:
        return None
    logger.info("Chat %s ended", pairing.chat_id)
    s.db.reveals.take(pairing.chat_id)  # an offer to exchange profiles ends with its chat
    # Before anything is sent: a crash after the chat ended must not lose an inviter's reward.
    rewarded = reward_inviters(context, pairing.chat_id, user_id, pairing.partner_id)
    for who, key in ((user_id, user_key), (pairing.partner_id, partner_key)):
        if key is not None:
            text = f"{context.text_for(who, key)}\n\n{context.text_for(who, 'rate_prompt')}"
            await send_text(context.bot, who, text, rating_keyboard(context, who, pairing.chat_id))
    for inviter, until in rewarded:
        days = s.config.referral_vip_days
        await context.say(inviter, "invite_rewarded", days=days, until=context.when(inviter, until))
    return pairing


async def start_chat_with(context: Context, user_id: int, partner_id: int) -> bool:
    """Pair two users who agreed to chat again, if both are free, and tell both; False if either is
    in a chat or the partner has blocked the bot (then the chat never begins)."""
    state = context.services.state
    pairing = state.pair(user_id, partner_id)
    if pairing is None:
        return False
    if not await announce_partner(context, partner_id, user_id):
        # Only this chat: the presser's own updates may have moved on meanwhile.
        if state.active_chats.get(user_id) == pairing:
            state.unpair(user_id)
        return False
    await announce_partner(context, user_id, partner_id)
    metrics.MATCHES.inc()
    logger.info("Chat %s started (chatting again)", pairing.chat_id)
    return True


def reward_inviters(context: Context, chat_id: int, user_id: int, partner_id: int) -> list[tuple[int, datetime]]:
    """A side of this chat who joined through an invite and has just had their first real conversation
    (core.invites) earns their inviter REFERRAL_VIP_DAYS of VIP, at most REFERRAL_MAX_PER_MONTH a
    month. Returns (inviter, new VIP end) of each reward, for the caller to tell."""
    s = context.services
    days = s.config.referral_vip_days
    sides = (user_id, partner_id) if days > 0 else ()
    pending = [(u, inviter) for u in sides if (inviter := s.db.invites.pending_inviter(u)) is not None]
    if not pending or not invites.qualifies(s.db.chats.sent_counts(chat_id), user_id, partner_id):
        return []
    now = datetime.now(timezone.utc)
    rewarded = []
    other_side = {user_id: partner_id, partner_id: user_id}
    for invitee, inviter in pending:
        other = other_side[invitee]
        if other == inviter or s.db.invites.inviter_of(other) == inviter or s.db.moderation.is_banned(invitee):
            # A chat with the inviter (the reward would tell them who the partner was) or between two
            # of their invitees (farming) is not a stranger's real chat; nor is a banned user's.
            continue
        active = s.db.users.get(inviter) is not None and not s.db.moderation.is_banned(inviter)
        recent = s.db.invites.rewards_since(inviter, now - timedelta(days=invites.CAP_DAYS))
        outcome = invites.outcome(active, recent, s.config.referral_max_per_month)
        if outcome is invites.Outcome.REWARDED:
            # Granted before the referral is marked, once per invitee (the charge id): nothing is
            # granted twice, whatever stops between the two.
            grant = payment_rules.one_off_grant(s.db.payments.vip_until(inviter), days, now)
            _, until = s.db.payments.record_payment(
                f"referral:{invitee}", inviter, 0, payment_rules.STARS, "referral", grant.vip_from, grant.vip_until,
                kind=REFERRAL,
            )  # fmt: skip
            if s.db.invites.decide(invitee, outcome.value, days):
                rewarded.append((inviter, until))
        else:
            s.db.invites.decide(invitee, outcome.value)
        logger.info("Invite of user %s: %s", inviter, outcome.value)
    return rewarded


async def partner_gone(context: Context, gone_id: int) -> None:
    """The user blocked the bot: end their chat, tell the partner, drop them from the queue."""
    context.services.state.leave_queue(gone_id)
    await finish_chat(context, gone_id, None, "partner_left")
