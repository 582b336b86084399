"""Albums on their way to the partner: Telegram delivers an album's messages one by one, within a
moment of each other; they are collected here and copied together as one album (the relay's own state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InputMediaPhoto, InputMediaVideo


@dataclass
class PendingAlbum:
    """Messages of one album, collected until they are copied together."""

    media_group_id: str
    message_ids: list[int] = field(default_factory=list)
    blocked: str | None = None  # the text key of the reason, if any message of it failed the filter
    # Each message as the same file covered (sending.covered_media), for a partner who hides media;
    # None for an item that cannot be covered (then the album is copied as it is).
    covered: dict[int, InputMediaPhoto | InputMediaVideo | None] = field(default_factory=dict)


class Albums(dict[int, PendingAlbum]):
    """Sender id -> the album being collected from them."""
