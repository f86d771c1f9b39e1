"""Robustness cases (issue 7): injected faults, SIGKILL interruptions, bad inputs and secret canaries.

Defined once here and run twice: as tests by tests/test_robustness.py, and with a tally by benchmarks/faults.py
(`make faults`, with more kills and more generated examples). Every case drives the real pipeline
(`create_dataset`, `fetch_repo_records`, `extract_repo_facts`, `extract_tools`) against the local fakes in
tests/fakes: nothing leaves 127.0.0.1.

Each runner returns `Outcome`s, one per fault injected or bad input tried: whether the pipeline survived it
(right status, clear reason, nothing refetched, nothing written outside the cache, bounded time and memory) and
if not, why.

`fast_fetch_defaults()` shortens timeouts and backoff (1 s socket timeout, 5 s per repository, 10 ms backoff)
for the duration of a run through the `ICLR_TOOLS_*` variables that `Settings.from_env` reads; no module is
edited.
"""

from __future__ import annotations

import atexit
import base64
import codecs
import contextlib
import copy
import io
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
for _path in (PROJECT_ROOT, TESTS_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fakes.github_server import (  # noqa: E402
    ARCHIVE_RE,
    GIT_RE,
    FakeGitHub,
    Submodule,
    Symlink,
    iter_big_tar_gz,
    iter_bomb_tar_gz,
    make_hostile_members,
    make_tar_gz,
)
from fakes.openreview_server import FAKE_CREDENTIALS, FakeOpenReview  # noqa: E402
from iclr_tools import dataset, declared, papers, scan  # noqa: E402
from iclr_tools.github import FetchResult, make_basic_credentials  # noqa: E402
from iclr_tools.records import FINAL_STATUSES, fetch_repo_records, read_cached_record, store_fetch, target_key  # noqa: E402
from iclr_tools.tools import extract_tools  # noqa: E402

FIXTURES = TESTS_DIR / "fixtures"
SHA = "0123456789abcdef" * 2 + "01234567"
FAST_ARCHIVE_TIMEOUT_S = 1.0  # socket timeout of fetch_archive in these runs (default 30 s)
FAST_CLONE_TIMEOUT_S = 5.0  # wall-clock budget of one clone attempt (default 600 s)
FAST_RETRIES = 3
FAST_BACKOFF = 0.01
HANG_S = 8.0  # how long the fake GitHub hangs: past both timeouts above
MIB = 2**20

# Canary credentials: distinctive strings that must never appear in any output, log, cache file or message.
CANARY_TOKEN = "canary-github-token-issue7-xQz9"  # a fake: never shaped like a real token
CANARY_USER = "canary.user.issue7@example.invalid"
CANARY_PASSWORD = "CanaryPassw0rd-issue7-Kq2"
SECRET_ENV = {
    "GITHUB_TOKEN": CANARY_TOKEN,
    "OPENREVIEW_USERNAME": CANARY_USER,
    "OPENREVIEW_PASSWORD": CANARY_PASSWORD,
    # bait: git would print headers with these; make_git_env must drop them
    "GIT_TRACE": "1",
    "GIT_TRACE_CURL": "1",
    "GIT_CURL_VERBOSE": "1",
    "GIT_TRACE_PACKET": "1",
}


@dataclass
class Outcome:
    """What one injected fault or bad input did to the pipeline."""

    group: str  # "fault" (injected fault or kill), "bad_input", "secret"
    name: str
    ok: bool
    detail: str = ""
    crashed: bool = False  # an exception escaped, or a time/memory bound broke
    leaks: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        mark = "ok " if self.ok else ("CRASH" if self.crashed else "FAIL")
        return f"{mark:5} {self.group:9} {self.name}{': ' + self.detail if self.detail else ''}"


def failures(outcomes: list[Outcome]) -> list[str]:
    """The outcomes that went wrong, as lines for an assertion message."""
    return [str(outcome) for outcome in outcomes if not outcome.ok]


# --------------------------------------------------------------------------------------------------
# Shared plumbing: fast defaults, notes, request counts, resource bounds, output capture
# --------------------------------------------------------------------------------------------------


def fast_settings_env(
    archive_timeout: float = FAST_ARCHIVE_TIMEOUT_S, clone_timeout: float = FAST_CLONE_TIMEOUT_S
) -> dict[str, str]:
    """`ICLR_TOOLS_*` variables for short timeouts and backoff (read by `Settings.from_env`, here or in a kernel)."""
    values = {"timeout": archive_timeout, "total_timeout": clone_timeout, "retries": FAST_RETRIES,
              "clone_retries": 2, "backoff_factor": FAST_BACKOFF, "as_of": "latest"}  # fmt: skip
    return {f"ICLR_TOOLS_{name.upper()}": str(value) for name, value in values.items()}


@contextlib.contextmanager
def fast_fetch_defaults(
    archive_timeout: float = FAST_ARCHIVE_TIMEOUT_S, clone_timeout: float = FAST_CLONE_TIMEOUT_S
) -> Iterator[None]:
    """Short timeouts and backoff for every fetch in the block, through the settings' environment variables, and
    the fake OpenReview login a live run needs (unless a case set its own, such as the canaries)."""
    names = ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD")
    login = {
        name: value for name, value in zip(names, FAKE_CREDENTIALS, strict=True) if not os.environ.get(name)
    }
    with patched_env({**fast_settings_env(archive_timeout, clone_timeout), **login}):
        yield


_SHARED_GITHUB: list[FakeGitHub] = []


def shared_github() -> FakeGitHub:
    """One fake GitHub for the many one-repository cases (starting and stopping one costs 0.5 s)."""
    if not _SHARED_GITHUB:
        server = FakeGitHub(hang_s=HANG_S)
        server.start()
        atexit.register(server.close)
        _SHARED_GITHUB.append(server)
    return _SHARED_GITHUB[0]


def make_notes(repos: list[str]) -> list[dict]:
    """ICLR 2024 accepted papers in API v2 shape, one per repository, each linking it in its abstract."""
    template = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text(encoding="utf-8"))[0]
    notes = []
    for index, repo in enumerate(repos):
        note = copy.deepcopy(template)
        forum = f"rb{index:08d}"
        note.update(id=forum, forum=forum, number=index + 1)
        content = note["content"]
        content["title"] = {"value": f"Robustness case {index}: {repo}"}
        content["abstract"] = {"value": f"Our code is at https://github.com/{repo} for everyone."}
        content["TLDR"] = {"value": "A fake paper for the robustness tests."}
        content["venue"] = {"value": "ICLR 2024 poster"}
        content["venueid"] = {"value": "ICLR.cc/2024/Conference"}
        content["pdf"] = {"value": f"/pdf/{forum}.pdf"}
        notes.append(note)
    return notes


def request_repo(path: str) -> str:
    """The `owner/name` a fake GitHub request was for ('' for anything else)."""
    path = urlsplit(path).path
    match = ARCHIVE_RE.match(path) or GIT_RE.match(path)
    return f"{unquote(match['owner'])}/{unquote(match['repo'])}" if match else ""


def requests_by_repo(github: FakeGitHub, start: int = 0) -> Counter:
    """How many requests each repository got since log position `start`."""
    with github.lock:
        return Counter(request_repo(record.path) for record in github.log[start:])


class TimeLimitExceeded(Exception):
    """A case ran past its time bound."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the main thread after `seconds` (also interrupts a runaway regex)."""
    if seconds <= 0 or sys.platform == "win32":
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def traced_memory() -> Iterator[dict]:
    """Measure the peak Python allocation (all threads) inside the block: box['peak'] in bytes."""
    box = {"peak": 0}
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        yield box
    finally:
        box["peak"] = max(0, tracemalloc.get_traced_memory()[1] - base)
        if not was_tracing:
            tracemalloc.stop()


@contextlib.contextmanager
def patched_env(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, with None, remove) environment variables for the block."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class ListHandler(logging.Handler):
    """A logging handler that keeps every formatted record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record as text (message and any exception)."""
        try:
            self.lines.append(logging.Formatter("%(name)s %(levelname)s %(message)s").format(record))
        except Exception as error:  # a record that cannot be formatted still counts as output
            self.lines.append(f"unformattable record {record.msg!r} {record.args!r}: {error}")


@contextlib.contextmanager
def captured_output() -> Iterator[dict]:
    """Capture sys.stdout/stderr, file descriptors 1 and 2 (child processes) and all logging records."""
    box = {"text": ""}
    text_out, text_err = io.StringIO(), io.StringIO()
    handler = ListHandler()
    root = logging.getLogger()
    old_level = root.level
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    sink = tempfile.TemporaryFile()
    os.dup2(sink.fileno(), 1)
    os.dup2(sink.fileno(), 2)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stdout(text_out), contextlib.redirect_stderr(text_err):
            yield box
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        sink.seek(0)
        raw = sink.read().decode("utf-8", "replace")
        sink.close()
        box["text"] = "\n".join([raw, text_out.getvalue(), text_err.getvalue(), *handler.lines])


def secret_forms() -> dict[str, str]:
    """Every form a canary could leak in: raw, base64 (alone and as sent in headers), URL-quoted, a core part."""

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    forms: dict[str, str] = {}
    for label, value in (("token", CANARY_TOKEN), ("username", CANARY_USER), ("password", CANARY_PASSWORD)):
        forms[label] = value
        forms[f"{label} (core)"] = value[6:20]
        forms[f"{label} base64"] = b64(value)
        forms[f"{label} url-quoted"] = quote(value, safe="")
    forms["token as git basic credentials"] = make_basic_credentials(CANARY_TOKEN)
    forms["token as basic credentials, url-safe"] = base64.urlsafe_b64encode(
        f"x-access-token:{CANARY_TOKEN}".encode()
    ).decode()
    forms["username:password basic credentials"] = b64(f"{CANARY_USER}:{CANARY_PASSWORD}")
    return forms


def find_secrets(text: str) -> list[str]:
    """Labels of the canary forms present in `text`."""
    return [label for label, form in secret_forms().items() if form in text]


def find_secrets_in_files(root: Path) -> list[str]:
    """`path: label` for every file under `root` that holds a canary form."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            text = path.read_bytes().decode("latin-1")
            found += [f"{path.relative_to(root)}: {label}" for label in find_secrets(text)]
    return found


def snapshot_tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, int]:
    """Relative path -> size of every entry under `root`, leaving out the folders in `skip`."""
    out = {}
    for path in root.rglob("*"):
        if any(path == folder or folder in path.parents for folder in skip):
            continue
        out[str(path.relative_to(root))] = path.lstat().st_size if not path.is_dir() else -1
    return out


# --------------------------------------------------------------------------------------------------
# 1. Network faults: one create_dataset run over many fake repositories, then reruns
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    """One repository with a fault: queued `faults` are used up in order, `sticky` answers every request after."""

    name: str
    kind: str  # "archive" (fetched by method="archive") or "git" (method="clone")
    faults: tuple[str, ...] = ()
    sticky: str | None = None
    first: str = "ok"  # status after the first run
    reason_has: str = ""  # what the first run's reason must say (lower case)
    requests: int = 0  # requests the first run must make (0: not checked)
    on_server: bool = True

    @property
    def repo(self) -> str:
        """The fake repository of this case."""
        return f"{self.kind}-faults/{self.name}"

    @property
    def expected_final(self) -> str:
        """Status after the faults are cleared and the failures retried: a final status stays, the rest is ok."""
        return self.first if self.first in FINAL_STATUSES else "ok"


FAULT_CASES = [
    # archive: transient answers retried inside one fetch -> ok
    FaultCase("once-429", "archive", ("429",), requests=2),
    FaultCase("once-429-retry-after", "archive", ("429:1",), requests=2),
    FaultCase("once-500", "archive", ("500",), requests=2),
    FaultCase("once-502", "archive", ("502",), requests=2),
    FaultCase("once-503", "archive", ("503",), requests=2),
    FaultCase("burst-500-502-503", "archive", ("500", "502", "503"), requests=4),
    FaultCase("burst-429-503-reset", "archive", ("429", "503", "reset"), requests=4),
    FaultCase("once-reset", "archive", ("reset",), requests=2),
    FaultCase("once-hang", "archive", ("hang",), requests=2),
    # archive: a broken body is not retried inside the fetch; not cached, so the rerun retries it -> ok
    FaultCase("once-truncated", "archive", ("truncate",), first="bad_archive", reason_has="broke"),
    FaultCase("once-truncated-no-length", "archive", ("truncate_nolength",), first="bad_archive"),
    FaultCase("once-corrupt", "archive", ("corrupt",), first="bad_archive", reason_has="run again"),
    FaultCase("once-stall", "archive", ("stall",), first="timeout", reason_has="stalled"),
    # archive: lasting faults -> a clear failure status, retried by every rerun until they stop
    FaultCase("lasting-429", "archive", sticky="429", first="rate_limited", reason_has="github_token"),
    FaultCase("lasting-429-retry-after", "archive", sticky="429:1", first="rate_limited", reason_has="429"),
    FaultCase("lasting-403-quota", "archive", sticky="403:ratelimit", first="rate_limited", requests=1),
    FaultCase("lasting-500", "archive", sticky="500", first="http_error", reason_has="http 500"),
    FaultCase("lasting-502", "archive", sticky="502", first="http_error", reason_has="http 502"),
    FaultCase("lasting-503", "archive", sticky="503", first="http_error", reason_has="http 503"),
    FaultCase("lasting-reset", "archive", sticky="reset", first="http_error", reason_has="run again"),
    FaultCase("lasting-hang", "archive", sticky="hang", first="timeout", reason_has="did not answer"),
    FaultCase("redirect-loop", "archive", sticky="redirect_loop", first="http_error", reason_has="redirect"),
    # archive: gone for good -> missing, cached, never asked again
    FaultCase("gone-404", "archive", sticky="404", first="missing", reason_has="404", requests=1),
    FaultCase("gone-410", "archive", sticky="410", first="missing", reason_has="410", requests=1),
    FaultCase("never-existed", "archive", first="missing", reason_has="404", on_server=False, requests=1),
    # git smart HTTP (partial clone): fetch_clone retries rate limits and server errors itself
    FaultCase("once-429", "git", ("429",)),
    FaultCase("once-500", "git", ("500",)),
    FaultCase("once-502", "git", ("502",)),
    FaultCase("once-503", "git", ("503",)),
    FaultCase("burst-500-503", "git", ("500", "503")),
    FaultCase("once-reset", "git", ("reset",)),
    FaultCase("once-hang", "git", ("hang",), first="timeout", reason_has="took longer"),
    FaultCase("lasting-429", "git", sticky="429", first="rate_limited", reason_has="github_token"),
    FaultCase("lasting-503", "git", sticky="503", first="http_error", reason_has="503"),
    FaultCase("lasting-reset", "git", sticky="reset", first="http_error", reason_has="reset"),
    FaultCase("lasting-hang", "git", sticky="hang", first="timeout", reason_has="took longer"),
    FaultCase("redirect-loop", "git", sticky="redirect_loop", first="http_error", reason_has="redirect"),
    FaultCase("gone-404", "git", sticky="404", first="missing", reason_has="found nothing"),
    FaultCase("never-existed", "git", first="missing", on_server=False),
]
HEALTHY_REPOS = 8  # fault-free repositories in each fault run: fetched once, never again


def make_small_repo_files(seed: int) -> dict[str, bytes]:
    """A small normal repository: code, a manifest, a README and a few KB of data (so truncation bites)."""
    rng = random.Random(seed)
    return {
        "train.py": b"import torch\nimport numpy as np\nfrom models import net\n",
        "models/net.py": b"import torch.nn as nn\n",
        "requirements.txt": b"torch>=2.0\nnumpy\n",
        "README.md": b"# Code\npip install -r requirements.txt\n",
        "data/table.bin": rng.randbytes(6000),
    }


def run_dataset(options: dict) -> tuple[Any, dict[str, tuple[str, str]], BaseException | None]:
    """create_dataset(2024, 'live'): (frame, repo -> (status, reason), the exception if it crashed)."""
    try:
        frame = dataset.create_dataset(2024, "live", **options)
    except Exception as error:  # a crash is an outcome, not the end of the run
        return None, {}, error
    rows = frame[frame["repo"] != ""]
    return frame, {row.repo: (row.status, row.reason) for row in rows.itertuples()}, None


def run_fault_matrix(method: str, workdir: Path) -> list[Outcome]:
    """One live run with every fault of `method`'s kind injected, a rerun, and a run after the faults stop."""
    kind = "git" if method == "clone" else "archive"
    cases = [case for case in FAULT_CASES if case.kind == kind]
    healthy = [f"{kind}-faults/healthy-{index}" for index in range(HEALTHY_REPOS)]
    outcomes: list[Outcome] = []
    with FakeGitHub(hang_s=HANG_S) as github:
        for index, case in enumerate(cases):
            if case.on_server:
                github.add_repo(case.repo, make_small_repo_files(index))
                github.set_faults(case.repo, list(case.faults), kind=kind, sticky=case.sticky)
        for index, name in enumerate(healthy):
            github.add_repo(name, make_small_repo_files(100 + index))
        notes = make_notes([case.repo for case in cases] + healthy)
        with FakeOpenReview(notes_v2=notes) as openreview, fast_fetch_defaults():
            options = {
                "cache_dir": workdir / "cache", "workers": 8, "method": method,
                "openreview_url": openreview.url, "archive_url": github.base_url, "git_url": github.base_url,
            }  # fmt: skip
            runs = []
            for step in ("first", "rerun", "after the faults stop"):
                if step == "after the faults stop":
                    for case in cases:
                        if case.on_server:
                            github.set_faults(case.repo, [], kind=kind, sticky=None)
                start = len(github.log)
                started = time.monotonic()
                frame, statuses, error = run_dataset(options)
                runs.append((step, statuses, requests_by_repo(github, start), time.monotonic() - started))
                if error is not None:
                    text = "".join(traceback.format_exception(error))[-1500:]
                    return [Outcome("fault", f"{method}: create_dataset ({step} run)", False, text, True)]
    (_, first, first_requests, _), (_, second, second_requests, _), (_, third, third_requests, _) = runs
    for case in cases:
        outcomes.append(judge_fault_case(method, case, runs))
    healthy_problems = [
        f"{name}: {first.get(name)}, {second_requests[name]} + {third_requests[name]} later requests"
        for name in healthy
        if first.get(name, ("", ""))[0] != "ok" or second_requests[name] or third_requests[name]
    ]
    outcomes.append(
        Outcome(
            "check",
            f"{method}: {len(healthy)} healthy repositories fetched once, never again",
            not healthy_problems,
            "; ".join(healthy_problems),
        )
    )
    return outcomes


def judge_fault_case(method: str, case: FaultCase, runs: list) -> Outcome:
    """Whether one fault case went as it should over the three runs."""
    (_, first, first_requests, _), (_, second, second_requests, _), (_, third, third_requests, _) = runs
    problems = []
    status, reason = first.get(case.repo, ("absent", ""))
    if status != case.first:
        problems.append(f"first run: {status} ({reason[:160]}), expected {case.first}")
    if not reason or (case.reason_has and case.reason_has not in reason.lower()):
        problems.append(f"first reason {reason[:160]!r} does not say {case.reason_has!r}")
    if case.requests and first_requests[case.repo] != case.requests:
        problems.append(f"first run made {first_requests[case.repo]} requests, expected {case.requests}")
    # the rerun (same faults still lasting) asks again only what did not end with a final status
    status_2 = second.get(case.repo, ("absent", ""))[0]
    if status in FINAL_STATUSES and second_requests[case.repo]:
        problems.append(f"rerun requested a cached {status} repository {second_requests[case.repo]} times")
    if status not in FINAL_STATUSES and not second_requests[case.repo]:
        problems.append(f"rerun did not retry a {status} repository")
    if case.sticky and status_2 != case.first:
        problems.append(f"rerun with the fault still lasting: {status_2}, expected {case.first}")
    # after the faults stop, a run retries what still failed and it ends ok
    if status_2 in FINAL_STATUSES and third_requests[case.repo]:
        problems.append(f"last run requested a cached {status_2} repository")
    final = third.get(case.repo, ("absent", ""))
    if final[0] != case.expected_final:
        problems.append(
            f"after the faults stop: {final[0]} ({final[1][:160]}), expected {case.expected_final}"
        )
    faults = " then ".join([*case.faults, *([f"always {case.sticky}"] if case.sticky else [])])
    name = f"{method}: {case.name} ({faults or 'not on the server'}) -> {case.first}"
    return Outcome("fault", name, not problems, "; ".join(problems))


# --------------------------------------------------------------------------------------------------
# 2. Interruption: SIGKILL a live data run at random points, rerun, compare with an uninterrupted run
# --------------------------------------------------------------------------------------------------

INTERRUPT_REPOS = 40
INTERRUPT_MISSING = ("gone-fake/never-was", "gone-fake/deleted")


def make_interrupt_world(github: FakeGitHub) -> list[str]:
    """Add the repositories of the interruption runs; return every linked repository (missing ones too)."""
    repos = []
    for index in range(INTERRUPT_REPOS):
        name = f"kill-fake/repo-{index:02d}"
        files = make_small_repo_files(index)
        if index % 5 == 0:
            files = {"README.md": b"no code here\n", "data.csv": b"a,b\n"}  # no_python
        github.add_repo(name, files)
        repos.append(name)
    return repos + list(INTERRUPT_MISSING)


def child_command(options: dict) -> list[str]:
    """The command line of a child data run (see `child_main`)."""
    return [sys.executable, str(Path(__file__).resolve()), "child", json.dumps(options)]


def child_main(options: dict) -> None:
    """A live ICLR 2024 data run against the fakes, as `make data` would run it, with fast timeouts."""
    with fast_fetch_defaults():
        dataset.create_dataset(
            2024, "live", out=options["out"], cache_dir=options["cache"], workers=options["workers"],
            method=options["method"], openreview_url=options["openreview"], archive_url=options["github"],
            git_url=options["github"],
        )  # fmt: skip


def start_child(options: dict, log: Path) -> subprocess.Popen:
    """Start a child data run, its output to `log`."""
    with open(log, "ab") as handle:
        return subprocess.Popen(
            child_command(options),
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=options["cwd"],
            env={**os.environ, "TQDM_DISABLE": "1", "PYTHONHASHSEED": "0"},
        )


def read_final_records(
    cache: Path, planted: dict[str, bytes] | None = None
) -> tuple[dict[str, bytes], list[str]]:
    """Cached final records by file name (their bytes), and the problems found reading the cache.

    `planted`: files put there on purpose (name -> bytes), skipped while they still hold those bytes.
    """
    found, problems = {}, []
    for path in sorted((cache / "raw" / "refs").glob("*.json")):
        data = path.read_bytes()
        if (planted or {}).get(path.name) == data:
            continue
        try:
            record = json.loads(data)
        except ValueError:
            problems.append(f"{path.name} is half-written ({len(data)} bytes)")
            continue
        if not isinstance(record, dict) or record.get("status") not in FINAL_STATUSES:
            problems.append(f"{path.name} holds a non-final record")
            continue
        found[path.name] = data
    notes = cache / "openreview" / "iclr2024_notes.json"
    if notes.exists():
        try:
            json.loads(notes.read_bytes())
        except ValueError:
            problems.append("the notes cache is half-written")
    return found, problems


def repo_of_record_file(name: str) -> str:
    """`owner/name` of a cache file named `owner__name.json` (these targets have no folder or ref)."""
    return name.removesuffix(".json").replace("__", "/", 1)


def wait_for_orphans(root: Path, timeout: float = 15.0) -> int:
    """Wait for git processes a killed run left working under `root` to end; kill stragglers by pid."""
    import psutil

    def orphans() -> list:
        found = []
        for process in psutil.process_iter(["cwd"]):
            with contextlib.suppress(psutil.Error):
                if process.info["cwd"] and str(root) in process.info["cwd"]:
                    found.append(process)
        return found

    deadline = time.monotonic() + timeout
    seen = 0
    while (left := orphans()) and time.monotonic() < deadline:
        seen = max(seen, len(left))
        time.sleep(0.1)
    for process in orphans():
        with contextlib.suppress(psutil.Error):
            process.kill()
    return seen


def run_interruptions(workdir: Path, kills: int, seed: int, method: str = "clone") -> list[Outcome]:
    """SIGKILL a live data run `kills` times at seeded random points, rerunning each time; then finish it.

    Checks: the final CSV is byte-identical to an uninterrupted run's; no repository whose final record was
    in the cache is requested again; no cache file is ever half-written; leftover `*.tmp` files, a
    half-written record from a non-atomic writer and a stale clone folder do not change the result.
    """
    rng = random.Random(seed)
    outcomes: list[Outcome] = []
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "children.log"
    with FakeGitHub(latency_s=0.05, hang_s=HANG_S) as github:
        repos = make_interrupt_world(github)
        with FakeOpenReview(notes_v2=make_notes(repos)) as openreview:
            common = {"workers": 4, "method": method, "openreview": openreview.url, "github": github.base_url}
            base = {**common, "cache": str(workdir / "base_cache"), "out": str(workdir / "base.csv")}
            base["cwd"] = str(workdir)
            started = time.monotonic()
            code = start_child(base, log).wait(timeout=300)
            duration = time.monotonic() - started
            baseline_requests = requests_by_repo(github)
            if code != 0:
                tail = log.read_text(errors="replace")[-1500:]
                return [Outcome("fault", "uninterrupted run", False, f"exit {code}: {tail}", True)]
            cache = workdir / "cache"
            planted = plant_leftovers(cache, repos)
            run = {
                **common,
                "cache": str(cache),
                "out": str(workdir / "interrupted.csv"),
                "cwd": str(workdir),
            }
            startup = measure_startup(workdir)
            timing = (startup, max(0.5, duration - startup), len(repos))
            outcomes += kill_and_rerun(run, kills, timing, rng, github, log, cache, planted)
            final_records, _ = read_final_records(cache, planted)
            start = len(github.log)
            code = start_child(run, log).wait(timeout=300)
            final = check_rerun(f"final run (exit {code})", code == 0, github, start, final_records)
            final.group = "check"  # not an injected fault: the run that finishes the job
            outcomes.append(final)
            wait_for_orphans(cache)
    same = (workdir / "interrupted.csv").is_file() and (workdir / "interrupted.csv").read_bytes() == (
        workdir / "base.csv"
    ).read_bytes()
    outcomes.append(
        Outcome(
            "check",
            f"CSV after {kills} kills is byte-identical to the uninterrupted run's",
            same,
            "" if same else describe_csv_difference(workdir / "base.csv", workdir / "interrupted.csv"),
        )
    )
    outcomes.append(
        Outcome(
            "check", f"uninterrupted run: {duration:.1f} s, {sum(baseline_requests.values())} requests", True
        )
    )
    leftovers = sorted(str(path.relative_to(cache)) for path in cache.rglob("*.tmp"))
    stale = (
        sorted(path.name for path in (cache / "work").glob("clone-*")) if (cache / "work").is_dir() else []
    )
    outcomes.append(
        Outcome(
            "check",
            f"leftovers did not break the run ({len(leftovers)} *.tmp files, {len(stale)} clone folders left)",
            True,
        )
    )
    return outcomes


def plant_leftovers(cache: Path, repos: list[str]) -> dict[str, bytes]:
    """What killed runs and older versions leave behind: `*.tmp` files, a half-written record, a clone folder."""
    (cache / "raw" / "refs").mkdir(parents=True)
    (cache / "openreview").mkdir()
    (cache / "work" / "clone-stale0").mkdir(parents=True)
    (cache / "work" / "clone-stale0" / "HEAD").write_text("ref: refs/heads/main\n")
    half = b'{"repo": "kill-fake/repo-01", "status": "ok", "imports": {"train.py": ["tor'
    name = f"{target_key(repos[1])}.json"
    (cache / "raw" / "refs" / name).write_bytes(half)  # what a non-atomic writer killed mid-write would leave
    (cache / "raw" / "refs" / f".{target_key(repos[2])}.json.k1ll3d.tmp").write_text('{"repo": "kill-fake/re')
    (cache / "openreview" / ".iclr2024_notes.json.k1ll3d.tmp").write_text('{"year": 2024, "complete": tr')
    return {name: half}


def measure_startup(workdir: Path) -> float:
    """Seconds a child needs to start and import everything, before its first request."""
    started = time.monotonic()
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "noop"], cwd=workdir, check=True)
    return time.monotonic() - started


def kill_and_rerun(
    run: dict,
    kills: int,
    timing: tuple[float, float, int],
    rng: random.Random,
    github: FakeGitHub,
    log: Path,
    cache: Path,
    planted: dict[str, bytes],
) -> list[Outcome]:
    """Start the run and SIGKILL it at a random point, `kills` times; check the cache after each.

    `timing` = (start-up seconds, seconds an uncached run spends working, targets): each kill lands at a
    random point of the work still left, so kills interrupt fetching rather than a finished run; a kill that
    comes after the run ended is a check, not an injected fault.
    """
    startup, work, targets = timing
    outcomes = []
    for number in range(1, kills + 1):
        final_records, problems = read_final_records(cache, planted)
        left = max(0.1, 1 - len(final_records) / targets)
        start = len(github.log)
        delay = startup + rng.uniform(0.05, 0.5) * work * left  # about a quarter of the work left, on average
        child = start_child(run, log)
        try:
            code = child.wait(timeout=delay)
            landed = False
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            code = child.wait(timeout=30)
            landed = True
        wait_for_orphans(cache)
        name = f"SIGKILL {number} at {delay:.2f} s" + ("" if landed else f" (run had ended, exit {code})")
        outcome = check_rerun(name, landed or code == 0, github, start, final_records)
        if not landed:
            outcome.group = "check"  # the kill came after the run ended: no fault was injected
        _, after = read_final_records(cache, planted)
        if problems or after:
            outcome.ok = False
            outcome.detail += "; ".join(problems + after)
        # a cached final record is never rewritten by a later run
        changed = [
            key
            for key, data in final_records.items()
            if (cache / "raw" / "refs" / key).read_bytes()
            != data  # read_final_records found it complete before
        ]
        if changed:
            outcome.ok = False
            outcome.detail += f"; cached records rewritten: {changed[:5]}"
        outcomes.append(outcome)
    return outcomes


def check_rerun(name: str, ran: bool, github: FakeGitHub, start: int, final_records: dict) -> Outcome:
    """An outcome: the run ran, and no repository whose final record was cached before it was requested."""
    asked = requests_by_repo(github, start)
    again = sorted(repo for key in final_records if asked[(repo := repo_of_record_file(key))])
    detail = f"{len(final_records)} cached before, {sum(asked.values())} requests"
    if again:
        detail += f"; requested again although cached: {again[:5]}"
    return Outcome("fault", name, ran and not again, detail)


def describe_csv_difference(expected: Path, got: Path) -> str:
    """The first differing line of two CSV files."""
    if not got.is_file():
        return f"{got.name} was not written"
    for number, (a, b) in enumerate(
        zip(expected.read_text().splitlines(), got.read_text().splitlines(), strict=False), 1
    ):
        if a != b:
            return f"line {number}: {a[:200]!r} != {b[:200]!r}"
    return "one file is longer"


CORRUPT_CACHE_FILES = {  # label -> bytes of the record file
    "truncated JSON": b'{"repo": "c/r", "status": "ok", "impo',
    "empty file": b"",
    "binary garbage": b"\x00\xff\xfe garbage",
    "UTF-16 JSON": '{"repo": "c/r", "status": "ok"}'.encode("utf-16"),
    "a non-final record": b'{"repo": "c/r", "subdir": "", "status": "timeout", "reason": "x"}',
    "a JSON list": b"[]",
    "JSON null": b"null",
    "a JSON string": b'"ok"',
}


def check_corrupt_cache_file(label: str, workdir: Path) -> Outcome:
    """A cache file that is not a complete final record is refetched: never read as one, never a crash."""
    data = CORRUPT_CACHE_FILES[label]
    target = {"repo": "cache-fake/repo", "ref": "", "subdir": ""}
    cache = workdir / "cache"
    path = cache / "raw" / "refs" / f"{target_key(target['repo'])}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    name = f"cache file: {label}"
    github = shared_github()
    if target["repo"] not in github.repos:
        github.add_repo(target["repo"], make_small_repo_files(7))
    start = len(github.log)
    with fast_fetch_defaults():
        try:
            records = fetch_repo_records(
                [target],
                cache_dir=cache,
                method="archive",
                archive_url=github.base_url,
                git_url=github.base_url,
            )
        except Exception as error:
            return Outcome("bad_input", name, False, f"{type(error).__name__}: {error}", True)
    refetched = requests_by_repo(github, start)[target["repo"]] == 1
    status = records[(target["repo"], "", "")]["status"]
    detail = f"status {status}, refetched: {refetched}"
    return Outcome("bad_input", name, status == "ok" and refetched, detail)


# --------------------------------------------------------------------------------------------------
# 3. Bad files: scanned directly (extract_repo_facts + extract_tools), within time and memory bounds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadFiles:
    """A repository's files that a scan must survive: no exception, a clear status, bounded time and memory."""

    name: str
    files: tuple[tuple[str, bytes], ...]
    status: str = "ok"
    max_seconds: float = 10.0
    max_peak_bytes: int = 64 * MIB  # 0: not traced (tracemalloc slows deep recursion in pure Python 10x)


def bad(name: str, files: dict[str, bytes], **kw: Any) -> BadFiles:
    """A BadFiles case with a plain .py file beside the bad ones, so the repository has Python."""
    return BadFiles(name, tuple({"main.py": b"import numpy\n", **files}.items()), **kw)


def yaml_alias_bomb(levels: int) -> bytes:
    """An environment.yml whose pip list refers, through aliases, to 9**levels strings (tiny on disk)."""
    lines = ["l0: &l0 [" + ", ".join(["torch"] * 9) + "]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels)]
    lines += ["dependencies:", "  - numpy", f"  - pip: [*l{levels - 1}]"]
    return ("\n".join(lines) + "\n").encode()


TEN_MB = 10 * MIB

BAD_FILE_CASES = [
    # environment.yml
    bad("environment.yml: not YAML", {"environment.yml": b"dependencies: [\n  - numpy\n :::\n\t- x"}),
    bad("environment.yml: a list, not a mapping", {"environment.yml": b"- numpy\n- scipy\n"}),
    bad("environment.yml: dependencies is a string", {"environment.yml": b"dependencies: numpy\n"}),
    bad(
        "environment.yml: pip entries of every type",
        {
            "environment.yml": b"dependencies:\n  - pip: {a: 1}\n  - pip: 3\n  - {pip: [[x], {y: 1}, null, 5, torch]}"
            b"\n  - 7\n  - null\n  - [a, b]\n  - {}\n"
        },
    ),  # fmt: skip
    bad(
        "environment.yml: a python/object tag",
        {"environment.yml": b"!!python/object/apply:os.system ['true']\n"},
    ),
    bad(
        "environment.yml: BOM and tabs", {"environment.yml": codecs.BOM_UTF8 + b"dependencies:\n\t- numpy\n"}
    ),
    bad(
        "environment.yml: 1500 nested lists",
        {"environment.yml": b"dependencies: " + b"[" * 1500 + b"]" * 1500},
        max_seconds=5.0,
        max_peak_bytes=0,
    ),
    bad(
        "environment.yml: alias bomb (9**7 strings)",
        {"environment.yml": yaml_alias_bomb(7)},
        max_seconds=3.0,
        max_peak_bytes=16 * MIB,
    ),
    # pyproject.toml, Pipfile, setup.cfg
    bad("pyproject.toml: not TOML", {"pyproject.toml": b"[project\ndependencies = ["}),
    bad(
        "pyproject.toml: tables of the wrong type", {"pyproject.toml": b'project = 1\n[tool]\npoetry = "x"\n'}
    ),
    bad(
        "pyproject.toml: dependencies of the wrong types",
        {
            "pyproject.toml": b'[project]\ndependencies = [1, {a = 1}, ["x"], "torch"]\noptional-dependencies = {a = 5}\n'
            b'[tool.poetry.group.dev]\ndependencies = "x"\n'
        },
    ),  # fmt: skip
    bad(
        "pyproject.toml: 5000 nested arrays",
        {"pyproject.toml": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n"},
        max_seconds=5.0,
        max_peak_bytes=0,
    ),
    bad("Pipfile: not TOML", {"Pipfile": b"[packages\nnumpy = *"}),
    bad("Pipfile: sections of the wrong type", {"Pipfile": b'packages = ["torch", 1]\n"dev-packages" = 3\n'}),
    bad(
        "Pipfile: 5000 nested inline tables",
        {"Pipfile": b"[packages]\na = " + b"{b = " * 5000 + b"1" + b"}" * 5000 + b"\n"},
        max_seconds=5.0,
        max_peak_bytes=0,
    ),
    bad("setup.cfg: no section header", {"setup.cfg": b"install_requires = torch\n[options\n"}),
    bad(
        "setup.cfg: interpolation, duplicates, odd continuation",
        {
            "setup.cfg": b"[options]\ninstall_requires = %(x)s\n  numpy\n\t# c\n[options]\ninstall_requires = y\n"
            b"[options.extras_require]\na = %%\n  = torch\n"
        },
    ),  # fmt: skip
    # requirements files
    bad(
        "requirements.txt: options, includes, a cycle, URLs, variables",
        {
            "requirements.txt": b"-r requirements.txt\n-r ../../../etc/passwd\n-c c.txt\n--hash=sha256:x\n-e .\n"
            b"-e git+https://x/y#egg=Foo_Bar\nhttps://x/y-1.0-py3-none-any.whl\n./local\n$VAR/x.whl\n"
            b"torch==1.0 ; python_version < '3'\n-r\n--requirement=\n\\\n"
        },
    ),  # fmt: skip
    bad("requirements.txt: UTF-16", {"requirements.txt": "torch\nnumpy\n".encode("utf-16")}),
    bad("requirements.txt: Latin-1", {"requirements.txt": "t\xf4rch\nn\xfcmpy\n".encode("latin-1")}),
    bad(
        "requirements.txt: marker with 2000 parentheses",
        {"requirements.txt": b"torch ; " + b"(" * 2000 + b"\n"},
        max_seconds=5.0,
        max_peak_bytes=0,
    ),
    bad(
        "requirements.txt: one 64 KB wheel-like line",
        {"requirements.txt": b"./" + b"a" * 32000 + b"-1" + b"." * 32000 + b"\n"},
        max_seconds=3.0,
    ),
    bad(
        "requirements.txt: a 10 MB single line", {"requirements.txt": b"x" * TEN_MB}, max_peak_bytes=160 * MIB
    ),
    # Python files
    bad("a.py: UTF-16 with a BOM", {"a.py": "import torch\n".encode("utf-16")}),
    bad("a.py: UTF-16 without a BOM", {"a.py": "import torch\n".encode("utf-16-le")}),
    bad("a.py: Latin-1 with a cookie", {"a.py": b"# -*- coding: latin-1 -*-\nimport scipy\ns = '\xe9'\n"}),
    bad("a.py: Latin-1 without a cookie", {"a.py": b"import scipy\ns = '\xe9\xff'\n"}),
    bad("a.py: an unknown coding cookie", {"a.py": b"# coding: rot13\nimport scipy\n"}),
    bad("a.py: a bytes-to-bytes coding cookie", {"a.py": b"# coding: hex\nimport scipy\n"}),
    bad("a.py: a UTF-16 cookie on UTF-8 bytes", {"a.py": b"# coding: utf-16\nimport scipy\n"}),
    bad("a.py: binary (ELF)", {"a.py": b"\x7fELF\x02\x01\x01\x00" + bytes(4000)}),
    bad("a.py: binary without NUL bytes", {"a.py": bytes(range(1, 256)) * 40}),
    bad(
        "a.py: a 10 MB string literal",
        {"a.py": b"import scipy\ns = '" + b"a" * TEN_MB + b"'\n"},
        max_peak_bytes=160 * MIB,
    ),  # fmt: skip
    bad("a.py: a 10 MB identifier", {"a.py": b"x" * TEN_MB}, max_peak_bytes=160 * MIB),
    bad("a.py: 200k chained additions", {"a.py": b"x = 1" + b"+1" * 200_000}, max_peak_bytes=256 * MIB),
    bad("a.py: 1M unary minus", {"a.py": b"x = " + b"-" * 1_000_000 + b"1"}),
    bad("a.py: 100k nested brackets", {"a.py": b"x = " + b"[" * 100_000 + b"]" * 100_000}),
    bad("a.py: 200k attribute chain", {"a.py": b"x = a" + b".b" * 200_000}, max_peak_bytes=256 * MIB),
    bad(
        "a.py: 3000 nested blocks",
        {"a.py": b"".join(b" " * i + b"if 1:\n" for i in range(3000)) + b" " * 3000 + b"pass\n"},
    ),  # fmt: skip
    bad("a.py: NUL in the middle", {"a.py": b"import scipy\n\x00\nimport torch\n"}),
    bad(
        "setup.py: computed values",
        {
            "setup.py": b"from setuptools import setup\nsetup(install_requires=open('r').read().split(), extras_require=X)\n"
        },
    ),  # fmt: skip
    bad(
        "setup.py: 190 nested lists in install_requires",
        {"setup.py": b"setup(install_requires=" + b"[" * 190 + b"'torch'" + b"]" * 190 + b")\n"},
    ),
    bad(
        "setup.py: set, bytes and complex literals",
        {
            "setup.py": b"setup(install_requires={'torch', 'numpy'}, extras_require={'a': b'x'}, python_requires=1j)\n"
        },
    ),
    # notebooks
    bad("notebook: not JSON", {"nb.ipynb": b'{"cells": [{"cell_type": "code", "source": "import torch'}),
    bad("notebook: a JSON list", {"nb.ipynb": b"[1, 2, 3]"}),
    bad("notebook: 100k nested arrays", {"nb.ipynb": b"[" * 100_000 + b"]" * 100_000}),
    bad(
        "notebook: magics, shell and install lines",
        {
            "nb.ipynb": json.dumps(
                {
                    "cells": [
                        {
                            "cell_type": "code",
                            "source": [
                                "%pip install torch\n",
                                "!pip install -r req.txt jax\n",
                                "!conda install -c x y\n",
                                "import numpy\n",
                                "%%bash\n",
                                "!rm -rf /\n",
                            ],
                        }
                    ]
                }
            ).encode()
        },
    ),  # fmt: skip
    bad(
        "notebook: nbformat 3 worksheets",
        {"nb.ipynb": b'{"worksheets": [{"cells": [{"cell_type": "code", "input": "import jax"}]}]}'},
    ),  # fmt: skip
    bad(
        "notebook: a 10 MB single-line cell",
        {
            "nb.ipynb": json.dumps(
                {"cells": [{"cell_type": "code", "source": "x = '" + "a" * TEN_MB + "'"}]}
            ).encode()
        },
        max_peak_bytes=256 * MIB,
    ),  # fmt: skip
    bad(
        "notebook: source a list of numbers",
        {"nb.ipynb": b'{"cells": [{"cell_type": "code", "source": [1, 2]}]}'},
    ),
    bad("notebook: cells a number", {"nb.ipynb": b'{"cells": 5}'}),
    bad("notebook: worksheets of numbers", {"nb.ipynb": b'{"worksheets": [1]}'}),
    # READMEs and scripts
    bad(
        "README: unbalanced quotes in install lines",
        {"README.md": b"pip install 'torch\n!pip install \"a\n`pip install x"},
    ),  # fmt: skip
    bad(
        "README: a 1 MB single line after pip install",
        {"README.md": b"pip install " + b"a" * MIB},
        max_seconds=3.0,
    ),
    bad("README: a 10 MB single line", {"README.md": b"see " + b"a" * TEN_MB}, max_peak_bytes=160 * MIB),
    bad(
        "run.sh: every install syntax",
        {
            "run.sh": b"pip install -e . && conda install -c pytorch pytorch=1.4 cudatoolkit\nmamba install --name x jax;pip3 install 'a[b]>=1' -r r.txt | tee\n"
        },
    ),  # fmt: skip
    bad(
        "notebook: a lone surrogate escape in an install line",
        {"nb.ipynb": b'{"cells": [{"cell_type": "code", "source": "!pip install torch \\ud800"}]}'},
    ),
    bad("file names: non-UTF-8", {"\udcff\udcfe.py": b"import torch\n"}),
    bad("no Python at all", {"README.md": b"just text\n"}, status="ok"),
]


def run_bad_files(case: BadFiles, cache_dir: Path) -> Outcome:
    """Scan one case's files, check status and bounds, and that the record can be cached and read back."""
    files = [(path, len(data)) for path, data in case.files]
    contents = dict(case.files)
    started = time.monotonic()
    try:
        tracing = traced_memory() if case.max_peak_bytes else contextlib.nullcontext({"peak": 0})
        with tracing as memory, time_limit(case.max_seconds):
            target = {"repo": "bad-input/repo", "subdir": "", "ref": ""}
            fetched = FetchResult("ok", "", commit=SHA, files=files, contents=contents)
            record = store_fetch(cache_dir, target, fetched)  # scanned and cached as fetch_repo_record does
            tools = extract_tools(record)
            back = read_cached_record(cache_dir, target)
    except (Exception, RecursionError, MemoryError) as error:
        detail = f"{type(error).__name__}: {str(error)[:200]}"
        return Outcome("bad_input", case.name, False, detail, crashed=True)
    seconds = time.monotonic() - started
    problems = []
    if tools["status"] != case.status:
        problems.append(f"status {tools['status']}, expected {case.status}")
    if back is None or back.get("repo") != record["repo"]:
        problems.append("the cached record does not read back")
    if case.max_peak_bytes and memory["peak"] > case.max_peak_bytes:
        problems.append(f"peak memory {memory['peak'] / MIB:.0f} MB over {case.max_peak_bytes / MIB:.0f} MB")
    detail = "; ".join(problems) or f"{seconds:.2f} s, peak {memory['peak'] / MIB:.1f} MB"
    return Outcome("bad_input", case.name, not problems, detail, crashed=bool(problems))


# --------------------------------------------------------------------------------------------------
# 4. Hostile repositories: fetched through the pipeline (archive and clone), nothing written outside
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileRepo:
    """A repository served by the fake GitHub and fetched + scanned by fetch_repo_records and extract_tools."""

    name: str
    method: str
    status: str
    build: Callable[[FakeGitHub, str, Path], None]  # (server, repo name, folder that must stay untouched)
    max_peak_bytes: int = 48 * MIB  # 0: not traced (tracemalloc slows deep recursion in pure Python 10x)


def side_effect_files(outside: Path) -> dict:
    """Files that create a file under `outside` if anything runs them (setup.py, a notebook, scripts, git)."""
    mark = str(outside)
    py = f"open({mark + '/setup_py_ran'!r}, 'w').write('x')\nopen('setup_py_ran_here', 'w')\n"
    notebook = {"cells": [{"cell_type": "code", "source": [f"open({mark + '/notebook_ran'!r}, 'w')\n", "import os\n"]}]}  # fmt: skip
    return {
        "setup.py": f"import os\n{py}from setuptools import setup\nsetup(name='x', install_requires=['torch'])\n".encode(),
        "conftest.py": py.replace("setup_py_ran", "conftest_ran").encode(),
        "sitecustomize.py": py.replace("setup_py_ran", "sitecustomize_ran").encode(),
        "demo.ipynb": json.dumps(notebook).encode(),
        "run.sh": f"#!/bin/sh\ntouch {mark}/run_sh_ran\npip install torch\n".encode(),
        "Makefile": f"all:\n\ttouch {mark}/make_ran\n".encode(),
        ".gitattributes": b"* filter=evil diff=evil\n",
        ".gitmodules": f'[submodule "x"]\n\tpath = ext\n\turl = ext::sh -c touch% {mark}/ext_ran\n'.encode(),
        "ext": Submodule(f"ext::sh -c touch% {mark}/ext_ran"),
        "link_to_passwd.py": Symlink("/etc/passwd"),
        "link_out": Symlink(f"../../../../../../{mark}"),
    }


def build_git(files: Callable[[Path], dict]) -> Callable[[FakeGitHub, str, Path], None]:
    """A builder committing `files(outside)` to a git repository (served by clone and by archive)."""
    return lambda github, name, outside: github.add_repo(name, files(outside)) and None


def build_archive(
    members: Callable[[str, Path], tuple[list, dict]],
) -> Callable[[FakeGitHub, str, Path], None]:
    """A builder serving a hand-made tar.gz (members, files) as the repository's archive only."""

    def build(github: FakeGitHub, name: str, outside: Path) -> None:
        top = f"{name.split('/')[1]}-{SHA}"
        extra, files = members(top, outside)
        github.add_repo(name, git=False, commit=SHA, archive=make_tar_gz(top, SHA, extra, files))

    return build


def build_stream(chunks: Callable[[str], Iterator[bytes]]) -> Callable[[FakeGitHub, str, Path], None]:
    """A builder streaming an archive made as it is sent (bombs, big files)."""

    def build(github: FakeGitHub, name: str, outside: Path) -> None:
        top = f"{name.split('/')[1]}-{SHA}"
        github.add_repo(name, git=False, commit=SHA, archive_chunks=lambda: chunks(top))

    return build


BIG_BLOCK = random.Random(3).randbytes(MIB)
WEIRD_FILES = {  # every bad file but the 10 MB one, each case in its own folder
    f"case{index:02d}/{path}": data
    for index, case in enumerate(BAD_FILE_CASES) if "10 MB" not in case.name
    for path, data in case.files
}  # fmt: skip

HOSTILE_REPOS = [
    HostileRepo(
        "archive: '..' and absolute paths, symlinks, hard links, devices, fifos",
        "archive",
        "ok",
        build_archive(
            lambda top, outside: (
                make_hostile_members(top, str(outside / "abs_escaped.py")),
                {"ok.py": b"import fine\n"},
            )
        ),  # fmt: skip
    ),
    HostileRepo(
        "archive: compression bomb (1 GB of zeros)",
        "archive",
        "too_large",
        build_stream(lambda top: iter_bomb_tar_gz(top, SHA)),
    ),
    HostileRepo(
        "archive: an honest 64 MB data file",
        "archive",
        "ok",
        build_stream(
            lambda top: iter_big_tar_gz(
                top, SHA, 64 * MIB, name="w.npy", block=BIG_BLOCK, level=0, files={"a.py": b"import x\n"}
            )
        ),  # fmt: skip
    ),
    HostileRepo(
        "archive: an empty body",
        "archive",
        "bad_archive",
        lambda g, n, o: g.add_repo(n, git=False, commit=SHA, archive=b"") and None,
    ),  # fmt: skip
    HostileRepo(
        "archive: an HTML page",
        "archive",
        "bad_archive",
        lambda g, n, o: g.add_repo(n, git=False, commit=SHA, archive=b"<html>no</html>") and None,
    ),  # fmt: skip
    HostileRepo("archive: side effects if run", "archive", "ok", build_git(side_effect_files)),
    HostileRepo("clone: side effects if run", "clone", "ok", build_git(side_effect_files)),
    HostileRepo(
        "archive: every bad file at once", "archive", "ok", build_git(lambda outside: WEIRD_FILES), 256 * MIB
    ),  # fmt: skip
    HostileRepo(
        "clone: every bad file at once", "clone", "ok", build_git(lambda outside: WEIRD_FILES), 256 * MIB
    ),
    HostileRepo(
        "clone: a non-UTF-8 file name",
        "clone",
        "ok",
        build_git(lambda outside: {"\udcff.py": b"import torch\n", "a.py": b"import numpy\n"}),
    ),
    HostileRepo(
        "archive: a non-UTF-8 file name",
        "archive",
        "ok",
        build_git(lambda outside: {"\udcff.py": b"import torch\n", "a.py": b"import numpy\n"}),
    ),
    HostileRepo(
        "clone: a setup.py with a set literal",
        "clone",
        "ok",
        build_git(
            lambda outside: {"setup.py": b"from setuptools import setup\nsetup(install_requires={'torch'})\n"}
        ),  # fmt: skip
    ),
    HostileRepo(
        "clone: a notebook whose source is a list of numbers",
        "clone",
        "ok",
        build_git(lambda outside: {"nb.ipynb": b'{"cells": [{"cell_type": "code", "source": [1]}]}'}),
    ),
    HostileRepo(
        "clone: an environment.yml nested 1500 deep (cached, then every run crashes)",
        "clone",
        "ok",
        build_git(lambda outside: {"a.py": b"import numpy\n", "environment.yml": b"[" * 1500}),
        max_peak_bytes=0,
    ),
]


def run_hostile_repo(case: HostileRepo, workdir: Path) -> Outcome:
    """Fetch and scan one hostile repository; nothing may be written outside the cache, nothing may run."""
    outside, cwd, systmp, cache = (workdir / name for name in ("outside", "cwd", "systmp", "cache"))
    for folder in (cwd, systmp):
        folder.mkdir(parents=True, exist_ok=True)
    name = "mallory/" + "".join(c if c.isalnum() else "-" for c in case.name)[:60].strip("-")
    github = shared_github()
    if name not in github.repos:
        case.build(github, name, outside)
    if True:  # (indented as the block that moves cwd and the temporary folder into the watched tree)
        before = snapshot_tree(workdir, skip=(cache,))
        old_cwd, old_tempdir = os.getcwd(), tempfile.tempdir
        problems: list[str] = []
        crashed = False
        try:
            os.chdir(cwd)
            tempfile.tempdir = str(systmp)
            tracing = traced_memory() if case.max_peak_bytes else contextlib.nullcontext({"peak": 0})
            with patched_env({"TMPDIR": str(systmp)}), fast_fetch_defaults(), tracing as memory:
                target = {"repo": name, "ref": "", "subdir": ""}
                records = fetch_repo_records(
                    [target], cache_dir=cache, method=case.method, workers=1, archive_url=github.base_url,
                    git_url=github.base_url,
                )  # fmt: skip
                record = records[(name, "", "")]
                tools = extract_tools(record)
                again = fetch_repo_records([target], cache_dir=cache, method=case.method, archive_url=github.base_url, git_url=github.base_url)  # fmt: skip
                extract_tools(again[(name, "", "")])  # a cached record must scan again as well
        except (Exception, RecursionError, MemoryError) as error:
            problems.append(f"{type(error).__name__}: {str(error)[:200]}")
            crashed = True
        finally:
            os.chdir(old_cwd)
            tempfile.tempdir = old_tempdir
    if not crashed:
        if "this is a bug" in record.get("reason", ""):
            crashed = True
            problems.append(record["reason"][:240])
        elif tools["status"] != case.status:
            problems.append(f"status {tools['status']} ({tools['reason'][:160]}), expected {case.status}")
        if not tools["reason"] and tools["status"] != "ok":
            problems.append("no reason given")
        if case.max_peak_bytes and memory["peak"] > case.max_peak_bytes:
            problems.append(f"peak memory {memory['peak'] / MIB:.0f} MB")
            crashed = True
    after = snapshot_tree(workdir, skip=(cache,))
    written = sorted(set(after) - set(before))
    if written or outside.exists():
        problems.append(f"written outside the cache: {written[:8]}")
    detail = "; ".join(problems) or f"status {tools['status']}"
    return Outcome("bad_input", case.name, not problems, detail, crashed=crashed)


# --------------------------------------------------------------------------------------------------
# 5. Generated bad input (hypothesis): arbitrary lines, manifests, notebooks and whole repositories
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    """A check that must hold for every value a strategy generates (plus explicit `examples`)."""

    name: str
    strategy: Callable[
        [], Any
    ]  # returns a hypothesis strategy (built lazily: hypothesis is a test dependency)
    check: Callable[[Any], None]
    examples: tuple = ()


def _strategies() -> Any:
    """The hypothesis strategies of the properties (imported lazily)."""
    from hypothesis import strategies as st

    return st


def requirement_lines() -> Any:
    """Arbitrary text, near-PEP 508 lines and soups of the characters requirement parsing cares about."""
    st = _strategies()
    name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}", fullmatch=True)
    spec = st.sampled_from(["", "==1.0", ">=2", "~=1.4", "!=0.1", "===x", "=1.2=py37_0", " @ https://x/y.whl", "@", "<", "[extra]", "[a,b]>=1", "["])  # fmt: skip
    tail = st.sampled_from(["", " ; python_version < '3.8'", ";", " ; (", " # comment", "#egg=x", " \\", " --hash=sha256:ab", " ; extra == 'x' and (os_name == 'nt' or"])  # fmt: skip
    soup = st.lists(
        st.sampled_from(
            [
                "(",
                ")",
                "[",
                "]",
                "-",
                "1",
                ".",
                "/",
                "a",
                "@",
                ";",
                "=",
                "#egg=",
                "://",
                "$",
                " ",
                "\\",
                "'",
                '"',
                "~",
                ",",
                "whl",
                ".tar.gz",
                "\x00",
                "\u00e9",
                "\n",
            ]
        ),  # fmt: skip
        max_size=60,
    ).map("".join)
    prefix = st.sampled_from(
        ["", "-e ", "./", "/abs/", "git+https://github.com/a/b", "https://x/", "$HOME/", "~/"]
    )
    structured = st.tuples(prefix, name, spec, tail).map("".join)
    return st.one_of(st.text(max_size=120), structured, soup)


def requirements_texts() -> Any:
    """Whole requirements files: generated lines, options and includes (cycles too), various line ends."""
    st = _strategies()
    option = st.sampled_from(["-r requirements.txt", "-r other.txt", "-c requirements.txt", "--requirement=other.txt", "-r", "-i https://x", "--hash", "-e", "-e .", "--no-binary :all:", "-f ./wheels"])  # fmt: skip
    lines = st.lists(st.one_of(requirement_lines(), option), max_size=12)
    sep = st.sampled_from(["\n", "\r\n", "\\\n", "\r"])
    return st.tuples(lines, lines, sep).map(lambda t: (t[2].join(t[0]), t[2].join(t[1])))


def yaml_values() -> Any:
    """JSON-like values with the keys a conda environment file uses."""
    st = _strategies()
    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), requirement_lines()
    )
    keys = st.one_of(
        st.sampled_from(["dependencies", "pip", "name", "channels", "prefix"]), st.text(max_size=8)
    )

    def extend(children: Any) -> Any:
        return st.one_of(st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=4))

    return st.recursive(scalar, extend, max_leaves=25)


def manifest_texts() -> Any:
    """(file name, text) of environment files, pyproject.toml, Pipfile and setup.cfg, valid and not."""
    import yaml

    st = _strategies()
    env = yaml_values().map(
        lambda data: yaml.safe_dump({"dependencies": data} if not isinstance(data, dict) else data)
    )
    toml_value = st.recursive(
        st.one_of(
            st.integers().map(str),
            requirement_lines().map(json.dumps),
            st.sampled_from(["true", "1.5", "'x'"]),
        ),  # fmt: skip
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.lists(
                st.tuples(st.from_regex(r"[a-z][a-z_-]{0,6}", fullmatch=True), children), max_size=3
            ).map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
        ),
        max_leaves=12,
    )
    header = st.sampled_from(["[project]", "[project.optional-dependencies]", "[tool.poetry.dependencies]", "[tool.poetry.group.dev]", "[packages]", "[dev-packages]", "[tool]", "[[project]]", "[project"])  # fmt: skip
    key = st.sampled_from(
        ["dependencies", "optional-dependencies", "torch", "python", "poetry", "group", '"a b"']
    )
    toml_line = st.one_of(header, st.tuples(key, toml_value).map(lambda kv: f"{kv[0]} = {kv[1]}"), st.text(max_size=20))  # fmt: skip
    toml = st.lists(toml_line, max_size=10).map("\n".join)
    cfg_line = st.one_of(
        st.sampled_from(
            [
                "[options]",
                "[options.extras_require]",
                "install_requires =",
                "a =",
                "[metadata]",
                "%(x)s",
                "[options",
            ]
        ),  # fmt: skip
        requirement_lines().map(lambda line: "    " + line),
        st.text(max_size=20),
    )
    cfg = st.lists(cfg_line, max_size=10).map("\n".join)
    return st.one_of(
        st.tuples(
            st.sampled_from(["environment.yml", "conda_env.yaml"]), st.one_of(env, st.text(max_size=200))
        ),
        st.tuples(st.sampled_from(["pyproject.toml", "Pipfile"]), toml),
        st.tuples(st.just("setup.cfg"), cfg),
    )


def notebook_texts(well_typed: bool = False) -> Any:
    """Notebook JSON of any shape (cells and worksheets holding values of every type), or only well-typed ones."""
    st = _strategies()
    if well_typed:
        line = st.one_of(
            requirement_lines(), st.sampled_from(["import torch", "!pip install jax", "%pip install x"])
        )
        cell = st.fixed_dictionaries(
            {
                "cell_type": st.sampled_from(["code", "markdown"]),
                "source": st.one_of(line, st.lists(line, max_size=4)),
            }
        )
        return st.fixed_dictionaries({"cells": st.lists(cell, max_size=4)}).map(json.dumps)
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), requirement_lines())
    value = st.recursive(leaf, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=6), c, max_size=3)), max_leaves=15)  # fmt: skip
    source = st.one_of(
        st.text(max_size=60), st.lists(st.one_of(st.text(max_size=30), value), max_size=4), value
    )
    cell = st.one_of(
        st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", 3]), "source": source}),
        st.fixed_dictionaries({"cell_type": st.just("code"), "input": source}),
        value,
    )
    cells = st.one_of(st.lists(cell, max_size=4), value)
    notebook = st.one_of(
        st.fixed_dictionaries({"cells": cells}),
        st.fixed_dictionaries(
            {"worksheets": st.one_of(st.lists(st.fixed_dictionaries({"cells": cells}), max_size=2), value)}
        ),  # fmt: skip
        value,
    )
    return notebook.map(json.dumps)


def repository_files() -> Any:
    """A whole repository of generated files (any bytes, any scanned name) for extract_repo_facts + extract_tools."""
    st = _strategies()
    names = st.sampled_from(["a.py", "pkg/b.py", "setup.py", "x.pyx", "nb.ipynb", "requirements.txt", "requirements/dev.txt", "environment.yml", "Pipfile", "pyproject.toml", "setup.cfg", "README.md", "install.sh", "Dockerfile", ".gitmodules"])  # fmt: skip
    content = st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(max_size=100).map(lambda t: t.encode("utf-16")),
        requirements_texts().map(lambda t: t[0].encode("utf-8", "surrogatepass")),
        notebook_texts(well_typed=True).map(str.encode),  # ill-typed ones: the notebook property
    )
    return st.dictionaries(names, content, max_size=6)


def check_requirement_line(line: str) -> None:
    """parse_requirement: None or a canonical name, quickly, never an exception."""
    with time_limit(2.0):
        name = declared.parse_requirement(line)
    assert name is None or (
        isinstance(name, str) and name == declared.canonical(name) and name.strip() == name and name
    )
    with time_limit(2.0):
        names = declared.parse_install_line("pip install " + line)
    assert all(isinstance(n, str) and n for n in names)


def check_requirements_text(texts: tuple[str, str]) -> None:
    """parse_requirements_text: distinct canonical names, includes followed without looping."""
    text, other = texts
    manifests = {"requirements.txt": text, "other.txt": other}
    with time_limit(5.0):
        names = declared.parse_requirements_text(text, "requirements.txt", manifests)
    assert len(names) == len(set(names)) and all(name == declared.canonical(name) for name in names)


def check_manifest(item: tuple[str, str]) -> None:
    """extract_manifest_names: canonical names, each runtime or dev, for any manifest text, never an exception."""
    path, text = item
    with time_limit(5.0):
        names = declared.extract_manifest_names(path, text, {path: text})
    assert isinstance(names, dict) and all(isinstance(name, str) and name for name in names)
    assert set(names.values()) <= {"runtime", "dev"}


def check_repository(files: dict[str, bytes]) -> None:
    """extract_repo_facts + extract_tools on any files: a status, JSON-safe record, never an exception."""
    listing = [(path, len(data)) for path, data in files.items()]
    with time_limit(10.0):
        record = scan.extract_repo_facts("gen/repo", "", listing, files, status="ok", reason="")
        tools = extract_tools(record)
    assert tools["status"] in ("ok", "no_python")
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # what write_json_atomic needs


def check_notebook(text: str) -> None:
    """A notebook of any shape scans to a status, never an exception."""
    check_repository({"nb.ipynb": text.encode()})


PROPERTIES = [
    Property("requirement lines", requirement_lines, check_requirement_line),
    Property("requirements files", requirements_texts, check_requirements_text),
    Property(
        "manifests (environment.yml, pyproject.toml, Pipfile, setup.cfg)", manifest_texts, check_manifest
    ),
    Property(
        "notebooks of any shape",
        notebook_texts,
        check_notebook,
        examples=('{"cells": [{"cell_type": "code", "source": [1, "x"]}]}',),
    ),
    Property("whole repositories of generated files", repository_files, check_repository),
]


def run_property(
    prop: Property, max_examples: int, on_error: Callable[[Any, BaseException], None] | None = None
) -> int:
    """Run a property with hypothesis (derandomized); return how many inputs were tried.

    Without `on_error` the first failure raises (hypothesis shrinks it first); with it, every failing input
    is reported to it and the run goes on, so the tally counts them all.
    """
    from hypothesis import HealthCheck, example, given, settings

    tried = 0

    def body(value: Any) -> None:
        nonlocal tried
        tried += 1
        if on_error is None:
            prop.check(value)
            return
        try:
            prop.check(value)
        except (Exception, RecursionError) as error:
            on_error(value, error)

    test = given(prop.strategy())(body)
    for value in prop.examples:
        test = example(value)(test)
    settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(test)()
    return tried


# --------------------------------------------------------------------------------------------------
# 6. Secrets: canary credentials through a live run, failures, and a rendered notebook
# --------------------------------------------------------------------------------------------------

SECRET_REPOS = {
    "canary-fake/ok-repo": make_small_repo_files(11),
    "canary-fake/rate-limited": make_small_repo_files(12),
    "canary-fake/server-error": make_small_repo_files(13),
    "canary-fake/reset": make_small_repo_files(14),
}
SECRET_LINKS = [*SECRET_REPOS, "canary-fake/gone"]


def serve_secret_world(github: FakeGitHub) -> None:
    """The canary run's repositories, three of them failing for good (so failure reasons are written)."""
    for name, files in SECRET_REPOS.items():
        github.add_repo(name, files)
    for kind in ("archive", "git"):
        github.set_faults("canary-fake/rate-limited", [], kind=kind, sticky="429")
        github.set_faults("canary-fake/server-error", [], kind=kind, sticky="503")
        github.set_faults("canary-fake/reset", [], kind=kind, sticky="reset")


def run_secret_canaries(workdir: Path) -> list[Outcome]:
    """A live run per fetch method with canary credentials set; no canary may show anywhere but the wire."""
    outcomes = []
    for method in ("clone", "archive"):
        root = workdir / method
        root.mkdir(parents=True)
        with (
            FakeGitHub(hang_s=HANG_S) as github,
            FakeOpenReview(notes_v2=make_notes(SECRET_LINKS)) as openreview,
        ):
            serve_secret_world(github)
            error_text, frame_text = "", ""
            with patched_env(SECRET_ENV), fast_fetch_defaults(), captured_output() as output:
                try:
                    frame = dataset.create_dataset(
                        2024, "live", out=root / "all_tools.csv", cache_dir=root / "cache", workers=4, method=method,
                        openreview_url=openreview.url, archive_url=github.base_url, git_url=github.base_url,
                    )  # fmt: skip
                    frame_text = frame.to_csv()
                except Exception as error:
                    error_text = "".join(traceback.format_exception(error))
            used_token = any(
                CANARY_TOKEN in record.headers.get("authorization", "")
                or make_basic_credentials(CANARY_TOKEN) in record.headers.get("authorization", "")
                for record in github.log
            )
            in_paths = [r.path for r in github.log if find_secrets(r.path)] + [
                p for p in openreview.requests if find_secrets(p)
            ]
            logins = openreview.logins
        leaks = [f"output: {label}" for label in find_secrets(output["text"])]
        leaks += [f"file {hit}" for hit in find_secrets_in_files(root)]
        leaks += [f"dataset: {label}" for label in find_secrets(frame_text)]
        leaks += [f"exception: {label}" for label in find_secrets(error_text)]
        leaks += [f"request path: {path}" for path in in_paths]
        problems = []
        if error_text:
            problems.append(f"the run crashed: {error_text[-300:]}")
        if not used_token or logins != 1:
            problems.append(f"canaries not used (token sent: {used_token}, OpenReview logins: {logins})")
        outcomes.append(
            Outcome(
                "secret",
                f"live run by {method}: output, logs, cache, CSV, reasons",
                not problems and not leaks,
                "; ".join(problems + leaks),
                crashed=bool(error_text),
                leaks=leaks,
            )
        )
    outcomes.append(run_refused_login_canaries(workdir / "refused"))
    return outcomes


def run_refused_login_canaries(workdir: Path) -> Outcome:
    """OpenReview refusing the login: the ServiceRefusedError and its cause chain hold no canary."""
    workdir.mkdir(parents=True)
    text = ""
    with FakeOpenReview(notes_v2=make_notes(["a/b"]), always="403") as openreview:
        with patched_env(SECRET_ENV), captured_output() as output:
            try:
                papers.fetch_notes(2024, baseurl=openreview.url, cache_dir=workdir, timeout=2, retries=0)
            except papers.ServiceRefusedError as error:
                text = "".join(traceback.format_exception(error))
    leaks = [f"exception: {label}" for label in find_secrets(text)]
    leaks += [f"output: {label}" for label in find_secrets(output["text"])]
    leaks += [f"file {hit}" for hit in find_secrets_in_files(workdir)]
    ok = bool(text) and not leaks
    detail = "; ".join(leaks) if text else "no ServiceRefusedError raised"
    return Outcome("secret", "refused OpenReview login: exception chain and output", ok, detail, leaks=leaks)


def run_notebook_canaries(workdir: Path, method: str = "clone") -> Outcome:
    """Render notebook 01 live against the fakes with canaries set; the rendered notebook holds none."""
    import papermill

    workdir.mkdir(parents=True, exist_ok=True)
    rendered = workdir / "01_rendered.ipynb"
    error_text = ""
    with FakeGitHub(hang_s=HANG_S) as github, FakeOpenReview(notes_v2=make_notes(SECRET_LINKS)) as openreview:
        serve_secret_world(github)
        env = {
            **SECRET_ENV,
            **fast_settings_env(),
            "ICLR_TOOLS_OPENREVIEW_URL": openreview.url,
            "ICLR_TOOLS_ARCHIVE_URL": github.base_url,
            "ICLR_TOOLS_GIT_URL": github.base_url,
        }
        with patched_env(env), captured_output() as output:
            try:
                papermill.execute_notebook(
                    PROJECT_ROOT / "notebooks" / "01_create_data.ipynb", rendered,
                    parameters={"year": 2024, "source": "live", "out_csv": str(workdir / "all_tools.csv"),
                                "cache_dir": str(workdir / "cache"), "workers": 2, "fetch_method": method},
                    cwd=PROJECT_ROOT, progress_bar=False, kernel_name="python3",
                )  # fmt: skip
            except Exception as error:
                error_text = "".join(traceback.format_exception(error))
        logins = openreview.logins
    leaks = [f"file {hit}" for hit in find_secrets_in_files(workdir)]
    leaks += [f"output: {label}" for label in find_secrets(output["text"])]
    leaks += [f"exception: {label}" for label in find_secrets(error_text)]
    problems = [f"the notebook failed: {error_text[-400:]}"] if error_text else []
    if (workdir / "all_tools.csv").is_file():
        statuses = set(dataset.read_dataset(workdir / "all_tools.csv")["status"])
        if not {"ok", "missing", "rate_limited", "http_error"} <= statuses:
            problems.append(f"unexpected statuses {sorted(statuses)}")
    else:
        problems.append("no CSV written")
    if logins != 1:
        problems.append(f"OpenReview logins: {logins} (the canary credentials were not used)")
    return Outcome(
        "secret",
        f"notebook 01 rendered live ({method}) with papermill",
        not problems and not leaks,
        "; ".join(problems + leaks),
        crashed=bool(error_text),
        leaks=leaks,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        child_main(json.loads(sys.argv[2]))
    elif sys.argv[1:] == ["noop"]:  # start-up time only (measure_startup)
        pass
    else:
        raise SystemExit("usage: robustness_cases.py child OPTIONS_JSON (started by run_interruptions)")


# --------------------------------------------------------------------------------------------------
# 6. Real git server faults: an absent blob, a stall mid-pack, refs as people write them
# --------------------------------------------------------------------------------------------------

GIT_CASE_FILES = {"a.py": b"import numpy\n", "b.py": b"import torch\n", "c.py": b"import jax\n"}
GIT_CASE_HISTORY = [("2021-03-01T12:00:00+00:00", {"old.py": b"import tensorflow\n"})]


def run_git_server_cases(workdir: Path) -> list[Outcome]:
    """Faults only a real git server shows, through fetch_repo_records: each one must cost no more than it must."""
    outcomes = []
    with FakeGitHub(hang_s=HANG_S) as github, fast_fetch_defaults():
        github.add_repo("git-fault/absent-blob", GIT_CASE_FILES)
        bare = Path(github.root) / "git-fault/absent-blob.git"
        oid = subprocess.run(
            ["git", f"--git-dir={bare}", "rev-parse", "HEAD:b.py"], capture_output=True, text=True
        )
        (bare / "objects" / oid.stdout[:2] / oid.stdout.strip()[2:]).unlink()
        github.add_repo("git-fault/stall", GIT_CASE_FILES)
        github.set_faults("git-fault/stall", [], kind="git", sticky="stall_pack")
        github.add_repo("git-fault/refs", GIT_CASE_FILES, history=GIT_CASE_HISTORY)
        first = subprocess.run(["git", f"--git-dir={Path(github.root) / 'git-fault/refs.git'}", "rev-list",
                                "--reverse", "main"], capture_output=True, text=True).stdout.split()[0]  # fmt: skip
        cases = [
            ("an absent blob costs only its file", {"repo": "git-fault/absent-blob", "ref": "", "subdir": ""},
             lambda r: r["status"] == "ok" and r["unreadable"] == ["b.py"] and sorted(r["imports"]) == ["a.py", "c.py"]),
            ("a stall mid-pack ends long before the budget", {"repo": "git-fault/stall", "ref": "", "subdir": ""},
             lambda r: r["status"] in ("timeout", "http_error")),
            ("a short SHA resolves", {"repo": "git-fault/refs", "ref": first[:7], "subdir": ""},
             lambda r: r["status"] == "ok" and r["commit"] == first and sorted(r["imports"]) == ["old.py"]),
            ("a vanished branch falls back to the default branch", {"repo": "git-fault/refs", "ref": "gone", "subdir": ""},
             lambda r: r["status"] == "ok" and "no longer exists" in r["read_at"]),
        ]  # fmt: skip
        for name, target, expected in cases:
            started = time.monotonic()
            try:
                found = fetch_repo_records(
                    [target],
                    cache_dir=workdir / "cache",
                    method="clone",
                    workers=1,
                    archive_url=github.base_url,
                    git_url=github.base_url,
                    stall_timeout=3.0,
                )
                record = found[(target["repo"], target["ref"], target["subdir"])]
            except Exception as error:  # a crash is an outcome
                outcomes.append(
                    Outcome("fault", f"git server: {name}", False, repr(error)[:200], crashed=True)
                )
                continue
            seconds = time.monotonic() - started
            ok = expected(record) and seconds < 60
            detail = f"{record['status']} in {seconds:.1f} s: {str(record.get('reason'))[:120]}"
            outcomes.append(Outcome("fault", f"git server: {name}", ok, detail))
    return outcomes


# Code released after the conference (issue 26): histories after the date that cannot be walked. Each repository
# holds only a README on 2023-04-01; commits of notes only (docs/) follow after the date (2023-05-01), then code.
LATER_DATE = "2023-05-01"
LATER_README = ("2023-04-01T12:00:00+00:00", {"README.md": b"code coming soon\n"})
LATER_CODE = ("2023-07-01T12:00:00+00:00", {"README.md": b"# code\n", "train.py": b"import torch\n"})


def make_later_history(readme_commits: int) -> list[tuple[str, dict]]:
    """A README before the date, `readme_commits` commits of notes after it (each a docs/ tree of its own), then
    code."""
    after = [(f"2023-05-{day + 2:02d}T12:00:00+00:00", {"README.md": b"soon\n", "docs/notes.md": b"%d\n" % day})
             for day in range(readme_commits)]  # fmt: skip
    return [LATER_README, *after, LATER_CODE]


def break_later_history(github: FakeGitHub, name: str, how: str) -> str:
    """Make a fake repository's history after the date unwalkable: delete the docs/ tree of its first ("broken")
    or ninth ("midway": after a first batch of trees was listed) commit after the date (its commits, and so the
    commit of the date, stay readable); return that first-day commit."""
    bare = Path(github.root) / f"{name}.git"

    def git(*args: str) -> str:
        return subprocess.run(["git", f"--git-dir={bare}", *args], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip

    commits = git("rev-list", "--reverse", "main").split()
    tree = git("rev-parse", f"{commits[1 if how == 'broken' else 9]}:docs")
    (bare / "objects" / tree[:2] / tree[2:]).unlink()
    return commits[0]


def run_later_history_cases(workdir: Path) -> list[Outcome]:
    """A history after the conference that cannot be walked (a broken repository, a listing that fails midway):
    the row keeps its first-day read, says why no later commit was read, and it is not cached (a rerun looks
    again)."""
    outcomes = []
    cases = [("broken", "a tree of the first later commit is missing", 1),
             ("midway", "the walk fails midway (at the 9th later commit, after 8 were listed)", 10)]  # fmt: skip
    with FakeGitHub(hang_s=HANG_S) as github, fast_fetch_defaults():
        for how, name, readme_commits in cases:
            repo = f"later-fault/{how}"
            github.add_repo(repo, {"train.py": b"import jax\n"}, history=make_later_history(readme_commits))
            first_day = break_later_history(github, repo, how)
            target = {"repo": repo, "ref": "", "subdir": ""}
            started = time.monotonic()
            try:
                record = fetch_repo_records([target], cache_dir=workdir / "cache", method="clone", workers=1,
                                            archive_url=github.base_url, git_url=github.base_url, as_of=LATER_DATE,
                                            later_code_days=365)[(repo, "", "")]  # fmt: skip
                row = extract_tools(record)
            except Exception as error:  # a crash is an outcome
                outcomes.append(
                    Outcome("fault", f"later history: {name}", False, repr(error)[:200], crashed=True)
                )
                continue
            seconds = time.monotonic() - started
            cached = read_cached_record(workdir / "cache", target, LATER_DATE, 365)
            ok = (row["status"] == "later_unknown" and record["commit"] == first_day
                  and row["read_at"] == f"the last commit before {LATER_DATE}"
                  and "so no later commit was looked for" in row["reason"] and cached is None and seconds < 60)  # fmt: skip
            detail = f"{row['status']} in {seconds:.1f} s: {row['reason'][:160]}"
            outcomes.append(Outcome("fault", f"later history: {name}", ok, detail))
    return outcomes
