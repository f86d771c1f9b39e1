"""Stage 2, code links: the URLs a paper gives for its code, classified (GitHub repository, folder, elsewhere)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

URL_PATTERN = re.compile(r"""(?:https?://|www\.|github\.com/)[^\s<>"'\]\[(){},;|]+""", re.IGNORECASE)
URL_TRAILING = ".,;:!?*'\"`"


def extract_urls(text: str) -> list[str]:
    """Every URL in a free-text field (several per field, markdown links, bare `github.com/...`), in order."""
    urls = []
    for match in URL_PATTERN.finditer(text or ""):
        url = match.group(0).rstrip(URL_TRAILING)
        if not url.lower().startswith("http"):
            url = "https://" + url
        if url not in urls:
            urls.append(url)
    return urls


def extract_code_urls(paper: dict) -> list[str]:
    """Code URLs of a paper: its `code` field in a year that has one, otherwise code-host URLs in its other texts."""
    texts = paper.get("texts") or {}
    if paper.get("code_field"):
        return extract_urls(texts.get("code", ""))
    urls: list[str] = []
    for name, text in texts.items():
        if name == "code":
            continue
        for url in extract_urls(text):
            if parse_code_link(url)["kind"] != "other" and url not in urls:
                urls.append(url)
    return urls


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


def extract_code_links(papers: list[dict]) -> list[dict]:
    """One row per (paper, code URL), each classified; papers without code get no row here."""
    rows = []
    for paper in papers:
        for url in extract_code_urls(paper):
            rows.append({"forum_id": paper["forum_id"], **parse_code_link(url)})
    return unify_repo_case(rows)


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


def read_snapshot_links(folder: str | Path) -> list[dict]:
    """The code links a recorded snapshot folder lists (`code_links.json`), classified like any other link.

    The recorded `repo` and `subdir` are kept: they name the recorded repository facts.
    """
    rows = json.loads((Path(folder) / "code_links.json").read_text(encoding="utf-8"))
    links = []
    for row in rows:
        link = {"forum_id": row["forum"], **parse_code_link(row["url"])}
        if link["kind"] == "github" and row.get("repo"):
            link.update(repo=row["repo"], subdir=row.get("subdir") or "")
        links.append(link)
    return links


def find_full_link_list(folder: str | Path, year: int) -> Path | None:
    """The list of every GitHub link of `year` beside a recorded folder (`../links/iclr{year}_links.json`)."""
    path = Path(folder).resolve().parent / "links" / f"iclr{year}_links.json"
    return path if path.is_file() else None
