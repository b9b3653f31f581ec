"""Admin YAML files (`scheduler.files`): parse, validate, report `file:line: problem`.

All files are read together into one Roster; any error rejects the whole set so that the
roster already loaded keeps serving (the caller decides; nothing here touches SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from foundations.yaml_lines import (
    Consequences,
    LocatedDict,
    LocatedList,
    Problem,
    date_problem,
    declared_ids,
    load_located_yaml,
)
from scheduler.model import (
    LEADER,
    MEMBER,
    Group,
    Recurrence,
    Roster,
    RosterMember,
    TaskDef,
    Unit,
    cron_trigger,
)

SECTIONS = {"levels", "units", "groups", "tasks"}
UNIT_KEYS = {"id", "name", "level", "parent"}
GROUP_KEYS = {"id", "name", "unit", "join_code", "members"}
MEMBER_KEYS = {"id", "name", "role", "phone"}
TASK_KEYS = {
    "id",
    "title",
    "description",
    "legal_basis",
    "time",
    "due",
    "monthly",
    "quarterly",
    "quarter_month",
    "cron",
    "groups",
    "units",
}
RECURRENCE_KEYS = ("due", "monthly", "quarterly", "cron")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
CODE_PATTERN = re.compile(r"^[A-Z0-9]{4,20}$")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class _Reader:
    """Collects problems while building the roster from one or more files."""

    def __init__(self, levels: Iterable[str], default_time: str, tz: ZoneInfo) -> None:
        self.problems: list[Problem] = []
        self.roster = Roster(levels=tuple(levels))
        self.default_time = parse_time(default_time) or time(17, 0)
        self.tz = tz
        self.codes: dict[str, str] = {}
        self.lines: dict[tuple[str, str], tuple[str, int]] = {}  # (kind, id) → where defined
        self.task_refs: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] = []
        self.unreadable: dict[str, tuple[str, int]] = {}  # id → the problem of its file
        self.consequences = Consequences()

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def read_file(self, path: Path) -> None:
        data, problems = load_located_yaml(path)
        self.problems.extend(problems)
        name = str(path)
        if data is None:
            if not problems:
                self.problem(name, 1, "tệp rỗng")
            self._unreadable(path, problems[0].line if problems else 1)
            return
        if not isinstance(data, LocatedDict):
            self.problem(name, 1, "cấp ngoài cùng phải là các mục levels/units/groups/tasks")
            self._unreadable(path, 1)
            return
        for key in data:
            if key not in SECTIONS:
                self.problem(
                    name,
                    data.line_of(key),
                    f"mục không hợp lệ '{key}' (dùng: " + ", ".join(sorted(SECTIONS)) + ")",
                )
        if "levels" in data:
            self._levels(name, data)
        for section, read in (
            ("units", self._unit),
            ("groups", self._group),
            ("tasks", self._task),
        ):
            items = data.get(section)
            if items is None:
                continue
            if not isinstance(items, LocatedList):
                self.problem(name, data.line_of(section), f"'{section}' phải là một danh sách")
                continue
            for index, item in enumerate(items):
                line = items.line_of(index)
                if not isinstance(item, LocatedDict):
                    self.problem(name, line, f"mỗi phần tử của '{section}' phải là một ánh xạ")
                    continue
                read(name, item)

    def _unreadable(self, path: Path, line: int) -> None:
        for ident in declared_ids(path):
            self.unreadable.setdefault(ident, (str(path), line))

    def _missing(self, at: tuple[str, int], message: str, kind: str, ident: str,
                 reference: str) -> None:
        """A reference to nothing: its own problem, unless `ident` was declared but broken
        (or in a file that could not be read), which then counts it as a consequence."""
        broken = self.lines.get((kind, ident)) or self.unreadable.get(ident)
        if not self.consequences.explains(broken, reference):
            self.problem(*at, message)

    def _levels(self, name: str, data: LocatedDict) -> None:
        levels = data["levels"]
        if (
            not isinstance(levels, list)
            or not levels
            or not all(isinstance(x, str) for x in levels)
        ):
            self.problem(name, data.line_of("levels"), "'levels' phải là danh sách tên cấp")
            return
        self.roster.levels = tuple(levels)

    def _common(
        self, name: str, item: LocatedDict, kind: str, allowed: set[str], required: Iterable[str]
    ) -> str | None:
        """Check keys and the id; returns the id when usable."""
        for key in item:
            if key not in allowed:
                self.problem(name, item.line_of(key), f"khóa không hợp lệ '{key}' trong {kind}")
        for key in required:
            if item.get(key) in (None, ""):
                self.problem(name, item.line, f"{kind} thiếu '{key}'")
        ident = item.get("id")
        if ident is None:
            return None
        ident = str(ident)
        if not ID_PATTERN.match(ident):
            self.problem(
                name,
                item.line_of("id"),
                f"mã '{ident}' chỉ được gồm a-z, 0-9, - _ . (tối đa 40 ký tự)",
            )
            return None
        where = self.lines.get((kind, ident))
        if where is not None:
            self.problem(
                name, item.line_of("id"), f"{kind} '{ident}' đã khai báo ở {where[0]}:{where[1]}"
            )
            return None
        self.lines[(kind, ident)] = (name, item.line_of("id"))
        return ident

    def _unit(self, name: str, item: LocatedDict) -> None:
        ident = self._common(name, item, "đơn vị", UNIT_KEYS, ("id", "name", "level"))
        if ident is None or not item.get("name") or not item.get("level"):
            return
        parent = item.get("parent")
        self.roster.units[ident] = Unit(
            ident, str(item["name"]), str(item["level"]), str(parent) if parent else None
        )

    def _group(self, name: str, item: LocatedDict) -> None:
        ident = self._common(
            name, item, "tổ công tác", GROUP_KEYS, ("id", "name", "unit", "join_code")
        )
        if ident is None or not all(item.get(k) for k in ("name", "unit", "join_code")):
            return
        code = str(item["join_code"])
        if not CODE_PATTERN.match(code):
            self.problem(
                name,
                item.line_of("join_code"),
                f"mã tham gia '{code}' phải gồm 4–20 chữ in hoa hoặc số",
            )
        elif code in self.codes:
            self.problem(
                name,
                item.line_of("join_code"),
                f"mã tham gia '{code}' trùng với tổ '{self.codes[code]}'",
            )
        self.codes[code] = ident
        members = item.get("members")
        if members is None:  # a group just formed: officials join later with the code
            members = LocatedList()
        elif not isinstance(members, LocatedList):
            self.problem(name, item.line_of("members"), "'members' phải là một danh sách")
            members = LocatedList()
        roster = tuple(
            member
            for index, raw in enumerate(members)
            if (member := self._member(name, members.line_of(index), ident, index, raw))
        )
        self.roster.groups[ident] = Group(ident, str(item["name"]), str(item["unit"]), code, roster)

    def _member(
        self, name: str, line: int, group: str, index: int, raw: Any
    ) -> RosterMember | None:
        if not isinstance(raw, LocatedDict):
            self.problem(name, line, "mỗi thành viên phải là một ánh xạ (name, phone, role)")
            return None
        for key in raw:
            if key not in MEMBER_KEYS:
                self.problem(name, raw.line_of(key), f"khóa không hợp lệ '{key}' trong thành viên")
        if not raw.get("name"):
            self.problem(name, line, "thành viên thiếu 'name'")
            return None
        role = str(raw.get("role", MEMBER))
        if role not in (LEADER, MEMBER):
            self.problem(name, raw.line_of("role"), f"vai trò '{role}' phải là leader hoặc member")
        phone = normalize_phone(str(raw["phone"])) if raw.get("phone") is not None else None
        if raw.get("phone") is not None and phone is None:
            self.problem(name, raw.line_of("phone"), f"số điện thoại '{raw['phone']}' không hợp lệ")
        ident = str(raw.get("id") or f"{group}.{phone or index + 1}")
        return RosterMember(ident, str(raw["name"]), role, phone)

    def _task(self, name: str, item: LocatedDict) -> None:
        ident = self._common(name, item, "nhiệm vụ", TASK_KEYS, ("id", "title"))
        if ident is None or not item.get("title"):
            return
        recurrence = self._recurrence(name, item)
        due_time = parse_time(str(item.get("time"))) if item.get("time") else self.default_time
        if due_time is None:
            self.problem(name, item.line_of("time"), f"giờ '{item['time']}' phải có dạng HH:MM")
        groups, units = self._names(name, item, "groups"), self._names(name, item, "units")
        if not groups and not units:
            self.problem(name, item.line, "nhiệm vụ phải giao cho 'groups' hoặc 'units'")
        self.task_refs.append((name, item.line_of("id"), groups, units))
        if recurrence is None or due_time is None:
            return
        self.roster.tasks[ident] = TaskDef(
            ident,
            str(item["title"]),
            recurrence,
            due_time,
            str(item.get("description") or "").strip(),
            str(item.get("legal_basis") or ""),
            groups,
            units,
        )

    def _names(self, name: str, item: LocatedDict, key: str) -> tuple[str, ...]:
        value = item.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(name, item.line_of(key), f"'{key}' phải là danh sách mã")
            return ()
        return tuple(str(v) for v in value)

    def _recurrence(self, name: str, item: LocatedDict) -> Recurrence | None:
        present = [key for key in RECURRENCE_KEYS if key in item]
        if len(present) != 1:
            self.problem(
                name,
                item.line,
                "nhiệm vụ cần đúng một trong: due (một lần), "
                "monthly (ngày trong tháng), quarterly (ngày trong quý), cron",
            )
            return None
        key = present[0]
        value, line = item[key], item.line_of(key)
        if key == "due":
            on = value if isinstance(value, date) and not isinstance(value, datetime) else None
            if on is None:
                self.problem(name, line, f"hạn {date_problem(value, 'YYYY-MM-DD')}")
                return None
            return Recurrence("once", on=on)
        if key == "cron":
            return self._cron(name, line, str(value))
        if not isinstance(value, int) or not 1 <= value <= 31:
            self.problem(name, line, f"'{key}' phải là ngày trong tháng từ 1 đến 31")
            return None
        quarter_month = item.get("quarter_month", 3)
        if key == "quarterly" and quarter_month not in (1, 2, 3):
            self.problem(name, item.line_of("quarter_month"), "'quarter_month' phải là 1, 2 hoặc 3")
            return None
        kind = "monthly" if key == "monthly" else "quarterly"
        return Recurrence(kind, day=value, quarter_month=quarter_month)

    def _cron(self, name: str, line: int, expression: str) -> Recurrence | None:
        fields = expression.split()
        if len(fields) == 5 and re.search(r"\d", fields[4]):
            self.problem(
                name,
                line,
                "thứ trong tuần của cron phải viết bằng tên (mon, tue, …, "
                "sun) để tránh nhầm 0 = Chủ nhật / Thứ hai",
            )
            return None
        try:
            cron_trigger(expression, self.tz)
        except ValueError as exc:
            self.problem(name, line, f"biểu thức cron '{expression}' không hợp lệ: {exc}")
            return None
        return Recurrence("cron", cron=expression)

    def cross_check(self) -> None:
        """References between items, checked once every file is read."""
        roster = self.roster
        rank = {level: index for index, level in enumerate(roster.levels)}
        for unit in roster.units.values():
            file, line = self.lines[("đơn vị", unit.id)]
            if unit.level not in rank:
                self.problem(
                    file,
                    line,
                    f"cấp '{unit.level}' không có trong levels ({', '.join(roster.levels)})",
                )
            if unit.parent is None or unit.level not in rank:
                continue
            parent = roster.units.get(unit.parent)
            if parent is None:
                self._missing((file, line), f"đơn vị cấp trên '{unit.parent}' không tồn tại",
                              "đơn vị", unit.parent, f"cấp trên của đơn vị '{unit.id}'")
            elif rank.get(parent.level, 99) >= rank.get(unit.level, -1):
                self.problem(
                    file,
                    line,
                    f"đơn vị cấp trên '{parent.id}' ({parent.level}) phải "
                    f"ở cấp cao hơn '{unit.level}'",
                )
        for group in roster.groups.values():
            if group.unit not in roster.units:
                self._missing(self.lines[("tổ công tác", group.id)],
                              f"đơn vị '{group.unit}' của tổ không tồn tại",
                              "đơn vị", group.unit, f"đơn vị của tổ '{group.id}'")
        for file, line, groups, units in self.task_refs:
            task = f"nhiệm vụ ở {Path(file).name}:{line}"
            for group in groups:
                if group not in roster.groups:
                    self._missing((file, line), f"tổ công tác '{group}' không tồn tại",
                                  "tổ công tác", group, f"tổ '{group}' của {task}")
            for unit in units:
                if unit not in roster.units:
                    self._missing((file, line), f"đơn vị '{unit}' không tồn tại",
                                  "đơn vị", unit, f"đơn vị '{unit}' của {task}")
        self.problems.extend(self.consequences.problems())


def load_roster(
    paths: Iterable[str | Path],
    levels: Iterable[str],
    default_time: str = "17:00",
    tz: ZoneInfo | None = None,
) -> tuple[Roster | None, list[Problem]]:
    """Read every file; the Roster is returned only when there is no problem at all."""
    reader = _Reader(levels, default_time, tz or ZoneInfo("Asia/Ho_Chi_Minh"))
    for path in paths:
        reader.read_file(Path(path))
    reader.cross_check()
    if reader.problems:
        return None, reader.problems
    return reader.roster, []


def parse_time(text: str) -> time | None:
    match = TIME_PATTERN.match(text.strip())
    return time(int(match[1]), int(match[2])) if match else None


def normalize_phone(text: str) -> str | None:
    """Vietnamese mobile numbers in one form (0xxxxxxxxx), whether written +84, 84 or 0."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9}", digits) else None
