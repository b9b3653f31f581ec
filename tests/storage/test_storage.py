"""The SQLite file: created with its folder, WAL, versioned migrations, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from foundations.database import migrate, open_database
from handlers.store import COMPONENT, MIGRATIONS, Storage


def test_opening_creates_the_folder_the_tables_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "troly06.db"
    storage = Storage.open(path)
    assert path.exists()
    assert {"users", "questions", "feedback", "schema_versions"} <= set(storage.db.table_names())
    assert storage.db.journal_mode == "wal"
    normal = 1  # no fsync per commit: safe with WAL, see open_database
    assert storage.db.execute("PRAGMA synchronous").fetchone()[0] == normal
    assert storage.db["schema_versions"].get(COMPONENT)["version"] == len(MIGRATIONS)


def test_reopening_does_not_migrate_again_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "troly06.db"
    Storage.open(path).touch_user("telegram", "1", "1", "An")
    reopened = Storage.open(path)
    assert reopened.db["users"].count == 1


def test_another_feature_versions_its_own_tables_in_the_same_file(tmp_path: Path) -> None:
    db = open_database(tmp_path / "troly06.db")
    Storage(db)
    steps = [lambda d: d["groups"].create({"id": int}, pk="id"),
             lambda d: d["groups"].add_column("name", str)]
    assert migrate(db, "scheduler", steps[:1]) == 1
    assert migrate(db, "scheduler", steps) == 2
    assert "name" in db["groups"].columns_dict
    assert db["schema_versions"].get(COMPONENT)["version"] == len(MIGRATIONS)


def test_question_text_is_redacted_when_recorded(tmp_path: Path) -> None:
    storage = Storage.open(tmp_path / "db.sqlite")
    qid = storage.record_question("telegram", "1", "gọi 0987654321 giúp", "goi giup",
                                  "fallback", None, 12.345)
    row = storage.db["questions"].get(qid)
    assert row["text"] == "gọi [số điện thoại] giúp"
    assert row["score"] == 12.35


def test_retention_drops_old_question_text_but_keeps_the_statistics(tmp_path: Path) -> None:
    storage = Storage.open(tmp_path / "db.sqlite", retention_days=30)
    old = storage.record_question("telegram", "1", "câu cũ", "cau cu", "answered", "a", 90)
    new = storage.record_question("telegram", "1", "câu mới", "cau moi", "answered", "a", 90)
    later = datetime.now(UTC) + timedelta(days=20)
    storage.db["questions"].update(old, {"asked_at": (later - timedelta(days=31)).isoformat()})

    assert storage.purge_expired(now=later) == 1
    assert storage.db["questions"].get(old)["text"] is None
    assert storage.db["questions"].get(old)["outcome"] == "answered"
    assert storage.db["questions"].get(new)["text"] == "câu mới"


def test_a_blocked_user_is_marked_inactive_and_active_again_on_return(tmp_path: Path) -> None:
    storage = Storage.open(tmp_path / "db.sqlite")
    storage.touch_user("telegram", "1", "1", "An")
    storage.set_active("telegram", "1", False)
    assert storage.db["users"].get(("telegram", "1"))["active"] == 0
    storage.touch_user("telegram", "1", "1", "An")
    assert storage.db["users"].get(("telegram", "1"))["active"] == 1
