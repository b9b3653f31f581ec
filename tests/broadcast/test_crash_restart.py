"""A crash during a broadcast, as it happens in production: the real `troly06 run` against
a local Bot API with Telegram's limits, the admin's `troly06 broadcast create` and `send`
on the command line, the bot killed with SIGKILL mid-broadcast and started again.

Every citizen who opted in gets the broadcast exactly once, except at most one: the one
Telegram accepted just before the kill, whose outcome the dead process never wrote down.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from tests.fakes.rate_limited_telegram import RateLimitedTelegram
from tests.fakes.telegram_api import TOKEN
from tests.processes import run_command, start_bot

CITIZENS = 40
FIRST_CHAT = 80_000
TEXT = "Thông báo: từ 01/12 phường tiếp nhận hồ sơ cấp đổi căn cước cả sáng thứ Bảy."
RATE = 10  # messages per second to Telegram: the broadcast takes about four seconds


def config_file(folder: Path, api: RateLimitedTelegram) -> Path:
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "telegram": {"token": TOKEN, "base_url": api.base_url, "poll_timeout": 1},
        "storage": {"path": str(folder / "troly06.db")},
        "scheduler": {"enabled": False},
        "outbox": {"rates": {"telegram": RATE}},
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    return config


def received(api: RateLimitedTelegram) -> Counter[str]:
    """Broadcast messages Telegram accepted, per chat."""
    return Counter(chat for chat, text in api.accepted_texts if TEXT in text)


def accepted_at(api: RateLimitedTelegram) -> list[float]:
    """When Telegram accepted each broadcast message (monotonic seconds)."""
    return [at for (at, _), (_, text) in zip(api.accepted_at, api.accepted_texts, strict=True)
            if TEXT in text]


async def final_status(config: Path) -> str:
    """What `troly06 broadcast status 1` says once the broadcast is done."""
    for _ in range(20):
        code, output = await run_command(config, "broadcast", "status", "1")
        assert code == 0, output
        if "đã gửi xong" in output:
            return output
        await asyncio.sleep(0.5)
    raise AssertionError(output)


async def test_a_bot_killed_mid_broadcast_resumes_and_sends_each_message_once(
    tmp_path: Path,
) -> None:
    log = tmp_path / "troly06.log"
    async with RateLimitedTelegram(retry_after=1) as api:
        config = config_file(tmp_path, api)
        bot = await start_bot(config, log)
        try:
            for n in range(CITIZENS):
                api.send_text(FIRST_CHAT + n, "/nhanthongbao", name=f"Người dân {n}")
            await api.wait_for(lambda: len(api.accepted) == CITIZENS, timeout=30)
            await asyncio.sleep(1.0)  # Telegram's one message per second per chat
            code, created = await run_command(config, "broadcast", "create", TEXT)
            assert code == 0 and "#1" in created and f"{CITIZENS} người nhận" in created, created
            code, sent = await run_command(config, "broadcast", "send", "1")
            assert code == 0 and "Bot đang chạy" in sent, sent
            await api.wait_for(lambda: len(received(api)) >= CITIZENS // 4, timeout=15)
            bot.kill()  # SIGKILL: nothing is written down on the way out
            await bot.wait()
            before_kill = sum(received(api).values())
            assert before_kill < CITIZENS, "the broadcast ended before the kill"

            restarted = time.monotonic()
            bot = await start_bot(config, log)
            await api.wait_for(lambda: len(received(api)) == CITIZENS, timeout=20)
            status = await final_status(config)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
                await bot.wait()
    got = received(api)
    assert sorted(got) == [str(FIRST_CHAT + n) for n in range(CITIZENS)]  # nobody lost
    assert sum(got.values()) - CITIZENS <= 1, got.most_common(3)  # one duplicate at most
    assert f"{CITIZENS} người nhận; {CITIZENS} đã gửi." in status
    times = accepted_at(api)
    pace = (before_kill - 1) / (times[before_kill - 1] - times[0])
    resumed = times[before_kill] - restarted
    print(f"killed after {before_kill} of {CITIZENS} ({pace:.1f}/s at rate {RATE}/s); first "
          f"message {resumed:.1f} s after the restart; {sum(got.values()) - CITIZENS} sent twice",
          file=sys.stderr)
