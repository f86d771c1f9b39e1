"""The ICLR 2020 dataset rebuilt offline from the recorded data, and the 2020 study reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import iclr_helpers as ih

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "all_tools.csv"


@pytest.fixture(scope="module")
def rebuilt(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/all_tools.csv rebuilt by `make data`'s function into a temporary folder."""
    out = tmp_path_factory.mktemp("data") / "all_tools.csv"
    ih.run_data(2020, shared_dir / "iclr2020", out)
    return out


def test_rebuild_equals_the_committed_csv(rebuilt: Path) -> None:
    assert COMMITTED.is_file(), "data/all_tools.csv is not committed: run `make data`"
    assert rebuilt.read_bytes() == COMMITTED.read_bytes(), "the committed CSV is stale: run `make data`"


def test_rebuild_is_reproducible(rebuilt: Path, shared_dir: Path, tmp_path: Path) -> None:
    again = ih.run_data(2020, shared_dir / "iclr2020", tmp_path / "again.csv")
    assert len(again) > 0 and (tmp_path / "again.csv").read_bytes() == rebuilt.read_bytes()


def test_every_paper_and_target_is_accounted_for(rebuilt: Path, shared_dir: Path) -> None:
    frame = ih.read_dataset(rebuilt)
    assert frame["forum_id"].nunique() == 687
    targets = frame[frame["repo"] != ""].drop_duplicates(["repo", "ref", "subdir"])
    assert len(targets) == 256
    assert set(targets["status"]) <= {"ok", "no_python", "missing"}
    assert (targets["status"] == "missing").sum() == 4
    missing = {
        row["repo"] for row in json.loads((shared_dir / "iclr2020" / "repos_missing.json").read_text())
    }
    assert set(targets.loc[targets["status"] == "missing", "repo"]) == missing
    assert (frame["status"] == "user_link").sum() == 5
    assert (frame["status"] == "no_code").sum() == 687 - 335
    assert set(frame.columns) >= {"forum_id", "title", "decision", "code_url", "repo", "subdir", "commit", "status",
                                  "frameworks", "declared_tools", "imported_tools", "all_repo_names",
                                  "all_tool_names", "keywords", "author_domains"}  # fmt: skip
    ok = frame[frame["status"] == "ok"]
    assert ((ok["commit"].str.len() == 40) | ok["reason"].str.startswith("partial record, no commit")).all()
    assert (ok["commit"] == "").sum() == 5  # the five records built from stored single files


def test_frameworks_equal_what_the_code_imports(rebuilt: Path, shared_dir: Path) -> None:
    """For every ok row, `frameworks` is exactly the frameworks among the record's non-relative imports."""
    frame = ih.read_dataset(rebuilt)
    ok = frame[frame["status"] == "ok"].drop_duplicates(["repo", "subdir"])
    assert len(ok) == 244
    for row in ok.itertuples():
        name = ih.target_key(row.repo, row.subdir)
        record = json.loads((shared_dir / "iclr2020" / "repos" / f"{name}.json").read_text())
        tops = {m.split(".")[0] for mods in record["imports"].values() for m in mods if not m.startswith(".")}
        own = ih.extract_own_modules(record)
        expected = [
            fw for fw in ih.FRAMEWORKS if any(ih.FRAMEWORK_BY_MODULE.get(t) == fw for t in tops - own)
        ]
        assert ih.split_list(row.frameworks) == expected, row.repo
        assert set(ih.split_list(row.frameworks)) <= set(ih.FRAMEWORKS)


def test_study_columns_still_work_with_the_study_method(rebuilt: Path) -> None:
    frame = pd.read_csv(rebuilt, keep_default_na=False)
    ok = frame[frame["status"] == "ok"]
    assert (ok["all_repo_names"] == ok["repo"].str.split("/").str[1]).all()
    assert ok["all_tool_names"].str.contains("torch").sum() >= 166


def test_reproduce_the_2020_study(shared_dir: Path) -> None:
    reproduced = ih.reproduce_study(shared_dir / "reference" / "article_all_tools.csv")
    assert reproduced["repositories_parsed"] == ih.STUDY_2020["repositories_parsed"] == 237
    assert reproduced["pytorch"] == ih.STUDY_2020["pytorch"] == 154
    assert reproduced["tensorflow_counted"] == 83
    assert reproduced["tensorflow"] == ih.STUDY_2020["tensorflow"] == 95
    assert reproduced["keras"] == ih.STUDY_2020["keras"] == 23
    assert reproduced["unique_tools"] == ih.STUDY_2020["unique_tools"] == 687
    assert reproduced["unique_real_tools"] == 686
    assert reproduced["empty_rows"] == 13


def test_counts_on_the_dataset(rebuilt: Path) -> None:
    frame = ih.read_dataset(rebuilt)
    funnel = ih.count_funnel(frame).set_index("step")["papers"]
    assert funnel["accepted papers"] == 687 and funnel["with a code link"] == 335
    assert funnel.is_monotonic_decreasing
    frameworks = ih.count_frameworks(frame).set_index("framework")["count"]
    assert frameworks["pytorch"] > frameworks["tensorflow"] > frameworks["keras"] > 0
    comparison = ih.count_study_comparison(frame)
    assert list(comparison["study_published"][:4]) == [237, 154, 95, 23]


def test_make_data_without_shared_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="live"):
        ih.run_data(2020, tmp_path / "absent", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
