"""NeurIPS and ICML live from OpenReview: each venue-year read as it was run, against the fake OpenReview serving
the built fixtures (tests/fixtures/venues), compared with their hand-written expected parses; the login checked
first; years before OpenReview refused with the way to run them from a links table, which works."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from test_pdfs import make_pdf

from fakes.github_server import FakeGitHub
from fakes.openreview_server import FAKE_CREDENTIALS, FakeOpenReview
from fakes.openreview_server import serve_venue_fixture as serve
from fakes.venue_notes import FIXTURES, read_venue_fixture
from iclr_tools import dataset, links, papers, pdfs, venues
from iclr_tools.openreview_api import LoginRequiredError, ServiceRefusedError

pytestmark = pytest.mark.timeout(180)
VENUE_YEARS = [("neurips", 2022), ("neurips", 2023), ("icml", 2023)]
EXPECTED_SOURCE = {
    "abstract": "abstract",
    "TL;DR": "TL;DR",
}  # expected file's field -> the dataset's link_source
PDF_PAPER = {("neurips", 2023): "mB2xJ7Ny6s", ("icml", 2023): "Bh2Ns5Kv9c", ("neurips", 2022): "Vb5nM1cQe8"}
PDF_REPO = "pdf-only-fake/own-code"  # the code a paper without a text link gives in its PDF (served here)


def expected_rows(venue: str, year: int) -> dict[str, dict]:
    """Forum id -> (track, decision, {(code URL, source)}) of each accepted paper, from the expected file."""
    expected = read_venue_fixture(venue, year, "expected")
    rows = {}
    for paper in expected["accepted"]:
        found = {(link["url"], EXPECTED_SOURCE[link["source"]]) for link in paper["links"]}
        found |= {(link["url"], link["field"]) for link in paper["form_links"]}
        rows[paper["forum_id"]] = {"track": paper["track"], "decision": paper["decision"], "links": found}
    return rows


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_a_live_run_builds_the_papers_tracks_and_links_the_fixtures_list(
    venue: str, year: int, tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    pdf_paper = PDF_PAPER[(venue, year)]
    pdfs = {pdf_paper: make_pdf([[("Our code is available at https://github.com/" + PDF_REPO, None)]])}
    repos = {PDF_REPO: {"files": {"train.py": b"import torch\n"}}}
    with serve(venue, year, pdfs=pdfs) as openreview, FakeGitHub(repos) as github:
        options = {"cache_dir": tmp_path / "cache", "openreview_url": openreview.url, "workers": 2,
                   "method": "archive", "archive_url": github.base_url, "git_url": github.base_url}  # fmt: skip
        frame = dataset.create_dataset(year, "live", venue=venue, out=tmp_path / "out.csv", **options)
        asked = list(openreview.requests)
        again = dataset.create_dataset(year, "live", venue=venue, **options)
        assert openreview.requests == asked  # a rerun reads the cache: no request at all
    assert frame.equals(again) and openreview.logins == 1
    expected = expected_rows(venue, year)
    assert sorted(frame["forum_id"].unique()) == sorted(expected)
    for forum, paper in expected.items():
        rows = frame[frame["forum_id"] == forum]
        assert set(rows["track"]) == {paper["track"]} and set(rows["decision"]) == {paper["decision"]}, forum
        found = {(row.code_url, row.link_source) for row in rows.itertuples() if row.code_url}
        if forum == pdf_paper:  # no link in its texts: the PDF pass gives its code
            assert paper["links"] == set() and found == {(f"https://github.com/{PDF_REPO}", "PDF (text)")}
        else:
            assert found == paper["links"], forum
            assert (rows["status"] == "no_code").all() == (not found)
    ok = frame[frame["status"] == "ok"]
    assert list(ok["repo"]) == [PDF_REPO] and list(ok["frameworks"]) == ["pytorch"]
    refused = read_venue_fixture(venue, year, "expected")["not_accepted"]
    quoted = {url for paper in refused for url in paper["quoted_github"]}
    written = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert quoted and not any(url.removeprefix("https://") in written for url in quoted)
    assert sorted(path.name for path in (tmp_path / "cache" / "openreview").glob("*.json")) == [
        f"{venue}{year}_notes.json", f"{venue}{year}_pdf_links.json", f"{venue}{year}_profiles.json"
    ]  # fmt: skip
    listings = [path for path in asked if path.startswith("/notes")]
    queries = [json.dumps(listing["query"]) for listing in read_venue_fixture(venue, year, "expected")["listings"]
               if listing["live"]]  # fmt: skip
    assert len(queries) >= 1 and all(
        any(value.replace("/", "%2F") in path for path in listings)
        for query in queries
        for key, value in json.loads(query).items()
        if key != "details"
    )


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_the_listings_are_the_ones_the_expected_files_mark_live(venue: str, year: int) -> None:
    expected = read_venue_fixture(venue, year, "expected")
    live = [listing["query"] for listing in expected["listings"] if listing["live"]]
    made = [{"content.venueid" if key == "venueid" else key: value for key, value in query.items()}
            for query in venues.find_listings(year, venue)]  # fmt: skip
    assert made == [{key: value for key, value in query.items() if key != "details"} for query in live]
    assert venues.api_version(year, venue) == expected["api"]


def test_a_live_neurips_2023_run_without_a_login_stops_at_once_naming_the_variables(tmp_path: Path) -> None:
    with serve("neurips", 2023) as openreview:
        started = time.monotonic()
        with pytest.raises(LoginRequiredError) as caught:
            dataset.create_dataset(
                2023, "live", venue="neurips", cache_dir=tmp_path, openreview_url=openreview.url
            )
        took = time.monotonic() - started
        assert openreview.requests == []  # checked before any request
    assert took < 5
    message = str(caught.value)
    assert "OPENREVIEW_USERNAME" in message and "OPENREVIEW_PASSWORD" in message
    assert not (tmp_path / "openreview").exists()


@pytest.mark.parametrize(("venue", "year", "first"), [("neurips", 2019, 2021), ("neurips", 2020, 2021),
                                                      ("icml", 2022, 2023), ("icml", 2019, 2023)])  # fmt: skip
def test_years_before_openreview_are_refused_with_the_links_table_run(
    venue: str, year: int, first: int, tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    with serve("neurips", 2023) as openreview:
        started = time.monotonic()
        with pytest.raises(ValueError) as caught:
            dataset.create_dataset(
                year, "live", venue=venue, cache_dir=tmp_path, openreview_url=openreview.url
            )
        assert time.monotonic() - started < 5 and openreview.requests == []
    message = str(caught.value)
    name = {"neurips": "NeurIPS", "icml": "ICML"}[venue]
    assert f"{name} {year} is not on OpenReview" in message and f"from {first}" in message
    command = re.search(r"`mkdir -p out && (papermill [^`]+)`", message)
    assert command, message
    words = command.group(1).split()
    parameters = dict(zip(words[4::3], words[5::3], strict=True))  # papermill NB OUT -p name value ...
    assert words[:2] == ["papermill", "notebooks/01_create_data.ipynb"] and words[3::3] == ["-p"] * len(
        parameters
    )
    table = f"data/venues/{venue}{year}_links.csv"  # the project's own: a fresh clone has it
    assert parameters == {"venue": venue, "year": str(year), "source": "live", "links_file": table}
    rows = links.read_links_table(Path(__file__).resolve().parents[1] / table)
    assert rows and {row["forum_id"] for row in rows} and all(row["url"] for row in rows)
    assert "`paper` (or `forum`) and `url`" in message


@pytest.mark.parametrize(("venue", "year"), [("neurips", 2031), ("icml", 2010), ("neurips", 2026)])
def test_years_no_source_has_are_refused_with_the_years_there_are(venue: str, year: int) -> None:
    with pytest.raises(ValueError, match=r"cannot be listed: .* from 20\d\d; a live run lists"):
        papers.fetch_papers(year, "live", venue=venue)


def write_links_table(folder: Path, lines: list[str]) -> Path:
    """A links table (CSV) of `lines` in `folder`, as a user gives one with `-p links_file`."""
    table = folder / "links.csv"
    table.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return table


def test_the_refusals_command_runs_a_year_from_a_links_table_with_repositories_fetched_live(
    tmp_path: Path,
) -> None:
    table = write_links_table(tmp_path, [  # the command's file, keyed by `paper` as ../shared/links's tables are
        "paper,title,track,pdf_url,url",
        "deep_nets__1a,Deep Nets,None,https://proceedings.neurips.cc/p1.pdf,https://github.com/lab/deep-nets",
        "deep_nets__1a,Deep Nets,None,https://proceedings.neurips.cc/p1.pdf,https://gitlab.com/lab/mirror",
        "graphs__2b,Graphs,None,https://proceedings.neurips.cc/p2.pdf,https://github.com/lab/graphs/tree/v1/src",
    ])  # fmt: skip
    repos = {"lab/deep-nets": {"files": {"a.py": b"import jax\n"}},
             "lab/graphs": {"files": {"src/g.py": b"import torch\n", "other.py": b"import tensorflow\n"}}}  # fmt: skip
    with FakeOpenReview() as openreview, FakeGitHub(repos) as github:  # no login given: none is needed
        frame = dataset.create_dataset(
            2019, "live", venue="neurips", cache_dir=tmp_path / "cache", openreview_url=openreview.url,
            links_file=str(table), method="archive", archive_url=github.base_url, git_url=github.base_url,
        )  # fmt: skip
        assert openreview.requests == []  # nothing asked of OpenReview, not even the PDFs
        assert github.count() >= 2
    rows = frame.set_index("code_url")
    assert sorted(frame["forum_id"].unique()) == ["deep_nets__1a", "graphs__2b"]
    assert rows.loc["https://github.com/lab/deep-nets", ["status", "frameworks"]].tolist() == ["ok", "jax"]
    graphs = rows.loc["https://github.com/lab/graphs/tree/v1/src"]
    assert (graphs["status"], graphs["subdir"], graphs["frameworks"]) == ("ok", "src", "pytorch")
    assert rows.loc["https://gitlab.com/lab/mirror", "status"] == "not_github"
    assert set(frame["link_source"]) == {"links table"} and set(frame["title"]) == {"Deep Nets", "Graphs"}
    assert set(frame["pdf_url"]) == {
        "https://proceedings.neurips.cc/p1.pdf",
        "https://proceedings.neurips.cc/p2.pdf",
    }
    assert set(frame["track"]) == {""}  # the table's "None": no track given


def test_a_links_table_run_repairs_cut_links_and_never_asks_openreview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write_links_table(tmp_path, [  # only `paper`, `title` and `url`: no PDF, no track
        "paper,title,url",
        "fork__1a,ForkMerge: Mitigating Negative Transfer,https://github.com/lab/Fork",
        "graphs__2b,Graphs,https://github.com/lab/graphs",
        "simple__3c,Simple Things,https://github.com/other/Simple",
        "delfi__4d,Likelihood-Free Inference,https://github.com/mackelab-fake/del\ufb01",
    ])  # fmt: skip
    repos = {"lab/ForkMerge": {"files": {"merge.py": b"import torch\n"}},
             "lab/graphs": {"files": {"g.py": b"import jax\n"}},
             "mackelab-fake/delfi": {"files": {"delfi.py": b"import theano\n"}}}  # fmt: skip
    with FakeOpenReview() as openreview, FakeGitHub(repos) as github:  # no login given: none is needed
        github.add_listing(["lab/dotfiles", "lab/Forkast-decoy", "other/SimpleGAN", "other/SimpleRL"])
        monkeypatch.setenv("ICLR_TOOLS_GIT_URL", github.base_url)
        monkeypatch.setenv("ICLR_TOOLS_API_URL", github.base_url)
        frame = dataset.create_dataset(
            2019, "live", venue="icml", cache_dir=tmp_path / "cache", openreview_url=openreview.url,
            links_file=str(table), backoff_factor=0.0, retries=1,
        )  # fmt: skip
        assert openreview.requests == []  # no login, no paper list, no PDF
        listed = [record.path for record in github.log if "/repos?" in record.path]
    said = capsys.readouterr().out
    assert "PDF pass: 4 of 4 papers skipped: ICML 2019 is not on OpenReview" in said
    assert "Repaired 1 of 2 missing links" in said and "  lab/Fork -> lab/ForkMerge (" in said
    assert sorted(path.split("?")[0] for path in listed) == ["/users/lab/repos", "/users/other/repos"]
    rows = frame.set_index("forum_id")
    fork = rows.loc["fork__1a"]
    assert (fork["repo"], fork["quoted_repo"], fork["status"], fork["frameworks"]) == (
        "lab/ForkMerge", "lab/Fork", "ok", "pytorch"
    )  # fmt: skip
    assert fork["code_url"] == "https://github.com/lab/Fork" and fork["repaired_by"]
    graphs = rows.loc["graphs__2b"]
    assert (graphs["status"], graphs["quoted_repo"], graphs["repaired_by"]) == ("ok", "", "")
    simple = rows.loc["simple__3c"]  # two candidates fit equally well: not repaired, both named
    assert (simple["repo"], simple["status"], simple["repaired_by"]) == ("other/Simple", "missing", "")
    assert "other/SimpleGAN" in simple["repair_reason"] and "other/SimpleRL" in simple["repair_reason"]
    delfi = rows.loc["delfi__4d"]
    assert (delfi["repo"], delfi["quoted_repo"], delfi["repaired_by"], delfi["frameworks"]) == (
        "mackelab-fake/delfi", "mackelab-fake/del\ufb01", "ligature", "theano"
    )  # fmt: skip


def test_a_links_table_of_another_venue_year_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "icml2020_links.json"
    table.write_text(json.dumps([{"paper": "p", "url": "https://github.com/a/b"}]), encoding="utf-8")
    with pytest.raises(ValueError, match="named for ICML 2020, not NeurIPS 2019"):
        papers.fetch_papers(2019, "live", papers.Settings(links_file=str(table)), venue="neurips")


@pytest.mark.parametrize(
    ("venue", "year", "first_day"),
    [("neurips", 2019, "2019-12-08"), ("icml", 2022, "2022-07-17")],
)
def test_years_run_from_a_table_are_read_as_of_their_conference(
    venue: str, year: int, first_day: str
) -> None:
    assert venues.find_cutoff(year, "conference", venue) == first_day
    assert venues.find_cutoff(year, "latest", venue) == ""


def test_first_days_are_those_the_fixtures_readme_cites() -> None:
    text = (FIXTURES / "README.md").read_text(encoding="utf-8")
    section = text.split("### First day of each conference", 1)[1].split("\n### ", 1)[0]
    table = re.findall(r"^\| (NeurIPS|ICML) (\d{4}) \| (\d{4}-\d\d-\d\d) \|", section, re.MULTILINE)
    assert len(table) == 14  # NeurIPS 2019-2025, ICML 2019-2025
    for name, year, first_day in table:
        assert venues.find_cutoff(int(year), "conference", name.lower()) == first_day, (name, year)


@pytest.mark.parametrize(("venue", "year"), [("neurips", 2023), ("icml", 2023), ("neurips", 2022)])
def test_a_listing_with_no_accepted_paper_is_refused_and_never_cached(
    venue: str, year: int, tmp_path: Path
) -> None:
    expected = read_venue_fixture(venue, year, "expected")
    accepted = {paper["forum_id"] for paper in expected["accepted"]}
    notes = [note for note in read_venue_fixture(venue, year)["notes"] if note["id"] not in accepted
             and note.get("replyto") not in accepted]  # fmt: skip
    kind = "notes_v1" if expected["api"] == 1 else "notes_v2"
    with FakeOpenReview(**{kind: notes}) as openreview:
        with pytest.raises(
            ServiceRefusedError,
            match=f"no accepted paper of {'NeurIPS' if venue == 'neurips' else 'ICML'} {year}",
        ):
            papers.fetch_notes(
                year, venue=venue, baseurl=openreview.url, cache_dir=tmp_path, credentials=FAKE_CREDENTIALS
            )
    assert not (tmp_path / "openreview" / f"{venue}{year}_notes.json").exists()


def with_replies(notes: list[dict]) -> list[dict]:
    """Submissions with their decision replies attached as `details.directReplies`, as the API answers them."""
    replies = [note for note in notes if note.get("replyto")]
    return [{**note, "details": {"directReplies": [r for r in replies if r["replyto"] == note["id"]]}}
            for note in notes if not note.get("replyto")]  # fmt: skip


def test_a_neurips_listing_never_passes_as_iclr_or_as_another_year() -> None:
    notes_2022 = with_replies(read_venue_fixture("neurips", 2022)["notes"])
    assert len(papers.parse_papers(notes_2022, 2022, venue="neurips")) == 5
    assert papers.parse_papers(notes_2022, 2022) == []  # its "Accept" replies would pass an ICLR v1 reading
    assert papers.parse_papers(notes_2022, 2021, venue="neurips") == []
    notes_2023 = read_venue_fixture("neurips", 2023)["notes"]
    assert (
        papers.parse_papers(notes_2023, 2024) == []
        and papers.parse_papers(notes_2023, 2023, venue="icml") == []
    )
    assert papers.parse_papers(notes_2023, 2024, venue="neurips") == []


def test_a_cache_of_one_venue_is_never_read_as_another(
    tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    with serve("neurips", 2023) as openreview:
        notes = papers.fetch_notes(2023, venue="neurips", baseurl=openreview.url, cache_dir=tmp_path)
    cache = tmp_path / "openreview" / "neurips2023_notes.json"
    assert papers.read_cached_notes(cache, 2023, "neurips") == notes
    assert (
        papers.read_cached_notes(cache, 2023, "icml") is None
        and papers.read_cached_notes(cache, 2023) is None
    )
    moved = tmp_path / "openreview" / "icml2023_notes.json"
    moved.write_bytes(cache.read_bytes())  # a NeurIPS file under ICML's name
    assert papers.read_cached_notes(moved, 2023, "icml") is None


def v1_note(
    number: int, forum: str, content: dict, invitation: str = "NeurIPS.cc/2021/Conference/-/Blind_Submission"
) -> dict:
    """A NeurIPS 2021 API v1 submission as recorded (bare content values)."""
    base = {"title": f"Paper {forum}", "abstract": "", "pdf": f"/pdf/{forum}.pdf", "authorids": ["~A_B1"],
            "venueid": invitation.split("/-/")[0]}  # fmt: skip
    return {
        "id": forum,
        "forum": forum,
        "number": number,
        "invitation": invitation,
        "content": base | content,
    }


NEURIPS_2021 = [
    v1_note(10, "code1", {"venue": "NeurIPS 2021 Poster", "code": "https://github.com/a/from-code-field"}),
    v1_note(11, "nocode", {"venue": "NeurIPS 2021 Spotlight", "code": "", "abstract": "See github.com/a/abs."}),
    v1_note(12, "both", {"venue": "NeurIPS 2021 Oral", "code": "https://github.com/a/field",
                         "abstract": "Code: https://github.com/a/abs2", "TL;DR": "x"}),
    v1_note(13, "twin1", {"venue": "NeurIPS 2021 Poster", "title": "Twin", "pdf": "/pdf/same.pdf"}),
    v1_note(40, "twin2", {"venue": "NeurIPS 2021 Poster", "title": "Twin", "pdf": "/pdf/same.pdf"}),
    v1_note(14, "subm", {"venue": "NeurIPS 2021 Submitted", "abstract": "github.com/rejected/x"}),
    v1_note(15, "silent", {}),  # no venue, no decision reply: status unknown, left out
    v1_note(16, "dbr1", {"venue": "NeurIPS 2021 Datasets and Benchmarks Track (Round 1)",
                         "URL": "https://github.com/db/round1"},
            "NeurIPS.cc/2021/Track/Datasets_and_Benchmarks/Round1/-/Submission"),
    v1_note(17, "dbno", {"venue": "Submitted to NeurIPS 2021 Datasets and Benchmarks Track (Round 2)"},
            "NeurIPS.cc/2021/Track/Datasets_and_Benchmarks/Round2/-/Submission"),
]  # fmt: skip


def test_neurips_2021_optional_code_field_twins_and_rounds() -> None:
    found = {paper["forum_id"]: paper for paper in papers.parse_papers(NEURIPS_2021, 2021, venue="neurips")}
    assert sorted(found) == ["both", "code1", "dbr1", "nocode", "twin1"]  # twin2 has the higher number
    assert {forum: paper["track"] for forum, paper in found.items()} == {
        "both": "Talk", "code1": "Poster", "dbr1": "Datasets and Benchmarks", "nocode": "Spotlight", "twin1": "Poster"
    }  # fmt: skip
    assert not any(paper["code_field"] for paper in found.values())  # optional: the PDF pass still runs
    rows = links.extract_code_links(list(found.values()))
    assert sorted((row["forum_id"], row["url"], row["source"]) for row in rows) == [
        ("both", "https://github.com/a/abs2", "abstract"),
        ("both", "https://github.com/a/field", "code field"),
        ("code1", "https://github.com/a/from-code-field", "code field"),
        ("dbr1", "https://github.com/db/round1", "URL"),
        ("nocode", "https://github.com/a/abs", "abstract"),
    ]


def test_a_decision_reply_decides_a_v1_note_without_a_venue_string() -> None:
    reply = {"invitation": "NeurIPS.cc/2022/Conference/Paper5/-/Decision", "content": {"decision": "Accept"}}
    note = v1_note(5, "quiet", {}, "NeurIPS.cc/2022/Conference/-/Blind_Submission") | {
        "details": {"directReplies": [reply]}
    }
    paper = papers.parse_paper(note, 2022, venue="neurips")
    assert paper is not None and (paper["decision"], paper["track"]) == ("Accept", "Accepted")
    rejected = {**note, "details": {"directReplies": [{**reply, "content": {"decision": "Reject"}}]}}
    assert papers.parse_paper(rejected, 2022, venue="neurips") is None


def test_iclr_defaults_are_unchanged() -> None:
    assert venues.find_listings(2020) == [{"invitation": "ICLR.cc/2020/Conference/-/Blind_Submission"}]
    assert venues.find_listings(2024) == [{"venueid": "ICLR.cc/2024/Conference"}]
    assert venues.find_cutoff(2021, "conference") == "2021-05-03"
    with pytest.raises(
        ValueError, match="ICLR 2017 is not on OpenReview with decisions: supported years are 2018-"
    ):
        venues.check_year(2017)


@pytest.mark.parametrize(
    ("venue", "year"),
    [("neurips", 2019), ("neurips", 2020), ("icml", 2019), ("icml", 2020), ("icml", 2021), ("icml", 2022)],
)
def test_the_recorded_links_tables_run_as_the_refusal_says(venue: str, year: int, shared_dir: Path) -> None:
    table = shared_dir / "links" / f"{venue}{year}_links.json"
    counts = {
        (row["venue"].lower(), row["year"]): row
        for row in json.loads((shared_dir / "links" / "venue_counts.json").read_text())
    }
    found = papers.fetch_papers(year, "live", papers.Settings(links_file=str(table)), venue=venue)
    table_links = links.read_links_table(table)
    assert (
        len(found) == counts[(venue, year)]["with_github_url"]
    )  # venue_counts.json, made apart from the tables
    assert len(table_links) == counts[(venue, year)]["github_urls"]
    assert {link["forum_id"] for link in table_links} == {paper["forum_id"] for paper in found}
    assert not any(pdfs.is_openreview_pdf(paper) for paper in found)  # the PDF pass asks OpenReview nothing
