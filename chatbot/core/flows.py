"""Multi-step conversations: every flow and its steps, declared in one block, kept in SQLite.

A user's place in a flow is a row of `conversations`, so a restart or a crash never loses anyone
half-way (python-telegram-bot's ConversationHandler keeps it in memory and is not meant for
concurrent updates). A user may be in several flows at once: a half-registered user can still ask
for payment support.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Flow(str, Enum):
    REGISTRATION = "registration"
    CHANNELS = "channels"
    SUPPORT = "support"
    SETTINGS = "settings"
    APPEAL = "appeal"
    DELETION = "deletion"
    BROADCAST = "broadcast"
    INVITED = "invited"


class Step(str, Enum):
    GENDER = "gender"
    AGE = "age"
    JOIN = "join"
    MESSAGE = "message"
    AGE_RANGE = "age_range"
    CONFIRM = "confirm"
    REGISTER = "register"


# Order matters: each flow's steps in the order a user goes through them. After the last the row
# is deleted (the flow is done).
FLOWS: dict[Flow, tuple[Step, ...]] = {
    # /start -> GENDER (asked; 👨 Male / 👩 Female) -> AGE (gender in data; owes the age) -> registered
    Flow.REGISTRATION: (Step.GENDER, Step.AGE),
    # a required channel missing -> JOIN (shown the channels) -> "✅ I've joined" passes the check
    Flow.CHANNELS: (Step.JOIN,),
    # /paysupport -> MESSAGE (owes one message) -> copied to the admins
    Flow.SUPPORT: (Step.MESSAGE,),
    # /settings, "🎂 Age range" (VIP) -> AGE_RANGE (owes a range like 20-30) -> saved; /settings cancels
    Flow.SETTINGS: (Step.AGE_RANGE,),
    # /appeal (banned, not appealed yet) -> MESSAGE (owes one message) -> a card to every admin
    Flow.APPEAL: (Step.MESSAGE,),
    # /deleteme -> CONFIRM ("🗑 Delete my data" / "Cancel") -> deleted, or nothing changed
    Flow.DELETION: (Step.CONFIRM,),
    # /broadcast (an admin) -> MESSAGE (owes the announcement) -> a preview with 📣 Send / Cancel
    Flow.BROADCAST: (Step.MESSAGE,),
    # an invite link (/start <code>) opened by someone not registered -> REGISTER (the code in data)
    # -> counted for the inviter once registration ends (an unknown code counts for nobody)
    Flow.INVITED: (Step.REGISTER,),
}


# Each flow's step names as stored, to recognise a row left by an older version of the flows.
_STORED_STEPS = {flow: frozenset(step.value for step in steps) for flow, steps in FLOWS.items()}


class FlowStore(Protocol):
    """Where the flows keep each user's step (the database's conversations)."""

    def step(self, user_id: int, flow: str) -> tuple[str, str] | None: ...
    def set_step(self, user_id: int, flow: str, step: str, data: str) -> None: ...
    def end(self, user_id: int, flow: str) -> bool: ...


class Conversations:
    """Where each user is in each flow."""

    def __init__(self, db: FlowStore) -> None:
        self.db = db

    def step(self, user_id: int, flow: Flow) -> tuple[Step, str] | None:
        """(step, data) of the user in the flow, or None if they are not in it."""
        row = self.db.step(user_id, flow.value)
        if row is None or row[0] not in _STORED_STEPS[flow]:
            return None
        return Step(row[0]), row[1]

    def at(self, user_id: int, flow: Flow, step: Step) -> bool:
        """Whether the user is at this step of the flow."""
        current = self.step(user_id, flow)
        return current is not None and current[0] is step

    def move(self, user_id: int, flow: Flow, step: Step, data: str = "") -> None:
        """Put the user at a step of the flow."""
        if step not in FLOWS[flow]:
            raise ValueError(f"{step} is not a step of {flow}")
        self.db.set_step(user_id, flow.value, step.value, data)

    def end(self, user_id: int, flow: Flow) -> bool:
        """The user is done with (or left) the flow; True if they were in it."""
        return self.db.end(user_id, flow.value)
