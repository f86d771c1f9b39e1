"""The ICLR 2020 dataset rebuilt offline from the recorded data, and the 2020 study reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from iclr_tools import cli, dataset

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "all_tools.csv"


@pytest.fixture(scope="module")
def rebuilt(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/all_tools.csv rebuilt by `make data`'s function into a temporary folder."""
    out = tmp_path_factory.mktemp("data") / "all_tools.csv"
    cli.run_data(2020, shared_dir / "iclr2020", out)
    return out


def test_rebuild_equals_the_committed_csv(rebuilt: Path) -> None:
    assert COMMITTED.is_file(), "data/all_tools.csv is not committed: run `make data`"
    assert rebuilt.read_bytes() == COMMITTED.read_bytes(), "the committed CSV is stale: run `make data`"


def test_rebuild_is_reproducible(rebuilt: Path, shared_dir: Path, tmp_path: Path) -> None:
    again = cli.run_data(2020, shared_dir / "iclr2020", tmp_path / "again.csv")
    assert len(again) > 0 and (tmp_path / "again.csv").read_bytes() == rebuilt.read_bytes()


def test_every_paper_and_target_is_accounted_for(rebuilt: Path, shared_dir: Path) -> None:
    frame = dataset.read_dataset(rebuilt)
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


def test_study_columns_still_work_with_the_study_method(rebuilt: Path) -> None:
    frame = pd.read_csv(rebuilt, keep_default_na=False)
    ok = frame[frame["status"] == "ok"]
    assert (ok["all_repo_names"] == ok["repo"].str.split("/").str[1]).all()
    assert ok["all_tool_names"].str.contains("torch").sum() >= 166


def test_make_data_without_shared_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="live"):
        cli.run_data(2020, tmp_path / "absent", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
