"""HTTP plumbing shared by the OpenReview and GitHub stages: a bounded retry policy, a pool for many threads,
and every rate-limit wait (what a response's headers ask, capped at the service's window and said aloud).

Both header kinds are read: OpenReview's `ratelimit-reset` counts seconds (the IETF draft's RateLimit fields),
GitHub's `x-ratelimit-reset` is an epoch time; a refusal's `Retry-After` (seconds or an HTTP date) comes
first.

>>> parse_rate_limit_wait({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000060"}, now=1000000.0)
RateLimitWait(exhausted=True, seconds=60.0, header='x-ratelimit-reset')
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import urllib3
from urllib3.util.retry import Retry

from .settings import DEFAULTS

USER_AGENT = "iclr-tools-scan/0.1 (+dependency scan; urllib3)"
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0  # never sleep longer than this on a Retry-After header
MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)


class CappedRetry(Retry):
    """urllib3 Retry that obeys Retry-After but never sleeps longer than RETRY_AFTER_MAX_S (any urllib3 2.x)."""

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait from a Retry-After header, capped."""
        return min(super().parse_retry_after(retry_after), RETRY_AFTER_MAX_S)


def make_retry(
    retries: int = DEFAULTS.retries,
    backoff_factor: float = DEFAULTS.backoff_factor,
    retry_class: type[CappedRetry] = CappedRetry,
) -> Retry:
    """Retry policy: connect/read/status retries with bounded backoff, Retry-After obeyed but capped."""
    return retry_class(
        total=None,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=MAX_REDIRECTS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX_S,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=True,
    )


def make_http_pool(maxsize: int = 16, timeout: float = DEFAULTS.timeout) -> urllib3.PoolManager:
    """A PoolManager for many threads: `maxsize` connections per host, default retries and timeouts."""
    return urllib3.PoolManager(
        num_pools=8,
        maxsize=maxsize,
        block=False,
        retries=make_retry(),
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        headers={"User-Agent": USER_AGENT},
    )


@functools.lru_cache(maxsize=1)
def get_default_pool() -> urllib3.PoolManager:
    """The process-wide shared PoolManager used when a caller passes none."""
    return make_http_pool()


# ---- rate limits: one reading of the headers, one capped and announced wait ----

RATE_LIMIT_WINDOWS_S = {  # the longest a service's limit lasts: no wait is ever longer
    "OpenReview": 3600.0,  # `ratelimit-policy: 500;w=3600` (../shared/openreview_samples)
    "GitHub": 3600.0,  # the REST API's primary limit is per hour; secondary limits ask less in `retry-after`
}
OPENREVIEW_REQUESTS_PER_WINDOW = 500  # `ratelimit-policy: 500;w=3600`: requests per window, logged in
# GitHub refuses a used-up limit with 403 (none remaining) or 429, both maybe with `retry-after`; OpenReview: 429
REFUSED_STATUSES = (403, 429)


@dataclass(frozen=True)
class RateLimitWait:
    """What a response's rate-limit headers ask: whether the limit is used up, and the seconds until it resets
    (uncapped; None when no header says), read from `header`."""

    exhausted: bool
    seconds: float | None = None
    header: str = ""

    def beyond(self, cap_s: float) -> bool:
        """Whether the limit is used up for longer than `cap_s` (or for a time no header gives)."""
        return self.exhausted and (self.seconds is None or self.seconds > cap_s)


def parse_seconds(value: str) -> float | None:
    """A header's non-negative finite number, or None when it holds none."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds from a Retry-After header, delta-seconds or an HTTP date (RFC 9110), at least 0; or None."""
    seconds = parse_seconds(value)
    if seconds is not None:
        return seconds
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now) if moment.tzinfo else None  # a date without a zone is no date


def parse_epoch_reset(value: str, now: float) -> float | None:
    """Seconds from `now` to an epoch-time reset header (GitHub's `x-ratelimit-reset`), at least 0; or None."""
    moment = parse_seconds(value)
    return None if moment is None else max(0.0, moment - now)


def parse_rate_limit_wait(headers: Mapping[str, str], now: float, status: int = 200) -> RateLimitWait:
    """What `headers` (of an answer with `status`, received at epoch time `now`) ask: the limit is used up
    when the answer is a 429, a 403 with no requests remaining or a `retry-after`, or any answer with none
    remaining; the wait is `retry-after` (on a refusal), else `ratelimit-reset` (seconds), else
    `x-ratelimit-reset` (epoch)."""
    fields = {str(name).lower(): str(value) for name, value in headers.items()}
    remaining = parse_seconds(fields.get("ratelimit-remaining") or fields.get("x-ratelimit-remaining") or "")
    refused = status == 429 or (status == 403 and (remaining == 0 or "retry-after" in fields))
    if not refused and remaining != 0:
        return RateLimitWait(exhausted=False)
    readings = {
        "retry-after": lambda value: parse_retry_after(value, now) if status in REFUSED_STATUSES else None,
        "ratelimit-reset": parse_seconds,
        "x-ratelimit-reset": lambda value: parse_epoch_reset(value, now),
    }  # in this order: the first header that gives a time wins
    for header, read in readings.items():
        seconds = read(fields[header]) if header in fields else None
        if seconds is not None:
            return RateLimitWait(exhausted=True, seconds=seconds, header=header)
    return RateLimitWait(exhausted=True)


def print_to_stderr(message: str) -> None:
    """Say `message` on standard error (where progress and waits are told, away from a notebook's results)."""
    print(message, file=sys.stderr)


def wait_for_rate_limit(
    headers: Mapping[str, str],
    service: str,
    cap_s: float | None = None,
    status: int = 200,
    log: Callable[[str], None] = print_to_stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> float:
    """Sleep until `service`'s used-up rate limit resets, as `headers` ask, but never longer than `cap_s` nor
    the service's window, saying how long; the seconds slept (0 when the limit is not used up or no header
    says when it resets). A wait cut by the cap leaves the limit used up: a caller that would rather stop
    than wait asks `parse_rate_limit_wait(...).beyond(cap_s)` first."""
    if service not in RATE_LIMIT_WINDOWS_S:
        known = sorted(RATE_LIMIT_WINDOWS_S)
        raise ValueError(f"unknown service {service!r} for a rate-limit wait: expected one of {known}")
    window = RATE_LIMIT_WINDOWS_S[service]
    cap = window if cap_s is None else min(cap_s, window)
    wait = parse_rate_limit_wait(headers, clock(), status)
    if not wait.exhausted or not wait.seconds:
        return 0.0
    seconds = min(wait.seconds, cap)
    why = "for it to reset" if seconds == wait.seconds else f"(capped: it resets in {wait.seconds:.0f} s)"
    log(f"{service}'s rate limit is reached: waiting {seconds:.0f} s {why}")
    sleep(seconds)
    return seconds
