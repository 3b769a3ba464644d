"""Benchmarks that print figures: `python -m checklist.bench [engine|http]`.

Never run by the tests; the figures go in the README.
"""
from __future__ import annotations

import datetime as dt
import gzip
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
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


def bench_http(runs: int = 400) -> None:
    """One answer posted over HTTP on loopback to a real `checklist serve`, as htmx sends it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", str(port), "--data", data],
                                  stdout=subprocess.DEVNULL)
        try:
            connection = _connect(port)
            connection.request("GET", "/")
            response = connection.getresponse()
            token = re.search(r'name="csrf-token" content="([^"]+)"', response.read().decode()).group(1)
            cookie = response.getheader("Set-Cookie").split(";")[0]
            headers = {"Cookie": cookie, "X-CSRFToken": token, "HX-Request": "true", "Accept-Encoding": "gzip",
                       "Content-Type": "application/x-www-form-urlencoded"}
            connection.request("POST", "/drafts", urllib.parse.urlencode({"csrf_token": token}), headers)
            response = connection.getresponse()
            response.read()
            answers = response.getheader("Location") + "/answers"
            samples, sizes, raw_sizes = [], [], []
            for index in range(runs):
                body = urllib.parse.urlencode({"platelets": 60000 + index % 50, "platelets_unit": "cells/mm3"})
                start = time.perf_counter()
                connection.request("POST", answers, body, headers)
                response = connection.getresponse()
                payload = response.read()
                samples.append(time.perf_counter() - start)
                sizes.append(len(payload))
                raw_sizes.append(len(gzip.decompress(payload)) if response.getheader("Content-Encoding") else len(payload))
        finally:
            server.terminate()
            server.wait()
    median, p99 = percentiles(samples[runs // 10:])
    print(f"answer round trip over HTTP on loopback ({runs} answers): median {median:.2f} ms, p99 {p99:.2f} ms; "
          f"response {statistics.median(sizes) / 1024:.1f} KB gzip ({statistics.median(raw_sizes) / 1024:.1f} KB raw)")


def _connect(port: int):
    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.connect()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


BENCHES = {"engine": bench_engine, "http": bench_http}


def main(argv=None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHES)
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
