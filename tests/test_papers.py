"""Papers and code links: iclr_helpers against the fake OpenReview API (v1 replaying ICLR 2020, v2 fixtures)."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

import iclr_helpers as ih
from fakes.openreview_server import FakeOpenReview

pytestmark = pytest.mark.timeout(120)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def papers_2020(notes_2020: list[dict], tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """ICLR 2020's accepted papers fetched through the real client from the fake server."""
    cache = tmp_path_factory.mktemp("cache")
    with FakeOpenReview(notes_v1=notes_2020, page_limit=250) as server:
        notes = ih.fetch_notes(2020, baseurl=server.url, cache_dir=cache)
        assert len(server.requests) >= 3  # paged
    return ih.parse_papers(notes, 2020)


def test_2020_accepted_papers_and_tracks(papers_2020: list[dict]) -> None:
    assert len(papers_2020) == 687
    tracks = collections.Counter(paper["track"] for paper in papers_2020)
    assert tracks == {"Poster": 531, "Spotlight": 108, "Talk": 48}


def test_2020_code_links_and_targets(papers_2020: list[dict], shared_dir: Path) -> None:
    assert sum(1 for paper in papers_2020 if paper["code_urls"]) == 335
    links = ih.extract_code_links(papers_2020)
    kinds = collections.Counter(link["kind"] for link in links)
    assert kinds["github"] + kinds["github_user"] == 261
    assert kinds["github_user"] == 5
    targets = ih.extract_code_targets(links)
    assert len(targets) == 256
    # the same (paper, repository, folder) rows as the recorded code_links.json
    recorded = json.loads((shared_dir / "iclr2020" / "code_links.json").read_text())
    ours = {(lk["forum_id"], lk["repo"] or None, lk["subdir"] if lk["kind"] == "github" else None)
            for lk in links if lk["kind"] in ("github", "github_user")}  # fmt: skip
    assert ours == {(row["forum"], row["repo"], row["subdir"]) for row in recorded}
    # every non-GitHub link is kept and classified
    assert kinds["google_drive"] > 0 and kinds["dropbox"] > 0 and kinds["anonymous"] > 0
    assert sum(kinds.values()) == sum(len(paper["code_urls"]) for paper in papers_2020)


def test_papers_carry_domains_never_addresses(papers_2020: list[dict]) -> None:
    paper = papers_2020[0]
    assert paper["author_domains"] and "@" not in paper["author_domains"]
    assert all("@" not in p["author_domains"] and "***" not in p["author_domains"] for p in papers_2020)
    assert paper["pdf_url"].startswith("https://openreview.net/pdf")


def test_second_run_makes_no_request_and_refresh_fetches_again(
    notes_2020: list[dict], tmp_path: Path
) -> None:
    with FakeOpenReview(notes_v1=notes_2020) as server:
        first = ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path)
        count = len(server.requests)
        second = ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path)
        assert len(server.requests) == count and second == first
        ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, refresh=True)
        assert len(server.requests) > count


def test_half_written_cache_is_never_read_as_complete(notes_2020: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "openreview" / "iclr2020_notes.json"
    path.parent.mkdir(parents=True)
    full = json.dumps({"year": 2020, "api": 1, "complete": True, "notes": notes_2020[:5]})
    path.write_text(full[: len(full) // 2])  # a write cut off half way
    with FakeOpenReview(notes_v1=notes_2020) as server:
        notes = ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path)
        assert server.requests and len(notes) == 687
    assert ih.read_cached_notes(path, 2020) is not None  # the new cache file is whole
    assert not list(path.parent.glob("*.tmp"))


def test_2024_api_v2_lists_accepted_papers_with_tracks(tmp_path: Path) -> None:
    notes = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())
    with FakeOpenReview(notes_v2=notes) as server:
        papers = ih.parse_papers(ih.fetch_notes(2024, baseurl=server.url, cache_dir=tmp_path), 2024)
    assert len(papers) == 6
    assert {paper["track"] for paper in papers} == {"Poster", "Spotlight", "Talk"}
    assert all(paper["decision"].startswith("ICLR 2024") for paper in papers)
    links = ih.extract_code_links(papers)
    kinds = collections.Counter(link["kind"] for link in links)
    assert kinds["github"] >= 2 and kinds["gitlab"] == 1 and kinds["anonymous"] == 1
    assert any(link["subdir"] for link in links)  # the monorepo folder link


def test_403_challenge_gives_a_clear_message(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=[], always="403") as server:
        with pytest.raises(ih.ServiceRefusedError) as caught:
            ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, retries=1)
    message = str(caught.value)
    assert "OpenReview" in message and "403" in message and "What to do" in message
    assert "<html" not in message.lower()
    assert not (tmp_path / "openreview" / "iclr2020_notes.json").exists()


def test_rate_limit_is_waited_out(notes_2020: list[dict], tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=notes_2020, faults=["429", "429-noretry"]) as server:
        notes = ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, retries=3)
    assert len(notes) == 687


def test_lasting_rate_limit_and_hang_end_in_clear_messages(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=[], always="429") as server:
        with pytest.raises(ih.ServiceRefusedError, match="429.*What to do"):
            ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, retries=1)
    with FakeOpenReview(notes_v1=[], always="hang", hang_seconds=5) as server:
        with pytest.raises(ih.ServiceRefusedError, match="did not answer in time"):
            ih.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, retries=0, timeout=0.5)


@pytest.mark.parametrize("year", [2015, 2031, 2017])
def test_years_without_iclr_on_openreview_are_refused(year: int, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="supported years are 2018-"):
        ih.fetch_notes(year, cache_dir=tmp_path)


def test_api_version_by_year() -> None:
    assert [ih.api_version(y) for y in (2018, 2023, 2024, 2026)] == [1, 1, 2, 2]


DECISION_NOTES = [  # (year, direct reply) -> decision text, for each year's way of deciding
    (2018, {"invitation": "ICLR.cc/2018/Conference/-/Acceptance_Decision",
            "content": {"decision": "Accept (Oral)"}}, "Talk"),
    (2019, {"invitation": "ICLR.cc/2019/Conference/-/Paper12/Meta_Review",
            "content": {"recommendation": "Accept (Poster)"}}, "Poster"),
    (2023, {"invitation": "ICLR.cc/2023/Conference/Paper12/-/Decision",
            "content": {"decision": "Accept: notable-top-25%"}}, "Spotlight"),
    (2019, {"invitation": "ICLR.cc/2019/Conference/-/Paper12/Meta_Review",
            "content": {"recommendation": "Reject"}}, None),
    (2018, {"invitation": "ICLR.cc/2018/Conference/-/Acceptance_Decision",
            "content": {"decision": "Invite to Workshop Track"}}, None),
]  # fmt: skip


@pytest.mark.parametrize(("year", "reply", "track"), DECISION_NOTES)
def test_decisions_of_each_year(year: int, reply: dict, track: str | None) -> None:
    note = {"id": "x", "forum": "x", "content": {"title": "T", "abstract": "see github.com/a/b."},
            "details": {"directReplies": [{"invitation": "ICLR.cc/x/-/Official_Comment", "content": {}}, reply]}}  # fmt: skip
    paper = ih.parse_paper(note, year)
    assert (paper["track"] if paper else None) == track
    if paper:  # no code field that year: URLs come from the other text fields
        assert paper["code_urls"] == ["https://github.com/a/b"]


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
    link = ih.parse_code_link(url)
    assert (link["kind"], link["repo"], link["ref"], link["subdir"]) == expected


def test_extract_urls_from_free_text() -> None:
    text = ("Code: [here](https://github.com/a/b), also https://github.com/c/d; "
            "and www.github.com/e/f. See (https://gitlab.com/g/h).")  # fmt: skip
    assert ih.extract_urls(text) == [
        "https://github.com/a/b", "https://github.com/c/d", "https://www.github.com/e/f", "https://gitlab.com/g/h",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("HTTPConnectionPool(host='127.0.0.1', port=40391): Read timed out.", "did not answer in time"),
        ("Max retries exceeded with url: http://127.0.0.1:4290/notes (Connection refused)", "failed"),
        ("{'name': 'Error', 'message': '<title>Just a moment...</title> challenge-running'}", "HTTP 403"),
        ("{'name': 'TooManyRequestsError', 'message': 'Too many requests'}", "HTTP 429"),
    ],
)
def test_refusal_messages_read_the_status_not_digits_of_a_port(error: str, expected: str) -> None:
    message = ih.explain_refusal(RuntimeError(error), "OpenReview", "http://127.0.0.1:40391")
    assert expected in message and "What to do" in message
