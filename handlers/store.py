"""The conversation's tables: users, questions asked (redacted) and answer feedback.

They share the one database file (foundations/database.py) with the other features' tables
and version their schema as the component "conversations". Question text is redacted before
it is written and dropped after `storage.retention_days`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from foundations.database import Migration, migrate, now_iso, open_database
from foundations.privacy import redact

log = logging.getLogger(__name__)

COMPONENT = "conversations"


def _v1_tables(db: sqlite_utils.Database) -> None:
    db["users"].create(
        {
            "channel": str,
            "user_id": str,
            "chat_id": str,
            "display_name": str,
            "first_seen": str,
            "last_seen": str,
            "language": str,
            "opted_in": int,
            "active": int,
        },
        pk=("channel", "user_id"),
        defaults={"language": "vi", "opted_in": 0, "active": 1},
        not_null={"chat_id", "first_seen", "last_seen"},
    )
    db["questions"].create(
        {
            "id": int,
            "channel": str,
            "user_id": str,
            "text": str,  # redacted; NULL once older than the retention period
            "normalized": str,
            "outcome": str,
            "matched_id": str,
            "score": float,
            "asked_at": str,
        },
        pk="id",
        not_null={"channel", "user_id", "outcome", "asked_at"},
    )
    db["questions"].create_index(["asked_at"])
    db["feedback"].create(
        {
            "id": int,
            "channel": str,
            "user_id": str,
            "entry_id": str,
            "question_id": int,
            "helpful": int,
            "created_at": str,
        },
        pk="id",
        not_null={"channel", "user_id", "entry_id", "helpful", "created_at"},
    )


def _v2_picked_suggestions(db: sqlite_utils.Database) -> None:
    """Which suggested entry the citizen then opened: the strongest hint for the review."""
    db["questions"].add_column("picked_id", str)


MIGRATIONS: list[Migration] = [_v1_tables, _v2_picked_suggestions]


class Storage:
    """The conversation tables: who talked to the bot, what they asked, what they thought."""

    def __init__(self, db: sqlite_utils.Database, retention_days: int = 180) -> None:
        self.db = db
        self.retention_days = retention_days
        migrate(db, COMPONENT, MIGRATIONS)

    @classmethod
    def open(cls, path: str | Path, retention_days: int = 180) -> Storage:
        """Open the file, bring the schema up to date and enforce retention once."""
        storage = cls(open_database(path), retention_days)
        storage.purge_expired()
        return storage

    def touch_user(
        self, channel: str, user_id: str, chat_id: str, display_name: str = ""
    ) -> None:
        """Record that the user wrote now; first_seen is kept from the first visit."""
        now = now_iso()
        with self.db.conn:
            self.db.execute(
                """INSERT INTO users (channel, user_id, chat_id, display_name, first_seen,
                                      last_seen, language, opted_in, active)
                   VALUES (?, ?, ?, ?, ?, ?, 'vi', 0, 1)
                   ON CONFLICT (channel, user_id) DO UPDATE SET
                     chat_id = excluded.chat_id, display_name = excluded.display_name,
                     last_seen = excluded.last_seen, active = 1""",
                [channel, user_id, chat_id, redact(display_name), now, now],
            )

    def set_active(self, channel: str, user_id: str, active: bool) -> None:
        """Mark a user who blocked the bot (or came back)."""
        with self.db.conn:
            self.db.execute(
                "UPDATE users SET active = ? WHERE channel = ? AND user_id = ?",
                [int(active), channel, user_id],
            )

    def set_opted_in(self, channel: str, user_id: str, opted_in: bool) -> bool:
        """Record a citizen's choice to receive broadcasts (/nhanthongbao, /huythongbao);
        returns False when it was already so (or the user never wrote)."""
        with self.db.conn:
            cursor = self.db.execute(
                """UPDATE users SET opted_in = ?
                   WHERE channel = ? AND user_id = ? AND opted_in != ?""",
                [int(opted_in), channel, user_id, int(opted_in)],
            )
        return cursor.rowcount == 1

    def record_question(
        self,
        channel: str,
        user_id: str,
        text: str,
        normalized: str,
        outcome: str,
        matched_id: str | None,
        score: float,
    ) -> int:
        """Store one question with identifiers redacted; returns its id for feedback.

        One plain INSERT: sqlite-utils' `Table.insert` first looks the table up in
        sqlite_master (three queries, and its own bookkeeping: about 0.2 ms per question,
        five times the INSERT), and every question is stored.
        """
        with self.db.conn:
            cursor = self.db.execute(
                """INSERT INTO questions (channel, user_id, text, normalized, outcome,
                                          matched_id, score, asked_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [channel, user_id, redact(text), redact(normalized), outcome, matched_id,
                 round(float(score), 2), now_iso()],
            )
        return int(cursor.lastrowid)

    def record_pick(self, channel: str, user_id: str, question_id: int, entry_id: str) -> None:
        """The citizen opened one of the entries suggested for their question (only their
        own question: a forged button cannot mark another user's)."""
        with self.db.conn:
            self.db.execute(
                "UPDATE questions SET picked_id = ? WHERE id = ? AND channel = ? AND user_id = ?",
                [entry_id, question_id, channel, user_id],
            )

    def missed_questions(self, days: int) -> list[dict[str, object]]:
        """Questions of the last `days` the bot did not answer outright, or answered and got
        a 👎, with what the citizen picked or disliked: the material of `kb review`."""
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        return list(self.db.query(
            """SELECT q.text, q.normalized, q.outcome, q.matched_id, q.picked_id,
                      (SELECT f.entry_id FROM feedback f
                       WHERE f.question_id = q.id AND f.helpful = 0 LIMIT 1) AS disliked_id
               FROM questions q
               WHERE q.asked_at >= ? AND q.text IS NOT NULL AND q.normalized != ''
                 AND (q.outcome != 'answered' OR EXISTS (
                      SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0))
               ORDER BY q.asked_at""",
            [since],
        ))  # fmt: skip

    def record_feedback(
        self,
        channel: str,
        user_id: str,
        entry_id: str,
        helpful: bool,
        question_id: int | None = None,
    ) -> None:
        """Store a 👍/👎; a second press on the same answer replaces the first."""
        with self.db.conn:
            self.db.execute(
                """DELETE FROM feedback WHERE channel = ? AND user_id = ? AND entry_id = ?
                   AND question_id IS ?""",
                [channel, user_id, entry_id, question_id],
            )
            self.db["feedback"].insert(
                {
                    "channel": channel,
                    "user_id": user_id,
                    "entry_id": entry_id,
                    "question_id": question_id,
                    "helpful": int(helpful),
                    "created_at": now_iso(),
                }
            )

    def unanswered(self, days: int = 7, limit: int = 20) -> list[dict[str, object]]:
        """Questions of the last `days` the bot could not answer outright, most asked first:
        what admins should write FAQ entries (or variants) for."""
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        return list(self.db.query(
            """SELECT min(text) AS example, normalized, count(*) AS times,
                      sum(outcome = 'fallback') AS fallbacks, max(asked_at) AS last_asked
               FROM questions
               WHERE outcome != 'answered' AND asked_at >= ? AND normalized IS NOT NULL
               GROUP BY normalized ORDER BY times DESC, last_asked DESC LIMIT ?""",
            [since, limit],
        ))  # fmt: skip

    def purge_expired(self, now: datetime | None = None) -> int:
        """Drop question text older than the retention period; keep outcome statistics."""
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=self.retention_days)).isoformat()
        with self.db.conn:
            cursor = self.db.execute(
                """UPDATE questions SET text = NULL, normalized = NULL
                   WHERE asked_at < ? AND (text IS NOT NULL OR normalized IS NOT NULL)""",
                [cutoff],
            )
        if cursor.rowcount:
            log.info("retention: dropped the text of %d question(s)", cursor.rowcount)
        return cursor.rowcount
