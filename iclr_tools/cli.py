"""The command line (`make data`, `make run`): rebuild the dataset from a snapshot, render the notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .dataset import create_dataset

ROOT = Path(__file__).resolve().parents[1]  # the project root (notebooks/, data/, cache/)
NOTEBOOKS = ("01_create_data.ipynb", "02_analyse_tools.ipynb")


def run_data(year: int, snapshot: str | Path, out: str | Path) -> pd.DataFrame:
    """Rebuild the dataset of `year` from a recorded snapshot folder, or say clearly why it cannot."""
    if not Path(snapshot).is_dir():
        raise SystemExit(
            f"{snapshot} is not here: `make data` rebuilds the dataset from the recorded data that sits beside the "
            "project on the developers' machines and in CI. Without it, use the committed data/all_tools.csv, or "
            "build from the live services: papermill notebooks/01_create_data.ipynb out.ipynb -p source live"
        )
    frame = create_dataset(year, snapshot, out=out, cache_dir=ROOT / "cache")
    print(f"wrote {out}: {len(frame)} rows, {frame['forum_id'].nunique()} papers")
    return frame


def run_render(
    year: int, snapshot: str | Path, out_dir: str | Path = ROOT / "notebooks" / "rendered"
) -> None:
    """Render both notebooks with papermill: from the snapshot when it is here, else the committed CSV.

    Notebook 01 itself falls back to the committed CSV (`resolve_source`) when the snapshot is absent.
    """
    import papermill

    source = os.path.relpath(Path(snapshot).resolve(), ROOT)  # notebooks run from the project root
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    params = {
        "01_create_data.ipynb": {"year": year, "source": source},
        "02_analyse_tools.ipynb": {"year": year},
    }
    for name in NOTEBOOKS:
        papermill.execute_notebook(
            ROOT / "notebooks" / name,
            Path(out_dir) / name,
            parameters=params[name],
            cwd=ROOT,
            progress_bar=False,
        )
        print(f"rendered {Path(out_dir) / name}")


def main(argv: list[str] | None = None) -> None:
    """`python iclr_helpers.py data|render --year Y --snapshot DIR [--out CSV]`."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["data", "render"])
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--snapshot", default=str(ROOT.parent / "shared" / "iclr2020"))
    parser.add_argument("--out", default=str(ROOT / "data" / "all_tools.csv"))
    args = parser.parse_args(argv)
    if args.command == "data":
        run_data(args.year, args.snapshot, args.out)
    else:
        run_render(args.year, args.snapshot)
