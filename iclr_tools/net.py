"""HTTP plumbing shared by the OpenReview and GitHub stages: a bounded retry policy and a pool for many threads."""

from __future__ import annotations

import functools

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
