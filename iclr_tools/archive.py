"""Stage 3, fetch by archive: stream GitHub's tar.gz of a repository and keep the files a predicate wants."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import time
import zlib
from collections.abc import Callable

import urllib3

from .github import (
    FetchAbort,
    FetchRequest,
    FetchResult,
    classify_http_exception,
    classify_http_status,
    clean_subdir,
    describe_ok,
    extract_repo_path,
    extract_target_path,
    fail,
    format_size,
    make_archive_url,
    parse_commit_sha,
    parse_gitmodules,
)
from .net import USER_AGENT, get_default_pool, make_retry

BOMB_MIN_BYTES = 64 * 2**20  # the ratio guard starts once this many bytes were decompressed
BOMB_MAX_RATIO = 100  # decompressed / compressed above this looks like a compression bomb
READ_CHUNK = 64 * 1024


class RawBody(io.RawIOBase):
    """The compressed bytes of a download as a raw stream, counted as they are read."""

    def __init__(self, read_raw: Callable[[int], bytes]) -> None:
        super().__init__()
        self._read_raw = read_raw
        self.bytes_in = 0

    def readable(self) -> bool:
        """A body is read, never written."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` with the next bytes of the body; 0 at its end."""
        data = self._read_raw(len(buffer))
        buffer[: len(data)] = data
        self.bytes_in += len(data)
        return len(data)


class GunzipReader(gzip.GzipFile):
    """gzip.GzipFile over a raw byte source (several members, zero padding, CRC and truncation are gzip's),
    counting bytes in and out to refuse an archive past `max_out` or one expanding like a compression bomb."""

    def __init__(self, read_raw: Callable[[int], bytes], max_out: int) -> None:
        self.body = RawBody(read_raw)
        self.max_out = max_out
        self.bytes_out = 0
        # gzip reads its source 8 KB at a time: a buffer makes that one read of the download per READ_CHUNK
        super().__init__(fileobj=io.BufferedReader(self.body, READ_CHUNK), mode="rb")

    @property
    def bytes_in(self) -> int:
        """Compressed bytes read so far."""
        return self.body.bytes_in

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` decompressed bytes (a chunk when no size is given); b'' at the end of the stream."""
        out = super().read(size if size and size > 0 else READ_CHUNK)
        self.check_limits(len(out))
        return out

    def describe_failure(self, url: str, error: BaseException) -> str:
        """Why the archive at `url` could not be read: an empty body, a body ended early, or not a tar.gz."""
        if self.bytes_in == 0:
            return f"The archive body of {url} was empty; run again later."
        if isinstance(error, EOFError):
            size = format_size(self.bytes_in)
            return f"The archive {url} ended early after {size} (truncated download); run again later."
        return f"{url} is not a valid tar.gz ({str(error)[:120]}); run again later."

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


def read_tar_members(
    tar: tarfile.TarFile, subdir: str, max_file_bytes: int, result: FetchResult, keep: Callable[[str], bool]
) -> bool:
    """Walk a streamed tar once, filling `result` with the target's files and the contents `keep` wants."""
    found = not subdir
    gitmodules = b""
    while True:
        member = tar.next()
        if member is None:
            break
        tar.members.clear()  # stream mode keeps every TarInfo otherwise: memory would grow with the file count
        result.commit = result.commit or parse_commit_sha(tar.pax_headers, None)
        refusal = check_member(member)
        if refusal:
            result.skipped.append((member.name, refusal))
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
            keep_member(tar, member, path, max_file_bytes, result, known, keep)
    submodule_paths = (
        extract_target_path(path, subdir)
        for path, _ in parse_gitmodules(gitmodules.decode("utf-8", "replace"))
    )
    result.submodules = [path for path in submodule_paths if path]
    return found


ARCHIVE_ROOT = "/archive-root-never-written"  # members are checked as if extracted here; nothing is written


def check_member(member: tarfile.TarInfo) -> str:
    """Why tarfile's own `data` extraction filter refuses a member ('' when it is safe): absolute or `..` paths,
    links pointing outside, devices and other special files."""
    if member.name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member.name):
        return "absolute path (the data filter would strip its leading '/', but it is outside the archive's folder)"
    try:
        tarfile.data_filter(member, ARCHIVE_ROOT)
    except tarfile.FilterError as error:
        return f"refused by tarfile's data filter: {type(error).__name__} ({str(error)[:120]})"
    return ""


def keep_member(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    max_file_bytes: int,
    result: FetchResult,
    known: bytes | None,
    keep: Callable[[str], bool],
) -> None:
    """Record one member under the target: list it, keep its bytes if `keep` wants them, or skip it."""
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
        if not keep(path):
            return
        if member.size > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = known if known is not None else read_member(tar, member)


def read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """Read the current member's bytes from a streamed tar."""
    handle = tar.extractfile(member)
    return handle.read() if handle is not None else b""


def fetch_archive(request: FetchRequest, pool: urllib3.PoolManager | None = None) -> FetchResult:
    """Stream GitHub's tar.gz of a repository and keep the files of the folder that `request.keep` wants,
    writing nothing; `request.settings` gives the URL, timeouts, retries and caps."""
    settings, token = request.settings, request.token
    url = make_archive_url(settings.archive_url, request.owner, request.repo, request.ref)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    result = FetchResult(status="ok", reason="", method="archive")
    deadline = time.monotonic() + settings.total_timeout
    try:
        subdir = clean_subdir(request.subdir)
        response = (pool or get_default_pool()).request(
            "GET",
            url,
            headers=headers,
            preload_content=False,
            decode_content=False,
            retries=make_retry(settings.retries, settings.backoff_factor),
            timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        )
    except urllib3.exceptions.HTTPError as error:
        return fail(result, classify_http_exception(error, url, settings.timeout), token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    try:
        stream_archive(response, request, url, subdir, deadline, result)
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
    request: FetchRequest,
    url: str,
    subdir: str,
    deadline: float,
    result: FetchResult,
) -> None:
    """Check the answer, then decompress and walk the tar while it streams, raising FetchAbort on failure."""
    settings = request.settings
    if response.status != 200:
        raise classify_http_status(response.status, response.headers, url, settings.retries, request.token)
    length = int(response.headers.get("Content-Length") or 0)
    if length > settings.max_repo_bytes:
        raise FetchAbort("too_large", f"{url} is {format_size(length)}, over the cap; skip it or use clone.")

    def read_raw(amount: int) -> bytes:
        if time.monotonic() > deadline:
            raise FetchAbort("timeout", f"{url} took longer than the total budget; run again or raise it.")
        data = response.read(amount, decode_content=False)
        result.bytes_received += len(data)
        return data

    reader = GunzipReader(read_raw, settings.max_repo_bytes)
    try:
        # reads of READ_CHUNK rather than tarfile's 10 KB: fewer passes through gzip's Python layers
        stream = tarfile.open(fileobj=reader, mode="r|", bufsize=READ_CHUNK)  # type: ignore[call-overload]
        with stream as tar:
            found = read_tar_members(tar, subdir, settings.max_file_bytes, result, request.keep)
            pax_headers = dict(tar.pax_headers)
        while reader.read(READ_CHUNK):  # the rest of the gzip stream: checks its CRC and that it is complete
            pass
    except urllib3.exceptions.TimeoutError as error:
        raise FetchAbort(
            "timeout", f"{url} stalled mid-download ({type(error).__name__}); run again later."
        ) from None
    except (tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile) as error:  # BadGzipFile is an OSError
        raise FetchAbort("bad_archive", reader.describe_failure(url, error)) from None
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as error:
        raise FetchAbort(
            "bad_archive", f"The download of {url} broke ({type(error).__name__}); run again later."
        ) from None
    result.commit = parse_commit_sha(pax_headers, request.ref) or result.commit
    if not found:
        raise FetchAbort("missing", f"The folder {subdir!r} is not in {url}; check the link to the code.")
