"""The e2e section: `python iclr_helpers.py data`, every recorded year rebuilt, both notebooks rendered with
papermill, all into a temporary folder and compared with the committed data."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import ROOT, SHARED, SNAPSHOT, emit

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


def run_e2e(quick: bool) -> None:
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
        if quick:
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
