"""What a message carries, as the relay and announcements see it."""

from __future__ import annotations

from telegram import Message

from config import MESSAGE_TYPES


def message_kind(message: Message) -> str:
    """What a message carries: 'text', one of config.MESSAGE_TYPES, 'contact', or 'other'."""
    if message.text is not None:
        return "text"
    # Order matters: an animation also has a document, a venue also has a location.
    for kind in ("animation", "venue", "contact", *MESSAGE_TYPES):
        if getattr(message, kind, None):
            return kind
    return "other"


def visible_text(message: Message) -> tuple[str, list[str]]:
    """Every text the partner would see (text, caption, poll, venue, file name) and the entity types."""
    parts = [message.text or message.caption or ""]
    entity_types = [str(e.type) for e in (message.entities or message.caption_entities or ())]
    if message.poll:
        parts += [message.poll.question, *(option.text for option in message.poll.options)]
    if message.venue:
        parts += [message.venue.title, message.venue.address]
    if message.document and message.document.file_name:
        parts.append(message.document.file_name)
    return "\n".join(p for p in parts if p), entity_types


def command_of(message: Message | None) -> str | None:
    """The command a message starts with ('search' for '/search@bot x'), lower-cased, or None.

    As Telegram marks a command: a slash, then 1 to 32 letters, digits or underscores, an optional
    @botname, then the end or white space."""
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    head = message.text.split(maxsplit=1)[0]
    name = head[1:].split("@", 1)[0]
    if not 1 <= len(name) <= 32 or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        return None
    return name.lower()
