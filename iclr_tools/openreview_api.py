"""Stage 1, papers (the service): a logged-in openreview-py client with timeouts, and what its refusals mean.

Since about August 2026 OpenReview serves no data to requests made without a login: it answers HTTP 200 with a
browser-challenge page ("Verifying your browser | OpenReview") or HTTP 403 `ChallengeRequiredError`. So a live
run reads `OPENREVIEW_USERNAME` / `OPENREVIEW_PASSWORD` (environment, or Colab secrets) before any request and
stops with a message naming them when they are missing. The login goes through the same timeout and rate-limit
policy as every other request, and never reaches openreview-py's interactive two-factor prompt (it would hang a
papermill run).

>>> explain_refusal(RuntimeError("{'name': 'ChallengeRequiredError'}"), "OpenReview", "https://x").split(".")[0]
'OpenReview at https://x answered with its browser challenge instead of data (HTTP 403 ChallengeRequiredError)'
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter

from .net import CappedRetry, make_retry, wait_for_rate_limit
from .settings import Settings, describe_embedded

API_V1_URL = "https://api.openreview.net"
API_V2_URL = "https://api2.openreview.net"  # where both APIs' logins go
CREDENTIALS = ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD")
CHALLENGE_TITLE = "Verifying your browser"
SESSION_S = 1800  # a login is reused this long within a process


class ServiceRefusedError(RuntimeError):
    """A remote service (OpenReview, GitHub) refused or failed a request; the message says what to do."""


class LoginRequiredError(ServiceRefusedError):
    """A live OpenReview run was asked for without OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD."""


LOGIN_HELP = (
    "OpenReview has answered requests made without a login with a browser challenge since about August 2026, "
    "so a live run needs an OpenReview account: set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD in the "
    "environment (in Colab: add them as secrets under the key icon and allow this notebook to read them)"
)


def describe_login_help() -> str:
    """What a live run without a login can do: log in, or read the embedded data, which needs none."""
    return f"{LOGIN_HELP}. Without an account: {describe_embedded()}"


def read_colab_secret(name: str) -> str:
    """A Colab secret's value, or '' outside Colab or where the notebook may not read it."""
    try:
        from google.colab import userdata  # type: ignore[import-not-found]

        return str(userdata.get(name) or "")
    except Exception:  # not in Colab, secret absent, or access not granted: all mean "not given"
        return ""


def read_credentials() -> tuple[str, str]:
    """OpenReview username and password from the environment or Colab secrets, or LoginRequiredError."""
    values = [os.environ.get(name) or read_colab_secret(name) for name in CREDENTIALS]
    missing = [name for name, value in zip(CREDENTIALS, values, strict=True) if not value]
    if missing:
        raise LoginRequiredError(f"{' and '.join(missing)} not set. {describe_login_help()}")
    return values[0], values[1]


class RateLimitRetry(CappedRetry):
    """urllib3 Retry that waits a 429 out as net.wait_for_rate_limit reads its headers (Retry-After, else
    OpenReview's `ratelimit-reset`), capped at the service's window and said aloud; other statuses back off as
    usual."""

    def sleep_for_retry(self, response: Any) -> bool:
        """Wait a 429's rate limit out; whether a header said how long (else urllib3 backs off)."""
        if response.status != 429:
            return super().sleep_for_retry(response)
        slept = wait_for_rate_limit(response.headers, "OpenReview", status=response.status, sleep=time.sleep)
        return slept > 0  # time.sleep looked up at each wait, as urllib3 does


def make_rate_limit_retry(retries: int) -> RateLimitRetry:
    """The retry policy of OpenReview requests: the project's bounded retry, waiting rate limits out; the
    login's POST is retried too (this client posts nothing else)."""
    return make_retry(retries, retry_class=RateLimitRetry).new(
        allowed_methods=frozenset({"GET", "HEAD", "POST"})
    )


class TimeoutAdapter(HTTPAdapter):
    """A requests adapter that gives every request a timeout (openreview-py sets none)."""

    def __init__(self, timeout: float, **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send with the adapter's timeout unless the caller gave one."""
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def skip_login(self: Any, *args: Any, **kwargs: Any) -> None:
    """Stand-in for openreview-py's login during construction (it would run before any timeout is set)."""


@functools.cache
def find_client_class(api: int) -> type:
    """openreview-py's client class of API `api`, with the login it makes at construction left out."""
    import openreview

    base = openreview.Client if api == 1 else openreview.api.OpenReviewClient
    return type(f"Deferred{base.__name__}", (base,), {"login_user": skip_login, "__doc__": base.__doc__})


@contextlib.contextmanager
def no_interactive_prompt() -> Iterator[None]:
    """Make openreview-py raise MfaRequiredException rather than prompt for a two-factor code (no public
    switch exists: its prompt runs whenever it sees a notebook or a terminal)."""
    from openreview import mfa

    interactive = mfa._is_interactive
    mfa._is_interactive = lambda: False
    try:
        yield
    finally:
        mfa._is_interactive = interactive


def login(client: Any, username: str, password: str) -> None:
    """Log `client` (API v2) in through its own adapter (timeouts, retries), never prompting."""
    import openreview

    with no_interactive_prompt():
        openreview.api.OpenReviewClient.login_user(client, username, password)


def build_client(api: int, baseurl: str, timeout: float, retries: int) -> Any:
    """An openreview-py client of API `api` with the run's timeout and retry policy, not yet logged in."""
    client = find_client_class(api)(baseurl=baseurl)
    adapter = TimeoutAdapter(timeout, max_retries=make_rate_limit_retry(retries), pool_maxsize=16)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


@functools.lru_cache(maxsize=8)
def open_session(
    baseurl: str, timeout: float, retries: int, username: str, password: str, period: int
) -> Any:
    """A logged-in API v2 client, made once per service, account and `period` (one login a run; a new one
    before OpenReview's session token, valid an hour by default, runs out)."""
    client = build_client(2, baseurl, timeout, retries)
    login(client, username, password)
    return client


def make_openreview_client(
    api: int,
    baseurl: str | None = None,
    timeout: float = 60,
    retries: int = 6,
    login_with: tuple | None = None,
) -> Any:
    """A logged-in openreview-py client for API `api` (1 or 2); `baseurl` serves both APIs and the login when
    given (a test server). Credentials are `login_with` or those of `read_credentials()`."""
    username, password = login_with or read_credentials()
    period = int(time.monotonic() // SESSION_S)
    session = open_session(baseurl or API_V2_URL, timeout, retries, username, password, period)
    if api == 2:
        return session
    client = build_client(1, baseurl or API_V1_URL, timeout, retries)
    client.token = session.token
    client.headers["Authorization"] = "Bearer " + session.token
    return client


def connect(settings: Settings, api: int = 2) -> Any:
    """The run's logged-in client of API `api` for `settings` (the session, and so the login, is shared)."""
    return make_openreview_client(
        api, settings.openreview_url or None, settings.openreview_timeout, settings.openreview_retries
    )


@contextlib.contextmanager
def explained_refusals(url: str) -> Iterator[None]:
    """Turn what the client or the network raises into a ServiceRefusedError that says what to do."""
    try:
        yield
    except ServiceRefusedError:
        raise
    except Exception as error:  # the client raises OpenReviewException, requests errors, ...
        raise ServiceRefusedError(explain_refusal(error, "OpenReview", url)) from error


def read_error_name(error: BaseException) -> str:
    """The `name` of an OpenReview error body (`ChallengeRequiredError`, `RateLimitError`, ...), or ''."""
    body = error.args[0] if error.args else None
    if isinstance(body, dict):
        return str(body.get("name") or "")
    match = re.search(r"['\"]name['\"]\s*:\s*['\"](\w+)['\"]", str(error))
    return match.group(1) if match else ""


def is_challenge_page(error: BaseException) -> bool:
    """Whether an error carries OpenReview's browser-challenge HTML (a 200 page where JSON was expected)."""
    page = getattr(error, "doc", None) or str(error)  # requests' JSONDecodeError keeps the text as `doc`
    return CHALLENGE_TITLE.lower() in str(page).lower()


def explain_refusal(error: BaseException, service: str, url: str) -> str:
    """One clear sentence on what a refused or failed request means and what to do about it."""
    text = str(error)
    low = text.lower()
    name = read_error_name(error)
    status = {int(code) for code in re.findall(r"(?<![\d.:])(40[13]|429)(?!\d)", low)}  # not ports or hosts
    if name == "MfaRequiredError" or "mfa" in name.lower():
        what = "asks this account for a two-factor code, which a scripted or papermill run cannot type"
        todo = (
            "use an OpenReview account without two-factor login for OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD. "
            f"Without one: {describe_embedded()}"
        )
    elif (
        name == "ChallengeRequiredError"
        or is_challenge_page(error)
        or isinstance(error, json.JSONDecodeError)
    ):
        kind = "HTTP 403 ChallengeRequiredError" if name else "a web page where data was expected"
        what = f"answered with its browser challenge instead of data ({kind})"
        todo = f"log in: {describe_login_help()}"
    elif "timed out" in low or "timeout" in low:  # before digits: its message holds URLs
        what = "did not answer in time"
        todo = "check your connection and rerun; nothing fetched so far is lost"
    elif name in ("RateLimitError", "TooManyRequestsError") or 429 in status or "too many" in low:
        what = "kept answering 'too many requests' (HTTP 429) after waiting out its limits"
        todo = "wait an hour and rerun (the cache keeps what was fetched)"
    elif 403 in status or "forbidden" in low or "challenge" in low or "cloudflare" in low:
        what = "refused the request (HTTP 403, often a bot challenge page)"
        todo = f"wait a few minutes and rerun; {describe_login_help()}"
    elif 401 in status or "credentials" in low or "password" in low or ("invalid" in low and "user" in low):
        what = "rejected the login"
        todo = (
            "check OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD (the account must be active on openreview.net)"
        )
    else:
        what = f"failed ({type(error).__name__}: {text[:200]})"
        todo = f"rerun later (the cache keeps what was fetched). Meanwhile: {describe_embedded()}"
    return f"{service} at {url} {what}. What to do: {todo}".rstrip(".") + "."
