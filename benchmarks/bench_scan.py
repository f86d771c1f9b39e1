"""The scan section: our scanner against pipreqs' `get_all_imports` on (a) installed packages of this venv and
(b) the ICLR 2020 repositories rebuilt from ../shared records, checked against a full `ast.parse` + `ast.walk`."""

from __future__ import annotations

import ast
import concurrent.futures
import json
import logging
import os
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import scan_pool
from bench_common import RECORDS, emit, log
from bench_github import make_import_source

import iclr_helpers as ih
from iclr_tools import github, scan
from iclr_tools.tools import extract_frameworks

PACKAGES = ("pandas", "matplotlib", "IPython", "numpy", "scipy", "jinja2", "nbformat", "urllib3", "requests",
            "yaml", "tqdm", "packaging", "seaborn", "docutils", "pygments", "jedi")  # fmt: skip
QUICK_PACKAGES = ("jinja2", "urllib3", "requests", "yaml", "tqdm")
MAX_PACKAGES = 14


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


def run_scan(quick: bool) -> None:
    """Scan figures on installed packages (a) and rebuilt ICLR 2020 repositories (b)."""
    scanner, label = load_scanner()
    emit("scan_implementation", label)
    folders = list_package_folders(quick)
    repeats = (1, 1) if quick else (2, 3)
    measure_scan_input(
        f"installed packages {','.join(f.name for f in folders)}", folders, scanner, "", repeats
    )
    if not RECORDS.is_dir():
        emit("scan_iclr2020", f"skipped: {RECORDS} is not here")
        return
    with tempfile.TemporaryDirectory(prefix="bench-iclr-") as tmp:
        iclr = rebuild_iclr_folders(Path(tmp), 20 if quick else None)
        label = "ICLR 2020 records rebuilt as .py files"
        result = measure_scan_input(label, iclr, scanner, "_iclr2020", (1, 1) if quick else (3, 3))
    agreement, agreement_ok, examples = count_framework_agreement(result)
    emit("framework_agreement_vs_pipreqs", agreement)
    emit("framework_agreement_vs_pipreqs_where_pipreqs_ran", agreement_ok)
    emit("framework_disagreement_examples", "; ".join(examples) or "none")
