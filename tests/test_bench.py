"""benchmarks/bench.py and its section modules: the figures parse, the README block is written from them, and
the fast scanner measured equals a full `ast` walk.

No timing is asserted here: speed goals are measured by `make bench`, not by tests.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iclr_tools import scan, tools

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench.py"
if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))

import bench_github  # noqa: E402
import bench_readme  # noqa: E402
import bench_scan  # noqa: E402
import scan_pool  # noqa: E402

SCANNER, _ = bench_scan.load_scanner()
FIGURE_LINE = re.compile(r"^[a-z0-9_]+: \S.*$")

TRICKY = {
    "nested.py": (
        "import os, torch.nn as nn\nfrom . import utils\nfrom ..models import net\n"
        "class A:\n    import cv2\n    def f(self):\n        try:\n            import jax\n"
        "        except ImportError:\n            import numpy\n        else:\n            import scipy\n"
        "        finally:\n            from pandas import DataFrame\n"
        "async def g():\n    async with x:\n        import aiohttp\n"
        "    async for i in y:\n        import trio\n"
        "    else:\n        import curio\n"
        "while True:\n    import yaml\nelse:\n    import toml\n"
        "with open('f') as h:\n    import json\n"
        "match command:\n    case 'go':\n        import tensorflow as tf\n    case _:\n        import keras\n"
        "if x:\n    pass\nelif y:\n    import sklearn\nelse:\n    import skimage\n"
        "def deco(f):\n    return lambda: __import__('not_a_statement')\n"
    ),
    "strings_only.py": 's = "import torch"\n"""\nimport tensorflow\n"""\n# import jax\n',
    "no_import_word.py": "x = 1\ndef f():\n    return x\n",
    "python2.py": "import urllib2, cPickle\nfrom StringIO import StringIO\nprint 'hi'\nimport tensorflow as tf\n",
    "python2_no_imports.py": "print 'hello'\n",
    "semicolon.py": "import a; import b\nif c: import d\n",
    "latin.py": "# -*- coding: latin-1 -*-\nimport numpy  # caf\xe9\n",
    "tricky_nest.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\nimport torch\n",
    "star.py": "try:\n    import a\nexcept* ValueError:\n    import b\n",
    "setup.py": "from setuptools import setup\nsetup(install_requires=['torch>=1.0', 'numpy'])\n",
    "requirements.txt": "torch\nnumpy\n",
    "README.md": "pip install torch numpy\n",
    "nb.ipynb": json.dumps(
        {
            "cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "import torch\n"]}],
            "nbformat": 4,
        }
    ),  # fmt: skip
    "bad.ipynb": "{not json",
}


def tricky_contents() -> dict[str, bytes]:
    """The tricky files as fetched bytes (latin-1 where declared, one UTF-16 file, one binary file)."""
    data = {path: text.encode("latin-1" if path == "latin.py" else "utf-8") for path, text in TRICKY.items()}
    data["utf16.py"] = "import scipy\n".encode("utf-16")
    data["binary.py"] = b"\x00\x01\x02garbage"
    return data


@pytest.mark.parametrize("path", sorted(p for p in TRICKY if p.endswith(".py")))
def test_fast_imports_equal_the_full_walk(path: str) -> None:
    source = TRICKY[path]
    assert SCANNER.extract_imports(source)[0] == bench_scan.extract_imports_full_walk(source)[0]


def test_statement_walk_covers_every_compound_statement() -> None:
    """Every statement type that can hold statements is walked into (a new Python may add one)."""
    holders = ("body", "orelse", "finalbody", "handlers", "cases")
    lists = SCANNER.STATEMENT_LISTS
    kinds = [getattr(ast, n) for n in dir(ast) if isinstance(getattr(ast, n), type)]
    for kind in kinds:
        if issubclass(kind, (ast.stmt, ast.excepthandler, ast.match_case)) and kind not in (
            ast.stmt,
            ast.excepthandler,
        ):
            fields = [f for f in kind._fields if f in holders]
            assert not fields or set(lists.get(kind, ())) == set(fields), kind.__name__


def check_record(contents: dict[str, bytes], executor=None, subdir: str = "") -> dict:
    """Scan `contents` with the measured scanner; assert every file equals the full walk; return the record."""
    files = [(path, len(data)) for path, data in contents.items()]
    map_facts = scan_pool.make_pool_mapper(executor) if executor is not None else None
    record = SCANNER.extract_repo_facts("o/r", subdir, files, contents, map_facts=map_facts)
    prefix = f"{subdir}/" if subdir else ""
    items = [
        item for item in bench_scan.extract_reference_imports(sorted(contents.items())) if item is not None
    ]
    assert record["imports"] == {prefix + path: imports for path, imports, _ in items}
    assert record["parsed_by_regex"] == [prefix + path for path, _, by_regex in items if by_regex]
    return record


@pytest.mark.parametrize("pooled", [False, True])
def test_repo_record_equals_the_full_walk(pooled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    executor = None
    if pooled:
        monkeypatch.setattr(scan_pool, "SCAN_POOL_MIN_BYTES", 0)  # use the pool even for these few bytes
        executor = scan_pool.make_scan_pool(2)
    try:
        record = check_record(tricky_contents(), executor, subdir="sub")
    finally:
        if executor is not None:
            executor.shutdown()
    assert record["unreadable"] == ["sub/bad.ipynb", "sub/binary.py"]
    assert record["setup_py"] == {"sub/setup.py": {"install_requires": ["torch>=1.0", "numpy"]}}
    assert list(record["manifests"]) == ["sub/requirements.txt"]
    assert record["install_lines"] == {"sub/README.md": ["pip install torch numpy"]}
    assert {"sub/python2.py", "sub/python2_no_imports.py", "sub/tricky_nest.py"} <= set(
        record["parsed_by_regex"]
    )
    assert tools.extract_tools(record)["frameworks"] == ["pytorch", "tensorflow", "keras", "jax"]


def test_bad_file_cases_scan_like_the_full_walk() -> None:
    """The robustness suite's bad files (deep nesting, bombs, odd encodings, ill-typed notebooks)."""
    import robustness_cases

    for case in robustness_cases.BAD_FILE_CASES:
        check_record(dict(case.files))


def test_generated_repositories_scan_like_the_full_walk() -> None:
    """Any generated repository (any bytes under any scanned name, any notebook shape)."""
    import robustness_cases
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    files = robustness_cases.repository_files()
    notebooks = robustness_cases.notebook_texts().map(lambda text: {"nb.ipynb": text.encode()})

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(files, notebooks))
    def check(contents: dict[str, bytes]) -> None:
        check_record(contents)

    check()


def test_rebuilt_record_files_scan_back_to_the_record(shared_dir: Path) -> None:
    """A recorded repository rebuilt for the fake GitHub scans back to its recorded imports."""
    record = json.loads(
        (shared_dir / "iclr2020" / "repos" / "BayesWatch__pytorch-blockswap.json").read_text()
    )
    files, stats = bench_github.make_repo_files(record, cap=2**16)
    assert stats["files"] == len(files) and stats["bytes_floor"] <= stats["bytes_all"]
    for path, size in record["files"]:
        assert len(files[path]) == min(size or 0, 2**16) or scan.is_scan_file(path)
    scanned = SCANNER.extract_repo_facts(record["repo"], "", [(p, len(d)) for p, d in files.items()],
                                         {p: d for p, d in files.items() if scan.is_scan_file(p)})  # fmt: skip
    assert scanned["imports"] == record["imports"]
    assert tools.extract_tools(scanned)["frameworks"] == tools.extract_tools(record)["frameworks"]


def run_bench(*args: str) -> dict[str, str]:
    """Run bench.py in a subprocess; every stdout line must be `name: value`."""
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=240,
                          cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    bad = [line for line in lines if not FIGURE_LINE.match(line)]
    assert not bad, bad
    return dict(line.split(": ", 1) for line in lines)


def test_quick_scan_and_e2e_figures(shared_dir: Path) -> None:
    figures = run_bench("--quick", "--only", "scan,e2e")
    for name in ("nproc", "cpu_model", "python", "date", "scan_repos_per_s", "pipreqs_repos_per_s",
                 "scan_speedup_vs_pipreqs", "pipreqs_failed_repos", "framework_agreement_vs_pipreqs",
                 "rebuild_dataset_s", "rebuild_all_years_s"):  # fmt: skip
        assert name in figures, name
    assert figures["rebuild_all_years_identical"] == "True"
    assert figures["scan_results_identical"] == "True"
    assert figures["scan_results_identical_iclr2020"] == "True"
    assert figures["scan_failed_repos"] == figures["scan_failed_repos_iclr2020"] == "0"
    assert float(figures["scan_speedup_vs_pipreqs"]) > 0
    assert 0 <= float(figures["framework_agreement_vs_pipreqs"]) <= 1


def test_quick_fetch_and_memory_figures(shared_dir: Path) -> None:
    figures = run_bench("--quick", "--only", "fetch,memory")
    targets = figures["fetch_targets"]
    assert figures["fetch_ok_workers_1"] == figures["fetch_ok_workers_16"] == targets
    assert figures["fetch_ok_workers_16_archive"] == targets
    assert figures["fetch_scan_frameworks_match_records"] == f"{targets}/{targets}"
    assert int(figures["bytes_fetched"]) > 0 and int(figures["bytes_floor"]) > 0
    assert float(figures["bytes_over_floor"]) == pytest.approx(
        int(figures["bytes_fetched"]) / int(figures["bytes_floor"]), abs=1e-3
    )
    assert figures["memory_status"].startswith("ok") and figures["memory_status_archive"].startswith("ok")
    assert float(figures["peak_rss_mb_1gb_repo"]) > 0 and float(figures["peak_rss_mb_1gb_repo_archive"]) > 0


# The figures of the run the README reported before `make bench` wrote its own block (typed from that README).
LAST_RUN = {
    "nproc": 2, "cpu_model": "AMD EPYC 7B13", "memory_total_gb": 24.0, "python": "3.11.7",
    "git": "git version 2.39.5", "date": "2026-11-29T10:00:00Z", "bench_total_s": 310.4, "fetch_targets": 60,
    "fetch_targets_largest": "a/a,b/b,c/c,d/d,e/e", "scan_repos": 14, "scan_files": 3931, "scan_mb": 73.1,
    "scan_repos_per_s": 3.22, "pipreqs_repos_per_s": 0.71, "scan_speedup_vs_pipreqs": 4.55,
    "scan_results_identical": True, "scan_repos_iclr2020": 252, "pipreqs_failed_repos": 0,
    "pipreqs_failed_repos_iclr2020": 23, "scan_failed_repos": 0, "scan_failed_repos_iclr2020": 0,
    "framework_agreement_vs_pipreqs": 0.897, "framework_agreement_vs_pipreqs_where_pipreqs_ran": 0.987,
    "fetch_s_workers_1": 22.9, "fetch_s_workers_16": 2.66, "fetch_parallel_speedup": 8.62,
    "fetch_parallel_speedup_ceiling_cpu_bound": 9.4, "fetch_parallel_speedup_ceiling_without_server_cpu": 14.9,
    "fetch_cpu_s_client_workers_16": 3.1, "fetch_cpu_s_server_workers_16": 1.8, "bytes_all_files": 994_000_000,
    "bytes_floor": 42_700_000, "bytes_fetched": 10_100_000, "bytes_over_floor": 0.237,
    "bytes_over_floor_archive": 17.28, "bytes_fetched_archive": 737_000_000, "bytes_over_floor_as_of": 0.239,
    "memory_big_file_mb": 1024, "peak_rss_mb_1gb_repo": 82.6, "peak_rss_mb_1gb_repo_archive": 82.4,
    "rebuild_dataset_s": 1.45, "rebuild_all_years_s": 5.36, "render_notebooks_s": 8.1,
    "fetch_tail_fetches_workers_16": 480, "fetch_tail_failed_workers_16": 0, "fetch_tail_timeouts_workers_16": 0,
    "fetch_median_s_workers_16": 1.956, "fetch_slowest_s_workers_16": 5.459, "fetch_slowest_over_median_workers_16": 2.791,
    # the repair section's figures (a later section: these are its quick run's, bench.py --quick --only repair)
    "repair_api_requests": 22, "repair_links_missing": 20, "repair_links": 120, "repair_recorded_right": "16/16",
    "repair_api_requests_per_100_links": 18.33,
}  # fmt: skip


def test_readme_performance_block_from_a_run() -> None:
    """`make bench` writes the README's table from its figures, with each target judged."""
    block = bench_readme.format_readme_block(LAST_RUN)
    for row in (
        "| `scan_repos_per_s` (14 installed packages, 3,931 files, 73.1 MB) | 3.22 | |",
        "| `scan_speedup_vs_pipreqs` | 4.55 | >= 2.5: met |",
        "| `pipreqs_failed_repos` (installed packages / 252 ICLR 2020 repositories) | 0 / 23 | ours: 0 / 0 |",
        "| `fetch_parallel_speedup` | 8.62 | >= 8: met (CPU-bound ceiling 9.4, below) |",
        "| `bytes_all_files` (every file of the 60 repositories) | 994 MB | |",
        "| `bytes_over_floor` (partial clone; streamed archive: 17.28, 737 MB) | 0.237 | <= 1.5: met |",
        "| `peak_rss_mb_1gb_repo` (clone / archive of a repository with a 1 GB data file) | 82.6 / 82.4 | < 300: met |",
        "| `render_notebooks_s` (notebooks 01 and 02 with papermill) | 8.1 s | |",
        "| `fetch_slowest_s_workers_16` (same run; failed 0, timed out 0) | 5.46 s | |",
        (
            "| `repair_api_requests_per_100_links` (cut links repaired by listing owners, no token: 22 requests for "
            "20 missing of 120 links; recorded repairs read right: 16/16) | 18.3 | |"
        ),
        (
            "| `fetch_slowest_over_median_workers_16` | 2.79 | < 10: met (before the fix: 70.7, 3 of 480 fetches hung "
            "until the 120 s budget) |"
        ),
    ):
        assert f"\n{row}\n" in block, row
    text = " ".join(block.split())
    assert (
        "(2 cores, AMD EPYC 7B13, 24 GiB, Python 3.11.7, git 2.39.5; 2026-11-29, one full run, 310 s)" in text
    )
    assert "with 50 ms added per request and 2 MB/s per connection, serving 60" in text
    assert "(the 5 largest among them)" in text and "(non-scan files capped at 20 MB)" in text
    assert (
        "ceiling of that run was 9.4x; against a real GitHub, whose CPU is not ours, it would be 14.9x"
        in text
    )
    slower = bench_readme.format_readme_block(
        {**LAST_RUN, "fetch_parallel_speedup": 7.46, "rebuild_all_years_s": 61.0}
    )
    assert "| `fetch_parallel_speedup` | 7.46 | >= 8: not met (CPU-bound ceiling 9.4, below) |" in slower
    assert "| 61.00 s | < 60: not met |" in slower


def test_readme_performance_block_says_when_the_machine_was_shared() -> None:
    quiet = " ".join(
        bench_readme.format_readme_block({**LAST_RUN, "other_processes_cores_busy_fetch": 0.05}).split()
    )
    shared = " ".join(
        bench_readme.format_readme_block({**LAST_RUN, "other_processes_cores_busy_fetch": 0.87}).split()
    )
    assert "Other processes" not in quiet
    assert "Other processes kept 0.9 of the 2 cores busy during the fetch section" in shared


def test_readme_performance_block_needs_every_figure() -> None:
    """A run that skipped a section (no ../shared) has no figure for it: nothing is written."""
    with pytest.raises(KeyError, match="render_notebooks_s"):
        bench_readme.format_readme_block({k: v for k, v in LAST_RUN.items() if k != "render_notebooks_s"})


def test_readme_faults_tally() -> None:
    import faults

    line = faults.format_readme_tally("faults injected: 51, survived: 51, crashes: 0", 3.4, [])
    assert (
        line == "\nThe last `make faults` run (3 minutes): faults injected: 51, survived: 51, crashes: 0.\n"
    )
    assert (
        faults.format_readme_tally("faults injected: 2", 1, ["x"]).strip().endswith("2; 1 check(s) failed.")
    )
