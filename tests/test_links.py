"""Code links: URLs in a paper's texts, classified and joined into GitHub (repository, ref, folder) targets."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from iclr_tools import links, papers


def test_2020_code_links_and_targets(papers_2020: list[dict], shared_dir: Path) -> None:
    assert sum(1 for paper in papers_2020 if links.extract_code_urls(paper)) == 335
    rows = links.extract_code_links(papers_2020)
    kinds = collections.Counter(link["kind"] for link in rows)
    assert kinds["github"] + kinds["github_user"] == 261
    assert kinds["github_user"] == 5
    targets = links.extract_code_targets(rows)
    assert len(targets) == 256
    # the same (paper, repository, folder) rows as the recorded code_links.json
    recorded = json.loads((shared_dir / "iclr2020" / "code_links.json").read_text())
    ours = {(lk["forum_id"], lk["repo"] or None, lk["subdir"] if lk["kind"] == "github" else None)
            for lk in rows if lk["kind"] in ("github", "github_user")}  # fmt: skip
    assert ours == {(row["forum"], row["repo"], row["subdir"]) for row in recorded}
    # every non-GitHub link is kept and classified
    assert kinds["google_drive"] > 0 and kinds["dropbox"] > 0 and kinds["anonymous"] > 0
    assert sum(kinds.values()) == sum(len(links.extract_code_urls(paper)) for paper in papers_2020)


LINKS = [
    ("https://github.com/owner/repo", ("github", "owner/repo", "", "")),
    ("http://www.github.com/owner/repo.git/", ("github", "owner/repo", "", "")),
    ("https://github.com/google-research/google-research/tree/master/cfq",
     ("github", "google-research/google-research", "master", "cfq")),
    ("https://github.com/tensorflow/addons/blob/master/tensorflow_addons/optimizers/lamb.py",
     ("github", "tensorflow/addons", "master", "tensorflow_addons/optimizers")),
    ("https://github.com/owner/repo?tab=readme#usage", ("github", "owner/repo", "", "")),
    ("https://github.com/deepsphere", ("github_user", "", "", "")),
    ("https://gitlab.com/a/b", ("gitlab", "", "", "")),
    ("https://bitbucket.org/a/b", ("bitbucket", "", "", "")),
    ("https://drive.google.com/open?id=1", ("google_drive", "", "", "")),
    ("https://www.dropbox.com/s/x/code.zip?dl=0", ("dropbox", "", "", "")),
    ("https://anonymous.4open.science/r/abc", ("anonymous", "", "", "")),
    ("https://people.example.edu/~me/code.html", ("other", "", "", "")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), LINKS)
def test_parse_code_link(url: str, expected: tuple) -> None:
    link = links.parse_code_link(url)
    assert (link["kind"], link["repo"], link["ref"], link["subdir"]) == expected


def test_extract_urls_from_free_text() -> None:
    text = ("Code: [here](https://github.com/a/b), also https://github.com/c/d; "
            "and www.github.com/e/f. See (https://gitlab.com/g/h).")  # fmt: skip
    assert links.extract_urls(text) == [
        "https://github.com/a/b", "https://github.com/c/d", "https://www.github.com/e/f", "https://gitlab.com/g/h",
    ]  # fmt: skip


def test_code_field_year_reads_only_the_code_field_and_other_years_read_code_hosts_in_texts() -> None:
    texts = {
        "code": "https://github.com/a/code",
        "abstract": "See https://github.com/b/abs and https://example.org/x.",
    }
    assert links.extract_code_urls({"code_field": True, "texts": texts}) == ["https://github.com/a/code"]
    assert links.extract_code_urls({"code_field": False, "texts": texts}) == ["https://github.com/b/abs"]
    note = {"id": "x", "content": {"title": "T", "abstract": "see github.com/a/b.", "TL;DR": "www.github.com/c/d"},
            "details": {"directReplies": [{"invitation": "ICLR.cc/2019/Conference/-/Meta_Review",
                                           "content": {"recommendation": "Accept (Poster)"}}]}}  # fmt: skip
    paper = papers.parse_paper(note, 2019)
    assert links.extract_code_urls(paper) == ["https://github.com/a/b", "https://www.github.com/c/d"]
