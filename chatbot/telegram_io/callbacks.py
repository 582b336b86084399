"""Every kind of button data in one place: its prefix, how it is built, how it is read, its pattern.

Data is `prefix` or `prefix:field:field`; each field has a regular expression. Patterns match the
whole data (`\\A...\\Z`): a `$` would also match before a final newline that forged data may carry.
"""

from __future__ import annotations

import re

from chatbot.core.interests import TOPICS
from chatbot.i18n.texts import LANGUAGES


class Callback:
    """One kind of button data."""

    def __init__(self, prefix: str, *fields: str) -> None:
        self.prefix = prefix
        self.pattern = re.compile(rf"\A{re.escape(prefix)}" + "".join(f":({f})" for f in fields) + r"\Z")

    def build(self, *values: object) -> str:
        """The data for these field values (checked against the pattern; Telegram allows 64 bytes)."""
        data = ":".join((self.prefix, *map(str, values)))
        if not self.pattern.match(data) or len(data.encode()) > 64:
            raise ValueError(f"not {self.prefix} data: {data!r}")
        return data

    def parse(self, data: str | None) -> tuple[str, ...] | None:
        """The field values, or None if the data is not of this kind."""
        match = self.pattern.match(data or "")
        return match.groups() if match else None


GENDER = Callback("gender", "male|female")
JOINED = Callback("joined")
RATE = Callback("rate", r"\d{1,18}", "good|bad|scam")
BUY_VIP = Callback("buy_vip")
PARTNER_GENDER = Callback("prefer", "male|female|any")
AGE_RANGE = Callback("age_range")
SUBSCRIBE = Callback("subscribe")
CANCEL_SUBSCRIPTION = Callback("unsubscribe")
REFUND = Callback("refund", r"\d{1,18}")
REPORT = Callback("report", r"\d{1,18}", "sexual|insults|spam|underage|other")
REPORT_ACTION = Callback("report_do", r"\d{1,18}", "ban|purge|suspend|dismiss")
APPEAL_ACTION = Callback("appeal_do", r"\d{1,18}", "unban|reject")
DELETE_ME = Callback("deleteme", "yes|no")
LANGUAGE = Callback("lang", "|".join(LANGUAGES))
BROADCAST = Callback("bcast", r"\d{1,18}", "send|cancel|stop")
ANNOUNCEMENTS = Callback("announce")
INTERESTS = Callback("interests")
INTEREST = Callback("interest", "|".join(TOPICS))
INTERESTS_DONE = Callback("interests_done")
REVEAL = Callback("reveal", r"\d{1,18}", "yes|no")
AGAIN = Callback("again", r"\d{1,18}")
REMATCH = Callback("rematch", r"\d{1,18}", "yes|no")
PROTECT = Callback("protect")
HIDE_MEDIA = Callback("hide_media")
