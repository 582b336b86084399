"""A simulated Telegram user: types, presses buttons by their label, pays, blocks the bot, reads."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from botapi import BOT_ID, BOT_USER, media, text_entities

if TYPE_CHECKING:
    from emulator import Emulator


class Person:
    """A simulated Telegram user talking to the bot in a private chat."""

    def __init__(
        self, emulator: Emulator, user_id: int, first_name: str, username: str | None, language_code: str = "en"
    ) -> None:
        self.emu = emulator
        self.language_code = language_code  # their Telegram app's language
        self.id = user_id
        self.first_name = first_name
        self.username = username  # None: they have none
        self.blocked = False
        # Their privacy settings forbid links to their account (Forwarded messages: Nobody): a
        # tg://user?id= button naming them is refused with BUTTON_USER_PRIVACY_RESTRICTED.
        self.links_forbidden = False
        self.reacted: dict[int, list[dict]] = {}  # message id -> this person's reactions on it
        self.cursor = 0  # how many of the bot's messages this person has read

    @property
    def user(self) -> dict:
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name, "username": self.username,
                "language_code": self.language_code}  # fmt: skip
        return {key: value for key, value in user.items() if value is not None}

    @property
    def chat(self) -> dict:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name, "username": self.username}
        return {key: value for key, value in chat.items() if value is not None}

    # Acting

    def send(self, text: str, entities: list[dict] | None = None, reply_to: dict | None = None) -> dict:
        """Type and send a text (commands included); Telegram's entities are added."""
        content: dict[str, Any] = {"text": text}
        found = text_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self.send_content(content, reply_to)

    def send_content(self, content: dict, reply_to: dict | None = None) -> dict:
        """Send a message with the given content fields (photo, sticker, contact, ...)."""
        if reply_to is not None:
            content = {**content, "reply_to_message": {k: v for k, v in reply_to.items() if k != "reply_to_message"}}
        with self.emu.cond:
            message = self.emu.new_message(self.id, self.user, content)
        self.emu.push_update({"message": message})
        return message

    def send_media(self, kind: str, caption: str | None = None, **extra: Any) -> dict:
        """Send a photo, video, sticker, voice, poll, ... (see media())."""
        return self.send_content({**media(kind, caption), **extra})

    def send_album(self, count: int, caption: str | None = None, kind: str = "photo") -> list[dict]:
        """Send several photos (or videos) as one album: messages sharing a media_group_id."""
        group = uuid.uuid4().hex[:12]
        return [
            self.send_content({**media(kind, caption if index == 0 else None), "media_group_id": group})
            for index in range(count)
        ]

    def edit(self, message: dict, text: str) -> dict:
        """Edit one of this person's messages (its text, or its caption for media)."""
        field = "text" if "text" in message else "caption"
        with self.emu.cond:
            stored = self.emu.messages[self.id][message["message_id"]]
            stored[field] = text
            stored.pop("entities" if field == "text" else "caption_entities", None)
            found = text_entities(text)
            if found and field == "text":
                stored["entities"] = found
            stored["edit_date"] = int(time.time())
            edited = dict(stored)
        self.emu.push_update({"edited_message": edited})
        return edited

    def react(self, message: dict, *reactions: dict | str) -> dict:
        """Set this person's reactions on a message of their chat (an emoji, or a ReactionType dict;
        none: take them off), as Telegram reports it: a message_reaction update with the old ones."""
        new = [{"type": "emoji", "emoji": r} if isinstance(r, str) else r for r in reactions]
        key = message["message_id"]
        old = self.reacted.get(key, [])
        self.reacted[key] = new
        return self.emu.push_update({"message_reaction": {
            "chat": self.chat, "message_id": key, "user": self.user, "date": int(time.time()),
            "old_reaction": old, "new_reaction": new,
        }})  # fmt: skip

    def send_sticker(self) -> dict:
        return self.send_content(
            {"sticker": {"file_id": "CAACAgIAAxkBAAE" + uuid.uuid4().hex[:8], "file_unique_id": uuid.uuid4().hex[:10],
                         "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}}
        )  # fmt: skip

    def send_contact(self) -> dict:
        return self.send_content({"contact": {"phone_number": "+15550001111", "first_name": self.first_name,
                                              "user_id": self.id}})  # fmt: skip

    def press(self, label: str, timeout: float = 10.0) -> dict:
        """Press the newest inline button with this label; returns the bot's answerCallbackQuery."""
        message, data = self.emu.wait_until(lambda: self.find_button(label), timeout, f"button {label!r} for {self.id}")
        return self.press_data(message, data, timeout)

    def press_data(self, message: dict, data: str, timeout: float = 10.0) -> dict:
        """Press a button with arbitrary callback data (a forged or stale button)."""
        query_id = uuid.uuid4().hex
        self.emu.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user,
                    "message": message,
                    "chat_instance": str(self.id),
                    "data": data,
                }
            }
        )
        return self.emu.wait_until(
            lambda: self.emu.callback_answers.get(query_id), timeout, f"an answer to callback {data!r}"
        )

    def double_tap(self, label: str, timeout: float = 10.0) -> list[dict]:
        """Press the newest button with this label twice in a row, as fast as a thumb: both presses
        reach the bot before it has handled the first. Returns the bot's two answers."""
        message, data = self.emu.wait_until(lambda: self.find_button(label), timeout, f"button {label!r} for {self.id}")
        query_ids = [uuid.uuid4().hex, uuid.uuid4().hex]
        with self.emu.cond:
            for query_id in query_ids:
                self.emu.updates.append(
                    {
                        "update_id": next(self.emu.update_ids),
                        "callback_query": {
                            "id": query_id, "from": self.user, "message": message,
                            "chat_instance": str(self.id), "data": data,
                        },
                    }
                )  # fmt: skip
            self.emu.cond.notify_all()
        self.emu.wake_pollers()
        return [
            self.emu.wait_until(lambda q=q: self.emu.callback_answers.get(q), timeout, "an answer to a double tap")
            for q in query_ids
        ]

    def find_button(self, label: str) -> tuple[dict, str] | None:
        for message in reversed(list(self.emu.messages.get(self.id, {}).values())):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        return message, button["callback_data"]
        return None

    def has_button(self, label: str) -> bool:
        with self.emu.cond:
            return self.find_button(label) is not None

    def checkout(self, invoice_message: dict | None = None, timeout: float = 10.0, **overrides: Any) -> dict:
        """Start paying the newest invoice: send a pre_checkout_query; returns the bot's answer."""
        if invoice_message is None:
            invoice_message = self.wait_for_invoice(timeout)
        with self.emu.cond:
            params = self.emu.invoices[(self.id, invoice_message["message_id"])]
        return self.checkout_params(params, timeout, **overrides)

    def checkout_params(self, params: dict, timeout: float = 10.0, **overrides: Any) -> dict:
        """A pre_checkout_query for an invoice with these parameters; returns the bot's answer."""
        query_id = uuid.uuid4().hex
        query = {
            "id": query_id,
            "from": self.user,
            "currency": params["currency"],
            "total_amount": sum(p["amount"] for p in params["prices"]),
            "invoice_payload": params["payload"],
            **overrides,
        }
        self.emu.push_update({"pre_checkout_query": query})
        return self.emu.wait_until(lambda: self.emu.precheckout_answers.get(query_id), timeout, "pre-checkout answer")

    def pay(self, timeout: float = 10.0) -> str:
        """Pay the newest invoice in full; returns the telegram_payment_charge_id."""
        invoice_message = self.wait_for_invoice(timeout)
        answer = self.checkout(invoice_message, timeout)
        assert answer["ok"], f"pre-checkout was refused: {answer}"
        with self.emu.cond:
            params = self.emu.invoices[(self.id, invoice_message["message_id"])]
        charge_id = "stxTEST" + uuid.uuid4().hex
        self.deliver_payment(params, charge_id)
        return charge_id

    def deliver_payment(self, params: dict, charge_id: str, **recurring: Any) -> None:
        """Telegram's successful_payment service message (sent again to test idempotency)."""
        amount = sum(p["amount"] for p in params["prices"])
        with self.emu.cond:
            self.emu.charges.setdefault(
                charge_id,
                {"user_id": self.id, "amount": amount, "payload": params["payload"], "refunded": False, "subscription": None},
            )
        self.send_content(
            {
                "successful_payment": {
                    "currency": params["currency"],
                    "total_amount": amount,
                    "invoice_payload": params["payload"],
                    "telegram_payment_charge_id": charge_id,
                    "provider_payment_charge_id": "",
                    **recurring,
                }
            }
        )

    def subscribe(self, timeout: float = 10.0, **overrides: Any) -> tuple[dict, str | None]:
        """Open the newest subscription link the bot sent and pay it: (pre-checkout answer, charge id or None)."""

        def newest_link() -> str | None:
            links = [
                button["url"]
                for m in self.emu.messages.get(self.id, {}).values()
                for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
                if button.get("url", "").startswith("https://t.me/$")
            ]
            return links[-1] if links else None

        url = self.emu.wait_until(newest_link, timeout, f"a subscription link for {self.id}")
        with self.emu.cond:
            params = self.emu.invoice_links[url.removeprefix("https://t.me/$")]
        answer = self.checkout_params(params, timeout, **overrides)
        if not answer["ok"]:
            return answer, None
        charge_id = "stxSUB" + uuid.uuid4().hex
        expires = int(time.time()) + params["subscription_period"]
        with self.emu.cond:
            self.emu.subscriptions[charge_id] = {
                "user_id": self.id, "params": params, "canceled": False, "expires": expires, "charges": [charge_id]
            }
        self.deliver_payment(params, charge_id, is_recurring=True, is_first_recurring=True, subscription_expiration_date=expires)
        with self.emu.cond:
            self.emu.charges[charge_id]["subscription"] = charge_id
        return answer, charge_id

    def renew(self, subscription_id: str) -> str:
        """Telegram charges the next period of a subscription (never a cancelled one); returns the new charge id."""
        with self.emu.cond:
            subscription = self.emu.subscriptions[subscription_id]
            assert not subscription["canceled"], "Telegram does not renew a cancelled subscription"
            subscription["expires"] += subscription["params"]["subscription_period"]
            charge_id = "stxSUB" + uuid.uuid4().hex
            subscription["charges"].append(charge_id)
        self.deliver_payment(
            subscription["params"],
            charge_id,
            is_recurring=True,
            is_first_recurring=False,
            subscription_expiration_date=subscription["expires"],
        )
        with self.emu.cond:
            self.emu.charges[charge_id]["subscription"] = subscription_id
        return charge_id

    def refunded_by_telegram(self, charge_id: str) -> None:
        """Telegram refunds a payment on its own (the user asked Telegram): a refunded_payment message."""
        with self.emu.cond:
            charge = self.emu.charges[charge_id]
            charge["refunded"] = True
        self.send_content(
            {
                "refunded_payment": {
                    "currency": "XTR",
                    "total_amount": charge["amount"],
                    "invoice_payload": charge["payload"],
                    "telegram_payment_charge_id": charge_id,
                }
            }
        )

    def wait_for_invoice(self, timeout: float = 10.0) -> dict:
        def newest_invoice() -> dict | None:
            found = [m for m in self.emu.messages.get(self.id, {}).values() if "invoice" in m]
            return found[-1] if found else None

        return self.emu.wait_until(newest_invoice, timeout, f"an invoice for {self.id}")

    def block(self, notify: bool = True) -> None:
        """Block the bot; Telegram then answers 403 and sends a my_chat_member update."""
        with self.emu.cond:
            self.blocked = True
        if notify:
            self.emu.push_update(
                {
                    "my_chat_member": {
                        "chat": self.chat,
                        "from": self.user,
                        "date": int(time.time()),
                        "old_chat_member": {"status": "member", "user": BOT_USER},
                        "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
                    }
                }
            )

    def remove_bot_from(self, chat_type: str, title: str = "Some group") -> None:
        """Remove the bot from a group or channel this person runs (a my_chat_member about that chat)."""
        chat_id = -1001000000000 - self.id
        chat = {"id": chat_id, "type": chat_type, "title": title}
        self.emu.push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": self.user,
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": BOT_USER},
                    "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
                }
            }
        )

    def join(self, channel: str) -> None:
        with self.emu.cond:
            self.emu.channels.setdefault(channel, set()).add(self.id)

    # Reading

    def bot_messages(self) -> list[dict]:
        """Everything the bot sent to this person, oldest first."""
        with self.emu.cond:
            return [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]

    def wait_for(self, needle: str, timeout: float = 10.0) -> dict:
        """Wait for the next unread bot message containing `needle`; marks it and earlier ones read."""

        def find() -> dict | None:
            mine = [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]
            for index in range(self.cursor, len(mine)):
                if needle in (mine[index].get("text") or mine[index].get("caption") or ""):
                    self.cursor = index + 1
                    return mine[index]
            return None

        return self.emu.wait_until(find, timeout, f"{needle!r} for user {self.id} (got {self.unread_texts()})")

    def wait_for_copy(self, of: dict, timeout: float = 10.0) -> dict:
        """Wait for the bot's copy of another person's message in this chat."""
        key = (of["chat"]["id"], of["message_id"])

        def find() -> dict | None:
            for message in self.emu.messages.get(self.id, {}).values():
                if self.emu.copies.get((self.id, message["message_id"])) == key:
                    return message
            return None

        return self.emu.wait_until(find, timeout, f"a copy of message {key} for {self.id}")

    def unread_texts(self) -> list[str]:
        mine = [m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID]
        return [m.get("text") or "<non-text>" for m in mine[self.cursor :]]

    def assert_nothing_new(self, seconds: float = 1.0) -> None:
        """Nothing more arrives from the bot within `seconds`."""
        time.sleep(seconds)
        with self.emu.cond:
            unread = self.unread_texts()
        assert not unread, f"user {self.id} unexpectedly got {unread}"

    def read_all(self) -> None:
        with self.emu.cond:
            self.cursor = len([m for m in self.emu.messages.get(self.id, {}).values() if m["from"]["id"] == BOT_ID])
