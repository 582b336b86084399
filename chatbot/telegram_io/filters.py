"""Custom filters the registrar routes by: where a user is, read from memory as each update passes
(the flow state and the pairing state are mirrored there; no database read per update)."""

from __future__ import annotations

from telegram import Message
from telegram.ext import filters

from chatbot.core.flows import Conversations, Flow, Step
from chatbot.core.pairing import ChatState


class InFlow(filters.MessageFilter):
    """A message from a user at this step of a flow (the flow waits for this message)."""

    def __init__(self, conversations: Conversations, flow: Flow, step: Step) -> None:
        super().__init__(name=f"InFlow({flow.value}, {step.value})")
        self.conversations = conversations
        self.flow = flow
        self.step = step

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return user is not None and self.conversations.at(user.id, self.flow, self.step)


class InChat(filters.MessageFilter):
    """A message from a user who is in a chat."""

    def __init__(self, state: ChatState) -> None:
        super().__init__(name="InChat")
        self.state = state

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return user is not None and user.id in self.state.active_chats
