"""The memory section: peak resident memory of a fresh process fetching and scanning a repository with a 1 GB
data file, by partial clone and by archive."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import ROOT, emit, log
from bench_github import ServerProcess
from bench_scan import load_scanner

import iclr_helpers as ih

BENCH = Path(__file__).resolve().with_name("bench.py")  # `bench.py --measure-child` runs `measure_child`
BIG_FILE_BYTES = 2**30


def read_peak_rss_mb() -> float:
    """Peak resident memory of this process since exec (VmHWM: ru_maxrss keeps the parent's size at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_child(method: str, name: str, base_url: str) -> None:
    """In a fresh process: fetch and scan one repository, print peak RSS (MB) and what was fetched as JSON."""
    scanner, _ = load_scanner()
    baseline = read_peak_rss_mb()
    owner, repo = name.split("/", 1)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as work:
        result = ih.fetch_repo(
            owner,
            repo,
            None,
            "",
            work,
            keep=ih.is_scan_file,
            method=method,
            archive_url=base_url,
            git_url=base_url,
            as_of="latest",
        )
    record = scanner.extract_repo_facts(name, "", result.files, result.contents)
    tools = ih.extract_tools(record)
    print(json.dumps({
        "status": result.status, "reason": result.reason[:200], "bytes_received": result.bytes_received,
        "seconds": time.perf_counter() - start, "frameworks": tools["frameworks"],
        "baseline_mb": baseline, "peak_mb": read_peak_rss_mb(),
    }))  # fmt: skip


def run_measured_child(method: str, name: str, base_url: str) -> dict:
    """Run `measure_child` in a subprocess and return its JSON."""
    command = [sys.executable, str(BENCH), "--measure-child", method, name, base_url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"measured child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_memory(quick: bool) -> None:
    """Peak RSS of a process fetching and scanning a repository with a 1 GB data file, both methods."""
    size = 64 * 2**20 if quick else BIG_FILE_BYTES
    emit("memory_big_file_mb", size // 2**20)
    log(f"building the {size // 2**20} MB repositories")
    with ServerProcess("big", {"size": size, "clone_size": size}, {}) as info:
        emit("memory_build_s_git_repo_with_big_file", info["git_build_s"])
        for method, name, suffix in (("clone", "big/clone", ""), ("archive", "big/archive", "_archive")):
            log(f"memory: {method}")
            child = run_measured_child(method, name, info["base_url"])
            if child["status"] != "ok":
                log(f"{method} of the big repository: {child['status']} {child['reason']}")
            emit(f"peak_rss_mb_1gb_repo{suffix}", round(child["peak_mb"], 1))
            emit(f"rss_mb_after_imports{suffix}", round(child["baseline_mb"], 1))
            emit(f"memory_fetch_scan_s{suffix}", child["seconds"])
            emit(f"memory_bytes_received{suffix}", child["bytes_received"])
            emit(f"memory_status{suffix}", f"{child['status']} frameworks={'+'.join(child['frameworks'])}")
