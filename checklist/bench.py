"""Benchmarks that print figures: `python -m checklist.bench [engine|http]`.

Never run by the tests; the figures go in the README.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

from .answers import validate
from .engine import evaluate
from .rules import load_trial

VIGNETTE = Path(__file__).resolve().parent.parent / "helio-rt" / "vignettes" / "01-all-criteria-met.json"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def bench_engine(runs: int = 3000) -> None:
    """Validate and evaluate one full answers document, many times."""
    trial = load_trial()
    answers = json.loads(VIGNETTE.read_text())["answers"]
    today = dt.date(2026, 6, 15)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        facts, _errors = validate(trial, answers, today)
        evaluate(trial, facts, today)
        samples.append(time.perf_counter() - start)
    median, p99 = percentiles(samples[runs // 10:])  # the first tenth warms caches
    print(f"validate + evaluate one full answers document ({runs} runs): "
          f"median {median:.3f} ms, p99 {p99:.3f} ms")


BENCHES = {"engine": bench_engine}


def main(argv=None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHES)
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
