"""NeurIPS and ICML beside ICLR: their links parsed into the embedded data, code sharing counted per venue-year."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from iclr_tools import venues

ROOT = Path(__file__).resolve().parents[1]
TRENDS = pd.read_csv(ROOT / "data" / "trends.csv")
YEARS = pd.read_csv(ROOT / "data" / "years.csv", keep_default_na=False)
VENUE_YEARS = [(venue, year) for venue in ("neurips", "icml") for year in range(2019, 2025)]
# A GitHub repository URL, read with a regular expression of this test's own (not the project's parser)
REPOSITORY = re.compile(r"^https?://(?:www\.)?github\.com/([^/?#\s]+)/([^/?#\s]+)", re.IGNORECASE)
NOT_OWNERS = {"orgs", "topics", "about", "features", "marketplace", "sponsors", "settings", "search"}


def quotes_repository(url: str) -> bool:
    """Whether a URL names a GitHub repository (owner/name), by this test's own reading."""
    match = REPOSITORY.match(url.strip())
    return bool(match) and match.group(1).lower() not in NOT_OWNERS


def count_from_links(shared_dir: Path, venue: str, year: int, track: str | None = None) -> tuple[int, int]:
    """(papers quoting a GitHub repository, papers with any GitHub URL) straight from ../shared/links."""
    rows = json.loads((shared_dir / "links" / f"{venue}{year}_links.json").read_text())
    rows = [row for row in rows if track is None or row["track"] == track]
    return len({row["paper"] for row in rows if quotes_repository(row["url"])}), len(
        {row["paper"] for row in rows}
    )


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_code_sharing_equals_a_count_straight_from_the_links(shared_dir: Path, venue: str, year: int) -> None:
    rows = TRENDS[
        (TRENDS["venue"] == venue) & (TRENDS["year"] == year) & (TRENDS["measure"] == "code_sharing")
    ]
    counts = {
        (row["venue"], row["year"]): row
        for row in json.loads((shared_dir / "links" / "venue_counts.json").read_text())
    }
    facts = counts[({"neurips": "NeurIPS", "icml": "ICML"}[venue], year)]
    main = "conference" if (venue, year) == ("neurips", 2024) else None  # 2024's list holds D&B too
    repositories, any_github = count_from_links(shared_dir, venue, year, main)
    assert rows["count"].item() == repositories
    assert rows["n"].item() == (4035 if main else facts["papers_read"])  # ../shared/links/README.md
    if main is None:
        assert any_github == facts["with_github_url"]  # every paper of the source's count is in the file
    # the gap, row by row: a paper whose every GitHub URL is a user or organisation page quotes no repository
    rows_file = json.loads((shared_dir / "links" / f"{venue}{year}_links.json").read_text())
    pages_only = {r["paper"] for r in rows_file if main in (None, r["track"])} - {
        r["paper"] for r in rows_file if quotes_repository(r["url"])
    }
    assert any_github - repositories == len(pages_only)
    for paper in pages_only:
        urls = [r["url"] for r in rows_file if r["paper"] == paper]
        assert all(re.match(r"^https?://github\.com/(?:[^/]+/?|orgs/.*)$", url.strip()) for url in urls), urls


def test_neurips_2024_datasets_and_benchmarks_stands_apart(shared_dir: Path) -> None:
    rows = TRENDS[(TRENDS["venue"] == "neurips") & (TRENDS["year"] == 2024)].set_index("measure")
    repositories, _ = count_from_links(shared_dir, "neurips", 2024, "datasets_and_benchmarks_track")
    row = rows.loc["code_sharing:datasets_and_benchmarks_track"]
    assert (row["count"], row["n"]) == (repositories, 459)  # 459 papers listed in the track (README)
    assert set(TRENDS.loc[TRENDS["measure"].str.startswith("code_sharing:"), "year"]) == {2024}


@pytest.mark.parametrize(("venue", "year"), VENUE_YEARS)
def test_every_link_is_a_target_or_classified_with_a_reason(shared_dir: Path, venue: str, year: int) -> None:
    table = venues.read_venue_links(venue, year, ROOT / "data")
    source = json.loads((shared_dir / "links" / f"{venue}{year}_links.json").read_text())
    assert len(table) == len(source) and table["paper"].tolist() == [row["paper"] for row in source]
    targets = table["link_kind"] == "github"
    assert (table.loc[targets, "repo"] != "").all() and (table.loc[targets, "reason"] == "").all()
    assert (table.loc[~targets, "reason"] != "").all()
    assert (table["venue"] == venue).all() and (table["year"] == year).all()
    assert targets.tolist() == [quotes_repository(row["url"]) for row in source]


def test_years_table_holds_every_venue_and_says_where_links_come_from() -> None:
    assert YEARS.columns[0] == "venue"
    assert sorted(
        map(tuple, YEARS.loc[YEARS["venue"] != "iclr", ["venue", "year"]].values.tolist())
    ) == sorted(VENUE_YEARS)
    other = YEARS[YEARS["venue"] != "iclr"]
    assert (other["link_source"] == venues.PDF_QUOTES).all()
    sampled = other[
        other["method"] == "sample"
    ]  # the recorded samples of repositories: ../shared/{venue}{year}
    facts = sorted(sampled[["venue", "year", "links_drawn", "repositories_read"]].astype(str).values.tolist())
    assert facts == [  # each folder's README: 60 links drawn; its repos/ holds the recorded ones
        ["icml", "2019", "60", "55"], ["icml", "2021", "60", "55"], ["icml", "2023", "60", "56"],
        ["neurips", "2020", "60", "59"], ["neurips", "2021", "60", "55"], ["neurips", "2023", "60", "58"],
    ]  # fmt: skip
    assert (other.drop(sampled.index)["method"] == "links").all()


def test_an_unknown_venue_is_refused_with_the_venues_there_are() -> None:
    with pytest.raises(ValueError, match="use one of iclr, neurips, icml"):
        venues.check_venue("cvpr")
    with pytest.raises(FileNotFoundError, match="embedded are NeurIPS 2019-2024, ICML 2019-2024"):
        venues.read_venue_links("neurips", 2018, ROOT / "data")


def test_a_dataset_never_shows_under_another_venue() -> None:
    from iclr_tools import dataset, years

    neurips = ROOT / "data" / "years" / "neurips2023.csv"
    assert pd.read_csv(neurips, nrows=1).columns[0] == "venue"  # its rows carry their venue
    assert (
        "venue" not in pd.read_csv(ROOT / "data" / "all_tools.csv", nrows=1).columns
    )  # ICLR's files as they were
    with pytest.raises(ValueError, match="holds NeurIPS rows, not ICLR 2023: ask for -p venue neurips"):
        dataset.create_dataset(2023, neurips)
    with pytest.raises(ValueError, match="holds ICLR rows, not NeurIPS 2023"):
        years.read_venue_year("neurips", 2023, ROOT / "data" / "years" / "iclr2023.csv")
    with pytest.raises(ValueError, match="holds NeurIPS 2023 rows, not NeurIPS 2022"):
        years.read_venue_year("neurips", 2022, neurips)


def test_a_snapshot_folder_of_another_venue_is_refused(shared_dir: Path) -> None:
    from iclr_tools import dataset

    with pytest.raises(ValueError, match="records NeurIPS 2023, not ICLR 2023: run with -p venue neurips"):
        dataset.create_dataset(2023, shared_dir / "neurips2023", cache_dir=ROOT / "cache")


ICLR_PDF_YEARS = list(range(2018, 2025))
WORKSHOP = "Invite to Workshop Track"  # ICLR 2018's papers invited to the workshop track (iclr_pdf/README.md)


def read_iclr_pdf(shared_dir: Path, year: int) -> tuple[list[dict], dict]:
    """An ICLR year's PDF-quoted links and its row of counts.json, read straight from ../shared/links/iclr_pdf."""
    folder = shared_dir / "links" / "iclr_pdf"
    counts = {row["year"]: row for row in json.loads((folder / "counts.json").read_text())}
    return json.loads((folder / f"iclr{year}_links.json").read_text()), counts[year]


@pytest.mark.parametrize("year", ICLR_PDF_YEARS)
def test_iclr_code_sharing_on_the_pdf_method_matches_counts_json(shared_dir: Path, year: int) -> None:
    rows, facts = read_iclr_pdf(shared_dir, year)
    assert (
        len({row["paper"] for row in rows}) == facts["with_github_url"]
    )  # every paper counted is in the file
    assert len(rows) == facts["github_urls"]
    conference = [row for row in rows if row["track"] != WORKSHOP]
    repositories = {row["paper"] for row in conference if quotes_repository(row["url"])}
    trend = TRENDS[(TRENDS["venue"] == "iclr") & (TRENDS["year"] == year)].set_index("measure")
    row = trend.loc["code_sharing_pdf_quotes"]
    apart = facts["papers_read"] - len(json.loads((shared_dir / "iclr2018" / "papers.json").read_text()))
    assert (row["count"], row["n"]) == (
        len(repositories),
        facts["papers_read"] - (apart if year == 2018 else 0),
    )
    assert row["method"] == "exact" and row["share"] == round(len(repositories) / row["n"], 3)
    # the gap to counts.json, row by row: a paper whose every GitHub URL is a user or organisation page
    pages_only = {r["paper"] for r in conference} - repositories
    for paper in pages_only:
        urls = [r["url"] for r in conference if r["paper"] == paper]
        assert all(re.match(r"^https?://github\.com/(?:[^/]+/?|orgs/.*)$", url.strip()) for url in urls), urls
    assert len({r["paper"] for r in conference}) - len(repositories) == len(pages_only)


def test_iclr_2018_counts_its_conference_papers_with_the_workshop_track_apart(shared_dir: Path) -> None:
    rows, facts = read_iclr_pdf(shared_dir, 2018)
    accepted = {paper["forum"] for paper in json.loads((shared_dir / "iclr2018" / "papers.json").read_text())}
    assert len(accepted) == 337 and facts["papers_read"] - len(accepted) == 90  # iclr_pdf/README.md
    assert all((row["forum"] in accepted) == (row["track"] != WORKSHOP) for row in rows)  # the tracks agree
    conference = {row["paper"] for row in rows if row["track"] != WORKSHOP}
    workshop = {row["paper"] for row in rows if row["track"] == WORKSHOP}
    assert (len(conference), len(workshop)) == (114, 3)  # papers with a GitHub URL (the figures)
    trend = TRENDS[(TRENDS["venue"] == "iclr") & (TRENDS["year"] == 2018)].set_index("measure")
    assert trend.loc["code_sharing_pdf_quotes", "n"] == 337
    workshop_row = trend.loc["code_sharing_pdf_quotes:workshop_track"]
    repositories = {
        row["paper"] for row in rows if row["track"] == WORKSHOP and quotes_repository(row["url"])
    }
    assert (workshop_row["count"], workshop_row["n"]) == (len(repositories), 90)


def test_the_data_says_what_iclrs_pdf_sharing_counts_over(shared_dir: Path) -> None:
    """ICLR 2023 counts over the 1,565 papers the source read, not the 1,575 accepted: the table says so."""
    table = pd.read_csv(ROOT / "data" / "venues" / "iclr_pdf_counts.csv", keep_default_na=False)
    accepted = YEARS[YEARS["venue"] == "iclr"].set_index("year")["accepted_papers"].astype(int)
    assert len(json.loads((shared_dir / "iclr2023" / "papers.json").read_text())) == accepted[2023] == 1575
    main = table[table["track"] == "conference"].set_index("year")
    assert main.loc[2023, "papers"] == 1565 and int(main.loc[2023, "accepted_papers"]) == 1575
    assert "1,565" in main.loc[2023, "note"] and "1,575 accepted" in main.loc[2023, "note"]
    for year, row in main.iterrows():  # a note wherever the papers counted are not the accepted ones
        _, facts = read_iclr_pdf(shared_dir, year)
        assert row["papers_read"] == facts["papers_read"] and row["papers_listed"] == facts["papers_listed"]
        assert bool(row["note"]) == (row["papers"] != accepted[year] or year == 2018), year


@pytest.mark.parametrize("year", ICLR_PDF_YEARS)
def test_every_iclr_pdf_link_is_embedded_a_target_or_classified(shared_dir: Path, year: int) -> None:
    table = venues.read_venue_links("iclr", year, ROOT / "data")
    rows, _ = read_iclr_pdf(shared_dir, year)
    assert table["paper"].tolist() == [row["paper"] for row in rows]
    assert table["forum"].tolist() == [row["forum"] for row in rows]  # OpenReview ids: a links table for ICLR
    targets = table["link_kind"] == "github"
    assert targets.tolist() == [quotes_repository(row["url"]) for row in rows]
    assert (table.loc[targets, "repo"] != "").all() and (table.loc[~targets, "reason"] != "").all()
    assert (table["venue"] == "iclr").all() and (table["year"] == year).all()


@pytest.mark.parametrize(
    ("name", "said"),
    [("neurips2020_links.json", ("neurips", 2020)), ("ICML2019", ("icml", 2019)), ("iclr2024.csv", ("iclr", 2024)),
     ("links.csv", None), ("cvpr2020", None), ("my_neurips_links", None)],
)  # fmt: skip
def test_a_file_or_folder_name_says_its_venue_year(name: str, said: tuple[str, int] | None) -> None:
    assert venues.parse_venue_year_name(name) == said


def test_a_folder_and_a_table_named_for_another_venue_year_are_refused_alike(tmp_path: Path) -> None:
    from iclr_tools import papers

    (tmp_path / "ICML2020").mkdir()
    (tmp_path / "icml2020_links.csv").write_text("paper,url\np,https://github.com/a/b\n")
    with pytest.raises(
        ValueError, match="records ICML 2020, not NeurIPS 2019: run with -p venue icml -p year 2020"
    ):
        papers.check_snapshot_year(tmp_path / "ICML2020", 2019, "neurips")
    with pytest.raises(
        ValueError, match="named for ICML 2020, not NeurIPS 2019: .* -p venue icml -p year 2020"
    ):
        papers.read_table_papers(tmp_path / "icml2020_links.csv", 2019, "neurips")


# Venue-years as their pages and OpenReview give them (tests/fixtures/venues/README.md): name, first day, API, read
VENUE_YEAR_FACTS = [
    ("ICLR", 2020, "ICLR 2020", "2020-05-01", 1, "live"), ("iclr", 2024, "ICLR 2024", "2024-05-07", 2, "live"),
    ("iclr", 2017, "ICLR 2017", "", None, "embedded"),
    ("neurips", 2020, "NeurIPS 2020", "2020-12-06", None, "links table"),
    ("NeurIPS", 2022, "NeurIPS 2022", "2022-11-28", 1, "live"), ("neurips", 2023, "NeurIPS 2023", "2023-12-10", 2, "live"),
    ("neurips", 2018, "NeurIPS 2018", "", None, "embedded"),
    ("icml", 2022, "ICML 2022", "2022-07-17", None, "links table"), ("icml", 2023, "ICML 2023", "2023-07-23", 2, "live"),
    ("icml", 2031, "ICML 2031", "", None, "embedded"),
]  # fmt: skip


@pytest.mark.parametrize(("venue", "year", "name", "first_day", "api", "read"), VENUE_YEAR_FACTS)
def test_a_venue_year_is_built_once_with_everything_a_stage_reads(
    venue: str, year: int, name: str, first_day: str, api: int | None, read: str
) -> None:
    venue_year = venues.VenueYear.of(venue, year)
    assert (venue_year.venue, venue_year.year) == (venue.lower(), year)
    assert (venue_year.name, venue_year.first_day, venue_year.api, venue_year.read) == (
        name,
        first_day,
        api,
        read,
    )
    if read == "live":
        assert venue_year.check_live() is venue_year and venue_year.find_cutoff("conference") == first_day
    else:  # a year no live run lists says how it can be read, as check_year always said
        with pytest.raises(ValueError, match="is not on OpenReview|cannot be listed"):
            venue_year.check_live()
    with pytest.raises(dataclasses.FrozenInstanceError):
        venue_year.year = 2000  # type: ignore[misc]
