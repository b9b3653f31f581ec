"""Button payloads: short ASCII strings that fit Telegram's 64-byte callback_data.

A payload is `prefix:part:part`. Entry and category ids are slugs and usually short, but
admins may write long ones, so any id that is not short ASCII is replaced by a stable
hash token (`#` + 12 hex digits) and resolved back by scanning the knowledge base.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

MAX_PAYLOAD_BYTES = 64
MAX_ID_BYTES = 40  # leaves room for a prefix and two short parts
SEPARATOR = ":"


def token(identifier: str) -> str:
    """The id itself when short plain ASCII, else its hash token."""
    if (
        identifier.isascii()
        and len(identifier) <= MAX_ID_BYTES
        and SEPARATOR not in identifier
        and not identifier.startswith("#")
    ):
        return identifier
    return "#" + hashlib.sha1(identifier.encode("utf-8")).hexdigest()[:12]


def payload(prefix: str, *parts: object) -> str:
    """Join a payload; raises if a caller builds one over the limit (a bug, not user input)."""
    text = SEPARATOR.join([prefix, *(str(part) for part in parts)])
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload over {MAX_PAYLOAD_BYTES} bytes: {text!r}")
    return text


def split(data: str) -> tuple[str, list[str]]:
    """`"q:abc"` → `("q", ["abc"])`."""
    prefix, *parts = data.split(SEPARATOR)
    return prefix, parts


def resolve(tok: str, items: Iterable[Any]) -> Any | None:
    """The item (anything with an `.id`) whose token is `tok`, or None if it is gone."""
    return next((item for item in items if token(item.id) == tok), None)
