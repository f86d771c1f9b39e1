"""Stage 3, fetch (common part): what fetching one GitHub target gives, its failures, and pure path helpers."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import urllib3

from .net import MAX_REDIRECTS
from .settings import DEFAULTS, Settings

MISSING_STATUSES = (404, 410, 451)
SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


@dataclass
class FetchResult:
    """What fetching one repository (or one folder of it) gave: status, files, kept contents, and why."""

    status: str  # ok, missing, too_large, timeout, rate_limited, http_error, bad_archive, error
    reason: str
    commit: str | None = None
    files: list[tuple[str, int]] = field(default_factory=list)  # every file of the target; size -1 if unknown
    contents: dict[str, bytes] = field(default_factory=dict)
    symlinks: list[str] = field(default_factory=list)
    submodules: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    bytes_received: int = 0
    method: str = "archive"
    read_at: str = ""  # which commit was read, in words: the linked one, the last before a date, today's head
    days_after: int | None = None  # code released later: days from the date to the commit with code read
    later_none: str = ""  # why no later commit was read: none with code came within the window
    later_unknown: str = ""  # why no later commit could be looked for (the date's commit is read)


@dataclass(frozen=True)
class FetchRequest:
    """One target to fetch and how: repository, ref, folder, files to keep, the run's settings and token."""

    owner: str
    repo: str
    ref: str | None
    subdir: str | None
    keep: Callable[[str], bool]  # path -> whether its content is wanted (every file is listed either way)
    settings: Settings = DEFAULTS
    token: str | None = field(default=None, repr=False)
    give_up_on_files: bool = False  # clone: a blob that keeps failing is listed unreadable, not fatal
    read_later: Callable[..., list] | None = None  # clone as of a date: the walk to code released later


def find_as_of_date(settings: Settings) -> str:
    """The date a repository is read as of ('' for today's head): `settings.as_of` once resolved to a date."""
    return settings.as_of if settings.as_of not in ("", "latest", "conference") else ""


class FetchAbort(Exception):
    """Stop a fetch with a FetchResult status and a human reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def clean_subdir(subdir: str | None) -> str:
    """Normalize a monorepo folder to `a/b` (no leading/trailing slashes, no `.` parts); '' for the whole repo."""
    parts = [part for part in (subdir or "").replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"folder {subdir!r} climbs out of the repository with '..'")
    return "/".join(parts)


def is_unsafe_path(name: str) -> bool:
    """Tell whether an archive member name is absolute or climbs with `..` (never trusted, never written)."""
    return name.startswith("/") or re.match(r"^[A-Za-z]:", name) is not None or ".." in name.split("/")


def extract_repo_path(member_name: str) -> str | None:
    """Strip the archive's top folder (`repo-sha/`); None for the top folder itself."""
    parts = [part for part in member_name.split("/") if part not in ("", ".")]
    return "/".join(parts[1:]) or None


def extract_target_path(repo_path: str, subdir: str) -> str | None:
    """Path relative to the target folder, '' for the folder itself, None when outside it."""
    if not subdir:
        return repo_path
    if repo_path == subdir:
        return ""
    if repo_path.startswith(subdir + "/"):
        return repo_path[len(subdir) + 1 :]
    return None


def parse_gitmodules(text: str) -> list[tuple[str, str]]:
    """Read (path, url) pairs from a `.gitmodules` file."""
    pairs: list[tuple[str, str]] = []
    current: dict[str, str] = {}
    for raw in text.splitlines() + ["[end]"]:
        line = raw.strip()
        if line.startswith("["):
            if "path" in current:
                pairs.append((current["path"].strip("/"), current.get("url", "")))
            current = {}
        elif "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            current[key.strip().lower()] = value.strip().strip('"')
    return pairs


def parse_commit_sha(pax_headers: dict[str, str], ref: str | None) -> str | None:
    """The commit SHA from the pax global header `git archive` writes, else the ref when it is a full SHA."""
    comment = (pax_headers.get("comment") or "").strip().lower()
    if SHA_RE.match(comment):
        return comment
    if ref and SHA_RE.match(ref.lower()):
        return ref.lower()
    return None


def redact(text: str, token: str | None) -> str:
    """Remove a token (and its base64 forms) from text meant for a reason or a log."""
    if not token:
        return text
    for secret in (token, make_basic_credentials(token)):
        text = text.replace(secret, "***")
    return text


def make_basic_credentials(token: str) -> str:
    """The base64 `x-access-token:TOKEN` credentials GitHub's git over HTTPS accepts."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")


def make_archive_url(base_url: str, owner: str, repo: str, ref: str | None) -> str:
    """The codeload URL of a repository's tar.gz at a ref (HEAD when none)."""
    return f"{base_url.rstrip('/')}/{quote(owner)}/{quote(repo)}/tar.gz/{quote(ref or 'HEAD', safe='/')}"


def make_git_url(git_base: str, owner: str, repo: str) -> str:
    """The smart-HTTP git URL of a repository."""
    return f"{git_base.rstrip('/')}/{quote(owner)}/{quote(repo)}.git"


def format_size(n: int) -> str:
    """Bytes as a short human string."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def describe_ok(result: FetchResult) -> str:
    """The reason sentence of a successful fetch."""
    unreadable = [(path, why) for path, why in result.skipped if why.startswith("unreadable")]
    note = (
        f" {len(unreadable)} file(s) unreadable: {unreadable[0][0]} ({unreadable[0][1]})."
        if unreadable
        else ""
    )
    return (
        f"Fetched {len(result.contents)} scan files of {len(result.files)} files "
        f"({format_size(result.bytes_received)} received by {result.method}).{note}"
    )


def classify_http_status(status: int, headers: dict, url: str, retries: int, token: str | None) -> FetchAbort:
    """Turn a final non-200 answer into a FetchAbort with a status and an actionable reason."""
    if status in MISSING_STATUSES:
        return FetchAbort(
            "missing",
            f"{url} answered HTTP {status}: the repository or ref is gone, renamed or private; check the link.",
        )
    remaining = str(headers.get("x-ratelimit-remaining", ""))
    if status == 429 or (status == 403 and remaining == "0"):
        advice = "wait for the quota to refill" if token else "set GITHUB_TOKEN or wait an hour"
        return FetchAbort(
            "rate_limited",
            f"{url} kept answering HTTP {status} (rate limited) after {retries} retries; {advice} and run again.",
        )
    return FetchAbort("http_error", f"{url} answered HTTP {status} after {retries} retries; run again later.")


def classify_http_exception(error: Exception, url: str, timeout: float) -> FetchAbort:
    """Turn a urllib3 exception raised before the body into a FetchAbort."""
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # before TimeoutError: it subclasses it
        return FetchAbort("http_error", f"Could not connect to {urlsplit(url).netloc}; check the network.")
    if isinstance(reason, urllib3.exceptions.TimeoutError) or isinstance(
        error, urllib3.exceptions.TimeoutError
    ):
        return FetchAbort(
            "timeout", f"{url} did not answer within {timeout:g} s; run again later or raise the timeout."
        )
    if isinstance(reason, urllib3.exceptions.ResponseError) and "redirect" in str(reason):
        return FetchAbort(
            "http_error",
            f"{url} redirected more than {MAX_REDIRECTS} times (a redirect loop); check the link.",
        )
    return FetchAbort(
        "http_error", f"{url} failed: {type(reason).__name__}: {str(reason)[:200]}; run again later."
    )


def fail(result: FetchResult, abort: FetchAbort, token: str | None) -> FetchResult:
    """Mark a result as failed with the abort's status and a token-free reason."""
    result.status = abort.status
    result.reason = redact(abort.reason, token)
    return result
