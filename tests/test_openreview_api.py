"""Live OpenReview runs need a login: every refusal the service gives, through the real openreview-py client against
the fake server, ends in a message that says what to do; the notes of every year come out with their tracks."""

from __future__ import annotations

import builtins
import json
import sys
import time
import types
from pathlib import Path

import pytest
import requests

from fakes.github_server import FakeGitHub
from fakes.openreview_samples import build_year_notes, read_sample
from fakes.openreview_server import CHALLENGE_PAGE, FAKE_CREDENTIALS, FakeOpenReview
from iclr_tools import dataset, openreview_api, papers

pytestmark = pytest.mark.timeout(120)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTES_2024 = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())


def fetch(server: FakeOpenReview, cache: Path, year: int = 2024, **options) -> list[dict]:
    """Notes of `year` from the fake, logged in with the fake's credentials unless told otherwise."""
    options.setdefault("credentials", FAKE_CREDENTIALS)
    return papers.fetch_notes(year, baseurl=server.url, cache_dir=cache, **options)


def test_a_live_run_without_a_login_stops_before_any_request(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024) as openreview, FakeGitHub({}) as github:
        start = time.monotonic()
        with pytest.raises(papers.ServiceRefusedError) as caught:
            dataset.create_dataset(2024, "live", cache_dir=tmp_path, openreview_url=openreview.url,
                                   archive_url=github.base_url, git_url=github.base_url)  # fmt: skip
        assert time.monotonic() - start < 5
        assert openreview.requests == [] and github.count() == 0
    message = str(caught.value)
    assert "OPENREVIEW_USERNAME" in message and "OPENREVIEW_PASSWORD" in message and "Colab" in message
    assert not list(tmp_path.rglob("*.json"))


def test_the_login_is_read_from_colab_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"OPENREVIEW_USERNAME": "someone", "OPENREVIEW_PASSWORD": "pw"}
    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=secrets.__getitem__)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert openreview_api.read_credentials() == ("someone", "pw")
    del secrets["OPENREVIEW_PASSWORD"]  # a missing secret raises in Colab: it is named, the other is not
    with pytest.raises(openreview_api.LoginRequiredError, match=r"^OPENREVIEW_PASSWORD not set"):
        openreview_api.read_credentials()


def test_the_fake_answers_anonymous_requests_as_the_recorded_service_did(shared_dir: Path) -> None:
    recorded = read_sample(shared_dir, 2024).get("response")  # a logged-in answer: its rate-limit headers
    challenge = json.loads(
        (shared_dir / "openreview_samples" / "realshape_v2_errors_anonymous-challenge.json").read_text()
    )["response"]
    with FakeOpenReview(notes_v2=NOTES_2024) as server:
        anonymous = requests.get(
            f"{server.url}/notes?content.venueid=ICLR.cc/2024/Conference&limit=1", timeout=5
        )
    assert anonymous.status_code == challenge["status"]
    assert anonymous.headers["content-type"] == challenge["headers"]["content-type"]
    assert anonymous.text == challenge["text"] == CHALLENGE_PAGE
    assert recorded["headers"]["ratelimit-policy"] == "500;w=3600"


@pytest.mark.parametrize("shape", ["challenge-200", "challenge-403"])
def test_a_challenge_reads_as_log_in(shape: str, tmp_path: Path) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024, always=shape) as server:
        with pytest.raises(papers.ServiceRefusedError) as caught:
            fetch(server, tmp_path, retries=0)
        assert server.logins == 1  # logged in, then challenged all the same
    message = str(caught.value)
    assert "browser challenge" in message and "log in" in message and "OPENREVIEW_USERNAME" in message
    assert "JSONDecodeError" not in message and "<html" not in message.lower()
    assert ("ChallengeRequiredError" in message) == (shape == "challenge-403")
    assert not (tmp_path / "openreview" / "iclr2024_notes.json").exists()


def test_a_rate_limit_is_waited_out_by_one_retry_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024, faults=["ratelimit", "ratelimit"]) as server:
        start = time.monotonic()
        notes = fetch(server, tmp_path, retries=3)
        elapsed = time.monotonic() - start
    assert len(papers.parse_papers(notes, 2024)) == 6
    assert 2 <= elapsed < 10  # `ratelimit-reset: 1` waited twice, no backoff stacked on it
    # the login refused twice then served, then two pages: no request was sent twice by a second retry layer
    assert [path.split("?")[0] for path in server.requests] == ["/login"] * 3 + ["/notes"] * 2
    assert capsys.readouterr().err.count("rate limit is reached: waiting 1 s") == 2


@pytest.mark.parametrize(("headers", "slept", "said"), [
    ({"ratelimit-remaining": "0", "ratelimit-reset": "5000"}, [3600.0],
     "waiting 3600 s (capped: it resets in 5000 s)"),
    ({"Retry-After": "2", "ratelimit-reset": "900"}, [2.0], "waiting 2 s for it to reset"),  # it comes first
    ({}, [], ""),  # no time given: False, so urllib3 backs off instead
])  # fmt: skip
def test_the_retry_policy_waits_a_429_out_through_the_capped_wait(
    headers: dict,
    slept: list[float],
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    from urllib3 import HTTPResponse

    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    retry = openreview_api.make_rate_limit_retry(3)
    assert retry.sleep_for_retry(HTTPResponse(status=429, headers=headers)) is bool(slept)
    assert sleeps == slept
    assert capsys.readouterr().err == (f"OpenReview's rate limit is reached: {said}\n" if said else "")


def test_a_lasting_rate_limit_ends_in_a_clear_message(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024, always="ratelimit") as server:
        with pytest.raises(papers.ServiceRefusedError, match=r"HTTP 429.*What to do: wait an hour"):
            fetch(server, tmp_path, retries=1)
        assert len(server.requests) == 2


def test_two_factor_login_never_prompts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)  # as in a terminal or notebook

    def no_prompt(*args: object) -> str:
        raise AssertionError("openreview-py prompted for a two-factor code")

    monkeypatch.setattr(builtins, "input", no_prompt)
    monkeypatch.setattr("getpass.getpass", no_prompt)
    with FakeOpenReview(notes_v2=NOTES_2024, faults=["mfa"]) as server:
        with pytest.raises(papers.ServiceRefusedError, match="two-factor") as caught:
            fetch(server, tmp_path)
        assert len(server.requests) == 1
    assert "OPENREVIEW_USERNAME" in str(caught.value)


def test_a_rejected_login_says_to_check_the_credentials(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024, faults=["bad-login"]) as server:
        with pytest.raises(papers.ServiceRefusedError, match="rejected the login.*OPENREVIEW_PASSWORD"):
            fetch(server, tmp_path)


def test_the_timeout_applies_to_the_login(tmp_path: Path) -> None:
    with FakeOpenReview(notes_v2=NOTES_2024, faults=["hang"], hang_seconds=20) as server:
        start = time.monotonic()
        with pytest.raises(papers.ServiceRefusedError, match="did not answer in time"):
            fetch(server, tmp_path, timeout=0.5, retries=0)
        assert time.monotonic() - start < 5 and server.requests == ["/login"]


def test_a_listing_without_accepted_papers_is_an_error_and_not_cached(tmp_path: Path) -> None:
    rejected = [
        note for note in NOTES_2024 if note["content"]["venueid"]["value"] != "ICLR.cc/2024/Conference"
    ]
    with FakeOpenReview(notes_v2=rejected) as server:
        with pytest.raises(papers.ServiceRefusedError, match="no accepted paper of ICLR 2024"):
            fetch(server, tmp_path)
    assert not (tmp_path / "openreview" / "iclr2024_notes.json").exists()


@pytest.mark.parametrize("year", [2018, 2019, 2021, 2022, 2023, 2024, 2025, 2026])
def test_each_year_shaped_as_recorded_gives_its_papers_tracks_and_affiliations(
    year: int, shared_dir: Path, tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    notes, expected = build_year_notes(shared_dir, year)
    ids = {
        a for note in notes for a in papers.parse_value((note.get("content") or {}).get("authorids")) or []
    }
    profiles = [make_profile(i, (f"inst{year}.edu", year - 1, None), ("gone.edu", 2000, year - 2))
                for i in ids if i.startswith("~")]  # fmt: skip
    version = {"notes_v1": notes} if year < 2024 else {"notes_v2": notes}
    with FakeOpenReview(**version, profiles=profiles) as server:
        settings = papers.Settings(cache_dir=tmp_path, openreview_url=server.url)
        accepted = papers.fetch_papers(year, "live", settings)
    assert {paper["forum_id"]: paper["track"] for paper in accepted} == {
        forum: track for forum, track in expected.items() if track
    }
    for paper in accepted:
        domains = paper["author_domains"].split("; ")
        assert "@" not in paper["author_domains"] and "gone.edu" not in domains
        assert (f"inst{year}.edu" in domains) == bool(
            paper["author_ids"]
        )  # from profiles where ids are profiles
        if year >= 2024:
            assert paper["author_ids"]  # from 2024 every author id is a profile id
        if year >= 2023:
            assert paper["primary_area"]  # 2023's long area field, `primary_area` from 2024
        if year in (2021, 2022):
            assert "one-sentence_summary" in paper["texts"]


def test_catalyzex_links_are_never_the_authors_code(shared_dir: Path) -> None:
    note = read_sample(shared_dir, 2023)["response"]["json"]["notes"][0]
    assert "community_implementations" in note["content"]  # recorded: the 2023 notes carry it
    note = {**note, "content": {**note["content"], "venue": "ICLR 2023 poster",
            "community_implementations": "[1 code implementation](https://github.com/someone/else)"}}  # fmt: skip
    paper = papers.parse_paper(note, 2023)
    assert paper is not None and "community_implementations" not in paper["texts"]


def make_profile(profile_id: str, *history: tuple[str, int | None, int | None]) -> dict:
    """A profile shaped as OpenReview's API documents it (built: no profile sample is recorded), e-mails included."""
    entries = [{"position": "Researcher", "start": start, "end": end,
                "institution": {"name": domain.split(".")[0], "domain": domain}} for domain, start, end in history]  # fmt: skip
    return {"id": profile_id, "content": {"names": [{"fullname": profile_id[1:-1]}], "history": entries,
            "emails": [f"{profile_id[1:-1].lower()}@example.org"], "preferredEmail": "x@example.org"}}  # fmt: skip


def test_affiliations_come_from_profiles_held_that_year_and_no_email_is_kept(
    shared_dir: Path, tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    notes, expected = build_year_notes(shared_dir, 2024)  # authorids: recorded profile ids, no e-mail
    ids = notes[0]["content"]["authorids"]["value"]
    profiles = [make_profile(ids[0], ("old.edu", 2015, 2019), ("Lab.Example.com", 2020, None)),
                make_profile(ids[1], ("uni.ac.uk", 2018, 2025))]  # the others have no profile  # fmt: skip
    with FakeOpenReview(notes_v2=notes, profiles=profiles) as server:
        settings = papers.Settings(cache_dir=tmp_path, openreview_url=server.url)
        accepted = papers.fetch_papers(2024, "live", settings)
        searches = list(server.profile_searches)
        again = papers.fetch_papers(2024, "live", settings)
        assert server.profile_searches == searches  # cached: no profile read again
    assert len(searches) == 1 and set(searches[0]) == {i for paper in accepted for i in paper["author_ids"]}
    assert {paper["author_domains"] for paper in accepted} == {"lab.example.com; uni.ac.uk"}
    assert again == accepted
    assert "@" not in (tmp_path / "openreview" / "iclr2024_profiles.json").read_text()


def test_the_notes_cache_keeps_no_email_address(notes_2020: list[dict], tmp_path: Path) -> None:
    with FakeOpenReview(notes_v1=notes_2020) as server:
        fetch(server, tmp_path, year=2020)
    cached = json.loads((tmp_path / "openreview" / "iclr2020_notes.json").read_text())
    authorids = [author for note in cached["notes"] for author in note["content"].get("authorids") or []]
    assert authorids and all(author.startswith(("~", "***@")) or "@" not in author for author in authorids)
    assert {a.split("@")[1] for a in authorids if "@" in a} <= {
        a.split("@")[1] for note in notes_2020 for a in note["content"].get("authorids") or [] if "@" in a
    }
