"""The names of a message's delivery: how urgent it is, and what finally happened to it.

They live below every feature because the outbox (bot) reports them and the reminders,
broadcasts and progress figures (scheduler, bot) record and count them: each side needs the
names without importing the other.
"""

from __future__ import annotations

INTERACTIVE = 0  # a person is waiting for this answer
BULK = 1  # reminders, broadcasts: may wait behind interactive messages

SENT = "sent"
BLOCKED = "blocked"  # the user blocked the bot (Telegram 403): mark the member inactive
REFUSED = "refused"  # the platform refuses for good (e.g. Zalo OA: a restricted user)
OUTSIDE_WINDOW = "outside_window"  # not the recipient's free window (Zalo OA's 48 h): unsent
FAILED = "failed"  # temporary failures outlasted the retry limit: it surely did not leave
UNCONFIRMED = "unconfirmed"  # the request may have reached the platform: not resent
