"""A local fake of the OpenReview REST API, for tests: the real openreview-py client talks to it over HTTP.

    with FakeOpenReview(notes_v1=notes, faults=["429"]) as srv:
        client = openreview.Client(baseurl=srv.url)                    # API v1
        client_v2 = openreview.api.OpenReviewClient(baseurl=srv.url)   # API v2, same server
        client.get_all_notes(invitation="ICLR.cc/2020/Conference/-/Blind_Submission", details="directReplies")
        srv.requests  # ['/notes?invitation=...&limit=1000&details=directReplies&sort=id', ...]

What openreview-py 2.9.1 sends (read from its source and checked by tests/test_openreview_server.py):

- Construction sends nothing unless credentials are given: `username`/`password` arguments, or the environment
  variables OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD, which BOTH clients read when no arguments are given
  (tests must clear them). A `token=` makes the client jwt-decode it (no signature check) and GET
  `/profiles?id=<user.profile.id>`; any failure there is swallowed.
- Login: POST `/login` with JSON `{"id": username, "password": ..., "expiresIn": ...}`; the answer must be
  `{"token": str, "user": {"profile": {"id": "~..."}, ...}}` (the token is not decoded at login). The API v1
  `Client` posts its login to `tools.get_base_urls(client)[1] + "/login"`, which for any baseurl other than
  (api|api2)[.dev].openreview.net is `http://localhost:3001` (or `$OPENREVIEW_API_V2_URL` read at import),
  NOT the given baseurl; only when that connection fails (after urllib3's one connect retry) does it post to
  `baseurl + "/login"`. The API v2 client posts to `baseurl + "/login"`.
- `get_all_notes(...)` (both versions) pages with `tools.efficient_iterget`: `GET /notes?<filters>&limit=1000
  &sort=id` first (v2 adds `count=true`), then `...&after=<id of the last note received>` (v2: `count=false`)
  until a page comes back EMPTY, so even a single page costs two requests. No `offset` is used. `count` in
  the first answer only sizes a progress bar. v2 filters arrive as `content.<field>=<value>`
  (e.g. `content.venueid`); v1 as `invitation=...`, `details=directReplies`.
- Answers are `{"notes": [...], "count": N}`; v1 notes have bare content values, v2 notes
  `{"content": {"title": {"value": ...}}}`, `invitations` (a list) and `domain`.

Like the live service since about August 2026 (../shared/openreview_samples), requests without the token this fake
hands out at `POST /login` get the browser challenge: HTTP 200 with the recorded "Verifying your browser" page
(`anonymous="challenge-200"`, the default) or HTTP 403 `ChallengeRequiredError` (`"challenge-403"`);
`anonymous="serve"` answers them as before the challenge. Note answers carry the recorded rate-limit headers
(`ratelimit-policy: 500;w=3600`, `ratelimit-remaining`, `ratelimit-reset`, one second here).

Faults of the live service: "challenge-200" / "challenge-403" (a data request challenged although logged in; a
login passes them by, so use them as `always`), "ratelimit" (429 `RateLimitError` with `ratelimit-reset: 1` and
no Retry-After), "mfa" (the login answers `mfaPending`, as for an account with two-factor login), "bad-login"
(the login answers 400).

What the client does with this server's older faults (urllib3 `Retry(total=8, connect=1, backoff_factor=1,
backoff_jitter=1, status_forcelist=[429, 500, 502, 503, 504], raise_on_status=False,
respect_retry_after_header=True)` on every GET; the first retry has no backoff, then 2, 4, 8, ... 120 s):

- "403" (Cloudflare challenge page): not retried; `openreview.OpenReviewException` whose `args[0]` is
  `{"name": "Error", "message": <the whole HTML page>}` (a JSON error body becomes `args[0]` as is).
- "429" / "500": retried; "429" sleeps the `Retry-After` seconds (1 here), "429-noretry" and "500" the
  backoff. If the fault outlasts the 8 retries the last answer is turned into `OpenReviewException` with the
  JSON body as `args[0]`, after ~8 s for 429 + Retry-After: 1, but about four minutes for a lasting 500.
  Each retry prints "Retrying request: ..." to stdout (v2 prints the whole response body, HTML included).
- "hang": the client sets NO timeout on any request, so it waits as long as the server does. With a timeout
  added by the caller, a read timeout is retried like a reset; once retries are exhausted it surfaces as
  `requests.exceptions.ConnectionError` (wrapping urllib3 `MaxRetryError`/`ReadTimeoutError`), not as
  `requests.exceptions.Timeout`.
- "reset" (connection closed with no answer): retried as a read error; once retries are exhausted
  `requests.exceptions.ConnectionError`. A refused connection (server down) is retried once, then also
  `requests.exceptions.ConnectionError`: callers must catch `requests.RequestException` besides
  `OpenReviewException`.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from fakes.local_server import LocalServer

FAULTS = ("403", "429", "429-noretry", "500", "hang", "reset", "challenge-200", "challenge-403", "ratelimit",
          "mfa", "bad-login")  # fmt: skip
ANONYMOUS = ("challenge-200", "challenge-403", "serve")  # how requests without a login token are answered

# What the live service answers (../shared/openreview_samples/README.md). The challenge page's title is the
# recorded one (the sample is trimmed to it); the JSON error bodies and the two-factor answer have no recorded
# sample and follow openreview-py 2.9.1's code (`name` read by `OpenReviewException`, `mfaPending` /
# `mfaPendingToken` / `mfaMethods` read by `login_user`).
CHALLENGE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Verifying your browser | OpenReview</title></head><body>\u2026"
    "</body></html>\n"
)
CHALLENGE_BODY = {"name": "ChallengeRequiredError", "message": "Verify that you are not a robot to continue"}
RATE_LIMIT_BODY = {"name": "RateLimitError", "message": "Too many requests, please try again later"}
RATE_LIMIT_POLICY = "500;w=3600"
MFA_ANSWER = {"mfaPending": True, "mfaPendingToken": "fake-pending", "mfaMethods": ["totp", "emailOtp"],
              "preferredMethod": "totp"}  # fmt: skip
BAD_LOGIN_BODY = {"name": "Error", "message": "Invalid username or password"}

CLOUDFLARE_403_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body>'
    '<div class="main-wrapper" role="main"><div class="main-content">'
    '<h1 class="zone-name-title h1">api2.openreview.net</h1>'
    '<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>'
    "<noscript>Enable JavaScript and cookies to continue</noscript></div></div></body></html>"
)

FAKE_PROFILE_ID = "~Fake_User1"
FAKE_CREDENTIALS = ("fake-user", "not-a-real-password")  # what tests log in with (any pair is accepted)

_PAGING_PARAMS = {"limit", "offset", "after", "sort", "details", "count", "select", "original", "trash"}


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def fake_token() -> str:
    """A JWT-shaped token (unsigned) whose payload carries a `user`, as OpenReview's do."""
    user = {"id": FAKE_PROFILE_ID, "profile": {"id": FAKE_PROFILE_ID}}
    signature = base64.urlsafe_b64encode(b"not-a-signature").rstrip(b"=").decode()
    return (
        f"{_b64url({'alg': 'HS256', 'typ': 'JWT'})}.{_b64url({'user': user, 'exp': 4102444800})}.{signature}"
    )


def _unwrap(value: Any) -> Any:
    """Content value of a v1 note (bare) or a v2 note (`{"value": ...}`)."""
    return value.get("value") if isinstance(value, dict) and "value" in value else value


def _matches(note: dict, key: str, wanted: str) -> bool:
    if key.startswith("content."):
        value = _unwrap((note.get("content") or {}).get(key.removeprefix("content.")))
    elif key == "invitation":
        return note.get("invitation") == wanted or wanted in (note.get("invitations") or [])
    else:
        value = note.get(key)
    if isinstance(value, list):
        return wanted in [str(v) for v in value]
    return value is not None and str(value) == wanted


def _sort_key(field: str) -> Callable[[dict], tuple[bool, Any]]:
    def key(note: dict) -> tuple[bool, Any]:
        value = note.get(field)
        return (value is None, value if value is not None else 0)

    return key


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenReview  # bound by LocalServer
    timeout = 10  # a connection that never sends its request does not block shutdown forever

    def log_message(self, *args: Any) -> None:
        """Stay quiet: tests read `requests` instead."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.fake
        fake._record(self.path)  # path and query only: a login's password is in the body, never kept
        length = int(self.headers.get("Content-Length") or 0)
        fault = fake._next_fault(urlsplit(self.path).path)
        if fault == "reset":
            self._reset()
            return
        body = self.rfile.read(length) if length else b""
        # kept only for a profile search; a login's body (the password) is dropped here
        self.body = body if urlsplit(self.path).path == "/profiles/search" else b""
        if fault == "hang":
            fake._stop.wait(fake.hang_seconds)
            self.close_connection = True  # never answered
            return
        if fault == "403":
            self._send(403, CLOUDFLARE_403_PAGE, "text/html; charset=UTF-8", {"cf-mitigated": "challenge"})
            return
        if fault in ("429", "429-noretry"):
            extra = {"Retry-After": "1"} if fault == "429" else {}
            body = {"name": "TooManyRequestsError", "message": "Too many requests, please try again later"}
            self._send_json(429, body, extra)
            return
        if fault == "500":
            self._send_json(500, {"name": "Error", "message": "Internal Server Error"})
            return
        if fault == "ratelimit":  # the live shape: no Retry-After, the wait in `ratelimit-reset` (seconds)
            self._send_json(429, RATE_LIMIT_BODY, fake._rate_headers(remaining=0))
            return
        url = urlsplit(self.path)
        is_login = self.command == "POST" and url.path == "/login"
        if fault in ("mfa", "bad-login") and is_login:
            if fault == "mfa":
                self._send_json(200, MFA_ANSWER)
            else:
                self._send_json(400, BAD_LOGIN_BODY)
            return
        refusal = fault if fault and fault.startswith("challenge") and not is_login else None  # data only
        if not is_login and not self._logged_in():
            refusal = refusal or fake.anonymous
        if refusal == "challenge-200":
            self._send(200, CHALLENGE_PAGE, "text/html; charset=utf-8")
            return
        if refusal == "challenge-403":
            self._send_json(403, CHALLENGE_BODY)
            return
        try:
            self._answer(url.path, parse_qs(url.query))
        except (ValueError, TypeError) as error:  # a bad query: 400, which the client does not retry
            self._send_json(400, {"name": "ValidationError", "message": f"{type(error).__name__}: {error}"})

    def _answer(self, path: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        if self.command == "POST" and path == "/login":
            with fake._lock:
                fake.logins += 1
            user = {"id": FAKE_PROFILE_ID, "profile": {"id": FAKE_PROFILE_ID, "usernames": [FAKE_PROFILE_ID]}}
            self._send_json(200, {"token": fake_token(), "user": user})
        elif self.command == "POST" and path == "/profiles/search":
            ids = set(json.loads(self.body or b"{}").get("ids") or [])
            with fake._lock:
                fake.profile_searches.append(sorted(ids))
            self._send_json(
                200, {"profiles": [p for p in fake.profiles if p.get("id") in ids]}, fake._rate_headers()
            )
        elif self.command == "GET" and path == "/pdf":
            data = fake.pdfs.get((query.get("id") or [""])[-1])
            if data is None:
                self._send_json(404, {"name": "NotFoundError", "message": "The PDF was not found"})
            else:
                self._send_bytes(200, data, "application/pdf", fake._rate_headers())
        elif self.command == "GET" and path == "/notes":
            self._send_json(200, fake._notes_page(query), fake._rate_headers())
        else:
            self._send_json(404, {"name": "NotFoundError", "message": f"{self.command} {path} is not faked"})

    def _logged_in(self) -> bool:
        """Whether the request carries the token this fake hands out at login."""
        return self.headers.get("Authorization") == f"Bearer {fake_token()}"

    def _reset(self) -> None:
        """Close the connection with a TCP reset, without answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send_json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body), "application/json; charset=utf-8", headers)

    def _send(self, status: int, text: str, content_type: str, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, text.encode("utf-8"), content_type, headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeOpenReview:
    """A threaded HTTP server on 127.0.0.1 (free port) answering the OpenReview calls openreview-py makes.

    `GET /notes` serves `notes_v1` and `notes_v2` together, filtered as the API does: `invitation` (v1
    `invitation` or v2 `invitations`), `id`, `forum`, `number`, `replyto`, `domain` and `content.<field>`
    (bare or `{"value": ...}`) by exact value, so a v1 query never matches v2 notes and vice versa. Then
    `sort` (`field[:asc|:desc]`, default `id`), `after` (notes after that id), `offset`, `limit` (default
    1000, capped at `page_limit` to force paging). `details` is returned as given only when asked for.
    `POST /login` answers a token and counts `logins`. Anything else is a JSON 404; a query it cannot read
    (`limit=abc`) a JSON 400, which the client does not retry.

    `faults` are used up one per request (any path), in order, before normal answers; `always` applies
    to every request after them. Each is one of FAULTS: "403" (Cloudflare challenge HTML), "429" (with
    `Retry-After: 1`), "429-noretry", "500", "hang" (no answer for `hang_seconds` or until shutdown),
    "reset" (TCP reset, no answer).
    """

    def __init__(
        self,
        notes_v1: list[dict] | None = None,
        notes_v2: list[dict] | None = None,
        *,
        faults: list[str] | None = None,
        always: str | None = None,
        page_limit: int | None = None,
        hang_seconds: float = 30.0,
        anonymous: str = "challenge-200",
        profiles: list[dict] | None = None,
        pdfs: dict[str, bytes] | None = None,
        path_faults: dict[str, list[str]] | None = None,
    ) -> None:
        """Keep the notes and faults; nothing listens until `start()` or `with`."""
        if anonymous not in ANONYMOUS:
            raise ValueError(f"unknown anonymous answer {anonymous!r}: expected one of {ANONYMOUS}")
        self.anonymous = anonymous
        self.profiles = list(profiles or [])  # served by `POST /profiles/search` (`{"ids": [...]}`)
        self.profile_searches: list[list[str]] = []
        self.pdfs = dict(pdfs or {})  # forum id -> bytes, served by `GET /pdf?id=` (others: 404)
        # faults for one path, used before `faults` ("" lets one request pass)
        self.path_faults = {path: list(faults) for path, faults in (path_faults or {}).items()}
        for fault in [*(faults or []), *([always] if always else [])]:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}: expected one of {FAULTS}")
        self.notes = [*(notes_v1 or []), *(notes_v2 or [])]
        self.faults = list(faults or [])
        self.always = always
        self.page_limit = page_limit
        self.hang_seconds = hang_seconds
        self.requests: list[str] = []
        self.logins = 0
        self.url = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: LocalServer | None = None

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1 and serve from a daemon thread."""
        self._server = LocalServer(_Handler, self, "fake-openreview", join_handlers=True)
        self.url = self._server.url
        return self

    def close(self) -> None:
        """Wake hanging handlers, stop serving and join every thread."""
        self._stop.set()
        if self._server is not None:
            self._server.close()
        self._server = None

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop serving."""
        self.close()

    def _rate_headers(self, remaining: int = 499) -> dict[str, str]:
        """The rate-limit headers the live service sends (the reset is one second here, not up to an hour)."""
        return {"ratelimit-policy": RATE_LIMIT_POLICY, "ratelimit-limit": "500",
                "ratelimit-remaining": str(remaining), "ratelimit-reset": "1"}  # fmt: skip

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            if self.path_faults.get(path):
                return self.path_faults[path].pop(0)
            return self.faults.pop(0) if self.faults else self.always

    def _notes_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        params = {key: values[-1] for key, values in query.items()}
        notes = [
            note
            for note in self.notes
            if all(_matches(note, key, value) for key, value in params.items() if key not in _PAGING_PARAMS)
        ]
        field, _, order = (params.get("sort") or "id").partition(":")
        notes.sort(key=_sort_key(field), reverse=order == "desc")
        count = len(notes)
        if after := params.get("after"):
            ids = [note.get("id") for note in notes]
            if after in ids:
                notes = notes[ids.index(after) + 1 :]
            elif field == "id" and order != "desc":
                notes = [note for note in notes if str(note.get("id")) > after]
        limit = int(params.get("limit") or 1000)
        if self.page_limit is not None:
            limit = min(limit, self.page_limit)
        offset = int(params.get("offset") or 0)
        page = notes[offset : offset + limit]
        if "details" not in params:
            page = [{key: value for key, value in note.items() if key != "details"} for note in page]
        elif "directReplies" in params["details"]:
            page = [self._with_replies(note) for note in page]
        return {"notes": page, "count": count}

    def _with_replies(self, note: dict) -> dict:
        """A note with `details.directReplies`: its own if it carries them, else the served notes replying to it
        (as the API builds them from a forum's notes)."""
        if (note.get("details") or {}).get("directReplies") is not None:
            return note
        replies = [reply for reply in self.notes if reply.get("replyto") == note.get("id")]
        return {**note, "details": {**(note.get("details") or {}), "directReplies": replies}}


def serve_venue_fixture(venue: str, year: int, **options: Any) -> FakeOpenReview:
    """A fake serving one venue-year's built notes (tests/fixtures/venues): `notes_v1` or `notes_v2` as the
    fixture's API says, decision replies attached to their papers as the API does."""
    from .venue_notes import read_venue_fixture

    fixture = read_venue_fixture(venue, year)
    if fixture["api"] == 1:
        return FakeOpenReview(notes_v1=fixture["notes"], **options)
    return FakeOpenReview(notes_v2=fixture["notes"], **options)
