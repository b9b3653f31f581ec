"""Telegram in: an update as Telegram sent it (JSON) as the conversation's `Incoming`, and
the getUpdates transport that hands each update to the channel as it arrives.

Why not PTB's `Update`: the conversation reads five fields of an update, and building
PTB's object tree for them (`Update.de_json`) cost about 0.5 ms of CPU per update, as much
again as the rest of receiving it; in polling mode each update was even parsed twice
(benchmarks/README.md). PTB still sends, polls (its Updater keeps the offset, retries and
backs off) and reads getMe; it no longer builds or dispatches the updates themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.telegram import CHANNEL
from bot.channels.telegram.request import AiohttpRequest
from foundations.messages import Incoming

log = logging.getLogger(__name__)


class MalformedUpdate(ValueError):
    """An update whose fields do not have the Bot API's shape."""


@dataclass(frozen=True)
class Received:
    """What the conversation gets of an update, and the button press to acknowledge."""

    incoming: Incoming
    callback_query_id: str | None = None


class ForwardingRequest(AiohttpRequest):
    """getUpdates transport that hands every update to `receive`, in the order Telegram sent
    them, and leaves PTB's Updater only their ids (which it needs to confirm them).

    `receive` must not block: it is called while PTB reads the batch. A malformed update is
    `receive`'s to report; it can no longer make PTB fetch the same batch forever.
    """

    __slots__ = ("_receive",)

    def __init__(self, receive: Callable[[Any], None], shares: AiohttpRequest) -> None:
        super().__init__(shares=shares)
        self._receive = receive

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            data["result"] = [self._forward(item) for item in result]
        return data

    def _forward(self, item: Any) -> dict[str, int]:
        self._receive(item)
        update_id = item.get("update_id") if isinstance(item, dict) else None
        return {"update_id": update_id if isinstance(update_id, int) else 0}


def update_id(update: Any) -> object:
    """The update's id, for the log (None when it has none)."""
    return update.get("update_id") if isinstance(update, dict) else None


def to_received(update: Any) -> Received | None:
    """The conversation event in a Telegram update, or None if there is none we handle
    (stickers, edits, channel posts...); MalformedUpdate when its fields are not the Bot
    API's (an object where a number belongs, a string where an object does)."""
    try:
        return _read(update)
    except (AttributeError, TypeError, KeyError) as exc:
        raise MalformedUpdate(type(exc).__name__) from exc


def _read(update: dict[str, Any]) -> Received | None:
    query = update.get("callback_query")
    if query is not None:
        return _button(query)
    message = update.get("message")
    return None if message is None else _message(message)


def _button(query: dict[str, Any]) -> Received | None:
    message = query.get("message")
    chat = message["chat"] if message is not None else None
    if chat is None or not query.get("data"):
        return None
    incoming = Incoming(**_who(query["from"], chat), button=query["data"],
                        message_id=str(message["message_id"]))
    return Received(incoming, str(query["id"]))


def _message(message: dict[str, Any]) -> Received | None:
    user, chat = message.get("from"), message["chat"]
    if user is None or chat is None:
        return None
    who, message_id = _who(user, chat), str(message["message_id"])
    contact = message.get("contact")
    if contact is not None and contact.get("user_id") == user["id"] and contact.get(
            "phone_number"):
        return Received(Incoming(**who, phone=contact["phone_number"], message_id=message_id))
    if message.get("text"):
        return Received(Incoming(**who, text=message["text"], message_id=message_id))
    return None


def _who(user: dict[str, Any], chat: dict[str, Any]) -> dict[str, str]:
    """The Incoming's channel, user, chat and name (PTB's `User.full_name`)."""
    name = user["first_name"]
    if user.get("last_name"):
        name = f"{name} {user['last_name']}"
    return {"channel": CHANNEL, "user_id": str(user["id"]), "chat_id": str(chat["id"]),
            "display_name": name or ""}
