"""Stage 2, code links (from PDFs): the GitHub repositories a paper's PDF gives, the paper's own code first.

Link annotations (`/Annots` -> `/URI`) are read first, then the text of each page on its own (pages are never
glued together), repairing line breaks inside URLs (`https:` / `//github.com/...`, a break after `github.com/`,
after the owner, or after `/tree/`) and stripping punctuation glued on. `*.github.io` pages are web pages, not
repositories. The paper's own repository ranks before those it cites: it stands on the first page, in a
footnote, or next to "code", "available", "implementation"; citations stand in the references.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tqdm import tqdm  # the text bar, as in fetch.py: tqdm.auto wants ipywidgets in a notebook

from .files import read_stamped_json, write_bytes_atomic, write_json_atomic
from .links import clean_url, parse_quoted_link
from .net import wait_for_rate_limit
from .openreview_api import API_V2_URL, connect, explained_refusals
from .settings import Settings

GITHUB_URL = re.compile(r"(?:https?:/{0,2})?(?:www\.)?github\.com/[^\s<>\"'(){}\[\]]*", re.IGNORECASE)
BROKEN_SCHEME = re.compile(r"(https?:)\s*\n\s*(//)", re.IGNORECASE)
OWN_CODE_WORDS = re.compile(
    r"\b(?:code|implementation|available|released|release|source|repository|github|reproduce)\b",
    re.IGNORECASE,
)
REFERENCES = re.compile(r"^\s*(?:references|bibliography)\s*$", re.IGNORECASE | re.MULTILINE)


def join_broken_urls(text: str) -> str:
    """Page text with line breaks inside GitHub URLs removed (`https:` + `//github.com`, a break right after
    `github.com/`, after the owner, or after `/tree/` or `/blob/`)."""
    text = BROKEN_SCHEME.sub(r"\1\2", text)

    def join(match: re.Match) -> str:
        url = match.group(1)
        path = url.split("github.com/", 1)[-1].strip("/").split("/")
        incomplete = len([part for part in path if part]) < 2 or path[-1].lower() in ("tree", "blob")
        return url if incomplete else match.group(0)

    return re.sub(
        r"((?:https?://)?(?:www\.)?github\.com/(?:[\w.\-]+/)*)[ \t]*\n[ \t]*(?=[\w.-])",
        join,
        text,
        flags=re.I,
    )


def read_annotation_urls(page: object) -> list[str]:
    """The URIs of a page's link annotations, in order."""
    found = []
    for annotation in page.get("/Annots") or []:  # type: ignore[attr-defined]
        try:
            target = annotation.get_object()
            action = target.get("/A") or {}
            uri = action.get("/URI")
        except Exception:  # a broken annotation: the text may still hold the link
            continue
        if target.get("/Subtype") == "/Link" and isinstance(uri, str):
            found.append(uri)
    return found


def score_position(text: str, start: int, page: int) -> int:
    """How much a link at `start` of a page's text looks like the paper's own code (higher: more so)."""
    score = 2 if page == 1 else 0
    before = text[max(0, start - 120) : start]
    if OWN_CODE_WORDS.search(before):
        score += 3
    if re.search(
        r"(?:^|\n)\s*\d{1,2}\s*[A-Z]?[a-z]*[^\n]{0,80}$", before
    ):  # a footnote line: `1Implementation ...`
        score += 1
    references = REFERENCES.search(text)
    if references and start > references.start():
        score -= 4
    return score


def extract_pdf_code_links(data: bytes) -> list[dict]:
    """One dict per distinct (repository, folder) a PDF links (letter case ignored, the first spelling kept):
    `repo` ("owner/name"), `subdir`, `source` ("annotation" or "text"), `page`, `url`; the paper's own first.

    >>> extract_pdf_code_links(b"not a pdf")
    []
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except (PdfReadError, ValueError, OSError, KeyError, TypeError):
        return []
    texts = []
    for page in pages:
        try:
            texts.append(join_broken_urls(page.extract_text() or ""))
        except Exception:  # a page whose text cannot be read: its annotations still count
            texts.append("")
    candidates = []  # (url, source, page number, position score, order)
    for number, page in enumerate(pages, start=1):
        for uri in read_annotation_urls(page):
            position = texts[number - 1].lower().find(uri.lower().split("github.com/")[-1][:30])
            score = (
                score_position(texts[number - 1], position, number)
                if position >= 0
                else (2 if number == 1 else 0)
            )
            candidates.append((uri, "annotation", number, score))
    for number, text in enumerate(texts, start=1):
        for match in GITHUB_URL.finditer(text):
            candidates.append(
                (clean_url(match.group(0)), "text", number, score_position(text, match.start(), number))
            )
    found: dict[tuple[str, str], dict] = {}
    for order, (url, source, page, score) in enumerate(candidates):
        link = parse_quoted_link(url)  # NFKC: a ligature of the PDF's font is letters again
        if link["kind"] != "github":
            continue
        key = (link["repo"].lower(), link["subdir"].lower())
        entry = found.setdefault(key, {"repo": link["repo"], "subdir": link["subdir"], "source": source,
                                       "page": page, "url": url, "score": score, "order": order})  # fmt: skip
        entry["score"] = max(entry["score"], score)
    with_folder = {repo for repo, subdir in found if subdir}
    links = [entry for (repo, subdir), entry in found.items() if subdir or repo not in with_folder]
    links.sort(key=lambda entry: (-entry["score"], entry["order"]))
    keys = ("repo", "subdir", "source", "page", "url")
    return [{**{key: entry[key] for key in keys}, "own": entry["score"] > 0} for entry in links]


# ---- the PDF pass of a live run: each accepted paper's PDF, through the logged-in client, cached ----

EXTRACTOR_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[
    :16
]  # re-read cached PDFs on change
SAVE_EVERY = 25  # papers between writes of the links cache (a killed run loses at most these)


def select_own_code(links: list[dict]) -> list[dict]:
    """The paper's own code among a PDF's ranked links: the first, where it stands as papers give their code (first
    page, a footnote, next to "code" or "available"); a repository only cited in the references is not it."""
    return [link for link in links[:1] if link.get("own")]


def read_pdf_links_cache(path: Path, year: int) -> dict[str, list[dict]]:
    """Forum id -> links read from its PDF by this extractor version ({} when absent, stale or unreadable)."""
    return (read_stamped_json(path, year=year, version=EXTRACTOR_VERSION) or {}).get("links") or {}


def fetch_pdf(
    client: Any, forum_id: str, timeout: float, sleep: Callable[[float], None] = time.sleep
) -> bytes | None:
    """A paper's PDF from OpenReview (None when it has none), then, when it used the rate limit up, a wait
    until the limit resets (net.wait_for_rate_limit: capped at the service's window, said aloud)."""
    response = client.session.get(
        f"{client.baseurl}/pdf", params={"id": forum_id}, headers=client.headers, timeout=timeout
    )
    if response.status_code == 404:
        return None
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400 or "pdf" not in kind:
        raise RuntimeError(f"HTTP {response.status_code} {kind}: {response.text[:300]}")
    wait_for_rate_limit(response.headers, "OpenReview", status=response.status_code, sleep=sleep)  # paced
    return response.content


def is_openreview_pdf(paper: dict) -> bool:
    """Whether a paper's PDF is on OpenReview (or unknown): a paper of a links table of a year before
    OpenReview names its proceedings PDF, which the PDF pass does not read.

    >>> is_openreview_pdf({"pdf_url": "https://openreview.net/pdf?id=x"}), is_openreview_pdf({"pdf_url": ""})
    (True, True)
    >>> is_openreview_pdf({"pdf_url": "https://proceedings.neurips.cc/paper/2019/file/x-Paper.pdf"})
    False
    """
    host = urlsplit(paper.get("pdf_url") or "").hostname or ""
    return not paper.get("pdf_url") or host == "openreview.net" or host.endswith(".openreview.net")


def fetch_pdf_code_links(
    papers: list[dict], year: int, settings: Settings, venue: str = "iclr"
) -> list[dict]:
    """Code-link rows read from each paper's PDF on OpenReview (the paper's own code; source "PDF (annotation)"
    or "PDF (text)"). PDFs are kept under the cache and the links read from them too (one file per venue-year),
    so a rerun or a killed run goes on where it stopped."""
    folder = Path(settings.cache_dir) / "openreview"
    cache_path = folder / f"{venue}{year}_pdf_links.json"
    found = read_pdf_links_cache(cache_path, year)
    todo = [paper for paper in papers if paper["forum_id"] not in found and is_openreview_pdf(paper)]
    try:
        with explained_refusals(settings.openreview_url or API_V2_URL):  # what was read is kept
            for number, paper in enumerate(
                tqdm(todo, desc="paper PDFs", unit="pdf", disable=not todo), start=1
            ):
                forum = paper["forum_id"]
                pdf_path = folder / "pdfs" / f"{forum}.pdf"
                if pdf_path.is_file():
                    data: bytes | None = pdf_path.read_bytes()
                else:
                    data = fetch_pdf(connect(settings), forum, settings.openreview_timeout)
                    if data is not None:
                        write_bytes_atomic(pdf_path, data)
                found[forum] = extract_pdf_code_links(data) if data else []
                if number % SAVE_EVERY == 0:
                    write_json_atomic(
                        cache_path, {"year": year, "version": EXTRACTOR_VERSION, "links": found}
                    )
    finally:
        if todo:
            write_json_atomic(cache_path, {"year": year, "version": EXTRACTOR_VERSION, "links": found})
    rows = []
    for paper in papers:
        for link in select_own_code(found.get(paper["forum_id"]) or []):
            parsed = parse_quoted_link(link["url"])
            parsed.update(repo=link["repo"], subdir=link["subdir"])
            rows.append({"forum_id": paper["forum_id"], **parsed, "source": f"PDF ({link['source']})"})
    return rows
