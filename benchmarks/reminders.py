"""Benchmark: one task due for N officials, sent through the real outbox, the real PTB
Telegram sender and the real reminder engine, against the local fake Bot API enforcing
Telegram's flood limits (global messages/s and 1/s per chat, with 429 retry_after).

Prints: sustained send rate as a fraction of the configured rate (baseline: the ideal time
N / rate, computed in the same run), duplicates and losses (from what the fake accepted and
what SQLite marked sent), and the p95 latency of citizens' interactive replies submitted
while the fan-out runs, against the same measurement on an idle outbox.

  python benchmarks/reminders.py                       # 10,000 officials, limits x4
  python benchmarks/reminders.py --members 2000 --scale 1   # Telegram's real limits

`--scale k` multiplies the fake's global limit (30/s) and our configured rate (25/s) by k,
so a full-size run takes under two minutes; the per-chat limit stays 1/s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot

from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.outbox import Outbox
from foundations.database import open_database
from foundations.delivery import INTERACTIVE, SENT, Outcome, Outgoing
from foundations.messages import Reply
from scheduler.delivery import ReminderService
from scheduler.policy import ReminderPolicy
from scheduler.store import ensure_schema, load_files_into
from tests.fakes.clock import ManualClock
from tests.fakes.rate_limited_telegram import RateLimitedTelegram
from tests.fakes.telegram_api import TOKEN

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GROUP_SIZE = 100
CITIZEN_CHATS = 20  # citizens write in turn, each well under 1 message/s
CITIZEN_EVERY = 0.5  # seconds between citizen replies (2/s, well under the rate)


def roster_yaml(members: int, due: date = date(2025, 8, 15)) -> str:
    """N officials in groups of 100 under one commune, one task due on `due` (15/08/2025)."""
    lines = [
        "units:",
        "  - {id: tinh, name: Tỉnh Thử Nghiệm, level: tinh}",
        "  - {id: xa, name: Xã Thử Nghiệm, level: xa, parent: tinh}",
        "groups:",
    ]
    for g in range((members + GROUP_SIZE - 1) // GROUP_SIZE):
        lines += [f"  - {{id: g{g}, name: Tổ {g}, unit: xa, join_code: CODE{g:04d}, members: ["]
        for m in range(g * GROUP_SIZE, min(members, (g + 1) * GROUP_SIZE)):
            lines.append(f'      {{id: m{m}, name: Cán bộ {m}, phone: "09{m:08d}"}},')
        lines.append("    ]}")
    lines += [
        "tasks:",
        f"  - {{id: bao-cao, title: Báo cáo tiến độ, due: {due.isoformat()}, units: [xa]}}",
    ]
    return "\n".join(lines) + "\n"


async def citizen_latencies(outbox: Outbox, until: asyncio.Event, first_chat: int) -> list[float]:
    """Submit citizen replies every CITIZEN_EVERY s until `until`; seconds to acceptance."""
    latencies: list[float] = []
    pending: list[asyncio.Future[None]] = []
    n = 0
    while not until.is_set():
        started = time.monotonic()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def record(outcome: Outcome, started=started, done=done) -> None:
            if outcome.status == SENT:
                latencies.append(time.monotonic() - started)
            done.set_result(None)

        chat = str(first_chat + n % CITIZEN_CHATS)
        await outbox.submit(Outgoing("telegram", chat, Reply("Trả lời công dân"), INTERACTIVE,
                                     record))
        pending.append(done)
        n += 1
        await asyncio.sleep(CITIZEN_EVERY)
    await asyncio.gather(*pending)
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else float("nan")


async def run(members: int, scale: float) -> dict[str, float]:
    fake = RateLimitedTelegram(global_per_second=30 * scale, per_chat_interval=1.0)
    await fake.start()
    bot = Bot(TOKEN, base_url=fake.base_url,
              request=AiohttpRequest(connection_pool_size=32, pool_timeout=10))
    await bot.initialize()
    rate = 25 * scale
    outbox = Outbox()
    outbox.register(TelegramSender(bot), rate_per_second=rate)
    await outbox.start()

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        ensure_schema(db)
        roster = Path(tmp) / "roster.yaml"
        roster.write_text(roster_yaml(members), encoding="utf-8")
        problems = load_files_into(db, [roster], ["tinh", "xa", "thon"], "17:00", TZ)
        assert not problems, problems[:3]
        with db.conn:
            db.execute("UPDATE members SET channel = 'telegram', "
                       "chat_id = CAST(100000 + CAST(SUBSTR(id, 2) AS INTEGER) AS TEXT)")
        clock = ManualClock(datetime(2025, 8, 14, 8, 0, tzinfo=TZ))  # reminder "1 day before"
        service = ReminderService(db, outbox, ReminderPolicy(TZ), clock)

        idle_stop = asyncio.Event()
        idle_task = asyncio.create_task(citizen_latencies(outbox, idle_stop, 900000))
        await asyncio.sleep(3)
        idle_stop.set()
        idle = await idle_task

        fan_out_done = asyncio.Event()
        busy_task = asyncio.create_task(citizen_latencies(outbox, fan_out_done, 910000))
        started = time.monotonic()
        await service.tick()
        tick_seconds = time.monotonic() - started
        while db.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]:
            await asyncio.sleep(0.2)
        fan_out_done.set()
        busy = await busy_task
        await outbox.join()
        sent_rows = db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        db.close()

    await outbox.stop()
    await bot.shutdown()
    await fake.stop()

    official = {str(100000 + m) for m in range(members)}
    times = sorted(t for t, chat in fake.accepted_at if chat in official)
    window = times[-1] - times[0]
    all_times = sorted(t for t, _ in fake.accepted_at if t >= times[0] and t <= times[-1])
    return {
        "members": members,
        "scale": scale,
        "configured_rate": rate,
        "ideal_seconds": members / rate,
        "fan_out_seconds": window,
        "reminder_rate": (len(times) - 1) / window,
        "total_rate": (len(all_times) - 1) / window,
        "duplicates": sum(max(0, fake.accepted[c] - 1) for c in official),
        "losses": sum(1 for c in official if fake.accepted[c] == 0),
        "db_sent": sent_rows,
        "rejected_429": fake.rejected,
        "tick_seconds": tick_seconds,
        "idle_p95": p95(idle),
        "busy_p95": p95(busy),
        "busy_max": max(busy),
        "citizen_replies": len(busy),
    }


def report(r: dict[str, float]) -> None:
    rate = r["configured_rate"]
    print(f"members: {r['members']}, fake limits: {30 * r['scale']:.0f} msg/s global and 1/s per "
          f"chat; configured rate {rate:.0f} msg/s (scale x{r['scale']:g})")
    print(f"baseline (ideal at configured rate): {r['ideal_seconds']:.1f} s; "
          f"measured fan-out: {r['fan_out_seconds']:.1f} s")
    print(f"sustained rate, reminders + citizen replies: {r['total_rate']:.2f} msg/s = "
          f"{r['total_rate'] / rate:.1%} of configured (target >= 95%)")
    print(f"  of which reminders: {r['reminder_rate']:.2f} msg/s")
    print(f"duplicates: {r['duplicates']}, losses: {r['losses']} (target 0); deliveries marked "
          f"sent: {r['db_sent']}; 429 answers: {r['rejected_429']}")
    print(f"planning tick ({r['members']} rows planned and queued): {r['tick_seconds']:.2f} s")
    print(f"citizen reply p95: idle {r['idle_p95'] * 1000:.0f} ms (baseline), during fan-out "
          f"{r['busy_p95'] * 1000:.0f} ms, max {r['busy_max'] * 1000:.0f} ms over "
          f"{r['citizen_replies']} replies (target < 1000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=4.0)
    args = parser.parse_args()
    report(asyncio.run(run(args.members, args.scale)))


if __name__ == "__main__":
    main()
