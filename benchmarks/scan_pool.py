"""The scan spread over a process pool: `make bench` measures it; the pipeline scans in its fetch threads.

with make_scan_pool() as pool:
    record = scan.extract_repo_facts(repo, subdir, files, contents, map_facts=make_pool_mapper(pool))
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
from collections.abc import Callable

from iclr_tools.scan import extract_chunk_facts

SCAN_POOL_MIN_BYTES = 512 * 1024  # below this a repository is scanned in-process (a round trip costs more)
SCAN_CHUNKS_PER_WORKER = 8  # chunks per worker process, so a slow chunk leaves little idle time at the end
SCAN_POOL_WORKERS = max(1, min(os.cpu_count() or 1, 8))


def split_by_size(items: list[tuple[str, bytes]], parts: int) -> list[list[tuple[str, bytes]]]:
    """Consecutive runs of `items` of about equal total byte size, at most `parts` of them."""
    total = sum(len(data) for _, data in items)
    target = max(1, total // max(1, parts))
    chunks: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for item in items:
        if size >= target and len(chunks) < parts:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1])
    return [chunk for chunk in chunks if chunk]


def make_scan_pool(workers: int = SCAN_POOL_WORKERS) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool for scanning: forked while this process has no other thread, else via a fork server."""
    methods = multiprocessing.get_all_start_methods()
    fork = "fork" in methods and threading.active_count() == 1
    method = "fork" if fork else "forkserver" if "forkserver" in methods else "spawn"
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=multiprocessing.get_context(method)
    )
    if fork:  # a forking pool starts all its processes on the first task: do that now, while no thread runs
        executor.submit(os.getpid).result()
    return executor


def make_pool_mapper(
    executor: concurrent.futures.Executor,
) -> Callable[[list[tuple[str, bytes]]], list[dict]]:
    """A `map_facts` for `extract_repo_facts`: files in chunks on `executor` when they are big enough."""

    def map_facts(items: list[tuple[str, bytes]]) -> list[dict]:
        if sum(len(data) for _, data in items) < SCAN_POOL_MIN_BYTES:
            return extract_chunk_facts(items)
        chunks = split_by_size(items, (os.cpu_count() or 1) * SCAN_CHUNKS_PER_WORKER)
        return [facts for chunk_facts in executor.map(extract_chunk_facts, chunks) for facts in chunk_facts]

    return map_facts
