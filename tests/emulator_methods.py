"""The Bot API methods the emulator answers, as Telegram documents them (a mixin of `Emulator`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botapi import BOT_ID, BOT_USER, CONTENT_FIELDS, DELETE_WINDOW, PNG_SIGNATURE, REACTION_EMOJI, SUBSCRIPTION_PERIOD, ApiError
from emulator_webhook import WEBHOOK_CONFLICT

if TYPE_CHECKING:
    from person import Person

# What Telegram answers a getUpdates, or a long poll waiting, when another process polls the same token.
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class BotApiMethods:
    """`api_<method>(params)` for each method the bot uses; `Emulator` holds the state they change."""

    cond: threading.Condition
    wakeup: asyncio.Event
    updates: list[dict]
    conflict_until: float
    update_ids: itertools.count
    users: dict[int, Person]
    messages: dict[int, dict[int, dict]]
    message_ids: dict[int, itertools.count]
    calls: list[tuple[str, dict]]
    violations: list[str]
    channels: dict[str, set[int]]
    bot_admin_in: set[str]
    callback_answers: dict[str, dict]
    precheckout_answers: dict[str, dict]
    invoices: dict[tuple[int, int], dict]
    invoice_links: dict[str, dict]
    charges: dict[str, dict]
    subscriptions: dict[str, dict]
    copies: dict[tuple[int, int], tuple[int, int]]
    delivered_at: dict[tuple[int, int], float]
    deleted: list[tuple[int, int]]
    reactions: dict[tuple[int, int], list[dict]]
    files: dict[str, tuple[int, int]]
    profile: dict[tuple[str, ...], Any]
    profile_sets: list[float]
    profile_sets_per_minute: int | None
    polls: int
    polls_at_last_push: int
    webhook: dict[str, Any] | None
    allow: Callable[[list[str] | None], None]  # WebhookDelivery's (declared only: it comes later in the MRO)

    def wake_pollers(self) -> None:
        raise NotImplementedError

    # Helpers for the methods


    def new_message(self, chat_id: int, sender: dict, content: dict) -> dict:
        """Store a message in a private chat and return it."""
        counter = self.message_ids.setdefault(chat_id, itertools.count(1))
        person = self.users[chat_id]
        message = {
            "message_id": next(counter),
            "from": sender,
            "chat": {"id": chat_id, "type": "private", "first_name": person.first_name},
            "date": int(time.time()),
            **content,
        }
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        # Where each file came from, for media sent again by file id.
        for kind in ("photo", "video", "animation"):
            files = content.get(kind)
            for file in files if isinstance(files, list) else [files] if files else []:
                self.files.setdefault(file["file_id"], (chat_id, message["message_id"]))
        return message

    def target(self, params: dict, key: str = "chat_id") -> int:
        """The private chat a method writes to; 400 if unknown, 403 if the user blocked the bot."""
        chat_id = params.get(key)
        if not isinstance(chat_id, int) or chat_id not in self.users:
            raise ApiError(400, "Bad Request: chat not found")
        if self.users[chat_id].blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def find_message(self, params: dict, what: str) -> dict:
        chat_id = self.target(params)
        message_id = params.get("message_id")
        message = self.messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return message

    # Methods (called with self.cond held, except getUpdates)

    def api_getMe(self, params: dict) -> dict:  # noqa: N802
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def get_updates(self, params: dict) -> list[dict]:
        """Long polling: answer at once if updates wait, else when one arrives or the timeout ends."""
        offset = params.get("offset")
        limit = params.get("limit") or 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        with self.cond:
            self.polls += 1
            self.calls.append(("getUpdates", params))
            self.cond.notify_all()
        while True:
            self.wakeup.clear()
            with self.cond:
                if self.webhook is not None:  # set, or set while this poll waited
                    raise ApiError(409, WEBHOOK_CONFLICT)
                if time.monotonic() < self.conflict_until:  # another process polls, or began to meanwhile
                    raise ApiError(409, CONFLICT)
                self.allow(allowed)  # a poll refused changes nothing
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = self.updates[:limit]
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), left)

    def api_sendMessage(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        text = params["text"]
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if params.get("reply_markup"):
            self.check_buttons(params["reply_markup"])
            content["reply_markup"] = params["reply_markup"]
        return self.new_message(chat_id, BOT_USER, content)

    def check_buttons(self, markup: dict) -> None:
        """URL buttons as Telegram checks them: http(s) or tg:// links, and a tg://user?id= link only to
        someone whose privacy settings allow links to their account."""
        for row in markup.get("inline_keyboard", []):
            for button in row:
                url = button.get("url")
                if url is None:
                    continue
                if not url.startswith(("http://", "https://", "tg://")):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                if url.startswith("tg://user?id="):
                    person = self.users.get(int(url.removeprefix("tg://user?id=")))
                    if person is None or person.links_forbidden:
                        raise ApiError(400, "Bad Request: BUTTON_USER_PRIVACY_RESTRICTED")

    def api_copyMessage(self, params: dict) -> dict:  # noqa: N802
        source_chat = params["from_chat_id"]
        source = self.messages.get(source_chat, {}).get(params["message_id"]) if isinstance(source_chat, int) else None
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        if len(params.get("caption") or "") > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        if "successful_payment" in source or "invoice" in source:
            raise ApiError(400, "Bad Request: message can't be copied")
        chat_id = self.target(params)
        content = {k: v for k, v in source.items() if k in CONTENT_FIELDS and k != "media_group_id"}
        if "caption" in params:
            content["caption"] = params["caption"]
        if params.get("protect_content"):
            content["has_protected_content"] = True
        self.add_reply(content, chat_id, params.get("reply_parameters"))
        return {"message_id": self.store_copy(chat_id, source_chat, source, content)["message_id"]}

    def add_reply(self, content: dict, chat_id: int, reply: dict | None) -> None:
        """A sent message's reply_to_message, as reply_parameters ask; 400 if the message to answer is
        gone and the sender did not allow sending without it."""
        if not reply:
            return
        target = self.messages.get(chat_id, {}).get(reply["message_id"])
        if target is None and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        if target is not None:
            content["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}

    def store_copy(self, chat_id: int, source_chat: int, source: dict, content: dict) -> dict:
        copy = self.new_message(chat_id, BOT_USER, content)
        self.copies[(chat_id, copy["message_id"])] = (source_chat, source["message_id"])
        self.delivered_at[(source_chat, source["message_id"])] = time.monotonic()
        return copy

    def api_copyMessages(self, params: dict) -> list[dict]:  # noqa: N802
        source_chat = params["from_chat_id"]
        ids = params["message_ids"]
        if not ids or len(ids) > 100 or ids != sorted(set(ids)):
            raise ApiError(400, "Bad Request: message identifiers must be in strictly increasing order")
        found = [self.messages.get(source_chat, {}).get(i) for i in ids]
        sources = [s for s in found if s is not None]
        if len(sources) < len(found):
            raise ApiError(400, "Bad Request: message to copy not found")
        chat_id = self.target(params)
        group = uuid.uuid4().hex[:12]
        result = []
        for source in sources:
            content = {k: v for k, v in source.items() if k in CONTENT_FIELDS and k != "media_group_id"}
            if source.get("media_group_id"):
                content["media_group_id"] = group  # an album stays an album
            if params.get("protect_content"):
                content["has_protected_content"] = True
            result.append({"message_id": self.store_copy(chat_id, source_chat, source, content)["message_id"]})
        return result

    def api_sendInvoice(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        prices = params["prices"]
        if params["currency"] == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise ApiError(400, "Bad Request: STARS_INVOICE_INVALID")
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": sum(p["amount"] for p in prices),
        }
        message = self.new_message(chat_id, BOT_USER, {"invoice": invoice})
        self.invoices[(chat_id, message["message_id"])] = params
        return message

    def api_createInvoiceLink(self, params: dict) -> str:  # noqa: N802
        prices = params["prices"]
        if params["currency"] == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise ApiError(400, "Bad Request: STARS_INVOICE_INVALID")
        if "subscription_period" in params:
            # Subscriptions: Stars only, 30 days exactly, at most 10000 Stars.
            if params["currency"] != "XTR" or params["subscription_period"] != SUBSCRIPTION_PERIOD:
                raise ApiError(400, "Bad Request: SUBSCRIPTION_PERIOD_INVALID")
            if prices[0]["amount"] > 10_000:
                raise ApiError(400, "Bad Request: STARS_INVOICE_INVALID")
        slug = uuid.uuid4().hex[:16]
        self.invoice_links[slug] = params
        return f"https://t.me/${slug}"

    def api_refundStarPayment(self, params: dict) -> bool:  # noqa: N802
        charge = self.charges.get(params["telegram_payment_charge_id"])
        if charge is None or charge["user_id"] != params["user_id"]:
            raise ApiError(400, "Bad Request: CHARGE_NOT_FOUND")
        if charge["refunded"]:
            raise ApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        charge["refunded"] = True
        return True

    def api_editUserStarSubscription(self, params: dict) -> bool:  # noqa: N802
        charge = self.charges.get(params["telegram_payment_charge_id"])
        if charge is None or charge["user_id"] != params["user_id"]:
            raise ApiError(400, "Bad Request: CHARGE_NOT_FOUND")
        if charge["subscription"] is None:
            raise ApiError(400, "Bad Request: SUBSCRIPTION_NOT_FOUND")
        self.subscriptions[charge["subscription"]]["canceled"] = params["is_canceled"]
        return True

    def check_language_code(self, params: dict) -> None:
        """setMyCommands, setMyDescription, setMyShortDescription: a two-letter ISO 639-1 code, or none."""
        code = params.get("language_code")
        if code is not None and (len(code) != 2 or not code.isalpha() or not code.islower()):
            raise ApiError(400, "Bad Request: invalid language code specified")

    # The bot's profile: command menus per scope and language, descriptions per language

    def profile_key(self, params: dict) -> tuple[str, str]:
        self.check_language_code(params)
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def count_profile_set(self) -> None:
        """Telegram limits how often a bot changes its profile: with `profile_sets_per_minute` set,
        a set call beyond that many in the last minute gets 429."""
        limit = self.profile_sets_per_minute
        now = time.monotonic()
        self.profile_sets = [t for t in self.profile_sets if now - t < 60]
        if limit is not None and len(self.profile_sets) >= limit:
            retry = int(60 - (now - self.profile_sets[0])) + 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self.profile_sets.append(now)

    def api_setMyCommands(self, params: dict) -> bool:  # noqa: N802
        key = self.profile_key(params)
        self.count_profile_set()
        self.profile["commands", *key] = params["commands"]
        return True

    def api_getMyCommands(self, params: dict) -> list[dict]:  # noqa: N802
        return self.profile.get(("commands", *self.profile_key(params)), [])

    def api_setMyDescription(self, params: dict) -> bool:  # noqa: N802
        key = self.profile_key(params)
        self.count_profile_set()
        self.profile["description", *key] = params.get("description") or ""
        return True

    def api_getMyDescription(self, params: dict) -> dict:  # noqa: N802
        return {"description": self.profile.get(("description", *self.profile_key(params)), "")}

    def api_setMyShortDescription(self, params: dict) -> bool:  # noqa: N802
        key = self.profile_key(params)
        self.count_profile_set()
        self.profile["short_description", *key] = params.get("short_description") or ""
        return True

    def api_getMyShortDescription(self, params: dict) -> dict:  # noqa: N802
        return {"short_description": self.profile.get(("short_description", *self.profile_key(params)), "")}

    def api_answerPreCheckoutQuery(self, params: dict) -> bool:  # noqa: N802
        if params["pre_checkout_query_id"] in self.precheckout_answers:
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
        if not params["ok"] and not params.get("error_message"):
            raise ApiError(400, "Bad Request: error_message is required when ok is false")
        self.precheckout_answers[params["pre_checkout_query_id"]] = params
        return True

    def api_answerCallbackQuery(self, params: dict) -> bool:  # noqa: N802
        if params["callback_query_id"] in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[params["callback_query_id"]] = params
        return True

    def api_editMessageText(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        message.pop("entities", None)
        if params.get("entities"):
            message["entities"] = params["entities"]
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def api_editMessageCaption(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        if "caption" not in message and not any(k in message for k in ("photo", "video", "document", "audio", "animation", "voice")):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        message["caption"] = params.get("caption", "")
        message["edit_date"] = int(time.time())
        return message

    def api_editMessageReplyMarkup(self, params: dict) -> dict:  # noqa: N802
        message = self.find_message(params, "edit")
        markup = params.get("reply_markup")
        if not markup or not markup.get("inline_keyboard"):
            markup = None
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    # Media sent anew by file id (covered with has_spoiler: copyMessage cannot add one)

    def source_of(self, file_id: object, kind: str) -> tuple[int, dict]:
        """The (chat, message) a file id came from; 400 as Telegram answers an unknown or wrong one."""
        found = self.files.get(file_id) if isinstance(file_id, str) else None
        if found is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        chat_id, message_id = found
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None or kind not in message:
            raise ApiError(400, f"Bad Request: wrong type of the web page content" if message else "Bad Request: wrong file identifier/HTTP URL specified")
        return chat_id, message

    def media_content(self, chat_id: int, kind: str, source: dict, params: dict) -> dict:
        """A sent medium's content: the source's file, the caption and its formatting, the cover."""
        if len(params.get("caption") or "") > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: dict[str, Any] = {kind: source[kind]}
        if kind == "animation":
            content["document"] = source.get("document", source[kind])
        for name in ("caption", "caption_entities", "show_caption_above_media"):
            if params.get(name):
                content[name] = params[name]
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        if params.get("protect_content"):
            content["has_protected_content"] = True
        self.add_reply(content, chat_id, params.get("reply_parameters"))
        return content

    def send_by_file_id(self, params: dict, kind: str) -> dict:
        chat_id = self.target(params)
        source_chat, source = self.source_of(params[kind], kind)
        return self.store_copy(chat_id, source_chat, source, self.media_content(chat_id, kind, source, params))

    def api_sendVideo(self, params: dict) -> dict:  # noqa: N802
        return self.send_by_file_id(params, "video")

    def api_sendAnimation(self, params: dict) -> dict:  # noqa: N802
        return self.send_by_file_id(params, "animation")

    def api_sendMediaGroup(self, params: dict) -> list[dict]:  # noqa: N802
        chat_id = self.target(params)
        media = params["media"]
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        if any(item.get("type") not in ("photo", "video") for item in media):
            raise ApiError(400, "Bad Request: wrong media group content")
        sources = [self.source_of(item["media"], item["type"]) for item in media]
        group = uuid.uuid4().hex[:12]
        sent = []
        for item, (source_chat, source) in zip(media, sources, strict=True):
            content = self.media_content(chat_id, item["type"], source, {**item, "protect_content": params.get("protect_content")})
            content["media_group_id"] = group
            sent.append(self.store_copy(chat_id, source_chat, source, content))
        return sent

    def api_sendPhoto(self, params: dict) -> dict:  # noqa: N802
        chat_id = self.target(params)
        photo = params["photo"]
        if isinstance(photo, str):
            return self.send_by_file_id(params, "photo")
        if not isinstance(photo, dict) or photo.get("head") != PNG_SIGNATURE:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        size = {"file_id": "AgAC" + uuid.uuid4().hex, "file_unique_id": uuid.uuid4().hex[:10], "width": 900,
                "height": 450, "file_size": photo["size"]}  # fmt: skip
        content: dict[str, Any] = {"photo": [size]}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self.new_message(chat_id, BOT_USER, content)

    # Deleting and reacting

    def deletable(self, chat_id: int, message_id: object) -> dict | None:
        """The message if the bot may delete it now (Telegram's rules for a private chat), else None:
        sent less than 48 hours ago, and a dice only once it is more than 24 hours old."""
        message = self.messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if message is None:
            return None
        age = time.time() - message["date"]
        if age >= DELETE_WINDOW or ("dice" in message and age <= 24 * 3600):
            return None
        return message

    def api_deleteMessage(self, params: dict) -> bool:  # noqa: N802
        chat_id = self.target(params)
        message_id = params["message_id"]
        if not isinstance(message_id, int) or message_id not in self.messages.get(chat_id, {}):
            raise ApiError(400, "Bad Request: message to delete not found")
        if self.deletable(chat_id, message_id) is None:
            raise ApiError(400, "Bad Request: message can't be deleted")
        del self.messages[chat_id][message_id]
        self.deleted.append((chat_id, message_id))
        return True

    def api_deleteMessages(self, params: dict) -> bool:  # noqa: N802
        chat_id = self.target(params)
        ids = params["message_ids"]
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message identifiers are invalid")
        # Those that can't be found or deleted are skipped.
        for message_id in ids:
            if self.deletable(chat_id, message_id) is not None:
                del self.messages[chat_id][message_id]
                self.deleted.append((chat_id, message_id))
        return True

    def api_setMessageReaction(self, params: dict) -> bool:  # noqa: N802
        chat_id = self.target(params)
        message = self.messages.get(chat_id, {}).get(params["message_id"])
        if message is None:
            raise ApiError(400, "Bad Request: message to react not found")
        reaction = params.get("reaction") or []
        if len(reaction) > 1:  # a bot is not premium: one reaction at most
            raise ApiError(400, "Bad Request: REACTIONS_TOO_MANY")
        for item in reaction:
            if item.get("type") != "emoji" or item.get("emoji") not in REACTION_EMOJI:
                raise ApiError(400, "Bad Request: REACTION_INVALID")
        self.reactions[(chat_id, message["message_id"])] = reaction
        return True

    def api_getChatMember(self, params: dict) -> dict:  # noqa: N802
        channel = params["chat_id"]
        if channel not in self.channels:
            raise ApiError(400, "Bad Request: chat not found")
        if params["user_id"] == BOT_ID:
            if channel not in self.bot_admin_in:
                return {"status": "left", "user": BOT_USER}
            rights = ("can_be_edited", "can_change_info", "can_delete_messages", "can_delete_stories",
                      "can_edit_stories", "can_invite_users", "can_manage_chat", "can_manage_video_chats",
                      "can_post_stories", "can_promote_members", "can_restrict_members", "is_anonymous")  # fmt: skip
            return {"status": "administrator", "user": BOT_USER, **{right: False for right in rights}}
        if channel not in self.bot_admin_in:
            raise ApiError(400, "Bad Request: member list is inaccessible")
        user_id = params["user_id"]
        person = self.users.get(user_id)
        user = person.user if person else {"id": user_id, "is_bot": False, "first_name": "?"}
        status = "member" if user_id in self.channels[channel] else "left"
        return {"status": status, "user": user}
