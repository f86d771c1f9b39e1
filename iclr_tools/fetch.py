"""Stage 3, fetch: one target by either way, and many targets at once in threads with a progress bar."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import urllib3
from tqdm import tqdm  # the text bar: it works in terminals, notebooks and rendered output alike

from .archive import fetch_archive
from .clone import fetch_clone
from .github import SHA_RE, FetchRequest, FetchResult, find_as_of_date
from .later import make_later_reader
from .settings import Settings, resolve_settings

T = TypeVar("T")


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
    keep: Callable[[str], bool],
    settings: Settings | None = None,
    token: str | None = None,
    pool: urllib3.PoolManager | None = None,
    give_up_on_files: bool = False,
    has_code: Callable[[str], bool] | None = None,
    **options: Any,
) -> FetchResult:
    """Fetch one target by `settings.method` ("clone" or "archive"), keeping the files `keep` wants.

    Keyword `options` override single settings (`method="archive"`); clone falls back to archive without git.
    With `has_code`, a clone read as of a date whose commit holds no code reads the first later commit with code
    within `settings.later_code_days` instead.
    """
    settings = resolve_settings(settings, options)
    if settings.as_of == "conference":
        raise ValueError(
            "as_of='conference' needs the ICLR year: resolve it to a date first, or pass as_of='latest'"
        )
    if settings.method not in ("clone", "archive"):
        raise ValueError(f"unknown fetch method {settings.method!r}: use 'clone' or 'archive'")
    read_later = make_later_reader(settings.later_code_days, has_code)
    request = FetchRequest(owner, repo, ref, subdir, keep, settings, token, give_up_on_files, read_later)
    if settings.method == "clone" and is_git_available():
        return fetch_clone(request, workdir)
    result = fetch_archive(request, pool)
    as_of = find_as_of_date(settings)
    history = f"; the last commit before {as_of} needs git" if as_of else ""
    result.read_at = f"the head of {ref or 'the default branch'} today (an archive has no history{history})"
    if (
        result.status == "missing" and ref and not SHA_RE.match(ref.lower())
    ):  # a branch that no longer exists?
        fallback = fetch_repo(
            owner, repo, None, subdir, workdir, keep=keep, settings=settings, token=token, pool=pool
        )
        if fallback.status == "ok":
            fallback.read_at = f"the ref {ref!r} the link names no longer exists: {fallback.read_at}"
            return fallback
    return result


def describe_exception(target: object, error: BaseException) -> FetchResult:
    """An `error` FetchResult for a target whose fetch raised."""
    return FetchResult(
        status="error",
        reason=(
            f"Fetching {target!r} raised {type(error).__name__}: {str(error)[:200]}; this is a bug: "
            "please report it with this message. A rerun retries this repository."
        ),
        method="",
    )


def fetch_many(
    targets: Iterable[T], fetch_one: Callable[[T], FetchResult], workers: int = 8, desc: str = "fetch"
) -> Iterator[tuple[int, FetchResult]]:
    """Run `fetch_one` on many targets in a thread pool; yield (index, result) as each ends, errors as results.

    Lazy: nothing runs until iterated. Results come in the order they end, so a slow target holds only its own
    worker while the others go on (sort by index for the input order); at most 2 x `workers` are submitted.
    """
    items = list(targets)
    waiting = iter(range(len(items)))
    running: dict[concurrent.futures.Future, int] = {}
    bar = tqdm(total=len(items), desc=desc, unit="repo")
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch")

    def submit_next() -> None:
        index = next(waiting, None)
        if index is not None:
            running[executor.submit(fetch_one, items[index])] = index

    try:
        for _ in range(max(1, workers) * 2):
            submit_next()
        while running:
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in sorted(finished, key=running.__getitem__):
                index = running.pop(future)
                error = future.exception()
                bar.update(1)
                submit_next()
                yield index, describe_exception(items[index], error) if error else future.result()
    finally:
        for future in running:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        bar.close()
