"""`make bench`: speed, bytes and memory figures of the pipeline, offline, one `name: value` line per figure.

Sections (all by default, or `--only scan,fetch,repair,memory,e2e`; `--quick` for small inputs, a smoke test), each in
a module of its own beside this one:

- scan (bench_scan.py): our scanner (read files + extract_repo_facts + extract_tools) against pipreqs'
  `get_all_imports` on (a) installed packages of this venv and (b) the ICLR 2020 repositories rebuilt from
  ../shared records; the scanner's imports are checked against a plain full `ast.parse` + `ast.walk` of every file.
- fetch (bench_fetch.py, its tail run in bench_tail.py): the recorded repositories served by
  tests/fakes/github_server.py (in its own process, bench_github.py) with 50 ms latency and 2 MB/s per
  connection; partial clone (the default) with 1 and 16 workers, archive with 16.
- repair (bench_repair.py): the GitHub API requests spent repairing cut links (an owner's repositories listed,
  no token), per 100 links of the recorded samples, on ../shared/links/repairs.tsv's cases served by the fake.
- memory (bench_memory.py): peak resident memory of a process fetching and scanning a repository with a 1 GB
  data file.
- e2e (bench_rebuild.py): `python iclr_helpers.py data` and both notebooks rendered with papermill, into a
  temporary folder.

After a full run of every section, bench_readme.py writes the figures into the README's Performance section.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests", ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

if __name__ in ("__main__", "__mp_main__"):  # tqdm reads this when imported: quiet fetch_many's progress bars
    os.environ.setdefault("TQDM_DISABLE", "1")

from bench_common import count_cores, emit, read_busy_cpu_s, read_cpu_s  # noqa: E402
from bench_fetch import run_fetch  # noqa: E402
from bench_memory import measure_child, run_memory  # noqa: E402
from bench_readme import write_readme_figures  # noqa: E402
from bench_rebuild import run_e2e  # noqa: E402
from bench_repair import run_repair  # noqa: E402
from bench_scan import run_scan  # noqa: E402

SECTIONS = ("scan", "fetch", "repair", "memory", "e2e")
RUNNERS = {"scan": run_scan, "fetch": run_fetch, "repair": run_repair, "memory": run_memory, "e2e": run_e2e}


def read_cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def emit_machine(args: argparse.Namespace) -> None:
    """The date and the machine the figures were measured on."""
    emit("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    emit("nproc", count_cores())
    emit("cpu_model", read_cpu_model())
    emit("memory_total_gb", round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1))
    emit("python", platform.python_version())
    emit("git", subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip())
    emit("mode", "quick" if args.quick else "full")
    emit("sections", ",".join(args.only))
    emit("load_average_at_start", " ".join(f"{x:.2f}" for x in os.getloadavg()))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """`bench.py [--quick] [--only scan,fetch,repair,memory,e2e]`."""
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
    for section in SECTIONS:
        if section in args.only:
            section_start, busy, own = time.perf_counter(), read_busy_cpu_s(), read_cpu_s()
            RUNNERS[section](args.quick)
            wall = time.perf_counter() - section_start
            emit(f"section_s_{section}", wall)
            others = (read_busy_cpu_s() - busy) - (read_cpu_s() - own)  # CPU of processes not started by us
            emit(f"other_processes_cores_busy_{section}", max(0.0, others / wall))
    emit("bench_total_s", time.perf_counter() - start)
    write_readme_figures(not args.quick and tuple(args.only) == SECTIONS)


if __name__ == "__main__":
    main()
