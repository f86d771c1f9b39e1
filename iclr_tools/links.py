"""Stage 2, code links: the URLs a paper gives for its code, classified (GitHub repository, folder, elsewhere)."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:  # annotations only: a table is filtered by its own methods
    import pandas as pd

URL_PATTERN = re.compile(r"""(?:https?://|www\.|github\.com/)[^\s<>"'\]\[(){},;|]+""", re.IGNORECASE)
URL_TRAILING = ".,;:!?*'\"`"


def clean_url(url: str) -> str:
    """A URL found in text (a field, a PDF page) without the punctuation or closing bracket glued to its end, with
    `https://` where it has no scheme.

    >>> clean_url("github.com/a/b)."), clean_url("https://x.org/y;")
    ('https://github.com/a/b', 'https://x.org/y')
    """
    url = url.rstrip(URL_TRAILING + ")]}")
    return url if url.lower().startswith("http") else "https://" + url.lstrip(":/")


def extract_urls(text: str) -> list[str]:
    """Every URL in a free-text field (several per field, markdown links, bare `github.com/...`), in order."""
    urls = []
    for match in URL_PATTERN.finditer(text or ""):
        url = clean_url(match.group(0))
        if url not in urls:
            urls.append(url)
    return urls


FIELD_SOURCES = {"code": "code field", "abstract": "abstract", "TL;DR": "TL;DR", "one-sentence_summary": "TL;DR",
                 "TLDR": "TL;DR", "tldr": "TL;DR"}  # fmt: skip


def extract_tagged_urls(paper: dict) -> list[tuple[str, str]]:
    """(URL, source) of a paper's code URLs: its `code` field in a year that has one, otherwise code-host URLs in
    its other texts (source: "abstract" or "TL;DR")."""
    texts = paper.get("texts") or {}
    if paper.get("code_field"):
        return [(url, "code field") for url in extract_urls(texts.get("code", ""))]
    found: dict[str, str] = {}
    for name, text in texts.items():
        if name == "code":
            continue
        for url in extract_urls(text):
            if parse_code_link(url)["kind"] != "other":
                found.setdefault(url, FIELD_SOURCES.get(name, name))
    return list(found.items())


def extract_code_urls(paper: dict) -> list[str]:
    """Code URLs of a paper: its `code` field in a year that has one, otherwise code-host URLs in its other texts."""
    return [url for url, _ in extract_tagged_urls(paper)]


NOT_GITHUB_HOSTS = {  # host suffix -> kind
    "gitlab.com": "gitlab",
    "bitbucket.org": "bitbucket",
    "drive.google.com": "google_drive",
    "docs.google.com": "google_drive",
    "dropbox.com": "dropbox",
    "anonymous.4open.science": "anonymous",
    "github.io": "github_pages",
    "huggingface.co": "huggingface",
}
GITHUB_NOT_OWNERS = {"orgs", "topics", "about", "features", "marketplace", "sponsors", "settings", "search"}


def parse_code_link(url: str) -> dict:
    """Split a code URL into kind, host, owner, repo, ref and subdir (the folder the link points into)."""
    link = {"url": url, "kind": "other", "host": "", "owner": "", "repo": "", "ref": "", "subdir": ""}
    parts = urlsplit(url.strip() if "://" in url else "https://" + url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    link["host"] = host
    if host != "github.com":
        for suffix, kind in NOT_GITHUB_HOSTS.items():
            if host == suffix or host.endswith("." + suffix):
                link["kind"] = kind
        return link
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not segments or segments[0].lower() in GITHUB_NOT_OWNERS:
        return {**link, "kind": "github_other"}
    link["owner"] = segments[0]
    if len(segments) == 1:
        return {**link, "kind": "github_user"}
    name = segments[1].removesuffix(".git")
    link.update(kind="github", repo=f"{segments[0]}/{name}")
    if len(segments) >= 4 and segments[2] in ("tree", "blob"):
        link["ref"] = segments[3]
        folder = segments[4:] if segments[2] == "tree" else segments[4:-1]
        link["subdir"] = "/".join(folder)
    return link


def normalise_quoted(text: str) -> str:
    """Quoted text as a link is parsed: NFKC, so a PDF's ligature is letters again (`delﬁ` -> `delfi`).

    >>> normalise_quoted("https://github.com/mackelab/delﬁ")
    'https://github.com/mackelab/delfi'
    """
    return unicodedata.normalize("NFKC", text or "")


def parse_quoted_link(url: str) -> dict:
    """`parse_code_link` of the NFKC-normalised URL; where that changes the repository's name the link also
    keeps the name as quoted (`quoted_repo`) and the rule that changed it (`repaired_by` "ligature").

    >>> link = parse_quoted_link("https://github.com/mackelab/delﬁ")
    >>> link["repo"], link["quoted_repo"], link["repaired_by"]
    ('mackelab/delfi', 'mackelab/delﬁ', 'ligature')
    """
    link = parse_code_link(normalise_quoted(url))
    quoted = parse_code_link(url)["repo"]
    if link["kind"] == "github" and quoted != link["repo"]:
        link.update(quoted_repo=quoted, repaired_by="ligature")
    return link


def extract_code_links(papers: list[dict]) -> list[dict]:
    """One row per (paper, code URL), each classified; papers without code get no row here."""
    rows = []
    for paper in papers:
        for url, source in extract_tagged_urls(paper):
            rows.append({"forum_id": paper["forum_id"], **parse_quoted_link(url), "source": source})
    return unify_repo_case(rows)


def merge_code_links(*sources: list[dict]) -> list[dict]:
    """Code-link rows of several sources in one list: a paper's link to a repository (and folder) or URL that an
    earlier source gave is left out, so each keeps the first source that found it.

    >>> rows = merge_code_links([{"forum_id": "p", "url": "u1", "repo": "A/b", "subdir": "", "source": "abstract"}],
    ...                         [{"forum_id": "p", "url": "u2", "repo": "a/B", "subdir": "", "source": "PDF"}])
    >>> [row["source"] for row in rows]
    ['abstract']
    """
    seen: set[tuple[str, str, str]] = set()
    merged = []
    for rows in sources:
        for row in rows:
            key = (
                row["forum_id"],
                *((row["repo"].lower(), row["subdir"]) if row.get("repo") else (row["url"], "")),
            )
            if key not in seen:
                seen.add(key)
                merged.append(row)
    return unify_repo_case(merged)


def read_table_file(path: str | Path) -> object:
    """A links table's content: a CSV's rows, or whatever its JSON holds; a ValueError naming the file."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                return list(csv.DictReader(handle))
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"links table {path} cannot be read ({error}): give a CSV or JSON file") from error


# A links table's paper key, in this order: the OpenReview id wins wherever a row has one
PAPER_KEYS = ("forum", "forum_id", "paper")


def read_paper_key(row: dict) -> str:
    """A links-table row's paper: its OpenReview forum id (`forum`, else `forum_id`) where it has one, else its
    `paper` key (a proceedings paper's title key); '' when it has none.

    >>> read_paper_key({"paper": "deep_nets__1a", "forum": "Ab12"}), read_paper_key({"paper": "deep_nets__1a"})
    ('Ab12', 'deep_nets__1a')
    """
    return next((str(row[name]).strip() for name in PAPER_KEYS if str(row.get(name) or "").strip()), "")


def read_links_table(path: str | Path) -> list[dict]:
    """Code links a user gives (a published data set, say): a CSV with `forum` (or `forum_id`; `paper`, a title key,
    for years before OpenReview) and `url` columns, or JSON (a list of such rows, or an object of forum id -> URL
    or URLs); classified, source "links table"."""
    path = Path(path)
    rows = read_table_file(path)
    if isinstance(rows, dict):
        rows = [{"forum": forum, "url": url} for forum, urls in rows.items()
                for url in ([urls] if isinstance(urls, str) else urls or [])]  # fmt: skip
    links = []
    for number, row in enumerate(rows if isinstance(rows, list) else [], start=1):
        forum = read_paper_key(row) if isinstance(row, dict) else ""
        url = str(row.get("url") or "" if isinstance(row, dict) else "").strip()
        if not forum or not url:
            raise ValueError(
                f"links table {path}, row {number}: needs a forum id (`forum` or `forum_id`, or a `paper` key for "
                "a year before OpenReview) and a `url`; "
                "fix or drop that row"
            )
        links.append({"forum_id": forum, **parse_quoted_link(url), "source": "links table"})
    return links


def unify_repo_case(links: list[dict]) -> list[dict]:
    """Links whose GitHub `owner/name` differ only in letter case name one repository (GitHub ignores case):
    every such link gets the first spelling seen, so it is fetched once.

    >>> [link["repo"] for link in unify_repo_case([{"repo": "Org/Tool"}, {"repo": "org/tool"}, {"repo": ""}])]
    ['Org/Tool', 'Org/Tool', '']
    """
    first: dict[str, str] = {}
    out = []
    for link in links:
        repo = link.get("repo") or ""
        spelling = first.setdefault(repo.lower(), repo) if repo else repo
        out.append({**link, "repo": spelling} if spelling != repo else link)
    return out


def extract_code_targets(links: list[dict]) -> list[dict]:
    """The distinct GitHub (repository, ref, folder) targets named by `links`, in first-seen order."""
    seen: dict[tuple[str, str, str], dict] = {}
    for link in links:
        if link["kind"] == "github":
            key = (link["repo"], link["ref"], link["subdir"])
            seen.setdefault(key, {"repo": link["repo"], "ref": link["ref"], "subdir": link["subdir"]})
    return list(seen.values())


def extract_targets(frame: pd.DataFrame, statuses: tuple[str, ...] | None = ("ok",)) -> pd.DataFrame:
    """One row per distinct repository target (`repo`, `ref`, `subdir`) of a dataset or links table, each its
    first row: those with one of `statuses` (those whose code was read and holds Python by default), or every
    target whatever its status with `statuses=None` (a links table has no status)."""
    rows = frame[frame["repo"] != ""]
    if statuses is not None:
        rows = rows[rows["status"].isin(statuses)]
    rows = rows.drop_duplicates(["repo", "ref", "subdir"])
    # none: counts over it are 0 (an empty text column would sum to '')
    return rows if len(rows) else rows.astype(object)


def read_snapshot_links(folder: str | Path) -> list[dict]:
    """The code links a recorded snapshot folder lists (`code_links.json`), classified like any other link.

    The recorded `repo` and `subdir` are kept: they name the recorded repository facts; so are a recorded
    repair's `quoted_repo` (the name the paper quoted) and `repaired_by` (the rule that read it).
    """
    path = Path(folder) / "code_links.json"
    links = []
    for number, row in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
        paper = read_paper_key(row)  # an OpenReview forum, or a proceedings paper's key
        if not paper or not row.get("url"):
            raise ValueError(
                f"{path}, row {number}: needs a paper key (`forum`, `forum_id` or `paper`) and a `url`; give the "
                "recorded folder as ../shared holds it"
            )
        link = {"forum_id": paper, **parse_quoted_link(row["url"]), "source": "recorded"}
        if link["kind"] == "github" and row.get("repo"):  # the recorded name, and its recorded repair or none
            link.update(repo=row["repo"], subdir=row.get("subdir") or "")
            for name in ("quoted_repo", "repaired_by"):
                link.pop(name, None)
        if link["kind"] == "github" and row.get("repaired_by"):
            link.update(quoted_repo=str(row.get("quoted_repo") or ""), repaired_by=str(row["repaired_by"]))
        links.append(link)
    return links


def find_full_link_list(folder: str | Path, year: int, venue: str = "iclr") -> Path | None:
    """The list of every GitHub link of a venue's `year` beside a recorded folder (`../links/iclr{year}_links.json`)."""
    path = Path(folder).resolve().parent / "links" / f"{venue}{year}_links.json"
    return path if path.is_file() else None
