"""`make bench`: speed, bytes and memory figures of the pipeline, offline, one `name: value` line per figure.

Sections (all by default, or `--only scan,fetch,memory,e2e`; `--quick` for small inputs, a smoke test):

- scan: our scanner (read files + extract_repo_facts + extract_tools) against pipreqs' `get_all_imports` on
  (a) installed packages of this venv and (b) the ICLR 2020 repositories rebuilt from ../shared records;
  the scanner's imports are checked against a plain full `ast.parse` + `ast.walk` of every file.
- fetch: the recorded repositories served by tests/fakes/github_server.py (in its own process) with 50 ms
  latency and 2 MB/s per connection; partial clone (the default) with 1 and 16 workers, archive with 16.
- memory: peak resident memory of a process fetching and scanning a repository with a 1 GB data file.
- e2e: `python iclr_helpers.py data` and both notebooks rendered with papermill, into a temporary folder.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import datetime
import functools
import json
import logging
import multiprocessing
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SNAPSHOT = SHARED / "iclr2020"
RECORDS = SNAPSHOT / "repos"
for _path in (ROOT, ROOT / "tests", ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

if __name__ in ("__main__", "__mp_main__"):  # tqdm reads this when imported: quiet fetch_many's progress bars
    os.environ.setdefault("TQDM_DISABLE", "1")

import scan_pool  # noqa: E402

import iclr_helpers as ih  # noqa: E402
from iclr_tools import clone, github, net, scan  # noqa: E402
from iclr_tools.report import as_paragraph, write_blocks  # noqa: E402
from iclr_tools.tools import extract_frameworks  # noqa: E402

SECTIONS = ("scan", "fetch", "memory", "e2e")
PACKAGES = ("pandas", "matplotlib", "IPython", "numpy", "scipy", "jinja2", "nbformat", "urllib3", "requests",
            "yaml", "tqdm", "packaging", "seaborn", "docutils", "pygments", "jedi")  # fmt: skip
QUICK_PACKAGES = ("jinja2", "urllib3", "requests", "yaml", "tqdm")
MAX_PACKAGES = 14
LATENCY_S = 0.05
RATE_BYTES_PER_S = 2_000_000
FILLER_CAP_BYTES = 20 * 2**20  # non-scan files above this are served at this size
FETCH_TARGETS = 60
TAIL_REPEATS = 8  # the tail run: the served set (its 5 largest included) 8 times, 480 fetches
# The tail before the fix that writes a git command's input from a thread of its own (commit 0da238b with this
# section, run on 2026-12-02): 3 of 480 fetches hung until the budget, slowest 120.06 s over a median of 1.70 s.
TAIL_BEFORE_FIX = "70.7, 3 of 480 fetches hung until the 120 s budget"
TAIL_TIMEOUT_S = (
    120.0  # the tail run's budget per repository: a hang shows as a figure, not a ten-minute wait
)
BIG_FILE_BYTES = 2**30
TEXT_SUFFIXES = {".json", ".txt", ".csv", ".tsv", ".svg", ".xml", ".h", ".hpp", ".c", ".cc", ".cpp", ".cu",
                 ".m", ".md", ".rst", ".log", ".yaml", ".yml", ".html", ".js", ".css", ".tex", ".bib", ".lua",
                 ".java", ".en", ".de", ".fr", ".atok", ".tok", ".vocab", ".jsonl", ".r", ".cfg", ".ini",
                 ".toml"}  # fmt: skip
FIGURES: dict[str, Any] = {}


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def emit(name: str, value: Any) -> None:
    """Print one `name: value` figure and keep it in FIGURES."""
    if isinstance(value, float):
        value = round(value, 3)
    FIGURES[name] = value
    print(f"{name}: {value}", flush=True)


def log(text: str) -> None:
    """Progress for the reader, on stderr (stdout holds only figures)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def read_cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_busy_cpu_s() -> float:
    """CPU seconds all processes on this machine have used since boot (from /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def emit_machine(args: argparse.Namespace) -> None:
    """The date and the machine the figures were measured on."""
    emit("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    emit("nproc", len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    emit("cpu_model", read_cpu_model())
    emit("memory_total_gb", round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1))
    emit("python", platform.python_version())
    emit("git", subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip())
    emit("mode", "quick" if args.quick else "full")
    emit("sections", ",".join(args.only))
    emit("load_average_at_start", " ".join(f"{x:.2f}" for x in os.getloadavg()))


# --------------------------------------------------------------------------------------------------
# Scan: our scanner against pipreqs
# --------------------------------------------------------------------------------------------------


def load_scanner() -> tuple[Any, str]:
    """The scanner measured: iclr_helpers' `extract_repo_facts`, and a label for the output."""
    return scan, "iclr_tools.scan.extract_repo_facts (statement-only walk, process pool over chunks of files)"


def list_package_folders(quick: bool) -> list[Path]:
    """Folders of installed packages of this venv to scan, as if each were a repository."""
    site = Path(sysconfig.get_paths()["purelib"])
    names = QUICK_PACKAGES if quick else PACKAGES
    folders = [site / name for name in names if (site / name).is_dir()]
    return folders[: 3 if quick else MAX_PACKAGES]


def read_folder(folder: Path) -> tuple[list[tuple[str, int]], dict[str, bytes]]:
    """Every file of a folder with its size, and the bytes of those a scan reads (as a fetch would keep)."""
    files: list[tuple[str, int]] = []
    contents: dict[str, bytes] = {}
    pending = [(str(folder), "")]
    while pending:
        base, prefix = pending.pop()
        with os.scandir(base) as entries:
            for entry in sorted(entries, key=lambda e: e.name, reverse=True):
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    files.append((rel, entry.stat(follow_symlinks=False).st_size))
                    if ih.is_scan_file(rel):
                        with open(entry.path, "rb") as handle:
                            contents[rel] = handle.read()
    return files, contents


def scan_folder(folder: Path, scanner: Any, executor: concurrent.futures.Executor | None) -> tuple:
    """Our scanner over one folder: read files, build the record, map it to tools (`error` if it raised)."""
    files, contents = read_folder(folder)
    try:
        map_facts = scan_pool.make_pool_mapper(executor) if executor is not None else None
        record = scanner.extract_repo_facts(folder.name, "", files, contents, map_facts=map_facts)
        return record, ih.extract_tools(record), contents
    except Exception as error:  # the scanner must never raise: count it as a failed repository
        log(f"our scanner raised on {folder}: {error!r}")
        record = {"repo": folder.name, "subdir": "", "files": files, "imports": {}, "parsed_by_regex": []}
        return record, {"status": "error", "frameworks": []}, contents


def scan_folders(
    folders: list[Path], scanner: Any, executor: concurrent.futures.Executor | None
) -> dict[str, tuple[dict, dict, dict[str, bytes]]]:
    """`scan_folder` over each folder; with a process pool, four folders at a time so it never runs dry."""
    if executor is None:
        return {folder.name: scan_folder(folder, scanner, None) for folder in folders}
    with concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="scan") as threads:
        results = threads.map(lambda folder: scan_folder(folder, scanner, executor), folders)
        return {folder.name: result for folder, result in zip(folders, results, strict=True)}


def run_pipreqs(folders: list[Path]) -> dict[str, list[str] | None]:
    """pipreqs' get_all_imports per folder (offline, as a library); None where it raised."""
    from pipreqs import pipreqs

    out: dict[str, list[str] | None] = {}
    logging.disable(logging.CRITICAL)  # pipreqs logs every failing file
    try:
        for folder in folders:
            try:
                out[folder.name] = sorted(pipreqs.get_all_imports(str(folder)))
            except Exception:  # SyntaxError on Python 2 files, UnicodeDecodeError, ...
                out[folder.name] = None
    finally:
        logging.disable(logging.NOTSET)
    return out


def extract_imports_full_walk(source: str) -> tuple[list[str], bool]:
    """The reference: `ast.parse` then `ast.walk` over every node, the line regex if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return scan.extract_imports_regex(source), True
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return sorted(found), False


def extract_reference_imports(items: list[tuple[str, bytes]]) -> list[tuple[str, list[str], bool] | None]:
    """Reference imports of (path, bytes) items: decoded as the scanner does, fully parsed and walked."""
    out: list[tuple[str, list[str], bool] | None] = []
    for path, data in items:
        text = scan.decode_source(data, path)
        if text is None or not path.endswith(scan.PYTHON_SUFFIXES):
            out.append(None)
            continue
        try:
            source = scan.extract_notebook_code(text)[0] if path.endswith(".ipynb") else text
        except (
            ValueError,
            SyntaxError,
            TypeError,
            AttributeError,
            MemoryError,
            RecursionError,
        ):  # bad notebook
            out.append(None)
            continue
        imports, by_regex = extract_imports_full_walk(source)
        out.append((path, imports, by_regex))
    return out


def compare_with_reference(
    scanned: dict[str, tuple[dict, dict, dict[str, bytes]]], executor: concurrent.futures.Executor | None
) -> tuple[bool, int, int]:
    """(every file's imports equal the full walk's, files checked, `parsed_by_regex` differences)."""
    jobs = []
    for name, (_, _, contents) in scanned.items():
        items = sorted(contents.items())
        for start in range(0, len(items), 64):
            jobs.append((name, items[start : start + 64]))
    run = executor.map if executor is not None else map
    reference: dict[str, dict[str, list[str]]] = {name: {} for name in scanned}
    by_regex: dict[str, set[str]] = {name: set() for name in scanned}
    for (name, _), results in zip(
        jobs, run(extract_reference_imports, [job for _, job in jobs]), strict=True
    ):
        for item in results:
            if item is not None:
                reference[name][item[0]] = item[1]
                if item[2]:
                    by_regex[name].add(item[0])
    identical, checked, regex_diffs = True, 0, 0
    for name, (record, tools, _) in scanned.items():
        checked += len(reference[name])
        if record["imports"] != reference[name]:
            identical = False
            bad = [p for p in reference[name] if record["imports"].get(p) != reference[name][p]]
            log(f"scan differs from the full walk in {name}: {bad[:5]}")
        rebuilt = {**record, "imports": reference[name]}
        if ih.extract_tools(rebuilt) != tools:
            identical = False
        regex_diffs += len(set(record["parsed_by_regex"]) ^ by_regex[name])
    return identical, checked, regex_diffs


def write_import_file(path: Path, modules: list[str], python2: bool) -> None:
    """A `.py` file holding `modules` as import statements (relative ones as `from .x import y`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_import_source(modules, python2), encoding="utf-8")


def rebuild_iclr_folders(out: Path, limit: int | None = None) -> list[Path]:
    """The recorded ICLR 2020 repositories as folders: each recorded `.py` holding its recorded imports."""
    folders = []
    for record_path in sorted(RECORDS.glob("*.json"))[:limit]:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        folder = out / record_path.stem
        folder.mkdir(parents=True)
        regex = set(record.get("parsed_by_regex") or [])
        for path, modules in record["imports"].items():
            if path.endswith(".py") and not github.is_unsafe_path(path):
                write_import_file(folder / path, modules, path in regex)
        folders.append(folder)
    return folders


def measure_scan_input(
    label: str, folders: list[Path], scanner: Any, suffix: str, repeats: tuple[int, int] = (1, 1)
) -> dict:
    """Time pipreqs and our scanner (best of `repeats`), check ours against a full walk, emit figures."""
    files = size = 0
    for folder in folders:  # also warms the page cache, so neither side pays for the first disk read
        contents = read_folder(folder)[1]
        files += len(contents)
        size += sum(len(data) for data in contents.values())
    emit(f"scan_input{suffix}", label)
    emit(f"scan_repos{suffix}", len(folders))
    emit(f"scan_files{suffix}", files)
    emit(f"scan_mb{suffix}", round(size / 1e6, 1))

    log(f"pipreqs over {len(folders)} folders ({label}), best of {repeats[0]}")
    pipreqs_runs = []
    for _ in range(repeats[0]):
        start = time.perf_counter()
        pipreqs_out = run_pipreqs(folders)
        pipreqs_runs.append(time.perf_counter() - start)

    log(f"our scanner over {len(folders)} folders, one process")
    start = time.perf_counter()
    scan_folders(folders, scanner, None)
    serial_s = time.perf_counter() - start

    log(
        f"our scanner over {len(folders)} folders, a pool of {os.cpu_count()} processes, best of {repeats[1]}"
    )
    scan_runs = []
    for run in range(repeats[1]):
        start = time.perf_counter()
        executor = scan_pool.make_scan_pool()  # made and started inside the timing: a run pays for its pool
        try:
            scanned = scan_folders(folders, scanner, executor)
            scan_runs.append(time.perf_counter() - start)
            if run == repeats[1] - 1:
                identical, checked, regex_diffs = compare_with_reference(scanned, executor)
        finally:
            executor.shutdown()
    scan_s, pipreqs_s = min(scan_runs), min(pipreqs_runs)
    emit(f"scan_s_runs{suffix}", ",".join(f"{x:.2f}" for x in scan_runs))
    emit(f"pipreqs_s_runs{suffix}", ",".join(f"{x:.2f}" for x in pipreqs_runs))
    emit(f"scan_s{suffix}", scan_s)
    emit(f"scan_s_one_process{suffix}", serial_s)
    emit(f"pipreqs_s{suffix}", pipreqs_s)
    emit(f"scan_repos_per_s{suffix}", len(folders) / scan_s)
    emit(f"pipreqs_repos_per_s{suffix}", len(folders) / pipreqs_s)
    emit(f"scan_speedup_vs_pipreqs{suffix}", pipreqs_s / scan_s)
    emit(f"pipreqs_failed_repos{suffix}", sum(1 for value in pipreqs_out.values() if value is None))
    emit(
        f"scan_failed_repos{suffix}", sum(1 for _, tools, _ in scanned.values() if tools["status"] == "error")
    )
    emit(f"scan_results_identical{suffix}", identical)
    emit(f"scan_files_checked{suffix}", checked)
    emit(f"scan_parsed_by_regex_differences{suffix}", regex_diffs)
    return {"pipreqs": pipreqs_out, "scanned": scanned}


def count_framework_agreement(result: dict) -> tuple[float, float, list[str]]:
    """Share of repositories whose frameworks from pipreqs' imports equal ours (all; where pipreqs ran)."""
    same = same_ok = ran = 0
    examples = []
    for name, (_, tools, _) in result["scanned"].items():
        listed = result["pipreqs"][name]
        theirs = extract_frameworks(listed or [])
        equal = theirs == tools["frameworks"]
        same += equal
        if listed is not None:
            ran += 1
            same_ok += equal
        if not equal and len(examples) < 4:
            raised = "" if listed is not None else " (raised)"
            ours = "+".join(tools["frameworks"]) or "-"
            examples.append(f"{name} ours={ours} pipreqs={'+'.join(theirs) or '-'}{raised}")
    total = max(1, len(result["scanned"]))
    return same / total, same_ok / max(1, ran), examples


def run_scan(args: argparse.Namespace) -> None:
    """Scan figures on installed packages (a) and rebuilt ICLR 2020 repositories (b)."""
    scanner, label = load_scanner()
    emit("scan_implementation", label)
    folders = list_package_folders(args.quick)
    repeats = (1, 1) if args.quick else (2, 3)
    measure_scan_input(
        f"installed packages {','.join(f.name for f in folders)}", folders, scanner, "", repeats
    )
    if not RECORDS.is_dir():
        emit("scan_iclr2020", f"skipped: {RECORDS} is not here")
        return
    with tempfile.TemporaryDirectory(prefix="bench-iclr-") as tmp:
        iclr = rebuild_iclr_folders(Path(tmp), 20 if args.quick else None)
        label = "ICLR 2020 records rebuilt as .py files"
        result = measure_scan_input(label, iclr, scanner, "_iclr2020", (1, 1) if args.quick else (3, 3))
    agreement, agreement_ok, examples = count_framework_agreement(result)
    emit("framework_agreement_vs_pipreqs", agreement)
    emit("framework_agreement_vs_pipreqs_where_pipreqs_ran", agreement_ok)
    emit("framework_disagreement_examples", "; ".join(examples) or "none")


# --------------------------------------------------------------------------------------------------
# Fake GitHub in its own process (the "network" side), built from recorded repositories
# --------------------------------------------------------------------------------------------------


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


def read_cpu_s() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


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


# --------------------------------------------------------------------------------------------------
# Fetch
# --------------------------------------------------------------------------------------------------


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


def read_children_cpu_s() -> float:
    """CPU seconds of this process's waited-for children (the git commands of a clone)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


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
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    emit(f"fetch_cpu_floor_s{suffix}", (client_cpu + server_cpu) / cores)
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


def run_fetch(args: argparse.Namespace) -> None:
    """Fetch figures: partial clone with 1 and 16 workers, archive with 16, bytes against the floor."""
    if not RECORDS.is_dir():
        emit("fetch", f"skipped: {RECORDS} is not here")
        return
    count, largest = (8, 0) if args.quick else (FETCH_TARGETS, 5)
    cap = 2**20 if args.quick else FILLER_CAP_BYTES
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
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        client_floor = FIGURES["fetch_cpu_s_client_workers_16"] / cores
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


# --------------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------------


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
    command = [sys.executable, str(Path(__file__).resolve()), "--measure-child", method, name, base_url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"measured child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_memory(args: argparse.Namespace) -> None:
    """Peak RSS of a process fetching and scanning a repository with a 1 GB data file, both methods."""
    size = 64 * 2**20 if args.quick else BIG_FILE_BYTES
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


# --------------------------------------------------------------------------------------------------
# End to end
# --------------------------------------------------------------------------------------------------

RENDER_CODE = """
import sys, papermill
root, snapshot, out = sys.argv[1:4]
csv = out + "/all_tools.csv"
papermill.execute_notebook(root + "/notebooks/01_create_data.ipynb", out + "/01_create_data.ipynb",
    parameters={"year": 2020, "source": snapshot, "out_csv": csv, "cache_dir": out + "/cache"},
    cwd=root, progress_bar=False)
papermill.execute_notebook(root + "/notebooks/02_analyse_tools.ipynb", out + "/02_analyse_tools.ipynb",
    parameters={"year": 2020, "csv_path": csv, "figures_dir": out + "/figures"}, cwd=root, progress_bar=False)
"""


def snapshot_project_outputs() -> dict[str, tuple[int, int]]:
    """Size and mtime of the project's own outputs (data, figures, rendered notebooks, cache)."""
    found = {}
    for folder in ("data", "figures", "notebooks/rendered", "cache"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def run_e2e(args: argparse.Namespace) -> None:
    """Time `iclr_helpers.py data` and the rendering of both notebooks, all output in a temporary folder."""
    if not SNAPSHOT.is_dir():
        emit("e2e", f"skipped: {SNAPSHOT} is not here")
        return
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        out = Path(tmp) / "all_tools.csv"
        command = [sys.executable, "iclr_helpers.py", "data", "--snapshot", str(SNAPSHOT), "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=900)
        emit("rebuild_dataset_s", time.perf_counter() - start)
        committed = ROOT / "data" / "all_tools.csv"
        emit(
            "rebuild_equals_committed_csv", committed.is_file() and committed.read_bytes() == out.read_bytes()
        )
        every_year = Path(tmp) / "data"
        code = "import sys; sys.path.insert(0, sys.argv[1]); from iclr_tools.cli import run_data_all; run_data_all(*sys.argv[2:])"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(ROOT), str(SHARED), str(every_year)], cwd=ROOT, check=True,
                       capture_output=True, timeout=900)  # fmt: skip
        emit("rebuild_all_years_s", time.perf_counter() - start)  # `make data`: target < 60 s
        built = sorted(p.relative_to(every_year) for p in every_year.rglob("*.csv"))
        committed = sorted(p.relative_to(ROOT / "data") for p in (ROOT / "data").rglob("*.csv"))
        emit("rebuild_all_years_identical", built == committed and all(
            (every_year / name).read_bytes() == (ROOT / "data" / name).read_bytes() for name in built
        ))  # fmt: skip
        if args.quick:
            return
        render = Path(tmp) / "render"
        render.mkdir()
        command = [sys.executable, "-c", RENDER_CODE, str(ROOT), str(SNAPSHOT), str(render)]
        before = snapshot_project_outputs()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=900)
        emit("render_notebooks_s", time.perf_counter() - start)
        emit("render_figures_written", len(list((render / "figures").glob("*.png"))))
        emit("render_left_project_files_untouched", snapshot_project_outputs() == before)


# --------------------------------------------------------------------------------------------------
# The README's Performance section
# --------------------------------------------------------------------------------------------------

TARGETS = {  # figure -> (test, wording): the goals the README states beside the figures
    "scan_speedup_vs_pipreqs": (lambda v: v >= 2.5, ">= 2.5"),
    "fetch_parallel_speedup": (lambda v: v >= 8, ">= 8"),
    "fetch_slowest_over_median_workers_16": (lambda v: v < 10, "< 10"),
    "bytes_over_floor": (lambda v: v <= 1.5, "<= 1.5"),
    "bytes_over_floor_as_of": (lambda v: v <= 1.5, "<= 1.5"),
    "peak_rss_mb_1gb_repo": (lambda v: v < 300, "< 300"),
    "rebuild_all_years_s": (lambda v: v < 60, "< 60"),
}


def judge(figures: dict, name: str) -> str:
    """`>= 8: met` or `>= 8: not met` for a figure with a target."""
    test, wording = TARGETS[name]
    return f"{wording}: {'met' if test(figures[name]) else 'not met'}"


def format_readme_block(figures: dict) -> str:
    """The README's Performance section (machine, table, what bounds the speed-up) from a full run's figures."""
    f = figures
    mb = lambda n: n / 1e6  # noqa: E731
    largest = len(str(f["fetch_targets_largest"]).split(","))
    ceiling = f["fetch_parallel_speedup_ceiling_cpu_bound"]
    header = (
        f"`make bench` on this project's reference machine ({f['nproc']} cores, {f['cpu_model']}, "
        f"{f['memory_total_gb']:g} GiB, Python {f['python']}, {str(f['git']).replace('git version', 'git')}; "
        f"{str(f['date'])[:10]}, one full run, {f['bench_total_s']:.0f} s). Everything is offline: the "
        f'"network" is a fake GitHub on 127.0.0.1 with {LATENCY_S * 1000:.0f} ms added per request and '
        f"{RATE_BYTES_PER_S / 1e6:g} MB/s per connection, serving {f['fetch_targets']} of the recorded ICLR 2020 "
        f"repositories (the {largest} largest among them) rebuilt at their recorded file sizes (non-scan files "
        f"capped at {FILLER_CAP_BYTES // 2**20} MB)."
    )
    busy = f.get("other_processes_cores_busy_fetch", 0.0)
    if busy >= 0.2:  # the speed figures of a shared machine say so
        header += (f" Other processes kept {busy:.1f} of the {f['nproc']} cores busy during the fetch section, so "
                   "its speeds and speed-up are those of a shared machine.")  # fmt: skip
    agreement = (f"`framework_agreement_vs_pipreqs` ({f['scan_repos_iclr2020']} ICLR 2020 repositories; "
                 f"{f['framework_agreement_vs_pipreqs_where_pipreqs_ran']:.3f} where pipreqs did not raise: it does "
                 "not resolve own modules as Python does)")  # fmt: skip
    over_floor = (f"`bytes_over_floor` (partial clone; streamed archive: {f['bytes_over_floor_archive']:.2f}, "
                  f"{mb(f['bytes_fetched_archive']):.0f} MB)")  # fmt: skip
    big = f"{f['memory_big_file_mb'] / 1024:g} GB"
    tail = (f"`fetch_median_s_workers_16` (the tail run: the {f['fetch_targets']} repositories {TAIL_REPEATS} times, "
            f"{f['fetch_tail_fetches_workers_16']} fetches, each timed inside its worker)")  # fmt: skip
    slowest = (f"`fetch_slowest_s_workers_16` (same run; failed {f['fetch_tail_failed_workers_16']}, timed out "
               f"{f['fetch_tail_timeouts_workers_16']})")  # fmt: skip
    peak = max(f["peak_rss_mb_1gb_repo"], f["peak_rss_mb_1gb_repo_archive"])
    rows = [
        (f"`scan_repos_per_s` ({f['scan_repos']} installed packages, {f['scan_files']:,} files, {f['scan_mb']} MB)",
         f"{f['scan_repos_per_s']:.2f}", ""),
        (f"`pipreqs_repos_per_s` (pipreqs {importlib_version('pipreqs')} `get_all_imports`, same folders)",
         f"{f['pipreqs_repos_per_s']:.2f}", ""),
        ("`scan_speedup_vs_pipreqs`", f"{f['scan_speedup_vs_pipreqs']:.2f}", judge(f, "scan_speedup_vs_pipreqs")),
        ("`scan_results_identical` (vs a full `ast.parse` + `ast.walk`)", str(f["scan_results_identical"]), ""),
        (f"`pipreqs_failed_repos` (installed packages / {f['scan_repos_iclr2020']} ICLR 2020 repositories)",
         f"{f['pipreqs_failed_repos']} / {f['pipreqs_failed_repos_iclr2020']}",
         f"ours: {f['scan_failed_repos']} / {f['scan_failed_repos_iclr2020']}"),
        (agreement, f"{f['framework_agreement_vs_pipreqs']:.3f}", ""),
        ("`fetch_s_workers_1`", f"{f['fetch_s_workers_1']:.1f} s", ""),
        ("`fetch_s_workers_16`", f"{f['fetch_s_workers_16']:.2f} s", ""),
        ("`fetch_parallel_speedup`", f"{f['fetch_parallel_speedup']:.2f}",
         f"{judge(f, 'fetch_parallel_speedup')} (CPU-bound ceiling {ceiling:.1f}, below)"),
        (tail, f"{f['fetch_median_s_workers_16']:.2f} s", ""),
        (slowest, f"{f['fetch_slowest_s_workers_16']:.2f} s", ""),
        ("`fetch_slowest_over_median_workers_16`", f"{f['fetch_slowest_over_median_workers_16']:.2f}",
         f"{judge(f, 'fetch_slowest_over_median_workers_16')} (before the fix: {TAIL_BEFORE_FIX})"),
        (f"`bytes_all_files` (every file of the {f['fetch_targets']} repositories)",
         f"{mb(f['bytes_all_files']):.0f} MB", ""),
        ("`bytes_floor` (the files the scan needs)", f"{mb(f['bytes_floor']):.1f} MB", ""),
        ("`bytes_fetched` (partial clone, the default)", f"{mb(f['bytes_fetched']):.1f} MB", ""),
        (over_floor, f"{f['bytes_over_floor']:.3f}", judge(f, "bytes_over_floor")),
        ("`bytes_over_floor_as_of` (partial clone read as of a date: commits first, then one commit's tree)",
         f"{f['bytes_over_floor_as_of']:.3f}", judge(f, "bytes_over_floor_as_of")),
        (f"`peak_rss_mb_1gb_repo` (clone / archive of a repository with a {big} data file)",
         f"{f['peak_rss_mb_1gb_repo']} / {f['peak_rss_mb_1gb_repo_archive']}",
         judge({"peak_rss_mb_1gb_repo": peak}, "peak_rss_mb_1gb_repo")),
        ("`rebuild_dataset_s` (ICLR 2020 alone)", f"{f['rebuild_dataset_s']:.2f} s", ""),
        ("`rebuild_all_years_s` (`make data`: every recorded year, years.csv, trends.csv)",
         f"{f['rebuild_all_years_s']:.2f} s", judge(f, "rebuild_all_years_s")),
        ("`render_notebooks_s` (notebooks 01 and 02 with papermill)", f"{f['render_notebooks_s']:.1f} s", ""),
    ]  # fmt: skip
    table = ["| figure | value | target |", "| --- | ---: | --- |"]
    table += [f"| {name} | {value} |" + (f" {target} |" if target else " |") for name, value, target in rows]
    bound = (
        "The scanner is fast because it walks only statement lists (imports are statements), pauses the garbage "
        "collector while parsing, and spreads files over both cores; its output is checked identical to a full "
        f"walk. The fetch speed-up is bounded by the CPU: on {f['nproc']} cores, the client's git processes "
        f"({f['fetch_cpu_s_client_workers_16']:.1f} CPU-s) and the fake server's `git upload-pack` "
        f"({f['fetch_cpu_s_server_workers_16']:.1f} CPU-s) share it, so the CPU-bound ceiling of that run was "
        f"{ceiling:.1f}x; against a real GitHub, whose CPU is not ours, it would be "
        f"{f['fetch_parallel_speedup_ceiling_without_server_cpu']:.1f}x. A partial clone receives "
        f"{f['bytes_over_floor']:.0%} of the bytes of the files the scan needs (git compresses them) and never a "
        "data or weight file; the archive receives everything."
    )
    return as_paragraph(header) + "\n" + "\n".join(table) + "\n" + as_paragraph(bound)


def importlib_version(name: str) -> str:
    """The installed version of a distribution."""
    from importlib.metadata import version

    return version(name)


def write_readme_figures(args: argparse.Namespace) -> None:
    """After a full run of every section, write its figures into the README's Performance section."""
    if args.quick or tuple(args.only) != SECTIONS:
        log("README.md not updated: only a full run of every section writes its figures")
        return
    try:  # a section that skipped a figure (no ../shared) leaves the README's last full run as it is
        block = format_readme_block(FIGURES)
    except KeyError as missing:
        log(f"README.md not updated: figure {missing} was not measured")
        return
    write_blocks(ROOT / "README.md", {"bench": block})
    log("README.md: Performance written from this run")


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """`bench.py [--quick] [--only scan,fetch,memory,e2e]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke test of every figure")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--measure-child", nargs=3, metavar=("METHOD", "REPO", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}: choose from {', '.join(SECTIONS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the chosen sections and print their figures."""
    args = parse_args(argv)
    if args.measure_child:
        measure_child(*args.measure_child)
        return
    start = time.perf_counter()
    emit_machine(args)
    runners = {"scan": run_scan, "fetch": run_fetch, "memory": run_memory, "e2e": run_e2e}
    for section in SECTIONS:
        if section in args.only:
            section_start, busy, own = time.perf_counter(), read_busy_cpu_s(), read_cpu_s()
            runners[section](args)
            wall = time.perf_counter() - section_start
            emit(f"section_s_{section}", wall)
            others = (read_busy_cpu_s() - busy) - (read_cpu_s() - own)  # CPU of processes not started by us
            emit(f"other_processes_cores_busy_{section}", max(0.0, others / wall))
    emit("bench_total_s", time.perf_counter() - start)
    write_readme_figures(args)


if __name__ == "__main__":
    main()
