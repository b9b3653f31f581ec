"""A working-group roster whose one task already has a reminder due, for specs that run the
whole bot (console, a killed `troly06 run`) on the real clock at whatever hour they run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

JOIN_CODE = "KIEMTHU06"
TASK_TITLE = "Rà soát dữ liệu dân cư trước hạn"
# Scheduler settings with no quiet hours and reminders at midnight: the first reminder of a
# task due in three days is due now, whenever now is.
DUE_NOW = {"reminder_time": "00:00", "quiet_start": "00:00", "quiet_end": "00:00"}


def write_roster(folder: Path) -> Path:
    """One working group officials join with JOIN_CODE, one task due in three days."""
    due = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=3)).date()
    roster: dict[str, Any] = {
        "units": [{"id": "kiem-thu", "name": "Phường Kiểm Thử", "level": "xa"}],
        "groups": [{"id": "tct-kiem-thu", "name": "Tổ công tác phường Kiểm Thử",
                    "unit": "kiem-thu", "join_code": JOIN_CODE}],
        "tasks": [{"id": "ra-soat", "title": TASK_TITLE, "due": due,
                   "groups": ["tct-kiem-thu"]}],
    }  # fmt: skip
    path = folder / "to-cong-tac.yaml"
    path.write_text(yaml.safe_dump(roster, allow_unicode=True), encoding="utf-8")
    return path
