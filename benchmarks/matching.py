"""Matching benchmark: the indexed matcher against the naive rapidfuzz scan, side by side.

Builds knowledge bases of 1,000, 10,000 and 100,000 phrasings by expanding the shipped FAQ
(each synthetic entry is a real entry asked about a named commune and a few things of its
own — a local office, a form, a road — so the vocabulary grows with the knowledge base to
tens of thousands of distinct words, as real ones do), then reports for both approaches:
per-query CPU time p50/p99 over the dev-set and real-wording questions, build/load time and
peak RSS (each size in a fresh process). Accuracy is compared on the shipped knowledge base
with the labelled sets.

    python benchmarks/matching.py                 # all sizes
    python benchmarks/matching.py --sizes 1000    # one size
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from itertools import permutations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from knowledge.evaluation import Example, evaluate, read_examples  # noqa: E402
from knowledge.loader import load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from knowledge.model import KnowledgeBase  # noqa: E402
from knowledge.normalize import Normalizer  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
REAL_SET = ROOT / "tests" / "data" / "real.jsonl"
ONSETS = ["", "b", "c", "ch", "d", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "p",
          "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
RHYMES = ["a", "ai", "am", "an", "ang", "anh", "ao", "au", "ay", "em", "en", "eo", "i", "ia",
          "im", "in", "inh", "iu", "o", "oa", "oai", "oan", "oang", "oe", "oi", "om", "on",
          "ong", "u", "ua", "ui", "um", "un", "ung", "uy", "uyen", "uong", "uoi", "ieu", "iet"]
THINGS = ["trụ sở", "biểu mẫu", "đường", "tổ dân phố", "điểm tiếp nhận", "thôn"]
UNIQUE_WORDS_PER_ENTRY = 3
SYLLABLES = [
    "an", "bình", "hòa", "phú", "tân", "long", "thạnh", "mỹ", "hưng", "phước", "lợi", "đông",
    "tây", "nam", "bắc", "trung", "sơn", "hải", "thủy", "lâm", "xuân", "thu", "hạ", "vĩnh",
    "quang", "minh", "đức", "thịnh", "khánh", "hiệp", "thới",
]


COMMUNES = [f"xã {a} {b}" for a, b in permutations(SYLLABLES, 2)]


SYNTHETIC_SYLLABLES = [onset + rhyme for onset in ONSETS for rhyme in RHYMES]


def unique_words(copy: int) -> list[str]:
    """Words only this synthetic entry uses (two syllables run together, like the names of
    local places, forms and offices), so distinct words grow with the entries."""
    size = len(SYNTHETIC_SYLLABLES)
    words = []
    for k in range(UNIQUE_WORDS_PER_ENTRY):
        n = copy * UNIQUE_WORDS_PER_ENTRY + k
        words.append(SYNTHETIC_SYLLABLES[n % size] + SYNTHETIC_SYLLABLES[(n // size) % size])
    return words


def expand(kb: KnowledgeBase, phrasings: int) -> KnowledgeBase:
    """Copies of the real entries, each about one named commune and a few local things of its
    own, up to `phrasings` in all. No phrasing repeats, and every copy adds new words."""
    entries = dict(kb.entries)
    count = sum(len(e.phrasings) for e in entries.values())
    originals = list(kb.entries.values())
    copy = 0
    while count < phrasings:
        source = originals[copy % len(originals)]
        place = COMMUNES[(copy // len(originals)) % len(COMMUNES)]
        own = unique_words(copy)
        things = [f"{THINGS[(copy + k) % len(THINGS)]} {word}" for k, word in enumerate(own)]
        clone = replace(
            source, id=f"{source.id}-{copy}", question=f"{source.question} ({place})",
            variants=tuple(f"{v} ở {place}, {things[i % len(things)]}"
                           for i, v in enumerate(source.variants)),
            answer=f"{source.answer}\nỞ {place}: {', '.join(things)}.", related=(),
        )
        entries[clone.id] = clone
        count += len(clone.phrasings)
        copy += 1
    return KnowledgeBase(kb.categories, entries)


def cpu_clock() -> float:
    """This process's CPU seconds: on a machine shared by other developers, wall time
    mostly measures their load; matching is single-threaded, so CPU time is what one
    query costs on an idle core."""
    return time.process_time()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_queries(answer, questions: list[str], repeat: int) -> tuple[float, float, float]:
    """p50, p99 and mean CPU milliseconds per query."""
    timings = []
    for _ in range(repeat):
        for question in questions:
            start = cpu_clock()
            answer(question)
            timings.append((cpu_clock() - start) * 1000)
    return statistics.median(timings), percentile(timings, 0.99), statistics.fmean(timings)


def naive_answerer(kb: KnowledgeBase, normalizer: Normalizer):
    """The baseline: WRatio against every phrasing (normalised like ours, to be fair)."""
    texts, owners = [], []
    for entry in kb.entries.values():
        for phrasing in entry.phrasings:
            texts.append(normalizer.normalize(phrasing).text)
            owners.append(entry.id)

    def answer(question: str) -> tuple[str, float]:
        found = process.extractOne(normalizer.normalize(question).text, texts,
                                   scorer=fuzz.WRatio, processor=None)
        return owners[found[2]], found[1]

    return answer


def write_faq_files(kb: KnowledgeBase, folder: Path) -> None:
    """The knowledge base as FAQ files, one per category, as admins would keep it."""
    folder.mkdir(parents=True, exist_ok=True)
    categories = [{"id": c.id, "title": c.title} for c in kb.categories]
    (folder / "categories.yaml").write_text(yaml.safe_dump(categories, allow_unicode=True),
                                            encoding="utf-8")
    for category in kb.categories:
        entries = [
            {"id": e.id, "category": e.category, "question": e.question,
             "variants": list(e.variants), "answer": e.answer,
             "sources": [{"url": s.url, "read": s.read} for s in e.sources],
             "updated": e.updated, "keywords": list(e.keywords), "related": list(e.related)}
            for e in kb.in_category(category.id)
        ]
        (folder / f"{category.id}.yaml").write_text(
            yaml.dump(entries, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                      allow_unicode=True), encoding="utf-8")


def measure_file_load_of(kb: KnowledgeBase) -> float:
    """Seconds from FAQ files on disk to a serving matcher: parse, validate, index."""
    with tempfile.TemporaryDirectory() as folder:
        write_faq_files(kb, Path(folder))
        start = cpu_clock()
        KnowledgeService(Path(folder))
        return cpu_clock() - start


def measure_size(phrasings: int, approach: str, every: int = 1) -> dict[str, float]:
    """One size and one approach, in this (fresh) process: build, latency, peak RSS.
    `every`: time every n-th question only (the naive scan at 100,000 takes ~1 s each)."""
    normalizer = Normalizer.from_file()
    kb, _ = load_knowledge_base(None, normalizer)
    big = expand(kb, phrasings)
    questions = [e.question for path in (DEV_SET, REAL_SET) for e in read_examples(path)][::every]
    start = cpu_clock()
    if approach == "indexed":
        matcher = Matcher(big, normalizer)
        answer = matcher.match
    else:
        answer = naive_answerer(big, normalizer)
    build = cpu_clock() - start
    repeat = 3 if approach == "indexed" or phrasings <= 10_000 else 1
    p50, p99, mean = time_queries(answer, questions, repeat)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    files = measure_file_load_of(big) if approach == "indexed" else 0.0
    words = {w for e in big.entries.values() for p in e.phrasings
             for w in normalizer.normalize(p).tokens}  # fmt: skip
    return {"files_s": files, "phrasings": sum(len(e.phrasings) for e in big.entries.values()),
            "entries": len(big.entries), "words": len(words), "build_s": build, "p50_ms": p50,
            "p99_ms": p99, "mean_ms": mean, "peak_rss_mb": rss_mb}


def measure_file_load() -> float:
    """Seconds to read, validate and index the shipped FAQ files (what a reload costs)."""
    start = cpu_clock()
    KnowledgeService()
    return cpu_clock() - start


def naive_accuracy(examples: list[Example]) -> dict[str, float]:
    """Naive top-1 and its best possible off-topic fallback rate: the threshold is chosen
    after the fact to favour the baseline."""
    normalizer = Normalizer.from_file()
    kb, _ = load_knowledge_base(None, normalizer)
    answer = naive_answerer(kb, normalizer)
    results = [(e, *answer(e.question)) for e in examples]
    on = [(e, got, score) for e, got, score in results if e.expected is not None]
    off = [score for e, _, score in results if e.expected is None]
    best: dict[str, float] = {}
    for threshold in range(50, 101):
        top1 = sum(e.accepts(got) and score >= threshold for e, got, score in on) / len(on)
        fallback = sum(score < threshold for score in off) / len(off)
        if not best or top1 + fallback > best["top1"] + best["fallback"]:
            best = {"top1": top1, "fallback": fallback, "threshold": threshold}
    best["top1_any_threshold"] = sum(e.accepts(got) for e, got, _ in on) / len(on)
    return best


def print_accuracy(name: str, examples: list[Example]) -> None:
    ours = evaluate(KnowledgeService(), examples)
    naive = naive_accuracy(examples)
    print(f"Accuracy on {name} (shipped knowledge base):")
    print(f"  indexed: top-1 {ours.top1_accuracy:.1%}, off-topic fallback {ours.fallback_rate:.1%}"
          f", answered right {ours.answered_right_rate:.1%}, wrong answers "
          f"{ours.wrong_answer_rate:.1%}")
    print(f"  naive:   top-1 {naive['top1']:.1%} and off-topic fallback {naive['fallback']:.1%} "
          f"at its best threshold {naive['threshold']}; top-1 ignoring fallback "
          f"{naive['top1_any_threshold']:.1%}")


def run_child(phrasings: int, approach: str, every: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(phrasings), approach, str(every)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--every", type=int, default=1,
                        help="time every n-th question only (quicker; the same for both)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_size(int(args.child[0]), args.child[1], int(args.child[2]))))
        return

    print_accuracy("the dev set", read_examples(DEV_SET))
    print_accuracy("the real-wording test half",
                   [e for e in read_examples(REAL_SET) if e.split == "test"])
    print(f"Loading the shipped FAQ files (parse, validate, index): {measure_file_load():.2f} s")
    print()
    header = (f"{'phrasings':>10} {'entries':>8} {'words':>7} {'approach':>8} {'build s':>8} "
              f"{'files s':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'RSS MB':>7} "
              f"{'speed-up p50/p99/mean':>22}")
    print(header)
    for size in args.sizes:
        indexed = run_child(size, "indexed", args.every)
        baseline = run_child(size, "naive", args.every)
        for name, row in (("indexed", indexed), ("naive", baseline)):
            speedup = ""
            if name == "indexed":
                speedup = (f"{baseline['p50_ms'] / row['p50_ms']:.0f}x / "
                           f"{baseline['p99_ms'] / row['p99_ms']:.0f}x / "
                           f"{baseline['mean_ms'] / row['mean_ms']:.0f}x")
            files = f"{row['files_s']:.2f}" if name == "indexed" else "-"
            print(f"{row['phrasings']:>10,} {row['entries']:>8,} {row['words']:>7,} {name:>8} "
                  f"{row['build_s']:>8.2f} {files:>8} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                  f"{row['mean_ms']:>8.2f} {row['peak_rss_mb']:>7.0f} {speedup:>22}", flush=True)


if __name__ == "__main__":
    main()
