"""Stage 6, dataset (years): every recorded ICLR year embedded in the project, with what each year's data holds.

`make data` rebuilds, offline, one dataset per recorded year (`data/all_tools.csv` for 2020, the study's file;
`data/years/iclr{YEAR}.csv` for the others), `data/years.csv` (what each year holds: exact or a sample, from how
many, with what seed) and `data/trends.csv`. A notebook asks for a year and gets that year's rows or a clear
error, never another year's data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .dataset import build_rows, check_rows_year, create_dataset, make_dataset, read_dataset, write_dataset
from .files import write_text_atomic
from .links import extract_targets, find_full_link_list
from .papers import has_paper_list, parse_proceedings_paper, read_snapshot_papers
from .settings import DATA_DIR, ROOT, VENUE_NAMES, check_venue, describe_embedded, read_embedded_years
from .tools import READ_STATUSES
from .venues import (
    ICLR_PDF_COUNTS,
    LIVE_YEARS,
    PDF_QUOTES,
    build_iclr_pdf_links,
    build_venue_links,
    describe_table_run,
    is_live_year,
    is_table_year,
    name_venue_year,
    read_venue_links,
)

RECORDED_YEARS = (2018, 2019, 2020, 2021, 2022, 2023, 2024)
STUDY_YEAR = 2020  # the 2020 case study's year: its file name and its comparison
LINK_SOURCES = {  # where each recorded year's code links come from (see ../shared/links/README.md)
    2018: "the paperlists data set's github field (links from the papers and Papers with Code)",
    2019: "the paperlists github field and code URLs quoted from the paper PDFs",
    2020: "the code field of OpenReview's submission form",
    2021: "the paperlists github field and code URLs quoted from the paper PDFs",
    2022: "the paperlists github field and code URLs quoted from the paper PDFs",
    2023: "code URLs quoted from the paper PDFs",
    2024: "code URLs quoted from the paper PDFs",
}
ACCEPTED_WITHOUT_LIST = {
    2024: 2260
}  # no paper list is recorded for 2024: ../shared/links/README.md gives the count
YEAR_COLUMNS = ["venue", "year", "method", "accepted_papers", "papers_with_github_link", "github_links", "links_drawn",
                "seed", "targets", "repositories_read", "repositories_with_python", "later_reads", "readmes_known", "paper_list",
                "author_domains", "link_source", "dataset"]  # fmt: skip


def find_year_dataset(year: int, data_dir: str | Path = DATA_DIR, venue: str = "iclr") -> Path:
    """The embedded dataset of a venue's `year` (`all_tools.csv` for ICLR 2020, `years/{venue}{YEAR}.csv`
    otherwise)."""
    if venue == "iclr" and year == STUDY_YEAR:
        return Path(data_dir) / "all_tools.csv"
    return Path(data_dir) / f"years/{venue}{year}.csv"


def read_year_dataset(year: int, csv_path: str | Path = "", data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """The dataset of `year`: the given CSV or the embedded one; any other year's rows are a clear error."""
    check_source_year(year, "", data_dir)
    path = Path(csv_path) if str(csv_path) else find_year_dataset(year, data_dir)
    if not path.is_file() and str(csv_path):
        raise FileNotFoundError(
            f"No data for ICLR {year}: {path} does not exist. Give the CSV notebook 01 wrote (out/iclr{year}.csv "
            f"unless its out_csv said otherwise), or leave csv_path empty for the embedded data. "
            f"{describe_year_options(year, data_dir)}"
        )
    if not path.is_file():
        raise FileNotFoundError(
            f"No data for ICLR {year}: this copy embeds none ({describe_path(path)}). "
            f"{describe_year_options(year, data_dir)}"
        )
    return check_rows_year(read_dataset(path), year, path)


def check_source_year(
    year: int, source: str | Path, data_dir: str | Path = DATA_DIR, venue: str = "iclr"
) -> int:
    """`year` if `source` can have it (live: the years OpenReview lists, or a links table's years; else: those or
    an embedded year), else a ValueError at once, before any work, saying which years exist and how to read them."""
    venue = check_venue(venue)
    live = str(source) == "live"
    if is_live_year(year, venue) or (live and is_table_year(year, venue)):
        return year
    if not live and year in read_embedded_years(data_dir, venue):
        return year
    name = name_venue_year(venue, year)
    what = f"A live run cannot list {name}" if live else f"No source holds {name}"
    raise ValueError(f"{what}. {describe_year_options(year, data_dir, venue=venue)}")


def describe_year_options(
    year: int, data_dir: str | Path = DATA_DIR, rebuild: bool = False, venue: str = "iclr"
) -> str:
    """What a reader can do about a venue's `year` from their own clone: the embedded years (a command for one),
    and the live run where it can work (for a year not embedded, or any year to `rebuild`), its output under out/,
    never data/ (`make data`'s)."""
    name = name_venue_year(venue, year)
    told = [describe_embedded(data_dir, year, venue)]
    if is_live_year(year, venue) and (rebuild or year not in read_embedded_years(data_dir, venue)):
        choose = f"-p venue {venue} " if venue != "iclr" else ""
        told.append(
            f"{name} from the live services (an OpenReview login is needed; README: Credentials), a quick "
            f"sample of 200 papers (-p sample 0 for all): `mkdir -p out && papermill notebooks/01_create_data.ipynb "
            f"out/01_{venue_file(venue)}{year}.ipynb {choose}-p year {year} -p source live -p sample 200`, then its "
            f"analysis: `papermill notebooks/02_analyse_tools.ipynb out/02_{venue_file(venue)}{year}.ipynb {choose}"
            f"-p year {year} -p csv_path out/{venue}{year}.csv`."
        )
    elif is_table_year(year, venue):
        told.append(describe_table_run(year, venue))
    elif not is_live_year(year, venue):
        first, last = LIVE_YEARS[venue]
        told.append(
            f"The live services list {VENUE_NAMES[venue]} {first}-{last} only, so no run can build {name}."
        )
    return " ".join(told)


def venue_file(venue: str) -> str:
    """The prefix of an output notebook's name: nothing for ICLR (as before venues), else the venue."""
    return "" if venue == "iclr" else venue


def describe_path(path: str | Path) -> str:
    """`path` as a reader at the project root writes it (relative there, so no machine's folders show)."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def resolve_out_csv(out_csv: str, year: int, venue: str = "iclr") -> str:
    """Where notebook 01 writes the dataset: `out_csv`, or `out/{venue}{year}.csv`; never data/ (`make data`'s)."""
    path = out_csv or f"out/{venue}{year}.csv"
    if Path(path).resolve().is_relative_to(DATA_DIR.resolve()):
        raise ValueError(
            f"out_csv={out_csv!r}: data/ holds the embedded data, written by `make data` only. Leave out_csv "
            f"empty (out/{venue}{year}.csv) or give another path under out/."
        )
    return path


def count_github_papers(frame: pd.DataFrame) -> int:
    """Papers of a dataset that link a GitHub repository (user pages aside, as in the other years' link lists)."""
    return int(frame.loc[frame["link_kind"] == "github", "forum_id"].nunique())


def describe_year(year: int, folder: Path, frame: pd.DataFrame) -> dict:
    """What a recorded year's data holds: exact or a sample, from how many links, papers and repositories."""
    full = find_full_link_list(folder, year)
    links = json.loads(full.read_text(encoding="utf-8")) if full else []
    drawn = len(json.loads((folder / "code_links.json").read_text(encoding="utf-8")))
    sampled = bool(frame["sample_of"].iloc[0]) if len(frame) else False
    if has_paper_list(folder):
        accepted = len(read_snapshot_papers(folder, year))
    else:
        accepted = ACCEPTED_WITHOUT_LIST[year]
    return {
        "venue": "iclr",
        "year": year,
        "method": "sample" if sampled else "exact",
        "accepted_papers": accepted,
        "papers_with_github_link": len({row["forum"] for row in links})
        if links
        else count_github_papers(frame),
        "github_links": len(links) if links else drawn,
        "links_drawn": drawn if sampled else "",
        "seed": year if sampled else "",
        **count_targets_read(frame),
        "later_reads": count_later_reads(folder, frame),
        "paper_list": has_paper_list(folder),
        "author_domains": bool((frame["author_domains"] != "").any()),
        "link_source": LINK_SOURCES.get(year, ""),
        "dataset": str(find_year_dataset(year, Path("data"))),
    }


def describe_venue_sample(folder: Path, frame: pd.DataFrame) -> dict:
    """What a NeurIPS or ICML year's recorded sample of repositories holds, in `years.csv`'s columns."""
    venue, year = str(frame["venue"].iloc[0]), int(frame["year"].iloc[0])
    return {"method": "sample", "links_drawn": len(json.loads((folder / "code_links.json").read_text("utf-8"))),
            "seed": year, **count_targets_read(frame), "later_reads": count_later_reads(folder, frame),
            "dataset": str(find_year_dataset(year, Path("data"), venue))}  # fmt: skip


def count_targets_read(frame: pd.DataFrame) -> dict:
    """A dataset's repository targets, those read, those with Python, and whether README texts were recorded."""
    targets = extract_targets(frame, None)
    return {"targets": len(targets), "repositories_read": int(targets["status"].isin(READ_STATUSES).sum()),
            "repositories_with_python": int((targets["status"] == "ok").sum()),
            "readmes_known": bool(targets["readmes_known"].fillna(False).astype(bool).any())}  # fmt: skip


def count_later_reads(folder: Path, frame: pd.DataFrame) -> int | str:
    """How many of a recorded venue-year's repository targets were read at a later commit, code released after
    the conference; '' where the folder records no later reads (`repos_later/`), so its reads are first-day only."""
    if not (folder / "repos_later").is_dir():
        return ""
    targets = frame[frame["repo"] != ""].drop_duplicates(["repo", "ref", "subdir"])
    days = pd.to_numeric(targets["days_after_conference"].astype("string").replace("", pd.NA))
    return int(days.notna().sum())


def build_years(
    shared_dir: str | Path, data_dir: str | Path = DATA_DIR, cache_dir: str | Path = "cache"
) -> pd.DataFrame:
    """Rebuild every recorded year's dataset and `years.csv` from the folders in `shared_dir` (offline)."""
    rows = []
    for year in RECORDED_YEARS:
        folder = Path(shared_dir) / f"iclr{year}"
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{folder} is missing: `make data` needs every recorded year in {shared_dir}"
            )
        frame = create_dataset(year, folder, cache_dir=cache_dir)
        write_dataset(frame, find_year_dataset(year, data_dir))
        rows.append(describe_year(year, folder, read_dataset(find_year_dataset(year, data_dir))))
    for row in build_venue_links(shared_dir, data_dir).to_dict(
        "records"
    ):  # NeurIPS and ICML: their links ...
        folder = Path(shared_dir) / f"{row['venue']}{row['year']}"
        if (folder / "repos").is_dir():  # ... and their repositories, where a sample of them is recorded
            frame = create_dataset(int(row["year"]), folder, cache_dir=cache_dir, venue=row["venue"])
            path = find_year_dataset(int(row["year"]), data_dir, row["venue"])
            write_dataset(frame, path)
            row.update(describe_venue_sample(folder, read_dataset(path)))
        rows.append(row)
    accepted = {int(row["year"]): int(row["accepted_papers"]) for row in rows if row["venue"] == "iclr"}
    build_iclr_pdf_links(shared_dir, data_dir, accepted)  # ICLR's links on the PDF-quote method, too
    years = pd.DataFrame(rows, columns=YEAR_COLUMNS)
    write_text_atomic(Path(data_dir) / "years.csv", years.to_csv(index=False, lineterminator="\n"))
    return years


def read_years(data_dir: str | Path = DATA_DIR, venue: str = "") -> pd.DataFrame:
    """What each embedded venue-year holds (`data/years.csv`): every venue's, or one venue's."""
    years = pd.read_csv(check_embedded_file(Path(data_dir) / "years.csv"), keep_default_na=False)
    return years[years["venue"] == check_venue(venue)].reset_index(drop=True) if venue else years


def read_all_years(data_dir: str | Path = DATA_DIR) -> dict[int, pd.DataFrame]:
    """Every embedded ICLR year's dataset, by year."""
    return {
        int(year): read_year_dataset(int(year), data_dir=data_dir)
        for year in read_years(data_dir, "iclr")["year"]
    }


def read_all_venue_links(data_dir: str | Path = DATA_DIR) -> dict[tuple[str, int], pd.DataFrame]:
    """Every embedded NeurIPS and ICML year's parsed link table, by (venue, year)."""
    years = read_years(data_dir)
    return {
        (row.venue, int(row.year)): read_venue_links(row.venue, int(row.year), data_dir)
        for row in years[years["venue"] != "iclr"].itertuples()
    }


def read_all_venue_samples(data_dir: str | Path = DATA_DIR) -> dict[tuple[str, int], pd.DataFrame]:
    """Every NeurIPS and ICML year's dataset where a sample of its repositories is embedded, by (venue, year)."""
    years = read_years(data_dir)
    chosen = years[(years["venue"] != "iclr") & (years["method"] == "sample")]
    return {(row.venue, int(row.year)): read_venue_year(row.venue, int(row.year), data_dir=data_dir)
            for row in chosen.itertuples()}  # fmt: skip


def read_iclr_pdf_sharing(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """ICLR's code sharing on the PDF-quote method, per year and track (`data/venues/iclr_pdf_counts.csv`): its
    papers, those quoting a GitHub repository, and a note where the papers are not the accepted ones."""
    return pd.read_csv(
        check_embedded_file(Path(data_dir) / "venues" / ICLR_PDF_COUNTS), keep_default_na=False
    )


def read_all_frames(data_dir: str | Path = DATA_DIR) -> dict[tuple[str, int], pd.DataFrame]:
    """Every embedded venue-year's dataset with repositories read: ICLR's years and the NeurIPS and ICML samples."""
    frames = {("iclr", year): frame for year, frame in read_all_years(data_dir).items()}
    return {**frames, **read_all_venue_samples(data_dir)}


def read_trends(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """The tidy trends table (`data/trends.csv`): year, measure, count, n, share, ci_low, ci_high, method, universe."""
    return pd.read_csv(check_embedded_file(Path(data_dir) / "trends.csv"))


def check_embedded_file(path: Path) -> Path:
    """`path` if it exists, else a FileNotFoundError pointing to the project's own copy in data/."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the project's own copy is {DATA_DIR.relative_to(ROOT) / path.name} (leave "
            "data_dir as 'data'; `make data` rebuilds it)"
        )
    return path


def resolve_source(source: str, year: int, data_dir: str | Path = DATA_DIR, venue: str = "iclr") -> str:
    """`source` if it can be read here; else the embedded dataset of the venue's `year` (saying so); else a clear
    error. A year `source` cannot have is refused at once."""
    check_source_year(year, source, data_dir, venue)
    if source == "live" or Path(source).exists():
        return source
    name = name_venue_year(venue, year)
    embedded = find_year_dataset(year, data_dir, venue)
    if embedded.is_file():
        print(f"{source} is not here (recorded data sits beside the project only on the developers' machines and in "
              f"CI): showing the embedded {name} data, {describe_path(embedded)}, instead of rebuilding it.")  # fmt: skip
        return str(embedded)
    raise FileNotFoundError(
        f"{source} is not here and {name} has no embedded dataset ({describe_path(embedded)}). "
        f"{describe_year_options(year, data_dir, venue=venue)}"
    )


def read_venue_year(
    venue: str, year: int, csv_path: str | Path = "", data_dir: str | Path = DATA_DIR
) -> pd.DataFrame:
    """The dataset of a venue-year: ICLR's as `read_year_dataset` reads it; NeurIPS's and ICML's from a CSV a run
    wrote (its `venue` and `year` checked), else from their embedded links, every repository not yet read (its
    reason says how to read it). A row carries its venue; a frame of another venue or year is a clear error."""
    venue = check_venue(venue)
    if venue == "iclr":
        return read_year_dataset(year, csv_path, data_dir)
    path = Path(csv_path) if str(csv_path) else find_year_dataset(year, data_dir, venue)
    if path.is_file() or str(csv_path):  # a run's CSV, or a recorded sample of its repositories
        return check_rows_year(read_dataset(path), year, path, venue)
    links = read_venue_links(venue, year, data_dir)
    papers = [parse_proceedings_paper(row) for row in links.drop_duplicates("paper").to_dict("records")]
    rows = [{"forum_id": row.paper, "url": row.url, "kind": row.link_kind, "host": "", "repo": row.repo,
             "ref": row.ref, "subdir": row.subdir, "source": PDF_QUOTES} for row in links.itertuples()]  # fmt: skip
    why = (f"no repository records are embedded for {name_venue_year(venue, year)}: its tools need the "
           "repositories read (a live run of notebook 01; README: Another venue)")  # fmt: skip
    frame = make_dataset(build_rows(papers, rows, {}, year), venue)
    frame.loc[frame["status"] == "not_fetched", "reason"] = why
    return frame


def describe_sharing(frame: pd.DataFrame, venue: str, year: int, csv_path: str | Path = "",
                     data_dir: str | Path = DATA_DIR) -> str:  # fmt: skip
    """Code sharing of a venue-year: from the embedded trends (every paper read), or from a run's CSV where it
    lists every paper; a CSV of papers with links only (a links table) has no rate, and says so."""
    name = name_venue_year(venue, year)
    if str(csv_path):
        if not (frame["status"] == "no_code").any():
            return f"{name}: this dataset lists only papers that give a code link (a links table), so it has no sharing rate."
        papers = frame["forum_id"].nunique()
        linking = frame.loc[frame["link_kind"] == "github", "forum_id"].nunique()
        return f"{name}: {linking} of {papers} papers ({linking / papers:.1%}) link a GitHub repository (this dataset)."
    trends = read_trends(data_dir)
    rows = trends[
        (trends["venue"] == venue)
        & (trends["year"] == year)
        & trends["measure"].str.fullmatch(r"code_sharing(:.+)?")  # each venue's own link source
    ]
    source = read_years(data_dir, venue).set_index("year").loc[year, "link_source"]
    parts = [f"{row.count:,} of {row.n:,} papers ({row.share:.1%})" + (f" in the {row.measure.split(':', 1)[1].replace('_', ' ')}"
             if ":" in row.measure else "") for row in rows.itertuples()]  # fmt: skip
    return f"{name}: {'; '.join(parts)} give a GitHub repository (links: {source})."
