"""/invite: the user's own invite link, and what it brought; an invite link opened by someone new.

The link is `https://t.me/<bot>?start=<code>` with a random code (never the user id: the link must
not say who shared it). Someone not registered who opens it is noted (flows.Flow.INVITED) and
counted for the inviter when they register (registration.py); the inviter's reward comes with the
new user's first real chat (chatting.reward_inviters).
"""

from __future__ import annotations

import re

from telegram import Update

from chatbot.core.flows import Flow, Step
from chatbot.handlers.common import Context, user_of
from chatbot.telegram_io.sending import send_text

# What Telegram allows in a start parameter.
CODE = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")


async def invite_command(update: Update, context: Context) -> None:
    """Shows the user's invite link, how many joined through it and the VIP days it earned."""
    s = context.services
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    link = f"https://t.me/{context.bot.username}?start={s.db.invites.code_of(user_id)}"
    joined, days = s.db.invites.summary(user_id)
    text = context.text_for(
        user_id, "invite", link=link, joined=context.number(user_id, joined), days=context.number(user_id, days)
    )
    if s.config.referral_vip_days > 0:
        text += "\n" + context.text_for(
            user_id, "invite_reward_terms", reward=s.config.referral_vip_days, most=s.config.referral_max_per_month
        )
    await send_text(context.bot, user_id, text)


async def invited_start(update: Update, context: Context) -> None:
    """/start <code> from someone not registered: notes the code for their registration (then /start
    goes on as usual). Registered users, and anything that is not a code, change nothing."""
    s = context.services
    user_id = user_of(update).id
    code = (context.args or [""])[0]
    if CODE.match(code) and s.db.users.get(user_id) is None:
        s.conversations.move(user_id, Flow.INVITED, Step.REGISTER, code)
