"""Stage 1, papers (affiliations): authors' institution domains from their OpenReview profiles.

From 2021 most author ids in OpenReview's notes, and from 2024 all, are profile ids (`~First_Last1`), not
e-mail addresses, so the e-mail domains say nothing. A profile's `history` lists positions with an institution
domain and years; an author's domain for ICLR `year` is that of the positions held that year. Profiles are read
through the logged-in client in batches and cached as id -> domains: no e-mail address, name or other profile
field is ever kept.

>>> profile = {"id": "~A_B1", "content": {"emails": ["a@x.org"], "history": [
...     {"institution": {"domain": "old.edu"}, "start": 2015, "end": 2019},
...     {"institution": {"domain": "Lab.Example.com"}, "start": 2019, "end": None}]}}
>>> parse_profile_domains(profile, 2024), parse_profile_domains(profile, 2019)
(['lab.example.com'], ['old.edu', 'lab.example.com'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm  # the text bar, as in fetch.py: tqdm.auto wants ipywidgets in a notebook

from .files import read_stamped_json, write_json_atomic

BATCH = 100  # profile ids per request


def extract_profile_ids(authorids: Iterable[str]) -> list[str]:
    """The OpenReview profile ids (`~First_Last1`) among a paper's author ids, in order."""
    return [str(author) for author in authorids or [] if str(author).startswith("~")]


def parse_year(value: object) -> int | None:
    """A history entry's start or end year (an int, a numeric string, or nothing)."""
    text = str(value or "").strip()
    return int(text[:4]) if text[:4].isdigit() else None


def parse_profile_domains(profile: dict, year: int) -> list[str]:
    """The institution domains of the positions a profile held in `year` (lower case, distinct, in order)."""
    domains: list[str] = []
    for entry in (profile.get("content") or {}).get("history") or []:
        start, end = parse_year(entry.get("start")), parse_year(entry.get("end"))
        domain = str((entry.get("institution") or {}).get("domain") or "").strip().lower()
        if domain and "@" not in domain and (start is None or start <= year) and (end is None or year <= end):
            if domain not in domains:
                domains.append(domain)
    return domains


def read_profile_cache(path: Path, year: int) -> dict[str, list[str]]:
    """Profile id -> domains cached for `year` by earlier runs ({} when absent, unreadable or another year)."""
    domains = (read_stamped_json(path, year=year) or {}).get("domains")
    return domains if isinstance(domains, dict) else {}


def fetch_profile_domains(
    ids: Iterable[str], year: int, search: Callable[[list[str]], list[dict]], cache_path: Path
) -> dict[str, list[str]]:
    """Profile id -> institution domains in `year` for `ids`: cached ones as they are, the rest read with
    `search` (a batch of ids -> profiles) in batches, the cache written after each batch (resumable)."""
    known = read_profile_cache(cache_path, year)
    missing = sorted(set(ids) - set(known))
    batches = [missing[start : start + BATCH] for start in range(0, len(missing), BATCH)]
    for batch in tqdm(batches, desc="author profiles", unit="batch", disable=not batches):
        found = {profile.get("id"): profile for profile in search(batch)}
        for profile_id in batch:  # an id without a profile is remembered as having no domain
            known[profile_id] = parse_profile_domains(found.get(profile_id) or {}, year)
        write_json_atomic(cache_path, {"year": year, "domains": known})
    return known


def add_profile_domains(papers: list[dict], domains: dict[str, list[str]]) -> list[dict]:
    """Papers whose `author_domains` add their profile authors' domains after the e-mail ones."""
    out = []
    for paper in papers:
        found = [d for d in str(paper.get("author_domains") or "").split("; ") if d]
        for profile_id in paper.get("author_ids") or []:
            found += [domain for domain in domains.get(profile_id) or [] if domain not in found]
        out.append({**paper, "author_domains": "; ".join(found)})
    return out
