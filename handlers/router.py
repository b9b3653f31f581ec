"""Routers: each feature module declares its commands, buttons and text handlers on one.

Like aiogram's routers: a feature owns a module-level `router = Router("name")`, decorates
small async functions on it, and `handlers/routers.py` composes all of them in one list.
Handlers receive a `Context` and return the replies to send (or None to let the next text
handler try).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from foundations.messages import Incoming, Reply

if TYPE_CHECKING:
    from foundations.settings import Config
    from handlers.store import Storage
    from knowledge.service import KnowledgeService


@dataclass
class Services:
    """What handlers may use. `extras` carries services of features wired elsewhere
    (e.g. the officials' registry), keyed by the feature's name."""

    knowledge: KnowledgeService
    config: Config
    storage: Storage | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """One event being handled.

    `text` is what handlers should read: the user's text, redacted when it carried a
    personal ID number, in which case `record` is False and nothing of it is stored.
    `args` are the words after a command, or the parts of a button payload after its prefix.
    """

    incoming: Incoming
    services: Services
    text: str = ""
    args: list[str] = field(default_factory=list)
    record: bool = True

    @property
    def kb(self) -> Any:
        """The knowledge base serving right now (it changes on reload)."""
        return self.services.knowledge.kb


Handler = Callable[[Context], Awaitable[list[Reply] | None]]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    description: str | None  # None: works but is not advertised in the command menu


class Router:
    """The commands, button prefixes and text handlers of one feature."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: list[Command] = []
        self.buttons: dict[str, Handler] = {}
        self.texts: list[Handler] = []
        self.contacts: list[Handler] = []

    def command(self, name: str, description: str | None = None) -> Callable[[Handler], Handler]:
        """Register `/name`; `description` (Vietnamese) is shown in the channel's command list."""

        def register(handler: Handler) -> Handler:
            self.commands.append(Command(name.lower(), handler, description))
            return handler

        return register

    def button(self, prefix: str) -> Callable[[Handler], Handler]:
        """Register presses of buttons whose payload is `prefix` or starts with `prefix:`."""

        def register(handler: Handler) -> Handler:
            self.buttons[prefix] = handler
            return handler

        return register

    def text(self) -> Callable[[Handler], Handler]:
        """Register a free-text handler; it returns None when the text is not for it."""

        def register(handler: Handler) -> Handler:
            self.texts.append(handler)
            return handler

        return register

    def contact(self) -> Callable[[Handler], Handler]:
        """Register a handler for a phone number the user shared; None passes it on."""

        def register(handler: Handler) -> Handler:
            self.contacts.append(handler)
            return handler

        return register


class Dispatcher:
    """All routers merged in order; duplicate commands or button prefixes are a wiring bug."""

    def __init__(self, routers: list[Router]) -> None:
        self.commands: dict[str, Command] = {}
        self.buttons: dict[str, Handler] = {}
        self.texts: list[Handler] = []
        self.contacts: list[Handler] = []
        for router in routers:
            for command in router.commands:
                if command.name in self.commands:
                    raise ValueError(f"command /{command.name} registered twice ({router.name})")
                self.commands[command.name] = command
            for prefix, handler in router.buttons.items():
                if prefix in self.buttons:
                    raise ValueError(f"button prefix {prefix!r} registered twice ({router.name})")
                self.buttons[prefix] = handler
            self.texts.extend(router.texts)
            self.contacts.extend(router.contacts)

    def advertised_commands(self) -> list[tuple[str, str]]:
        """(name, description) of the commands to show in a channel's command menu."""
        return [(c.name, c.description) for c in self.commands.values() if c.description]
