"""The built NeurIPS and ICML note fixtures are note listings the fake OpenReview serves as the API would, each
naming its own venue-year, and their hand-written expectations agree with what the notes say."""

from __future__ import annotations

import math
import re

import openreview
import openreview.api
import pytest

from fakes.openreview_server import FAKE_CREDENTIALS, FakeOpenReview
from fakes.venue_notes import STEMS, fixture_path, read_venue_fixture, render_fixture
from iclr_tools.openreview_api import make_openreview_client

pytestmark = pytest.mark.timeout(60)
VENUE_YEARS = sorted(STEMS)
NAMES = {
    "neurips": ("NeurIPS", "NeurIPS.cc"),
    "icml": ("ICML", "ICML.cc"),
}  # name in venue strings, group root
TLDR_FIELD = {1: "TL;DR", 2: "TLDR"}  # the TL;DR's field name in these API v1 (2022) and v2 (2023) forms


def unwrap(value: object) -> object:
    """A content value as written: v1 bare, v2 inside `{"value": ...}`."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def is_submission(note: dict) -> bool:
    """Whether a served note is a paper (not a decision replying to one)."""
    return not note.get("replyto")


def submissions(venue: str, year: int) -> dict[str, dict]:
    """The fixture's papers by id, content unwrapped."""
    notes = read_venue_fixture(venue, year)["notes"]
    return {
        note["id"]: {**note, "content": {k: unwrap(v) for k, v in note["content"].items()}}
        for note in notes
        if is_submission(note)
    }


def quotes(text: str, url: str) -> bool:
    """Whether `text` quotes `url` whole (its scheme optional), not as the start of a longer URL."""
    bare = re.escape(url.removeprefix("https://"))
    return re.search(rf"(?:https://)?{bare}(?=[.,;:!?]?(?:$|[\s)\]]))", text) is not None


def fetch_listing(url: str, api: int, query: dict) -> list:
    """One listing paged through the real openreview-py client of API `api` (no login: the fake serves all)."""
    if api == 1:
        return openreview.Client(baseurl=url).get_all_notes(**query)
    client = openreview.api.OpenReviewClient(baseurl=url)
    if "content.venueid" in query:
        return client.get_all_notes(content={"venueid": query["content.venueid"]})
    return client.get_all_notes(**query)


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_each_fixture_says_it_was_built_and_which_venue_year_it_holds(venue: str, year: int) -> None:
    notes, expected = read_venue_fixture(venue, year), read_venue_fixture(venue, year, "expected")
    assert notes["_built"].startswith("BUILT, not recorded")
    assert expected["_written_by_hand"].startswith("What a reader of OpenReview makes of")
    assert (notes["venue"], notes["year"]) == (expected["venue"], expected["year"]) == (venue, year)
    assert notes["api"] == expected["api"] == (1 if (venue, year) == ("neurips", 2022) else 2)


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_the_committed_notes_are_what_the_builder_writes(venue: str, year: int) -> None:
    assert fixture_path(venue, year).read_text(encoding="utf-8") == render_fixture(venue, year)


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_the_fake_pages_every_listing_through_the_real_client(venue: str, year: int) -> None:
    fixture, expected = read_venue_fixture(venue, year), read_venue_fixture(venue, year, "expected")
    api = fixture["api"]
    served = {"notes_v1": fixture["notes"]} if api == 1 else {"notes_v2": fixture["notes"]}
    for listing in expected["listings"]:
        with FakeOpenReview(anonymous="serve", page_limit=2, **served) as server:
            notes = fetch_listing(server.url, api, listing["query"])
            pages = len(server.requests)
        assert [note.id for note in notes] == listing["ids"], listing["query"]
        assert pages == math.ceil(len(listing["ids"]) / 2) + 1  # pages of 2, then the empty page that ends it
        note_class = openreview.Note if api == 1 else openreview.api.Note
        assert all(isinstance(note, note_class) for note in notes)
        titles = [note.content["title"] for note in notes]
        assert (
            all(isinstance(title, str) for title in titles)
            if api == 1
            else all(isinstance(title, dict) and isinstance(title["value"], str) for title in titles)
        )
        if listing["query"].get("details") == "directReplies":  # v1: each paper's decision as its reply
            decisions = {
                note.id: [r["content"]["decision"] for r in note.details["directReplies"]] for note in notes
            }
            assert decisions == {
                note_id: [expected["decision_replies"][note_id]] for note_id in listing["ids"]
            }


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_a_logged_in_client_gets_the_listings_a_live_run_makes(venue: str, year: int) -> None:
    fixture, expected = read_venue_fixture(venue, year), read_venue_fixture(venue, year, "expected")
    api = fixture["api"]
    served = {"notes_v1": fixture["notes"]} if api == 1 else {"notes_v2": fixture["notes"]}
    with FakeOpenReview(**served) as server:  # answers requests without the login token with the challenge
        client = make_openreview_client(api, server.url, timeout=10, retries=0, login_with=FAKE_CREDENTIALS)
        for listing in (listing for listing in expected["listings"] if listing["live"]):
            query = listing["query"]
            if "content.venueid" in query:
                notes = client.get_all_notes(content={"venueid": query["content.venueid"]})
            else:
                notes = client.get_all_notes(**query)
            assert [note.id for note in notes] == listing["ids"]
        assert server.logins == 1


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_every_note_names_its_own_venue_and_year(venue: str, year: int) -> None:
    name, root = NAMES[venue]
    prefix = f"{root}/{year}/"
    for note in read_venue_fixture(venue, year)["notes"]:
        content = {key: unwrap(value) for key, value in note["content"].items()}
        invitations = [note["invitation"]] if "invitation" in note else note["invitations"]
        assert invitations and all(inv.startswith(prefix) for inv in invitations), note["id"]
        assert note.get("domain", prefix).startswith(prefix)
        if not is_submission(note):
            continue
        assert content["venueid"] == "" or content["venueid"].startswith(prefix)
        assert content["venue"] == "" or f"{name} {year}" in content["venue"]
        assert re.fullmatch(r"/pdf/[0-9a-f]{40}\.pdf", content["pdf"])
        assert all(author.startswith("~") for author in content["authorids"])
        assert len(content["authorids"]) == len(content["authors"])
        assert "_bibtex" not in content or f"year={{{year}}}" in content["_bibtex"]


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_the_expectations_cover_every_paper_and_quote_what_the_notes_say(venue: str, year: int) -> None:
    papers, expected = submissions(venue, year), read_venue_fixture(venue, year, "expected")
    accepted = {row["forum_id"]: row for row in expected["accepted"]}
    refused = {row["forum_id"]: row for row in expected["not_accepted"]}
    assert not accepted.keys() & refused.keys() and accepted.keys() | refused.keys() == papers.keys()
    assert list(accepted) == sorted(accepted)
    live = {note_id for listing in expected["listings"] if listing["live"] for note_id in listing["ids"]}
    assert live == set(accepted) | {note_id for note_id, row in refused.items() if row["listed"]}
    tldr = TLDR_FIELD[expected["api"]]
    for note_id, row in accepted.items():
        content = papers[note_id]["content"]
        assert (row["title"], row["decision"]) == (content["title"], content["venue"])
        texts = {"abstract": content["abstract"], "TL;DR": content.get(tldr, "")}
        for link in row["links"]:
            assert quotes(texts[link["source"]], link["url"]), (note_id, link)
        assert sum(text.count("github.com/") for text in texts.values()) == len(row["links"]), note_id
        assert [content[link["field"]] for link in row["form_links"]] == [
            link["url"] for link in row["form_links"]
        ]
    for note_id, row in refused.items():
        content = papers[note_id]["content"]
        quoted = content["abstract"] + " " + content.get(tldr, "")
        assert row["quoted_github"] and all(quotes(quoted, url) for url in row["quoted_github"])
        assert row["listed"] == (note_id in live)
