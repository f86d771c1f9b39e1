"""Stage 3, fetch by clone: a blob-less partial clone, then only the blobs of the files a predicate wants."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .github import (
    SHA_RE,
    FetchAbort,
    FetchRequest,
    FetchResult,
    clean_subdir,
    describe_ok,
    fail,
    find_as_of_date,
    format_size,
    is_unsafe_path,
    make_basic_credentials,
    make_git_url,
)
from .net import BACKOFF_MAX_S
from .settings import DEFAULTS


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


class GitError(Exception):
    """A git command failed; `stderr` holds its (token-free) message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args[:1])} exited {returncode}: {stderr.strip()[-300:]}")
        self.returncode = returncode
        self.stderr = stderr


SHORT_SHA_RE = re.compile(r"^[0-9a-f]{4,39}$")
BLOB_BATCH = (
    256  # blobs fetched in one request; a batch over the byte cap is fetched again one blob at a time
)
OBJECT_REFUSALS = (
    "not our ref",
    "unable to read",
    "missing blob",
    "did not send all necessary objects",
    "pack-objects died",
    "bad object",
)  # fmt: skip  (the server refused one object)


def make_git_env(git_base: str, token: str | None, stall_timeout: float) -> dict[str, str]:
    """Environment for git: no user/system config, no prompts, no hooks, no LFS, token only as a header; a
    transfer slower than 1 byte/s for `stall_timeout` seconds is ended (the repository's budget is separate)."""
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
        ("http.lowSpeedTime", str(max(1, int(stall_timeout)))),
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


class TooManyBytes(Exception):
    """A guarded git command received more bytes than it was allowed: it was stopped."""

    def __init__(self, received: int) -> None:
        super().__init__(f"stopped after {received} bytes")
        self.received = received


POLL_S = 0.02  # how often a running git command's limits are checked, seconds
INPUT_CHUNK = 4096  # bytes written to a git command's standard input at a time
CONNECTING = re.compile(rb"== Info:\s+(Trying|Connected to) ")  # curl's trace: a connection is tried, is made


@dataclass(frozen=True)
class GitLimits:
    """When a git command is ended: the repository's deadline, input not taken, a connection not made."""

    deadline: float  # time.monotonic() by which the whole repository must be fetched
    input_s: float = DEFAULTS.input_timeout  # seconds a command may leave its input untaken
    connect_s: float = DEFAULTS.timeout  # seconds a connection may take to be made


class InputNotTaken(Exception):
    """A git command read none of its remaining input for too long: it was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"did not take its input within {seconds:g} s")
        self.seconds = seconds


class NotConnected(Exception):
    """A git command's connection to the server was not made in time: it was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"could not connect within {seconds:g} s")
        self.seconds = seconds


class InputFeeder(threading.Thread):
    """Writes a command's whole input to its pipe in chunks, then closes it, noting when it last made progress."""

    def __init__(self, fd: int, data: bytes) -> None:
        super().__init__(daemon=True, name="git-input")
        self.fd, self.data, self.progress_at = fd, data, time.monotonic()

    def run(self) -> None:
        try:
            for start in range(0, len(self.data), INPUT_CHUNK):
                os.write(self.fd, self.data[start : start + INPUT_CHUNK])  # blocks while the pipe is full
                self.progress_at = time.monotonic()
        except OSError:  # the command ended (or was stopped) without reading it all
            pass
        finally:
            os.close(self.fd)

    def stalled_s(self, now: float) -> float:
        """Seconds since the command last took input, while some is left (0 once it is all taken)."""
        return now - self.progress_at if self.is_alive() else 0.0


class ConnectWatch:
    """Follows git's curl trace (headers only, credentials redacted) to tell how long a connection has waited."""

    def __init__(self, folder: str) -> None:
        handle, self.path = tempfile.mkstemp(prefix=".curl-trace-", dir=folder)
        os.close(handle)
        self.env = {"GIT_TRACE_CURL": self.path, "GIT_TRACE_CURL_NO_DATA": "1", "GIT_TRACE_REDACT": "1"}
        self.offset, self.tail, self.since = 0, b"", 0.0
        self.waiting = False

    def waiting_s(self, now: float) -> float:
        """Seconds since a connection was tried that is not made yet (0 when none is waiting)."""
        try:
            with open(self.path, "rb") as trace:
                trace.seek(self.offset)
                new = trace.read()
        except OSError:
            return 0.0
        self.offset += len(new)
        text = self.tail + new
        cut = text.rfind(b"\n") + 1
        self.tail = text[cut:]
        events = CONNECTING.findall(text[:cut])
        if events:  # the last word counts: tried (perhaps a second address) or made
            tried = events[-1] == b"Trying"
            if tried and not self.waiting:
                self.since = now
            self.waiting = tried
        return now - self.since if self.waiting else 0.0

    def close(self) -> None:
        """Delete the trace."""
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def run_git(
    args: list[str],
    cwd: str,
    env: dict[str, str],
    limits: GitLimits,
    stdin: bytes = b"",
    byte_limit: tuple[str, int] | None = None,
) -> bytes:
    """Run one git command in its own process group, its whole input written by a thread of its own.

    The group is killed (checked every `POLL_S`) when the deadline passes, when the command takes none of its
    remaining input for `limits.input_s`, when a connection is not made within `limits.connect_s`, or when the
    packs growing in `byte_limit`'s folder pass its number of bytes. A stalled transfer is curl's to end
    (`make_git_env`'s low-speed limit).
    """
    if limits.deadline - time.monotonic() <= 0:
        raise subprocess.TimeoutExpired(["git", *args[:1]], 0)
    pack_dir, max_bytes = byte_limit or ("", 0)
    before = measure_folder_bytes(pack_dir) if byte_limit else 0
    watch = ConnectWatch(cwd)
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            ["git", *args], cwd=cwd, env={**env, **watch.env}, stdin=read_end, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    except BaseException:
        os.close(write_end)
        watch.close()
        raise
    finally:
        os.close(read_end)
    feeder = InputFeeder(write_end, stdin)
    feeder.start()
    try:
        with process:
            while True:
                try:
                    out, err = process.communicate(timeout=POLL_S)
                    break
                except subprocess.TimeoutExpired as expired:
                    received = measure_folder_bytes(pack_dir) - before if byte_limit else 0
                    now = time.monotonic()
                    problem: Exception | None = None
                    if byte_limit and received > max_bytes:
                        problem = TooManyBytes(received)
                    elif now > limits.deadline:
                        problem = expired
                    elif feeder.stalled_s(now) > limits.input_s:
                        problem = InputNotTaken(limits.input_s)
                    elif watch.waiting_s(now) > limits.connect_s:
                        problem = NotConnected(limits.connect_s)
                    if problem is not None:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.communicate()
                        raise problem from None
    finally:
        feeder.join(timeout=5)  # done: its input written, or its pipe broken by the kill
        watch.close()
    if process.returncode != 0:
        raise GitError(args, process.returncode, err.decode("utf-8", "replace"))
    return out


def measure_folder_bytes(folder: str) -> int:
    """The bytes of every file in a folder (the packs git writes, finished or growing); 0 if it is absent."""
    try:
        return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return 0


def classify_git_error(error: Exception, url: str, step: str, timeout: float) -> FetchAbort:
    """Turn a failed or timed-out git step into a FetchAbort with an actionable reason."""
    if isinstance(error, subprocess.TimeoutExpired):
        return FetchAbort("timeout", f"git {step} of {url} took longer than {timeout:g} s; run again later.")
    if isinstance(error, InputNotTaken):
        return FetchAbort(
            "timeout", f"git {step} of {url} {error} and was stopped (a busy machine?); run again later."
        )
    if isinstance(error, NotConnected):
        return FetchAbort(
            "timeout",
            f"git {step} of {url} {error}: check the network (or ICLR_TOOLS_GIT_URL); run again later.",
        )
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
        "needed a single revision",  # a short SHA no branch holds
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


def fetch_clone(request: FetchRequest, workdir: str | os.PathLike) -> FetchResult:
    """Fetch the scan files of the request's folder by a blob-less partial clone, retrying rate limits and
    server errors `request.settings.clone_retries` times.

    With a date to read as of and `request.read_later` (`later.make_later_reader`), a commit of that date holding
    no code gives way to the first later one that does."""
    settings = request.settings
    for attempt in range(settings.clone_retries + 1):
        result = fetch_clone_once(request, workdir)
        if result.status not in ("rate_limited", "http_error") or attempt == settings.clone_retries:
            return result
        time.sleep(min(BACKOFF_MAX_S, settings.backoff_factor * 2**attempt))
    return result


def fetch_clone_once(request: FetchRequest, workdir: str | os.PathLike) -> FetchResult:
    """One partial-clone attempt in a temporary folder under `workdir`, deleted afterwards.

    With `settings.as_of` a date, the commit read is the last one before that date on the linked ref (or the
    default branch), or the first one if the repository was created later; a link naming a full commit SHA is
    read as is.
    """
    settings, token, ref, subdir = request.settings, request.token, request.ref, request.subdir
    as_of = find_as_of_date(settings)
    url = make_git_url(settings.git_url, request.owner, request.repo)
    result = FetchResult(status="ok", reason="", method="clone")
    env = make_git_env(settings.git_url, token, settings.stall_timeout)
    limits = GitLimits(time.monotonic() + settings.total_timeout, settings.input_timeout, settings.timeout)
    os.makedirs(workdir, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="clone-", dir=workdir)
    step = "init"
    try:
        subdir = clean_subdir(subdir)
        run_git(["init", "-q", "--bare", "--template=", temp], temp, env, limits)
        run_git(["remote", "add", "origin", url], temp, env, limits)
        step = "refs"
        ref, note = resolve_ref(url, ref, temp, env, limits)
        if as_of and not (ref and SHA_RE.match(ref.lower())):
            step = "history"
            ref, result.read_at = find_commit_as_of(url, ref, as_of, temp, env, limits)
        elif ref and SHA_RE.match(ref.lower()):
            result.read_at = "the commit the link names"
        else:
            result.read_at = f"the head of {ref or 'the default branch'} today"
        result.read_at = f"{note}; {result.read_at}" if note else result.read_at
        step = "fetch"
        run_git(
            ["fetch", "-q", "--depth", "1", "--filter=blob:none", "--no-tags", "origin", ref or "HEAD"],
            temp,
            env,
            limits,
        )
        result.commit = (
            run_git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], temp, env, limits).decode().strip()
        )
        step = "listing"
        tree = f"{result.commit}:{subdir}" if subdir else result.commit
        entries = parse_ls_tree(run_git(["ls-tree", "-r", "-z", tree], temp, env, limits))
        if as_of and request.read_later is not None:  # code released after the date: `later.read_later_code`
            step = "later history"
            entries = request.read_later(result, entries, as_of, subdir, temp, env, limits)
        wanted = sort_tree_entries(entries, result, request.keep)
        step = "blob fetch"
        read_blobs(wanted, temp, env, limits, settings.max_file_bytes, result, request.give_up_on_files)
    except (GitError, subprocess.TimeoutExpired, InputNotTaken, NotConnected, OSError) as error:
        abort = classify_git_error(error, url, step, settings.total_timeout)
        if step == "listing" and abort.status == "missing":
            abort = FetchAbort(
                "missing", f"The folder {subdir!r} is not in {url}; check the link to the code."
            )
        return fail(result, abort, token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    finally:
        result.bytes_received = sum(
            measure_pack_bytes(os.path.join(temp, *part)) for part in ((), ("history",), ("refs-history",))
        )
        shutil.rmtree(temp, ignore_errors=True)
    result.reason = describe_ok(result)
    return result


def resolve_ref(
    url: str, ref: str | None, temp: str, env: dict[str, str], limits: GitLimits
) -> tuple[str | None, str]:
    """The ref to fetch for a ref as people write it, and a note when it is not the one written.

    A branch or tag is fetched by name, a full SHA as is; a short SHA becomes the full one (found among the
    commits of every branch, fetched without trees); a branch that no longer exists falls back to the default
    branch, saying so.
    """
    if not ref or SHA_RE.match(ref.lower()):
        return ref, ""
    listing = run_git(["ls-remote", url], temp, env, limits).decode("utf-8", "replace")
    names = {line.split("\t", 1)[1] for line in listing.splitlines() if "\t" in line}
    if f"refs/heads/{ref}" in names or f"refs/tags/{ref}" in names:
        return ref, ""
    if SHORT_SHA_RE.match(ref.lower()):
        history = os.path.join(temp, "refs-history")
        run_git(["init", "-q", "--bare", "--template=", history], temp, env, limits)
        heads = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
        run_git(["-C", history, "fetch", "-q", "--filter=tree:0", url, *heads], temp, env, limits)
        full = run_git(["-C", history, "rev-parse", "--verify", f"{ref}^{{commit}}"], temp, env, limits)
        return full.decode().strip(), f"the link's short SHA {ref} is commit {full.decode().strip()[:12]}"
    return None, f"the branch {ref!r} the link names no longer exists: the default branch was read"


def find_commit_as_of(
    url: str, ref: str | None, as_of: str, temp: str, env: dict[str, str], limits: GitLimits
) -> tuple[str, str]:
    """(commit, how it was chosen): the last commit of `ref` before `as_of`, else the first one after it.

    Only the commits are fetched (`--filter=tree:0`), into a repository of their own, so the tree of the chosen
    commit is then fetched whole rather than object by object.
    """
    history = os.path.join(temp, "history")
    run_git(["init", "-q", "--bare", "--template=", history], temp, env, limits)
    run_git(
        ["-C", history, "fetch", "-q", "--filter=tree:0", "--no-tags", url, ref or "HEAD"],
        temp,
        env,
        limits,
    )
    cutoff = f"{as_of}T00:00:00Z" if len(as_of) == 10 else as_of
    follow = ["-C", history, "rev-list", "--first-parent"]  # the branch's own commits, not merged branches'
    before = run_git([*follow, "-1", f"--before={cutoff}", "FETCH_HEAD"], temp, env, limits)
    if before.strip():
        return before.decode().strip(), f"the last commit before {as_of[:10]}"
    first = run_git([*follow, "--reverse", "FETCH_HEAD"], temp, env, limits).split(b"\n")[0]
    return first.decode().strip(), f"the first commit (the repository was created after {as_of[:10]})"


def sort_tree_entries(
    entries: list[tuple[str, str, str, str]], result: FetchResult, keep: Callable[[str], bool]
) -> dict[str, str]:
    """Fill files/symlinks/submodules/skipped from a tree listing; return path -> oid of the files `keep` wants."""
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
            if keep(path):
                wanted[path] = oid
    return wanted


def read_blobs(
    wanted: dict[str, str],
    git_dir: str,
    env: dict[str, str],
    limits: GitLimits,
    max_file_bytes: int,
    result: FetchResult,
    give_up_on_files: bool = False,
) -> None:
    """Download the wanted blobs in batches, then read them from the object store into `result`.

    A blob the server cannot send (missing, "not our ref") costs only its file: it is listed in `skipped` as
    unreadable, with why. Sizes before bytes: a batch whose download passes `max_file_bytes` is stopped and its
    blobs are fetched one by one, each stopped at the cap, so an oversized file costs about the cap plus one
    batch, never its whole size. With `give_up_on_files` (a repository whose transfers failed on earlier runs)
    a blob whose transfer keeps failing is given up like a refused one, instead of failing the repository.
    """
    if not wanted:
        return
    oids = list(dict.fromkeys(wanted.values()))
    failed: dict[str, str] = {}
    limit = (os.path.join(git_dir, "objects", "pack"), max_file_bytes)
    for start in range(0, len(oids), BLOB_BATCH):
        batch = oids[start : start + BLOB_BATCH]
        try:
            failed.update(fetch_blobs(batch, git_dir, env, limits, limit, give_up_on_files))
        except TooManyBytes:
            for oid in batch:  # one by one: the oversized ones are stopped at the cap
                try:
                    failed.update(fetch_blobs([oid], git_dir, env, limits, limit, give_up_on_files))
                except TooManyBytes as error:
                    failed[oid] = (
                        f"larger than {format_size(max_file_bytes)}: stopped after {error.received} bytes"
                    )
    present = "".join(f"{oid}\n" for oid in oids if oid not in failed).encode()
    blobs = parse_cat_file_batch(run_git(["cat-file", "--batch"], git_dir, env, limits, stdin=present))
    for index, (path, _) in enumerate(result.files):
        oid = wanted.get(path, "")
        if oid in failed:
            why = failed[oid]
            unreadable = f"unreadable: its content could not be fetched ({why})"
            result.skipped.append((path, why if why.startswith("larger") else unreadable))
            continue
        blob = blobs.get(oid)
        if blob is None:
            continue
        result.files[index] = (path, len(blob))
        if len(blob) > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = blob


def fetch_blobs(
    oids: list[str],
    git_dir: str,
    env: dict[str, str],
    limits: GitLimits,
    byte_limit: tuple[str, int] | None = None,
    give_up: bool = False,
) -> dict[str, str]:
    """Fetch blobs by id; return oid -> why for those the server would not send, found by halving a refused
    request (an absent object costs about log2(n) extra requests); transfer errors are raised, to be retried."""
    fetch_args = ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no"]
    stdin = "".join(f"{oid}\n" for oid in oids).encode()
    try:
        run_git(
            [*fetch_args, "--filter=blob:none", "--stdin", "origin"],
            git_dir,
            env,
            limits,
            stdin,
            byte_limit,
        )
        return {}
    except GitError as error:
        if not give_up and not any(sign in error.stderr.lower() for sign in OBJECT_REFUSALS):
            raise
        if len(oids) == 1:
            return {oids[0]: (error.stderr.strip().splitlines() or ["refused"])[-1][:160]}
    half = len(oids) // 2
    return {
        **fetch_blobs(oids[:half], git_dir, env, limits, byte_limit, give_up),
        **fetch_blobs(oids[half:], git_dir, env, limits, byte_limit, give_up),
    }
