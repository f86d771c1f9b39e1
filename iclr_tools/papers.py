"""Stage 1, papers: the accepted papers of a venue-year (ICLR by default, NeurIPS, ICML) from OpenReview (API v1
or v2, each venue-year read as it was run) or a recorded snapshot, or a links table for years not on OpenReview."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .affiliations import add_profile_domains, extract_profile_ids, fetch_profile_domains
from .files import read_json, read_stamped_json, write_json_atomic
from .links import read_paper_key, read_table_file
from .openreview_api import (
    API_V1_URL,
    API_V2_URL,
    ServiceRefusedError,
    connect,
    explained_refusals,
    make_openreview_client,
)
from .settings import VENUE_NAMES, Settings, describe_embedded
from .venues import (
    DB_TRACK,
    TABLE,
    VENUE_GROUPS,
    VenueYear,
    find_db_group,
    parse_venue_year_name,
    submission_invitation,
    venue_id,
)


def read_cached_notes(path: Path, year: int, venue: str = "iclr") -> list[dict] | None:
    """Notes cached by a complete earlier fetch of `year`, or None (absent, half-written, another year or
    another venue: a NeurIPS or ICML cache is stamped with its venue)."""
    cached = read_stamped_json(path, year=year, complete=True)
    return None if cached is None or cached.get("venue", "iclr") != venue else cached.get("notes")


def fetch_notes(year: int, *, venue: str = "iclr", **options: Any) -> list[dict]:
    """The submissions of `venue` in `year` with their decisions as JSON dicts; `options` are
    `fetch_venue_notes`'s (baseurl, cache_dir, refresh, timeout, retries, credentials)."""
    return fetch_venue_notes(VenueYear.of(venue, year), **options)


def fetch_venue_notes(
    venue_year: VenueYear,
    *,
    baseurl: str | None = None,
    cache_dir: str | Path = "cache",
    refresh: bool = False,
    timeout: float = 60,
    retries: int = 6,
    credentials: tuple[str, str] | None = None,
) -> list[dict]:
    """The submissions of a venue-year with their decisions as JSON dicts, from the disk cache or OpenReview
    (every listing of the venue-year, merged; a note listed twice is kept once).

    A request needs a login (`credentials`, else OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD), checked before
    any request; a listing without one accepted paper is an error and is never cached.
    """
    venue, year, api = venue_year.venue, venue_year.check_live().year, venue_year.api
    path = Path(cache_dir) / "openreview" / f"{venue}{year}_notes.json"
    cached = None if refresh else read_cached_notes(path, year, venue)
    if cached is not None:
        return cached
    url = baseurl or (API_V1_URL if api == 1 else API_V2_URL)
    raw = []
    with explained_refusals(url):
        client = make_openreview_client(api, baseurl, timeout, retries, credentials)  # type: ignore[arg-type]
        for query in venue_year.find_listings():
            if api == 1:
                raw += client.get_all_notes(invitation=query["invitation"], details="directReplies")
            else:
                raw += client.get_all_notes(content={"venueid": query["venueid"]})
    notes = [mask_emails({**note.to_json(), "details": note.details}) for note in raw]
    if venue != "iclr":
        notes = list({note.get("id"): note for note in notes}.values())
    if not parse_notes(notes, venue_year):
        raise ServiceRefusedError(
            f"OpenReview at {url} listed {len(notes)} notes but no accepted paper of {venue_year.name} "
            "(nothing was cached). What to do: if the decisions are not out yet, wait for them; otherwise rerun "
            "later, and report it if it persists."
        )
    stamp = {"year": year, "api": api, "complete": True, "notes": notes}
    write_json_atomic(path, stamp if venue == "iclr" else {"venue": venue, **stamp})
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


def parse_paper(
    note: dict, year: int, code_field: bool = False, decision: str | None = None, venue: str = "iclr"
) -> dict | None:
    """One row per accepted paper from an API v1 or v2 note of `venue` in `year` (see `parse_note`)."""
    return parse_note(note, VenueYear.of(venue, year), code_field, decision)


def parse_note(
    note: dict, venue_year: VenueYear, code_field: bool = False, decision: str | None = None
) -> dict | None:
    """One row per accepted paper from an API v1 or v2 note; None for a paper that was not accepted, or a note
    of another venue-year.

    `decision` is the decision text where it is known apart from the note (a recorded snapshot); otherwise it is
    read from the note's direct replies (API v1) or its `venue` (API v2). NeurIPS and ICML: see `parse_venue_paper`.
    """
    if venue_year.venue != "iclr":
        return parse_venue_paper(note, venue_year)
    if not is_own_note(note, venue_year):
        return None
    year = venue_year.year
    content = {key: parse_value(value) for key, value in (note.get("content") or {}).items()}
    if decision is not None or venue_year.api != 2:
        decision = extract_decision(note) if decision is None else decision
        venue_text = str(content.get("venue") or "")  # v1 notes of 2021-2023 carry it ("ICLR 2022 Spotlight")
        if not decision and ACCEPTED_VENUE.match(venue_text) and parse_accepted_year(venue_text) == year:
            decision = venue_text
        if not (is_accepted(decision) or ACCEPTED_VENUE.match(decision)):
            return None
    else:
        if content.get("venueid") != venue_id(year):
            return None
        decision = str(content.get("venue") or "")
    return parse_note_paper(
        note, content, decision, parse_track(decision), code_field, extract_text_fields(content)
    )


def make_paper(
    forum_id: str,
    *,
    title: str = "",
    decision: str = "",
    track: str = "",
    keywords: list[str] | None = None,
    primary_area: str = "",
    author_domains: list[str] | None = None,
    author_ids: list[str] | None = None,
    pdf_url: str = "",
    code_field: bool = False,
    texts: dict[str, str] | None = None,
) -> dict:
    """The one paper row every source gives (notes, paper lists, proceedings and links tables): its title
    stripped, keywords and author domains joined with '; ' (a domain once), profile ids, texts naming code."""
    return {
        "forum_id": forum_id,
        "title": title.strip(),
        "decision": decision,
        "track": track,
        "keywords": "; ".join(keywords or []),
        "primary_area": primary_area,
        "author_domains": "; ".join(dict.fromkeys(author_domains or [])),
        "author_ids": list(author_ids or []),  # profiles: their institution domains are read from them
        "pdf_url": pdf_url,
        "code_field": code_field,
        "texts": dict(texts or {}),
    }


def split_keywords(value: object) -> list[str]:
    """Keywords as a list: a list as given, a text split at `;` or `,`.

    >>> split_keywords("vqa; counting,CNN"), split_keywords(["a b"]), split_keywords(None)
    (['vqa', 'counting', 'CNN'], ['a b'], [])
    """
    if isinstance(value, list):
        return value
    return [word.strip() for word in re.split(r"[;,]", str(value or "")) if word.strip()]


def parse_note_paper(
    note: dict, content: dict, decision: str, track: str, code_field: bool, texts: dict[str, str]
) -> dict:
    """The paper row of an accepted note (content unwrapped), its decision, track and texts already read."""
    pdf = content.get("pdf") or ""
    authors = content.get("authorids") or []
    return make_paper(
        note.get("forum") or note.get("id"),
        title=content.get("title") or "",
        decision=decision,
        track=track,
        keywords=split_keywords(content.get("keywords")),
        primary_area=next((str(content[name]) for name in AREA_FIELDS if content.get(name)), ""),
        author_domains=extract_email_domains(authors),
        author_ids=extract_profile_ids(authors),
        pdf_url="https://openreview.net" + pdf if pdf.startswith("/") else pdf,
        code_field=code_field,
        texts=texts,
    )


def read_note_groups(note: dict) -> list[str]:
    """The invitations, domain and venueid a note names itself by (v1 `invitation`, v2 `invitations`)."""
    content = note.get("content") or {}
    names = [note.get("invitation"), *(note.get("invitations") or []), note.get("domain")]
    names.append(parse_value(content.get("venueid")))
    return [str(name) for name in names if name]


def is_own_note(note: dict, venue_year: VenueYear) -> bool:
    """Whether a note is of the venue-year by every invitation, domain and venueid it names (a note naming
    none passes): so a NeurIPS listing never passes as ICLR, nor 2022's as 2023's.

    >>> is_own_note({"invitation": "NeurIPS.cc/2022/Conference/-/Blind_Submission"}, VenueYear.of("iclr", 2022))
    False
    """
    prefix = f"{VENUE_GROUPS[venue_year.venue]}/{venue_year.year}/"
    return all(name.startswith(prefix) or name == prefix[:-1] for name in read_note_groups(note))


# NeurIPS and ICML forms: optional fields where authors name their code (NeurIPS 2021 `code`, ICML 2025
# `link_to_code`, NeurIPS 2025 D&B `code_URL`), read first as "code field" but never instead of the other texts
# and the PDF; and D&B's `URL` (the dataset's or project's page, sometimes its repository). Never
# `community_implementations` (CatalyzeX's) nor `dataset_url` (the data).
VENUE_CODE_FIELDS = ("code", "link_to_code", "code_URL")
VENUE_FORM_FIELDS = ("URL",)
NOT_ACCEPTED_WORDS = re.compile(r"submitted|withdrawn|reject", re.IGNORECASE)


def extract_venue_texts(content: dict) -> dict[str, str]:
    """The texts of a NeurIPS or ICML note that can name code: its optional code field (as "code field"), the
    abstract and TL;DR, then its form's URL field; present ones only."""
    texts = {
        "code field": next((content[name] for name in VENUE_CODE_FIELDS if is_text(content.get(name))), "")
    }
    texts |= {name: value for name, value in extract_text_fields(content).items() if name != "code"}
    texts |= {name: content[name] for name in VENUE_FORM_FIELDS if is_text(content.get(name))}
    return {name: text for name, text in texts.items() if text}


def is_text(value: object) -> bool:
    """Whether a content value is a non-empty string."""
    return isinstance(value, str) and bool(value.strip())


def is_accepted_venue(text: str, venue_year: VenueYear) -> bool:
    """Whether a NeurIPS or ICML `venue` string says the paper was accepted in the venue-year ("NeurIPS 2021
    Poster", "NeurIPS 2022 Accept", "NeurIPS 2022 Datasets and Benchmarks ", "ICML 2023 OralPoster"; not "NeurIPS
    2022 Submitted", "Submitted to ICML 2023", "... Withdrawn Submission").

    >>> neurips2022 = VenueYear.of("neurips", 2022)
    >>> is_accepted_venue("NeurIPS 2022 Datasets and Benchmarks ", neurips2022)
    True
    >>> is_accepted_venue("NeurIPS 2022 Submitted", neurips2022), is_accepted_venue("NeurIPS 2021 Poster", neurips2022)
    (False, False)
    """
    text = text.strip()
    return text.startswith(venue_year.name) and not NOT_ACCEPTED_WORDS.search(text)


def is_db_note(note: dict, year: int) -> bool:
    """Whether a NeurIPS note is of the Datasets and Benchmarks track (its invitations or venueid say so)."""
    group = find_db_group(year)
    return any(name == group or name.startswith(group + "/") for name in read_note_groups(note))


def parse_venue_paper(note: dict, venue_year: VenueYear) -> dict | None:
    """The paper row of an accepted NeurIPS or ICML note, None for any other note (not accepted, or of another
    venue-year). API v1 (NeurIPS 2021-2022): the `venue` string decides (its venueid is bare on rejected notes
    too), else the decision reply; API v2: the venueid, exactly a listed group. The D&B track is a track of its
    own ("Datasets and Benchmarks", whatever its presentation, which the decision keeps)."""
    if not is_own_note(note, venue_year):
        return None
    content = {key: parse_value(value) for key, value in (note.get("content") or {}).items()}
    decision = str(content.get("venue") or "")
    if venue_year.check_live().api == 1:
        if decision.strip().startswith(venue_year.name) or "Submitted to" in decision:
            accepted = is_accepted_venue(decision, venue_year)
        else:  # no venue string (a 2021 twin): the decision reply, if there is one
            decision = extract_decision(note)
            accepted = decision.lower().startswith("accept")
    else:
        groups = {query["venueid"] for query in venue_year.find_listings()}
        accepted = content.get("venueid") in groups
    if not accepted:
        return None
    db = venue_year.venue == "neurips" and is_db_note(note, venue_year.year)
    track = DB_TRACK if db else parse_track(decision)
    return parse_note_paper(note, content, decision, track, False, extract_venue_texts(content))


def collapse_twins(notes: list[dict]) -> list[dict]:
    """Notes without the twins NeurIPS 2021 lists (two notes, one title and one PDF): the lower number is kept.

    >>> [n["id"] for n in collapse_twins([{"id": "b", "number": 9, "content": {"title": "T", "pdf": "/p"}},
    ...                                   {"id": "a", "number": 3, "content": {"title": "T", "pdf": "/p"}}])]
    ['a']
    """
    kept: dict[tuple, dict] = {}
    for note in sorted(notes, key=lambda note: (note.get("number") is None, note.get("number") or 0)):
        content = note.get("content") or {}
        title, pdf = (str(parse_value(content.get(name)) or "").strip() for name in ("title", "pdf"))
        key = (title.lower(), pdf) if title and pdf else ("", str(note.get("id")))
        kept.setdefault(key, note)
    order = {id(note): index for index, note in enumerate(notes)}
    return sorted(kept.values(), key=lambda note: order[id(note)])


def parse_papers(
    notes: list[dict], year: int, decisions: dict[str, str] | None = None, venue: str = "iclr"
) -> list[dict]:
    """The accepted papers among `notes` of `venue` in `year` (see `parse_notes`)."""
    return parse_notes(notes, VenueYear.of(venue, year), decisions)


def parse_notes(
    notes: list[dict], venue_year: VenueYear, decisions: dict[str, str] | None = None
) -> list[dict]:
    """The accepted papers among `notes`, one dict each, in forum-id order (`decisions`: forum id -> text)."""
    if venue_year.venue != "iclr":
        notes = collapse_twins([note for note in notes if not note.get("replyto")])
        papers = (parse_venue_paper(note, venue_year) for note in notes)
        return sorted((paper for paper in papers if paper), key=lambda paper: paper["forum_id"])
    code_field = has_code_field(notes)
    papers = (
        parse_note(
            note, venue_year, code_field, None if decisions is None else decisions.get(note.get("id"), "")
        )
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


def check_snapshot_year(folder: str | Path, year: int, venue: str = "iclr") -> None:
    """Refuse a snapshot folder named for another venue-year (see `check_folder_name`)."""
    check_folder_name(folder, VenueYear.of(venue, year))


def check_folder_name(folder: str | Path, venue_year: VenueYear) -> None:
    """Refuse a snapshot folder named for another venue or year (`iclr2019` asked for ICLR 2021, `neurips2023`
    for ICLR 2023), or whose name says no year when nothing inside it can (a paper list or a links table carries
    no year; recorded notes do)."""
    folder = Path(folder)
    venue, year, asked = venue_year.venue, venue_year.year, venue_year.name
    named_venue_year = parse_venue_year_name(folder.resolve().name)
    if named_venue_year and named_venue_year != (venue, year):
        named, named_year = named_venue_year
        choose = f"-p venue {named} " if named != venue else ""
        raise ValueError(
            f"{folder} records {VENUE_NAMES[named]} {named_year}, not {asked}: run with {choose}-p year "
            f"{named_year} for this folder, or with -p source live for {asked} (an OpenReview login is needed)"
        )
    if not named_venue_year and not (folder / "openreview_notes_api_v1.json").is_file():
        raise ValueError(
            f"{folder} does not say which {VENUE_NAMES[venue]} year it records: name the folder {venue}{year} (as "
            "the recorded folders are named) so its rows cannot be shown under another venue or year"
        )


ACCEPTED_VENUE = re.compile(
    r"ICLR (\d{4}) (?:oral|spotlight|poster|notable)", re.IGNORECASE
)  # API v2 `venue`


def parse_accepted_year(venue: str) -> int | None:
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
    domains = [d.strip().lower() for d in str(row.get("author_email_domains") or "").split(";") if d.strip()]
    forum = str(row.get("forum") or "")
    return make_paper(  # no texts: the recorded years' code links come from the folder's code_links.json
        forum,
        title=str(row.get("title") or ""),
        decision=decision,
        track=parse_track(decision),
        keywords=split_keywords(row.get("keywords")),
        primary_area=str(row.get("primary_area") or ""),
        author_domains=domains,
        pdf_url=str(row.get("pdf") or f"https://openreview.net/pdf?id={forum}"),
    )


def read_snapshot_papers(folder: str | Path, year: int, venue: str = "iclr") -> list[dict]:
    """Accepted papers of `venue` in `year` from a recorded snapshot folder (see `read_recorded_papers`)."""
    return read_recorded_papers(folder, VenueYear.of(venue, year))


def read_recorded_papers(folder: str | Path, venue_year: VenueYear) -> list[dict]:
    """Accepted papers of a venue-year from a recorded snapshot folder, whatever its shape.

    ICLR 2020: API v1 notes and a decisions table; 2018, 2019, 2021-2023: a paper list (`papers.json`); 2024: no
    paper list, so the papers are those of the sampled code links (`code_links.json`) only. NeurIPS and ICML: the
    proceedings papers of the sampled code links (keyed by `paper`).
    """
    folder = Path(folder)
    if venue_year.venue != "iclr":
        check_folder_name(folder, venue_year)
        return read_proceedings_papers(folder)
    year = venue_year.check_live().year
    check_folder_name(folder, venue_year)
    if (folder / "openreview_notes_api_v1.json").is_file():
        notes, facts = read_snapshot_notes(folder)
        invitation = submission_invitation(year)
        if notes and notes[0].get("invitation") != invitation:
            raise ValueError(
                f"{folder} holds {notes[0].get('invitation')}, not ICLR {year}: pick the year it records"
            )
        decisions = {forum: row.get("decision") or "" for forum, row in facts.items()}
        return parse_notes(notes, venue_year, decisions)
    if (folder / "papers.json").is_file():
        rows = read_json(folder / "papers.json")
    elif (folder / "code_links.json").is_file():
        rows = list({read_paper_key(row): row for row in read_json(folder / "code_links.json")}.values())
    else:
        raise FileNotFoundError(
            f"{folder} holds no papers: a recorded folder needs openreview_notes_api_v1.json, papers.json or "
            f"code_links.json. Give such a folder, or run live (-p source live, an OpenReview login is needed). "
            f"{describe_embedded()}"
        )
    papers = [paper for paper in (parse_listed_paper(row, year) for row in rows) if paper]
    return sorted(papers, key=lambda paper: paper["forum_id"])


def read_proceedings_papers(folder: Path) -> list[dict]:
    """The papers of a NeurIPS or ICML folder's sampled code links (`code_links.json`, keyed by `paper`)."""
    return parse_proceedings_papers(read_json(folder / "code_links.json"), folder / "code_links.json")


def parse_proceedings_papers(rows: list[dict], source: str | Path) -> list[dict]:
    """The papers of a proceedings year's links rows (recorded, embedded or a user's table): one per paper key (the
    first row of each), in key order; a row without a key or a `url` is a ValueError naming `source`."""
    papers: dict[str, dict] = {}
    for number, row in enumerate(rows, start=1):
        if not read_paper_key(row) or not str(row.get("url") or "").strip():
            raise ValueError(
                f"links table {source}, row {number}: needs a paper key (`forum`, `forum_id` or `paper`) and a "
                "`url`; fix or drop that row"
            )
        paper = parse_proceedings_paper(row)
        papers.setdefault(paper["forum_id"], paper)
    return [papers[key] for key in sorted(papers)]


# The decision of a paper of a venue-year's proceedings: accepted by being there
PROCEEDINGS_DECISION = "accepted (proceedings)"


def parse_proceedings_paper(row: dict) -> dict:
    """A NeurIPS or ICML paper from a row of its links: accepted, its title, track (none where the source says
    "None") and PDF, keyed by `links.read_paper_key`.

    >>> parse_proceedings_paper({"paper": "deep_nets__1a", "title": " Deep Nets", "track": "None"})["track"]
    ''
    """
    track = str(row.get("track") or "")
    return make_paper(
        read_paper_key(row),
        title=str(row.get("title") or ""),
        decision=PROCEEDINGS_DECISION,
        track="" if track == "None" else track,
        pdf_url=str(row.get("pdf_url") or ""),
    )


def has_paper_list(folder: str | Path) -> bool:
    """Whether a snapshot folder lists all accepted papers (not only those of sampled code links)."""
    folder = Path(folder)
    return (folder / "openreview_notes_api_v1.json").is_file() or (folder / "papers.json").is_file()


def fetch_author_domains(papers: list[dict], venue_year: VenueYear, settings: Settings) -> list[dict]:
    """Papers with their profile authors' institution domains added (profiles read once, then cached)."""
    ids = sorted({profile_id for paper in papers for profile_id in paper.get("author_ids") or []})
    if not ids:
        return papers
    cache = Path(settings.cache_dir) / "openreview" / f"{venue_year.venue}{venue_year.year}_profiles.json"

    def search(batch: list[str]) -> list[dict]:
        profiles = connect(settings).search_profiles(ids=batch)
        return [{"id": profile.id, "content": profile.content} for profile in profiles]

    with explained_refusals(settings.openreview_url or API_V2_URL):
        domains = fetch_profile_domains(ids, venue_year.year, search, cache)
    return add_profile_domains(papers, domains)


def read_table_rows(path: str | Path) -> list[dict]:
    """The rows of a links table (CSV, or JSON: a list of rows), or a ValueError naming the file."""
    rows = read_table_file(path)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(
            f"links table {path} is not a list of rows: give rows with `paper` (or `forum`) and `url`"
        )
    return rows


def read_table_papers(path: str | Path, year: int, venue: str) -> list[dict]:
    """The papers of a links table for `venue` in `year` (see `read_links_table_papers`)."""
    return read_links_table_papers(path, VenueYear.of(venue, year))


def read_links_table_papers(path: str | Path, venue_year: VenueYear) -> list[dict]:
    """The papers of a links table (one per paper key, in key order), for a NeurIPS or ICML year before
    OpenReview: title, track and PDF as the table gives them; a table named for another venue-year
    (`neurips2020_links.json` asked for 2019) is refused."""
    named = parse_venue_year_name(Path(path).name)
    if named and named != (venue_year.venue, venue_year.year):
        raise ValueError(
            f"links table {path} is named for {VENUE_NAMES[named[0]]} {named[1]}, not {venue_year.name}: "
            f"give {venue_year.name}'s table, or run with -p venue {named[0]} -p year {named[1]}"
        )
    return parse_proceedings_papers(read_table_rows(path), path)


def fetch_papers(
    year: int, source: str | Path = "live", settings: Settings | None = None, venue: str = "iclr"
) -> list[dict]:
    """Accepted papers of `venue` in `year` (see `fetch_venue_papers`)."""
    return fetch_venue_papers(VenueYear.of(venue, year), source, settings)


def fetch_venue_papers(
    venue_year: VenueYear, source: str | Path = "live", settings: Settings | None = None
) -> list[dict]:
    """Accepted papers of a venue-year from OpenReview (`source='live'`, authors' domains from their profiles
    too) or a recorded snapshot folder. A NeurIPS or ICML year before OpenReview runs live only from a links
    table (`settings.links_file`): its papers are those the table lists."""
    if str(source) != "live":
        return read_recorded_papers(source, venue_year)
    settings = settings or Settings.from_env()
    if venue_year.read == TABLE and settings.links_file:
        return read_links_table_papers(settings.links_file, venue_year)
    venue_year.check_live()  # before any request: a year not on OpenReview says how to run it
    notes = fetch_venue_notes(
        venue_year,
        baseurl=settings.openreview_url or None,
        cache_dir=settings.cache_dir,
        refresh=settings.refresh,
        timeout=settings.openreview_timeout,
        retries=settings.openreview_retries,
    )
    return fetch_author_domains(parse_notes(notes, venue_year), venue_year, settings)
