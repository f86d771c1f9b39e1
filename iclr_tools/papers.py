"""Stage 1, papers: the accepted papers of an ICLR year from OpenReview (API v1 or v2) or a recorded snapshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .affiliations import add_profile_domains, extract_profile_ids, fetch_profile_domains
from .files import read_json, read_stamped_json, write_json_atomic
from .openreview_api import (
    API_V1_URL,
    API_V2_URL,
    ServiceRefusedError,
    connect,
    explained_refusals,
    make_openreview_client,
)
from .settings import Settings, describe_embedded, is_iso_date

# Years ICLR's accepted papers are on OpenReview with a decision; 2018-2023 on API v1, 2024 on on API v2.
FIRST_YEAR = 2018
LAST_YEAR = 2026
FIRST_V2_YEAR = 2024


# The cut-off of each year: its first day (2020: the end of the virtual conference week), as the recorded data uses.
CONFERENCE_DATES = {2018: "2018-05-01", 2019: "2019-05-06", 2020: "2020-05-01", 2021: "2021-05-03",
                    2022: "2022-04-25", 2023: "2023-05-01", 2024: "2024-05-07", 2025: "2025-04-24",
                    2026: "2026-04-23"}  # fmt: skip


def find_cutoff(year: int, as_of: str) -> str:
    """The date code is read as of: the conference's (`"conference"`), none (`"latest"`: ''), or a given date.

    >>> find_cutoff(2021, "conference"), find_cutoff(2021, "latest"), find_cutoff(2021, "2021-01-31")
    ('2021-05-03', '', '2021-01-31')
    """
    if as_of == "conference":
        return CONFERENCE_DATES[check_year(year)]
    if as_of in ("latest", ""):
        return ""
    if not is_iso_date(as_of):
        raise ValueError(f"as_of={as_of!r}: give 'conference', 'latest' or a date such as 2024-05-07")
    return as_of


def check_year(year: int) -> int:
    """Return `year` if ICLR has accepted papers on OpenReview for it, else raise a clear ValueError."""
    if not is_live_year(year):
        raise ValueError(
            f"ICLR {year!r} is not on OpenReview with decisions: supported years are "
            f"{FIRST_YEAR}-{LAST_YEAR} (API v1 for {FIRST_YEAR}-{FIRST_V2_YEAR - 1}, API v2 from {FIRST_V2_YEAR}). "
            f"{describe_embedded()}"
        )
    return year


def is_live_year(year: object) -> bool:
    """Whether a live run can list the accepted papers of `year` (an int from FIRST_YEAR to LAST_YEAR)."""
    return isinstance(year, int) and not isinstance(year, bool) and FIRST_YEAR <= year <= LAST_YEAR


def api_version(year: int) -> int:
    """Which OpenReview API serves the papers of `year` (1 or 2)."""
    return 2 if check_year(year) >= FIRST_V2_YEAR else 1


def submission_invitation(year: int) -> str:
    """The API v1 invitation of the blind submissions of `year`."""
    return f"ICLR.cc/{year}/Conference/-/Blind_Submission"


def venue_id(year: int) -> str:
    """The API v2 `content.venueid` of the accepted papers of `year`."""
    return f"ICLR.cc/{year}/Conference"


def read_cached_notes(path: Path, year: int) -> list[dict] | None:
    """Notes cached by a complete earlier fetch of `year`, or None (absent, half-written or another year)."""
    cached = read_stamped_json(path, year=year, complete=True)
    return None if cached is None else cached.get("notes")


def fetch_notes(
    year: int,
    *,
    baseurl: str | None = None,
    cache_dir: str | Path = "cache",
    refresh: bool = False,
    timeout: float = 60,
    retries: int = 6,
    credentials: tuple[str, str] | None = None,
) -> list[dict]:
    """The submissions of `year` with their decisions as JSON dicts, from the disk cache or OpenReview.

    A request needs a login (`credentials`, else OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD), checked before
    any request; a listing without one accepted paper is an error and is never cached.
    """
    check_year(year)
    path = Path(cache_dir) / "openreview" / f"iclr{year}_notes.json"
    cached = None if refresh else read_cached_notes(path, year)
    if cached is not None:
        return cached
    url = baseurl or (API_V1_URL if api_version(year) == 1 else API_V2_URL)
    with explained_refusals(url):
        client = make_openreview_client(api_version(year), baseurl, timeout, retries, credentials)
        if api_version(year) == 1:
            raw = client.get_all_notes(invitation=submission_invitation(year), details="directReplies")
        else:
            raw = client.get_all_notes(content={"venueid": venue_id(year)})
    notes = [mask_emails({**note.to_json(), "details": note.details}) for note in raw]
    if not parse_papers(notes, year):
        raise ServiceRefusedError(
            f"OpenReview at {url} listed {len(notes)} notes but no accepted paper of ICLR {year} (nothing was "
            "cached). What to do: if the decisions are not out yet, wait for them; otherwise rerun later, and "
            "report it if it persists."
        )
    write_json_atomic(path, {"year": year, "api": api_version(year), "complete": True, "notes": notes})
    return notes


def mask_emails(note: dict) -> dict:
    """A note whose e-mail author ids keep only their domain (`***@mit.edu`, as recorded data masks them), so no
    address reaches the cache.

    >>> mask_emails({"content": {"authorids": {"value": ["a.b@mit.edu", "~A_B1"]}}})["content"]["authorids"]
    {'value': ['***@mit.edu', '~A_B1']}
    """
    content = note.get("content") or {}
    value = content.get("authorids")
    ids = parse_value(value)
    if not isinstance(ids, list):
        return note
    masked = ["***@" + str(a).rsplit("@", 1)[1] if "@" in str(a) else a for a in ids]
    wrapped = {**value, "value": masked} if isinstance(value, dict) else masked
    return {**note, "content": {**content, "authorids": wrapped}}


def parse_value(value: Any) -> Any:
    """Unwrap an API v2 `{"value": ...}` content field; API v1 values pass through."""
    return value.get("value") if isinstance(value, dict) and "value" in value else value


DECISION_INVITATION_SUFFIXES = ("/Decision", "/Acceptance_Decision", "/Meta_Review")


def extract_decision(note: dict) -> str:
    """The decision text of an API v1 submission from its direct replies ('' when there is none)."""
    replies = (note.get("details") or {}).get("directReplies") or []
    for suffix in DECISION_INVITATION_SUFFIXES:  # a decision note wins over a meta-review
        for reply in replies:
            invitations = [reply.get("invitation") or "", *(reply.get("invitations") or [])]
            if any(inv.endswith(suffix) for inv in invitations):
                content = reply.get("content") or {}
                value = parse_value(content.get("decision")) or parse_value(content.get("recommendation"))
                if value:
                    return str(value)
    return ""


TRACK_WORDS = {  # lower-case word in a decision or venue -> the track name we report
    "oral": "Talk",
    "talk": "Talk",
    "notable-top-5%": "Talk",
    "spotlight": "Spotlight",
    "notable-top-25%": "Spotlight",
    "poster": "Poster",
}


def parse_track(decision: str) -> str:
    """The presentation track (Talk, Spotlight, Poster) named by a decision or venue string."""
    low = re.sub(r"[\s_]+", "-", decision.lower())  # 2023's "notable top 5%" as "notable-top-5%"
    for word, track in TRACK_WORDS.items():
        if word in low:
            return track
    return "Accepted" if "accept" in low else ""


def is_accepted(decision: str) -> bool:
    """Whether a decision or venue string means the paper was accepted to the main conference."""
    low = decision.lower()
    return "accept" in low and "workshop" not in low


def extract_email_domains(authorids: list[str]) -> list[str]:
    """The e-mail domains of a paper's authors, never the addresses themselves."""
    domains = []
    for author in authorids or []:
        if "@" in author:
            domain = author.rsplit("@", 1)[1].strip().lower()
            if domain and domain not in domains:
                domains.append(domain)
    return domains


def has_code_field(notes: list[dict]) -> bool:
    """Whether the submission form of this year had a `code` field (then only that field names code)."""
    return any("code" in (note.get("content") or {}) for note in notes)


# Submission-form fields where authors name their code, the `code` field (2020 only) first; the TL;DR is
# `TL;DR` (2018-2020), `one-sentence_summary` (2021-2022), `TLDR` (2024-). Never `community_implementations`:
# that is CatalyzeX's link to code others wrote, not the authors'.
TEXT_FIELDS = ("code", "abstract", "TL;DR", "one-sentence_summary", "TLDR", "tldr")
AREA_FIELDS = (
    "primary_area",
    "Please_choose_the_closest_area_that_your_submission_falls_into",
)  # 2024-, 2023


def extract_text_fields(content: dict) -> dict[str, str]:
    """The text of each submission field that can name code (`code`, abstract, TL;DR, ...), present ones only."""
    return {
        name: content[name] for name in TEXT_FIELDS if isinstance(content.get(name), str) and content[name]
    }


def parse_paper(note: dict, year: int, code_field: bool = False, decision: str | None = None) -> dict | None:
    """One row per accepted paper from an API v1 or v2 note; None for a paper that was not accepted.

    `decision` is the decision text where it is known apart from the note (a recorded snapshot); otherwise it is
    read from the note's direct replies (API v1) or its `venue` (API v2).
    """
    content = {key: parse_value(value) for key, value in (note.get("content") or {}).items()}
    if decision is not None or api_version(year) == 1:
        decision = extract_decision(note) if decision is None else decision
        venue = str(content.get("venue") or "")  # v1 notes of 2021-2023 carry it ("ICLR 2022 Spotlight")
        if not decision and ACCEPTED_VENUE.match(venue) and venue_year(venue) == year:
            decision = venue
        if not (is_accepted(decision) or ACCEPTED_VENUE.match(decision)):
            return None
    else:
        if content.get("venueid") != venue_id(year):
            return None
        decision = str(content.get("venue") or "")
    keywords = content.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[;,]", keywords) if k.strip()]
    pdf = content.get("pdf") or ""
    if pdf.startswith("/"):
        pdf = "https://openreview.net" + pdf
    return {
        "forum_id": note.get("forum") or note.get("id"),
        "title": (content.get("title") or "").strip(),
        "decision": decision,
        "track": parse_track(decision),
        "keywords": "; ".join(keywords),
        "primary_area": next((str(content[name]) for name in AREA_FIELDS if content.get(name)), ""),
        "author_domains": "; ".join(extract_email_domains(content.get("authorids") or [])),
        "author_ids": extract_profile_ids(content.get("authorids") or []),  # profiles: domains read from them
        "pdf_url": pdf,
        "code_field": code_field,
        "texts": extract_text_fields(content),
    }


def parse_papers(notes: list[dict], year: int, decisions: dict[str, str] | None = None) -> list[dict]:
    """The accepted papers among `notes`, one dict each, in forum-id order (`decisions`: forum id -> text)."""
    code_field = has_code_field(notes)
    papers = (
        parse_paper(note, year, code_field, None if decisions is None else decisions.get(note.get("id"), ""))
        for note in notes
    )
    return sorted((paper for paper in papers if paper), key=lambda paper: paper["forum_id"])


def read_snapshot_notes(folder: str | Path) -> tuple[list[dict], dict[str, dict]]:
    """The recorded API v1 notes of a snapshot folder and its table of decisions and affiliations by forum id."""
    folder = Path(folder)
    notes_path = folder / "openreview_notes_api_v1.json"
    decisions_path = folder / "decisions_affiliations.json"
    for path in (notes_path, decisions_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: a recorded folder holding OpenReview notes needs both "
                "openreview_notes_api_v1.json and decisions_affiliations.json. Give a complete folder, or run "
                f"live (-p source live, an OpenReview login is needed). {describe_embedded()}"
            )
    return read_json(notes_path), read_json(decisions_path)


def check_snapshot_year(folder: str | Path, year: int) -> None:
    """Refuse a snapshot folder named for another year (`iclr2019` asked for 2021), or whose name says no year
    when nothing inside it can (a paper list or a links table carries no year; recorded notes do)."""
    folder = Path(folder)
    match = re.search(r"iclr(\d{4})", folder.resolve().name, re.IGNORECASE)
    if match and int(match.group(1)) != year:
        raise ValueError(
            f"{folder} records ICLR {match.group(1)}, not ICLR {year}: run with -p year {match.group(1)} for this "
            f"folder, or with -p source live for ICLR {year} (an OpenReview login is needed)"
        )
    if not match and not (folder / "openreview_notes_api_v1.json").is_file():
        raise ValueError(
            f"{folder} does not say which ICLR year it records: name the folder iclr{year} (as the recorded "
            "folders are named) so its rows cannot be shown under another year"
        )


ACCEPTED_VENUE = re.compile(
    r"ICLR (\d{4}) (?:oral|spotlight|poster|notable)", re.IGNORECASE
)  # API v2 `venue`


def venue_year(venue: str) -> int | None:
    """The year an accepted paper's `venue` names ("ICLR 2024 poster" -> 2024), or None."""
    match = ACCEPTED_VENUE.match(venue)
    return int(match.group(1)) if match else None


def parse_listed_paper(row: dict, year: int | None = None) -> dict | None:
    """One accepted paper from a recorded paper list (`papers.json`, the public paperlists data set's fields)."""
    decision = str(row.get("decision") or "")
    venue = ACCEPTED_VENUE.match(decision)
    if venue and year is not None and int(venue.group(1)) != year:
        raise ValueError(
            f"a recorded paper's venue is {decision!r}, not ICLR {year}: the folder holds another year"
        )
    if not (is_accepted(decision) or venue):
        return None
    keywords = [k.strip() for k in re.split(r"[;,]", str(row.get("keywords") or "")) if k.strip()]
    domains = [d.strip().lower() for d in str(row.get("author_email_domains") or "").split(";") if d.strip()]
    forum = str(row.get("forum") or "")
    return {
        "forum_id": forum,
        "title": str(row.get("title") or "").strip(),
        "decision": decision,
        "track": parse_track(decision),
        "keywords": "; ".join(keywords),
        "primary_area": str(row.get("primary_area") or ""),
        "author_domains": "; ".join(dict.fromkeys(domains)),
        "pdf_url": str(row.get("pdf") or f"https://openreview.net/pdf?id={forum}"),
        "code_field": False,
        "texts": {},  # the recorded years' code links come from the folder's code_links.json
    }


def read_snapshot_papers(folder: str | Path, year: int) -> list[dict]:
    """Accepted papers of `year` from a recorded snapshot folder, whatever its shape.

    2020: API v1 notes and a decisions table; 2018, 2019, 2021-2023: a paper list (`papers.json`); 2024: no
    paper list, so the papers are those of the sampled code links (`code_links.json`) only.
    """
    folder = Path(folder)
    check_year(year)
    check_snapshot_year(folder, year)
    if (folder / "openreview_notes_api_v1.json").is_file():
        notes, facts = read_snapshot_notes(folder)
        invitation = submission_invitation(year)
        if notes and notes[0].get("invitation") != invitation:
            raise ValueError(
                f"{folder} holds {notes[0].get('invitation')}, not ICLR {year}: pick the year it records"
            )
        decisions = {forum: row.get("decision") or "" for forum, row in facts.items()}
        return parse_papers(notes, year, decisions)
    if (folder / "papers.json").is_file():
        rows = read_json(folder / "papers.json")
    elif (folder / "code_links.json").is_file():
        rows = list({row["forum"]: row for row in read_json(folder / "code_links.json")}.values())
    else:
        raise FileNotFoundError(
            f"{folder} holds no papers: a recorded folder needs openreview_notes_api_v1.json, papers.json or "
            f"code_links.json. Give such a folder, or run live (-p source live, an OpenReview login is needed). "
            f"{describe_embedded()}"
        )
    papers = [paper for paper in (parse_listed_paper(row, year) for row in rows) if paper]
    return sorted(papers, key=lambda paper: paper["forum_id"])


def has_paper_list(folder: str | Path) -> bool:
    """Whether a snapshot folder lists all accepted papers (not only those of sampled code links)."""
    folder = Path(folder)
    return (folder / "openreview_notes_api_v1.json").is_file() or (folder / "papers.json").is_file()


def fetch_author_domains(papers: list[dict], year: int, settings: Settings) -> list[dict]:
    """Papers with their profile authors' institution domains added (profiles read once, then cached)."""
    ids = sorted({profile_id for paper in papers for profile_id in paper.get("author_ids") or []})
    if not ids:
        return papers
    cache = Path(settings.cache_dir) / "openreview" / f"iclr{year}_profiles.json"

    def search(batch: list[str]) -> list[dict]:
        profiles = connect(settings).search_profiles(ids=batch)
        return [{"id": profile.id, "content": profile.content} for profile in profiles]

    with explained_refusals(settings.openreview_url or API_V2_URL):
        domains = fetch_profile_domains(ids, year, search, cache)
    return add_profile_domains(papers, domains)


def fetch_papers(year: int, source: str | Path = "live", settings: Settings | None = None) -> list[dict]:
    """Accepted papers of `year` from OpenReview (`source='live'`, authors' domains from their profiles too) or a
    recorded snapshot folder."""
    if str(source) != "live":
        return read_snapshot_papers(source, year)
    settings = settings or Settings.from_env()
    notes = fetch_notes(
        year,
        baseurl=settings.openreview_url or None,
        cache_dir=settings.cache_dir,
        refresh=settings.refresh,
        timeout=settings.openreview_timeout,
        retries=settings.openreview_retries,
    )
    return fetch_author_domains(parse_papers(notes, check_year(year)), year, settings)
