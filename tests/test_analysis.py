"""Counts over the ICLR 2020 dataset rebuilt from the recorded snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from iclr_tools import analysis, dataset, study


@pytest.fixture(scope="module")
def frame_2020(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The ICLR 2020 dataset built from the recorded snapshot (offline)."""
    return dataset.create_dataset(2020, shared_dir / "iclr2020", cache_dir=tmp_path_factory.mktemp("cache"))


def test_counts_on_the_dataset(frame_2020: pd.DataFrame) -> None:
    frame = frame_2020
    funnel = analysis.count_funnel(frame).set_index("step")["papers"]
    assert funnel["accepted papers"] == 687 and funnel["with a code link"] == 335
    assert funnel.is_monotonic_decreasing
    frameworks = analysis.count_frameworks(frame).set_index("framework")["count"]
    assert frameworks["pytorch"] > frameworks["tensorflow"] > frameworks["keras"] > 0
    comparison = study.count_study_comparison(frame)
    assert list(comparison["study_published"][:4]) == [237, 154, 95, 23]


def tiny_frame() -> pd.DataFrame:
    """Four papers by hand: two readable repositories, one gone, one paper without code."""
    rows = [
        {"forum_id": "p1", "code_url": "https://github.com/o/a", "link_kind": "github", "repo": "o/a",
         "status": "ok", "frameworks": ["pytorch", "tensorflow"], "imported_tools": ["numpy", "tensorflow", "torch"],
         "declared_tools": ["torch"], "undeclared_imports": ["numpy", "tensorflow"], "declares_dependencies": True},
        {"forum_id": "p2", "code_url": "https://github.com/o/b", "link_kind": "github", "repo": "o/b",
         "status": "ok", "frameworks": ["pytorch"], "imported_tools": ["torch"], "declared_tools": [],
         "undeclared_imports": [], "declares_dependencies": False},
        {"forum_id": "p3", "code_url": "https://github.com/o/gone", "link_kind": "github", "repo": "o/gone",
         "status": "missing", "reason": "HTTP 404"},
        {"forum_id": "p4", "status": "no_code", "reason": "the paper gives no code link"},
    ]  # fmt: skip
    return dataset.make_dataset(rows)


def test_funnel_frameworks_and_tools_on_a_frame_counted_by_hand() -> None:
    frame = tiny_frame()
    funnel = analysis.count_funnel(frame).set_index("step")["papers"].tolist()
    assert funnel == [4, 3, 3, 2, 2]
    frameworks = analysis.count_frameworks(frame).set_index("framework")
    assert frameworks.loc["pytorch", "count"] == 2 and frameworks.loc["pytorch", "share"] == 1.0
    assert frameworks.loc["tensorflow", "count"] == 1 and frameworks.loc["tensorflow", "share"] == 0.5
    assert (
        frameworks.loc["pytorch and tensorflow", "count"] == 1
        and frameworks.loc["none of these", "count"] == 0
    )
    assert analysis.count_tools(frame).to_dict() == {"torch": 2, "numpy": 1, "tensorflow": 1}
    declared = analysis.count_declared_vs_imported(frame)
    assert (
        declared["declare_any"],
        declared["import_undeclared"],
        declared["import_undeclared_framework"],
    ) == (1, 1, 1)
    failed = analysis.extract_failed_targets(frame)
    assert failed["repo"].tolist() == ["o/gone"] and failed["status"].tolist() == ["missing"]


def checklist_row(forum: str, repo: str, status: str, known: bool, items: tuple, subdir: str = "") -> dict:
    """A dataset row with its README texts known or not and the five checklist items in order."""
    columns = [
        "has_dependencies",
        "has_training_code",
        "has_evaluation_code",
        "has_pretrained_models",
        "has_results",
    ]
    return {"forum_id": forum, "code_url": f"https://github.com/{repo}", "link_kind": "github", "repo": repo,
            "subdir": subdir, "status": status, "readmes_known": known, **dict(zip(columns, items, strict=True))}  # fmt: skip


def test_checklist_counts_repositories_with_readme_texts_and_names_the_others(tmp_path: Path) -> None:
    rows = [checklist_row("p1", "o/a", "ok", True, (True, True, False, False, True)),
            checklist_row("p2", "o/b", "no_python", True, (False, False, True, False, False)),  # no Python: counted
            checklist_row("p3", "o/c", "ok", False, (None, True, None, None, None)),
            checklist_row("p4", "o/d", "ok", False, (True, True, True, None, None), subdir="sub"),
            {"forum_id": "p5", "code_url": "https://github.com/o/gone", "link_kind": "github", "repo": "o/gone",
             "status": "missing", "reason": "HTTP 404"}]  # fmt: skip
    frame = dataset.read_dataset(dataset.write_dataset(dataset.make_dataset(rows), tmp_path / "d.csv"))
    table = analysis.count_checklist(frame).set_index("item")
    assert table["n"].tolist() == [2] * 5 and table["unknown"].tolist() == [0] * 5
    assert table["yes"].tolist() == [1, 1, 1, 0, 1] and table["no"].tolist() == [1, 1, 1, 2, 1]
    assert analysis.list_without_readmes(frame) == ["o/c", "o/d/sub"]
    text = analysis.describe_checklist(analysis.count_checklist(frame), analysis.list_without_readmes(frame))
    assert (
        text.startswith("Of 2 repositories: dependencies specified 1 (50%)")
        and "2 repositories (o/c, o/d/sub)" in text
    )
    none_known = frame[
        frame["readmes_known"].ne(True)
    ]  # a year without README texts: every repository, ranges
    table = analysis.count_checklist(none_known).set_index("item")
    assert table.loc["training code", ["yes", "unknown", "n"]].tolist() == [2, 0, 2]
    assert table.loc["pre-trained models", ["yes", "unknown", "at_most"]].tolist() == [0, 2, 1.0]
    assert analysis.list_without_readmes(none_known) == []


def test_the_late_repositories_as_a_group_are_the_recorded_later_reads(shared_dir: Path) -> None:
    from iclr_tools import years

    for year in (2018, 2023):
        group = analysis.select_later_reads(years.read_year_dataset(year))
        folder = shared_dir / f"iclr{year}" / "repos_later"
        recorded = [json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "none.json"]
        expected = sorted((r["days_after"], r["repo"]) for r in recorded)  # none for 2018: no folder
        assert list(zip(group["days_after_conference"], group["repo"], strict=True)) == expected
        assert group["read_at"].str.startswith("the first commit with code, ").all()
