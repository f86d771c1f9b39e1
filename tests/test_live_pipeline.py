"""The whole live pipeline (OpenReview API v2 -> GitHub -> dataset) against local fakes of both services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes.github_server import FakeGitHub
from fakes.openreview_server import FakeOpenReview
from iclr_tools import dataset

pytestmark = [pytest.mark.timeout(180), pytest.mark.usefixtures("openreview_login")]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPOS = {
    "vision-lab-fake/sparse-prompting": {
        "files": {
            "train.py": b"import torch\nimport numpy as np\nfrom models import vit\n",
            "models/vit.py": b"import torch.nn as nn\nimport timm\n",
            "requirements.txt": b"torch>=1.13\nnumpy\n",
            "weights.bin": b"\x00" * 200_000,
        }
    },
    "fake-nlp-group/tiny-retriever": {
        "files": {
            "retrieve.py": b"import jax\nimport flax.linen as nn\n",
            "README.md": b"pip install jax flax\n",
        }
    },
    "fake-research/monorepo": {
        "files": {
            "projects/flow_matching/fm.py": b"import tensorflow as tf\n",
            "projects/other/x.py": b"import torch\n",
        }
    },
}


@pytest.mark.parametrize("method", ["clone", "archive"])
def test_live_run_for_2024_and_a_rerun_that_fetches_nothing(method: str, tmp_path: Path) -> None:
    notes = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())
    with FakeOpenReview(notes_v2=notes) as openreview, FakeGitHub(REPOS) as github:
        options = {
            "cache_dir": tmp_path / "cache", "workers": 4, "method": method, "openreview_url": openreview.url,
            "archive_url": github.base_url, "git_url": github.base_url,
        }  # fmt: skip
        frame = dataset.create_dataset(2024, "live", out=tmp_path / "all_tools.csv", **options)
        requests_first = (len(openreview.requests), github.count())
        again = dataset.create_dataset(2024, "live", out=tmp_path / "again.csv", **options)
        assert (len(openreview.requests), github.count()) == requests_first  # nothing fetched again
    assert (tmp_path / "all_tools.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert frame.equals(again)
    assert frame["forum_id"].nunique() == 6 and set(frame["track"]) == {"Poster", "Spotlight", "Talk"}
    ok = frame[frame["status"] == "ok"].set_index("repo")
    assert ok.loc["vision-lab-fake/sparse-prompting", "frameworks"] == "pytorch"
    assert ok.loc["vision-lab-fake/sparse-prompting", "imported_tools"] == "numpy;timm;torch"
    assert ok.loc["vision-lab-fake/sparse-prompting", "declared_tools"] == "numpy;torch"
    assert ok.loc["fake-nlp-group/tiny-retriever", "frameworks"] == "jax"
    assert ok.loc["fake-nlp-group/tiny-retriever", "declared_tools"] == "flax;jax"
    mono = ok.loc["fake-research/monorepo"]
    assert (
        mono["subdir"] == "projects/flow_matching" and mono["frameworks"] == "tensorflow"
    )  # only its folder
    assert (ok["commit"].str.len() == 40).all()
    assert set(frame["status"]) == {"ok", "no_code", "not_github"}


def test_failed_repositories_are_retried_by_a_rerun_and_only_they(tmp_path: Path) -> None:
    notes = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())
    with FakeOpenReview(notes_v2=notes) as openreview, FakeGitHub(REPOS) as github:
        github.set_faults("fake-nlp-group/tiny-retriever", [], kind="archive", sticky="503")
        options = {
            "cache_dir": tmp_path / "cache", "workers": 2, "method": "archive", "openreview_url": openreview.url,
            "archive_url": github.base_url, "git_url": github.base_url,
        }  # fmt: skip
        first = dataset.create_dataset(2024, "live", **options)
        failed = first[first["repo"] == "fake-nlp-group/tiny-retriever"].iloc[0]
        assert failed["status"] in ("rate_limited", "http_error") and failed["reason"]
        github.set_faults("fake-nlp-group/tiny-retriever", [], kind="archive", sticky=None)
        github.reset_log()
        leftovers = [
            tmp_path / "cache" / "work" / "clone-killed",
            tmp_path / "cache" / "raw" / "refs" / ".x.json.1.tmp",
            tmp_path / "cache" / "facts" / "o__r" / ".x.json.2.tmp",
        ]
        leftovers[0].mkdir(parents=True)
        leftovers[2].parent.mkdir(parents=True)
        leftovers[2].write_text('{"half": ')
        leftovers[1].write_text('{"half": ')  # what a killed run leaves behind
        second = dataset.create_dataset(2024, "live", **options)
        assert github.count() == 1  # only the repository that failed
        assert not any(path.exists() for path in leftovers)
    assert second.set_index("repo").loc["fake-nlp-group/tiny-retriever", "status"] == "ok"


def make_v2_note(forum: str, url: str) -> dict:
    """An accepted ICLR 2024 paper (API v2 shape) whose abstract names `url`."""
    values = {"title": f"Paper {forum}", "abstract": f"Our code: {url}", "venue": "ICLR 2024 poster",
              "venueid": "ICLR.cc/2024/Conference", "authorids": ["~Some_One1"]}  # fmt: skip
    return {"id": forum, "forum": forum, "content": {key: {"value": value} for key, value in values.items()}}


@pytest.mark.parametrize("method", ["archive", "clone"])
def test_renamed_repositories_are_followed_and_letter_case_is_one_target(method: str, tmp_path: Path) -> None:
    notes = [make_v2_note("p1", "https://github.com/Old-Lab/old-name"),  # renamed since the paper
             make_v2_note("p2", "https://github.com/Fake-NLP-Group/Tiny-Retriever"),
             make_v2_note("p3", "https://github.com/fake-nlp-group/tiny-retriever")]  # fmt: skip
    renames = {"Old-Lab/old-name": "vision-lab-fake/sparse-prompting"}
    with FakeOpenReview(notes_v2=notes) as openreview, FakeGitHub(REPOS, renames=renames) as github:
        frame = dataset.create_dataset(2024, "live", cache_dir=tmp_path, workers=2, method=method,
                                       openreview_url=openreview.url, archive_url=github.base_url,
                                       git_url=github.base_url)  # fmt: skip
        asked = [record.path for record in github.log]
    rows = frame.set_index("forum_id")
    assert list(rows["status"]) == ["ok", "ok", "ok"]
    assert rows.loc["p1", "frameworks"] == "pytorch" and rows.loc["p1", "repo"] == "Old-Lab/old-name"
    assert rows.loc["p3", "repo"] == "Fake-NLP-Group/Tiny-Retriever"  # the first spelling is kept
    assert rows.loc["p2", "frameworks"] == rows.loc["p3", "frameworks"] == "jax"
    assert any(path.startswith("/Old-Lab/old-name") for path in asked)  # asked by the old name, then moved
    retriever = [path for path in asked if path.lower().startswith("/fake-nlp-group/tiny-retriever")]
    assert retriever and all(
        path.startswith("/Fake-NLP-Group/Tiny-Retriever") for path in retriever
    )  # one target
