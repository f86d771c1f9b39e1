"""The fake OpenReview server answers the real openreview-py clients (API v1 and v2) as the API would."""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openreview
import openreview.api
import openreview.tools
import pytest
import requests
from urllib3.util.retry import Retry

from fakes.openreview_server import FakeOpenReview

pytestmark = pytest.mark.timeout(60)

INVITATION_2020 = "ICLR.cc/2020/Conference/-/Blind_Submission"
VENUE_2024 = "ICLR.cc/2024/Conference"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def notes_2024() -> list[dict]:
    """The 8 hand-made ICLR 2024 notes (API v2), 6 of them accepted."""
    return json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text(encoding="utf-8"))


def query(path: str) -> dict[str, str]:
    """The query of a recorded request as a flat dict."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(path).query).items()}


def tiny_notes() -> list[dict]:
    """One v1 note, for tests about faults rather than data."""
    return [{"id": "a1", "invitation": "I", "content": {"title": "One"}}]


def small_retries(client: openreview.Client | openreview.api.OpenReviewClient, retry: Retry) -> None:
    """Swap the client's urllib3 retry policy (8 retries, backoff up to 120 s) for a quick one."""
    for adapter in client.session.adapters.values():
        adapter.max_retries = retry


def test_v1_get_all_notes_pages_through_the_recorded_notes(notes_2020: list[dict]) -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=notes_2020, page_limit=200) as srv:
        client = openreview.Client(baseurl=srv.url)
        assert srv.requests == []  # construction without credentials sends nothing
        notes = client.get_all_notes(invitation=INVITATION_2020, details="directReplies")

    assert len(notes) == 687 == len({note.id for note in notes})
    assert all(isinstance(note, openreview.Note) for note in notes)
    decisions = [reply["content"]["decision"] for note in notes for reply in note.details["directReplies"]]
    assert len(decisions) == 687
    assert {d: decisions.count(d) for d in set(decisions)} == {
        "Accept (Poster)": 531,
        "Accept (Spotlight)": 108,
        "Accept (Talk)": 48,
    }
    # efficient_iterget: limit=1000 sorted by id, then `after` the last id until an empty page; never offset
    assert len(srv.requests) == math.ceil(687 / 200) + 1
    first, *rest = [query(path) for path in srv.requests]
    assert first == {"invitation": INVITATION_2020, "details": "directReplies", "limit": "1000", "sort": "id"}
    assert [q["after"] for q in rest] == [notes[i].id for i in (199, 399, 599, 686)]
    assert all("offset" not in q for q in rest)


def test_v1_details_are_left_out_unless_asked_for(notes_2020: list[dict]) -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=notes_2020) as srv:
        notes = openreview.Client(baseurl=srv.url).get_all_notes(invitation=INVITATION_2020)
        assert (
            openreview.Client(baseurl=srv.url).get_all_notes(invitation="ICLR.cc/2020/Conference/-/X") == []
        )
    assert len(notes) == 687 and all(note.details is None for note in notes)
    assert isinstance(notes[0].content["title"], str)  # v1: bare content values


def test_v2_get_all_notes_by_venueid_returns_the_accepted_papers(notes_2024: list[dict]) -> None:
    with FakeOpenReview(anonymous="serve", notes_v2=notes_2024, page_limit=4) as srv:
        client = openreview.api.OpenReviewClient(baseurl=srv.url)
        notes = client.get_all_notes(content={"venueid": VENUE_2024})

    assert len(notes) == 6
    assert all(isinstance(note, openreview.api.Note) for note in notes)
    assert {note.content["venue"]["value"] for note in notes} == {
        "ICLR 2024 poster",
        "ICLR 2024 spotlight",
        "ICLR 2024 oral",
    }
    assert all(note.content["venueid"]["value"] == VENUE_2024 and note.domain == VENUE_2024 for note in notes)
    queries = [query(path) for path in srv.requests]
    assert queries[0] == {"content.venueid": VENUE_2024, "limit": "1000", "sort": "id", "count": "true"}
    assert [q.get("after") for q in queries] == [None, notes[3].id, notes[5].id]
    assert all(q["count"] == "false" for q in queries[1:])


def test_v1_and_v2_notes_served_together_never_mix(notes_2024: list[dict]) -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), notes_v2=notes_2024) as srv:
        v1 = openreview.Client(baseurl=srv.url).get_all_notes(invitation="I")
        v2 = openreview.api.OpenReviewClient(baseurl=srv.url).get_all_notes(
            invitation=f"{VENUE_2024}/-/Submission"
        )
        rejected = openreview.api.OpenReviewClient(baseurl=srv.url).get_all_notes(
            content={"venueid": f"{VENUE_2024}/Rejected_Submission"}
        )
    assert [note.id for note in v1] == ["a1"]
    assert len(v2) == 8
    assert [note.content["title"]["value"] for note in rejected] == [
        "A Simple Baseline for Long-Horizon Video Prediction"
    ]


def test_login_keeps_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenReview(anonymous="serve") as srv:
        v2 = openreview.api.OpenReviewClient(baseurl=srv.url, username="me@example.org", password="s3cret-pw")
        # The v1 client logs in at tools.get_base_urls(client)[1] (http://localhost:3001 for any local
        # baseurl), falling back to its own baseurl only when that connection fails: point it here.
        monkeypatch.setattr(openreview.tools, "LOCAL_API_V2", srv.url)
        v1 = openreview.Client(baseurl=srv.url, username="me@example.org", password="s3cret-pw")
        notes = v2.get_all_notes(content={"venueid": VENUE_2024})

    assert srv.logins == 2
    assert srv.requests[:2] == ["/login", "/login"]
    assert not any("s3cret" in path or "example.org" in path for path in srv.requests)
    assert v1.profile.id == v2.profile.id == "~Fake_User1"
    assert v2.headers["Authorization"].startswith("Bearer ") and notes == []


def test_429_with_retry_after_is_waited_out_by_the_client() -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), faults=["429"]) as srv:
        start = time.monotonic()
        notes = openreview.Client(baseurl=srv.url).get_all_notes(invitation="I")
        elapsed = time.monotonic() - start
    assert [note.id for note in notes] == ["a1"]
    assert 0.9 <= elapsed < 5  # slept the Retry-After second, no more
    assert len(srv.requests) == 3 and srv.requests[0] == srv.requests[1]


@pytest.mark.parametrize("fault", ["429-noretry", "500", "reset"])
def test_one_passing_fault_is_retried_at_once(fault: str) -> None:
    with FakeOpenReview(
        anonymous="serve", notes_v2=[{"id": "b", "content": {"venueid": {"value": "V"}}}], faults=[fault]
    ) as srv:
        start = time.monotonic()
        notes = openreview.api.OpenReviewClient(baseurl=srv.url).get_all_notes(content={"venueid": "V"})
        elapsed = time.monotonic() - start
    assert [note.id for note in notes] == ["b"]
    assert elapsed < 1  # urllib3's first retry has no backoff
    assert len(srv.requests) == 3 and srv.requests[0] == srv.requests[1]  # retried, then the empty page


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_cloudflare_403_raises_openreview_exception_without_retrying(api: str) -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), always="403") as srv:
        client = (
            openreview.Client(baseurl=srv.url) if api == "v1" else openreview.api.OpenReviewClient(srv.url)
        )
        with pytest.raises(openreview.OpenReviewException) as caught:
            client.get_all_notes(invitation="I")
    error = caught.value.args[0]
    assert error["name"] == "Error" and "<title>Just a moment...</title>" in error["message"]
    assert len(srv.requests) == 1


def test_lasting_429_ends_in_openreview_exception_with_the_json_body() -> None:
    # The default policy would wait 8 x Retry-After (8 s here); one retry shows the same outcome.
    with FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), always="429-noretry") as srv:
        client = openreview.Client(baseurl=srv.url)
        small_retries(client, Retry(total=1, status_forcelist=[429], raise_on_status=False))
        with pytest.raises(openreview.OpenReviewException) as caught:
            client.get_all_notes(invitation="I")
    assert caught.value.args[0]["name"] == "TooManyRequestsError"
    assert len(srv.requests) == 2


def test_hang_needs_a_caller_timeout_and_shutdown_wakes_it() -> None:
    srv = FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), faults=["hang"], hang_seconds=30).start()
    try:
        client = openreview.Client(baseurl=srv.url)
        # openreview-py passes no timeout to requests: without this line the client would wait 30 s here
        client.session.request = functools.partial(client.session.request, timeout=0.3)
        notes = client.get_all_notes(invitation="I")  # the read timeout is retried like a reset
        assert [note.id for note in notes] == ["a1"]
        srv.always = "hang"
        small_retries(client, Retry(total=0))
        with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
            client.get_all_notes(invitation="I")
    finally:
        start = time.monotonic()
        srv.close()
    assert time.monotonic() - start < 3  # the hanging handler woke up at shutdown
    assert not [t for t in threading.enumerate() if "process_request" in t.name or "serve_forever" in t.name]


def test_lasting_reset_raises_requests_connection_error() -> None:
    with FakeOpenReview(anonymous="serve", notes_v1=tiny_notes(), always="reset") as srv:
        client = openreview.Client(baseurl=srv.url)
        small_retries(client, Retry(total=1))
        with pytest.raises(requests.exceptions.ConnectionError):
            client.get_all_notes(invitation="I")
    assert len(srv.requests) == 2


def test_other_paths_are_json_404_and_bad_faults_are_refused() -> None:
    with FakeOpenReview(anonymous="serve") as srv:
        answer = requests.get(f"{srv.url}/groups?id=ICLR.cc", timeout=5)
        bad = requests.get(f"{srv.url}/notes?limit=many", timeout=5)
    assert answer.status_code == 404 and answer.json()["name"] == "NotFoundError"
    assert bad.status_code == 400 and bad.json()["name"] == "ValidationError"
    assert srv.requests == ["/groups?id=ICLR.cc", "/notes?limit=many"]
    with pytest.raises(ValueError, match="unknown fault"):
        FakeOpenReview(faults=["418"])
