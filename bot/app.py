"""The one place where a running bot is assembled: storage, knowledge, conversation, outbox,
channels and background components, all from the configuration.

A new channel (Zalo) or feature with a lifecycle (the reminder scheduler) plugs in by
adding itself in `build_channels` or `build_components`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Coroutine
from typing import Any, Protocol

from bot.channels.console import ConsoleChannel
from bot.channels.settings import retry_policy
from bot.logging_setup import quiet_for_console
from bot.outbox import Outbox
from bot.pidfile import reload_and_report
from foundations.clock import Clock, SystemClock
from foundations.settings import Config
from handlers.admin import settle_memory
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.store import Storage
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)

RETENTION_CHECK_SECONDS = 6 * 3600


class Component(Protocol):
    """Something that runs alongside the bot: a channel, a timer."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class App:
    """Everything one running bot is made of."""

    def __init__(
        self,
        config: Config,
        knowledge: KnowledgeService | None = None,
        console: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """`knowledge` may be given to share one loaded knowledge base (tests, tools);
        `console` serves the terminal only, whatever platforms are configured; `clock`
        times everything that waits (the outbox, reminders, retention, start-up retries)."""
        self.clock = clock or SystemClock()
        self.config = config
        self.storage = Storage.open(config.storage.path, config.storage.retention_days)
        self.knowledge = knowledge or KnowledgeService.from_config(config)
        self.services = Services(knowledge=self.knowledge, config=config, storage=self.storage)
        self.conversation = Conversation(self.services)
        self.outbox = Outbox(clock=self.clock, retry=retry_policy(config))
        self.console: ConsoleChannel | None = None
        self.channels: list[Component] = build_channels(self, console)
        self.components: list[Component] = build_components(self, console)
        self._retention: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[list[str]]] = set()

    async def start(self) -> None:
        """Start the outbox first (channels queue into it), then components and channels."""
        await self.outbox.start()
        for component in [*self.components, *self.channels]:
            await component.start()
        self._retention = asyncio.create_task(self._enforce_retention(), name="retention")

    async def stop(self) -> None:
        """Stop receiving first, then everything else in reverse order."""
        if self._retention is not None:
            self._retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retention
        for component in reversed([*self.components, *self.channels]):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %r failed", component)
        await self.outbox.stop()

    def reload_in_background(self) -> asyncio.Task[list[str]]:
        """SIGHUP: reload the FAQ and task files; problems are logged by reload_parts."""
        task = asyncio.create_task(reload_and_report(self.services), name="reload")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _enforce_retention(self) -> None:
        """Question text older than the retention period goes even if the bot never restarts."""
        while True:
            await self.clock.sleep(RETENTION_CHECK_SECONDS)
            self.storage.purge_expired(self.clock.now())


def build_channels(app: App, console: bool = False) -> list[Component]:
    """The channels the configuration enables (by its token; Zalo OA by its app_id); the
    console alone when asked for, or when nothing else is configured (`console.enabled`)."""
    if console or not platforms_configured(app.config):
        return [_console(app)] if console or app.config.console.enabled else []
    channels: list[Component] = []
    if app.config.telegram.token:
        from bot.channels.telegram.channel import TelegramChannel  # only loaded when configured

        channels.append(
            TelegramChannel(app.config, app.conversation, app.outbox, app.storage, app.clock)
        )
    if app.config.zalo_bot.token:
        from bot.channels.zalo_bot.channel import ZaloBotChannel

        channels.append(ZaloBotChannel(app.config, app.conversation, app.outbox, app.storage))
    if app.config.zalo_oa.app_id:
        from bot.channels.zalo_oa.channel import ZaloOAChannel

        channels.append(ZaloOAChannel(app.config, app.conversation, app.outbox, app.storage))
    return channels


def platforms_configured(config: Config) -> bool:
    """Whether any platform channel is configured (otherwise `run` opens the console)."""
    return bool(config.telegram.token or config.zalo_bot.token or config.zalo_oa.app_id)


def _console(app: App) -> ConsoleChannel:
    app.console = ConsoleChannel(app.config, app.conversation, app.outbox, app.storage)
    return app.console


def build_components(app: App, console: bool = False) -> list[Component]:
    """Background features that are not channels (the broadcast sender, the reminder timer,
    the web console; not the web console in `troly06 chat`, which may run beside the bot)."""
    from bot.broadcast import BroadcastSender, broadcasts_for

    broadcasts = broadcasts_for(app.storage, app.config)
    app.services.extras["broadcasts"] = broadcasts
    components: list[Component] = [BroadcastSender(broadcasts, app.outbox)]
    if app.config.scheduler.enabled:
        from scheduler.app import Officials

        officials = Officials.from_settings(
            app.config.scheduler, app.storage.db, app.outbox, app.clock
        )
        app.services.extras["officials"] = officials
        components.append(officials)
    if app.config.web.enabled and not console:
        from bot.web.app import WebConsole  # only loaded when configured

        components.append(WebConsole(app.config, app.services))
    return components


async def run(config: Config, console: bool = False) -> None:
    """Run the configured channels until interrupted; with none, or with `console`, the
    console chat, until the user leaves it. SIGHUP reloads the files in every mode."""
    quiet = console or not platforms_configured(config)
    with quiet_for_console() if quiet else contextlib.nullcontext():
        await _run(App(config, console=console), console)


async def _run(app: App, console: bool) -> None:
    if not app.channels and not app.config.web.enabled:
        print("Chưa cấu hình kênh nào (telegram.token trống) và console.enabled là false.")
        return
    if app.console is not None and not console:
        print("Chưa cấu hình kênh nào (telegram.token / TROLY06_TELEGRAM_TOKEN, zalo_bot.token, "
              "zalo_oa.app_id trống): mở trò chuyện thử trên dòng lệnh.")
    stop = asyncio.Event()
    _handle_signals(app, stop)
    pid = os.getpid()
    print(f"Trợ lý 06, pid {pid}. Tải lại FAQ và nhiệm vụ: kill -HUP {pid}. Dừng: Ctrl+C.")
    try:
        if await _started_unless_stopped(app, stop):
            settle_memory()
            if app.console is None:
                print(f"Trợ lý 06 đang chạy ({len(app.channels)} kênh).")
            if app.config.web.enabled:
                web = app.config.web
                print(f"Trang quản trị: http://{web.listen}:{web.port}/")
            await _first(stop.wait(), *([app.console.closed.wait()] if app.console else []))
    finally:
        await app.stop()


def _handle_signals(app: App, stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM stop the bot, SIGHUP reloads its files (not on Windows)."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, AttributeError):
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        loop.add_signal_handler(signal.SIGHUP, app.reload_in_background)


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of `waits` finishes; cancel the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def _started_unless_stopped(app: App, stop: asyncio.Event) -> bool:
    """Start the app; Ctrl+C still works while a channel waits out a network outage.

    Returns False if stopped first; a start failure (e.g. a rejected token) is raised.
    """
    starting = asyncio.create_task(app.start(), name="start")
    stopping = asyncio.create_task(stop.wait(), name="stop")
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        return False
    starting.result()
    return True
