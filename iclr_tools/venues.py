"""Stage 1-2, papers and links (venues): ICLR by default, NeurIPS and ICML beside it.

NeurIPS and ICML papers come from their proceedings, not OpenReview (before 2021 and 2023), so what the project
embeds of them is the GitHub links their PDFs quote (`../shared/links/{venue}{year}_links.json`, one row per
(paper, URL), keyed by `paper`, a title key), each parsed by the project's own link parser, and the papers per
venue-year (`venue_counts.json`). Code sharing is the share of papers read that quote a GitHub repository.

>>> check_venue("NeurIPS")
'neurips'
>>> VENUE_NAMES[check_venue("icml")]
'ICML'
>>> name_venue_year("neurips", 2023)
'NeurIPS 2023'
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .files import write_text_atomic
from .links import parse_code_link
from .settings import VENUE_NAMES, check_venue

LINKED_YEARS = {"neurips": tuple(range(2019, 2025)), "icml": tuple(range(2019, 2025))}  # ../shared/links
PDF_QUOTES = "code URLs quoted from the paper PDFs"
# Papers per track where a venue-year's list holds more than the main conference: NeurIPS 2024's holds the
# Datasets and Benchmarks track too (../shared/links/README.md: 4,035 + 459 papers listed, 2 of them not read).
TRACK_PAPERS = {("neurips", 2024): {"conference": 4035, "datasets_and_benchmarks_track": 459}}
MAIN_TRACKS = {"conference", "None", ""}  # the main conference (the source says "conference" or nothing)
LINK_COLUMNS = ["venue", "year", "paper", "title", "track", "pdf_url", "url", "link_kind", "repo", "ref", "subdir",
                "reason"]  # fmt: skip
LINK_REASONS = {
    "github": "",
    "github_user": "a GitHub user or organisation page, not a repository",
    "github_other": "a GitHub page that is not a repository (topics, orgs, ...)",
}


def name_venue_year(venue: str, year: int) -> str:
    """How a venue-year is written for a reader ("NeurIPS 2023")."""
    return f"{VENUE_NAMES[check_venue(venue)]} {year}"


def find_venue_links(venue: str, year: int, data_dir: str | Path) -> Path:
    """The embedded link table of a venue-year (`data/venues/{venue}{year}_links.csv`)."""
    return Path(data_dir) / "venues" / f"{check_venue(venue)}{year}_links.csv"


def parse_venue_links(rows: list[dict], venue: str, year: int) -> pd.DataFrame:
    """One row per (paper, URL) of a links file, each parsed: a repository target, or its kind and why not.

    >>> frame = parse_venue_links([{"paper": "p", "title": "T", "track": None, "pdf_url": "",
    ...                             "url": "https://github.com/a/b/tree/main/src"},
    ...                            {"paper": "q", "title": "U", "track": None, "pdf_url": "",
    ...                             "url": "https://github.com/someone"}], "icml", 2021)
    >>> frame[["repo", "subdir", "link_kind"]].values.tolist()
    [['a/b', 'src', 'github'], ['', '', 'github_user']]
    """
    out = []
    for row in rows:
        link = parse_code_link(str(row.get("url") or ""))
        out.append({"venue": venue, "year": year, "paper": row["paper"], "title": row.get("title") or "",
                    "track": str(row.get("track")), "pdf_url": row.get("pdf_url") or "", "url": link["url"],
                    "link_kind": link["kind"], "repo": link["repo"], "ref": link["ref"], "subdir": link["subdir"],
                    "reason": LINK_REASONS.get(link["kind"], f"not GitHub ({link['host'] or 'no host'})")})  # fmt: skip
    return pd.DataFrame(out, columns=LINK_COLUMNS)


def read_venue_counts(shared_dir: str | Path) -> dict[tuple[str, int], dict]:
    """Papers per venue-year as the links' source read them (`../shared/links/venue_counts.json`)."""
    rows = json.loads((Path(shared_dir) / "links" / "venue_counts.json").read_text(encoding="utf-8"))
    return {(check_venue(row["venue"]), int(row["year"])): row for row in rows}


def build_venue_links(shared_dir: str | Path, data_dir: str | Path) -> pd.DataFrame:
    """Write every NeurIPS and ICML year's parsed link table into `data/venues/`; return what each year holds."""
    counts = read_venue_counts(shared_dir)
    described = []
    for venue, years in LINKED_YEARS.items():
        for year in years:
            source = Path(shared_dir) / "links" / f"{venue}{year}_links.json"
            frame = parse_venue_links(json.loads(source.read_text(encoding="utf-8")), venue, year)
            path = find_venue_links(venue, year, data_dir)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
            described.append(describe_venue_year(venue, year, frame, counts[(venue, year)], data_dir))
    return pd.DataFrame(described)


def count_sharing_papers(frame: pd.DataFrame) -> int:
    """Papers of a link table that quote a GitHub repository (a user page or another site is no target)."""
    return int(frame.loc[frame["link_kind"] == "github", "paper"].nunique())


def describe_venue_year(
    venue: str, year: int, frame: pd.DataFrame, counts: dict, data_dir: str | Path
) -> dict:
    """What a venue-year's embedded links hold, in `years.csv`'s columns."""
    targets = frame[frame["link_kind"] == "github"].drop_duplicates(["repo", "ref", "subdir"])
    return {"venue": venue, "year": year, "method": "links", "accepted_papers": int(counts["papers_read"]),
            "papers_with_github_link": count_sharing_papers(frame), "github_links": len(frame), "links_drawn": "",
            "seed": "", "targets": len(targets), "repositories_read": 0, "repositories_with_python": 0,
            "readmes_known": False, "paper_list": False, "author_domains": False, "link_source": PDF_QUOTES,
            "dataset": str(find_venue_links(venue, year, Path("data")))}  # fmt: skip


def split_sharing_by_track(
    venue: str, year: int, frame: pd.DataFrame, papers_read: int
) -> list[tuple[str, int, int]]:
    """(measure, papers quoting a repository, papers) for code sharing: `code_sharing` for the main conference
    (every year's list holds it), and `code_sharing:{track}` for each other track a list holds."""
    tracks = TRACK_PAPERS.get((venue, year))
    if not tracks:
        return [("code_sharing", count_sharing_papers(frame), papers_read)]
    rows = []
    for track, papers in tracks.items():
        measure = "code_sharing" if track in MAIN_TRACKS else f"code_sharing:{track}"
        rows.append((measure, count_sharing_papers(frame[frame["track"] == track]), papers))
    return rows


def read_venue_links(venue: str, year: int, data_dir: str | Path) -> pd.DataFrame:
    """A venue-year's embedded link table, or a clear error naming the venue-years there are."""
    path = find_venue_links(venue, year, data_dir)
    if not path.is_file():
        there = ", ".join(f"{VENUE_NAMES[v]} {min(ys)}-{max(ys)}" for v, ys in LINKED_YEARS.items())
        raise FileNotFoundError(
            f"No embedded links for {name_venue_year(venue, year)} ({path}): embedded are {there}"
        )
    return pd.read_csv(path, keep_default_na=False, dtype={"year": int})
