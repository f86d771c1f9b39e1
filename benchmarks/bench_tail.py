"""The tail of the fetch section: the served set fetched many times, each fetch timed inside its worker."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time

from bench_common import emit, log

import iclr_helpers as ih
from iclr_tools import github

TAIL_REPEATS = 8  # the tail run: the served set (its 5 largest included) 8 times, 480 fetches
# The tail before the fix that writes a git command's input from a thread of its own (commit 0da238b with this
# section, run on 2026-12-02): 3 of 480 fetches hung until the budget, slowest 120.06 s over a median of 1.70 s.
TAIL_BEFORE_FIX = "70.7, 3 of 480 fetches hung until the 120 s budget"
TAIL_TIMEOUT_S = (
    120.0  # the tail run's budget per repository: a hang shows as a figure, not a ten-minute wait
)


def measure_fetch_tail(targets: list[dict], base_url: str, workers: int) -> None:
    """The tail: the served set fetched `TAIL_REPEATS` times by `workers` threads, each fetch timed inside its
    worker (not from submission), with a short budget per repository; emits median, slowest and their ratio."""
    seconds: list[float] = []
    lock = threading.Lock()
    repeated = targets * TAIL_REPEATS
    with tempfile.TemporaryDirectory(prefix="bench-tail-") as work:

        def fetch_one(target: dict) -> github.FetchResult:
            owner, name = target["name"].split("/", 1)
            start = time.perf_counter()
            try:
                return ih.fetch_repo(owner, name, None, target["subdir"], work, keep=ih.is_scan_file,
                                     git_url=base_url, archive_url=base_url, as_of="latest",
                                     total_timeout=TAIL_TIMEOUT_S)  # fmt: skip
            finally:
                with lock:
                    seconds.append(time.perf_counter() - start)

        start = time.perf_counter()
        results = [result for _, result in ih.fetch_many(repeated, fetch_one, workers, f"tail x{workers}")]
        wall = time.perf_counter() - start
    median, slowest = statistics.median(seconds), max(seconds)
    emit(f"fetch_tail_fetches_workers_{workers}", len(repeated))
    emit(f"fetch_tail_failed_workers_{workers}", sum(1 for r in results if r.status != "ok"))
    emit(f"fetch_tail_timeouts_workers_{workers}", sum(1 for r in results if r.status == "timeout"))
    emit(f"fetch_tail_wall_s_workers_{workers}", wall)
    emit(f"fetch_median_s_workers_{workers}", median)
    emit(f"fetch_slowest_s_workers_{workers}", slowest)
    emit(f"fetch_slowest_over_median_workers_{workers}", slowest / median)
    failed = sorted({f"{r.status}: {r.reason[:100]}" for r in results if r.status != "ok"})
    if failed:
        log(f"failed fetches in the tail run: {failed[:3]}")
