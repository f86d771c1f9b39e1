"""The fetch section: recorded repositories from the fake GitHub, partial clone with 1 and 16 workers, archive
with 16, a clone read as of a date, and the bytes each received against the floor of the files the scan needs."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from typing import Any

from bench_common import FIGURES, RECORDS, count_cores, emit, log, read_children_cpu_s, read_cpu_s
from bench_github import ServerProcess
from bench_scan import load_scanner
from bench_tail import TAIL_REPEATS, measure_fetch_tail

import iclr_helpers as ih
from iclr_tools import clone, github, net

FETCH_TARGETS = 60
LATENCY_S = 0.05
RATE_BYTES_PER_S = 2_000_000
FILLER_CAP_BYTES = 20 * 2**20  # non-scan files above this are served at this size


def select_fetch_records(count: int, largest: int) -> list[str]:
    """`largest` biggest recorded repositories, then others spread evenly over the size ranking."""
    sizes = []
    for path in sorted(RECORDS.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        sizes.append((sum(size or 0 for _, size in record["files"]), path.name, bool(record.get("subdir"))))
    sizes.sort(reverse=True)
    chosen = [name for _, name, _ in sizes[:largest]]
    rest = sizes[largest:] if largest else sizes[len(sizes) // 2 :]  # quick: from the smaller half only
    want = count - largest
    picks = sorted({round(i * (len(rest) - 1) / max(1, want - 1)) for i in range(want)})
    chosen += [rest[i][1] for i in picks]
    monorepo = [name for _, name, sub in rest if sub and name not in chosen]
    if sum(1 for _, name, sub in sizes if sub and name in chosen) < 2 and monorepo:
        chosen[-1] = monorepo[0]
    return chosen


class GitTimer:
    """Wraps iclr_helpers.run_git to add up wall and CPU seconds per git step (CPU exact with 1 worker)."""

    def __init__(self) -> None:
        self.original = clone.run_git
        self.lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __enter__(self) -> GitTimer:
        def timed(args: list[str], *rest: Any, **kw: Any) -> bytes:
            start, cpu = time.perf_counter(), read_children_cpu_s()
            try:
                return self.original(args, *rest, **kw)
            finally:
                step = args[0] + ("-blobs" if args[0] == "fetch" and "--stdin" in args else "")
                with self.lock:
                    self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - start
                    self.cpu[step] = self.cpu.get(step, 0.0) + read_children_cpu_s() - cpu

        clone.run_git = timed
        return self

    def __exit__(self, *exc: object) -> None:
        clone.run_git = self.original

    @staticmethod
    def describe(table: dict[str, float]) -> str:
        """`step=seconds` summed over all threads, largest first."""
        return " ".join(f"{k}={v:.1f}" for k, v in sorted(table.items(), key=lambda kv: -kv[1]))


def fetch_all(
    targets: list[dict], method: str, workers: int, base_url: str, workdir: str, as_of: str = "latest"
) -> tuple[float, list]:
    """Fetch every target with `fetch_many` (`workers` threads); wall seconds and the FetchResults."""
    pool = net.make_http_pool(maxsize=max(16, workers))

    def fetch_one(target: dict) -> github.FetchResult:
        owner, name = target["name"].split("/", 1)
        return ih.fetch_repo(owner, name, None, target["subdir"], workdir, keep=ih.is_scan_file, method=method,
                             archive_url=base_url, git_url=base_url, pool=pool, as_of=as_of)  # fmt: skip

    start = time.perf_counter()
    ended = dict(ih.fetch_many(targets, fetch_one, workers, f"{method} x{workers}"))
    results = [ended[index] for index in range(len(targets))]
    return time.perf_counter() - start, results


def measure_fetch_run(
    server: ServerProcess,
    targets: list[dict],
    method: str,
    workers: int,
    base_url: str,
    suffix: str,
    as_of: str = "latest",
) -> tuple[float, list, dict]:
    """One timed fetch of all targets, with client and server CPU and per-git-step time; emits its figures."""
    before = server.ask("reset")
    cpu_before = read_cpu_s()
    with tempfile.TemporaryDirectory(prefix="bench-fetch-") as work, GitTimer() as timer:
        wall, results = fetch_all(targets, method, workers, base_url, work, as_of)
    after = server.ask("stats")
    client_cpu = read_cpu_s() - cpu_before
    server_cpu = after["cpu_s"] - before["cpu_s"]
    emit(f"fetch_s{suffix}", wall)
    emit(f"fetch_ok{suffix}", sum(1 for r in results if r.status == "ok"))
    emit(f"fetch_cpu_s_client{suffix}", client_cpu)
    emit(f"fetch_cpu_s_server{suffix}", server_cpu)
    emit(f"fetch_requests{suffix}", after["requests"])
    if timer.seconds:
        emit(f"fetch_git_wall_s_by_step{suffix}", timer.describe(timer.seconds))
        if workers == 1:
            emit(f"fetch_git_cpu_s_by_step{suffix}", timer.describe(timer.cpu))
    emit(f"fetch_cpu_floor_s{suffix}", (client_cpu + server_cpu) / count_cores())
    failed = [
        f"{t['name']}: {r.reason[:80]}" for t, r in zip(targets, results, strict=True) if r.status != "ok"
    ]
    if failed:
        log(f"failed fetches ({method}, {workers}): {failed[:3]}")
    return wall, results, after


def count_scan_matches(targets: list[dict], results: list, scanner: Any) -> int:
    """Targets whose fetched files scan to the frameworks of their record."""
    same = 0
    for target, result in zip(targets, results, strict=True):
        if result.status == "ok":
            record = scanner.extract_repo_facts(
                target["name"], target["subdir"], result.files, result.contents
            )
            same += ih.extract_tools(record)["frameworks"] == target["frameworks"]
    return same


def run_fetch(quick: bool) -> None:
    """Fetch figures: partial clone with 1 and 16 workers, archive with 16, bytes against the floor."""
    if not RECORDS.is_dir():
        emit("fetch", f"skipped: {RECORDS} is not here")
        return
    count, largest = (8, 0) if quick else (FETCH_TARGETS, 5)
    cap = 2**20 if quick else FILLER_CAP_BYTES
    chosen = select_fetch_records(count, largest)
    network = {"latency_s": LATENCY_S, "rate_bytes_per_s": RATE_BYTES_PER_S}
    log(f"building {len(chosen)} repositories in the fake GitHub process")
    server = ServerProcess("records", {"record_files": chosen, "cap": cap}, network)
    with server as info:
        targets = info["targets"]
        emit("fetch_targets", len(targets))
        emit("fetch_targets_largest", ",".join(t["name"] for t in targets[:largest]) or "none (quick)")
        emit("fetch_network", f"latency {LATENCY_S} s per request, {RATE_BYTES_PER_S} bytes/s per connection")
        filler = (f"non-scan files at recorded size capped at {cap // 2**20} MB; random bytes, or random "
                  "decimal text for text suffixes (.json .txt .csv ...); git-lfs files empty")  # fmt: skip
        emit("fetch_filler", filler)
        emit("fetch_build_s", info["build_s"])
        floor = sum(t["bytes_floor"] for t in targets)
        emit("bytes_floor", floor)
        emit("bytes_floor_recorded", sum(t["bytes_floor_recorded"] for t in targets))
        emit("bytes_all_files", sum(t["bytes_all"] for t in targets))
        emit("bytes_all_files_recorded", sum(t["bytes_recorded"] for t in targets))
        method = ih.Settings().method
        emit("fetch_default_method", method)
        kind = "bytes_git" if method == "clone" else "bytes_archive"
        ordered = sorted(targets, key=lambda t: -t["bytes_all"])  # the slowest start first
        log("fetch: default method, 1 worker")
        wall_1, _, _ = measure_fetch_run(server, ordered, method, 1, info["base_url"], "_workers_1")
        log("fetch: default method, 16 workers")
        wall_16, results, stats = measure_fetch_run(
            server, ordered, method, 16, info["base_url"], "_workers_16"
        )
        emit("fetch_parallel_speedup", wall_1 / wall_16)
        log(
            f"fetch: the tail, {len(ordered) * TAIL_REPEATS} fetches with 16 workers, timed inside each worker"
        )
        measure_fetch_tail(ordered, info["base_url"], 16)
        emit("fetch_parallel_speedup_ceiling_cpu_bound", wall_1 / FIGURES["fetch_cpu_floor_s_workers_16"])
        client_floor = FIGURES["fetch_cpu_s_client_workers_16"] / count_cores()
        emit("fetch_parallel_speedup_ceiling_without_server_cpu", wall_1 / client_floor)
        emit("bytes_fetched", stats[kind])
        emit("bytes_over_floor", stats[kind] / max(1, floor))
        scanner, _ = load_scanner()
        emit(
            "fetch_scan_frameworks_match_records",
            f"{count_scan_matches(ordered, results, scanner)}/{len(ordered)}",
        )
        log("fetch: archive, 16 workers")
        other = "archive" if method == "clone" else "clone"
        wall_a, _, stats_a = measure_fetch_run(
            server, ordered, other, 16, info["base_url"], f"_workers_16_{other}"
        )
        emit(f"bytes_fetched_{other}", stats_a["bytes_archive" if other == "archive" else "bytes_git"])
        emit(f"bytes_over_floor_{other}", FIGURES[f"bytes_fetched_{other}"] / max(1, floor))
        log("fetch: partial clone read as of a date (commits first, then one commit's tree), 16 workers")
        _, _, stats_d = measure_fetch_run(
            server, ordered, "clone", 16, info["base_url"], "_workers_16_as_of", as_of="2100-01-01"
        )
        emit("bytes_fetched_as_of", stats_d["bytes_git"])
        emit("bytes_over_floor_as_of", stats_d["bytes_git"] / max(1, floor))
