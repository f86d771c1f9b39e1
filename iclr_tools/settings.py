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

import csv
import dataclasses
import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]  # the project root (notebooks/, data/, cache/)
DATA_DIR = ROOT / "data"  # the embedded data of every recorded year, written by `make data` only
# The project's public repository: the Colab badges and setup cells (README, notebooks) clone it. A fork changes it
# here, and `make test` names every badge or setup cell that still says otherwise (README: "Colab and forks").
PROJECT_URL = "https://github.com/iclr-tools/iclr-tools"
CODELOAD_URL = "https://codeload.github.com"
GITHUB_GIT_URL = "https://github.com"
GITHUB_API_URL = "https://api.github.com"
ENV_PREFIX = "ICLR_TOOLS_"
VENUES = ("iclr", "neurips", "icml")  # the conferences the project reads, ICLR by default
VENUE_NAMES = {"iclr": "ICLR", "neurips": "NeurIPS", "icml": "ICML"}


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
    # where the commit read as of that date holds no code (.py, .ipynb, .pyx), the first later commit with code
    # within this many days is read instead (code released after the conference); 0: that date only
    later_code_days: int = 365
    openreview_url: str = ""  # "" means OpenReview's own API for the year (v1 or v2)
    archive_url: str = CODELOAD_URL  # where tar.gz archives come from
    git_url: str = GITHUB_GIT_URL  # where git clones come from
    # GitHub's REST API (an owner's repositories, listed to repair a cut name); "" means GitHub's own where
    # git_url is GitHub's, else git_url itself (a mirror or a local stand-in serving both), never a mix of the two
    api_url: str = ""
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

    def __post_init__(self) -> None:
        """Refuse, at once, the values a run cannot work with, naming the value and what to give instead."""
        if not isinstance(self.workers, int) or isinstance(self.workers, bool) or self.workers < 1:
            raise ValueError(
                f"workers={self.workers!r}: give how many repositories to fetch at once, 1 or more"
            )
        if self.method not in ("clone", "archive"):
            raise ValueError(f"fetch method {self.method!r} (fetch_method): use 'clone' or 'archive'")
        days = self.later_code_days
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError(
                f"later_code_days={days!r}: give how many days after the date a repository's first code may come "
                "(365 by default), or 0 to read the date only"
            )
        if self.as_of not in ("conference", "latest", "") and not is_iso_date(self.as_of):
            raise ValueError(
                f"as_of={self.as_of!r}: give 'conference', 'latest' or a date such as 2024-05-07"
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


def find_api_url(settings: Settings) -> str:
    """The GitHub API a run lists owners' repositories from: `api_url`, else GitHub's own when clones come
    from GitHub, else `git_url` (a run pointed at another GitHub never asks the real one).

    >>> find_api_url(Settings()), find_api_url(Settings(git_url="http://127.0.0.1:8000"))
    ('https://api.github.com', 'http://127.0.0.1:8000')
    """
    if settings.api_url:
        return settings.api_url
    return GITHUB_API_URL if settings.git_url.rstrip("/") == GITHUB_GIT_URL else settings.git_url


def is_iso_date(text: str) -> bool:
    """Whether `text` is a real calendar date written YYYY-MM-DD.

    >>> is_iso_date("2024-05-07"), is_iso_date("2024-02-30"), is_iso_date("May 7")
    (True, False, False)
    """
    try:
        return len(text) == 10 and datetime.date.fromisoformat(text).isoformat() == text
    except (TypeError, ValueError):
        return False


def read_embedded_years(data_dir: str | Path = DATA_DIR, venue: str = "iclr") -> list[int]:
    """The years of `venue` whose data the project embeds, from `data/years.csv` ([] without it)."""
    path = Path(data_dir) / "years.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted(int(row["year"]) for row in csv.DictReader(handle) if row.get("venue", "iclr") == venue)


def format_years(years: list[int], prose: bool = False) -> str:
    """Years as a reader writes them, runs of consecutive years as ranges: listed, a range from two years on
    (`none` for no year); in `prose`, a range from three years on and the last part joined by "and" (nothing
    for no year).

    >>> format_years([2018, 2019, 2020, 2022, 2024, 2025]), format_years([])
    ('2018-2020, 2022, 2024-2025', 'none')
    >>> format_years([2018, 2019, 2021, 2022, 2023, 2024], prose=True), format_years([2018, 2020], prose=True)
    ('2018, 2019 and 2021-2024', '2018 and 2020')
    """
    shortest = 3 if prose else 2
    parts = [f"{run[0]}-{run[-1]}" if len(run) >= shortest else ", ".join(map(str, run))
             for run in split_year_runs(years)]  # fmt: skip
    return format_list(parts) if prose else ", ".join(parts) or "none"


def format_list(items: list[str]) -> str:
    """`a, b and c`.

    >>> format_list(["53", "51", "65"]), format_list([])
    ('53, 51 and 65', '')
    """
    return "" if not items else items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def split_year_runs(years: list[int]) -> list[list[int]]:
    """Years in runs of consecutive years.

    >>> split_year_runs([2020, 2018, 2019, 2023])
    [[2018, 2019, 2020], [2023]]
    """
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return runs


def check_venue(venue: str) -> str:
    """The venue's key (lower case), or a ValueError naming the venues there are.

    >>> check_venue("NeurIPS")
    'neurips'
    """
    key = str(venue).strip().lower()
    if key not in VENUES:
        raise ValueError(f"unknown venue {venue!r}: use one of {', '.join(VENUES)} (-p venue neurips)")
    return key


def describe_embedded(data_dir: str | Path = DATA_DIR, year: int | None = None, venue: str = "iclr") -> str:
    """Where a reader finds data with no service and no login: the venue's embedded years, and the command that
    reads one (`year` if it is embedded, else the latest)."""
    years = read_embedded_years(data_dir, venue)
    name = VENUE_NAMES[check_venue(venue)]
    if not years:
        return f"This copy embeds no {name} year's data ({Path(data_dir).name}/years.csv lists none)."
    shown = year if year in years else years[-1]
    choose, prefix = ("", "") if venue == "iclr" else (f"-p venue {venue} ", venue)
    return (
        f"The project embeds {name} {format_years(years)}, read with no download and no login: "
        f"`mkdir -p out && papermill notebooks/02_analyse_tools.ipynb out/02_{prefix}{shown}.ipynb {choose}-p year {shown}`."
    )


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
