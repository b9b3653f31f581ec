"""Configuration: YAML file merged over built-in defaults, secrets overridable from the environment.

Defaults live here so that the bot runs on a fresh machine with no config file at all;
`config.example.yaml` documents every key and must stay in step with DEFAULTS
(a test checks that).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ENV_PREFIX = "TROLY06_"
DEFAULT_PATH = Path("config.yaml")
SECRET_WORDS = ("token", "secret", "password")

DEFAULTS: dict[str, Any] = {
    "knowledge": {
        "faq_dir": None,  # None: the FAQ files shipped in the package
        "synonyms": None,  # None: the synonyms file shipped in the package
        "answer_threshold": 72.0,
        "suggest_threshold": 68.0,
        "answer_margin": 4.0,
        "max_suggestions": 3,
    },
    "admin": {
        "users": [],  # "channel:user_id", e.g. "telegram:123456"
    },
    "storage": {
        "path": "data/troly06.db",
        "retention_days": 180,
    },
    "flood": {
        "max_messages": 20,
        "per_seconds": 60,
    },
    "telegram": {
        "token": None,
        "base_url": "https://api.telegram.org/bot",
        "mode": "polling",
        "webhook_url": None,
        "webhook_listen": "127.0.0.1",
        "webhook_port": 8443,
        "webhook_path": "/telegram",
        "secret_token": None,
        "poll_timeout": 30,
    },
    "zalo_bot": {
        "token": None,
        "base_url": "https://bot-api.zaloplatforms.com/bot",
        "mode": "polling",
        "poll_timeout": 30,
        "webhook_url": None,
        "webhook_listen": "127.0.0.1",
        "webhook_port": 8444,
        "webhook_path": "/zalo-bot",
        "secret_token": None,
    },
    "zalo_oa": {
        "app_id": None,
        "secret_key": None,
        "app_secret": None,
        "access_token": None,
        "refresh_token": None,
        "base_url": "https://openapi.zalo.me",
        "oauth_url": "https://oauth.zaloapp.com/v4/oa/access_token",
        "webhook_listen": "127.0.0.1",
        "webhook_port": 8445,
        "webhook_path": "/zalo-oa",
        "max_event_age": 600,
        "refresh_margin": 600,
    },
    "console": {
        "enabled": True,
    },
    "outbox": {
        "rates": {"telegram": 25, "zalo_bot": 10, "zalo_oa": 10, "console": 1000},
        "per_chat_interval": 1.0,
        "max_attempts": 5,
        "backoff_base": 1.0,
        "backoff_max": 60.0,
    },
    "scheduler": {
        "enabled": True,
        "files": [],
        "timezone": "Asia/Ho_Chi_Minh",
        "levels": ["tinh", "xa", "thon"],
        "default_due_time": "17:00",
        "reminder_time": "08:00",
        "offsets_days": [7, 3, 1, 0],
        "overdue_days": 3,
        "quiet_start": "21:00",
        "quiet_end": "07:00",
        "snooze_minutes": 120,
        "done_scope": "member",
        "safety_tick_minutes": 5,
    },
}


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the file and the fix."""


class Config:
    """Read-only view of the merged configuration with dotted-key access."""

    def __init__(self, data: Mapping[str, Any], source: Path | None = None) -> None:
        self._data = dict(data)
        self.source = source

    def get(self, dotted_key: str, default: Any = None) -> Any:
        """Return `section.key` (any depth), or `default` when absent."""
        node: Any = self._data
        for part in dotted_key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def section(self, name: str) -> dict[str, Any]:
        """Return one top-level section as a plain dict (empty if missing)."""
        value = self._data.get(name)
        return dict(value) if isinstance(value, Mapping) else {}

    def __repr__(self) -> str:  # secrets must never reach a log line
        return f"Config(source={self.source}, data={redact_secrets(self._data)})"


def redact_secrets(data: Any) -> Any:
    """Copy of `data` with every secret-looking value replaced, for printing."""
    if isinstance(data, Mapping):
        return {
            key: ("***" if _is_secret_key(key) and value else redact_secrets(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_secrets(item) for item in data]
    return data


def _is_secret_key(key: str) -> bool:
    return any(word in str(key).lower() for word in SECRET_WORDS)


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Merge defaults, the YAML file (if any) and `TROLY06_SECTION_KEY` environment variables.

    An explicit `path` must exist; the default `config.yaml` is optional so the bot
    starts on embedded defaults.
    """
    environ = os.environ if environ is None else environ
    data = copy.deepcopy(DEFAULTS)
    source: Path | None = None
    if path is not None or DEFAULT_PATH.exists():
        source = Path(path) if path is not None else DEFAULT_PATH
        _merge(data, _read_yaml(source))
    _apply_environment(data, environ)
    return Config(data, source)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"{path}: không tìm thấy tệp (chép config.example.yaml để bắt đầu)")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", exc)
        raise ConfigError(f"{path}{line}: lỗi cú pháp YAML ({reason})") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: cấp ngoài cùng phải là các mục (telegram:, storage:, ...)")
    return loaded


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> None:
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """`TROLY06_TELEGRAM_TOKEN=x` sets telegram.token; sections with underscores work too.

    Values stay strings (a token such as `123:45` must not become a number); readers cast.
    """
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        for section in sorted(data, key=len, reverse=True):
            if isinstance(data[section], dict) and rest.startswith(section + "_"):
                data[section][rest[len(section) + 1 :]] = value
                break
