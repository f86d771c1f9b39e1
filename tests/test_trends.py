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
# counted from the records (each first-day record with code, else its repos_later read with code) by a reviewer's
# script of its own (issue 26); the first-day counts before it were 2019 (53, 25, 26, 7, 1), 2020 (244, 166, ...),
# 2021 (52, 38, 22, 3, 0), 2022 (48, 42, ...), 2023 (43, 38, ...), 2024 (72, 66, 11, 1, 5); 2018 has no later reads.
INDEPENDENT = {2018: (131, 47, 76, 17, 0), 2019: (55, 25, 28, 8, 1), 2020: (245, 167, 99, 21, 4),
               2021: (55, 38, 24, 4, 0), 2022: (50, 44, 9, 2, 4), 2023: (50, 45, 6, 0, 4), 2024: (74, 68, 11, 1, 5)}  # fmt: skip
SAMPLED = {2019, 2021, 2022, 2023, 2024}
FIRST_DAY_ONLY = {2018}  # no repos_later recorded: its method says so (exact_first_day)
VENUE_YEARS = [*((f"iclr{year}") for year in sorted(INDEPENDENT)), "neurips2020", "neurips2021", "neurips2023",
               "icml2019", "icml2021", "icml2023"]  # fmt: skip
CODE = (".py", ".ipynb", ".pyx")


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
        method = "sample" if year in SAMPLED else "exact"
        assert rows.loc[framework, "method"] == method + ("_first_day" if year in FIRST_DAY_ONLY else "")


@pytest.mark.parametrize("year", sorted(INDEPENDENT))
def test_n_is_the_repositories_with_python_in_the_records(year: int, shared_dir: Path) -> None:
    records = [
        json.loads(p.read_text()) for p in sorted((shared_dir / f"iclr{year}" / "repos").glob("*.json"))
    ]
    with_python = [r for r in records if holds_code(r)]
    later = [p for p in (shared_dir / f"iclr{year}" / "repos_later").glob("*.json") if p.name != "none.json"]
    assert all(holds_code(json.loads(p.read_text())) for p in later)
    assert TRENDS.query("year == @year and measure == 'pytorch:first_day'")["n"].item() == len(with_python)
    assert TRENDS.query("year == @year and measure == 'pytorch'")["n"].item() == len(with_python) + len(later)


def holds_code(record: dict) -> bool:
    """Whether a recorded repository holds a .py, .ipynb or .pyx file."""
    return any(path.endswith(CODE) for path, _ in record["files"])


def imports_framework(record: dict, module: str) -> bool:
    """Whether any file imports `module` (or a submodule) at top level, unless the repository is that package
    itself (`module.py` or `module/__init__.py` at its root, as a fork of PyTorch holds `torch/`)."""
    root = {path for path, _ in record["files"]}
    if f"{module}.py" in root or f"{module}/__init__.py" in root:
        return False
    found = (record.get("imports") or {}).values()
    return any(
        not name.startswith(".") and name.split(".")[0] == module for names in found for name in names or []
    )


def recount_with_the_rule(folder: Path) -> tuple[list[dict], list[dict]]:
    """(read under the rule, read on the first day): each first-day record with code, else its later read with
    code (repos_later/), straight from the recorded files."""
    first_day, rule = [], []
    for path in sorted((folder / "repos").glob("*.json")):
        record = json.loads(path.read_text())
        later = folder / "repos_later" / path.name
        if holds_code(record):
            first_day.append(record)
            rule.append(record)
        elif later.is_file() and holds_code(json.loads(later.read_text())):
            rule.append(json.loads(later.read_text()))
    return rule, first_day


@pytest.mark.parametrize("name", VENUE_YEARS)
def test_frameworks_recounted_from_the_records_with_the_rule_equal_the_trends(
    name: str, shared_dir: Path
) -> None:
    """Issue 26: the trends count each repository at the first commit with code (first day, else within a year)."""
    rule, first_day = recount_with_the_rule(shared_dir / name)
    venue, year = name[:-4], int(name[-4:])
    rows = ALL_TRENDS[(ALL_TRENDS["venue"] == venue) & (ALL_TRENDS["year"] == year)].set_index("measure")
    for framework, module in FRAMEWORK_MODULES.items():
        for measure, records in ((framework, rule), (f"{framework}:first_day", first_day)):
            count = sum(imports_framework(record, module) for record in records)
            assert (rows.loc[measure, "count"], rows.loc[measure, "n"]) == (count, len(records)), measure
    assert (rows.loc["read_later", "count"], rows.loc["read_later", "n"]) == (
        len(rule) - len(first_day),
        len(rule),
    )
    first_day_only = not (shared_dir / name / "repos_later").is_dir()
    assert (
        first_day_only == (name == "iclr2018")
        and rows.loc["pytorch", "method"].endswith("_first_day") == first_day_only
    )


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


def test_the_summary_of_later_reads_equals_the_recorded_days(shared_dir: Path) -> None:
    from iclr_tools import trends, years

    frames = {("iclr", year): frame for year, frame in years.read_all_years().items()}
    frames.update(years.read_all_venue_samples())
    summary = trends.summarize_later_reads(ALL_TRENDS, frames).set_index(["venue", "year"])
    assert len(summary) == len(VENUE_YEARS)
    for name in VENUE_YEARS:
        key = (name[:-4], int(name[-4:]))
        later = [json.loads(p.read_text()) for p in (shared_dir / name / "repos_later").glob("*.json")]
        days = sorted(record["days_after"] for record in later if isinstance(record, dict))
        row = summary.loc[key]
        assert row["read_later"] == len(days), name
        if days:
            middle = len(days) // 2
            median = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
            assert row["median_days"] == median, name
        rule, first_day = recount_with_the_rule(shared_dir / name)
        assert (row["repositories"], row["first_day"]) == (len(rule), len(first_day))
        shares = [
            round(sum(imports_framework(r, "torch") for r in group) / len(group), 3)
            for group in (rule, first_day)
        ]
        assert [row["pytorch"], row["pytorch_first_day"]] == shares, name
        assert row["rule"] == ("first day only" if name == "iclr2018" else "code released later")
    assert summary.loc[("iclr", 2023), "read_later"] == 7 and summary.loc[("iclr", 2023), "median_days"] == 95
