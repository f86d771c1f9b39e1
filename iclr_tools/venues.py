"""Stage 1-2, papers and links (venues): ICLR by default, NeurIPS and ICML beside it: which venue-years exist
where (OpenReview years, API versions, listings per track, first days), and the links of those not read from
OpenReview.

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
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .files import write_text_atomic
from .links import extract_targets, parse_quoted_link
from .settings import VENUE_NAMES, VENUES, check_venue, describe_embedded, is_iso_date

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


# Years ICLR's accepted papers are on OpenReview with a decision; 2018-2023 on API v1, 2024 on on API v2.
FIRST_YEAR = 2018
LAST_YEAR = 2026
FIRST_V2_YEAR = 2024

# Each venue on OpenReview (tests/fixtures/venues/README.md gives the sources): its group, the years a live run
# lists (first, last), and the first year on API v2. NeurIPS reviews there from 2021, ICML from 2023; their
# earlier papers are on the proceedings sites only (proceedings.neurips.cc, PMLR).
VENUE_GROUPS = {"iclr": "ICLR.cc", "neurips": "NeurIPS.cc", "icml": "ICML.cc"}
LIVE_YEARS = {"iclr": (FIRST_YEAR, LAST_YEAR), "neurips": (2021, 2025), "icml": (2023, 2025)}
FIRST_V2_YEARS = {"iclr": FIRST_V2_YEAR, "neurips": 2023, "icml": 2023}
PROCEEDINGS = {"neurips": "proceedings.neurips.cc", "icml": "PMLR (proceedings.mlr.press)"}
DB_TRACK = "Datasets and Benchmarks"  # NeurIPS's Datasets and Benchmarks track, a track of its own

# The cut-off of each venue-year: its first day (ICLR 2020: the end of the virtual conference week), as the
# recorded data uses; NeurIPS and ICML from their own pages (tests/fixtures/venues/README.md, "First day").
CONFERENCE_DATES = {
    "iclr": {2018: "2018-05-01", 2019: "2019-05-06", 2020: "2020-05-01", 2021: "2021-05-03",
             2022: "2022-04-25", 2023: "2023-05-01", 2024: "2024-05-07", 2025: "2025-04-24",
             2026: "2026-04-23"},
    "neurips": {2019: "2019-12-08", 2020: "2020-12-06", 2021: "2021-12-06", 2022: "2022-11-28",
                2023: "2023-12-10", 2024: "2024-12-09", 2025: "2025-12-02"},
    "icml": {2019: "2019-06-10", 2020: "2020-07-12", 2021: "2021-07-18", 2022: "2022-07-17",
             2023: "2023-07-23", 2024: "2024-07-21", 2025: "2025-07-13"},
}  # fmt: skip


LIVE = "live"  # how a venue-year is read: OpenReview lists it
TABLE = "links table"  # a year before OpenReview, run live from a links table
EMBEDDED = "embedded"  # no live run lists it: only recorded or embedded data shows it


@dataclass(frozen=True)
class VenueYear:
    """One venue-year, built once where a run starts (`VenueYear.of`) and passed down, so no stage asks again:
    its venue key, year, name for a reader, first day ('' when unknown), OpenReview API version (None when not on
    OpenReview) and how it is read (LIVE, TABLE or EMBEDDED)."""

    venue: str
    year: int
    name: str
    first_day: str
    api: int | None
    read: str

    @classmethod
    def of(cls, venue: str, year: int) -> VenueYear:
        """The venue-year of `venue` (any letter case; an unknown venue is a ValueError naming the venues there
        are) and `year` (any year: one no run can list is EMBEDDED, and `check_live` says why).

        >>> VenueYear.of("NeurIPS", 2020)
        VenueYear(venue='neurips', year=2020, name='NeurIPS 2020', first_day='2020-12-06', api=None, read='links table')
        >>> VenueYear.of("iclr", 2024).api, VenueYear.of("icml", 2031).read
        (2, 'embedded')
        """
        venue = check_venue(venue)
        first, last = LIVE_YEARS[venue]
        dates = CONFERENCE_DATES[venue]
        if isinstance(year, int) and not isinstance(year, bool) and first <= year <= last:
            read, api = LIVE, (2 if year >= FIRST_V2_YEARS[venue] else 1)
        else:  # the years before OpenReview whose first day is known are those a links table can run
            read, api = (TABLE if venue != "iclr" and year in dates else EMBEDDED), None
        return cls(venue, year, f"{VENUE_NAMES[venue]} {year}", dates.get(year, ""), api, read)

    def check_live(self) -> VenueYear:
        """This venue-year if a live run can list its accepted papers on OpenReview, else a clear ValueError (for
        a NeurIPS or ICML year before OpenReview: how to run it from a links table instead)."""
        if self.read == LIVE:
            return self
        if self.venue == "iclr":
            raise ValueError(
                f"ICLR {self.year!r} is not on OpenReview with decisions: supported years are "
                f"{FIRST_YEAR}-{LAST_YEAR} (API v1 for {FIRST_YEAR}-{FIRST_V2_YEAR - 1}, API v2 from "
                f"{FIRST_V2_YEAR}). {describe_embedded()}"
            )
        first, last = LIVE_YEARS[self.venue]
        name, first_v2 = VENUE_NAMES[self.venue], FIRST_V2_YEARS[self.venue]
        supported = (
            f"{name} reviews on OpenReview from {first}; a live run lists {name} {first}-{last} (API v1 for "
            f"{first}-{first_v2 - 1}, API v2 from {first_v2})"
            if first_v2 > first
            else f"{name} reviews on OpenReview from {first}; a live run lists {name} {first}-{last} (API v2)"
        )
        if self.read == TABLE:
            raise ValueError(
                f"{self.name} is not on OpenReview: {supported}, and its papers up to {first - 1} are on "
                f"{PROCEEDINGS[self.venue]} only, so -p source live cannot list them. "
                f"{describe_table_run(self.year, self.venue)}"
            )
        raise ValueError(f"{name} {self.year!r} cannot be listed: {supported}. {describe_embedded()}")

    def find_cutoff(self, as_of: str) -> str:
        """The date code is read as of: the conference's first day (`"conference"`, for a year a run can read),
        none (`"latest"`: ''), or a given date.

        >>> VenueYear.of("neurips", 2019).find_cutoff("conference"), VenueYear.of("iclr", 2021).find_cutoff("")
        ('2019-12-08', '')
        """
        if as_of == "conference":
            return (self if self.read == TABLE else self.check_live()).first_day
        if as_of in ("latest", ""):
            return ""
        if not is_iso_date(as_of):
            raise ValueError(f"as_of={as_of!r}: give 'conference', 'latest' or a date such as 2024-05-07")
        return as_of

    def find_listings(self) -> list[dict[str, str]]:
        """The listings a live run makes, one per track (NeurIPS 2021's D&B: one per round): API v1 queries by
        `invitation` (decisions as direct replies), API v2 by `content.venueid` (accepted only)."""
        year = self.check_live().year
        if self.venue == "iclr":
            return (
                [{"invitation": submission_invitation(year)}]
                if self.api == 1
                else [{"venueid": venue_id(year)}]
            )
        group = f"{VENUE_GROUPS[self.venue]}/{year}"
        if self.api == 1:  # NeurIPS 2021-2022: main double blind, D&B single blind
            rounds = ["Round1/", "Round2/"] if year == 2021 else [""]
            return [{"invitation": f"{group}/Conference/-/Blind_Submission"}] + [
                {"invitation": f"{find_db_group(year)}/{part}-/Submission"} for part in rounds
            ]
        groups = [f"{group}/Conference"] + ([find_db_group(year)] if self.venue == "neurips" else [])
        return [{"venueid": venue_group} for venue_group in groups]


def find_cutoff(year: int, as_of: str, venue: str = "iclr") -> str:
    """The date code is read as of (see `VenueYear.find_cutoff`).

    >>> find_cutoff(2021, "conference"), find_cutoff(2021, "latest"), find_cutoff(2021, "2021-01-31")
    ('2021-05-03', '', '2021-01-31')
    >>> find_cutoff(2019, "conference", "neurips")
    '2019-12-08'
    """
    return VenueYear.of(venue, year).find_cutoff(as_of)


def check_year(year: int, venue: str = "iclr") -> int:
    """Return `year` if `venue` has accepted papers on OpenReview for it, else raise a clear ValueError (for a
    NeurIPS or ICML year before OpenReview: how to run it from a links table instead)."""
    return VenueYear.of(venue, year).check_live().year


def describe_table_run(year: int, venue: str) -> str:
    """How to run a NeurIPS or ICML year that is not on OpenReview: from a links table, repositories fetched live."""
    return (
        "Run it from a links table instead, with the repositories fetched live (no OpenReview login is needed): "
        "a CSV with `paper` (or `forum`) and `url` columns, or JSON holding such rows, one row per (paper, code "
        f"URL), such as the project's own data/venues/{venue}{year}_links.csv (the links its PDFs quote): "
        f"`mkdir -p out && papermill notebooks/01_create_data.ipynb out/01_{venue}{year}.ipynb -p venue {venue} "
        f"-p year {year} -p source live -p links_file data/venues/{venue}{year}_links.csv`. The papers are those "
        "the table lists (a paper without code is not in it), its repositories read as of the conference's first day."
    )


def is_live_year(year: object, venue: str = "iclr") -> bool:
    """Whether a live run can list the accepted papers of `venue` in `year` (an int in its LIVE_YEARS)."""
    return VenueYear.of(venue, year).read == LIVE  # type: ignore[arg-type]


def is_table_year(year: object, venue: str = "iclr") -> bool:
    """Whether `year` of `venue` is a conference year before OpenReview, which a links table can run (NeurIPS
    2019-2020, ICML 2019-2022: the years whose first day is known)."""
    return VenueYear.of(venue, year).read == TABLE  # type: ignore[arg-type]


def api_version(year: int, venue: str = "iclr") -> int:
    """Which OpenReview API serves the papers of `venue` in `year` (1 or 2)."""
    return VenueYear.of(venue, year).check_live().api  # type: ignore[return-value]


def submission_invitation(year: int) -> str:
    """The API v1 invitation of the blind submissions of ICLR `year`."""
    return f"ICLR.cc/{year}/Conference/-/Blind_Submission"


def venue_id(year: int) -> str:
    """The API v2 `content.venueid` of the accepted papers of ICLR `year`."""
    return f"ICLR.cc/{year}/Conference"


def find_db_group(year: int) -> str:
    """The group of NeurIPS's Datasets and Benchmarks track in `year` (`Track/...` until 2023, `..._Track` on)."""
    return f"NeurIPS.cc/{year}/" + (
        "Track/Datasets_and_Benchmarks" if year <= 2023 else "Datasets_and_Benchmarks_Track"
    )


def find_listings(year: int, venue: str = "iclr") -> list[dict[str, str]]:
    """The listings a live run makes for `venue` in `year` (see `VenueYear.find_listings`).

    >>> [q["invitation"].split("/", 2)[2] for q in find_listings(2021, "neurips")]
    ['Conference/-/Blind_Submission', 'Track/Datasets_and_Benchmarks/Round1/-/Submission', \
'Track/Datasets_and_Benchmarks/Round2/-/Submission']
    """
    return VenueYear.of(venue, year).find_listings()


def name_venue_year(venue: str, year: int) -> str:
    """How a venue-year is written for a reader ("NeurIPS 2023")."""
    return VenueYear.of(venue, year).name


VENUE_YEAR_NAME = re.compile(rf"({'|'.join(VENUES)})(\d{{4}})", re.IGNORECASE)  # `neurips2020_links.json`


def parse_venue_year_name(name: str) -> tuple[str, int] | None:
    """The venue-year a file or folder name says (as the recorded folders and link tables are named), or None.

    >>> parse_venue_year_name("NeurIPS2020_links.json"), parse_venue_year_name("links.csv")
    (('neurips', 2020), None)
    """
    match = VENUE_YEAR_NAME.search(name)
    return (match.group(1).lower(), int(match.group(2))) if match else None


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
        link = parse_quoted_link(str(row.get("url") or ""))  # NFKC: `url` is the quoted text, normalised
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
    targets = extract_targets(frame, None)
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


# Code sharing on one method for the three venues: ICLR 2018-2024 read from their PDFs by the same source
# and rule as NeurIPS and ICML (../shared/links/iclr_pdf: a paper counts where its PDF says its code is
# released and that passage quotes a GitHub URL), beside ICLR's own link sources (LINK_SOURCES in years.py).
ICLR_PDF_YEARS = tuple(range(2018, 2025))
PDF_SHARING = "code_sharing_pdf_quotes"  # trends.csv's measure on that one method, for every venue
# Papers a list holds beside the conference's, counted apart: ICLR 2018's 90 invited to the workshop track
# (../shared/links/iclr_pdf/README.md: 427 listed, 337 accepted to the conference).
ICLR_TRACKS_APART = {2018: {"Invite to Workshop Track": ("workshop_track", 90)}}
ICLR_PDF_COUNTS = "iclr_pdf_counts.csv"  # data/venues/: what each ICLR year's PDF-quote sharing counts over
ICLR_PDF_COLUMNS = ["venue", "year", "track", "papers", "papers_quoting_github", "accepted_papers",
                    "papers_listed", "papers_read", "note"]  # fmt: skip


def parse_iclr_pdf_links(rows: list[dict], year: int) -> pd.DataFrame:
    """An ICLR year's PDF-quoted links parsed as NeurIPS's and ICML's are, each row keeping its OpenReview
    `forum` (so the table is a links table a live ICLR run can take).

    >>> frame = parse_iclr_pdf_links([{"paper": "p", "title": "T", "track": "Accept (Poster)", "pdf_url": "",
    ...                                 "url": "https://github.com/a/b", "forum": "B1e5ef-C-"}], 2018)
    >>> frame[["venue", "paper", "forum", "track", "repo"]].values.tolist()
    [['iclr', 'p', 'B1e5ef-C-', 'Accept (Poster)', 'a/b']]
    """
    frame = parse_venue_links(rows, "iclr", year)
    frame.insert(frame.columns.get_loc("paper") + 1, "forum", [str(row.get("forum") or "") for row in rows])
    return frame


def read_iclr_pdf_counts(shared_dir: str | Path) -> dict[int, dict]:
    """Papers per ICLR year as the PDF-quote source listed and read them (`links/iclr_pdf/counts.json`)."""
    path = Path(shared_dir) / "links" / "iclr_pdf" / "counts.json"
    return {int(row["year"]): row for row in json.loads(path.read_text(encoding="utf-8"))}


def split_pdf_sharing(
    venue: str, year: int, frame: pd.DataFrame, papers_read: int
) -> list[tuple[str, int, int]]:
    """(measure, papers quoting a repository, papers) on the PDF-quote method: `code_sharing_pdf_quotes` for
    the main conference, `code_sharing_pdf_quotes:{track}` for each track counted apart (NeurIPS 2024's
    Datasets and Benchmarks, ICLR 2018's workshop track, whose papers are not in the main count's papers).

    >>> links = pd.DataFrame({"paper": ["a", "b", "c"], "link_kind": ["github", "github_user", "github"],
    ...                       "track": ["Accept (Oral)", "Accept (Poster)", "Invite to Workshop Track"]})
    >>> split_pdf_sharing("iclr", 2018, links, 427)
    [('code_sharing_pdf_quotes', 1, 337), ('code_sharing_pdf_quotes:workshop_track', 1, 90)]
    """
    if venue != "iclr":
        by_track = split_sharing_by_track(venue, year, frame, papers_read)
        return [
            (PDF_SHARING + measure.removeprefix("code_sharing"), count, n) for measure, count, n in by_track
        ]
    apart = ICLR_TRACKS_APART.get(year, {})
    main = frame[~frame["track"].isin(list(apart))]
    rows = [(PDF_SHARING, count_sharing_papers(main), papers_read - sum(n for _, n in apart.values()))]
    return rows + [(f"{PDF_SHARING}:{name}", count_sharing_papers(frame[frame["track"] == track]), papers)
                   for track, (name, papers) in apart.items()]  # fmt: skip


def describe_pdf_papers(papers: int, accepted: int, listed: int, read: int, apart: int) -> str:
    """What an ICLR year's PDF-quote sharing counts over, where that is not simply its accepted papers.

    >>> describe_pdf_papers(1565, 1575, 1573, 1565, 0)
    'n is the 1,565 papers whose PDFs the source read, not the 1,575 accepted: 1,573 listed, 8 not read'
    >>> describe_pdf_papers(687, 687, 687, 687, 0)
    ''
    """
    if papers == accepted and apart:
        return f"the {papers:,} accepted to the conference; the {apart:,} invited to the workshop track apart"
    if papers == accepted:
        return ""
    gaps = [f"{listed:,} listed"] if listed != accepted else []
    gaps += [f"{listed - read:,} not read"] if read < listed else []
    read_by = f"n is the {papers:,} papers whose PDFs the source read, not the {accepted:,} accepted"
    return f"{read_by}: {', '.join(gaps)}"


def describe_iclr_pdf_year(year: int, frame: pd.DataFrame, counts: dict, accepted: int) -> list[dict]:
    """The rows of `iclr_pdf_counts.csv` for one ICLR year: per track counted, its papers, those quoting a
    GitHub repository, and what the papers are (accepted, listed and read by the source), with a note where
    they differ."""
    listed, read = int(counts["papers_listed"]), int(counts["papers_read"])
    apart = sum(n for _, n in ICLR_TRACKS_APART.get(year, {}).values())
    out = []
    for measure, count, papers in split_pdf_sharing("iclr", year, frame, read):
        track = measure.partition(":")[2] or "conference"
        main = track == "conference"
        note = (describe_pdf_papers(papers, accepted, listed - apart, read - apart, apart) if main
                else f"invited to the {track.replace('_', ' ')}, not accepted to the conference")  # fmt: skip
        out.append({"venue": "iclr", "year": year, "track": track, "papers": papers,
                    "papers_quoting_github": count, "accepted_papers": accepted if main else "",
                    "papers_listed": listed, "papers_read": read, "note": note})  # fmt: skip
    return out


def build_iclr_pdf_links(
    shared_dir: str | Path, data_dir: str | Path, accepted: dict[int, int]
) -> pd.DataFrame:
    """Write every ICLR year's PDF-quoted links into `data/venues/iclr{YEAR}_links.csv` and what each year's
    sharing counts over into `data/venues/iclr_pdf_counts.csv` (`accepted`: each year's accepted papers)."""
    counts = read_iclr_pdf_counts(shared_dir)
    described = []
    for year in ICLR_PDF_YEARS:
        source = Path(shared_dir) / "links" / "iclr_pdf" / f"iclr{year}_links.json"
        frame = parse_iclr_pdf_links(json.loads(source.read_text(encoding="utf-8")), year)
        path = find_venue_links("iclr", year, data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
        described += describe_iclr_pdf_year(year, frame, counts[year], accepted[year])
    table = pd.DataFrame(described, columns=ICLR_PDF_COLUMNS)
    write_text_atomic(
        Path(data_dir) / "venues" / ICLR_PDF_COUNTS, table.to_csv(index=False, lineterminator="\n")
    )
    return table
