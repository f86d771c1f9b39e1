"""Settings of a run: where it caches, how many repositories it fetches at once, timeouts, caps, service URLs.

One frozen dataclass, passed down from `create_dataset` to every stage that does I/O. Change a value with
keyword arguments (`create_dataset(2020, "live", workers=4)`) or `dataclasses.replace`. `Settings.from_env()`
also reads `ICLR_TOOLS_<FIELD>` environment variables (e.g. `ICLR_TOOLS_GIT_URL` for a mirror of GitHub), so a
notebook run by papermill can be pointed elsewhere without a parameter.

>>> Settings(workers=2).workers
2
>>> resolve_settings(None, {"refresh": True}).refresh
True
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CODELOAD_URL = "https://codeload.github.com"
GITHUB_GIT_URL = "https://github.com"
ENV_PREFIX = "ICLR_TOOLS_"


@dataclass(frozen=True)
class Settings:
    """How a run fetches, caches and waits; every field has a measured or documented default."""

    cache_dir: str | Path = "cache"  # OpenReview answers, raw repository files, scanned facts
    workers: int = 8  # repositories fetched at once
    # Measured on the fake GitHub (200 .py files + a 50 MB data file + 3 x 5 MB images; scan files 0.53 MB): the
    # archive sends 68.3 MB (128x the scan bytes), the partial clone 0.16 MB (0.3x); with 50 ms latency and 2 MB/s,
    # 32.6 s against 0.41 s. On a 0.4 MB repository the archive is quicker (0.16 s against 0.42 s) but still 2.3x.
    method: str = "clone"  # "clone" (blob-less partial clone; archive when git is missing) or "archive"
    refresh: bool = False  # True: ignore the cache and fetch everything again
    as_of: str = "conference"  # read code as of: "conference" (its first day), "latest", or a date YYYY-MM-DD
    openreview_url: str = ""  # "" means OpenReview's own API for the year (v1 or v2)
    archive_url: str = CODELOAD_URL  # where tar.gz archives come from
    git_url: str = GITHUB_GIT_URL  # where git clones come from
    timeout: float = (
        30.0  # connect and per-read socket timeout of an HTTP request (git's connect too), seconds
    )
    total_timeout: float = 600.0  # wall-clock budget for one repository, seconds
    stall_timeout: float = 30.0  # a transfer that receives nothing for this long is ended, seconds
    input_timeout: float = 10.0  # a git command that takes none of its remaining input for this long is ended
    retries: int = 4  # HTTP retries of one archive request (429, 5xx, resets)
    clone_retries: int = 2  # whole partial-clone attempts after a rate limit or server error
    backoff_factor: float = 1.0  # exponential backoff base between retries, seconds
    max_file_bytes: int = 5 * 2**20  # a scan file larger than this is listed but not read
    max_repo_bytes: int = 2 * 2**30  # an archive expanding past this is refused
    openreview_timeout: float = 60.0  # per-request timeout of the OpenReview client, seconds
    openreview_retries: int = 6  # retries of one OpenReview request
    pdf_links: bool = True  # live runs of years without a code field: read code links from each paper's PDF
    links_file: str = (
        ""  # live runs: a CSV or JSON of forum id -> code URL to add (e.g. a published data set)
    )

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then `ICLR_TOOLS_<FIELD>` environment variables, then `overrides`."""
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            raw = os.environ.get(ENV_PREFIX + spec.name.upper())
            if raw is not None:
                values[spec.name] = parse_setting(spec.name, raw, type(spec.default))
        return cls(**{**values, **overrides})


DEFAULTS = Settings()  # the defaults alone (no environment): the keyword defaults of the low-level functions


def parse_setting(name: str, raw: str, kind: type) -> Any:
    """An environment variable's text as the field's type, or a ValueError naming the variable."""
    try:
        if kind is bool:
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        return kind(raw)
    except ValueError:
        raise ValueError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}: fix or unset it"
        ) from None


def resolve_settings(settings: Settings | None, options: dict[str, Any]) -> Settings:
    """`settings` (or the environment's) with keyword `options` applied; an unknown option names itself."""
    names = {spec.name for spec in dataclasses.fields(Settings)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(f"unknown setting(s) {unknown}: the settings are {sorted(names)}")
    base = settings or Settings.from_env()
    return dataclasses.replace(base, **options) if options else base
