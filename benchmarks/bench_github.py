"""The fake GitHub the fetch and memory sections measure against: recorded repositories rebuilt at their
recorded sizes (or one with a big data file), served by tests/fakes/github_server.py in a process of its own."""

from __future__ import annotations

import concurrent.futures
import functools
import json
import multiprocessing
import os
import random
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_common import RECORDS, read_cpu_s

import iclr_helpers as ih
from iclr_tools import github

TEXT_SUFFIXES = {".json", ".txt", ".csv", ".tsv", ".svg", ".xml", ".h", ".hpp", ".c", ".cc", ".cpp", ".cu",
                 ".m", ".md", ".rst", ".log", ".yaml", ".yml", ".html", ".js", ".css", ".tex", ".bib", ".lua",
                 ".java", ".en", ".de", ".fr", ".atok", ".tok", ".vocab", ".jsonl", ".r", ".cfg", ".ini",
                 ".toml"}  # fmt: skip


@functools.lru_cache(maxsize=1)
def make_filler_blocks() -> tuple[bytes, bytes]:
    """4 MB of random bytes (binary files) and 4 MB of random decimal text (text data files), fixed seed."""
    rng = random.Random(2020)
    binary = rng.randbytes(4 * 2**20)
    numbers = ",".join(f"{rng.random():.6f}" for _ in range(600_000)).encode()
    return binary, (numbers * (4 * 2**20 // len(numbers) + 1))[: 4 * 2**20]


@functools.lru_cache(maxsize=1)
def make_code_padding() -> str:
    """About 16 MB of real Python (the standard library's sources) as comment lines, to pad scan files."""
    lines: list[str] = []
    size = 0
    for path in sorted(Path(os.__file__).parent.rglob("*.py")):
        if size > 16 * 2**20 or "site-packages" in path.parts:
            break
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines += [f"# {line}\n" for line in text.splitlines() if "\x00" not in line]
        size += len(text)
    return "".join(lines)


def make_filler(path: str, size: int) -> bytes:
    """`size` bytes for a non-scan file: text-like data compresses about 2x, other data not at all."""
    binary, text = make_filler_blocks()
    block = text if os.path.splitext(path)[1].lower() in TEXT_SUFFIXES else binary
    offset = zlib.crc32(path.encode()) % len(block)  # every file different, so git stores each once
    rotated = block[offset:] + block[:offset]
    return (rotated * (size // len(rotated) + 1))[:size]


def pad_text(head: str, size: int, key: str) -> str:
    """`head` then comment lines of real code up to `size` characters, from a place that depends on `key`."""
    missing = size - len(head.encode())
    if missing <= 0:
        return head
    padding = make_code_padding()
    start = padding.find("\n", zlib.crc32(key.encode()) % len(padding)) + 1  # each file its own code
    pieces = [head]
    while missing > 0:
        piece = padding[start : start + missing]
        pieces.append(piece)
        missing -= len(piece)
        start = 0
    return "".join(pieces)


def make_import_source(modules: list[str], python2: bool) -> str:
    """Import statements for recorded modules (relative ones as `from .x import y`)."""
    lines = []
    for module in modules:
        dots = len(module) - len(module.lstrip("."))
        lines.append(f"from {module} import x" if dots else f"import {module}")
    if python2:
        lines.append('print "recorded as Python 2"')
    return "\n".join(lines) + "\n"


def make_scan_file(record: dict, path: str, size: int) -> bytes:
    """Plausible bytes of a scan file at its recorded size: its recorded imports, manifest or install lines."""
    if path in record.get("manifests", {}):
        return pad_text(record["manifests"][path] + "\n", size, path).encode()
    modules = record.get("imports", {}).get(path, [])
    python2 = path in (record.get("parsed_by_regex") or [])
    if path.endswith(".ipynb"):
        cell = {"cell_type": "code", "source": make_import_source(modules, False), "metadata": {},
                "outputs": [], "execution_count": None}  # fmt: skip
        notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
        bare = json.dumps(notebook)
        notebook["cells"].append({"cell_type": "markdown", "metadata": {},
                                  "source": pad_text("", max(0, size - len(bare) - 60), path)})  # fmt: skip
        return json.dumps(notebook).encode()
    if path.endswith((".py", ".pyx")):
        head = make_import_source(modules, python2)
        facts = record.get("setup_py", {}).get(path) or {}
        if isinstance(facts.get("install_requires"), list):
            head += f"from setuptools import setup\nsetup(install_requires={facts['install_requires']!r})\n"
        return pad_text(head, size, path).encode()
    lines = record.get("install_lines", {}).get(path, [])
    return pad_text("".join(f"{line}\n" for line in lines), size, path).encode()


def make_repo_files(record: dict, cap: int) -> tuple[dict[str, bytes], dict]:
    """The files of a recorded repository (scan files plausible, others filler capped at `cap`), and sizes."""
    files: dict[str, bytes] = {}
    stats = {"bytes_all": 0, "bytes_floor": 0, "bytes_floor_recorded": 0, "bytes_recorded": 0, "files": 0,
             "scan_files": 0}  # fmt: skip
    for path, size in record["files"]:
        if github.is_unsafe_path(path) or path in files:
            continue
        size = size or 0  # git-lfs objects have no recorded size: served empty
        stats["bytes_recorded"] += size
        if ih.is_scan_file(path):
            data = make_scan_file(record, path, size)
            stats["bytes_floor"] += len(data)
            stats["bytes_floor_recorded"] += size
            stats["scan_files"] += 1
        else:
            data = make_filler(path, min(size, cap))
        files[path] = data
        stats["bytes_all"] += len(data)
        stats["files"] += 1
    return files, stats


def make_fake_name(record: dict) -> str:
    """The fake repository name of a record (a monorepo folder gets its own repository)."""
    name = record["repo"]
    return f"{name}__{record['subdir'].replace('/', '_')}" if record.get("subdir") else name


def build_record_repos(
    server: Any, record_files: list[str], cap: int, repack: bool = True, threads: int = 2
) -> dict:
    """Add recorded repositories to a FakeGitHub two at a time, packed as GitHub keeps them (`repack`)."""

    def add(record_file: str) -> dict:
        record = json.loads((RECORDS / record_file).read_text(encoding="utf-8"))
        files, stats = make_repo_files(record, cap)
        name = make_fake_name(record)
        server.add_repo(name, files)
        del files
        if repack:  # served from a pack, like GitHub: not deflated again for every fetch (files > 1 MB whole)
            bare = os.path.join(server.root, f"{name}.git")
            command = [
                "git",
                f"--git-dir={bare}",
                "-c",
                "core.bigFileThreshold=1m",
                "repack",
                "-a",
                "-d",
                "-q",
            ]
            subprocess.run(command, check=True, env=server.env)
        frameworks = ih.extract_tools({"status": "ok", **record})["frameworks"]
        return {"name": name, "subdir": record.get("subdir") or "", "frameworks": frameworks, **stats}

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        targets = list(pool.map(add, record_files))
    return {"targets": targets}


def build_big_repos(server: Any, size: int, clone_size: int) -> dict:
    """A git repository with a `clone_size` file of zeros; a streamed archive with a `size` random file."""
    from fakes.github_server import iter_big_tar_gz

    small = {
        "train.py": b"import torch\nimport numpy as np\nfrom .models import net\n",
        "models/net.py": b"import torch.nn as nn\n",
        "requirements.txt": b"torch\nnumpy\n",
        "README.md": b"# big\npip install -r requirements.txt\n",
    }
    start = time.perf_counter()
    server.add_repo("big/clone", {**small, "data/big.bin": bytes(clone_size)})
    git_build_s = time.perf_counter() - start
    commit = "b1" * 20
    block = random.Random(1).randbytes(2**20)

    def chunks() -> Iterator[bytes]:
        return iter_big_tar_gz(f"archive-{commit}", commit, size, name="data/big.bin", block=block, level=0,
                               files=small)  # fmt: skip

    server.add_repo("big/archive", git=False, commit=commit, archive_chunks=chunks)
    return {"git_build_s": git_build_s}


BUILDERS: dict[str, Callable[..., dict]] = {"records": build_record_repos, "big": build_big_repos}


def serve_fake_github(builder: str, options: dict, network: dict, conn: Any) -> None:
    """Child process: build a FakeGitHub, serve it, and answer `stats` / `reset` / `close` on `conn`."""
    from fakes.github_server import FakeGitHub

    start = time.perf_counter()
    server = FakeGitHub(**network)
    try:
        info = BUILDERS[builder](server, **options)
        server.start()
        conn.send({"base_url": server.base_url, "build_s": time.perf_counter() - start, **info})
        while True:
            command = conn.recv()
            if command == "close":
                break
            if command == "reset":
                server.reset_log()
            conn.send({"bytes_git": server.bytes_sent("git"), "bytes_archive": server.bytes_sent("archive"),
                       "requests": server.count(), "cpu_s": read_cpu_s()})  # fmt: skip
    finally:
        server.close()
        conn.close()


class ServerProcess:
    """A FakeGitHub served by a child process (so its CPU and memory are not the measured client's)."""

    def __init__(self, builder: str, options: dict, network: dict) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve_fake_github, args=(builder, options, network, child), daemon=True
        )

    def __enter__(self) -> dict:
        self.process.start()
        if not self.conn.poll(900):
            raise RuntimeError("the fake GitHub process did not start in 15 minutes")
        return self.conn.recv()

    def ask(self, command: str) -> dict:
        """Send `stats` or `reset` and return the server's counters."""
        self.conn.send(command)
        return self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        try:
            self.conn.send("close")
        except OSError:
            pass
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
