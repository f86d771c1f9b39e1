"""Stage 3, fetch: an owner's public repositories listed by GitHub's REST API, cached, to repair cut links.

A link whose repository GitHub does not have (a fetch said "missing") is looked up among its owner's public
repositories (`GET {api_url}/users/{owner}/repos?per_page=100&page=N`, following `Link: rel="next"`); the pure
choice is `repair.choose_repair`. Each owner is listed once per run and its raw answers are cached under
`{cache_dir}/github/repos/`, so a rerun asks nothing. A token (`GITHUB_TOKEN`) is sent as a header only; without
one, owners with thousands of repositories are listed in part (`PAGES_WITHOUT_TOKEN`), and the row says so. Every
failure (owner missing, rate limit, server error, pagination cut short) is a reason on the link, never a drop.

The lead's one call: `repair_links(links, records, titles, settings)`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import urllib3

from .files import write_bytes_atomic
from .github import classify_http_exception, redact
from .net import USER_AGENT, get_default_pool, make_retry, parse_rate_limit_wait, wait_for_rate_limit
from .repair import choose_repair
from .settings import Settings, find_api_url

LISTING_VERSION = 1  # the cached listing's layout
PER_PAGE = 100  # GitHub's largest page
PAGES_WITHOUT_TOKEN = 3  # 60 API requests an hour without a token: a few pages per owner, then stop
PAGES_WITH_TOKEN = 100  # 10,000 repositories: more than any owner a paper links to
RATE_LIMIT_WAIT_MAX_S = 60.0  # a rate limit that resets sooner than this is waited for, once
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
LAST_PAGE = re.compile(r'<[^>]*[?&]page=(\d+)[^>]*>\s*;\s*rel="?last"?')


@dataclass
class OwnerListing:
    """An owner's public repositories as the API listed them, and whether the listing is whole."""

    owner: str
    status: str  # ok, capped (first pages only, no token), missing_owner, rate_limited, http_error, cut_short
    repos: list[str] = field(default_factory=list)  # owner/name as GitHub spells them
    reason: str = ""  # '' for a whole listing; else what is missing and what to do
    requests: int = 0  # API requests spent (0 when read from the cache)


def make_listing_url(api_url: str, owner: str, page: int) -> str:
    """The API URL of one page of an owner's public repositories.

    >>> make_listing_url("https://api.github.com/", "thuml", 2)
    'https://api.github.com/users/thuml/repos?per_page=100&page=2'
    """
    return f"{api_url.rstrip('/')}/users/{quote(owner, safe='')}/repos?per_page={PER_PAGE}&page={page}"


def parse_next_link(header: str) -> str | None:
    """The `rel="next"` URL of a `Link` header, or None on the last page.

    >>> parse_next_link('<https://x/users/a/repos?page=2>; rel="next", <https://x/users/a/repos?page=5>; rel="last"')
    'https://x/users/a/repos?page=2'
    """
    match = NEXT_LINK.search(header or "")
    return match.group(1) if match else None


def parse_last_page(header: str) -> int | None:
    """The page number of a `Link` header's `rel="last"` URL (how many pages the listing has), or None.

    >>> parse_last_page('<https://x/u/a/repos?per_page=100&page=2>; rel="next", <https://x/u/a/repos?per_page=100&page=61>; rel="last"')
    61
    """
    match = LAST_PAGE.search(header or "")
    return int(match.group(1)) if match else None


def parse_repo_names(body: bytes) -> list[str]:
    """The `owner/name` of each repository of one listing page; a ValueError when the page is not such a list.

    >>> parse_repo_names(b'[{"name": "b", "full_name": "A/b"}, {"name": "c", "full_name": "A/c"}]')
    ['A/b', 'A/c']
    """
    items = json.loads(body.decode("utf-8"))
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and item.get("full_name") for item in items
    ):
        raise ValueError("not a list of repositories")
    return [str(item["full_name"]) for item in items]


def is_same_origin(url: str, api_url: str) -> bool:
    """Whether `url` is on the API's scheme, host and port (a next page elsewhere is not followed, so a token
    never goes anywhere else).

    >>> is_same_origin("https://api.github.com/user/1/repos?page=2", "https://api.github.com")
    True
    """
    first, second = urlsplit(url), urlsplit(api_url)
    return (first.scheme, first.netloc.lower()) == (second.scheme, second.netloc.lower())


def is_rate_limited(status: int, headers: urllib3.HTTPHeaderDict) -> bool:
    """Whether an answer is GitHub's rate limit: 429, or 403 with no requests remaining."""
    return status == 429 or (status == 403 and str(headers.get("x-ratelimit-remaining", "")) == "0")


def wait_for_listing_limit(headers: urllib3.HTTPHeaderDict, status: int) -> bool:
    """Wait (net's shared wait, said on stderr) for a used-up rate limit that resets within
    `RATE_LIMIT_WAIT_MAX_S`; True when the page is worth asking again, False to stop with a rate-limit reason."""
    if parse_rate_limit_wait(headers, time.time(), status).beyond(RATE_LIMIT_WAIT_MAX_S):
        return False
    wait_for_rate_limit(headers, "GitHub", RATE_LIMIT_WAIT_MAX_S, status)
    return True


def find_listing_path(cache_dir: str | Path, owner: str) -> Path:
    """Where an owner's listing is cached: one gzip'd JSON of the raw pages per owner (letter case ignored)."""
    return Path(cache_dir) / "github" / "repos" / f"{quote(owner.lower(), safe='')}.json.gz"


def read_cached_listing(path: Path, pages_allowed: int) -> dict | None:
    """A cached listing usable under this page cap (a capped one is read again once more pages are allowed)."""
    try:
        cached = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(cached, dict) or cached.get("version") != LISTING_VERSION:
        return None
    capped_at = cached.get("capped_at")
    return cached if capped_at is None or capped_at >= pages_allowed else None


def write_cached_listing(path: Path, cached: dict) -> None:
    """Write an owner's raw listing pages, byte for byte the same for the same answers."""
    text = json.dumps(cached, ensure_ascii=False, sort_keys=True, indent=1)
    write_bytes_atomic(path, gzip.compress(text.encode("utf-8"), mtime=0))


def build_listing(owner: str, cached: dict, requests: int) -> OwnerListing:
    """An OwnerListing from the raw pages of a listing (read or cached): the 404 of a missing owner, or every
    page's repositories, with a reason when the page cap cut it."""
    pages = cached["pages"]
    if pages and pages[0]["status"] == 404:
        reason = f"GitHub has no user or organisation {owner} (HTTP 404): nothing repaired; check the link"
        return OwnerListing(owner, "missing_owner", [], reason, requests)
    repos = [name for page in pages for name in parse_repo_names(page["body"].encode("utf-8"))]
    if cached.get("capped_at") is None:
        return OwnerListing(owner, "ok", repos, "", requests)
    total = parse_last_page(pages[-1].get("link", ""))
    of = f" of about {total * PER_PAGE}" if total else ""
    advice = (
        "the cap without a token): set GITHUB_TOKEN to list them all"
        if len(pages) < PAGES_WITH_TOKEN
        else "the cap)"
    )
    reason = f"listed {len(repos)}{of} of {owner}'s repositories (the first {len(pages)} pages, {advice}"
    return OwnerListing(owner, "capped", repos, reason, requests)


def fetch_listing_page(
    url: str, headers: dict[str, str], settings: Settings, pool: urllib3.PoolManager
) -> urllib3.BaseHTTPResponse:
    """One page of a listing, read whole (retries and timeouts as the project's other requests)."""
    return pool.request(
        "GET",
        url,
        headers=headers,
        retries=make_retry(settings.retries, settings.backoff_factor),
        timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
    )


def fetch_owner_listing(
    owner: str, settings: Settings, token: str | None = None, pool: urllib3.PoolManager | None = None
) -> OwnerListing:
    """An owner's public repositories: from the cache, else from the API page by page (cached when whole, capped
    or the owner is missing); a failure is an OwnerListing saying which, never an exception."""
    pages_allowed = PAGES_WITH_TOKEN if token else PAGES_WITHOUT_TOKEN
    path = find_listing_path(settings.cache_dir, owner)
    cached = None if settings.refresh else read_cached_listing(path, pages_allowed)
    if cached is not None:
        try:
            return build_listing(owner, cached, 0)
        except (KeyError, TypeError, ValueError, IndexError):  # a cache file not of this layout: list again
            pass
    headers = {"User-Agent": USER_AGENT, "Accept": "application/vnd.github+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    listing = {"version": LISTING_VERSION, "owner": owner, "pages": [], "capped_at": None}
    url: str | None = make_listing_url(find_api_url(settings), owner, 1)
    requests, waited = 0, False
    while url is not None and len(listing["pages"]) < pages_allowed:
        requests += 1
        try:
            response = fetch_listing_page(url, headers, settings, pool or get_default_pool())
        except urllib3.exceptions.HTTPError as error:
            why = redact(classify_http_exception(error, url, settings.timeout).reason, token)
            return fail_listing(listing, find_api_url(settings), why, "http_error", requests)
        if is_rate_limited(response.status, response.headers) and not waited:
            waited = wait_for_listing_limit(response.headers, response.status)
            if waited:
                continue
        try:
            url = read_listing_page(url, response, listing, settings, token)
        except ListingError as error:
            return fail_listing(listing, find_api_url(settings), str(error), error.status, requests)
    if url is not None:
        listing["capped_at"] = pages_allowed
    write_cached_listing(path, listing)
    return build_listing(owner, listing, requests)


class ListingError(Exception):
    """One page of a listing failed: its status (rate_limited, http_error) and why."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def read_listing_page(
    url: str, response: urllib3.BaseHTTPResponse, listing: dict, settings: Settings, token: str | None
) -> str | None:
    """Add one answer to `listing`'s raw pages and give the next page's URL (None at the end), or raise a
    ListingError saying why the listing stops here."""
    pages = listing["pages"]
    if is_rate_limited(response.status, response.headers):
        advice = "wait for the quota to refill" if token else "set GITHUB_TOKEN or wait an hour"
        raise ListingError(
            "rate_limited", f"GitHub's API rate limit is spent (HTTP {response.status}); {advice}"
        )
    if response.status == 404 and not pages:  # the owner does not exist: an answer, cached
        pages.append({"url": url, "status": 404, "link": "", "body": ""})
        return None
    if response.status != 200:
        raise ListingError(
            "http_error", f"the API answered HTTP {response.status} after {settings.retries} retries"
        )
    try:
        parse_repo_names(response.data)
        body = response.data.decode("utf-8")
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ListingError("http_error", f"page {len(pages) + 1} is not a listing ({error})") from None
    link = response.headers.get("link", "")
    pages.append({"url": url, "status": 200, "link": link, "body": body})
    next_url = parse_next_link(link)
    last = parse_last_page(pages[0]["link"])
    if next_url is None and last is not None and len(pages) < last:
        raise ListingError("http_error", f"page {len(pages)} names no next page")
    if next_url is not None and not is_same_origin(next_url, find_api_url(settings)):
        raise ListingError(
            "http_error", f"the next page is not on {find_api_url(settings)}, so it is not followed"
        )
    return next_url


def fail_listing(listing: dict, api_url: str, why: str, status: str, requests: int) -> OwnerListing:
    """The OwnerListing of a failed listing (nothing cached, so a rerun asks again); after a first page the
    listing is cut short, and says so.

    >>> listing = {"owner": "a", "pages": [{"link": '<https://x/users/a/repos?page=2>; rel="last"'}]}
    >>> fail_listing(listing, "https://x", "reset", "http_error", 2).reason
    "could not list all of a's repositories (https://x): cut short after 1 of 2 pages: reset; run again later"
    """
    owner, read = listing["owner"], len(listing["pages"])
    if read:
        status = "cut_short"
        last = parse_last_page(listing["pages"][0]["link"])
        why = f"cut short after {read} of {last or 'more'} pages: {why}"
    whole = "all of " if read else ""
    reason = f"could not list {whole}{owner}'s repositories ({api_url}): {why}; run again later"
    return OwnerListing(owner, status, [], reason, requests)


def repair_link(link: dict, listing: OwnerListing, title: str) -> dict:
    """A link to a missing repository, read among its owner's listed repositories: its repository replaced
    (`quoted_repo` keeps the quoted name, `repaired_by` the rule), or `repair_reason` saying why not."""
    if listing.status not in ("ok", "capped"):
        return {**link, "repair_reason": listing.reason}
    repair = choose_repair(link["repo"], title, listing.repos)
    note = f" ({listing.reason})" if listing.reason else ""
    if repair.repo is None:
        return {**link, "repair_reason": repair.reason + note}
    if repair.repo == link["repo"]:
        return {
            **link,
            "repair_reason": f"{link['repo']} is listed by its owner: its ref or folder is missing",
        }
    quoted = link.get("quoted_repo") or link["repo"]
    rule = ", ".join(rule for rule in (link.get("repaired_by"), repair.repaired_by) if rule)
    return {
        **link,
        "repo": repair.repo,
        "quoted_repo": quoted,
        "repaired_by": rule,
        "repair_reason": note.strip(),
    }


def repair_links(
    links: list[dict],
    records: dict[tuple[str, str, str], dict],
    titles: dict[str, str],
    settings: Settings,
    token: str | None = None,
    pool: urllib3.PoolManager | None = None,
) -> list[dict]:
    """Every link whose target a fetch found missing (`records[(repo, ref, subdir)]["status"] == "missing"`)
    read among its owner's public repositories (each owner listed once, cached); other links unchanged.

    `titles`: forum id (or paper key) -> the paper's title, which picks among several fitting repositories.
    `token`: a GitHub token for the listing (default `GITHUB_TOKEN`), sent as a header only. The repaired
    targets are new: fetch their records next (`extract_code_targets` of the links returned).
    """
    token = token if token is not None else os.environ.get("GITHUB_TOKEN") or None
    listings: dict[str, OwnerListing] = {}
    out = []
    for link in links:
        key = (link.get("repo"), link.get("ref"), link.get("subdir"))
        if link.get("kind") != "github" or (records.get(key) or {}).get("status") != "missing":
            out.append(link)
            continue
        owner = link["repo"].partition("/")[0]
        if owner.lower() not in listings:
            listings[owner.lower()] = fetch_owner_listing(owner, settings, token, pool)
        out.append(repair_link(link, listings[owner.lower()], titles.get(link["forum_id"], "")))
    tried = [(before, after) for before, after in zip(links, out, strict=True) if "repair_reason" in after]
    print(describe_repairs(tried, sum(listing.requests for listing in listings.values())))
    return out


def describe_repairs(tried: list[tuple[dict, dict]], requests: int) -> str:
    """What the repair did with the (before, after) links it tried: how many it repaired, with how many API
    requests, then one line per repaired link (quoted -> read, and the rule).

    >>> print(describe_repairs([({"repo": "a/b"}, {"repo": "a/bc", "quoted_repo": "a/b", "repaired_by": "cut"}),
    ...                         ({"repo": "a/x"}, {"repo": "a/x", "repair_reason": "no repository of a fits"})], 1))
    Repaired 1 of 2 missing links by their owners' repositories (1 API request):
      a/b -> a/bc (cut)
    """
    done = [after for before, after in tried if after["repo"] != before["repo"]]
    plural = "" if requests == 1 else "s"
    head = f"Repaired {len(done)} of {len(tried)} missing links by their owners' repositories "
    head += f"({requests} API request{plural}){':' if done else '.'}"
    lines = [f"  {link['quoted_repo']} -> {link['repo']} ({link['repaired_by']})" for link in done]
    return "\n".join([head, *lines])
