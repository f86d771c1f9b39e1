"""The trend across years, checked against counts made straight from the recorded records."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest

from iclr_tools import dataset, trends

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
    columns = ["venue", "year", "measure", "count", "n", "share", "ci_low", "ci_high", "method", "universe"]
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
    """Whether any file imports `module` (or a submodule) at top level, unless a file `module.py` at the root
    answers it; a fork or vendored copy of the framework (a `torch/` package at the root, as snuspl/nimble holds)
    is that framework (issue 27)."""
    if f"{module}.py" in {path for path, _ in record["files"]}:
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
            if rows.loc[measure, "method"] == "sample" and records:  # the interval, recomputed with scipy
                interval = binomtest(count, len(records)).proportion_ci(method="wilson")
                expected = (round(interval.low, 3), round(interval.high, 3))
                assert (rows.loc[measure, "ci_low"], rows.loc[measure, "ci_high"]) == expected, measure
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


CHECKLIST = [
    "has_dependencies",
    "has_training_code",
    "has_evaluation_code",
    "has_pretrained_models",
    "has_results",
]
ACCURACY = pd.read_csv(ROOT / "data" / "checklist_accuracy.csv")


def rogan_gladen(count: int, n: int, item: str) -> float | None:
    """The corrected share recomputed here from the held-out counts: clipped, None below J = 0.1."""
    tp, fp, fn, tn = ACCURACY.query("item == @item and split == 'holdout'")[["tp", "fp", "fn", "tn"]].iloc[0]
    sensitivity, specificity = tp / (tp + fn), tn / (tn + fp)
    if sensitivity + specificity - 1 < 0.1:
        return None
    return round(min(1.0, max(0.0, (count / n + specificity - 1) / (sensitivity + specificity - 1))), 3)


def test_iclr_2020_has_each_corrected_checklist_share_with_its_interval() -> None:
    rows = TRENDS[TRENDS["year"] == 2020].set_index("measure")
    for item in CHECKLIST:
        raw, corrected = rows.loc[item], rows.loc[f"{item}:corrected"]
        assert (corrected["count"], corrected["n"]) == (raw["count"], raw["n"]), item  # the raw count kept
        if corrected["method"] == "not correctable":
            assert pd.isna(corrected[["share", "ci_low", "ci_high"]]).all(), item
        else:
            assert corrected["method"] == "rogan-gladen"
            assert corrected["ci_low"] <= corrected["share"] <= corrected["ci_high"], item
            assert 0 <= corrected["ci_low"] and corrected["ci_high"] <= 1, item


def test_every_raw_checklist_row_has_its_corrected_row_recomputed_from_the_held_out_counts() -> None:
    raw = ALL_TRENDS[ALL_TRENDS["measure"].isin(CHECKLIST)]
    corrected = ALL_TRENDS[ALL_TRENDS["measure"].str.endswith(":corrected")]
    assert len(raw) == len(corrected) == 5 * 12  # ICLR 2019-2024, three NeurIPS and three ICML samples
    for row in raw.itertuples():
        match = corrected[(corrected["venue"] == row.venue) & (corrected["year"] == row.year)
                          & (corrected["measure"] == f"{row.measure}:corrected")]  # fmt: skip
        expected = rogan_gladen(row.count, row.n, row.measure)
        found = match["share"].item()
        assert (None if pd.isna(found) else found) == expected, (row.venue, row.year, row.measure)


def test_the_correction_table_for_a_notebook() -> None:
    from iclr_tools.trends import compare_corrected_checklist

    table = compare_corrected_checklist(ALL_TRENDS, ACCURACY, 2020).set_index("item")
    assert len(table) == 5
    evaluation = table.loc["evaluation code"]
    counts = ACCURACY.query("item == 'has_evaluation_code' and split == 'holdout'").iloc[0]
    assert evaluation["positives"] + evaluation["negatives"] == 47  # the held-out repositories
    assert evaluation["sensitivity"] == round(counts["tp"] / (counts["tp"] + counts["fn"]), 3)
    assert evaluation["specificity"] == round(counts["tn"] / (counts["tn"] + counts["fp"]), 3)
    raw = TRENDS.query("year == 2020 and measure == 'has_evaluation_code'").iloc[0]
    assert (evaluation["count"], evaluation["n"], evaluation["raw_share"]) == (
        raw["count"],
        raw["n"],
        raw["share"],
    )
    assert table["corrected"].str.fullmatch(r"\d+%, \d+%-\d+%|unbounded, 0%-100%|not correctable").all()
    assert compare_corrected_checklist(ALL_TRENDS, ACCURACY, 2018).empty  # no README texts, no checklist


def test_rules_that_cannot_be_corrected_give_no_share() -> None:
    from iclr_tools.trends import add_corrected_checklist

    raw = TRENDS.query("year == 2020 and measure in @CHECKLIST").assign(venue="iclr")
    weak = ACCURACY.copy()
    chance = (weak["item"] == "has_results") & (weak["split"] == "holdout")
    weak.loc[chance, ["tp", "fp", "fn", "tn"]] = [5, 5, 5, 5]  # Se = Sp = 0.5: J = 0
    table = add_corrected_checklist(raw[ALL_TRENDS.columns], weak).set_index("measure")
    assert table.loc["has_results:corrected", "method"] == "not correctable"
    assert pd.isna(table.loc["has_results:corrected", "share"])
    assert table.loc["has_results", "share"] == raw.set_index("measure").loc["has_results", "share"]


def test_framework_measures_of_a_year_counted_by_hand() -> None:
    imports = {"o/a": ["pytorch", "tensorflow"], "o/b": ["tensorflow"], "o/c": ["pytorch", "jax"], "o/d": [],
               "o/e": ["mxnet"]}  # fmt: skip
    rows = [{"forum_id": repo, "link_kind": "github", "repo": repo, "status": "ok", "frameworks": frameworks}
            for repo, frameworks in imports.items()]  # fmt: skip
    frame = dataset.make_dataset(rows)
    facts = {"method": "exact", "papers_with_github_link": 5, "accepted_papers": 10}
    measures = pd.DataFrame(trends.count_year_measures(2020, frame, facts, [])).set_index("measure")
    # o/a, o/c import PyTorch; o/a, o/b TensorFlow; o/c JAX; o/a both; o/d none (o/e imports MXNet only)
    expected = {"pytorch": (2, 5), "tensorflow": (2, 5), "keras": (0, 5), "jax": (1, 5),
                "pytorch_and_tensorflow": (1, 5), "none": (1, 5),
                "pytorch_share_of_pytorch_or_tensorflow": (2, 3), "code_sharing": (5, 10)}  # fmt: skip
    assert {measure: tuple(measures.loc[measure, ["count", "n"]]) for measure in expected} == expected


def test_code_sharing_on_one_method_for_every_venue_beside_iclrs_own_sources() -> None:
    """`code_sharing_pdf_quotes` is the PDF-quote method for the three venues; ICLR's `code_sharing` (its own
    sources) stays a second, differently named series, and NeurIPS's and ICML's `code_sharing` is the same method."""
    one = ALL_TRENDS[ALL_TRENDS["measure"] == "code_sharing_pdf_quotes"]
    own = ALL_TRENDS[ALL_TRENDS["measure"] == "code_sharing"]
    assert sorted(map(tuple, one[["venue", "year"]].values.tolist())) == sorted(
        map(tuple, own[["venue", "year"]].values.tolist())
    )  # every venue-year with a sharing rate has one on the PDF-quote method too
    pairs = one.merge(own, on=["venue", "year"], suffixes=("_pdf", "_own"))
    others = pairs[pairs["venue"] != "iclr"]
    assert (others["count_pdf"] == others["count_own"]).all() and (others["n_pdf"] == others["n_own"]).all()
    iclr = pairs[pairs["venue"] == "iclr"].set_index("year")
    assert iclr.loc[2021, ["count_own", "n_own"]].tolist() == [430, 860]  # ../shared/links/README.md
    assert iclr.loc[2020, "share_pdf"] == 0.36 and iclr.loc[2021, "share_pdf"] == 0.416  # the issue: 36%, 42%
    assert (one["method"] == "exact").all() and (one["ci_low"] == one["share"]).all()


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


def test_each_measure_has_one_universe_named_on_every_row() -> None:
    """Issue 29: one denominator per measure, named in the table."""
    assert (ALL_TRENDS["universe"].fillna("") != "").all()
    base = (
        ALL_TRENDS["universe"].str.split(trends.LISTED_NOTE, regex=False).str[0]
    )  # a row's note on its n apart
    per_measure = base.groupby(ALL_TRENDS["measure"]).nunique()
    assert (per_measure == 1).all(), per_measure[per_measure > 1]
    universe = ALL_TRENDS.drop_duplicates("measure").set_index("measure")["universe"]
    assert universe["has_training_code"] == universe["has_training_code:corrected"]
    assert universe["pytorch"] == "repositories with Python code"
    assert universe["code_sharing"] == "accepted papers"
    with pytest.raises(ValueError, match="trends.UNIVERSES"):
        trends.name_universe("stars")


@pytest.mark.parametrize("year", [2019, 2020, 2024])
def test_the_checklist_counts_every_read_repository_with_readme_texts_as_notebook_02(year: int) -> None:
    """Issue 29: the checklist's count and n in trends.csv are notebook 02's and the README's: every repository read
    (Python or not), with README texts; counted here straight from the dataset's rows."""
    from iclr_tools import years

    frame = years.read_year_dataset(year)
    repos = frame[frame["repo"] != ""].drop_duplicates(["repo", "subdir"])
    read = repos[repos["status"].isin(["ok", "no_python", "later_unknown"]) & repos["readmes_known"].eq(True)]
    rows = TRENDS[TRENDS["year"] == year].set_index("measure")
    for item in CHECKLIST:
        assert (rows.loc[item, "count"], rows.loc[item, "n"]) == (
            int(read[item].eq(True).sum()),
            len(read),
        ), item
    if year == 2020:  # the README's "training code 217 (89%)" over 245
        assert (rows.loc["has_training_code", "count"], rows.loc["has_training_code", "n"]) == (217, 245)


@pytest.mark.parametrize("name", ["iclr2018", "iclr2020", "iclr2022", "neurips2023"])
def test_the_matched_pytorch_share_drops_repositories_importing_both(name: str, shared_dir: Path) -> None:
    """Issue 29: PyTorch only / (PyTorch only + TensorFlow only), as "The State of ML Frameworks" counts PDFs,
    recounted from the records with the rule."""
    rule, _ = recount_with_the_rule(shared_dir / name)
    pytorch = [imports_framework(r, "torch") for r in rule]
    tensorflow = [imports_framework(r, "tensorflow") for r in rule]
    only = sum(p and not t for p, t in zip(pytorch, tensorflow, strict=True))
    one = sum(p != t for p, t in zip(pytorch, tensorflow, strict=True))
    venue, year = name[:-4], int(name[-4:])
    matched = ALL_TRENDS["measure"] == "pytorch_only_share_of_one_framework"
    row = ALL_TRENDS[matched & (ALL_TRENDS["venue"] == venue) & (ALL_TRENDS["year"] == year)]
    assert (row["count"].item(), row["n"].item()) == (only, one)
    assert row["universe"].item() == "repositories importing exactly one of PyTorch and TensorFlow"
    if row["method"].item() == "sample":
        interval = binomtest(only, one).proportion_ci(method="wilson")
        assert (row["ci_low"].item(), row["ci_high"].item()) == (
            round(interval.low, 3),
            round(interval.high, 3),
        )


def test_the_tool_table_carries_each_sampled_cells_interval() -> None:
    table = trends.rank_tools(TRENDS.assign(venue="iclr"))
    assert table.attrs["sampled"] == sorted(SAMPLED)
    torch = TRENDS.query("year == 2024 and measure == 'tool:torch'").iloc[0]
    interval = binomtest(int(torch["count"]), int(torch["n"])).proportion_ci(method="wilson")
    assert (table.attrs["ci_low"][2024]["torch"], table.attrs["ci_high"][2024]["torch"]) == (
        round(interval.low, 3),
        round(interval.high, 3),
    )
