"""Papers and code links: iclr_helpers against the fake OpenReview API (v1 replaying ICLR 2020, v2 fixtures)."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from fakes.openreview_server import FAKE_CREDENTIALS, FakeOpenReview
from iclr_tools import links, openreview_api, papers, venues

pytestmark = pytest.mark.timeout(120)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_2020_accepted_papers_and_tracks(papers_2020: list[dict]) -> None:
    assert len(papers_2020) == 687
    tracks = collections.Counter(paper["track"] for paper in papers_2020)
    assert tracks == {"Poster": 531, "Spotlight": 108, "Talk": 48}


def test_papers_carry_domains_never_addresses(papers_2020: list[dict]) -> None:
    paper = papers_2020[0]
    assert paper["author_domains"] and "@" not in paper["author_domains"]
    assert all("@" not in p["author_domains"] and "***" not in p["author_domains"] for p in papers_2020)
    assert paper["pdf_url"].startswith("https://openreview.net/pdf")


def test_second_run_makes_no_request_and_refresh_fetches_again(
    notes_2020: list[dict], tmp_path: Path
) -> None:
    with FakeOpenReview(notes_v1=notes_2020) as server:
        first = papers.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS)
        count = len(server.requests)
        second = papers.fetch_notes(
            2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS
        )
        assert len(server.requests) == count and second == first
        papers.fetch_notes(
            2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS, refresh=True
        )
        assert len(server.requests) > count


def test_half_written_cache_is_never_read_as_complete(notes_2020: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "openreview" / "iclr2020_notes.json"
    path.parent.mkdir(parents=True)
    full = json.dumps({"year": 2020, "api": 1, "complete": True, "notes": notes_2020[:5]})
    path.write_text(full[: len(full) // 2])  # a write cut off half way
    with FakeOpenReview(notes_v1=notes_2020) as server:
        notes = papers.fetch_notes(2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS)
        assert server.requests and len(notes) == 687
    assert papers.read_cached_notes(path, 2020) is not None  # the new cache file is whole
    assert not list(path.parent.glob("*.tmp"))


def test_2024_api_v2_lists_accepted_papers_with_tracks(tmp_path: Path) -> None:
    notes = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())
    with FakeOpenReview(notes_v2=notes) as server:
        accepted = papers.parse_papers(
            papers.fetch_notes(2024, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS),
            2024,
        )
    assert len(accepted) == 6
    assert {paper["track"] for paper in accepted} == {"Poster", "Spotlight", "Talk"}
    assert all(paper["decision"].startswith("ICLR 2024") for paper in accepted)
    rows = links.extract_code_links(accepted)
    kinds = collections.Counter(link["kind"] for link in rows)
    assert kinds["github"] >= 2 and kinds["gitlab"] == 1 and kinds["anonymous"] == 1
    assert any(link["subdir"] for link in rows)  # the monorepo folder link


def test_403_challenge_gives_a_clear_message(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=[], always="403") as server:
        with pytest.raises(papers.ServiceRefusedError) as caught:
            papers.fetch_notes(
                2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS, retries=1
            )
    message = str(caught.value)
    assert "OpenReview" in message and "403" in message and "What to do" in message
    assert "<html" not in message.lower()
    assert not (tmp_path / "openreview" / "iclr2020_notes.json").exists()


def test_rate_limit_is_waited_out(notes_2020: list[dict], tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=notes_2020, faults=["429", "429-noretry"]) as server:
        notes = papers.fetch_notes(
            2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS, retries=3
        )
    assert len(notes) == 687


def test_lasting_rate_limit_and_hang_end_in_clear_messages(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=[], always="429") as server:
        with pytest.raises(papers.ServiceRefusedError, match="429.*What to do"):
            papers.fetch_notes(
                2020, baseurl=server.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS, retries=1
            )
    with FakeOpenReview(notes_v1=[], always="hang", hang_seconds=5) as server:
        with pytest.raises(papers.ServiceRefusedError, match="did not answer in time"):
            papers.fetch_notes(
                2020,
                baseurl=server.url,
                cache_dir=tmp_path,
                credentials=FAKE_CREDENTIALS,
                retries=0,
                timeout=0.5,
            )


@pytest.mark.parametrize("year", [2015, 2031, 2017])
def test_years_without_iclr_on_openreview_are_refused(year: int, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="supported years are 2018-"):
        papers.fetch_notes(year, cache_dir=tmp_path)


def test_api_version_by_year() -> None:
    assert [venues.api_version(y) for y in (2018, 2023, 2024, 2026)] == [1, 1, 2, 2]


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
    paper = papers.parse_paper(note, year)
    assert (paper["track"] if paper else None) == track
    if paper:  # no code field that year: the other text fields are kept for the links stage
        assert paper["code_field"] is False and paper["texts"]["abstract"] == "see github.com/a/b."


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
    message = openreview_api.explain_refusal(RuntimeError(error), "OpenReview", "http://127.0.0.1:40391")
    assert expected in message and "What to do" in message


@pytest.mark.parametrize(
    ("folder", "track"), [("icml2019", ""), ("neurips2020", ""), ("neurips2023", "conference")]
)
def test_both_proceedings_paths_give_one_paper_row(
    shared_dir: Path, tmp_path: Path, folder: str, track: str
) -> None:
    source = json.loads((shared_dir / folder / "code_links.json").read_text())
    table = tmp_path / f"{folder}_links.json"  # the same rows given as a links table of a live run
    table.write_text(json.dumps(source), encoding="utf-8")
    venue, year = folder[:-4], int(folder[-4:])
    recorded = papers.read_snapshot_papers(shared_dir / folder, year, venue)
    assert papers.read_table_papers(table, year, venue) == recorded
    titles = {
        row["paper"]: row["title"].strip() for row in source
    }  # ../shared/{folder} says "None" or "conference"
    assert [(paper["forum_id"], paper["title"]) for paper in recorded] == sorted(titles.items())
    assert {(paper["decision"], paper["track"]) for paper in recorded} == {("accepted (proceedings)", track)}


def test_a_paper_row_has_the_same_fields_from_every_source(papers_2020: list[dict], shared_dir: Path) -> None:
    listed = papers.read_snapshot_papers(shared_dir / "iclr2019", 2019)
    proceedings = papers.read_snapshot_papers(shared_dir / "icml2019", 2019, "icml")
    fields = {"forum_id", "title", "decision", "track", "keywords", "primary_area", "author_domains",
              "author_ids", "pdf_url", "code_field", "texts"}  # fmt: skip
    assert all(set(paper) == fields for paper in [*papers_2020, *listed, *proceedings])
    assert listed[0]["keywords"] and "; " in "".join(paper["keywords"] for paper in listed)
