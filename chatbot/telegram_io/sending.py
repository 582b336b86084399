"""One policy for talking to Telegram: every send, copy, edit, answer, invoice and photo goes through
`attempt`, which decides what an error means.

- `Forbidden` (403): the user blocked the bot or deleted their account: `Failure.GONE`.
  A "chat not found" is the same for us: that user never opened the bot (an admin, say).
- The harmless `BadRequest`s: a press answered too late ("query is too old", as after a replay), an
  edit that changes nothing or whose message is gone or too old: `Failure.HARMLESS`, logged, nothing
  to do. The bot's own state keeps it from making such calls on purpose (a double tap is answered and
  makes no second edit); these are for the races it cannot see.
- A copy Telegram will not make (any other `BadRequest` on copyMessage/copyMessages): `Failure.REFUSED`,
  so the sender can be told.
- Everything else (a malformed request, a 429 past its retries, the network) is raised, and reaches
  the one error handler.
- Beyond the call that got it (`ErrorPolicy`, told of every error): a 403 for a private chat marks
  that user as having blocked the bot.

Calls the bot can do without (setting its command menu, checking a channel membership, changing a
subscription's renewal) go through `optional`: any error is logged and the bot carries on. A refund
tells the admin what Telegram said, and "CHARGE_ALREADY_REFUNDED" means the goal is reached.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar, cast

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaAnimation,
    InputMediaPhoto,
    InputMediaVideo,
    LabeledPrice,
    Message,
    MessageEntity,
    MessageId,
    PreCheckoutQuery,
    ReactionTypeEmoji,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from chatbot.ops import metrics
from chatbot.core.payments import STARS
from chatbot.telegram_io.pacing import Traffic

logger = logging.getLogger(__name__)

T = TypeVar("T")

HARMLESS_ERRORS = (
    "message is not modified",
    "query is too old",
    "query id is invalid",
    "message to edit not found",
    "message can't be edited",
)
GONE_ERRORS = ("chat not found",)


class Failure(Enum):
    """Why a call delivered nothing, when that is not a bug."""

    GONE = "gone"
    HARMLESS = "harmless"
    REFUSED = "refused"


def classify(exc: TelegramError, refusable: bool = False) -> Failure | None:
    """What an error from Telegram means; None: not ours to tolerate (the error handler gets it)."""
    if isinstance(exc, Forbidden):
        return Failure.GONE
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if any(harmless in text for harmless in HARMLESS_ERRORS):
            return Failure.HARMLESS
        if any(gone in text for gone in GONE_ERRORS):
            return Failure.GONE
        if refusable:
            return Failure.REFUSED
    return None


class ErrorPolicy:
    """What an error Telegram answers means beyond the call that got it. The pacing limiter, which every
    request passes, tells it each one: it is counted for /metrics, and a 403 for a private chat means
    that user blocked the bot or deleted their account, so they are marked as such (announcements
    skip them, /stats counts them) wherever the 403 came from: a relay, an answer, an announcement."""

    def __init__(self, mark_blocked: Callable[[int], None]) -> None:
        self.mark_blocked = mark_blocked

    def __call__(self, chat_id: object, error: TelegramError) -> None:
        metrics.TELEGRAM_ERRORS.labels(metrics.error_label(error)).inc()
        if isinstance(error, Forbidden) and isinstance(chat_id, int) and chat_id > 0:
            self.mark_blocked(chat_id)


async def attempt(call: Awaitable[T], what: str, refusable: bool = False) -> T | Failure:
    """Await one Bot API call; a tolerated error becomes a `Failure`, any other is raised."""
    try:
        return await call
    except TelegramError as exc:
        failure = classify(exc, refusable)
        if failure is None:
            raise
        level = logging.WARNING if failure is Failure.REFUSED else logging.INFO
        logger.log(level, "%s: %s (%s)", what, failure.value, exc.message)
        return failure


async def optional(call: Awaitable[T], what: str, level: int = logging.WARNING) -> T | None:
    """Await a call the bot can do without; on any Telegram error log it and return None."""
    try:
        return await call
    except TelegramError as exc:
        logger.log(level, "Could not %s: %s", what, exc.message)
        return None


async def send_text(
    bot: ExtBot[Any], chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, bulk: bool = False
) -> bool:
    """Send a text (`bulk`: one of many the bot sends at once, paced under BULK_RATE); False if the user is gone."""
    return await send_message(bot, chat_id, text, markup, bulk) is not None


async def send_message(
    bot: ExtBot[Any], chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, bulk: bool = False
) -> Message | None:
    """`send_text`, returning the message sent (None if the user is gone)."""
    traffic = Traffic.BULK if bulk else Traffic.DIRECT
    call = bot.send_message(chat_id, text, reply_markup=markup, rate_limit_args=traffic)
    result = await attempt(call, f"message to {chat_id}")
    return None if isinstance(result, Failure) else result


async def send_profile_link(bot: ExtBot[Any], chat_id: int, text: str, markup: InlineKeyboardMarkup) -> Message | Failure:
    """A message whose button opens someone's profile; Failure.GONE if the reader is gone,
    Failure.REFUSED when that someone's privacy settings forbid links to their account (Telegram
    refuses a tg://user button with BUTTON_USER_PRIVACY_RESTRICTED)."""
    try:
        return await send_message(bot, chat_id, text, markup) or Failure.GONE
    except BadRequest as exc:
        if "BUTTON_USER_PRIVACY_RESTRICTED" not in exc.message.upper():
            raise
        logger.info("profile link to %s: refused (%s)", chat_id, exc.message)
        return Failure.REFUSED


async def send_announcement(
    bot: ExtBot[Any], chat_id: int, text: str, entities: Sequence[MessageEntity], bulk: bool
) -> Message | Failure:
    """An announcement's text (with its formatting); `bulk` for one of many."""
    traffic = Traffic.BULK if bulk else Traffic.DIRECT
    call = bot.send_message(chat_id, text, entities=entities, rate_limit_args=traffic)
    return await attempt(call, f"announcement to {chat_id}", refusable=True)


async def copy_announcement(
    bot: ExtBot[Any], to_id: int, from_id: int, message_id: int, caption: str | None, entities: Sequence[MessageEntity], bulk: bool
) -> MessageId | Failure:
    """A copy of an announcement's message, with a new caption if given; `bulk` for one of many."""
    traffic = Traffic.BULK if bulk else Traffic.DIRECT
    call = bot.copy_message(
        to_id, from_id, message_id, caption=caption, caption_entities=entities or None, rate_limit_args=traffic
    )
    return await attempt(call, f"announcement to {to_id}", refusable=True)


async def edit_message(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    """Replace the text of a message the bot sent (an admin card) and drop its buttons."""
    await attempt(bot.edit_message_text(text, chat_id=chat_id, message_id=message_id), f"edit in {chat_id}")


async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press (a press too old to answer, say replayed after a crash, is let go)."""
    await attempt(query.answer(text, show_alert=alert), f"answer to a press of {query.from_user.id}")


async def edit_text(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of the message whose button was pressed (its buttons become `markup`)."""
    await attempt(query.edit_message_text(text, reply_markup=markup), f"edit for {query.from_user.id}")


async def remove_buttons(query: CallbackQuery, keep: InlineKeyboardMarkup | None = None) -> None:
    """Take the buttons off the message whose button was pressed (leaving `keep`, if given)."""
    await attempt(query.edit_message_reply_markup(keep), f"buttons off for {query.from_user.id}")


async def copy(
    bot: Bot, to_id: int, from_id: int, message_id: int, reply_to: ReplyParameters | None, protect: bool = False
) -> MessageId | Failure:
    """Copy one message (never forward: a forward shows who sent it); `protect`: the copy can't be
    forwarded or saved."""
    call = bot.copy_message(to_id, from_id, message_id, reply_parameters=reply_to, protect_content=protect or None)
    return await attempt(call, f"copy from {from_id} to {to_id}", refusable=True)


async def copy_album(
    bot: Bot, to_id: int, from_id: int, message_ids: Sequence[int], protect: bool = False
) -> tuple[MessageId, ...] | Failure:
    """Copy an album as one album."""
    call = bot.copy_messages(to_id, from_id, message_ids, protect_content=protect or None)
    return await attempt(call, f"album from {from_id} to {to_id}", refusable=True)


# The media that can arrive covered (has_spoiler), and the file of each in a message.
COVERABLE = ("photo", "video", "animation")


def covered_media(message: Message) -> InputMediaPhoto | InputMediaVideo | InputMediaAnimation | None:
    """A photo, video or animation as the same file, covered until tapped, with its caption and its
    formatting; None for any other kind. copyMessage cannot add a spoiler: such media are sent anew."""
    caption: dict[str, Any] = {
        "caption": message.caption, "caption_entities": message.caption_entities, "has_spoiler": True,
        "show_caption_above_media": message.show_caption_above_media or None,
    }  # fmt: skip
    if message.animation:  # an animation also carries a document: check it first
        return InputMediaAnimation(message.animation.file_id, **caption)
    if message.photo:
        return InputMediaPhoto(message.photo[-1].file_id, **caption)
    if message.video:
        return InputMediaVideo(message.video.file_id, **caption)
    return None


async def send_covered(
    bot: Bot, to_id: int, media: InputMediaPhoto | InputMediaVideo | InputMediaAnimation,
    reply_to: ReplyParameters | None, protect: bool,
) -> MessageId | Failure:  # fmt: skip
    """Send one covered medium (covered_media) to the partner, in place of a copy."""
    common: dict[str, Any] = {
        "caption": media.caption, "caption_entities": media.caption_entities, "has_spoiler": True,
        "show_caption_above_media": media.show_caption_above_media, "reply_parameters": reply_to,
        "protect_content": protect or None,
    }  # fmt: skip
    file_id = cast(str, media.media)
    call: Awaitable[Message]
    if isinstance(media, InputMediaAnimation):
        call = bot.send_animation(to_id, file_id, **common)
    elif isinstance(media, InputMediaVideo):
        call = bot.send_video(to_id, file_id, **common)
    else:
        call = bot.send_photo(to_id, file_id, **common)
    result = await attempt(call, f"covered media to {to_id}", refusable=True)
    return result if isinstance(result, Failure) else MessageId(result.message_id)


async def send_covered_album(
    bot: Bot, to_id: int, media: Sequence[InputMediaPhoto | InputMediaVideo], protect: bool
) -> tuple[MessageId, ...] | Failure:
    """Send an album of covered photos and videos as one album."""
    result = await attempt(
        bot.send_media_group(to_id, media, protect_content=protect or None), f"covered album to {to_id}", refusable=True
    )
    return result if isinstance(result, Failure) else tuple(MessageId(m.message_id) for m in result)


# Telegram lets a bot delete a message of a private chat this long after it was sent.
DELETE_WINDOW = timedelta(hours=48)


async def delete(bot: ExtBot[Any], chat_id: int, message_ids: Sequence[int], bulk: bool = False) -> bool:
    """Delete messages of a private chat (Telegram lets a bot for 48 hours; `bulk`: one of many the
    bot deletes at once, paced under BULK_RATE); False if Telegram would not (too old, or gone
    already) or the user is gone. The messages' own errors are this call's; the rest is raised."""
    traffic = Traffic.BULK if bulk else Traffic.DIRECT
    try:
        if len(message_ids) == 1:
            await bot.delete_message(chat_id, message_ids[0], rate_limit_args=traffic)
        else:
            await bot.delete_messages(chat_id, message_ids, rate_limit_args=traffic)
        return True
    except BadRequest as exc:
        if "can't be deleted" not in exc.message and "not found" not in exc.message:
            raise
        logger.info("delete in %s: %s", chat_id, exc.message)
        return False
    except Forbidden:
        return False


async def mirror_reaction(bot: Bot, chat_id: int, message_id: int, emoji: str | None) -> None:
    """Set the bot's reaction on a copy to `emoji` (None: take it off); a convenience, so any error is
    only logged."""
    reaction = [ReactionTypeEmoji(emoji)] if emoji else []
    await optional(bot.set_message_reaction(chat_id, message_id, reaction), f"mirror a reaction in {chat_id}", logging.INFO)


async def mirror_edit(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str | None,
    caption: str | None,
    entities: Sequence[MessageEntity],
) -> Failure | None:
    """Apply an edit to the copy in the partner's chat: the new text, or else the new caption."""
    if text is not None:
        call: Awaitable[Message | bool] = bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, entities=entities
        )
    else:
        call = bot.edit_message_caption(
            chat_id=chat_id, message_id=message_id, caption=caption or "", caption_entities=entities
        )
    result = await attempt(call, f"mirrored edit in {chat_id}", refusable=True)
    return result if isinstance(result, Failure) else None


async def send_invoice(
    bot: Bot, chat_id: int, title: str, description: str, payload: str, label: str, stars: int
) -> None:
    """An invoice in Telegram Stars (no provider token, one price)."""
    call = bot.send_invoice(
        chat_id=chat_id,
        title=title,
        description=description,
        payload=payload,
        provider_token="",
        currency=STARS,
        prices=[LabeledPrice(label, stars)],
    )
    await attempt(call, f"invoice to {chat_id}")


async def invoice_link(
    bot: Bot, title: str, description: str, payload: str, label: str, stars: int, period: timedelta
) -> str:
    """A link to an invoice in Telegram Stars, renewed every `period` (a subscription)."""
    return await bot.create_invoice_link(
        title, description, payload, STARS, [LabeledPrice(label, stars)], provider_token="", subscription_period=period
    )


async def edit_subscription(bot: Bot, user_id: int, charge_id: str, cancel: bool) -> bool:
    """Cancel (or turn back on) the renewal of a user's Stars subscription; False if Telegram refused."""
    call = bot.edit_user_star_subscription(user_id, charge_id, is_canceled=cancel)
    return bool(await optional(call, f"{'cancel' if cancel else 'renew'} the subscription of {user_id}"))


class RefundAnswer(Enum):
    DONE = "done"
    ALREADY = "already"  # Telegram had refunded it already (say, on the user's request)


async def refund_stars(bot: Bot, user_id: int, charge_id: str) -> RefundAnswer | str:
    """Refund a Stars payment: DONE, ALREADY, or Telegram's reason for refusing (for the admin to read)."""
    try:
        await bot.refund_star_payment(user_id, charge_id)
    except BadRequest as exc:
        if "charge_already_refunded" in exc.message.lower():
            return RefundAnswer.ALREADY
        logger.warning("Refund of %s for %s refused: %s", charge_id, user_id, exc.message)
        return exc.message
    return RefundAnswer.DONE


async def answer_pre_checkout(query: PreCheckoutQuery, error: str | None) -> None:
    """Approve a checkout, or refuse it with the reason the user will see."""
    call = query.answer(ok=True) if error is None else query.answer(ok=False, error_message=error)
    await attempt(call, f"pre-checkout answer to {query.from_user.id}")


async def send_photo(bot: Bot, chat_id: int, png: bytes, caption: str) -> None:
    """A picture with a caption."""
    await attempt(bot.send_photo(chat_id, png, caption=caption), f"photo to {chat_id}")
