"""A crash during a reminder fan-out, as it happens in production: the real `troly06 run`
process against a local Bot API with Telegram's limits, killed with SIGKILL, started again.

Nobody may be lost, at most one official may get a reminder twice (the one accepted by
Telegram just before the kill, whose outcome the dead process never wrote down), and the
restarted bot must resume sending within seconds of reaching Telegram, not at its next
periodic check (five minutes later).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

import yaml

from tests.fakes.rate_limited_telegram import RateLimitedTelegram
from tests.fakes.telegram_api import TOKEN
from tests.processes import start_bot
from tests.roster_files import DUE_NOW, JOIN_CODE, TASK_TITLE, write_roster

OFFICIALS = 30
FIRST_CHAT = 70_000
RESUME_LIMIT = 5.0  # seconds from the restarted bot's getMe until reminders flow again


def bot_config(folder: Path, api: RateLimitedTelegram) -> Path:
    """Telegram on the fake, and a roster whose one task has a reminder due now."""
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "telegram": {"token": TOKEN, "base_url": api.base_url, "poll_timeout": 1},
        "storage": {"path": str(folder / "troly06.db")},
        "scheduler": {"files": [str(write_roster(folder))], **DUE_NOW},
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    return config


def reminders(api: RateLimitedTelegram) -> Counter[str]:
    """Reminders Telegram accepted, per chat."""
    return Counter(chat for chat, text in api.accepted_texts if TASK_TITLE in text)


async def test_a_bot_killed_mid_fan_out_resumes_within_seconds_losing_nobody(
    tmp_path: Path,
) -> None:
    log = tmp_path / "troly06.log"
    async with RateLimitedTelegram(retry_after=1) as api:
        config = bot_config(tmp_path, api)
        bot = await start_bot(config, log)
        try:
            for n in range(OFFICIALS):
                api.send_text(FIRST_CHAT + n, f"/dangky {JOIN_CODE}", name=f"Cán bộ {n}")
            await api.wait_for(lambda: len(api.accepted) == OFFICIALS, timeout=30)
            bot.send_signal(signal.SIGHUP)  # reload the task files: the fan-out begins
            await api.wait_for(lambda: len(reminders(api)) >= OFFICIALS // 3, timeout=15)
            bot.kill()
            await bot.wait()
            before_kill = sum(reminders(api).values())
            assert before_kill < OFFICIALS, "the fan-out ended before the kill"

            clock = asyncio.get_running_loop()
            restarted, calls = clock.time(), len(api.calls)
            bot = await start_bot(config, log)
            await api.wait_for(lambda: "getMe" in [c.method for c in api.calls[calls:]],
                               timeout=30)  # the new process is up and reaches Telegram
            reached = clock.time()
            await api.wait_for(lambda: sum(reminders(api).values()) > before_kill,
                               timeout=RESUME_LIMIT)
            resumed_after, started_in = clock.time() - reached, reached - restarted
            await api.wait_for(lambda: len(reminders(api)) == OFFICIALS, timeout=15)
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    got = reminders(api)
    assert sorted(got) == [str(FIRST_CHAT + n) for n in range(OFFICIALS)]  # nobody lost
    assert sum(got.values()) - OFFICIALS <= 1, got.most_common(3)  # one duplicate at most
    print(f"the restarted bot reached Telegram after {started_in:.1f} s and resumed sending "
          f"{resumed_after:.1f} s later; {sum(got.values()) - OFFICIALS} sent twice",
          file=sys.stderr)
    assert resumed_after < RESUME_LIMIT
