"""Stage 6, dataset: papers, links and tools joined into rows; the CSV written and read back."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pandas as pd

from .files import write_text_atomic
from .links import (
    extract_code_links,
    extract_code_targets,
    find_full_link_list,
    merge_code_links,
    read_links_table,
    read_paper_key,
    read_snapshot_links,
    unify_repo_case,
)
from .papers import fetch_venue_papers, has_paper_list
from .pdfs import fetch_pdf_code_links, is_openreview_pdf
from .records import fetch_repo_records
from .repair_fetch import repair_links
from .settings import VENUE_NAMES, Settings, check_venue, resolve_settings
from .tools import extract_tools
from .venues import LIVE, VenueYear

DATASET_COLUMNS = [
    "year", "sample_of", "forum_id", "title", "decision", "track", "keywords", "primary_area", "author_domains", "pdf_url",
    "code_url", "link_kind", "link_source", "repo", "ref", "subdir", "quoted_repo", "repaired_by", "repair_reason", "commit", "read_at", "days_after_conference", "status", "reason", "n_python_files",
    "frameworks", "vendored_frameworks", "declared_tools", "imported_tools", "undeclared_imports", "declares_dependencies",
    "dev_tools", "readme_tools", "declared_by", "python_version", "cuda_version", "optional_imports",
    "unresolved_imports", "readmes_known", "readme_declares_dependencies", "has_dependencies", "has_training_code",
    "has_evaluation_code", "has_pretrained_models", "has_results", "completeness",
    "all_repo_names", "all_tool_names",
]  # fmt: skip
LIST_COLUMNS = ["frameworks", "vendored_frameworks", "declared_tools", "imported_tools", "undeclared_imports",
                "dev_tools", "readme_tools", "declared_by", "optional_imports", "unresolved_imports"]  # fmt: skip
# True / False, or unknown (an empty cell): README-dependent facts of records without README texts
MAYBE_COLUMNS = ["readmes_known", "readme_declares_dependencies", "has_dependencies", "has_training_code",
                 "has_evaluation_code", "has_pretrained_models", "has_results"]  # fmt: skip
LINK_STATUS = {"github_user": "user_link", "github_other": "not_github"}
# a repaired link's quoted name and rule, or why a repair was tried and failed
REPAIR_KEYS = ("quoted_repo", "repaired_by", "repair_reason")


PAPER_COLUMNS = [
    "forum_id",
    "title",
    "decision",
    "track",
    "keywords",
    "primary_area",
    "author_domains",
    "pdf_url",
]


def build_rows(
    papers: list[dict], links: list[dict], records: dict, year: int | None = None, sample_of: str = ""
) -> list[dict]:
    """Join papers, their code links and repository records into dataset rows (all papers appear), each row
    carrying its year and, for a sample, what it was drawn from."""
    by_paper: dict[str, list[dict]] = {}
    for link in links:
        by_paper.setdefault(link["forum_id"], []).append(link)
    rows = []
    for paper in papers:
        base = {"year": year, "sample_of": sample_of, **{key: paper[key] for key in PAPER_COLUMNS}}
        paper_links = by_paper.get(paper["forum_id"], [])
        if not paper_links:
            rows.append({**base, "status": "no_code", "reason": "the paper gives no code link"})
        seen = set()
        for link in paper_links:
            row = {
                **base,
                "code_url": link["url"],
                "link_kind": link["kind"],
                "link_source": link.get("source", ""),
            }
            if link["kind"] != "github":
                status = LINK_STATUS.get(link["kind"], "not_github")
                reason = "a GitHub user or organisation, not a repository" if status == "user_link" else ""
                rows.append({**row, "status": status, "reason": reason or f"code hosted on {link['host']}"})
                continue
            key = (link["repo"], link["ref"], link["subdir"])
            if key in seen:
                continue
            seen.add(key)
            record = records.get(key) or {"status": "not_fetched", "reason": "no record for this target"}
            tools = extract_tools(record)
            row.update(repo=link["repo"], ref=link["ref"], subdir=link["subdir"], **tools)
            row.update({name: link[name] for name in REPAIR_KEYS if link.get(name)})
            row["all_repo_names"] = link["repo"].split("/", 1)[1]
            row["all_tool_names"] = ",".join(
                sorted(set(tools["declared_tools"]) | set(tools["imported_tools"]))
            )
            rows.append(row)
    return rows


def make_dataset(rows: list[dict], venue: str = "iclr") -> pd.DataFrame:
    """The dataset table: fixed columns, lists joined with ';', rows in a stable order; a NeurIPS or ICML table's
    rows carry their venue (a `venue` column first), ICLR's need none."""
    frame = pd.DataFrame(rows).reindex(columns=DATASET_COLUMNS)
    frame = frame.astype({column: object for column in REPAIR_KEYS})  # text, though no row has any
    for column in LIST_COLUMNS:
        frame[column] = frame[column].map(lambda v: ";".join(v) if isinstance(v, list) else "")
    frame["n_python_files"] = frame["n_python_files"].fillna(0).astype(int)
    frame["declares_dependencies"] = frame["declares_dependencies"].astype(object).fillna(False).astype(bool)
    for column in MAYBE_COLUMNS:
        frame[column] = frame[column].map(lambda v: "" if v is None or v != v else str(bool(v)))
    for column in ("completeness", "days_after_conference"):  # integers, or unknown / not read later (empty)
        frame[column] = frame[column].map(lambda v: "" if v is None or v != v else str(int(v)))
    text = [column for column in frame.columns if frame[column].dtype == float]  # a column no row fills
    frame = frame.astype(dict.fromkeys(text, object)).fillna("")
    frame = frame.sort_values(["forum_id", "code_url", "subdir"], kind="stable").reset_index(drop=True)
    if check_venue(venue) != "iclr":
        frame.insert(0, "venue", venue)
    return frame


def write_dataset(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the dataset CSV atomically (UTF-8, Unix newlines)."""
    return write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))


def read_dataset(path: str | Path) -> pd.DataFrame:
    """Read a dataset CSV written by `write_dataset`, empty cells as ''."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["n_python_files"] = frame["n_python_files"].astype(int)
    if "year" in frame:
        frame["year"] = pd.to_numeric(frame["year"].replace("", pd.NA)).astype("Int64")
    frame["declares_dependencies"] = frame["declares_dependencies"] == "True"
    for column in MAYBE_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map({"True": True, "False": False, "": pd.NA}).astype("boolean")
    for column in ("completeness", "days_after_conference"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column].replace("", pd.NA)).astype("Int64")
    return frame


def draw_sample(papers: list[dict], size: int, seed: int) -> list[dict]:
    """A seeded random sample of `size` papers (all of them when `size` is 0 or not smaller), in forum order.

    >>> [p["forum_id"] for p in draw_sample([{"forum_id": c} for c in "abcdef"], 3, seed=2024)]
    ['b', 'c', 'd']
    """
    check_sample(size)
    if not size or size >= len(papers):
        return papers
    drawn = random.Random(seed).sample(sorted(papers, key=lambda paper: paper["forum_id"]), size)
    return sorted(drawn, key=lambda paper: paper["forum_id"])


def check_sample(size: int) -> int:
    """`size` if it is a number of papers to draw (0: all), else a ValueError saying what to give."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"sample={size!r}: give a number of papers to draw (e.g. 200), or 0 for all of them")
    return size


def read_snapshot_sample(folder: Path, venue_year: VenueYear, links: list[dict]) -> str:
    """What a recorded folder's code links were drawn from ('' when they are all of the year's links)."""
    year = venue_year.year
    full = find_full_link_list(folder, year, venue_year.venue)
    if full is None:
        return ""
    rows = json.loads(full.read_text(encoding="utf-8"))
    drawn = len(links)
    if (
        venue_year.venue != "iclr"
    ):  # proceedings papers: their sorted keys shuffled, each with its first repository link
        papers = len({read_paper_key(row) for row in rows})
        return f"{drawn} of {papers} papers quoting GitHub, random.Random({year}).shuffle of their keys ({full.name})"
    total = len(rows)
    return (
        f"{drawn} of {total} GitHub links, random.Random({year}).sample ({full.name})"
        if drawn < total
        else ""
    )


def read_papers_and_links(
    year: int,
    source: str | Path,
    settings: Settings,
    sample: int = 0,
    seed: int | None = None,
    venue: str = "iclr",
) -> tuple[list[dict], list[dict], str]:
    """The accepted papers of `venue` in `year`, their code links, and what they were drawn from (see
    `collect_papers_and_links`)."""
    return collect_papers_and_links(VenueYear.of(venue, year), source, settings, sample, seed)


def collect_papers_and_links(
    venue_year: VenueYear, source: str | Path, settings: Settings, sample: int = 0, seed: int | None = None
) -> tuple[list[dict], list[dict], str]:
    """The accepted papers of a venue-year, their code links, and what they were drawn from ('' for all of them).

    Live (or from recorded notes), `sample` papers are drawn at random first (`seed` defaults to the year); a
    recorded folder holding a sample of code links gives that sample's papers.
    """
    check_sample(sample)  # at once, before any paper is fetched
    seed = venue_year.year if seed is None else seed
    papers = fetch_venue_papers(venue_year, source, settings)
    snapshot = None if str(source) == "live" else Path(source)
    if snapshot is None or has_code_field_papers(papers):
        sample_of = ""
        if sample:
            drawn = draw_sample(papers, sample, seed)
            sample_of = f"{len(drawn)} of {len(papers)} accepted papers, random.Random({seed})"
            papers = drawn
        return papers, collect_code_links(papers, venue_year, settings, snapshot is None), sample_of
    links = add_recorded_repair_attempts(read_snapshot_links(snapshot), read_unrepaired(snapshot, venue_year))
    sample_of = read_snapshot_sample(snapshot, venue_year, links)
    if sample and (sample_of or not has_paper_list(snapshot)):
        raise ValueError(f"{snapshot} already holds a random sample of code links: run it without `sample`")
    if sample:  # a recorded year with every paper and link: draw papers, keep their links
        drawn = draw_sample(papers, sample, seed)
        sample_of = f"{len(drawn)} of {len(papers)} accepted papers, random.Random({seed})"
        papers = drawn
    if sample_of or not has_paper_list(snapshot):  # a sample: its papers, not the whole year
        forums = {paper["forum_id"] for paper in papers} if sample else {link["forum_id"] for link in links}
        papers = [paper for paper in papers if paper["forum_id"] in forums]
        links = [link for link in links if link["forum_id"] in forums]
    return papers, links, sample_of


def read_unrepaired(snapshot: Path, venue_year: VenueYear) -> dict[str, str]:
    """Quoted name -> why no repository completes it, for a recorded venue-year's cut links that were looked up
    among their owner's repositories and not repaired (`../links/repairs.tsv` beside the folder, if present)."""
    path = Path(snapshot).resolve().parent / "links" / "repairs.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["quoted"]: f"no repository of {row['quoted'].split('/')[0]} completes the quoted name "
        f"(candidates: {row['candidates'] or 'none'})"
        for row in rows
        if row["decision"] == "not repaired"
        and (row["venue"], int(row["year"])) == (venue_year.venue, venue_year.year)
    }


def add_recorded_repair_attempts(links: list[dict], unrepaired: dict[str, str]) -> list[dict]:
    """Links whose quoted repository was looked up and not repaired, with `repair_reason` saying so."""
    return [{**link, "repair_reason": unrepaired[link["repo"]]} if link.get("repo") in unrepaired else link
            for link in links]  # fmt: skip


def collect_code_links(
    papers: list[dict], venue_year: VenueYear, settings: Settings, live: bool
) -> list[dict]:
    """The papers' code links from every source, each tagged: the `code` field (2020), else the abstract and
    TL;DR; in live runs also a links table the user gives (`links_file`) and, in years without a code field,
    each paper's PDF (`pdf_links`)."""
    links = extract_code_links(papers)
    table: list[dict] = []
    if live and settings.links_file:
        forums = {paper["forum_id"] for paper in papers}
        table = [link for link in read_links_table(settings.links_file) if link["forum_id"] in forums]
    pdf: list[dict] = []
    if live and settings.pdf_links and not any(paper.get("code_field") for paper in papers):
        readable = select_openreview_pdfs(papers, venue_year)
        if len(readable) < len(papers):
            print(describe_pdf_skips(len(papers) - len(readable), len(papers), venue_year))
        pdf = fetch_pdf_code_links(readable, venue_year.year, settings, venue_year.venue)
    return merge_code_links(links, table, pdf)


def select_openreview_pdfs(papers: list[dict], venue_year: VenueYear) -> list[dict]:
    """The papers whose PDF the PDF pass reads: those on OpenReview, in a year OpenReview lists (a links-table
    year's papers are proceedings papers, so none of them: OpenReview is never asked)."""
    return [paper for paper in papers if venue_year.read == LIVE and is_openreview_pdf(paper)]


def describe_pdf_skips(skipped: int, total: int, venue_year: VenueYear) -> str:
    """What the PDF pass left out and why.

    >>> print(describe_pdf_skips(2, 2, VenueYear.of("icml", 2019)))
    PDF pass: 2 of 2 papers skipped: ICML 2019 is not on OpenReview, and the links table already holds the links its PDFs quote.
    """
    why = (
        f"{venue_year.name} is not on OpenReview, and the links table already holds the links its PDFs quote"
        if venue_year.read != LIVE
        else "their PDFs are not on OpenReview, the only place the PDF pass reads"
    )
    return f"PDF pass: {skipped} of {total} papers skipped: {why}."


def check_rows_year(frame: pd.DataFrame, year: int, path: str | Path, venue: str = "iclr") -> pd.DataFrame:
    """`frame` if every row is of `venue` (a file without a `venue` column is ICLR's) and `year`; else a clear
    error naming the file, what it holds and what was asked for."""
    name = VENUE_NAMES[venue]
    if "year" not in frame.columns:
        raise ValueError(
            f"{path} has no `year` column, so its rows cannot be shown as {name} {year}: build it again with "
            f"notebooks/01_create_data.ipynb (-p venue {venue} -p year {year} writes out/{venue}{year}.csv), or "
            "read the embedded data"
        )
    venues = sorted(set(frame["venue"])) if "venue" in frame.columns else ["iclr"]
    if venues != [venue]:
        found = ", ".join(VENUE_NAMES.get(v, v) for v in venues)
        raise ValueError(f"{path} holds {found} rows, not {name} {year}: ask for -p venue {venues[0]} with it, "
                         f"or give {name} {year}'s file")  # fmt: skip
    years = sorted({int(value) for value in frame["year"].dropna()})
    if years != [year] or frame["year"].isna().any():
        found = ", ".join(str(y) for y in years) or "no"
        todo = f"ask for -p year {years[0]} with it" if len(years) == 1 else "give a file of one year"
        raise ValueError(
            f"{path} holds {name} {found} rows, not {name} {year}: {todo}, or give {name} {year}'s file"
        )
    return frame


def create_dataset(
    year: int,
    source: str | Path = "live",
    *,
    out: str | Path | None = None,
    sample: int = 0,
    seed: int | None = None,
    settings: Settings | None = None,
    venue: str = "iclr",
    **options: Any,
) -> pd.DataFrame:
    """The whole pipeline: papers -> code links -> repository records -> tools -> the dataset (and its CSV).

    `source` is "live" (OpenReview and GitHub), a recorded snapshot folder such as ../shared/iclr2020, or a
    dataset CSV to read instead of rebuilding it. `sample` (0 = all) draws that many accepted papers at random
    before anything is downloaded (`seed` defaults to the year); a recorded year whose folder holds a sample of
    code links says so in `sample_of`. `settings` (or keyword `options` such as `cache_dir`, `workers`,
    `method`, `refresh`, `openreview_url`) say how to fetch and cache; see `Settings`.
    """
    venue_year = VenueYear.of(venue, year)  # checked once here, then passed down
    if is_dataset_csv(
        source
    ):  # an existing dataset, e.g. the committed data/all_tools.csv: this year's rows only
        return check_rows_year(read_dataset(source), year, source, venue_year.venue)
    settings = resolve_settings(settings, options)
    papers, links, sample_of = collect_papers_and_links(venue_year, source, settings, sample, seed)
    snapshot = None if str(source) == "live" else source
    links, records = fetch_link_records(papers, links, settings, venue_year, snapshot)
    frame = make_dataset(build_rows(papers, links, records, year, sample_of), venue_year.venue)
    if out:
        write_dataset(frame, out)
    return frame


def fetch_link_records(
    papers: list[dict],
    links: list[dict],
    settings: Settings,
    venue_year: VenueYear,
    snapshot: str | Path | None = None,
) -> tuple[list[dict], dict[tuple[str, str, str], dict]]:
    """The links and their targets' records: from a snapshot (its recorded repairs kept as they are), else
    fetched, then each link to a repository GitHub does not have read among its owner's repositories
    (`repair_links`: a cut, glued or misspelt name) and the repaired targets fetched too."""
    year, venue = venue_year.year, venue_year.venue
    records = fetch_repo_records(extract_code_targets(links), settings, snapshot_dir=snapshot,
                                 offline=snapshot is not None, year=year, venue=venue)  # fmt: skip
    if snapshot is not None or not any(record.get("status") == "missing" for record in records.values()):
        return links, records
    titles = {paper["forum_id"]: paper.get("title") or "" for paper in papers}
    links = unify_repo_case(repair_links(links, records, titles, settings))
    new = [target for target in extract_code_targets(links)
           if (target["repo"], target["ref"], target["subdir"]) not in records]  # fmt: skip
    if new:
        records.update(fetch_repo_records(new, settings, year=year, venue=venue))
    return links, records


def has_code_field_papers(papers: list[dict]) -> bool:
    """Whether papers come from OpenReview notes (their links are read from the notes, not a links table)."""
    return any(paper.get("code_field") or paper.get("texts") for paper in papers)


def is_dataset_csv(source: str | Path) -> bool:
    """Whether a source is an existing dataset CSV (read, not rebuilt)."""
    return str(source).endswith(".csv")
