"""Draft: fetch the files of a GitHub repository that a dependency scan needs, never running anything from it.

Two ways: `fetch_archive` streams GitHub's tar.gz and keeps the scan files while it decompresses; `fetch_clone`
makes a blob-less partial clone and downloads only the blobs of the scan files. `fetch_many` runs either on many
repositories at once. Nothing from a repository is ever executed, and `fetch_archive` writes nothing to disk.
"""

from __future__ import annotations

import base64
import concurrent.futures
import fnmatch
import functools
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import quote, urlsplit

import urllib3
from tqdm.auto import tqdm
from urllib3.util.retry import Retry

# --------------------------------------------------------------------------------------------------
# Which files a dependency scan needs
# --------------------------------------------------------------------------------------------------

SCAN_SUFFIXES = (".py", ".pyx", ".ipynb", ".sh")
SCAN_NAME_PATTERNS = (
    "requirements*.txt",
    "*requirements*.txt",
    "environment*.yml",
    "environment*.yaml",
    "conda*.yml",
    "conda*.yaml",
    "pipfile",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "readme*",
    "dockerfile*",
    "install*",
    "makefile",
    ".gitmodules",
)
SCAN_FOLDER_PATTERNS = (("requirements", "*.txt"),)  # (parent folder name, file name pattern), lower case

# --------------------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------------------

DEFAULT_FETCH_METHOD = "clone"  # measured: see the report in the module's pull request / fetch benchmark
CODELOAD_URL = "https://codeload.github.com"
GITHUB_GIT_URL = "https://github.com"
USER_AGENT = "iclr-tools-scan/0.1 (+dependency scan; urllib3)"
DEFAULT_TIMEOUT_S = 30.0  # connect and per-read socket timeout
DEFAULT_TOTAL_TIMEOUT_S = 600.0  # wall-clock budget for one repository
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF_FACTOR = 1.0
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0  # never sleep longer than this on a Retry-After header
MAX_REDIRECTS = 5
DEFAULT_MAX_FILE_BYTES = 5 * 2**20
DEFAULT_MAX_REPO_BYTES = 2 * 2**30
BOMB_MIN_BYTES = 64 * 2**20  # the ratio guard starts once this many bytes were decompressed
BOMB_MAX_RATIO = 100  # decompressed / compressed above this looks like a compression bomb
READ_CHUNK = 64 * 1024
RETRY_STATUSES = (429, 500, 502, 503, 504)
MISSING_STATUSES = (404, 410, 451)
SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
T = TypeVar("T")


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


class FetchAbort(Exception):
    """Stop a fetch with a FetchResult status and a human reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --------------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------------


def is_scan_file(path: str) -> bool:
    """Tell whether a repository path is one a dependency scan reads (code, manifests, READMEs, scripts)."""
    parts = path.lower().replace("\\", "/").rstrip("/").split("/")
    name = parts[-1]
    if not name:
        return False
    if name.endswith(SCAN_SUFFIXES):
        return True
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in SCAN_NAME_PATTERNS):
        return True
    parent = parts[-2] if len(parts) > 1 else ""
    return any(
        parent == folder and fnmatch.fnmatchcase(name, pattern) for folder, pattern in SCAN_FOLDER_PATTERNS
    )


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


def parse_ls_tree(output: bytes) -> list[tuple[str, str, str, str]]:
    """Parse `git ls-tree -r -z` output into (mode, type, oid, path) tuples."""
    entries = []
    for record in output.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        entries.append((mode, kind, oid, path.decode("utf-8", "surrogateescape")))
    return entries


def parse_cat_file_batch(output: bytes) -> dict[str, bytes]:
    """Parse `git cat-file --batch` output into oid -> content."""
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        header = output[pos:end].decode("ascii").split(" ")
        pos = end + 1
        if len(header) == 2 and header[1] == "missing":
            continue
        size = int(header[2])
        blobs[header[0]] = output[pos : pos + size]
        pos += size + 1
    return blobs


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
    return (
        f"Fetched {len(result.contents)} scan files of {len(result.files)} files "
        f"({format_size(result.bytes_received)} received by {result.method})."
    )


# --------------------------------------------------------------------------------------------------
# HTTP: one shared pool with bounded retries
# --------------------------------------------------------------------------------------------------


class CappedRetry(Retry):
    """urllib3 Retry that obeys Retry-After but never sleeps longer than RETRY_AFTER_MAX_S (any urllib3 2.x)."""

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait from a Retry-After header, capped."""
        return min(super().parse_retry_after(retry_after), RETRY_AFTER_MAX_S)


def make_retry(retries: int = DEFAULT_RETRIES, backoff_factor: float = DEFAULT_BACKOFF_FACTOR) -> Retry:
    """Retry policy: connect/read/status retries with bounded backoff, Retry-After obeyed but capped."""
    return CappedRetry(
        total=None,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=MAX_REDIRECTS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX_S,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=True,
    )


def make_http_pool(maxsize: int = 16, timeout: float = DEFAULT_TIMEOUT_S) -> urllib3.PoolManager:
    """A PoolManager for many threads: `maxsize` connections per host, default retries and timeouts."""
    return urllib3.PoolManager(
        num_pools=8,
        maxsize=maxsize,
        block=False,
        retries=make_retry(),
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        headers={"User-Agent": USER_AGENT},
    )


@functools.lru_cache(maxsize=1)
def get_default_pool() -> urllib3.PoolManager:
    """The process-wide shared PoolManager used when a caller passes none."""
    return make_http_pool()


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
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return FetchAbort("http_error", f"Could not connect to {urlsplit(url).netloc}; check the network.")
    return FetchAbort(
        "http_error", f"{url} failed: {type(reason).__name__}: {str(reason)[:200]}; run again later."
    )


# --------------------------------------------------------------------------------------------------
# Archive: stream, decompress and filter a tar.gz without writing it anywhere
# --------------------------------------------------------------------------------------------------


class GunzipReader:
    """A read()-able gzip decompressor over a raw byte source, capping total output and expansion ratio."""

    def __init__(self, read_raw: Callable[[int], bytes], max_out: int) -> None:
        self._read_raw = read_raw
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._tail = b""
        self.max_out = max_out
        self.bytes_in = 0
        self.bytes_out = 0

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` decompressed bytes; b'' at the end of the gzip stream."""
        want = size if size and size > 0 else READ_CHUNK
        while True:
            if not self._tail:
                self._tail = self._read_raw(READ_CHUNK)
                self.bytes_in += len(self._tail)
                if not self._tail:
                    if self._inflater.eof:
                        return b""
                    raise FetchAbort("bad_archive", self.describe_truncation())
            if self._inflater.eof:
                if not self._tail.strip(b"\0"):  # zero padding after the last gzip member
                    self._tail = b""
                    continue
                self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)  # a concatenated gzip member
            out = self._inflater.decompress(self._tail, want)
            self._tail = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail
            self.check_limits(len(out))
            if out:
                return out

    def describe_truncation(self) -> str:
        """The reason for a body that ended before the gzip stream did."""
        if self.bytes_in == 0:
            return "The archive body was empty; run again later."
        return f"The archive ended early after {format_size(self.bytes_in)} (truncated download); run again later."

    def check_limits(self, produced: int) -> None:
        """Raise too_large when the output passes the cap or expands like a compression bomb."""
        self.bytes_out += produced
        if self.bytes_out > self.max_out:
            raise FetchAbort(
                "too_large",
                f"The archive expands past {format_size(self.max_out)}; skip it or fetch it with method='clone'.",
            )
        if self.bytes_out > BOMB_MIN_BYTES and self.bytes_out > BOMB_MAX_RATIO * max(self.bytes_in, 1):
            raise FetchAbort(
                "too_large",
                f"The archive expanded {self.bytes_out // max(self.bytes_in, 1)}x ({format_size(self.bytes_out)} "
                f"from {format_size(self.bytes_in)}), which looks like a compression bomb; it was not scanned.",
            )


def read_tar_members(tar: tarfile.TarFile, subdir: str, max_file_bytes: int, result: FetchResult) -> bool:
    """Walk a streamed tar once, filling `result` with the target's files and kept contents; True if found."""
    found = not subdir
    gitmodules = b""
    while True:
        member = tar.next()
        if member is None:
            break
        tar.members.clear()  # stream mode keeps every TarInfo otherwise: memory would grow with the file count
        if is_unsafe_path(member.name):
            result.skipped.append((member.name, "unsafe path (absolute or '..')"))
            continue
        repo_path = extract_repo_path(member.name)
        if repo_path is None:
            continue
        known = None  # a member's bytes can be read once from a stream: keep them if read already
        if repo_path == ".gitmodules" and member.isreg() and member.size <= max_file_bytes:
            gitmodules = known = read_member(tar, member)
        path = extract_target_path(repo_path, subdir)
        if path is None:
            continue
        found = True
        if path:
            keep_member(tar, member, path, max_file_bytes, result, known)
    submodule_paths = (
        extract_target_path(path, subdir)
        for path, _ in parse_gitmodules(gitmodules.decode("utf-8", "replace"))
    )
    result.submodules = [path for path in submodule_paths if path]
    return found


def keep_member(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    max_file_bytes: int,
    result: FetchResult,
    known: bytes | None,
) -> None:
    """Record one member under the target: list it, keep its bytes if it is a scan file, or skip it."""
    if member.issym():
        result.symlinks.append(path)
        result.skipped.append((path, "symlink"))
    elif member.islnk():
        result.skipped.append((path, "hard link"))
    elif member.isdir():
        return
    elif not member.isreg():
        result.skipped.append((path, "device, fifo or other special file"))
    else:
        result.files.append((path, member.size))
        if not is_scan_file(path):
            return
        if member.size > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = known if known is not None else read_member(tar, member)


def read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """Read the current member's bytes from a streamed tar."""
    handle = tar.extractfile(member)
    return handle.read() if handle is not None else b""


def fetch_archive(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    *,
    base_url: str = CODELOAD_URL,
    token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_repo_bytes: int = DEFAULT_MAX_REPO_BYTES,
    pool: urllib3.PoolManager | None = None,
    retries: int | Retry = DEFAULT_RETRIES,
) -> FetchResult:
    """Stream GitHub's tar.gz of a repository and keep the scan files of `subdir`, writing nothing to disk."""
    url = make_archive_url(base_url, owner, repo, ref)
    retry = retries if isinstance(retries, Retry) else make_retry(retries)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    result = FetchResult(status="ok", reason="", method="archive")
    deadline = time.monotonic() + total_timeout
    try:
        subdir = clean_subdir(subdir)
        response = (pool or get_default_pool()).request(
            "GET",
            url,
            headers=headers,
            preload_content=False,
            decode_content=False,
            retries=retry,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except urllib3.exceptions.HTTPError as error:
        return fail(result, classify_http_exception(error, url, timeout), token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    try:
        stream_archive(
            response,
            url,
            ref,
            subdir,
            retry.status or 0,
            token,
            deadline,
            max_file_bytes,
            max_repo_bytes,
            result,
        )
    except FetchAbort as abort:
        return fail(result, abort, token)
    finally:
        response.close()
        response.release_conn()
    if result.status == "ok":
        result.reason = describe_ok(result)
    return result


def stream_archive(
    response: urllib3.BaseHTTPResponse,
    url: str,
    ref: str | None,
    subdir: str,
    retries: int,
    token: str | None,
    deadline: float,
    max_file_bytes: int,
    max_repo_bytes: int,
    result: FetchResult,
) -> None:
    """Check the answer, then decompress and walk the tar while it streams, raising FetchAbort on failure."""
    if response.status != 200:
        raise classify_http_status(response.status, response.headers, url, retries, token)
    length = int(response.headers.get("Content-Length") or 0)
    if length > max_repo_bytes:
        raise FetchAbort("too_large", f"{url} is {format_size(length)}, over the cap; skip it or use clone.")

    def read_raw(amount: int) -> bytes:
        if time.monotonic() > deadline:
            raise FetchAbort("timeout", f"{url} took longer than the total budget; run again or raise it.")
        data = response.read(amount, decode_content=False)
        result.bytes_received += len(data)
        return data

    reader = GunzipReader(read_raw, max_repo_bytes)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            found = read_tar_members(tar, subdir, max_file_bytes, result)
            pax_headers = dict(tar.pax_headers)
        while reader.read(READ_CHUNK):  # the rest of the gzip stream: checks its CRC and that it is complete
            pass
    except urllib3.exceptions.TimeoutError as error:
        raise FetchAbort(
            "timeout", f"{url} stalled mid-download ({type(error).__name__}); run again later."
        ) from None
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as error:
        raise FetchAbort(
            "bad_archive", f"The download of {url} broke ({type(error).__name__}); run again later."
        ) from None
    except (tarfile.TarError, zlib.error, EOFError) as error:
        raise FetchAbort(
            "bad_archive", f"{url} is not a valid tar.gz ({str(error)[:120]}); run again later."
        ) from None
    result.commit = parse_commit_sha(pax_headers, ref)
    if not found:
        raise FetchAbort("missing", f"The folder {subdir!r} is not in {url}; check the link to the code.")


def fail(result: FetchResult, abort: FetchAbort, token: str | None) -> FetchResult:
    """Mark a result as failed with the abort's status and a token-free reason."""
    result.status = abort.status
    result.reason = redact(abort.reason, token)
    return result


# --------------------------------------------------------------------------------------------------
# Clone: blob-less partial clone, then only the scan files' blobs
# --------------------------------------------------------------------------------------------------


class GitError(Exception):
    """A git command failed; `stderr` holds its (token-free) message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args[:1])} exited {returncode}: {stderr.strip()[-300:]}")
        self.returncode = returncode
        self.stderr = stderr


def make_git_env(git_base: str, token: str | None, timeout: float) -> dict[str, str]:
    """Environment for git: no user/system config, no prompts, no hooks, no LFS, token only as a header."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_LFS_SKIP_SMUDGE="1",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_ALLOW_PROTOCOL="http:https" + (":file" if git_base.startswith("file:") else ""),
        LC_ALL="C",
    )
    settings = [
        ("core.hooksPath", os.devnull),
        ("core.fsmonitor", "false"),
        ("core.symlinks", "false"),
        ("credential.helper", ""),
        ("protocol.file.allow", "always" if git_base.startswith("file:") else "never"),
        ("submodule.recurse", "false"),
        ("fetch.recurseSubmodules", "false"),
        ("fetch.unpackLimit", "1"),  # keep what arrives as packs, so their sizes tell the bytes received
        ("fetch.negotiationAlgorithm", "noop"),
        ("http.lowSpeedLimit", "1"),
        ("http.lowSpeedTime", str(max(1, int(timeout)))),
        ("advice.detachedHead", "false"),
    ]
    if token:
        settings.append(
            (
                f"http.{git_base.rstrip('/')}/.extraHeader",
                f"Authorization: Basic {make_basic_credentials(token)}",
            )
        )
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def run_git(args: list[str], cwd: str, env: dict[str, str], deadline: float, stdin: bytes = b"") -> bytes:
    """Run one git command in its own process group; kill the group when the deadline passes."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise subprocess.TimeoutExpired(["git", *args[:1]], 0)
    with subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(stdin, timeout=remaining)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    if process.returncode != 0:
        raise GitError(args, process.returncode, err.decode("utf-8", "replace"))
    return out


def classify_git_error(error: Exception, url: str, step: str, timeout: float) -> FetchAbort:
    """Turn a failed or timed-out git step into a FetchAbort with an actionable reason."""
    if isinstance(error, subprocess.TimeoutExpired):
        return FetchAbort("timeout", f"git {step} of {url} took longer than {timeout:g} s; run again later.")
    text = getattr(error, "stderr", str(error))
    last = (text.strip().splitlines() or [""])[-1][:200]
    lower = text.lower()
    if "error: 429" in lower or "too many requests" in lower:
        return FetchAbort(
            "rate_limited", f"git {step} of {url} was rate limited (HTTP 429); set GITHUB_TOKEN or wait."
        )
    missing_signs = (
        "not found",
        "error: 404",
        "error: 410",
        "could not read username",
        "terminal prompts disabled",
        "couldn't find remote ref",
        "not our ref",
        "not a valid object name",
        "not a tree object",
    )
    if any(sign in lower for sign in missing_signs):
        return FetchAbort(
            "missing", f"git {step} of {url} found nothing ({last}); check the repository and ref."
        )
    if "timed out" in lower or "too slow" in lower:
        return FetchAbort("timeout", f"git {step} of {url} stalled ({last}); run again later.")
    if "error: 5" in lower or "rpc failed" in lower or "early eof" in lower or "unable to access" in lower:
        return FetchAbort("http_error", f"git {step} of {url} failed ({last}); run again later.")
    return FetchAbort("error", f"git {step} of {url} failed ({last}); see git's message.")


def measure_pack_bytes(git_dir: str) -> int:
    """Sum the pack files git received (what arrived over the network, less protocol framing)."""
    pack_dir = os.path.join(git_dir, "objects", "pack")
    if not os.path.isdir(pack_dir):
        return 0
    return sum(entry.stat().st_size for entry in os.scandir(pack_dir) if entry.name.endswith(".pack"))


def fetch_clone(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    *,
    git_base: str = GITHUB_GIT_URL,
    token: str | None = None,
    timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    retries: int = 2,
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
) -> FetchResult:
    """Fetch the scan files of `subdir` by a blob-less partial clone, retrying rate limits and server errors."""
    for attempt in range(retries + 1):
        result = fetch_clone_once(owner, repo, ref, subdir, workdir, git_base, token, timeout, max_file_bytes)
        if result.status not in ("rate_limited", "http_error") or attempt == retries:
            return result
        time.sleep(min(BACKOFF_MAX_S, backoff_factor * 2**attempt))
    return result


def fetch_clone_once(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    git_base: str,
    token: str | None,
    timeout: float,
    max_file_bytes: int,
) -> FetchResult:
    """One partial-clone attempt in a temporary folder under `workdir`, deleted afterwards."""
    url = make_git_url(git_base, owner, repo)
    result = FetchResult(status="ok", reason="", method="clone")
    env = make_git_env(git_base, token, timeout)
    deadline = time.monotonic() + timeout
    os.makedirs(workdir, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="clone-", dir=workdir)
    step = "init"
    try:
        subdir = clean_subdir(subdir)
        run_git(["init", "-q", "--bare", "--template=", temp], temp, env, deadline)
        run_git(["remote", "add", "origin", url], temp, env, deadline)
        step = "fetch"
        run_git(
            ["fetch", "-q", "--depth", "1", "--filter=blob:none", "--no-tags", "origin", ref or "HEAD"],
            temp,
            env,
            deadline,
        )
        result.commit = (
            run_git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], temp, env, deadline).decode().strip()
        )
        step = "listing"
        tree = f"{result.commit}:{subdir}" if subdir else result.commit
        entries = parse_ls_tree(run_git(["ls-tree", "-r", "-z", tree], temp, env, deadline))
        wanted = sort_tree_entries(entries, result)
        step = "blob fetch"
        read_blobs(wanted, temp, env, deadline, max_file_bytes, result)
    except (GitError, subprocess.TimeoutExpired, OSError) as error:
        abort = classify_git_error(error, url, step, timeout)
        if step == "listing" and abort.status == "missing":
            abort = FetchAbort(
                "missing", f"The folder {subdir!r} is not in {url}; check the link to the code."
            )
        return fail(result, abort, token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    finally:
        result.bytes_received = measure_pack_bytes(temp)
        shutil.rmtree(temp, ignore_errors=True)
    result.reason = describe_ok(result)
    return result


def sort_tree_entries(entries: list[tuple[str, str, str, str]], result: FetchResult) -> dict[str, str]:
    """Fill files/symlinks/submodules/skipped from a tree listing; return path -> oid of the scan files."""
    wanted: dict[str, str] = {}
    for mode, kind, oid, path in entries:
        if is_unsafe_path(path):
            result.skipped.append((path, "unsafe path (absolute or '..')"))
        elif mode == "160000":
            result.submodules.append(path)
        elif mode == "120000":
            result.symlinks.append(path)
            result.skipped.append((path, "symlink"))
        elif kind == "blob":
            result.files.append((path, -1))
            if is_scan_file(path):
                wanted[path] = oid
    return wanted


def read_blobs(
    wanted: dict[str, str],
    git_dir: str,
    env: dict[str, str],
    deadline: float,
    max_file_bytes: int,
    result: FetchResult,
) -> None:
    """Download the wanted blobs in one request, then read them from the object store into `result`."""
    if not wanted:
        return
    oids = "".join(f"{oid}\n" for oid in dict.fromkeys(wanted.values())).encode()
    fetch_args = ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no"]
    run_git([*fetch_args, "--filter=blob:none", "--stdin", "origin"], git_dir, env, deadline, stdin=oids)
    blobs = parse_cat_file_batch(run_git(["cat-file", "--batch"], git_dir, env, deadline, stdin=oids))
    for index, (path, _) in enumerate(result.files):
        blob = blobs.get(wanted.get(path, ""))
        if blob is None:
            continue
        result.files[index] = (path, len(blob))
        if len(blob) > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = blob


# --------------------------------------------------------------------------------------------------
# Many repositories at once
# --------------------------------------------------------------------------------------------------


def is_git_available() -> bool:
    """Tell whether a git executable is on PATH (the clone method needs one)."""
    return shutil.which("git") is not None


def fetch_repo(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    *,
    method: str = DEFAULT_FETCH_METHOD,
    token: str | None = None,
    base_url: str = CODELOAD_URL,
    git_base: str = GITHUB_GIT_URL,
    pool: urllib3.PoolManager | None = None,
) -> FetchResult:
    """Fetch one target by `method` ("clone" or "archive"); clone falls back to archive when git is missing."""
    if method == "clone" and is_git_available():
        return fetch_clone(owner, repo, ref, subdir, workdir, git_base=git_base, token=token)
    if method not in ("clone", "archive"):
        raise ValueError(f"unknown fetch method {method!r}: use 'clone' or 'archive'")
    return fetch_archive(owner, repo, ref, subdir, base_url=base_url, token=token, pool=pool)


def describe_exception(target: object, error: BaseException) -> FetchResult:
    """An `error` FetchResult for a target whose fetch raised."""
    return FetchResult(
        status="error",
        reason=f"Fetching {target!r} raised {type(error).__name__}: {str(error)[:200]}; this is a bug, see the log.",
        method="",
    )


def fetch_many(
    targets: Iterable[T], fetch_one: Callable[[T], FetchResult], workers: int = 8, desc: str = "fetch"
) -> Iterator[FetchResult]:
    """Run `fetch_one` on many targets in a thread pool; yield results in input order, errors as results.

    Lazy: nothing runs until iterated. At most 4 x `workers` results wait in memory for an earlier slow target.
    """
    items = list(targets)
    window = max(1, workers) * 4
    done: dict[int, FetchResult] = {}
    running: dict[concurrent.futures.Future, int] = {}
    submitted = 0
    bar = tqdm(total=len(items), desc=desc, unit="repo")
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch")
    try:
        for next_out in range(len(items)):
            while submitted < len(items) and submitted < next_out + window:
                running[executor.submit(fetch_one, items[submitted])] = submitted
                submitted += 1
            while next_out not in done:
                finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in finished:
                    index = running.pop(future)
                    error = future.exception()
                    done[index] = describe_exception(items[index], error) if error else future.result()
                    bar.update(1)
            yield done.pop(next_out)
    finally:
        for future in running:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        bar.close()
