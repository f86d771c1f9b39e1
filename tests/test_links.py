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


@pytest.mark.parametrize(
    ("found", "cleaned"),
    [
        ("github.com/a/b).", "https://github.com/a/b"),
        ("https://github.com/a/b;", "https://github.com/a/b"),
        ("www.github.com/a/b]*", "https://www.github.com/a/b"),
        ("://github.com/a/b", "https://github.com/a/b"),  # a PDF's `https` lost at a line break
        ("http://x.org/p?q=1!'", "http://x.org/p?q=1"),
        ("https://github.com/a/b.git", "https://github.com/a/b.git"),
    ],
)
def test_a_url_found_in_text_loses_the_punctuation_glued_on(found: str, cleaned: str) -> None:
    assert links.clean_url(found) == cleaned


# Rows as ../shared/links/iclr_pdf holds them (a title key `paper` and the OpenReview `forum`), one with a
# `forum_id` and a `paper`
TWO_KEY_ROWS = [
    {"paper": "deep_nets__1a", "title": "Deep Nets", "track": "Accept (Poster)", "url": "https://github.com/l/d",
     "pdf_url": "https://openreview.net/pdf?id=Ab12", "forum": "Ab12"},
    {"paper": "deep_nets__1a", "title": "Deep Nets", "track": "Accept (Poster)", "url": "https://gitlab.com/l/d",
     "pdf_url": "https://openreview.net/pdf?id=Ab12", "forum": "Ab12"},
    {"paper": "graphs__2b", "title": "Graphs", "track": "Accept (Oral)", "url": "https://github.com/l/g",
     "pdf_url": "https://openreview.net/pdf?id=Cd34", "forum_id": "Cd34"},
]  # fmt: skip


def test_a_table_with_two_keys_is_keyed_by_the_openreview_id_by_every_reader(tmp_path: Path) -> None:
    rows = TWO_KEY_ROWS
    table = tmp_path / "neurips2019_links.json"
    table.write_text(json.dumps(rows), encoding="utf-8")
    folder = tmp_path / "neurips2019"
    folder.mkdir()
    (folder / "code_links.json").write_text(json.dumps(rows), encoding="utf-8")
    expected = ["Ab12", "Ab12", "Cd34"]  # the OpenReview id of each row
    assert [link["forum_id"] for link in links.read_links_table(table)] == expected
    assert [link["forum_id"] for link in links.read_snapshot_links(folder)] == expected
    table_papers = papers.read_table_papers(table, 2019, "neurips")
    assert [paper["forum_id"] for paper in table_papers] == ["Ab12", "Cd34"]
    recorded = papers.read_snapshot_papers(folder, 2019, "neurips")
    assert [paper["forum_id"] for paper in recorded] == ["Ab12", "Cd34"]
    assert (
        [paper["title"] for paper in recorded]
        == [paper["title"] for paper in table_papers]
        == ["Deep Nets", "Graphs"]
    )
    # a row with only its title key keeps that key
    (folder / "code_links.json").write_text(
        json.dumps([{"paper": "only__3c", "url": "https://github.com/l/o"}])
    )
    assert [link["forum_id"] for link in links.read_snapshot_links(folder)] == ["only__3c"]


def test_a_recorded_row_without_a_paper_key_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "code_links.json").write_text(json.dumps([{"title": "T", "url": "https://github.com/a/b"}]))
    with pytest.raises(ValueError, match=r"code_links.json, row 1: needs a paper key \(`forum`, `forum_id`"):
        links.read_snapshot_links(tmp_path)


def test_a_recorded_repair_is_kept_and_a_recorded_name_is_not_repaired_again(tmp_path: Path) -> None:
    rows = [
        {"paper": "cut__1a", "url": "https://github.com/lab/Fork", "repo": "lab/ForkMerge", "subdir": "",
         "quoted_repo": "lab/Fork", "repaired_by": "cut"},
        {"paper": "lig__2b", "url": "https://github.com/lab/e\ufb03cient", "repo": "lab/e\ufb03cient", "subdir": ""},
    ]  # fmt: skip
    (tmp_path / "code_links.json").write_text(json.dumps(rows), encoding="utf-8")
    cut, ligature = links.read_snapshot_links(tmp_path)
    assert (cut["repo"], cut["quoted_repo"], cut["repaired_by"]) == ("lab/ForkMerge", "lab/Fork", "cut")
    assert cut["url"] == "https://github.com/lab/Fork"
    assert (
        ligature["repo"] == "lab/e\ufb03cient" and "repaired_by" not in ligature
    )  # as recorded: not repaired
    assert ligature["url"] == "https://github.com/lab/efficient"  # the quoted text, normalised
