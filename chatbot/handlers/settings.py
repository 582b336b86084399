"""/settings: whom a VIP meets (👨 Men / 👩 Women / 👥 Anyone, 🎂 Age range, flows.Flow.SETTINGS),
🏷 Interests (anyone: up to five topics, which rank partners), 🔒 Protect my messages and 🫣 Hide
partner's media (anyone; read by the relay) and 🔔 Announcements on or off.
Preferences outlive VIP; matching.py applies them only while VIP."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from chatbot.core import interests
from chatbot.core.flows import Flow, Step
from chatbot.telegram_io import callbacks
from chatbot.handlers.chatting import WHO, search_again
from chatbot.telegram_io.sending import answer, edit_text, send_text
from chatbot.handlers.common import Context, message_of, query_of, user_of
from utils import RangeProblem, ValidationHelper

RANGE_REASONS = {
    RangeProblem.NOT_RANGE: "age_range_not_range",
    RangeProblem.OUT_OF_BOUNDS: "age_range_out_of_bounds",
    RangeProblem.REVERSED: "age_range_reversed",
}


def settings_screen(context: Context, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """The preferences as they stand, and the buttons that change them."""
    s = context.services
    gender, low, high = s.db.matching.preferences(user_id)
    status = "settings_status_vip" if s.db.payments.vip_until(user_id) else "settings_status_not_vip"
    def on_off(on: bool) -> str:
        return context.text_for(user_id, "settings_on" if on else "settings_off")

    announcements = on_off(s.db.users.announcements_on(user_id))
    protect, hide = s.db.users.chat_options(user_id)
    text = context.text_for(
        user_id,
        "settings",
        gender=context.text_for(user_id, WHO[gender]),
        min_age=low,
        max_age=high,
        interests=topic_list(context, user_id, s.db.users.interests(user_id)),
        protect=on_off(protect),
        hide=on_off(hide),
        announcements=announcements,
        status=context.text_for(user_id, status),
    )
    keyboard = context.keyboard(
        user_id,
        [
            ("btn_pref_men", callbacks.PARTNER_GENDER.build("male")),
            ("btn_pref_women", callbacks.PARTNER_GENDER.build("female")),
            ("btn_pref_anyone", callbacks.PARTNER_GENDER.build("any")),
        ],
        [("btn_age_range", callbacks.AGE_RANGE.build()), ("btn_interests", callbacks.INTERESTS.build())],
        [("btn_protect", callbacks.PROTECT.build()), ("btn_hide_media", callbacks.HIDE_MEDIA.build())],
        [("btn_announcements", callbacks.ANNOUNCEMENTS.build())],
    )
    return text, keyboard


def topic_list(context: Context, user_id: int, mask: int) -> str:
    """The chosen topics' labels, or "none"."""
    chosen = interests.topics(mask)
    if not chosen:
        return context.text_for(user_id, "interests_none")
    return ", ".join(context.text_for(user_id, f"topic_{topic}") for topic in chosen)


def interests_screen(context: Context, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """The twelve topics, three to a row, a chosen one ending with " ✅"; then ✔️ Done."""
    mask = context.services.db.users.interests(user_id)
    chosen = set(interests.topics(mask))
    buttons = [
        InlineKeyboardButton(
            context.text_for(user_id, f"topic_{topic}") + (" ✅" if topic in chosen else ""),
            callback_data=callbacks.INTEREST.build(topic),
        )
        for topic in interests.TOPICS
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([InlineKeyboardButton(context.text_for(user_id, "btn_done"), callback_data=callbacks.INTERESTS_DONE.build())])
    text = context.text_for(user_id, "interests", most=interests.MAX_INTERESTS, count=len(chosen))
    return text, InlineKeyboardMarkup(rows)


async def settings_command(update: Update, context: Context) -> None:
    """Shows the partner preferences with their buttons (and cancels a pending age range)."""
    user_id = user_of(update).id
    if not await context.registered(user_id):
        return
    context.services.conversations.end(user_id, Flow.SETTINGS)
    await send_text(context.bot, user_id, *settings_screen(context, user_id))


async def partner_gender_callback(update: Update, context: Context) -> None:
    """👨 Men / 👩 Women / 👥 Anyone: stores the choice (VIP only) and redraws the screen."""
    s = context.services
    query = query_of(update)
    user_id = query.from_user.id
    await answer(query)
    if not await vip_or_told(context, user_id):
        return
    (choice,) = callbacks.PARTNER_GENDER.parse(query.data) or ("any",)
    s.db.matching.set_partner_gender(user_id, None if choice == "any" else choice)
    await edit_text(query, *settings_screen(context, user_id))
    await search_again(context, user_id)


async def age_range_callback(update: Update, context: Context) -> None:
    """🎂 Age range: asks for the range (VIP only)."""
    query = query_of(update)
    user_id = query.from_user.id
    await answer(query)
    if not await vip_or_told(context, user_id):
        return
    context.services.conversations.move(user_id, Flow.SETTINGS, Step.AGE_RANGE)
    await context.say(user_id, "ask_age_range")


async def age_range_message(update: Update, context: Context) -> None:
    """Stores a valid range and shows the screen again; anything else gets the reason and the question."""
    s = context.services
    user_id = user_of(update).id
    if not await vip_or_told(context, user_id):
        s.conversations.end(user_id, Flow.SETTINGS)
        return
    parsed = ValidationHelper.parse_age_range(message_of(update).text)
    if isinstance(parsed, RangeProblem):
        reason = context.text_for(user_id, RANGE_REASONS[parsed])
        await context.say(user_id, "age_range_refused", reason=reason)
        return
    s.db.matching.set_age_range(user_id, *parsed)
    s.conversations.end(user_id, Flow.SETTINGS)
    text, keyboard = settings_screen(context, user_id)
    await send_text(context.bot, user_id, f"{context.text_for(user_id, 'age_range_saved')}\n\n{text}", keyboard)
    await search_again(context, user_id)


async def toggle_callback(update: Update, context: Context) -> None:
    """🔔 Announcements, 🔒 Protect my messages, 🫣 Hide partner's media: on or off, for anyone
    registered (none is a VIP feature); the relay reads the last two for every message, so a change
    counts from the next one."""
    query = await registered_press(update, context)
    if query is None:
        return
    users, user_id = context.services.db.users, query.from_user.id
    toggles = {
        callbacks.ANNOUNCEMENTS.prefix: users.toggle_announcements,
        callbacks.PROTECT.prefix: users.toggle_protect_content,
        callbacks.HIDE_MEDIA.prefix: users.toggle_hide_media,
    }
    toggles[query.data or ""](user_id)
    await edit_text(query, *settings_screen(context, user_id))


async def interests_callback(update: Update, context: Context) -> None:
    """🏷 Interests: the topics screen in place of the settings."""
    query = await registered_press(update, context)
    if query is not None:
        await edit_text(query, *interests_screen(context, query.from_user.id))


async def interest_callback(update: Update, context: Context) -> None:
    """A topic tapped: chosen or not; a sixth is refused and changes nothing."""
    s = context.services
    query = query_of(update)
    user_id = query.from_user.id
    fields = callbacks.INTEREST.parse(query.data)
    if fields is None or not s.db.users.get(user_id):
        await answer(query, context.text_for(user_id, "button_invalid"))
        return
    mask = interests.toggle(s.db.users.interests(user_id), fields[0])
    if mask is None:
        await answer(query, context.text_for(user_id, "interests_too_many", most=interests.MAX_INTERESTS), alert=True)
        return
    s.db.users.set_interests(user_id, mask)
    await answer(query)
    await edit_text(query, *interests_screen(context, user_id))
    await search_again(context, user_id)  # a waiting user is ranked with their new topics


async def interests_done_callback(update: Update, context: Context) -> None:
    """✔️ Done: back to the settings screen, which lists the chosen topics."""
    query = await registered_press(update, context)
    if query is not None:
        await edit_text(query, *settings_screen(context, query.from_user.id))


async def registered_press(update: Update, context: Context) -> CallbackQuery | None:
    """The press, answered, if a registered user made it; None if not (they are told to register)."""
    query = query_of(update)
    await answer(query)
    return query if await context.registered(query.from_user.id) else None


async def vip_or_told(context: Context, user_id: int) -> bool:
    """True for a VIP; anyone else is told preferences are a VIP feature."""
    if context.services.db.payments.vip_until(user_id):
        return True
    await context.say(user_id, "settings_vip_only")
    return False
