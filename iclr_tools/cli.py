"""The command line (`make data`, `make run`): rebuild the data from ../shared, render the notebooks from data/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .accuracy import ACCURACY_FILE, build_checklist_accuracy
from .analysis import count_funnel, describe_funnel
from .dataset import create_dataset
from .files import write_text_atomic
from .report import render_notebook, write_readme_blocks
from .settings import describe_embedded
from .study import STUDY_FIGURES, reproduce_study, write_study_figures
from .trends import add_corrected_checklist, count_trends, count_unresolved_across_years
from .venues import name_venue_year
from .years import (  # ROOT: the project root
    ROOT,
    build_years,
    describe_year_options,
    find_year_dataset,
    read_all_venue_links,
    read_all_venue_samples,
    read_all_years,
    read_iclr_pdf_sharing,
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
    """Rebuild every recorded year's dataset, `years.csv`, `trends.csv` and the 2020 study's figures from `shared`
    (offline), printing what each year's rebuild found."""
    study_file = Path(shared) / "reference" / "article_all_tools.csv"
    if not Path(shared).is_dir() or not study_file.is_file():
        raise SystemExit(
            f"{shared if not Path(shared).is_dir() else study_file} is not here: `make data` rebuilds every year "
            "from the recorded folders, which sit beside the project on the developers' machines and in CI only; "
            f"the committed data/ holds what they give, and `make run` renders from it. {describe_embedded()}"
        )
    years = build_years(shared, data_dir, cache_dir=ROOT / "cache")
    frames = read_all_years(data_dir)
    trends = count_trends(
        frames,
        years,
        venue_links=read_all_venue_links(data_dir),
        venue_samples=read_all_venue_samples(data_dir),
        iclr_pdf=read_iclr_pdf_sharing(data_dir),
    )
    accuracy = build_checklist_accuracy(shared, data_dir)  # the rules against the checklist authors' labels
    trends = add_corrected_checklist(trends, accuracy)
    write_text_atomic(Path(data_dir) / "trends.csv", trends.to_csv(index=False, lineterminator="\n"))
    reproduced = reproduce_study(study_file)
    write_study_figures(reproduced, Path(data_dir) / STUDY_FIGURES)
    for row in years.itertuples():
        held = (f"{row.repositories_with_python} repositories with Python" if row.method != "links"
                else f"{row.github_links} GitHub links of {row.accepted_papers} papers, no repository records")  # fmt: skip
        print(f"{name_venue_year(row.venue, row.year)}: {row.dataset} ({row.method}, {held})")
        if row.venue == "iclr":
            print(f"  {describe_funnel(count_funnel(frames[int(row.year)]))}")
    print(f"wrote {Path(data_dir) / 'years.csv'} and {Path(data_dir) / 'trends.csv'} ({len(trends)} rows)")
    print(f"wrote {Path(data_dir) / ACCURACY_FILE}: the checklist rules' confusion counts on the labels of "
          f"{Path(shared) / 'checklist_neurips2019'} (fit and held-out repositories)")  # fmt: skip
    print(f"wrote {Path(data_dir) / STUDY_FIGURES}: the 2020 study's method re-run on {study_file}: "
          + ", ".join(f"{name} {value}" for name, value in reproduced.items()))  # fmt: skip
    return trends


def run_unresolved(data_dir: str | Path = ROOT / "data", top: int = 40) -> pd.DataFrame:
    """Print every embedded year's unresolved imports, most used first, with the totals (names, repository uses)."""
    table = count_unresolved_across_years(read_all_years(data_dir))
    print(table.head(top).to_string(index=False))
    print(f"unresolved: {len(table)} names, {int(table['repositories'].sum())} repository uses")
    return table


def run_render(year: int, root: Path = ROOT) -> None:
    """Render the notebooks with papermill from the project's own data/, never from what sits beside it: 01 and
    02 for `year` (01 showing the embedded dataset), and 03, the trends across years."""
    out_dir = root / "notebooks" / "rendered"
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {
        "01_create_data.ipynb": {"year": year, "source": find_year_dataset(year, Path("data")).as_posix()},
        "02_analyse_tools.ipynb": {"year": year},
        "03_trends.ipynb": {},
    }
    for name in NOTEBOOKS:
        render_notebook(root / "notebooks" / name, out_dir / name, params[name], root)
        print(f"rendered {(out_dir / name).relative_to(root)}")


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
        for path in write_readme_blocks():
            print(f"wrote the figures quoted in {path.relative_to(ROOT)}")
    elif args.command == "unresolved":
        run_unresolved()
    else:
        run_render(args.year)
