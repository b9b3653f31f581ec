"""Telegram in: a PTB `Update` as the conversation's `Incoming`, and the getUpdates
transport that keeps one malformed update from stopping polling."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from bot.channels.telegram import CHANNEL
from bot.channels.telegram.request import AiohttpRequest
from foundations.messages import Incoming

log = logging.getLogger(__name__)


class TolerantRequest(AiohttpRequest):
    """getUpdates transport that replaces updates PTB cannot parse by bare update ids.

    PTB parses a whole batch at once: one malformed update would make it fetch the same
    batch forever. A bare `{"update_id": N}` still advances the offset; the handler then
    logs and skips it.
    """

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            data["result"] = [_parsable(item) for item in result]
        return data


def _parsable(item: Any) -> Any:
    try:
        Update.de_json(item, None)  # type: ignore[arg-type]
    except Exception as exc:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        log.warning("malformed update %s skipped: %s", update_id, type(exc).__name__)
        return {"update_id": update_id} if isinstance(update_id, int) else {"update_id": 0}
    return item


def to_incoming(update: Update) -> Incoming | None:
    """The conversation event in a Telegram update, or None if there is none we handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    common = {
        "channel": CHANNEL,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "display_name": user.full_name or "",
    }
    query = update.callback_query
    if query is not None:
        if not query.data:
            return None
        message_id = str(query.message.message_id) if query.message else None
        return Incoming(**common, button=query.data, message_id=message_id)
    message = update.message
    if message is None:
        return None
    contact = message.contact
    if contact is not None and contact.user_id == user.id and contact.phone_number:
        return Incoming(**common, phone=contact.phone_number, message_id=str(message.message_id))
    if message.text:
        return Incoming(**common, text=message.text, message_id=str(message.message_id))
    return None
