"""The settings' types: one frozen dataclass per section of the configuration, and `Config`.

Their field defaults ARE the defaults, so the bot runs on a fresh machine with no config file
at all, and `config.example.yaml` documents every key (a test keeps it in step with them).
They sit in the foundations because every layer reads its own section (the matcher's
thresholds, the reminder policy, the flood limits) while only the loader
(foundations/settings_file.py) knows files and environment variables.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import time
from functools import partial
from pathlib import Path
from typing import Any, Literal, NewType, get_type_hints
from zoneinfo import ZoneInfo

SECRET_WORDS = ("token", "secret", "password", "admins")  # web.admins: password hashes


# Values with a shape of their own beyond their Python type, checked by their own casters.
Score = NewType("Score", float)  # a matcher score, 0–100
ChannelUser = NewType("ChannelUser", str)  # "channel:user_id", e.g. "telegram:123456"
# "name:role:scrypt$…", one web console login as `troly06 web passwd NAME` prints it
WebAdmin = NewType("WebAdmin", str)
WEB_ROLES = ("admin", "viewer")


@dataclass(frozen=True)
class KnowledgeSettings:
    faq_dir: Path | None = None  # None: the FAQ files shipped in the package
    synonyms: Path | None = None  # None: the synonyms file shipped in the package
    answer_threshold: Score = Score(78.0)
    suggest_threshold: Score = Score(70.0)
    answer_margin: Score = Score(10.0)
    max_suggestions: int = 3
    fallback_confidence: Score = Score(35.0)  # the calibration's confidence, in %
    offtopic_confidence: Score = Score(30.0)  # the off-topic probability, in %


@dataclass(frozen=True)
class AdminSettings:
    users: tuple[ChannelUser, ...] = ()


@dataclass(frozen=True)
class StorageSettings:
    path: Path = Path("data/troly06.db")
    retention_days: int = 180


@dataclass(frozen=True)
class FloodSettings:
    max_messages: int = 20
    per_seconds: float = 60


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram"
    secret_token: str | None = None
    poll_timeout: int = 30


@dataclass(frozen=True)
class ZaloBotSettings:
    token: str | None = None
    base_url: str = "https://bot-api.zaloplatforms.com/bot"
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = 30
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8444
    webhook_path: str = "/zalo-bot"
    secret_token: str | None = None


@dataclass(frozen=True)
class ZaloOASettings:
    app_id: str | None = None
    secret_key: str | None = None
    app_secret: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    base_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com/v4/oa/access_token"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8445
    webhook_path: str = "/zalo-oa"
    max_event_age: float = 7200
    refresh_margin: float = 600
    send_billed: bool = False  # reminders only within the free 48 h after a user's message


@dataclass(frozen=True)
class ConsoleSettings:
    enabled: bool = True


@dataclass(frozen=True)
class OutboxSettings:
    rates: Mapping[str, float] = field(default_factory=lambda: types.MappingProxyType(
        {"telegram": 25.0, "zalo_bot": 10.0, "zalo_oa": 10.0, "console": 1000.0}
    ))
    per_chat_interval: float = 1.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0


@dataclass(frozen=True)
class SchedulerSettings:
    enabled: bool = True
    files: tuple[Path, ...] = ()
    timezone: ZoneInfo = field(default_factory=partial(ZoneInfo, "Asia/Ho_Chi_Minh"))
    levels: tuple[str, ...] = ("tinh", "xa", "thon")
    default_due_time: time = time(17, 0)
    reminder_time: time = time(8, 0)
    offsets_days: tuple[int, ...] = (7, 3, 1, 0)
    overdue_days: int = 3
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    snooze_minutes: float = 120
    done_scope: Literal["member", "group"] = "member"
    safety_tick_minutes: float = 5


@dataclass(frozen=True)
class WebSettings:
    """The admin web console (bot/web/), off unless enabled; local-only by default."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8080
    admins: tuple[WebAdmin, ...] = ()
    session_minutes: int = 480
    secure_cookie: bool = False  # served to browsers over HTTPS (a TLS reverse proxy)
    trusted_proxies: tuple[str, ...] = ()  # whose X-Forwarded-For/-Proto are believed


@dataclass(frozen=True)
class LocalSettings:
    """The unit's own contacts, filled into answers' `{local.KEY}` placeholders and /lienhe.

    Field names are the placeholder keys (knowledge/local_facts.py; a test keeps both the
    same). Unset ones stay None: answers then fall back to their generic wording.
    """

    unit_name: str | None = None
    police_name: str | None = None
    police_phone: str | None = None
    police_address: str | None = None
    one_stop_address: str | None = None
    one_stop_hours: str | None = None
    zalo: str | None = None

    def values(self) -> dict[str, str]:
        """The configured values only, as plain data for the knowledge layer."""
        return {key: value for key, value in asdict(self).items() if value}


@dataclass(frozen=True)
class Config:
    """The whole configuration, checked and typed; `source` is the file it came from."""

    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    flood: FloodSettings = field(default_factory=FloodSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo_bot: ZaloBotSettings = field(default_factory=ZaloBotSettings)
    zalo_oa: ZaloOASettings = field(default_factory=ZaloOASettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    local: LocalSettings = field(default_factory=LocalSettings)
    web: WebSettings = field(default_factory=WebSettings)
    source: Path | None = None

    def __repr__(self) -> str:  # secrets must never reach a log line
        return f"Config(source={self.source}, data={redact_secrets(as_plain_data(self))})"


SECTIONS: dict[str, type] = {
    name: hint for name, hint in get_type_hints(Config).items() if is_dataclass(hint)
}


class ConfigError(Exception):
    """The configuration cannot be used; each line names the file or variable, the key and
    what is wrong."""


def as_plain_data(config: Config) -> dict[str, dict[str, Any]]:
    """Every section as YAML would write it (lists, strings), e.g. to compare with the example."""
    return {name: {f.name: _plain(getattr(getattr(config, name), f.name))
                   for f in fields(getattr(config, name))} for name in SECTIONS}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Path | ZoneInfo):
        return str(value)
    return value


DEFAULTS: dict[str, dict[str, Any]] = as_plain_data(Config())


def redact_secrets(data: Any) -> Any:
    """Copy of `data` with every secret-looking value replaced, for printing."""
    if isinstance(data, Mapping):
        return {
            key: ("***" if is_secret_key(key) and value else redact_secrets(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_secrets(item) for item in data]
    return data


def is_secret_key(key: str) -> bool:
    """Whether a key's value is never shown: tokens, secrets, passwords, web logins."""
    return any(word in str(key).lower() for word in SECRET_WORDS)
