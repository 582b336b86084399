"""Albums on their way to the partner: Telegram delivers an album's messages one by one, within a
moment of each other; they are collected here and copied together as one album (the relay's own state)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PendingAlbum:
    """Messages of one album, collected until they are copied together."""

    media_group_id: str
    message_ids: list[int] = field(default_factory=list)
    blocked: str | None = None  # the text key of the reason, if any message of it failed the filter


class Albums(dict[int, PendingAlbum]):
    """Sender id -> the album being collected from them."""
