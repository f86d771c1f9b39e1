"""The command line (`make data`, `make run`): rebuild the dataset from a snapshot, render the notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .dataset import create_dataset
from .files import write_text_atomic
from .settings import describe_embedded
from .trends import count_trends, count_unresolved_across_years
from .venues import name_venue_year
from .years import (  # ROOT: the project root
    ROOT,
    build_years,
    describe_year_options,
    read_all_venue_links,
    read_all_years,
)

NOTEBOOKS = ("01_create_data.ipynb", "02_analyse_tools.ipynb", "03_trends.ipynb")


def run_data(year: int, snapshot: str | Path, out: str | Path) -> pd.DataFrame:
    """Rebuild the dataset of `year` from a recorded snapshot folder, or say clearly why it cannot."""
    if not Path(snapshot).is_dir():
        raise SystemExit(
            f"{snapshot} is not here: `iclr_helpers.py data --snapshot` rebuilds a dataset from a recorded folder, "
            "and those sit beside the project on the developers' machines and in CI only. "
            f"{describe_year_options(year, rebuild=True)}"
        )
    frame = create_dataset(year, snapshot, out=out, cache_dir=ROOT / "cache")
    print(f"wrote {out}: {len(frame)} rows, {frame['forum_id'].nunique()} papers")
    return frame


def run_data_all(shared: str | Path, data_dir: str | Path = ROOT / "data") -> pd.DataFrame:
    """Rebuild every recorded year's dataset, `years.csv` and `trends.csv` from `shared` (offline)."""
    if not Path(shared).is_dir():
        raise SystemExit(
            f"{shared} is not here: `make data` rebuilds every year from the recorded folders, which sit beside "
            "the project on the developers' machines and in CI only; the committed data/ holds what they give. "
            f"{describe_embedded()}"
        )
    years = build_years(shared, data_dir, cache_dir=ROOT / "cache")
    trends = count_trends(read_all_years(data_dir), years, venue_links=read_all_venue_links(data_dir))
    write_text_atomic(Path(data_dir) / "trends.csv", trends.to_csv(index=False, lineterminator="\n"))
    for row in years.itertuples():
        held = (f"{row.repositories_with_python} repositories with Python" if row.method != "links"
                else f"{row.github_links} GitHub links of {row.accepted_papers} papers, no repository records")  # fmt: skip
        print(f"{name_venue_year(row.venue, row.year)}: {row.dataset} ({row.method}, {held})")
    print(f"wrote {Path(data_dir) / 'years.csv'} and {Path(data_dir) / 'trends.csv'} ({len(trends)} rows)")
    return trends


def run_unresolved(data_dir: str | Path = ROOT / "data", top: int = 40) -> pd.DataFrame:
    """Print every embedded year's unresolved imports, most used first, with the totals (names, repository uses)."""
    table = count_unresolved_across_years(read_all_years(data_dir))
    print(table.head(top).to_string(index=False))
    print(f"unresolved: {len(table)} names, {int(table['repositories'].sum())} repository uses")
    return table


def run_render(
    year: int, snapshot: str | Path, out_dir: str | Path = ROOT / "notebooks" / "rendered"
) -> None:
    """Render the notebooks with papermill: 01 and 02 for `year` (01 from the snapshot when it is here, else
    the year's embedded data), and 03, the trends across years."""
    import papermill

    source = os.path.relpath(Path(snapshot).resolve(), ROOT)  # notebooks run from the project root
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    params = {
        "01_create_data.ipynb": {"year": year, "source": source},
        "02_analyse_tools.ipynb": {"year": year},
        "03_trends.ipynb": {},
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
    """`python iclr_helpers.py data|render [--shared DIR]` (every year), `data --year Y --snapshot DIR --out CSV`, or
    `unresolved` (every year's unresolved imports)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["data", "render", "unresolved"])
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument(
        "--snapshot", default=str(ROOT.parent / "shared" / "iclr2020")
    )  # with --out: one year
    parser.add_argument("--out", default="")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args(argv)
    if args.command == "data" and args.out:
        run_data(args.year, args.snapshot, args.out)
    elif args.command == "data":
        run_data_all(args.shared)
    elif args.command == "unresolved":
        run_unresolved()
    else:
        run_render(args.year, Path(args.shared) / f"iclr{args.year}")
