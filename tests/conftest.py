"""Shared pytest set-up: import paths and the `shared_dir` fixture."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"

# The project root, for `import iclr_helpers`; the tests folder, for `from fakes.openreview_server import ...`
# (`import tests.fakes` cannot work: yarg, a dev dependency, installs a top-level `tests` package of its own).
for path in (PROJECT_ROOT, TESTS_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The recorded data folder `../shared` beside the project root, or skip the test."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"../shared is not beside the project: {SHARED_DIR} is missing (always present in CI)")
    return SHARED_DIR


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test uses a developer's own OpenReview account or GitHub token (the canary tests set their own)."""
    for name in ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_real_github_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks the real GitHub API: a run whose clones come from GitHub's own address lists owners at a
    closed local port instead (the repair tests serve the API from the fake GitHub and point at it)."""
    from iclr_tools import settings

    monkeypatch.setattr(settings, "GITHUB_API_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("ICLR_TOOLS_API_URL", raising=False)


@pytest.fixture
def openreview_login(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A fake OpenReview login in the environment, as a user sets one for a live run (the fake accepts it)."""
    from fakes.openreview_server import FAKE_CREDENTIALS

    for name, value in zip(("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD"), FAKE_CREDENTIALS, strict=True):
        monkeypatch.setenv(name, value)
    return FAKE_CREDENTIALS


@pytest.fixture(scope="module")
def notes_2020(shared_dir: Path) -> list[dict]:
    """The 687 recorded ICLR 2020 notes (API v1) with their decisions attached as `details.directReplies`."""
    from fakes.openreview_notes import load_snapshot_notes

    return load_snapshot_notes(shared_dir / "iclr2020")


@pytest.fixture(scope="module")
def papers_2020(notes_2020: list[dict], tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """ICLR 2020's accepted papers fetched through the real client from the fake server."""
    from fakes.openreview_server import FAKE_CREDENTIALS, FakeOpenReview
    from iclr_tools import papers

    cache = tmp_path_factory.mktemp("cache")
    with FakeOpenReview(notes_v1=notes_2020, page_limit=250) as server:
        notes = papers.fetch_notes(2020, baseurl=server.url, cache_dir=cache, credentials=FAKE_CREDENTIALS)
        assert len(server.requests) >= 3  # paged
    return papers.parse_papers(notes, 2020)
