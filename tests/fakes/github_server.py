"""A fake GitHub on 127.0.0.1 for tests: codeload-style tar.gz archives and git smart HTTP, with faults.

Repositories live in memory as {"owner/repo": {"files": {path: bytes | Symlink | Submodule}}}; each is also
committed to a real bare git repository, served by `git http-backend` run as CGI, so archive and partial clone
see the same commit. Names are matched ignoring letter case and `renames` answer 301 to the new name, as GitHub
does. Faults (404, 429, 5xx, resets, truncation, hangs, redirect loops) are queued per repository
and per kind ("archive" or "git"); `latency_s` and `rate_bytes_per_s` simulate a slow network.

The REST API's `GET /users/{owner}/repos?per_page=N&page=P` lists an owner's repositories (those added with
`add_listing` and the served ones), sorted by name as GitHub sorts them, with `Link` rel="next"/"last" headers;
an owner with none answers 404. Listing faults, per owner (`set_listing_faults`): "ratelimit" (403 with no
requests remaining, reset in an hour), "500", and "cut" (pages after the first end half-way).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tarfile
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from fakes.local_server import LocalServer

ARCHIVE_RE = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/tar\.gz/(?P<ref>.+)$")
GIT_RE = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+?)\.git(?P<rest>/.*)$")
LISTING_RE = re.compile(r"^/users/(?P<owner>[^/]+)/repos$")
FIXED_DATE = "2024-01-01T00:00:00+00:00"
CHUNK = 64 * 1024
STATUS_TEXT = {
    301: "Moved Permanently",
    302: "Found",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Symlink:
    """A symbolic link in a fake repository."""

    target: str


@dataclass(frozen=True)
class Submodule:
    """A git submodule (gitlink) in a fake repository."""

    url: str
    commit: str = "1" * 40


@dataclass
class RequestRecord:
    """One request the fake server answered."""

    method: str
    path: str
    headers: dict[str, str]
    kind: str
    status: int = 0
    bytes_sent: int = 0


# --------------------------------------------------------------------------------------------------
# Archive builders
# --------------------------------------------------------------------------------------------------


def make_member(name: str, data: bytes | None = None, kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple:
    """A (TarInfo, bytes | None) pair for make_tar_gz."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mtime = 1_700_000_000
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.linkname = link
    if data is not None:
        info.size = len(data)
    return info, data


def make_tar_gz(top: str, commit: str | None, members: Iterable[tuple], files: dict | None = None) -> bytes:
    """A gzip'd pax tar like GitHub's: top folder `top/`, pax global header comment = commit."""
    raw = io.BytesIO()
    headers = {"comment": commit} if commit else {}
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, pax_headers=headers) as tar:
        tar.addfile(make_member(f"{top}/", kind=tarfile.DIRTYPE)[0])
        for path, data in sorted((files or {}).items()):
            if isinstance(data, bytes):
                info, _ = make_member(f"{top}/{path}", data)
                tar.addfile(info, io.BytesIO(data))
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip_bytes(raw.getvalue())


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """Gzip bytes in one member."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def make_hostile_members(top: str, outside_abs: str) -> list[tuple]:
    """Members a safe reader must refuse: `..`, absolute paths, symlinks, hard links, devices, fifos."""
    return [
        make_member(f"{top}/../../escaped.py", b"import evil\n"),
        make_member(f"{top}/ok/../../../escaped2.py", b"import evil\n"),
        make_member(outside_abs, b"import evil\n"),
        make_member(f"{top}/link_out.py", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        make_member(f"{top}/link_up", kind=tarfile.SYMTYPE, link="../../.."),
        make_member(f"{top}/hard.py", kind=tarfile.LNKTYPE, link="/etc/passwd"),
        make_member(f"{top}/dev_null", kind=tarfile.CHRTYPE),
        make_member(f"{top}/block", kind=tarfile.BLKTYPE),
        make_member(f"{top}/pipe", kind=tarfile.FIFOTYPE),
    ]


def iter_big_tar_gz(
    top: str,
    commit: str,
    size: int,
    *,
    name: str = "zeros.bin",
    block: bytes = bytes(2**20),
    level: int = 9,
    files: dict[str, bytes] | None = None,
) -> Iterator[bytes]:
    """Stream a tar.gz with small `files` then one `size`-byte file of `block` repeated, made as it is sent.

    Zeros at level 9 make a compression bomb (1 GB -> ~1 MB); a random block at level 0 an honest big file.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    head = io.BytesIO()
    tar = tarfile.open(fileobj=head, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": commit})
    tar.addfile(make_member(f"{top}/", kind=tarfile.DIRTYPE)[0])
    for path, data in (files or {}).items():
        info, _ = make_member(f"{top}/{path}", data)
        tar.addfile(info, io.BytesIO(data))
    info, _ = make_member(f"{top}/{name}")
    info.size = size
    yield compressor.compress(head.getvalue() + info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
    remaining = size
    while remaining > 0:
        piece = compressor.compress(block[: min(remaining, len(block))])
        remaining -= len(block)
        if piece:
            yield piece
    tail = b"\0" * (-size % tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE)
    yield compressor.compress(tail) + compressor.flush()


def iter_bomb_tar_gz(top: str, commit: str, size: int = 2**30) -> Iterator[bytes]:
    """Stream a compression bomb: a tar.gz of one `size`-byte file of zeros (1 GB -> ~1 MB), made as sent."""
    return iter_big_tar_gz(top, commit, size)


# --------------------------------------------------------------------------------------------------
# Git repositories
# --------------------------------------------------------------------------------------------------


def git_env(home: str) -> dict[str, str]:
    """A clean environment for the server's own git commands."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        HOME=home,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Fake",
        GIT_AUTHOR_EMAIL="fake@example.invalid",
        GIT_COMMITTER_NAME="Fake",
        GIT_COMMITTER_EMAIL="fake@example.invalid",
        GIT_AUTHOR_DATE=FIXED_DATE,
        GIT_COMMITTER_DATE=FIXED_DATE,
    )
    return env


def build_git_repo(
    root: str, name: str, files: dict, env: dict[str, str], history: list[tuple[str, dict]] | None = None
) -> str:
    """Commit `files` into a bare repository `root/name.git` that serves partial clones; return the SHA.

    `history`: (ISO date, files) commits made first, oldest first, each replacing the whole tree; the last commit
    (`files`) gets the fixed date.
    """
    bare = os.path.join(root, f"{name}.git")
    work = tempfile.mkdtemp(prefix="work-", dir=root)
    git = ["git", f"--git-dir={bare}", f"--work-tree={work}"]
    try:
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", bare], check=True, env=env)
        for key, value in (
            ("uploadpack.allowFilter", "true"),
            ("uploadpack.allowAnySHA1InWant", "true"),
            ("http.receivepack", "false"),
        ):
            subprocess.run(["git", f"--git-dir={bare}", "config", key, value], check=True, env=env)
        for date, old_files in history or []:
            write_plain_files(work, old_files)
            dated = {**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
            subprocess.run([*git, "add", "-A"], check=True, env=dated)
            subprocess.run([*git, "commit", "-q", "-m", f"as of {date}"], check=True, env=dated)
            for path in old_files:  # the next commit starts from an empty tree
                os.remove(os.path.join(work, path))
        gitmodules = []
        for path, data in files.items():
            full = os.path.join(work, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            if isinstance(data, Symlink):
                os.symlink(data.target, full)
            elif isinstance(data, bytes):
                with open(full, "wb") as handle:
                    handle.write(data)
            elif isinstance(data, Submodule):
                gitmodules.append(f'[submodule "{path}"]\n\tpath = {path}\n\turl = {data.url}\n')
        if gitmodules and ".gitmodules" not in files:
            with open(os.path.join(work, ".gitmodules"), "w") as handle:
                handle.write("".join(gitmodules))
        subprocess.run([*git, "add", "-A"], check=True, env=env)
        for path, data in files.items():
            if isinstance(data, Submodule):
                cacheinfo = f"160000,{data.commit},{path}"
                subprocess.run([*git, "update-index", "--add", "--cacheinfo", cacheinfo], check=True, env=env)
        subprocess.run([*git, "commit", "-q", "-m", "fake"], check=True, env=env)
        out = subprocess.run(
            ["git", f"--git-dir={bare}", "rev-parse", "HEAD"], check=True, env=env, capture_output=True
        )
        return out.stdout.decode().strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_plain_files(work: str, files: dict[str, bytes]) -> None:
    """Write plain files (bytes only) into a work tree."""
    for path, data in files.items():
        full = os.path.join(work, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(data)


def make_git_archive(bare: str, repo: str, commit: str, env: dict[str, str]) -> bytes:
    """`git archive` as GitHub runs it: tar.gz, top folder `repo-sha/`, pax comment = sha."""
    out = subprocess.run(
        ["git", f"--git-dir={bare}", "archive", "--format=tar", f"--prefix={repo}-{commit}/", commit],
        check=True,
        env=env,
        capture_output=True,
    )
    return gzip_bytes(out.stdout)


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


@dataclass
class FakeRepo:
    """One fake repository: its files, commit, archive and faults."""

    name: str
    files: dict
    commit: str
    archive: bytes | None = None
    archive_chunks: Callable[[], Iterator[bytes]] | None = None
    git: bool = True
    faults: dict[str, list[str]] = field(default_factory=lambda: {"archive": [], "git": []})
    sticky: dict[str, str | None] = field(default_factory=lambda: {"archive": None, "git": None})


class FakeGitHub:
    """Threaded fake codeload + git server on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        repos: dict[str, dict] | None = None,
        *,
        latency_s: float = 0.0,
        rate_bytes_per_s: float | None = None,
        hang_s: float = 30.0,
        renames: dict[str, str] | None = None,
    ) -> None:
        self.root = tempfile.mkdtemp(prefix="fake-github-")
        # old "owner/name" -> new: answered with 301 to the new name, as GitHub does after a rename
        self.renames = {old.lower(): new for old, new in (renames or {}).items()}
        self.env = git_env(self.root)
        self.repos: dict[str, FakeRepo] = {}
        self.latency_s = latency_s
        self.rate_bytes_per_s = rate_bytes_per_s
        self.hang_s = hang_s
        self.log: list[RequestRecord] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.server: LocalServer | None = None
        self.listed: dict[str, list[str]] = {}  # owner (lower case) -> "Owner/name" listed, not served
        self.listing_faults: dict[str, tuple[list[str], str | None]] = {}
        for name, spec in (repos or {}).items():
            self.add_repo(name, **spec)

    # ---- setup ----

    def add_repo(
        self,
        name: str,
        files: dict | None = None,
        *,
        commit: str | None = None,
        archive: bytes | None = None,
        archive_chunks: Callable[[], Iterator[bytes]] | None = None,
        git: bool = True,
        history: list[tuple[str, dict]] | None = None,
    ) -> FakeRepo:
        """Add a repository; committed to git unless `git=False` (then `commit` or a made-up SHA is used).

        `history`: earlier (ISO date, files) commits, oldest first, before the last commit (`files`).
        """
        files = dict(files or {})
        if git:
            commit = build_git_repo(self.root, name, files, self.env, history)
        repo = FakeRepo(name, files, commit or "c0ffee" * 6 + "abcd", archive, archive_chunks, git)
        if archive is None and archive_chunks is None and git:
            repo.archive = make_git_archive(
                os.path.join(self.root, f"{name}.git"), name.split("/")[1], repo.commit, self.env
            )
        elif archive is None and archive_chunks is None:
            repo.archive = make_tar_gz(f"{name.split('/')[1]}-{repo.commit}", repo.commit, [], files)
        self.repos[name] = repo
        return repo

    def set_faults(
        self, name: str, faults: list[str], kind: str = "archive", sticky: str | None = None
    ) -> None:
        """Queue faults for the next requests of a repository ("archive" or "git"); `sticky` for all after."""
        repo = self.repos[name]
        repo.faults[kind] = list(faults)
        repo.sticky[kind] = sticky

    def add_listing(self, names: Iterable[str]) -> None:
        """List these "Owner/name" repositories in their owners' API listings (no files are served for them)."""
        for name in names:
            self.listed.setdefault(name.split("/")[0].lower(), []).append(name)

    def set_listing_faults(self, owner: str, faults: list[str], sticky: str | None = None) -> None:
        """Queue faults for the next listing requests of an owner; `sticky` for every request after them."""
        self.listing_faults[owner.lower()] = (list(faults), sticky)

    def list_owner(self, owner: str) -> list[str]:
        """An owner's repositories ("Owner/name"), listed and served, sorted by name ignoring case, as GitHub."""
        served = [name for name in self.repos if name.split("/")[0].lower() == owner.lower()]
        names = {name.lower(): name for name in [*self.listed.get(owner.lower(), []), *served]}
        return sorted(names.values(), key=str.lower)

    def next_listing_fault(self, owner: str) -> str | None:
        """Pop the next queued listing fault of an owner, or its sticky fault."""
        with self.lock:
            queued, sticky = self.listing_faults.get(owner.lower(), ([], None))
            return queued.pop(0) if queued else sticky

    # ---- lifecycle ----

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start serving on a random port in a daemon thread."""
        self.server = LocalServer(FakeHandler, self, "fake-github")

    def close(self) -> None:
        """Stop serving, wake hanging handlers and delete the git repositories."""
        self.closing.set()
        if self.server is not None:
            self.server.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- facts ----

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT, usable as both codeload base_url and git_base."""
        assert self.server is not None, "start the server first"
        return self.server.url

    def bytes_sent(self, kind: str | None = None) -> int:
        """Bytes written to clients (headers and bodies), for one kind or all."""
        with self.lock:
            return sum(r.bytes_sent for r in self.log if kind is None or r.kind == kind)

    def count(self, kind: str | None = None) -> int:
        """Requests answered, for one kind or all."""
        with self.lock:
            return sum(1 for r in self.log if kind is None or r.kind == kind)

    def reset_log(self) -> None:
        """Forget the requests answered so far."""
        with self.lock:
            self.log.clear()

    def next_fault(self, name: str, kind: str) -> str | None:
        """Pop the next queued fault of a repository, or its sticky fault."""
        repo = self.repos.get(name)
        if repo is None:
            return None
        with self.lock:
            if repo.faults[kind]:
                return repo.faults[kind].pop(0)
        return repo.sticky[kind]


class FakeHandler(BaseHTTPRequestHandler):
    """Answers archive and git requests for a FakeGitHub (bound as the `fake` class attribute)."""

    fake: FakeGitHub
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet."""

    def handle(self) -> None:
        """Serve one connection; a connection this handler reset on purpose ends quietly."""
        try:
            super().handle()
        except (ValueError, OSError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        """Serve archives and git info/refs."""
        self.dispatch()

    def do_POST(self) -> None:  # noqa: N802
        """Serve git upload-pack."""
        self.dispatch()

    # ---- plumbing ----

    def dispatch(self) -> None:
        """Route one request, apply latency and faults, and log it."""
        path = urlsplit(self.path).path
        archive, git, listing = ARCHIVE_RE.match(path), GIT_RE.match(path), LISTING_RE.match(path)
        kind = "archive" if archive else "git" if git else "api" if listing else "other"
        self.record = RequestRecord(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, kind
        )
        with self.fake.lock:
            self.fake.log.append(self.record)
        self.started = time.monotonic()
        self.sent_body = 0
        body = self.read_body() if self.command == "POST" else b""
        self.request_body = body
        if self.fake.latency_s:
            time.sleep(self.fake.latency_s)
        if listing:
            self.serve_listing(unquote(listing["owner"]))
            return
        match = archive or git
        name = f"{unquote(match['owner'])}/{unquote(match['repo'])}" if match else ""
        if match and name.lower() in self.fake.renames:
            new = self.fake.renames[name.lower()]
            location = f"/{new}" + self.path[len(f"/{match['owner']}/{match['repo']}") :]
            self.send_plain(301, b"Moved Permanently\n", {"Location": location})
            return
        name = next((known for known in self.fake.repos if known.lower() == name.lower()), name)  # any case
        repo = self.fake.repos.get(name)
        try:
            fault = self.fake.next_fault(name, kind) if repo else None
            if fault and self.apply_fault(fault, repo, match):
                return
            if repo is None or (git and not repo.git):
                self.send_plain(404, b"Not Found\n")
            elif archive:
                self.serve_archive(repo, unquote(archive["ref"]))
            else:
                self.serve_git(name, unquote(git["rest"]), body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def read_body(self) -> bytes:
        """Read a request body sent with Content-Length or chunked."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def flush_headers(self) -> None:
        """Count header bytes before sending them."""
        self.record.bytes_sent += sum(len(part) for part in getattr(self, "_headers_buffer", []))
        super().flush_headers()

    def send_status(self, status: int, headers: dict[str, str]) -> None:
        """Send a status line and headers."""
        self.record.status = status
        self.send_response(status, STATUS_TEXT.get(status))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def send_plain(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Send a small complete response."""
        self.send_status(
            status, {"Content-Type": "text/plain", "Content-Length": str(len(body)), **(headers or {})}
        )
        self.write_body(body)

    def write_body(self, data: bytes) -> None:
        """Write body bytes in chunks, throttled to the server's rate per connection."""
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            piece = view[start : start + CHUNK]
            self.wfile.write(piece)
            self.sent_body += len(piece)
            self.record.bytes_sent += len(piece)
            rate = self.fake.rate_bytes_per_s
            if rate:
                ahead = self.sent_body / rate - (time.monotonic() - self.started)
                if ahead > 0:
                    time.sleep(ahead)

    def hang(self) -> None:
        """Wait without answering until the hang time passes or the server closes."""
        self.fake.closing.wait(self.fake.hang_s)
        self.close_connection = True

    def reset(self) -> None:
        """Abort the connection with a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.wfile.flush()
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        self.close_connection = True

    # ---- faults ----

    def apply_fault(self, fault: str, repo: FakeRepo, match: re.Match) -> bool:
        """Act out one fault; True when the request is fully answered by it."""
        code, _, arg = fault.partition(":")
        if code.isdigit():
            headers = {"Retry-After": arg} if arg else {}
            if code == "403" and arg == "ratelimit":
                headers = {"X-RateLimit-Remaining": "0"}
            self.send_plain(int(code), f"{code} fault\n".encode(), headers)
        elif code == "reset":
            self.reset()
        elif code == "hang":
            self.hang()
        elif code == "500_blobs":  # only the fetches of blobs by id (they ask for no depth) fail
            if self.command != "POST" or b"deepen" in self.request_body or b"want" not in self.request_body:
                return False
            self.send_plain(500, b"500 fault\n")
        elif code == "stall_pack" and match is not None and "rest" in match.groupdict():
            name = f"{unquote(match['owner'])}/{unquote(match['repo'])}"
            self.serve_git(name, unquote(match["rest"]), self.request_body, stall=True)
        elif code == "redirect_loop":
            self.send_plain(302, b"", {"Location": self.path})
        elif code in ("truncate", "truncate_nolength", "stall", "corrupt"):
            body = self.archive_bytes(repo)
            headers = {"Content-Type": "application/x-gzip"}
            if code != "truncate_nolength":
                headers["Content-Length"] = str(len(body))
            self.send_status(200, headers)
            if code == "corrupt":
                middle = len(body) // 2
                self.write_body(
                    body[:middle] + bytes(b ^ 0x5A for b in body[middle : middle + 64]) + body[middle + 64 :]
                )
            elif code == "stall":
                self.write_body(body[: len(body) // 4])
                self.wfile.flush()
                self.hang()
            else:
                self.write_body(body[: len(body) // 2])
                self.close_connection = True
        else:
            return False
        return True

    def archive_bytes(self, repo: FakeRepo) -> bytes:
        """The full archive body of a repository."""
        if repo.archive is not None:
            return repo.archive
        return b"".join(repo.archive_chunks()) if repo.archive_chunks else b""

    # ---- the REST API's listing of an owner's repositories ----

    def serve_listing(self, owner: str) -> None:
        """One page of an owner's repositories as JSON, with GitHub's `Link` header; 404 for an unknown owner."""
        query = parse_qs(urlsplit(self.path).query)
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = max(int(query.get("page", ["1"])[0]), 1)
        names = self.fake.list_owner(owner)
        fault = self.fake.next_listing_fault(owner)
        if fault == "ratelimit":
            reset = str(int(time.time()) + 3600)
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            self.send_plain(403, b'{"message": "API rate limit exceeded"}', headers)
            return
        if fault == "500":
            self.send_plain(500, b'{"message": "Server Error"}')
            return
        if not names:
            self.send_plain(404, b'{"message": "Not Found"}')
            return
        pages = max(1, -(-len(names) // per_page))
        items = [{"name": name.split("/")[1], "full_name": name, "owner": {"login": name.split("/")[0]},
                  "private": False} for name in names[(page - 1) * per_page : page * per_page]]  # fmt: skip
        body = json.dumps(items).encode()
        base = f"{self.fake.base_url}/users/{owner}/repos?per_page={per_page}&page="
        links = [f'<{base}{page + 1}>; rel="next"', f'<{base}{pages}>; rel="last"'] if page < pages else []
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if links:
            headers["Link"] = ", ".join(links)
        self.send_status(200, headers)
        if fault == "cut" and page > 1:  # the page ends half-way: the connection closes short of its length
            self.write_body(body[: len(body) // 2])
            self.close_connection = True
            return
        self.write_body(body)

    # ---- normal answers ----

    def serve_archive(self, repo: FakeRepo, ref: str) -> None:
        """Send the tar.gz for HEAD, main, the commit or a prefix of it (>= 7 chars); 404 otherwise."""
        if ref not in ("HEAD", "main") and not (len(ref) >= 7 and repo.commit.startswith(ref)):
            self.send_plain(404, b"Not Found\n")
            return
        if repo.archive_chunks is not None:
            self.send_status(200, {"Content-Type": "application/x-gzip"})
            for piece in repo.archive_chunks():
                self.write_body(piece)
            return
        body = repo.archive or b""
        self.send_status(200, {"Content-Type": "application/x-gzip", "Content-Length": str(len(body))})
        self.write_body(body)

    def serve_git(self, name: str, rest: str, body: bytes, stall: bool = False) -> None:
        """Run `git http-backend` as a CGI program for one smart-HTTP request and relay its answer.

        `stall`: send the headers and the first chunk of the answer, then hang (a transfer stalled mid-pack).
        """
        query = urlsplit(self.path).query
        env = dict(self.fake.env)
        env.update(
            GIT_PROJECT_ROOT=self.fake.root,
            GIT_HTTP_EXPORT_ALL="1",
            PATH_INFO=f"/{name}.git{rest}",
            QUERY_STRING=query,
            REQUEST_METHOD=self.command,
            CONTENT_TYPE=self.headers.get("Content-Type", ""),
            CONTENT_LENGTH=str(len(body)),
            REMOTE_ADDR="127.0.0.1",
            GATEWAY_INTERFACE="CGI/1.1",
            SERVER_PROTOCOL="HTTP/1.0",
        )
        for header, variable in (
            ("Git-Protocol", "HTTP_GIT_PROTOCOL"),
            ("Content-Encoding", "HTTP_CONTENT_ENCODING"),
        ):
            if self.headers.get(header):
                env[variable] = self.headers[header]
        with subprocess.Popen(
            ["git", "http-backend"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ) as process:
            assert process.stdin is not None and process.stdout is not None
            writer = threading.Thread(target=self.feed, args=(process.stdin, body), daemon=True)
            writer.start()
            status, headers = 200, {}
            while True:
                line = process.stdout.readline().rstrip(b"\r\n")
                if not line:
                    break
                key, _, value = line.decode("latin-1").partition(":")
                if key.lower() == "status":
                    status = int(value.strip().split(" ")[0])
                else:
                    headers[key.strip()] = value.strip()
            self.send_status(status, headers)
            while piece := process.stdout.read1(CHUNK):
                self.write_body(piece)
                if stall:
                    self.wfile.flush()
                    self.hang()
                    break
            writer.join()
        self.close_connection = True

    @staticmethod
    def feed(pipe: io.BufferedWriter, body: bytes) -> None:
        """Write a request body to a CGI program and close its input."""
        try:
            pipe.write(body)
        except BrokenPipeError:
            pass
        finally:
            pipe.close()
