"""The trend across years, checked against counts made straight from the recorded records."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest

ROOT = Path(__file__).resolve().parents[1]
ALL_TRENDS = pd.read_csv(ROOT / "data" / "trends.csv")
TRENDS = ALL_TRENDS[ALL_TRENDS["venue"] == "iclr"].drop(columns="venue")  # ICLR's rows
FRAMEWORK_MODULES = {"pytorch": "torch", "tensorflow": "tensorflow", "keras": "keras", "jax": "jax"}
# Per year: repositories with a .py / .ipynb / .pyx file, and those importing torch / tensorflow / keras / jax,
# counted from the records by a reviewer (the issue "Every ICLR year").
INDEPENDENT = {2018: (131, 47, 76, 17, 0), 2019: (53, 25, 26, 7, 1), 2020: (244, 166, 99, 21, 4),
               2021: (52, 38, 22, 3, 0), 2022: (48, 42, 9, 2, 4), 2023: (43, 38, 6, 0, 4), 2024: (72, 66, 11, 1, 5)}  # fmt: skip
SAMPLED = {2019, 2021, 2022, 2023, 2024}


def test_the_table_is_tidy_and_covers_every_year() -> None:
    columns = ["venue", "year", "measure", "count", "n", "share", "ci_low", "ci_high", "method"]
    assert list(ALL_TRENDS.columns) == columns
    assert not ALL_TRENDS.duplicated(["venue", "year", "measure"]).any()
    assert sorted(TRENDS["year"].unique()) == sorted(INDEPENDENT)
    assert not TRENDS.duplicated(["year", "measure"]).any()


@pytest.mark.parametrize("year", sorted(INDEPENDENT))
def test_framework_counts_equal_the_independent_count(year: int) -> None:
    rows = TRENDS[TRENDS["year"] == year].set_index("measure")
    n, *counts = INDEPENDENT[year]
    for framework, count in zip(FRAMEWORK_MODULES, counts, strict=True):
        assert (rows.loc[framework, "n"], rows.loc[framework, "count"]) == (n, count), framework
        assert rows.loc[framework, "method"] == ("sample" if year in SAMPLED else "exact")


@pytest.mark.parametrize("year", sorted(INDEPENDENT))
def test_n_is_the_repositories_with_python_in_the_records(year: int, shared_dir: Path) -> None:
    records = [
        json.loads(p.read_text()) for p in sorted((shared_dir / f"iclr{year}" / "repos").glob("*.json"))
    ]
    with_python = [
        r for r in records if any(path.endswith((".py", ".ipynb", ".pyx")) for path, _ in r["files"])
    ]
    assert TRENDS.query("year == @year and measure == 'pytorch'")["n"].item() == len(with_python)


def test_intervals_are_the_librarys_wilson_intervals_and_exact_years_have_none() -> None:
    for row in TRENDS[TRENDS["measure"].isin(FRAMEWORK_MODULES)].itertuples():
        if row.method == "sample":
            interval = binomtest(int(row.count), int(row.n)).proportion_ci(method="wilson")
            assert (row.ci_low, row.ci_high) == (round(interval.low, 3), round(interval.high, 3))
        else:
            assert row.ci_low == row.ci_high == row.share == round(row.count / row.n, 3)


def test_code_sharing_counts_papers_linking_github() -> None:
    sharing = TRENDS[TRENDS["measure"] == "code_sharing"].set_index("year")
    assert sharing.loc[2021, ["count", "n"]].tolist() == [430, 860]  # ../shared/links/README.md
    assert sharing.loc[2024, ["count", "n"]].tolist() == [1215, 2260]
    assert (sharing["method"] == "exact").all()


def test_readme_series_only_where_readmes_were_recorded(shared_dir: Path) -> None:
    years = set(TRENDS.loc[TRENDS["measure"] == "readme_declares_dependencies", "year"])
    recorded = {
        year
        for year in INDEPENDENT
        if any(
            "readmes" in json.loads(p.read_text())
            for p in (shared_dir / f"iclr{year}" / "repos").glob("*.json")
        )
    }
    assert recorded == SAMPLED | {2020}  # README texts were recorded for 2020 too, not (yet) for 2018
    assert years == recorded
