"""What the Zalo OA channel must remember across restarts: events handled, last interactions.

- Events: Zalo resends an event it got no 200 for, with the same body and timestamp, for
  about an hour; a resend that arrives after a restart must still be recognised, so the
  keys of handled events are kept in SQLite for as long as a resend is accepted.
- Interactions: since 01/01/2026 a message to a user is free within 48 hours of the user's
  last interaction with the OA, billed up to 7 days, refused after. Reminders need to know
  that moment for every follower, also after a restart. The table starts from the
  conversation's `users.last_seen`, so followers who wrote before it existed are known.
"""

from __future__ import annotations

import sqlite_utils

from foundations.database import migrate

COMPONENT = "zalo_oa_events"


def _v1_tables(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE zalo_oa_handled (key TEXT PRIMARY KEY, handled_at REAL NOT NULL);
        CREATE INDEX zalo_oa_handled_at ON zalo_oa_handled (handled_at);
        CREATE TABLE zalo_oa_interactions (user_id TEXT PRIMARY KEY, at REAL NOT NULL);
        """
    )
    if "users" in db.table_names():
        db.execute(
            """INSERT INTO zalo_oa_interactions (user_id, at)
               SELECT user_id, CAST(strftime('%s', last_seen) AS REAL) FROM users
               WHERE channel = 'zalo_oa' AND strftime('%s', last_seen) IS NOT NULL"""
        )


class OAStore:
    """Handled event keys and each follower's last interaction, in the shared database."""

    def __init__(self, db: sqlite_utils.Database, keep_seconds: float) -> None:
        self.db = db
        self.keep_seconds = keep_seconds
        migrate(db, COMPONENT, [_v1_tables])

    def first_time(self, key: str, now: float) -> bool:
        """True the first time `key` is seen (remembering it), False for a resend.

        Keys older than `keep_seconds` are forgotten: a resend that old is refused anyway.
        """
        with self.db.conn:
            self.db.execute(
                "DELETE FROM zalo_oa_handled WHERE handled_at < ?", [now - self.keep_seconds]
            )
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO zalo_oa_handled (key, handled_at) VALUES (?, ?)",
                [key, now],
            )
        return cursor.rowcount == 1

    def interacted(self, user_id: str, at: float) -> None:
        """Record an interaction at Unix time `at` (an older one never replaces a newer)."""
        with self.db.conn:
            self.db.execute(
                """INSERT INTO zalo_oa_interactions (user_id, at) VALUES (?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET at = max(at, excluded.at)""",
                [user_id, at],
            )

    def last_interaction(self, user_id: str) -> float | None:
        """Unix time of the user's last interaction with the OA, None if never seen."""
        row = self.db.execute(
            "SELECT at FROM zalo_oa_interactions WHERE user_id = ?", [user_id]
        ).fetchone()
        return row[0] if row else None
