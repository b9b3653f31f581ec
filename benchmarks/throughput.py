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

  python benchmarks/throughput.py                         # N=2000, both modes, 1 run
  python benchmarks/throughput.py --updates 2000 --runs 3 --mode webhook
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.local_server import LOOPBACK, free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
SECRET = "benchmark-secret"
FIRST_CITIZEN = 10_000_000
START_TIMEOUT = 60.0  # seconds for a bot to load its knowledge and reach the fake
ANSWER_TIMEOUT = 30.0  # a question not answered by then fails the run
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class AnsweringFake(FakeTelegram):
    """The fake Bot API, telling waiting citizens when the bot's first message reaches them."""

    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def _api_sendMessage(self, params: dict) -> web.Response:
        answered = self.waiting.pop(int(params["chat_id"]), None)
        if answered is not None and not answered.done():
            answered.set_result(time.perf_counter())
        return await super()._api_sendMessage(params)

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


def troly06_command(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
    """`troly06 run` on a fresh database, its outbox limits out of reach."""
    config = {
        "storage": {"path": str(tmp / "troly06.db")},
        "telegram": {"token": TOKEN, "base_url": fake.base_url, "mode": mode,
                     "poll_timeout": 10, "webhook_url": f"http://{LOOPBACK}:{port}/telegram",
                     "webhook_listen": LOOPBACK, "webhook_port": port, "secret_token": SECRET},
        "outbox": {"rates": {"telegram": 1_000_000}, "per_chat_interval": 0},
        "scheduler": {"enabled": False},
        "console": {"enabled": False},
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return [str(Path(sys.executable).parent / "troly06"), "run", "--config", str(path)]


def echo_command(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
    webhook = [str(port), SECRET] if mode == "webhook" else []
    return [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py"), fake.base_url, TOKEN,
            mode, *webhook]


Command = Callable[[Path, FakeTelegram, str, int], list[str]]


def profiled(command: Command, folder: Path) -> Command:
    """`command` under cProfile, its statistics written to `folder`/troly06-<mode>.prof."""

    def under_cprofile(tmp: Path, fake: FakeTelegram, mode: str, port: int) -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        output = folder.resolve() / f"troly06-{mode}.prof"
        return [sys.executable, "-m", "cProfile", "-o", str(output),
                *command(tmp, fake, mode, port)]

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


async def measure(label: str, command: Command, mode: str, updates: int, in_flight: int,
                  warm_up: int) -> Result:
    texts = questions()
    async with AnsweringFake() as fake, aiohttp.ClientSession() as session:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "bot.log"
            env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY06_")}
            with log.open("wb") as output:
                bot = subprocess.Popen(command(Path(tmp), fake, mode, port), cwd=tmp, env=env,
                                       stdout=output, stderr=subprocess.STDOUT)
            try:
                await started_or_exited(fake, bot)
                citizens = Citizens(fake, mode, port, session)
                await citizens.ask_all([texts[i % len(texts)] for i in range(warm_up)],
                                       in_flight)
                cpu_before, started = process_cpu_seconds(bot.pid), time.perf_counter()
                driver_before = time.process_time()
                latencies = await citizens.ask_all(
                    [texts[i % len(texts)] for i in range(updates)], in_flight)
                seconds = time.perf_counter() - started
                cpu = process_cpu_seconds(bot.pid) - cpu_before
                driver = time.process_time() - driver_before
                rss, peak = process_rss_mb(bot.pid)
            except BaseException:
                print(log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
                raise
            finally:
                bot.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    bot.wait(10)
                if bot.poll() is None:
                    bot.kill()
    return Result(label, mode, updates, seconds, cpu, latencies, rss, peak, driver)


HEADER = ("| bot | mode | updates/s | CPU ms/update | p50 ms | p95 ms | p99 ms | RSS MB (peak) "
          "| vs echo: updates/s, CPU | driver CPU ms/update |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(r: Result, echo: Result | None) -> str:
    """One table row; beside the echo bot of the same run and mode, the ratios to it."""
    ratio = (f"{r.per_second / echo.per_second:.2f}× / {r.cpu_ms / echo.cpu_ms:.2f}×"
             if echo is not None and r is not echo else "")
    return (f"| {r.label} | {r.mode} | {r.per_second:.0f} | {r.cpu_ms:.2f} | "
            f"{r.latency_ms(50):.1f} | {r.latency_ms(95):.1f} | {r.latency_ms(99):.1f} | "
            f"{r.rss_mb:.0f} ({r.peak_rss_mb:.0f}) | {ratio} | {r.driver_cpu_ms:.2f} |")


async def run(args: argparse.Namespace) -> None:
    """Every bot in every mode, `--runs` times, each row printed as soon as it is measured."""
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    commands: dict[str, Command] = {"echo": echo_command, "troly06": troly06_command}
    if args.profile:
        commands["troly06"] = profiled(troly06_command, args.profile)
    bots = [(label, commands[label]) for label in args.bots.split(",")]
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
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
