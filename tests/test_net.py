"""Rate-limit waits: both services' headers read (OpenReview's seconds, GitHub's epoch time), the wait capped
at the service's window or the caller's cap and said aloud; an injected clock and sleep, no real waiting."""

from __future__ import annotations

import json
from email.utils import formatdate
from pathlib import Path

import pytest

from iclr_tools import net

NOW = 1_790_000_000.0  # the injected clock: an epoch time of September 2026, when the samples were recorded


def read_recorded_headers(shared_dir: Path) -> dict[str, str]:
    """The headers of a recorded logged-in OpenReview answer with both header kinds (seconds and epoch)."""
    sample = shared_dir / "openreview_samples" / "realshape_v2_iclr2024_notes-accepted.json"
    return json.loads(sample.read_text())["response"]["headers"]


class Recorder:
    """An injected sleep and log: what would have been slept and said."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.said: list[str] = []

    def wait(self, headers: dict, service: str, **options: object) -> float:
        """net.wait_for_rate_limit with this recorder's sleep, log and the fixed clock."""
        return net.wait_for_rate_limit(
            headers, service, sleep=self.slept.append, log=self.said.append, clock=lambda: NOW, **options
        )


def test_openreview_seconds_win_over_its_epoch_copy(shared_dir: Path) -> None:
    recorded = read_recorded_headers(shared_dir)
    assert recorded["ratelimit-remaining"] != "0"  # as recorded: requests left, nothing to wait
    assert net.parse_rate_limit_wait(recorded, NOW) == net.RateLimitWait(exhausted=False)
    used_up = {**recorded, "ratelimit-remaining": "0", "x-ratelimit-remaining": "0"}
    wait = net.parse_rate_limit_wait(used_up, NOW)
    assert (wait.exhausted, wait.seconds, wait.header) == (
        True,
        float(recorded["ratelimit-reset"]),
        "ratelimit-reset",
    )
    without_seconds = {
        k: v for k, v in used_up.items() if k != "ratelimit-reset"
    }  # the epoch copy is read then
    wait = net.parse_rate_limit_wait(without_seconds, NOW)
    assert (wait.seconds, wait.header) == (int(recorded["x-ratelimit-reset"]) - NOW, "x-ratelimit-reset")


@pytest.mark.parametrize("status", [200, 403, 429])
def test_github_epoch_reset_is_converted_with_the_clock(status: int) -> None:
    headers = {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(NOW) + 754),
    }
    wait = net.parse_rate_limit_wait(headers, NOW, status)
    assert (wait.exhausted, wait.seconds, wait.header) == (True, 754.0, "x-ratelimit-reset")
    past = {**headers, "X-RateLimit-Reset": str(int(NOW) - 5)}  # already reset: no negative wait
    assert net.parse_rate_limit_wait(past, NOW, status).seconds == 0.0
    recorder = Recorder()
    assert recorder.wait(headers, "GitHub", status=status) == 754.0
    assert recorder.slept == [754.0] and recorder.said == [
        "GitHub's rate limit is reached: waiting 754 s for it to reset"
    ]


def test_retry_after_comes_first_on_a_refusal_in_seconds_or_as_a_date() -> None:
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 900)}
    assert net.parse_rate_limit_wait({**reset, "retry-after": "60"}, NOW, 403).seconds == 60.0
    dated = {**reset, "Retry-After": formatdate(NOW + 45, usegmt=True)}  # an HTTP date, RFC 9110
    assert net.parse_rate_limit_wait(dated, NOW, 429) == net.RateLimitWait(True, 45.0, "retry-after")
    assert net.parse_rate_limit_wait({**reset, "retry-after": "60"}, NOW, 200).seconds == 900.0  # no refusal
    secondary = net.parse_rate_limit_wait({"retry-after": "30"}, NOW, 403)  # GitHub's secondary limit
    assert (secondary.exhausted, secondary.seconds) == (True, 30.0)


def test_what_is_no_rate_limit_waits_for_nothing() -> None:
    recorder = Recorder()
    forbidden = {"x-ratelimit-remaining": "57", "x-ratelimit-reset": str(int(NOW) + 900)}  # a 403 of access
    for headers, status in [(forbidden, 403), (forbidden, 200), ({}, 200), ({}, 403), ({}, 503)]:
        assert not net.parse_rate_limit_wait(headers, NOW, status).exhausted
        assert recorder.wait(headers, "GitHub", status=status) == 0.0
    assert recorder.slept == [] and recorder.said == []


def test_a_used_up_limit_without_a_time_is_beyond_any_cap() -> None:
    recorder = Recorder()
    for headers in [{}, {"ratelimit-reset": "soon", "retry-after": "later"}]:
        wait = net.parse_rate_limit_wait(headers, NOW, 429)
        assert wait == net.RateLimitWait(exhausted=True) and wait.beyond(3600)
        assert recorder.wait(headers, "OpenReview", status=429) == 0.0  # the caller backs off instead
    assert recorder.slept == []


def test_an_unreadable_header_gives_way_to_the_next() -> None:
    headers = {"ratelimit-remaining": "0", "ratelimit-reset": "-3", "x-ratelimit-reset": str(int(NOW) + 12)}
    assert net.parse_rate_limit_wait(headers, NOW).seconds == 12.0


@pytest.mark.parametrize(
    ("service", "headers"),
    [
        (
            "OpenReview",
            {"ratelimit-policy": "500;w=3600", "ratelimit-remaining": "0", "ratelimit-reset": "5000"},
        ),
        ("GitHub", {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 5000)}),
    ],
)
def test_a_wait_longer_than_the_window_is_capped_and_said(service: str, headers: dict) -> None:
    window = {"OpenReview": 3600.0, "GitHub": 3600.0}[service]  # both limits last at most an hour
    recorder = Recorder()
    assert recorder.wait(headers, service) == window
    assert recorder.slept == [window]
    assert recorder.said == [
        f"{service}'s rate limit is reached: waiting 3600 s (capped: it resets in 5000 s)"
    ]
    assert recorder.wait(headers, service, cap_s=99999) == window  # a caller's cap never goes past the window


def test_a_callers_cap_cuts_the_wait_and_says_the_limit_stays_used_up() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 600)}
    recorder = Recorder()
    assert recorder.wait(headers, "GitHub", cap_s=60, status=403) == 60.0
    assert recorder.said == ["GitHub's rate limit is reached: waiting 60 s (capped: it resets in 600 s)"]
    wait = net.parse_rate_limit_wait(headers, NOW, 403)
    assert wait.beyond(60) and not wait.beyond(600)


def test_the_wait_is_said_on_stderr_by_default(capsys: pytest.CaptureFixture) -> None:
    slept: list[float] = []
    net.wait_for_rate_limit(
        {"ratelimit-remaining": "0", "ratelimit-reset": "7"}, "OpenReview", sleep=slept.append
    )
    assert slept == [7.0]
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and captured.err == "OpenReview's rate limit is reached: waiting 7 s for it to reset\n"
    )


def test_an_unknown_service_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown service 'Gitlab'.*'GitHub', 'OpenReview'"):
        net.wait_for_rate_limit({}, "Gitlab")
