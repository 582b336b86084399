"""Registration: /start, the "✅ I've joined" button, gender, then age (flows.Flow.REGISTRATION)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from chatbot.telegram_io import callbacks
from chatbot.core.flows import Flow, Step
from chatbot.handlers.channels import channels_missing
from chatbot.telegram_io.profile import set_chat_commands
from chatbot.telegram_io.sending import answer, edit_text, remove_buttons, send_text
from chatbot.handlers.common import Context, message_of, query_of, user_of
from chatbot.i18n.texts import DEFAULT_LANGUAGE, LANGUAGES, t
from utils import AgeProblem, TextFormatter, ValidationHelper

logger = logging.getLogger(__name__)


async def start_command(update: Update, context: Context) -> None:
    """Greets a registered user, or starts registration with the gender question."""
    await continue_registration(context, user_of(update).id)


async def continue_registration(context: Context, user_id: int) -> None:
    """Welcome a registered user, ask a new one their gender."""
    s = context.services
    if s.db.users.get(user_id):
        text = context.text_for(user_id, "welcome")
        if user_id in s.config.admin_ids:
            text += "\n\n" + context.text_for(user_id, "admin_commands")
        await send_text(context.bot, user_id, text)
        return
    s.conversations.move(user_id, Flow.REGISTRATION, Step.GENDER)
    keyboard = context.keyboard(
        user_id, [("btn_male", callbacks.GENDER.build("male")), ("btn_female", callbacks.GENDER.build("female"))]
    )
    await context.say(user_id, "ask_gender", keyboard)


async def joined_callback(update: Update, context: Context) -> None:
    """Checks the channels again after "✅ I've joined"."""
    query = query_of(update)
    user_id = query.from_user.id
    conversations = context.services.conversations
    if not conversations.at(user_id, Flow.CHANNELS, Step.JOIN):
        # A second press (a double tap) or an old button: the check already passed, nothing to edit.
        await answer(query)
        return
    missing = await channels_missing(context, user_id, fresh=True)
    if missing:
        await answer(query, context.text_for(user_id, "still_not_joined", channels=", ".join(missing)), alert=True)
        return
    conversations.end(user_id, Flow.CHANNELS)
    await answer(query)
    await remove_buttons(query)
    await continue_registration(context, user_id)


async def gender_callback(update: Update, context: Context) -> None:
    """Stores the chosen gender and asks for the age."""
    s = context.services
    query = query_of(update)
    user_id = query.from_user.id
    await answer(query)
    step = s.conversations.step(user_id, Flow.REGISTRATION)
    if s.db.users.get(user_id) or (step is not None and step[0] is Step.AGE):
        # Registered, or a second press (a double tap): the gender is chosen, nothing to edit.
        return
    fields = callbacks.GENDER.parse(query.data)
    if fields is None:
        return
    gender = fields[0]
    s.conversations.move(user_id, Flow.REGISTRATION, Step.AGE, gender)
    label = TextFormatter.gender(gender, s.lang(user_id))
    await edit_text(query, context.text_for(user_id, "gender_chosen", gender=label))
    await context.say(user_id, "ask_age")


async def age_message(update: Update, context: Context) -> None:
    """Validates the age of a user who chose a gender, and registers them."""
    s = context.services
    user_id = user_of(update).id
    step = s.conversations.step(user_id, Flow.REGISTRATION)
    if step is None or step[0] is not Step.AGE:
        await context.say(user_id, "not_registered")
        return
    if s.db.users.get(user_id):
        # Registered already (a crash between registering and ending the flow): end it now.
        count_invite(context, user_id)
        s.conversations.end(user_id, Flow.REGISTRATION)
        await context.say(user_id, "not_in_chat_hint")
        return
    age = ValidationHelper.parse_age(message_of(update).text)
    if isinstance(age, AgeProblem):
        await context.say(user_id, "age_refused", reason=age_problem_text(context, user_id, age))
        return
    s.db.users.create(user_id, step[1], age, s.lang(user_id))
    count_invite(context, user_id)
    s.conversations.end(user_id, Flow.REGISTRATION)
    logger.info("User %s registered", user_id)
    await context.say(user_id, "registered")


def count_invite(context: Context, user_id: int) -> None:
    """A new user who came through an invite link (invites.invited_start) counts for the inviter: once
    ever (a user who deleted their data and registers again is not counted again), never for
    themselves, never for an unknown code."""
    s = context.services
    invited = s.conversations.step(user_id, Flow.INVITED)
    if invited is None:
        return
    inviter = s.db.invites.inviter(invited[1])
    if inviter is not None and inviter != user_id and s.db.invites.record_join(user_id, inviter):
        logger.info("User %s joined through the invite of %s", user_id, inviter)
    s.conversations.end(user_id, Flow.INVITED)


def age_problem_text(context: Context, user_id: int, problem: AgeProblem) -> str:
    """Why an age was refused, in the user's language."""
    if problem is AgeProblem.TOO_YOUNG:
        return context.text_for(user_id, "age_too_young", min_age=ValidationHelper.MIN_AGE)
    if problem is AgeProblem.TOO_OLD:
        return context.text_for(user_id, "age_too_old", max_age=ValidationHelper.MAX_AGE)
    return context.text_for(user_id, "age_not_number")


async def language_command(update: Update, context: Context) -> None:
    """/language: one button per language, each in its own language."""
    user_id = user_of(update).id
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("language_name", code), callback_data=callbacks.LANGUAGE.build(code)) for code in LANGUAGES]]
    )
    await context.say(user_id, "choose_language", keyboard)


async def language_callback(update: Update, context: Context) -> None:
    """Stores the chosen language; everything after it, the command menu included, speaks it."""
    s = context.services
    query = query_of(update)
    user_id = query.from_user.id
    (code,) = callbacks.LANGUAGE.parse(query.data) or (DEFAULT_LANGUAGE,)
    if not s.db.users.set_language(user_id, code):
        s.languages.note(user_id, code)  # not registered yet: registration will store it
    await answer(query)
    await edit_text(query, context.text_for(user_id, "language_set"))
    await set_chat_commands(context.bot, user_id, code, user_id in s.config.admin_ids)
