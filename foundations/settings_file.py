"""Reading the settings: built-in defaults, then the YAML file, then `TROLY06_<SECTION>_<KEY>`
variables, into the types of foundations/settings.py.

Everything is checked and cast once, at start-up: an admin's typo (`admn:`, a word where a
number belongs, one user written where a list belongs) is one Vietnamese line naming the file
and line or the environment variable, and the key, with "có phải ý bạn là …?" for an unknown
key. Nothing reads a raw dict later. It is pure (files and environment in, a `Config` out), so
it sits with the types and any command (`troly06 tasks check` too) can load a configuration.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import types
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import time
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from foundations.settings import (
    SECTIONS,
    WEB_ROLES,
    ChannelUser,
    Config,
    ConfigError,
    Score,
    WebAdmin,
    is_secret_key,
)
from foundations.yaml_lines import LocatedDict, load_located_yaml

ENV_PREFIX = "TROLY06_"
DEFAULT_PATH = Path("config.yaml")
TRUE_WORDS = frozenset({"true", "1", "yes", "có", "co", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "không", "khong", "off"})


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, overridden by the YAML file (if any), overridden by the environment.

    An explicit `path` must exist; the default `config.yaml` is optional so the bot starts
    on embedded defaults. Raises ConfigError listing every mistake, one per line.
    """
    environ = os.environ if environ is None else environ
    source: Path | None = None
    given = _Given()
    if path is not None or DEFAULT_PATH.exists():
        source = Path(path) if path is not None else DEFAULT_PATH
        given.read_file(source)
    given.read_environment(environ)
    sections = {name: given.section(name, cls) for name, cls in SECTIONS.items()}
    if given.problems:
        ordered = sorted(given.problems, key=lambda problem: problem[0].order)
        raise ConfigError("\n".join(f"{where}: {text}" for where, text in ordered))
    return Config(**sections, source=source)


class _Invalid(Exception):
    """A value that does not fit its key's type; the message says what it must be."""


@dataclass(frozen=True)
class _Where:
    """Where a value was given, for the message: "config.yaml:12" or "TROLY06_TELEGRAM_TOKEN".

    Problems are listed in file-line order, then the environment's.
    """

    label: str
    order: tuple[int, int]

    def __str__(self) -> str:
        return self.label


@dataclass
class _Value:
    value: Any
    where: _Where


class _Given:
    """The values the file and the environment give, each remembering where it came from."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, _Value]] = {name: {} for name in SECTIONS}
        self.problems: list[tuple[_Where, str]] = []

    def read_file(self, path: Path) -> None:
        if not path.exists():
            raise ConfigError(f"{path}: không tìm thấy tệp (chép config.example.yaml để bắt đầu)")
        data, problems = load_located_yaml(path)
        if problems:
            raise ConfigError("\n".join(str(p) for p in problems))
        if data is None:
            return
        if not isinstance(data, LocatedDict):
            raise ConfigError(f"{path}: cấp ngoài cùng phải là các mục (telegram:, storage:, ...)")
        def at(line: int) -> _Where:
            return _Where(f"{path}:{line}", (0, line))

        for name, section in data.items():
            where = at(data.line_of(str(name)))
            if name not in SECTIONS:
                self.problems.append((where, f"không có mục '{name}'{_hint(name, SECTIONS)}"))
            elif isinstance(section, LocatedDict):
                for key, value in section.items():
                    self._give(name, str(key), value, at(section.line_of(str(key))))
            elif section is not None:
                self.problems.append((where, f"mục {name} phải gồm các khoá con, mỗi khoá "
                                             f"một dòng thụt vào (xem config.example.yaml)"))

    def read_environment(self, environ: Mapping[str, str]) -> None:
        """`TROLY06_ZALO_OA_SECRET_KEY` sets zalo_oa.secret_key: the longest section wins."""
        variables = sorted(v for v in environ if v.startswith(ENV_PREFIX))
        for index, variable in enumerate(variables):
            where = _Where(variable, (1, index))
            rest = variable[len(ENV_PREFIX):].lower()
            name = next((s for s in sorted(SECTIONS, key=len, reverse=True)
                         if rest.startswith(s + "_")), None)
            if name is None:
                guess = _hint(rest.split("_")[0], SECTIONS)
                self.problems.append((where, f"không có mục nào tên như vậy{guess}"))
                continue
            key, value = _from_environment(name, rest[len(name) + 1:], environ[variable])
            self._give(name, key, value, where)

    def _give(self, section: str, key: str, value: Any, where: _Where) -> None:
        known = {f.name: f for f in fields(SECTIONS[section])}
        if key not in known:
            hint = _hint(key, known, section + ".")
            self.problems.append((where, f"không có khoá {section}.{key}{hint}"))
            return
        previous = self.values[section].get(key)
        if previous is not None and isinstance(value, dict) and isinstance(previous.value, dict):
            value = {**previous.value, **value}
        self.values[section][key] = _Value(value, where)

    def section(self, name: str, cls: type) -> Any:
        """The section's dataclass from the given values cast to each field's type."""
        hints = _hints(name)
        defaults = cls()
        cast: dict[str, Any] = {}
        for key, given in self.values[name].items():
            try:
                cast[key] = _cast(hints[key], given.value, getattr(defaults, key))
            except _Invalid as exc:
                hidden = is_secret_key(key) or isinstance(given.value, Mapping)
                shown = "" if hidden else f" (đang là {_show(given.value)})"
                self.problems.append((given.where, f"{name}.{key} {exc}{shown}"))
        return cls(**cast)


def _from_environment(section: str, key: str, text: str) -> tuple[str, Any]:
    """An environment string as the file would give it: `A,B` for a list, and
    `TROLY06_OUTBOX_RATES_TELEGRAM` as the `telegram` entry of outbox.rates."""
    hints = _hints(section)
    nested = next((k for k in hints if key.startswith(k + "_")
                   and get_origin(hints[k]) is Mapping), None)
    if key not in hints and nested is not None:
        return nested, {key[len(nested) + 1:]: text}
    if key in hints and get_origin(hints[key]) is tuple:
        return key, [part.strip() for part in text.split(",") if part.strip()]
    return key, text


def _hints(section: str) -> dict[str, Any]:
    return get_type_hints(SECTIONS[section])


def _hint(name: str, known: Mapping[str, Any], prefix: str = "") -> str:
    """" (có phải ý bạn là admin?)" for a near miss, else nothing."""
    close = difflib.get_close_matches(str(name).lower(), list(known), n=1, cutoff=0.6)
    return f" (có phải ý bạn là {prefix}{close[0]}?)" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"chuỗi '{value}'" if value else "chuỗi rỗng"
    return "trống" if value is None else repr(value)


def _cast(hint: Any, value: Any, default: Any) -> Any:
    """`value` (from YAML, or a string from the environment) as a `hint`; _Invalid if not."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):  # X | None
        if value is None or value == "":
            return None
        return _cast(next(a for a in args if a is not type(None)), value, default)
    if origin is tuple:
        return _cast_list(args[0], value)
    if origin is Mapping:
        return _cast_mapping(args[1], value, default)
    if origin is Literal:
        if value not in args:
            raise _Invalid("phải là một trong: " + ", ".join(args))
        return value
    caster = _SCALARS.get(hint)
    if caster is None:
        raise TypeError(f"no caster for {hint!r}")
    return caster(value)


def _cast_list(item: type, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        example = f"[{value}]" if isinstance(value, str) and value else "[a, b]"
        raise _Invalid(f"phải là một danh sách, ví dụ {example} hoặc mỗi mục một dòng '- …'")
    items = []
    for index, element in enumerate(value):
        try:
            items.append(_cast(item, element, None))
        except _Invalid as exc:
            shown = "" if item is WebAdmin else f" ({_show(element)})"  # hashes stay unseen
            raise _Invalid(f"mục thứ {index + 1}{shown} {exc}") from None
    return tuple(items)


def _cast_mapping(item: type, value: Any, default: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid("phải gồm các khoá con, mỗi khoá một dòng thụt vào")
    result = dict(default)
    for key, element in value.items():
        if key not in default:
            raise _Invalid(f"không có khoá con '{key}'{_hint(key, default)}")
        try:
            result[key] = _cast(item, element, None)
        except _Invalid as exc:
            raise _Invalid(f"'{key}' {exc}") from None
    return types.MappingProxyType(result)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFC", str(value)).strip().lower()
    if isinstance(value, str) and word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise _Invalid("phải là true hoặc false (có/không)")


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _Invalid("phải là một số nguyên") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("phải là một số nguyên")
    return _not_negative(value)


def _to_float(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Invalid("phải là một số") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid("phải là một số")
    return float(_not_negative(value))


def _not_negative(value: int | float) -> Any:
    if value < 0:
        raise _Invalid("không được là số âm")
    return value


def _to_str(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid("phải là một chuỗi")
    return unicodedata.normalize("NFC", str(value))


def _to_score(value: Any) -> float:
    score = _to_float(value)
    if score > 100:
        raise _Invalid("phải là một điểm từ 0 đến 100")
    return score


def _to_channel_user(value: Any) -> str:
    text = _to_str(value)
    if not re.fullmatch(r"[a-z_]+:\S+", text):
        raise _Invalid('phải có dạng kênh:mã người dùng, ví dụ "telegram:123456"')
    return text


def _to_web_admin(value: Any) -> str:
    text = _to_str(value).strip()
    name, _, rest = text.partition(":")
    role, _, hashed = rest.partition(":")
    if not re.fullmatch(r"[\w.-]+", name) or role not in WEB_ROLES or not hashed.startswith(
        "scrypt$"
    ):
        raise _Invalid('phải có dạng "tên:admin:scrypt$…" hoặc "tên:viewer:scrypt$…", '
                       "dòng do lệnh troly06 web passwd TÊN in ra")
    return text


def _to_path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("phải là một đường dẫn")
    return Path(value)


def _to_time(value: Any) -> time:
    text = value.strip() if isinstance(value, str) else ""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise _Invalid('phải là giờ dạng "HH:MM" trong dấu nháy, ví dụ "08:00"') from None


def _to_zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Invalid("phải là tên múi giờ, ví dụ Asia/Ho_Chi_Minh") from None


_SCALARS: dict[Any, Any] = {
    bool: _to_bool, int: _to_int, float: _to_float, str: _to_str, Path: _to_path,
    time: _to_time, ZoneInfo: _to_zone, Score: _to_score, ChannelUser: _to_channel_user,
    WebAdmin: _to_web_admin,
}
