"""The layered cache of repository records: raw files per commit, facts per scanner version, the dataset afresh."""

from __future__ import annotations

import collections
import json
import tarfile
from pathlib import Path

import pytest
from test_live_pipeline import REPOS

from fakes.github_server import FakeGitHub
from fakes.openreview_server import FakeOpenReview
from iclr_tools import dataset, packages, records, scan
from iclr_tools.github import FetchResult
from iclr_tools.settings import resolve_settings

pytestmark = pytest.mark.timeout(180)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TARGETS = [  # what the 2024 fixture links to (tests/fixtures/iclr2024_v2_notes.json), all fetched fine
    {"repo": "vision-lab-fake/sparse-prompting", "ref": "", "subdir": ""},
    {"repo": "fake-nlp-group/tiny-retriever", "ref": "", "subdir": ""},
    {"repo": "fake-research/monorepo", "ref": "main", "subdir": "projects/flow_matching"},
]
MARKER = "rich"  # a real distribution none of the fixture repositories imports


@pytest.fixture
def world(tmp_path: Path, openreview_login: tuple[str, str]):
    """Fake OpenReview (2024) and GitHub, a first live run done, and the options that ran it."""
    notes = json.loads((FIXTURES / "iclr2024_v2_notes.json").read_text())
    with FakeOpenReview(notes_v2=notes) as openreview, FakeGitHub(REPOS) as github:
        options = {
            "cache_dir": tmp_path / "cache", "workers": 2, "method": "clone", "openreview_url": openreview.url,
            "archive_url": github.base_url, "git_url": github.base_url,
        }  # fmt: skip
        first = dataset.create_dataset(2024, "live", **options)
        assert sorted(first.loc[first["status"] == "ok", "repo"]) == sorted(t["repo"] for t in TARGETS)
        yield openreview, github, options


def requests_made(openreview: FakeOpenReview, github: FakeGitHub) -> tuple[int, int]:
    """Requests answered so far by each fake service."""
    return len(openreview.requests), github.count()


def test_raw_layer_keeps_the_scan_files_per_commit_compressed(world, tmp_path: Path) -> None:
    _, github, _ = world
    cache = tmp_path / "cache"
    for target in TARGETS:
        served = REPOS[target["repo"]]["files"]
        commit = github.repos[target["repo"]].commit
        stem = target["repo"].replace("/", "__") + f"/{commit}"
        stem += "__" + target["subdir"].replace("/", "_") if target["subdir"] else ""
        with tarfile.open(cache / "raw" / "files" / f"{stem}.tar.gz", "r:gz") as tar:
            kept = {
                m.name.removeprefix("files/"): tar.extractfile(m).read()
                for m in tar
                if m.name.startswith("files/")
            }
        prefix = target["subdir"] + "/" if target["subdir"] else ""
        wanted = {path[len(prefix) :]: data for path, data in served.items() if path.startswith(prefix)}
        wanted = {path: data for path, data in wanted.items() if path.endswith((".py", ".txt", ".md"))}
        assert kept == wanted  # weights.bin and files outside the linked folder are never kept
        refs = json.loads(records.make_refs_path(cache, target, "2024-05-07", 365).read_text())  # ICLR 2024
        assert refs["commit"] == commit and refs["status"] == "ok"
        facts = json.loads((cache / "facts" / f"{stem}.json").read_text())
        assert facts["scanner_version"] == scan.SCANNER_VERSION


def test_a_scanner_change_rescans_every_cached_target_without_a_request(world, monkeypatch) -> None:
    openreview, github, options = world
    before = requests_made(openreview, github)
    original = scan.extract_file_facts

    def new_scan(path: str, data: bytes) -> dict:  # the "new scanner": every Python file also imports MARKER
        facts = original(path, data)
        if "imports" in facts:
            facts["imports"] = sorted([*facts["imports"], MARKER])
        return facts

    monkeypatch.setattr(scan, "extract_file_facts", new_scan)
    monkeypatch.setattr(records, "SCANNER_VERSION", "changed-for-test")
    settings = resolve_settings(None, options)
    rescanned = records.fetch_repo_records(TARGETS, settings, year=2024)
    assert collections.Counter(r["origin"] for r in rescanned.values()) == {"rescanned": len(TARGETS)}
    assert all(r["scanner_version"] == "changed-for-test" for r in rescanned.values())
    frame = dataset.create_dataset(
        2024, "live", **options
    )  # the facts are now of this version: read as they are
    ok = frame[frame["status"] == "ok"]
    assert len(ok) == len(TARGETS) and ok["imported_tools"].map(lambda cell: MARKER in cell.split(";")).all()
    assert requests_made(openreview, github) == before  # no network request at all


def test_a_mapping_change_shows_in_the_dataset_and_nothing_is_rescanned(world, monkeypatch) -> None:
    openreview, github, options = world
    before = requests_made(openreview, github)
    monkeypatch.setitem(packages.MODULE_TO_PACKAGE, "numpy", "numpy-renamed-for-test")

    def no_scan(*args, **kwargs):
        raise AssertionError("re-scanned although only the mapping changed")

    monkeypatch.setattr(scan, "extract_repo_facts", no_scan)
    monkeypatch.setattr(records, "extract_repo_facts", no_scan)
    frame = dataset.create_dataset(2024, "live", **options)
    sparse = frame.set_index("repo").loc["vision-lab-fake/sparse-prompting"]
    assert sparse["imported_tools"] == "numpy-renamed-for-test;timm;torch"
    assert requests_made(openreview, github) == before


def test_a_scan_that_now_wants_more_files_fetches_again(world, monkeypatch) -> None:
    openreview, github, options = world
    before_github = github.count()
    monkeypatch.setattr(
        records, "is_scan_file", lambda path: scan.is_scan_file(path) or path.endswith(".bin")
    )
    monkeypatch.setattr(records, "SCANNER_VERSION", "wants-bin-files")
    settings = resolve_settings(None, options)
    again = records.fetch_repo_records(TARGETS, settings, year=2024)
    origins = {key[0]: record["origin"] for key, record in again.items()}
    # only the repository holding a .bin file lacks it in the raw layer
    assert origins == {
        "vision-lab-fake/sparse-prompting": "fetched",
        "fake-nlp-group/tiny-retriever": "rescanned",
        "fake-research/monorepo": "rescanned",
    }
    assert github.count() > before_github


def test_refresh_fetches_everything_again(world) -> None:
    openreview, github, options = world
    before = github.count()
    again = records.fetch_repo_records(
        TARGETS, resolve_settings(None, {**options, "refresh": True}), year=2024
    )
    assert {record["origin"] for record in again.values()} == {"fetched"} and github.count() > before


@pytest.mark.parametrize(
    "refs",
    [
        {"status": "ok"},
        {"status": "ok", "commit": "../../etc"},
        {"status": "ok", "commit": 7},
        {"status": "timeout"},
    ],
)
def test_a_refs_file_this_code_did_not_write_is_not_trusted(refs: dict, tmp_path: Path) -> None:
    target = {"repo": "o/r", "ref": "", "subdir": ""}
    path = records.make_refs_path(tmp_path, target)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(refs))
    assert records.read_cached_record(tmp_path, target) is None


def test_final_failures_are_cached_and_transient_ones_are_not(tmp_path: Path) -> None:
    gone = {"repo": "o/gone", "ref": "", "subdir": ""}
    flaky = {"repo": "o/flaky", "ref": "", "subdir": ""}
    records.store_fetch(tmp_path, gone, FetchResult("missing", "HTTP 404: the repository is gone"))
    records.store_fetch(tmp_path, flaky, FetchResult("timeout", "did not answer"))
    cached = records.read_cached_record(tmp_path, gone)
    assert cached["status"] == "missing" and cached["reason"] == "HTTP 404: the repository is gone"
    assert records.read_cached_record(tmp_path, flaky) is None


def test_snapshot_records_are_facts_of_their_own_version(shared_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(records, "SCANNER_VERSION", "anything-else")
    target = {"repo": "BayesWatch/pytorch-blockswap", "ref": "", "subdir": ""}
    record = records.read_snapshot_record(shared_dir / "iclr2020", target, {})
    recorded = json.loads(
        (shared_dir / "iclr2020" / "repos" / "BayesWatch__pytorch-blockswap.json").read_text()
    )
    assert record["scanner_version"] == "recorded" and record["origin"] == "snapshot"
    assert record["imports"] == recorded["imports"]  # read as recorded, never re-scanned


LATER = {  # recorded first-day reads without code, and what ../shared's repos_later/ holds for each
    ("iclr2023", "G-U-N/ICLR23-BEEF"): "G-U-N__ICLR23-BEEF.json",  # a later read, 24 days after
    ("iclr2023", "UCLA-StarAI/LVD"): "none.json",  # no code within a year
    ("iclr2022", "mingsun-tse/SRP"): "none.json",  # its history is not recorded
}


@pytest.mark.parametrize(("folder", "repo"), sorted(LATER))
def test_recorded_code_released_after_the_conference_is_read_within_the_window(
    folder: str, repo: str, shared_dir: Path
) -> None:
    later_dir = shared_dir / folder / "repos_later"
    target = {"repo": repo, "ref": "", "subdir": ""}
    first_day = records.read_snapshot_record(shared_dir / folder, target, {})
    assert not any(path.endswith((".py", ".ipynb", ".pyx")) for path, _ in first_day["files"])
    none = records.read_snapshot_later_none(shared_dir / folder)
    assert records.read_snapshot_later(shared_dir / folder, target, first_day, 0, none) == first_day
    read = records.read_snapshot_later(shared_dir / folder, target, first_day, 365, none)
    if LATER[(folder, repo)] != "none.json":
        recorded = json.loads((later_dir / LATER[(folder, repo)]).read_text())
        assert (
            read["commit"] == recorded["commit"] != first_day["commit"]
            and read["imports"] == recorded["imports"]
        )
        assert read["days_after"] == recorded["days_after"] == 24 and read["status"] == "ok"
        short = records.read_snapshot_later(shared_dir / folder, target, first_day, 23, none)  # 24 > 23 days
        assert (
            short["commit"] == first_day["commit"] and "24 days after the conference" in short["later_none"]
        )
        return
    why = {row["repo"]: row["why"] for row in json.loads((later_dir / "none.json").read_text())}[repo]
    assert read["commit"] == first_day["commit"]
    if why == "its history is not recorded here":  # unknown, not "no code"
        assert read["later_unknown"] == why and "later_none" not in read
    else:
        assert read["later_none"] == f"{why} (recorded)" and "later_unknown" not in read


def test_a_year_without_recorded_later_reads_stays_first_day(shared_dir: Path) -> None:
    assert not (shared_dir / "iclr2018" / "repos_later").exists()
    assert records.read_snapshot_later_none(shared_dir / "iclr2018") is None
    without_code = [
        json.loads(path.read_text()) for path in sorted((shared_dir / "iclr2018" / "repos").glob("*.json"))
    ]
    without_code = [
        r for r in without_code if not any(p.endswith((".py", ".ipynb", ".pyx")) for p, _ in r["files"])
    ]
    assert len(without_code) == 145 - 131  # recorded, and with code (tests/test_tools.py YEAR_COUNTS)
    for recorded in without_code:
        target = {"repo": recorded["repo"], "ref": "", "subdir": recorded.get("subdir") or ""}
        first_day = records.read_snapshot_record(shared_dir / "iclr2018", target, {})
        assert records.read_snapshot_later(shared_dir / "iclr2018", target, first_day, 365, None) == first_day


def test_reading_as_of_another_date_is_cached_apart(world, tmp_path: Path) -> None:
    openreview, github, options = world
    before = github.count()
    latest = records.fetch_repo_records(TARGETS, resolve_settings(None, {**options, "as_of": "latest"}))
    assert {record["origin"] for record in latest.values()} == {"fetched"} and github.count() > before
    assert all("today" in record["read_at"] for record in latest.values())
    again = records.fetch_repo_records(TARGETS, resolve_settings(None, options), year=2024)
    assert {record["origin"] for record in again.values()} == {
        "cache"
    }  # the conference reading, cached before
    with pytest.raises(ValueError, match="as_of='May 2024'"):
        records.fetch_repo_records(TARGETS, resolve_settings(None, {**options, "as_of": "May 2024"}))


def test_a_raw_archive_this_code_did_not_write_is_fetched_again(tmp_path: Path) -> None:
    import io

    for members in ([], [("listing.json", b"[1, 2]")], [("listing.json", b"{}")]):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        (tmp_path / "raw.tar.gz").write_bytes(buffer.getvalue())
        assert records.read_raw_files(tmp_path / "raw.tar.gz") is None
    (tmp_path / "raw.tar.gz").write_bytes(b"not a tar")
    assert records.read_raw_files(tmp_path / "raw.tar.gz") is None


def test_a_persistent_transfer_error_is_retried_then_given_up_file_by_file(tmp_path: Path) -> None:
    files = {"a.py": b"import numpy\n", "b.py": b"import torch\n"}
    with FakeGitHub({"hank/flaky": {"files": files}}) as github:
        github.set_faults("hank/flaky", [], kind="git", sticky="500_blobs")  # every blob transfer fails
        options = {"cache_dir": tmp_path / "cache", "method": "clone", "as_of": "latest", "clone_retries": 0,
                   "archive_url": github.base_url, "git_url": github.base_url}  # fmt: skip
        target = {"repo": "hank/flaky", "ref": "", "subdir": ""}
        runs = [records.fetch_repo_records([target], **options)[("hank/flaky", "", "")] for _ in range(3)]
        assert [run["status"] for run in runs[:2]] == ["http_error", "http_error"]  # not cached: retried
        assert runs[2]["status"] == "ok" and runs[2]["unreadable"] == [
            "a.py",
            "b.py",
        ]  # the third run gives up
        assert "unreadable" in runs[2]["reason"]
        before = github.count()
        fourth = records.fetch_repo_records([target], **options)[("hank/flaky", "", "")]
        assert fourth["origin"] == "cache" and github.count() == before  # cached with the files listed


def test_the_window_of_code_released_later_is_a_setting(monkeypatch) -> None:
    from iclr_tools.settings import Settings

    assert Settings().later_code_days == 365
    monkeypatch.setenv("ICLR_TOOLS_LATER_CODE_DAYS", "30")
    assert Settings.from_env().later_code_days == 30
    monkeypatch.setenv("ICLR_TOOLS_LATER_CODE_DAYS", "a year")
    with pytest.raises(ValueError, match="ICLR_TOOLS_LATER_CODE_DAYS='a year' is not a valid int"):
        Settings.from_env()
    with pytest.raises(ValueError, match="later_code_days=-1: .* or 0 to read the date only"):
        Settings(later_code_days=-1)
    target = {"repo": "o/r", "ref": "", "subdir": ""}  # the window is part of a dated read's cache key
    paths = {records.make_refs_path(Path("c"), target, "2023-05-01", days).name for days in (0, 30, 365)}
    assert paths == {"o__r~2023-05-01.json", "o__r~2023-05-01~later30.json", "o__r~2023-05-01~later365.json"}
    assert records.make_refs_path(Path("c"), target, "", 365).name == "o__r~latest.json"
