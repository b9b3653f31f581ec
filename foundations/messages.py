"""The channel-agnostic shapes of a conversation: what comes in and what goes out.

Channel adapters translate their platform's updates into `Incoming` and render
`Reply` for their platform; nothing in `handlers/` knows which platform it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: sent text, pressed a button, or shared a phone number."""

    channel: str  # "telegram", "zalo_bot", "zalo_oa", "console", "web"
    user_id: str
    chat_id: str
    display_name: str = ""
    text: str | None = None
    button: str | None = None  # payload of the pressed button
    phone: str | None = None  # a contact the user shared about themselves
    message_id: str | None = None  # the platform's id, for de-duplication and quoting
    # The channel shows buttons as a numbered list (Zalo, console): a typed "2" then
    # presses the second button of the last reply sent to this chat.
    numbered_choices: bool = False


@dataclass(frozen=True)
class Button:
    """A choice offered to the user. `payload` is short ASCII (Telegram allows 64 bytes)."""

    label: str
    payload: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Reply:
    """One message to send. `text` is plain text; each channel escapes and formats it.

    `title` is shown emphasised (bold on Telegram) above the text; `buttons` are rows.
    """

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    links: tuple[Link, ...] = ()
    request_phone: bool = False  # offer the channel's "share my phone number" button
    tags: frozenset[str] = field(default_factory=frozenset)  # e.g. {"answer"}, for adapters/tests

    def all_buttons(self) -> list[Button]:
        """Buttons in reading order, for channels that show them as a numbered list."""
        return [button for row in self.buttons for button in row]
