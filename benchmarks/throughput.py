"""Benchmark: citizens' questions end to end through the real `troly06 run`, in polling and
webhook mode, against a local fake Bot API (loopback only).

The bot runs as its own process (its CPU time and RSS are read from /proc); this process
serves the fake Bot API (tests/fakes/telegram_api.py) and plays the citizens: each of N
citizens asks one real question from the dev set, and `--in-flight` of them wait for their
answer at any time, so the bot, not the platform, is the limit (the outbox rate limit is
set out of reach and the per-chat spacing to 0). Latency: from the moment an update is
offered (queued for getUpdates, or POSTed to the webhook) to the bot's first sendMessage
to that citizen. A warm-up of `--warm-up` questions runs before the measured ones.

Baseline in the same run: an echo bot with python-telegram-bot's defaults
(benchmarks/echo_bot.py), measured the same way.

`--fan-out N`: citizens ask while the real scheduler sends a reminder to each of N officials
through the outbox, against the fake with Telegram's flood limits (tests/fakes/
rate_limited_telegram.py: 30 messages/s overall and 1/s per chat, times `--scale`; the bot's
configured rate 25/s times `--scale`). Citizens ask at a steady `--ask-rate` from before
the reminders' moment until every official has one; their reply latency before that moment
is the baseline of the same run, after it the figure during the fan-out. Duplicates and
losses are counted from what the fake accepted per official chat.

  python benchmarks/throughput.py                         # N=2000, both modes, 1 run
  python benchmarks/throughput.py --updates 2000 --runs 3 --mode webhook
  python benchmarks/throughput.py --fan-out 10000 --mode webhook   # ~4 min
  python benchmarks/throughput.py --beside-matching --updates 1500 --runs 2
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import yaml
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reminders import roster_yaml
from bot.app import App
from foundations.database import open_database
from foundations.settings_file import load_config
from knowledge.matcher import MatchResult
from knowledge.service import KnowledgeService
from scheduler.store import ensure_schema, load_files_into
from tests.fakes.local_server import LOOPBACK, free_port
from tests.fakes.rate_limited_telegram import RateLimitedTelegram
from tests.fakes.telegram_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
SECRET = "benchmark-secret"
FIRST_CITIZEN = 10_000_000
START_TIMEOUT = 60.0  # seconds for a bot to load its knowledge and reach the fake
ANSWER_TIMEOUT = 30.0  # a question not answered by then fails the run
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEVELS = ["tinh", "xa", "thon"]
FIRST_OFFICIAL = 1_000_000  # officials' chat ids; citizens' start at FIRST_CITIZEN
FAN_OUT_LEAD = 120  # seconds at least from start to the reminders' moment (a loaded start, warm-up)


@dataclass
class AnsweringFake(FakeTelegram):
    """The fake Bot API, telling waiting citizens when the bot's first message reaches them."""

    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def _api_sendMessage(self, params: dict) -> web.Response:
        response = await super()._api_sendMessage(params)
        if response.status == 200:  # accepted (a rate-limited fake may answer 429 first)
            answered = self.waiting.pop(int(params["chat_id"]), None)
            if answered is not None and not answered.done():
                answered.set_result(time.perf_counter())
        return response

    async def _api_getUpdates(self, params: dict) -> web.Response:
        self.ready.set()
        return await super()._api_getUpdates(params)

    async def _api_setWebhook(self, params: dict) -> web.Response:
        self.ready.set()
        return await super()._api_setWebhook(params)


@dataclass
class Result:
    label: str
    mode: str
    updates: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]
    rss_mb: float
    peak_rss_mb: float
    driver_cpu_seconds: float  # this process: the fake Bot API and the citizens
    typing: int  # "typing…" shown (sendChatAction), warm-up included

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.updates

    @property
    def driver_cpu_ms(self) -> float:
        return self.driver_cpu_seconds * 1000 / self.updates

    def latency_ms(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB."""
    status = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024)


def questions() -> list[str]:
    with QUESTIONS.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines if line.strip()]


def troly06_config(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> dict:
    """`troly06 run` on a fresh database, its outbox limits out of reach."""
    return {
        "storage": {"path": str(tmp / "troly06.db")},
        "telegram": {"token": TOKEN, "base_url": fake.base_url, "mode": mode,
                     "poll_timeout": 10, "webhook_url": f"http://{LOOPBACK}:{port}/telegram",
                     "webhook_listen": LOOPBACK, "webhook_port": port, "secret_token": SECRET},
        "outbox": {"rates": {"telegram": 1_000_000}, "per_chat_interval": 0},
        "scheduler": {"enabled": False},
        "console": {"enabled": False},
    }


def troly06_run(tmp: Path, config: dict) -> list[str]:
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return [str(Path(sys.executable).parent / "troly06"), "run", "--config", str(path)]


def troly06_command(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
    return troly06_run(tmp, troly06_config(tmp, fake, mode, port))


def echo_command(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
    webhook = [str(port), SECRET] if mode == "webhook" else []
    return [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py"), fake.base_url, TOKEN,
            mode, *webhook]


Command = Callable[[Path, FakeTelegram, str, int], list[str]]


# Runs a Python script under cProfile timed by CPU time: on a busy machine the wall time of a
# call also counts the waits for a core, which swamps the profile of the calls themselves.
CPU_PROFILE = """\
import cProfile, runpy, sys, time
output, sys.argv = sys.argv[1], sys.argv[2:]
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(runpy.run_path, sys.argv[0], run_name="__main__")
finally:
    profile.dump_stats(output)
"""


def profiled(command: Command, folder: Path) -> Command:
    """`command` (a Python script and its arguments) under cProfile in CPU time, its
    statistics written to `folder`/troly06-<mode>.prof."""

    def under_cprofile(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        output = folder.resolve() / f"troly06-{mode}.prof"
        return [sys.executable, "-c", CPU_PROFILE, str(output), *command(tmp, fake, mode, port)]

    return under_cprofile


async def started_or_exited(fake: AnsweringFake, bot: subprocess.Popen[bytes]) -> None:
    """Wait until the bot polls or sets its webhook; fail at once if it exited."""
    deadline = time.monotonic() + START_TIMEOUT
    while not fake.ready.is_set():
        if bot.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start (exit status {bot.returncode})")
        await asyncio.sleep(0.1)


class Citizens:
    """Offers questions to the bot, each from a new citizen, and times the answers."""

    def __init__(self, fake: AnsweringFake, mode: str, port: int,
                 session: aiohttp.ClientSession) -> None:
        self.fake, self.mode, self.session = fake, mode, session
        self.url = f"http://{LOOPBACK}:{port}/telegram"
        self.citizen = itertools.count(FIRST_CITIZEN)

    async def ask(self, text: str) -> float:
        """Seconds until the bot's first message to a new citizen asking `text`."""
        user = next(self.citizen)
        answered = asyncio.get_running_loop().create_future()
        self.fake.waiting[user] = answered
        started = time.perf_counter()
        if self.mode == "webhook":
            update = self.fake.text_update(user, text)
            async with self.session.post(self.url, json=update, headers={
                    "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                response.raise_for_status()
        else:
            self.fake.send_text(user, text)
        return await asyncio.wait_for(answered, ANSWER_TIMEOUT) - started

    async def ask_all(self, texts: list[str], in_flight: int) -> list[float]:
        """Ask every text, `in_flight` citizens waiting at any time; the latencies."""
        queue = iter(texts)
        latencies: list[float] = []

        async def citizen_after_citizen() -> None:
            for text in queue:
                latencies.append(await self.ask(text))

        await asyncio.gather(*(citizen_after_citizen() for _ in range(in_flight)))
        return latencies

    async def ask_steadily(self, texts: list[str], per_second: float,
                           until: asyncio.Event) -> list[tuple[float, float]]:
        """A new citizen asks every 1/`per_second` s, answered or not, until `until` is set;
        (when asked, seconds to the answer) for each."""

        async def timed(text: str) -> tuple[float, float]:
            asked = time.perf_counter()
            return asked, await self.ask(text)

        asking: list[asyncio.Task[tuple[float, float]]] = []
        started = time.perf_counter()
        for n, text in enumerate(itertools.cycle(texts)):
            if until.is_set():
                break
            await asyncio.sleep(max(0.0, started + n / per_second - time.perf_counter()))
            asking.append(asyncio.create_task(timed(text)))
        return list(await asyncio.gather(*asking))


@contextlib.asynccontextmanager
async def running_bot(command: Command, fake: AnsweringFake, mode: str, port: int,
                      tmp: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """The bot's process, started in `tmp` and reaching the fake; its log's end is printed
    if anything fails, and it is stopped (SIGTERM, then killed) at the end."""
    log = tmp / "bot.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY06_")}
    with log.open("wb") as output:
        bot = subprocess.Popen(command(tmp, fake, mode, port), cwd=tmp, env=env,
                               stdout=output, stderr=subprocess.STDOUT)
    try:
        await started_or_exited(fake, bot)
        yield bot
    except BaseException:
        print(log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        bot.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            bot.wait(10)
        if bot.poll() is None:
            bot.kill()


def cycled(texts: list[str], count: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(count)]


async def measure(label: str, command: Command, mode: str, updates: int, in_flight: int,
                  warm_up: int) -> Result:
    texts = questions()
    async with AnsweringFake() as fake, aiohttp.ClientSession() as session:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            async with running_bot(command, fake, mode, port, Path(tmp)) as bot:
                citizens = Citizens(fake, mode, port, session)
                await citizens.ask_all(cycled(texts, warm_up), in_flight)
                cpu_before, started = process_cpu_seconds(bot.pid), time.perf_counter()
                driver_before = time.process_time()
                latencies = await citizens.ask_all(cycled(texts, updates), in_flight)
                seconds = time.perf_counter() - started
                cpu = process_cpu_seconds(bot.pid) - cpu_before
                driver = time.process_time() - driver_before
                rss, peak = process_rss_mb(bot.pid)
    typing = len(fake.sent("sendChatAction"))
    return Result(label, mode, updates, seconds, cpu, latencies, rss, peak, driver, typing)


# -- everything but matching, in this process ------------------------------------------------


class RememberedMatches(KnowledgeService):
    """The shipped knowledge base answering each of `texts` from a table made beforehand: the
    bot around the matcher, without the matcher's cost."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        match = super().match
        self._matches = {text: match(text) for text in texts}

    def match(self, text: str) -> MatchResult:
        remembered = self._matches.get(text)
        return remembered if remembered is not None else super().match(text)


async def measure_beside_matching(updates: int, in_flight: int, warm_up: int) -> float:
    """CPU ms per update of this whole process: the real bot (App: the Telegram channel in
    webhook mode, the conversation, SQLite, the outbox) with its matches remembered, the
    fake Bot API and the citizens. Steadier than the bot's process beside a matcher whose
    cost swings with the machine's load; the fake and the citizens are the benchmark's
    "driver" share of the other runs (about 1 ms per update)."""
    texts = questions()
    knowledge = RememberedMatches(texts)
    async with AnsweringFake() as fake, aiohttp.ClientSession() as session:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "config.yaml"
            config = troly06_config(Path(tmp), fake, "webhook", port)
            path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
            app = App(load_config(path, environ={}), knowledge)
            await app.start()
            try:
                citizens = Citizens(fake, "webhook", port, session)
                await citizens.ask_all(cycled(texts, warm_up), in_flight)
                before = time.process_time()
                await citizens.ask_all(cycled(texts, updates), in_flight)
                return (time.process_time() - before) * 1000 / updates
            finally:
                await app.stop()


# -- citizens asking during a reminder fan-out ----------------------------------------------


@dataclass
class RateLimitedAnsweringFake(AnsweringFake, RateLimitedTelegram):
    """The answering fake with Telegram's flood limits: 429 with retry_after above them."""


@dataclass
class FanOut:
    """The reminder fan-out's plan (`members` officials, `scale` times Telegram's limits,
    reminders at `moment`) and, once measured, what came of it."""

    members: int
    scale: float
    moment: datetime
    idle: list[float] = field(default_factory=list)  # citizens' latencies before `moment`
    during: list[float] = field(default_factory=list)  # from `moment` to the last reminder
    seconds: float = 0.0  # from `moment` until every official had a reminder
    duplicates: int = 0
    losses: int = 0
    marked_sent: int = 0
    rejected: int = 0  # the fake's 429 answers
    cpu_seconds: float = 0.0  # the bot's, from `moment` to the last reminder
    slowest: str = ""  # what the bot did while the slowest replies during the fan-out waited

    @property
    def rate(self) -> float:
        return 25 * self.scale

    @property
    def officials(self) -> list[str]:
        return [str(FIRST_OFFICIAL + m) for m in range(self.members)]

    def command(self, tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
        """`troly06 run` with the scheduler on: the officials (already linked to their chats
        in the database) get their reminder at `moment`, sent at the configured rate."""
        roster = tmp / "officials.yaml"
        roster.write_text(roster_yaml(self.members, self.moment.date()), encoding="utf-8")
        db = open_database(tmp / "troly06.db")
        ensure_schema(db)
        problems = load_files_into(db, [roster], LEVELS, "23:59", TZ)
        if problems:
            raise RuntimeError(f"roster: {problems[:3]}")
        with db.conn:
            db.execute("UPDATE members SET channel = 'telegram', chat_id = "
                       "CAST(? + CAST(SUBSTR(id, 2) AS INTEGER) AS TEXT)", [FIRST_OFFICIAL])
        db.close()
        config = troly06_config(tmp, fake, mode, port)
        config["outbox"] = {"rates": {"telegram": self.rate}, "per_chat_interval": 1.0}
        config["scheduler"] = {
            "enabled": True, "files": [str(roster)], "timezone": str(TZ),
            "reminder_time": self.moment.strftime("%H:%M"), "offsets_days": [0], "overdue_days": 0,
            "default_due_time": "23:59",
            "quiet_start": (self.moment + timedelta(hours=2)).strftime("%H:%M"),
            "quiet_end": (self.moment + timedelta(hours=3)).strftime("%H:%M"),
        }
        return troly06_run(tmp, config)


def reminder_moment(lead: float) -> datetime:
    """The next whole minute at least `lead` seconds away, on the same day (the task is due
    at 23:59 that day, its one reminder at this moment)."""
    soon = datetime.now(TZ) + timedelta(seconds=lead + 60)
    moment = soon.replace(second=0, microsecond=0)
    if moment.date() != datetime.now(TZ).date() or (moment.hour, moment.minute) >= (23, 58):
        raise SystemExit("--fan-out needs a reminder moment before 23:58 (Việt Nam time)")
    return moment


async def until_all_reached(fake: RateLimitedTelegram, plan: FanOut, done: asyncio.Event,
                            deadline: float) -> None:
    """Set `done` once every official has a reminder; fail at `deadline` (perf_counter)."""
    officials = plan.officials
    while not all(fake.accepted[chat] for chat in officials):
        if time.perf_counter() > deadline:
            reached = sum(1 for chat in officials if fake.accepted[chat])
            done.set()
            raise RuntimeError(f"fan-out unfinished: {reached} of {plan.members} reached")
        await asyncio.sleep(0.5)
    done.set()


class SchedWatch:
    """Samples a process's time on a core and its time waiting for one (/proc/<pid>/schedstat,
    in ns) every `every` seconds, to tell a slow reply's wait apart: the bot working, the
    bot runnable but the machine's cores busy with others, or the bot idle (waiting on the
    fake, a timer, the disk)."""

    def __init__(self, pid: int, every: float = 0.01) -> None:
        self.path, self.every = Path(f"/proc/{pid}/schedstat"), every
        self.samples: list[tuple[float, int, int]] = []  # (perf_counter, on a core, waiting)

    async def run(self) -> None:
        while True:
            on_core, waiting, _ = self.path.read_text().split()
            self.samples.append((time.perf_counter(), int(on_core), int(waiting)))
            await asyncio.sleep(self.every)

    def between(self, start: float, end: float) -> tuple[float, float]:
        """(seconds on a core, seconds waiting for one) from `start` to `end` (perf_counter),
        from the samples nearest to each."""
        moments = [sample[0] for sample in self.samples]
        first = self.samples[max(0, bisect.bisect_right(moments, start) - 1)]
        last = self.samples[min(len(moments) - 1, bisect.bisect_left(moments, end))]
        return (last[1] - first[1]) / 1e9, (last[2] - first[2]) / 1e9

    def slowest_report(self, replies: list[tuple[float, float]], moment: float) -> str:
        """The replies above the 95th percentile: when they were asked (seconds after
        `moment`), their mean wait and, meanwhile, the bot's mean time on a core and
        waiting for one."""
        cut = statistics.quantiles([seconds for _, seconds in replies], n=100)[94]
        slow = [(asked, seconds) for asked, seconds in replies if seconds > cut]
        spent = [self.between(asked, asked + seconds) for asked, seconds in slow]
        when = statistics.quantiles([asked - moment for asked, _ in slow] * 2, n=4)
        return (f"the {len(slow)} replies above the p95 during it, asked {when[0]:.0f} / "
                f"{when[1]:.0f} / {when[2]:.0f} s after the moment (quartiles), waited "
                f"{_mean_ms(slow, 1)} ms on average; meanwhile the bot was on a core "
                f"{_mean_ms(spent, 0)} ms and waited for one {_mean_ms(spent, 1)} ms (the rest "
                f"it was idle: waiting on the fake, a timer or the disk)")


def _mean_ms(pairs: list[tuple[float, float]], index: int) -> str:
    return f"{statistics.fmean(pair[index] for pair in pairs) * 1000:.0f}"


async def measure_fan_out(mode: str, plan: FanOut, ask_rate: float, in_flight: int,
                          warm_up: int, profile: Path | None = None) -> FanOut:
    texts = questions()
    command = plan.command if profile is None else profiled(plan.command, profile)
    async with RateLimitedAnsweringFake(global_per_second=30 * plan.scale) as fake, \
            aiohttp.ClientSession() as session:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            async with running_bot(command, fake, mode, port, Path(tmp)) as bot:
                citizens = Citizens(fake, mode, port, session)
                await citizens.ask_all(cycled(texts, warm_up), in_flight)
                due = time.perf_counter() + plan.moment.timestamp() - time.time()
                if due < time.perf_counter() + 5:
                    raise RuntimeError("the bot started too late for a baseline before the "
                                       "reminders: raise FAN_OUT_LEAD")
                done = asyncio.Event()
                deadline = due + 3 * plan.members / plan.rate + 120
                watching = asyncio.create_task(until_all_reached(fake, plan, done, deadline))
                asking = asyncio.create_task(citizens.ask_steadily(texts, ask_rate, done))
                sched = SchedWatch(bot.pid)
                sampling = asyncio.create_task(sched.run())
                try:
                    await asyncio.sleep(due - time.perf_counter())
                    cpu_before = process_cpu_seconds(bot.pid)
                    await watching
                    plan.seconds = time.perf_counter() - due
                    plan.cpu_seconds = process_cpu_seconds(bot.pid) - cpu_before
                    answered = await asking
                finally:  # a failure shows as itself, not as citizens asking a stopped bot
                    watching.cancel()
                    asking.cancel()
                    sampling.cancel()
            db = open_database(Path(tmp) / "troly06.db")
            plan.marked_sent = db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
            db.close()
    plan.idle = [seconds for asked, seconds in answered if asked < due]
    plan.during = [seconds for asked, seconds in answered if asked >= due]
    plan.slowest = sched.slowest_report([reply for reply in answered if reply[0] >= due], due)
    plan.duplicates = sum(max(0, fake.accepted[chat] - 1) for chat in plan.officials)
    plan.losses = sum(1 for chat in plan.officials if not fake.accepted[chat])
    plan.rejected = fake.rejected
    return plan


def percentiles_ms(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (f"{cuts[49] * 1000:.0f} / {cuts[94] * 1000:.0f} / {cuts[98] * 1000:.0f} "
            f"(max {max(latencies) * 1000:.0f}, n={len(latencies)})")


def fan_out_report(mode: str, plan: FanOut) -> str:
    return (f"{mode}: {plan.members} reminders at {plan.rate:g}/s configured (fake: "
            f"{30 * plan.scale:g}/s, 1/s per chat): done in {plan.seconds:.1f} s (ideal "
            f"{plan.members / plan.rate:.1f} s); duplicates {plan.duplicates}, losses "
            f"{plan.losses}, marked sent {plan.marked_sent}, 429s {plan.rejected}; bot CPU "
            f"{plan.cpu_seconds:.1f} s\n"
            f"  citizens' replies p50 / p95 / p99 ms: before the fan-out "
            f"{percentiles_ms(plan.idle)}; during it {percentiles_ms(plan.during)}\n"
            f"  {plan.slowest}")


HEADER = ("| bot | mode | updates/s | CPU ms/update | p50 ms | p95 ms | p99 ms | RSS MB (peak) "
          "| vs echo: updates/s, CPU | driver CPU ms/update | typing shown |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(r: Result, echo: Result | None) -> str:
    """One table row; beside the echo bot of the same run and mode, the ratios to it."""
    ratio = (f"{r.per_second / echo.per_second:.2f}× / {r.cpu_ms / echo.cpu_ms:.2f}×"
             if echo is not None and r is not echo else "")
    return (f"| {r.label} | {r.mode} | {r.per_second:.0f} | {r.cpu_ms:.2f} | "
            f"{r.latency_ms(50):.1f} | {r.latency_ms(95):.1f} | {r.latency_ms(99):.1f} | "
            f"{r.rss_mb:.0f} ({r.peak_rss_mb:.0f}) | {ratio} | {r.driver_cpu_ms:.2f} | "
            f"{r.typing} |")


async def run(args: argparse.Namespace) -> None:
    """Every bot in every mode, `--runs` times, each row printed as soon as it is measured."""
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    commands: dict[str, Command] = {"echo": echo_command, "troly06": troly06_command}
    if args.profile:
        commands["troly06"] = profiled(troly06_command, args.profile)
    bots = [(label, commands[label]) for label in args.bots.split(",")]
    if args.beside_matching:
        for _ in range(args.runs):
            cpu_ms = await measure_beside_matching(args.updates, args.in_flight, args.warm_up)
            print(f"webhook, everything but matching, one process (the bot, the fake Bot API "
                  f"and the citizens): {cpu_ms:.2f} ms CPU per update (N={args.updates})",
                  flush=True)
        return
    if args.fan_out:
        for _ in range(args.runs):
            for mode in modes:
                plan = FanOut(args.fan_out, args.scale, reminder_moment(args.lead))
                await measure_fan_out(mode, plan, args.ask_rate, args.in_flight, args.warm_up,
                                      args.profile)
                print(fan_out_report(mode, plan), flush=True)
        return
    print(HEADER, flush=True)
    for _ in range(args.runs):
        for mode in modes:
            echo = None
            for label, command in bots:
                result = await measure(label, command, mode, args.updates, args.in_flight,
                                       args.warm_up)
                echo = result if label == "echo" else echo
                print(row(result, echo), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=32,
                        help="citizens waiting for an answer at any time")
    parser.add_argument("--warm-up", type=int, default=200)
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--bots", default="echo,troly06", help="echo, troly06 or both")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run troly06 under cProfile, statistics into DIR")
    parser.add_argument("--beside-matching", action="store_true",
                        help="the bot with its matches remembered, in this process: the CPU "
                        "of everything but matching")
    parser.add_argument("--fan-out", type=int, default=0, metavar="OFFICIALS",
                        help="citizens ask while a reminder goes to this many officials")
    parser.add_argument("--scale", type=float, default=4.0,
                        help="--fan-out: Telegram's limits (and our rate) times this")
    parser.add_argument("--ask-rate", type=float, default=10.0,
                        help="--fan-out: citizens' questions per second")
    parser.add_argument("--lead", type=float, default=FAN_OUT_LEAD,
                        help="--fan-out: seconds at least from start to the reminders' moment")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
