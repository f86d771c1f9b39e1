"""Stage 3, fetch by archive: stream GitHub's tar.gz of a repository and keep the files a predicate wants."""

from __future__ import annotations

import re
import tarfile
import time
import zlib
from collections.abc import Callable

import urllib3
from urllib3.util.retry import Retry

from .github import (
    FetchAbort,
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
from .settings import DEFAULTS

BOMB_MIN_BYTES = 64 * 2**20  # the ratio guard starts once this many bytes were decompressed
BOMB_MAX_RATIO = 100  # decompressed / compressed above this looks like a compression bomb
READ_CHUNK = 64 * 1024


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


def fetch_archive(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    *,
    keep: Callable[[str], bool],
    base_url: str = DEFAULTS.archive_url,
    token: str | None = None,
    timeout: float = DEFAULTS.timeout,
    total_timeout: float = DEFAULTS.total_timeout,
    max_file_bytes: int = DEFAULTS.max_file_bytes,
    max_repo_bytes: int = DEFAULTS.max_repo_bytes,
    pool: urllib3.PoolManager | None = None,
    retries: int | Retry = DEFAULTS.retries,
) -> FetchResult:
    """Stream GitHub's tar.gz of a repository and keep the files of `subdir` that `keep` wants, writing nothing."""
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
            keep,
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
    keep: Callable[[str], bool],
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
            found = read_tar_members(tar, subdir, max_file_bytes, result, keep)
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
    result.commit = parse_commit_sha(pax_headers, ref) or result.commit
    if not found:
        raise FetchAbort("missing", f"The folder {subdir!r} is not in {url}; check the link to the code.")
