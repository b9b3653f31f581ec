"""Opening the one SQLite file every feature shares, and the migrations each feature runs.

Every feature owns its tables and versions its own schema with `migrate(db, component,
steps)` (the conversation, the scheduler, broadcasts, the audit log, Zalo OA's tokens), so a
feature adds tables beside the others without touching them; this module knows none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating its folder) the shared database file in WAL mode.

    WAL lets the scheduler read while the bot writes; ":memory:" is accepted for tools.
    With WAL, synchronous=NORMAL keeps the file consistent through a crash or power loss
    (a power loss may undo the last commits, never corrupt) and saves an fsync on every
    commit, which each question and each reminder delivery costs.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if str(path) != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def migrate(db: sqlite_utils.Database, component: str, steps: Sequence[Migration]) -> int:
    """Apply the steps of `component` not applied yet, each in its own transaction.

    Step n (1-based) brings the component to schema version n; returns the version reached.
    """
    db["schema_versions"].create(
        {"component": str, "version": int, "applied_at": str}, pk="component", if_not_exists=True
    )
    row = db.execute(
        "SELECT version FROM schema_versions WHERE component = ?", [component]
    ).fetchone()
    current = row[0] if row else 0
    for version, step in enumerate(steps[current:], start=current + 1):
        with db.conn:
            step(db)
            db["schema_versions"].upsert(
                {"component": component, "version": version, "applied_at": now_iso()},
                pk="component",
            )
        log.info("schema %s migrated to version %d", component, version)
    return max(current, len(steps))


def now_iso() -> str:
    """Now in UTC to the second, as every table stores its times (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
