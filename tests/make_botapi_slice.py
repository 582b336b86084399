"""Regenerate tests/botapi_slice.json from the official Bot API description.

    python tests/make_botapi_slice.py [path/to/api.json]

The slice holds, for each method the bot (or the emulator's people) use, its parameters with their
types and required flags, and the same for the types the emulator builds. These are facts of the Bot
API; the slice lets the tests run on a clone without ../shared.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "botapi" / "api.json"
TARGET = HERE / "botapi_slice.json"

METHODS = (
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "close",
    "logOut",
    "sendMessage",
    "copyMessage",
    "copyMessages",
    "forwardMessage",
    "sendPhoto",
    "sendMediaGroup",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "setMessageReaction",
    "sendVideo",
    "sendAnimation",
    "answerCallbackQuery",
    "sendInvoice",
    "answerPreCheckoutQuery",
    "createInvoiceLink",
    "editUserStarSubscription",
    "refundStarPayment",
    "getChatMember",
    "getChat",
    "setMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "setMyShortDescription",
    "getMyCommands",
    "getMyDescription",
    "getMyShortDescription",
    "sendChatAction",
)

TYPES = (
    "Update",
    "Message",
    "MessageId",
    "User",
    "Chat",
    "ChatFullInfo",
    "MessageEntity",
    "CallbackQuery",
    "PreCheckoutQuery",
    "SuccessfulPayment",
    "RefundedPayment",
    "Invoice",
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "ChatMemberUpdated",
    "ChatMemberMember",
    "ChatMemberLeft",
    "ChatMemberBanned",
    "ChatMemberAdministrator",
    "PhotoSize",
    "Sticker",
    "Voice",
    "Video",
    "VideoNote",
    "Animation",
    "Audio",
    "Document",
    "Location",
    "Venue",
    "Contact",
    "Dice",
    "Poll",
    "PollOption",
    "BotCommand",
    "WebhookInfo",
    "MessageReactionUpdated",
    "ReactionTypeEmoji",
    "ReactionTypeCustomEmoji",
    "ReactionTypePaid",
    "InputMediaPhoto",
    "InputMediaVideo",
    "BotDescription",
    "BotShortDescription",
)


def fields(entry: dict) -> dict[str, dict]:
    return {f["name"]: {"types": f["types"], "required": f["required"]} for f in entry.get("fields", [])}


def build(source: Path) -> dict:
    api = json.loads(source.read_text(encoding="utf-8"))
    missing = [m for m in METHODS if m not in api["methods"]] + [t for t in TYPES if t not in api["types"]]
    if missing:
        raise SystemExit(f"not in {source}: {', '.join(missing)}")
    return {
        "source": "Telegram Bot API (github.com/PaulSonOfLars/telegram-bot-api-spec api.json, MIT)",
        "version": api.get("version"),
        "methods": {name: fields(api["methods"][name]) for name in METHODS},
        "types": {name: fields(api["types"][name]) for name in TYPES},
        # The emoji a ReactionTypeEmoji may carry: listed only in the field's description.
        "reaction_emoji": re.findall(r'"([^"]+)"', str(_emoji_field(api)["description"])),
    }


def _emoji_field(api: dict) -> dict:
    return next(f for f in api["types"]["ReactionTypeEmoji"]["fields"] if f["name"] == "emoji")


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    TARGET.write_text(json.dumps(build(source), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} from {source}")


if __name__ == "__main__":
    main()
