"""Stage 3, fetch by clone, code released after the conference: where the commit of a date holds no code, the
first later commit that does, within a window, found by walking first-parent history with one tree listing per
candidate commit and no blob fetched."""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable

from .clone import GitError, GitLimits, parse_ls_tree, run_git
from .github import FetchResult

LATER_BATCH = 8  # later commits whose trees one request fetches while looking for the first with code


def holds_code(entries: list[tuple[str, str, str, str]], has_code: Callable[[str], bool]) -> bool:
    """Whether a tree listing holds a file (not a symlink or submodule) that `has_code` calls code."""
    return any(kind == "blob" and mode != "120000" and has_code(path) for mode, kind, _, path in entries)


def list_later_commits(
    first_day: str, as_of: str, days: int, temp: str, env: dict[str, str], limits: GitLimits
) -> list[tuple[str, int]]:
    """(commit, days after `as_of`) of the first-parent commits after `first_day` that are dated (UTC, committer
    date) at most `days` days after `as_of`, oldest first, from the commits `find_commit_as_of` fetched."""
    history = os.path.join(temp, "history")
    if run_git(["-C", history, "rev-parse", "--is-shallow-repository"], temp, env, limits).strip() == b"true":
        raise GitError(
            ["rev-list"], 1, "the server sent a shallow history, so the later commits are not all known"
        )
    listing = run_git(
        ["-C", history, "rev-list", "--first-parent", "--reverse", "--timestamp", "FETCH_HEAD"],
        temp,
        env,
        limits,
    )
    start = datetime.date.fromisoformat(as_of[:10])
    found: list[tuple[str, int]] = []
    seen_first_day = False
    for line in listing.decode("ascii").split("\n"):
        if not line.strip():
            continue
        stamp, commit = line.split(" ")
        if seen_first_day:
            day = datetime.datetime.fromtimestamp(int(stamp), datetime.UTC).date()
            if 0 <= (day - start).days <= days:
                found.append((commit, (day - start).days))
        seen_first_day = seen_first_day or commit == first_day
    if not seen_first_day:
        raise GitError(["rev-list"], 1, f"the commit read, {first_day[:12]}, is not on the walked history")
    return found


def find_first_commit_with_code(
    first_day: str,
    as_of: str,
    days: int,
    subdir: str,
    has_code: Callable[[str], bool],
    temp: str,
    env: dict[str, str],
    limits: GitLimits,
) -> tuple[str, int] | None:
    """(commit, days after `as_of`) of the first first-parent commit after `first_day`, within `days` of
    `as_of`, whose tree (the `subdir` folder of it) holds code; None when none does.

    The trees of `LATER_BATCH` candidates come in one blob-less depth-1 fetch, each listed once: no blob is
    fetched, so a repository read later costs its trees plus the blobs the scan then wants.
    """
    candidates = list_later_commits(first_day, as_of, days, temp, env, limits)
    scope = ["--", f"{subdir}/"] if subdir else []
    for start in range(0, len(candidates), LATER_BATCH):
        batch = candidates[start : start + LATER_BATCH]
        fetch = ["fetch", "-q", "--depth", "1", "--filter=blob:none", "--no-tags", "origin"]
        run_git([*fetch, *(commit for commit, _ in batch)], temp, env, limits)
        for commit, after in batch:
            entries = parse_ls_tree(run_git(["ls-tree", "-r", "-z", commit, *scope], temp, env, limits))
            if holds_code(entries, has_code):
                return commit, after
    return None


def make_later_reader(days: int, has_code: Callable[[str], bool] | None) -> Callable[..., list] | None:
    """What `clone.fetch_clone` calls with the tree listing of a date's commit to read code released later within
    `days` (`read_later_code`), or None when the window is 0 or nothing says what code is."""
    return functools.partial(read_later_code, days=days, has_code=has_code) if days and has_code else None


def read_later_code(
    result: FetchResult,
    entries: list[tuple[str, str, str, str]],
    as_of: str,
    subdir: str,
    temp: str,
    env: dict[str, str],
    limits: GitLimits,
    *,
    days: int,
    has_code: Callable[[str], bool],
) -> list[tuple[str, str, str, str]]:
    """The tree listing to read: `entries` where they hold code; else that of the first later commit with code
    within `days` (noted in `result`: commit, read_at, days_after), else `entries` again, `result` saying that
    none came (`later_none`) or why no later commit could be looked for (`later_unknown`)."""
    if holds_code(entries, has_code):
        return entries
    try:
        found = find_first_commit_with_code(
            result.commit or "", as_of, days, subdir, has_code, temp, env, limits
        )
    except GitError as error:
        why = (error.stderr.strip().splitlines() or [str(error)])[-1][:200]
        result.later_unknown = (
            f"the history after {as_of[:10]} could not be walked, so no later commit was looked for ({why}); "
            "a rerun tries again"
        )
        return entries
    if found is None:
        result.later_none = f"no commit with code within {days} days after {as_of[:10]}"
        return entries
    result.commit, result.days_after = found
    result.read_at = f"the first commit with code, {result.days_after} days after {as_of[:10]}"
    tree = f"{result.commit}:{subdir}" if subdir else result.commit
    return parse_ls_tree(run_git(["ls-tree", "-r", "-z", tree], temp, env, limits))
