"""Load and reload benchmark: FAQ files of 100,000 phrasings to a serving matcher, and the
memory a reload needs on top of what is serving.

Writes the synthetic knowledge base of benchmarks/matching.py as FAQ files, then in a fresh
process (so no cache is warm) times what `troly06 run` does at start and on SIGHUP:
`KnowledgeService(folder)` (parse, validate, index) in CPU seconds, its steady RSS, then one
`reload()` with its CPU seconds and the peak RSS during it (the kernel's high-water mark,
reset just before the reload). Targets of issue 12: load ≤ 4 s, reload peak ≤ 1.5× steady.

    python benchmarks/reload.py                       # 100,000 phrasings
    python benchmarks/reload.py --phrasings 10000 --profile /tmp/load.prof
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.matching import expand, write_faq_files  # noqa: E402
from knowledge.loader import load_knowledge_base  # noqa: E402
from knowledge.normalize import Normalizer  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since start or the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux: 5 to clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def measure(folder: Path, profile: Path | None) -> dict[str, float]:
    """In this fresh process: cold load, steady RSS, one reload and its peak RSS."""
    before = memory_mb("VmRSS")
    profiler = cProfile.Profile() if profile else None
    start = time.process_time()
    if profiler:
        profiler.enable()
    service = KnowledgeService(folder)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    load = time.process_time() - start
    gc.collect()
    steady = memory_mb("VmRSS")
    reset_peak()
    start = time.process_time()
    service.reload()
    reload = time.process_time() - start
    peak = memory_mb("VmHWM")
    gc.collect()
    return {"load_s": load, "reload_s": reload, "rss_before_mb": before, "steady_mb": steady,
            "reload_peak_mb": peak, "after_reload_mb": memory_mb("VmRSS"),
            "entries": len(service.kb.entries),
            "phrasings": sum(len(e.phrasings) for e in service.kb.entries.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrasings", type=int, default=100_000)
    parser.add_argument("--profile", type=Path, help="cProfile the cold load into this file")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.profile)))
        return
    kb, _ = load_knowledge_base(None, Normalizer.from_file())
    with tempfile.TemporaryDirectory() as folder:
        write_faq_files(expand(kb, args.phrasings), Path(folder))
        command = [sys.executable, __file__, "--child", folder]
        if args.profile:
            command += ["--profile", str(args.profile)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    row = json.loads(done.stdout)
    load_average = os.getloadavg()[0]
    print(f"{row['phrasings']:,} phrasings, {row['entries']:,} entries "
          f"(load average {load_average:.1f})")
    print(f"  load from files: {row['load_s']:.2f} s CPU   reload: {row['reload_s']:.2f} s CPU")
    print(f"  RSS: {row['rss_before_mb']:.0f} MB before loading, {row['steady_mb']:.0f} MB "
          f"steady, {row['reload_peak_mb']:.0f} MB peak during a reload "
          f"({row['reload_peak_mb'] / row['steady_mb']:.2f}x steady), "
          f"{row['after_reload_mb']:.0f} MB after it")


if __name__ == "__main__":
    main()
