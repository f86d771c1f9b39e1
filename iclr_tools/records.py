"""Stages 3 and 4 run together: repository records from a snapshot or the layered cache, fetching what is missing.

The cache under `settings.cache_dir`, in layers like a data pipeline's raw / interim / processed:

- `raw/refs/KEY.json`: how a target (repository, ref, folder) was resolved: its commit, or a final failure
  (gone, too large) with the reason; transient failures are never cached, so a rerun retries them;
- `raw/files/OWNER__NAME/COMMIT[__FOLDER].tar.gz`: the files the scan needs, per (repository, commit, folder),
  compressed, with the listing of every file;
- `facts/OWNER__NAME/COMMIT[__FOLDER].json`: what the scan read from them, stamped with `scanner_version`;
  facts of another version are re-scanned from the raw files without a network request;
- the dataset itself is always derived afresh from the facts (stage 5 on), so a change to the tool mapping
  needs no re-scan.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any

from .fetch import fetch_many, fetch_repo, is_git_available
from .files import read_json, read_stamped_json, write_bytes_atomic, write_json_atomic, write_text_atomic
from .github import FetchResult, find_as_of_date
from .scan import PYTHON_SUFFIXES, SCANNER_VERSION, extract_repo_facts, is_scan_file
from .settings import Settings, resolve_settings
from .venues import FIRST_YEAR, find_cutoff

FINAL_STATUSES = {"ok", "missing", "too_large"}  # cached; anything else is retried on rerun
GIVE_UP_AFTER_RUNS = 3  # the run on which files whose transfer keeps failing are given up (listed unreadable)
LISTING_NAME = "listing.json"  # inside a raw archive, beside `files/...`
LATER_KEYS = ("days_after", "later_none", "later_unknown")  # what a read of code released later notes
RECORDED_LATER_DAYS = 365  # the window of the recorded later reads (`repos_later/`: "within a year")


def make_subdir_suffix(subdir: str) -> str:
    """`__FOLDER` naming a folder in a file name ('' for the whole repository): `a/b c` -> `__a_b_c`, as the
    recorded folders of ../shared name it.

    >>> make_subdir_suffix("a/b c"), make_subdir_suffix("")
    ('__a_b_c', '')
    """
    return "__" + re.sub(r"[/\s]", "_", subdir) if subdir else ""


def target_key(repo: str, subdir: str = "", ref: str = "") -> str:
    """File stem of a target's record: `owner__name[__sub_dir][@ref]` (the naming of ../shared)."""
    key = repo.replace("/", "__") + make_subdir_suffix(subdir)
    if ref:
        key += "@" + re.sub(r"[^\w.-]", "_", ref)
    return key


def make_commit_stem(repo: str, commit: str, subdir: str) -> str:
    """`OWNER__NAME/COMMIT[__FOLDER]`: where one (repository, commit, folder) is kept in the raw and facts layers."""
    return f"{repo.replace('/', '__')}/{commit}{make_subdir_suffix(subdir)}"


def make_refs_path(cache: Path, target: dict, as_of: str = "", later_code_days: int = 0) -> Path:
    """Where the ref -> commit resolution (or final failure) of a target, read as of a date (and with the window
    of code released later, `~later365`), is cached; a file of another rule is never read for this one."""
    key = target_key(target["repo"], target["subdir"], target["ref"])
    later = f"~later{later_code_days}" if as_of and later_code_days else ""
    return cache / "raw" / "refs" / f"{key}~{as_of or 'latest'}{later}.json"


def is_code_file(path: str) -> bool:
    """Whether a file is code in the sense of the reading rule: a `.py`, `.ipynb` or `.pyx` file."""
    return path.endswith(PYTHON_SUFFIXES)


def find_later_code_days(settings: Settings) -> int:
    """The window of code released later that applies to a run: `later_code_days` for a clone read as of a date,
    else 0 (today's head, or an archive, which has no history)."""
    dated = find_as_of_date(settings) and settings.method == "clone" and is_git_available()
    return settings.later_code_days if dated else 0


def read_snapshot_missing(snapshot_dir: str | Path) -> dict[tuple[str, str], str]:
    """(repo, subdir) -> reason for the linked repositories a snapshot could not record."""
    path = Path(snapshot_dir) / "repos_missing.json"
    rows = read_json(path) if path.is_file() else []
    return {(row["repo"], row.get("subdir") or ""): row.get("why", "not recorded") for row in rows}


def read_snapshot_record(snapshot_dir: str | Path, target: dict, missing: dict) -> dict | None:
    """A target's record from a recorded snapshot folder, read as facts of the snapshot's own version, or None."""
    path = Path(snapshot_dir) / "repos" / f"{target_key(target['repo'], target['subdir'])}.json"
    if path.is_file():
        return {
            "status": "ok",
            "reason": "",
            "scanner_version": "recorded",
            **read_json(path),
            "origin": "snapshot",
        }
    why = missing.get((target["repo"], target["subdir"]))
    if why is not None:
        return {"repo": target["repo"], "subdir": target["subdir"], "status": "missing", "reason": why,
                "origin": "snapshot"}  # fmt: skip
    return None


def read_snapshot_later_none(snapshot_dir: str | Path) -> dict[tuple[str, str], str] | None:
    """(repo, subdir) -> why for the repositories `repos_later/none.json` lists (no code within a year, or a
    history not recorded); None when the folder records no later reads at all (ICLR 2018)."""
    folder = Path(snapshot_dir) / "repos_later"
    if not folder.is_dir():
        return None
    path = folder / "none.json"
    rows = read_json(path) if path.is_file() else []
    return {(row["repo"], row.get("subdir") or ""): row.get("why", "no later read recorded") for row in rows}


def read_snapshot_later(
    snapshot_dir: str | Path, target: dict, record: dict, later_code_days: int, none: dict | None
) -> dict:
    """A recorded first-day `record` with the rule of code released later applied: the record itself where it
    holds code, where the window is 0 or where the folder records no later reads (`none` is None); else its
    recorded later read (`repos_later/`) within `later_code_days`, or the first-day record saying why there is
    none: `later_none` (no code came in the window) or `later_unknown` (its later history is not known)."""
    files = record.get("files") or []
    if (
        not later_code_days
        or none is None
        or record.get("status") != "ok"
        or any(is_code_file(p) for p, _ in files)
    ):
        return record
    path = Path(snapshot_dir) / "repos_later" / f"{target_key(target['repo'], target['subdir'])}.json"
    if path.is_file():
        later = read_json(path)
        if int(later["days_after"]) <= later_code_days:
            return {
                "status": "ok",
                "reason": "",
                "scanner_version": "recorded",
                **later,
                "origin": "snapshot",
            }
        return {**record, "later_none": f"its first code came {later['days_after']} days after the conference, "
                f"after the {later_code_days} days of later_code_days"}  # fmt: skip
    why = none.get((target["repo"], target["subdir"]))
    if why is None:
        return {**record, "later_unknown": "repos_later/ records no later read of it"}
    if why.startswith("no code within") and later_code_days <= RECORDED_LATER_DAYS:
        return {**record, "later_none": f"{why} (recorded)"}
    if why.startswith("no code within"):
        return {
            **record,
            "later_unknown": f"{why}, and later_code_days={later_code_days} is longer than that",
        }
    return {**record, "later_unknown": why}


def write_raw_files(path: Path, result: FetchResult) -> None:
    """The kept files of a fetch and the listing of every file, as one compressed tar (atomically)."""
    listing = {"files": result.files, "symlinks": result.symlinks, "submodules": result.submodules,
               "skipped": result.skipped}  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        members = [(LISTING_NAME, json.dumps(listing, ensure_ascii=True).encode())]
        members += [(f"files/{name}", data) for name, data in sorted(result.contents.items())]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    write_bytes_atomic(path, buffer.getvalue())


def read_raw_files(path: Path) -> FetchResult | None:
    """A fetch rebuilt from its raw archive (status ok, nothing received), or None if it cannot be read."""
    result = FetchResult(status="ok", reason="")
    listing = None
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar:
                handle = tar.extractfile(member) if member.isreg() else None
                if handle is None:
                    continue
                if member.name == LISTING_NAME:
                    listing = json.loads(handle.read())
                elif member.name.startswith("files/"):
                    result.contents[member.name.removeprefix("files/")] = handle.read()
        result.files = [(str(name), int(size)) for name, size in listing["files"]]
        result.symlinks, result.submodules = list(listing["symlinks"]), list(listing["submodules"])
        result.skipped = [(str(name), str(why)) for name, why in listing["skipped"]]
    except (OSError, tarfile.TarError, EOFError, ValueError, TypeError, KeyError):
        return None  # not a raw archive this code wrote (or a half-written one): fetched again
    return result


def lacks_wanted_files(result: FetchResult) -> bool:
    """Whether the scan now wants a file the raw layer did not keep (the scan's file choice has changed)."""
    skipped = {name for name, _ in result.skipped}
    return any(
        is_scan_file(name) and name not in result.contents and name not in skipped for name, _ in result.files
    )


def scan_result(target: dict, result: FetchResult, fetch: dict) -> dict:
    """The facts record of a fetched target, stamped with the scanner version."""
    extra = {key: value for key, value in fetch.items() if key not in ("repo", "subdir")}
    extra.update(symlinks=result.symlinks, submodules=result.submodules, skipped=result.skipped,
                 scanner_version=SCANNER_VERSION)  # fmt: skip
    record = extract_repo_facts(target["repo"], target["subdir"], result.files, result.contents, **extra)
    prefix = f"{target['subdir']}/" if target["subdir"] else ""
    record["unreadable"] += [prefix + path for path, why in result.skipped if why.startswith("unreadable")]
    return record


def read_cached_record(
    cache_dir: str | Path, target: dict, as_of: str = "", later_code_days: int = 0
) -> dict | None:
    """A target's record from the cache layers, re-scanning cached raw files where the scanner changed; else None."""
    cache = Path(cache_dir)
    fetch = read_stamped_json(make_refs_path(cache, target, as_of, later_code_days))
    if fetch is None or fetch.get("status") not in FINAL_STATUSES:
        return None
    if fetch["status"] == "ok" and not (isinstance(fetch.get("commit"), str) and fetch["commit"].isalnum()):
        return None  # not a record this code wrote: fetched again
    if fetch["status"] != "ok":
        return {"repo": target["repo"], "subdir": target["subdir"], **fetch, "origin": "cache"}
    stem = make_commit_stem(target["repo"], fetch["commit"], target["subdir"])
    facts = read_stamped_json(cache / "facts" / f"{stem}.json", scanner_version=SCANNER_VERSION)
    if facts is not None:
        facts = {key: value for key, value in facts.items() if key not in LATER_KEYS}  # the fetch's notes win
        return {**facts, **fetch, "origin": "cache"}
    result = read_raw_files(cache / "raw" / "files" / f"{stem}.tar.gz")
    if result is None or lacks_wanted_files(result):
        return None
    record = scan_result(target, result, fetch)
    write_json_atomic(cache / "facts" / f"{stem}.json", record)
    return {**record, "origin": "rescanned"}


def store_fetch(
    cache_dir: str | Path, target: dict, result: FetchResult, as_of: str = "", later_code_days: int = 0
) -> dict:
    """Scan a fetch and cache it in layers (ref -> commit, raw files, facts); a transient failure is not cached,
    nor is the commit of a target whose later history could not be walked (a rerun looks again)."""
    cache = Path(cache_dir)
    fetch = {"repo": target["repo"], "subdir": target["subdir"], "ref": target["ref"], "status": result.status,
             "reason": result.reason, "commit": result.commit, "method": result.method,
             "bytes_received": result.bytes_received, "read_at": result.read_at, "as_of": as_of}  # fmt: skip
    later = {key: getattr(result, key) for key in LATER_KEYS}
    fetch.update({key: value for key, value in later.items() if value not in (None, "")})
    if result.status == "ok" and not result.commit:  # nothing to key the raw files by: scanned, not cached
        return scan_result(target, result, fetch)
    record = dict(fetch)
    if result.status == "ok":
        stem = make_commit_stem(target["repo"], result.commit, target["subdir"])
        write_raw_files(cache / "raw" / "files" / f"{stem}.tar.gz", result)
        record = scan_result(target, result, fetch)
        write_json_atomic(cache / "facts" / f"{stem}.json", record)
    if result.status in FINAL_STATUSES and not result.later_unknown:
        write_json_atomic(make_refs_path(cache, target, as_of, later_code_days), fetch)
    return record


def fetch_repo_record(target: dict, *, settings: Settings, token: str | None) -> dict:
    """Fetch one target's scan files, then scan and cache them (`store_fetch`).

    A transfer error is not cached, so the next run retries; from the third run on, files whose transfer still
    fails are given up and listed as unreadable, and the repository is cached with the rest.
    """
    owner, name = target["repo"].split("/", 1)
    cache = Path(settings.cache_dir)
    days = find_later_code_days(settings)
    attempts_path = make_refs_path(cache, target, find_as_of_date(settings), days).with_suffix(".attempts")
    runs = read_attempts(attempts_path)
    result = fetch_repo(
        owner, name, target["ref"], target["subdir"], cache / "work", keep=is_scan_file, settings=settings,
        token=token, give_up_on_files=runs + 1 >= GIVE_UP_AFTER_RUNS, has_code=is_code_file,
    )  # fmt: skip
    if result.status in FINAL_STATUSES:
        attempts_path.unlink(missing_ok=True)
    else:
        write_text_atomic(attempts_path, str(runs + 1))
    as_of = find_as_of_date(settings) if result.method == "clone" else ""  # an archive read today's head
    days = days if as_of else 0
    return {**store_fetch(settings.cache_dir, target, result, as_of, days), "origin": "fetched"}


def read_attempts(path: Path) -> int:
    """How many earlier runs failed to fetch a target (0 when none, or when the count is unreadable)."""
    try:
        return max(0, int(path.read_text(encoding="utf-8").strip()))
    except (OSError, ValueError):
        return 0


def sweep_leftovers(cache_dir: str | Path) -> None:
    """Remove what an interrupted run left in the cache: clone work folders and unfinished `*.tmp` files."""
    shutil.rmtree(Path(cache_dir) / "work", ignore_errors=True)
    for layer in ("raw", "facts"):
        for tmp in (Path(cache_dir) / layer).rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def describe_origins(records: dict) -> str:
    """One line on where the records came from: snapshot, cache, re-scanned from cached files, fetched."""
    counts = Counter(record.get("origin", "fetched") for record in records.values())
    parts = [f"{counts[origin]} {label}" for origin, label in (
        ("snapshot", "from the snapshot"), ("cache", "from the cache"),
        ("rescanned", "re-scanned from cached files (the scanner changed)"), ("fetched", "fetched"),
        ("not_recorded", "not in the snapshot"),
    ) if counts[origin]]  # fmt: skip
    return f"{len(records)} repository records: " + (", ".join(parts) or "none")


def fetch_repo_records(
    targets: list[dict],
    settings: Settings | None = None,
    *,
    snapshot_dir: str | Path | None = None,
    offline: bool = False,
    year: int | None = None,
    venue: str = "iclr",
    **options: Any,
) -> dict[tuple[str, str, str], dict]:
    """Records of all targets: from a snapshot, the cache, or fetched (`workers` at once, with a progress bar).

    Keyword `options` override single settings (`cache_dir=...`, `workers=...`, `method=...`, `refresh=...`).
    `settings.as_of` "conference" reads each repository as of `year`'s conference of `venue` (it needs the year).
    """
    settings = resolve_settings(settings, options)
    if settings.as_of == "conference" and year is None:
        raise ValueError("as_of='conference' needs the ICLR year: pass year=..., or as_of='latest' or a date")
    settings = dataclasses.replace(settings, as_of=find_cutoff(year or FIRST_YEAR, settings.as_of, venue))
    cache_as_of = find_as_of_date(settings) if settings.method == "clone" and is_git_available() else ""
    later_days = find_later_code_days(settings)
    records: dict[tuple[str, str, str], dict] = {}
    missing = read_snapshot_missing(snapshot_dir) if snapshot_dir else {}
    none_later = read_snapshot_later_none(snapshot_dir) if snapshot_dir else None
    to_fetch = []
    for target in targets:
        key = (target["repo"], target["ref"], target["subdir"])
        record = read_snapshot_record(snapshot_dir, target, missing) if snapshot_dir else None
        if record is not None and snapshot_dir:  # recorded at the conference: code released later, recorded
            record = read_snapshot_later(snapshot_dir, target, record, settings.later_code_days, none_later)
        if record is None and not settings.refresh:
            record = read_cached_record(
                settings.cache_dir, target, cache_as_of, later_days
            )  # an archive reads today's head
        if record is None and offline:
            record = {**target, "status": "not_recorded", "reason": "not in the snapshot and offline: not fetched",
                      "origin": "not_recorded"}  # fmt: skip
        if record is None:
            to_fetch.append(target)
        else:
            records[key] = record
    if to_fetch:
        sweep_leftovers(settings.cache_dir)
        token = os.environ.get("GITHUB_TOKEN") or None
        fetched = dict(
            fetch_many(
                to_fetch,
                lambda target: fetch_repo_record(target, settings=settings, token=token),
                settings.workers,
                "repositories",
            )
        )  # fmt: skip  (in the order they end; stored below in the targets' order)
        for index, target in enumerate(to_fetch):
            result = fetched[index]
            if not isinstance(result, dict):  # fetch_many turned an exception into a failed FetchResult
                result = {**target, "status": result.status, "reason": result.reason, "origin": "fetched"}
            records[(target["repo"], target["ref"], target["subdir"])] = result
    print(describe_origins(records))
    return records
