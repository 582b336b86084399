"""What the emulator and the simulated people share: the Bot API's facts (`botapi_slice.json`), the
test bot's identity, Telegram's error answers, and the shapes of the messages Telegram sends."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

SLICE = json.loads((Path(__file__).with_name("botapi_slice.json")).read_text(encoding="utf-8"))
BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Anon Chat", "username": "anon_chat_test_bot"}
SENDING_METHODS = frozenset(
    {"sendMessage", "copyMessage", "copyMessages", "forwardMessage", "sendPhoto", "sendVideo", "sendAnimation",
     "sendMediaGroup", "sendInvoice"}
)
CONTENT_FIELDS = (
    "text", "entities", "photo", "caption", "caption_entities", "sticker", "voice", "video", "video_note",
    "animation", "audio", "document", "location", "venue", "dice", "poll", "contact", "media_group_id",
    "has_media_spoiler", "show_caption_above_media", "has_protected_content",
)  # fmt: skip
URL_RE = re.compile(r"https?://\S+|www\.\S+")
MENTION_RE = re.compile(r"(?<![\w.])@[A-Za-z]\w{3,}")
PNG_SIGNATURE = "89504e470d0a1a0a"
# A bot may delete a message in a private chat for this long after it was sent (seconds).
DELETE_WINDOW = 48 * 3600
# The emoji a ReactionTypeEmoji may carry, as the Bot API lists them.
REACTION_EMOJI = frozenset(SLICE["reaction_emoji"])
# The only period Telegram accepts for a Stars subscription (30 days, in seconds).
SUBSCRIPTION_PERIOD = 2592000
HTTP_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip
COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]+(?:@\w+)?")


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def text_entities(text: str) -> list[dict]:
    """The entities Telegram would add to a typed text: bot_command, url, mention."""
    entities = []
    found = []
    match = COMMAND_RE.match(text)
    if match:
        found.append(("bot_command", match))
    found += [("url", m) for m in URL_RE.finditer(text)]
    found += [("mention", m) for m in MENTION_RE.finditer(text)]
    for kind, m in sorted(found, key=lambda item: item[1].start()):
        entities.append(
            {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
        )
    return entities


def check_object(obj: Any, type_name: str, path: str = "") -> list[str]:
    """Problems with an object the emulator builds: missing required fields, unknown fields."""
    spec = SLICE["types"].get(type_name)
    if spec is None or not isinstance(obj, dict):
        return []
    problems = [f"{path}{type_name}.{name} is required" for name, f in spec.items() if f["required"] and name not in obj]
    for name, value in obj.items():
        if name not in spec:
            problems.append(f"{path}{type_name} has no field {name}")
            continue
        for field_type in spec[name]["types"]:
            inner = field_type.removeprefix("Array of ")
            values = value if field_type.startswith("Array of ") and isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, list):  # Array of Array of X (keyboards)
                    for sub in item:
                        problems += check_object(sub, inner.removeprefix("Array of "), f"{path}{name}.")
                else:
                    problems += check_object(item, inner, f"{path}{name}.")
    return problems


def media(kind: str, caption: str | None = None) -> dict:
    """Content fields of a message of this kind, shaped like Telegram's."""

    def file(**more: Any) -> dict:
        return {"file_id": "BQAC" + uuid.uuid4().hex, "file_unique_id": uuid.uuid4().hex[:12], **more}

    thumb = file(width=90, height=90)
    contents: dict[str, dict[str, Any]] = {
        "photo": {"photo": [file(width=90, height=90), file(width=1280, height=960)]},
        "video": {"video": file(width=640, height=360, duration=12)},
        "animation": {"animation": file(width=320, height=240, duration=3), "document": file(file_name="a.mp4")},
        "sticker": {"sticker": file(type="regular", width=512, height=512, is_animated=False, is_video=False)},
        "voice": {"voice": file(duration=4)},
        "video_note": {"video_note": file(length=240, duration=5, thumbnail=thumb)},
        "audio": {"audio": file(duration=180, title="Song")},
        "document": {"document": file(file_name="notes.pdf", mime_type="application/pdf")},
        "location": {"location": {"latitude": 48.85, "longitude": 2.35}},
        "venue": {
            "venue": {"location": {"latitude": 48.85, "longitude": 2.35}, "title": "Cafe", "address": "1 Main St"},
            "location": {"latitude": 48.85, "longitude": 2.35},
        },
        "dice": {"dice": {"emoji": "🎲", "value": 4}},
        "poll": {
            "poll": {
                "id": uuid.uuid4().hex, "question": "Tea or coffee?",
                "options": [{"persistent_id": "1", "text": "Tea", "voter_count": 0},
                            {"persistent_id": "2", "text": "Coffee", "voter_count": 0}],
                "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                "allows_multiple_answers": False, "allows_revoting": False, "members_only": False,
            }
        },  # fmt: skip
        "contact": {"contact": {"phone_number": "+15550001111", "first_name": "Someone"}},
    }
    content = dict(contents[kind])
    if caption is not None:
        content["caption"] = caption
    return content
