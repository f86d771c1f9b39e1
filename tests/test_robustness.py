"""Robustness (issue 7): injected faults, SIGKILL interruptions, bad inputs and secret canaries.

The cases live in tests/robustness_cases.py and also run, with a tally, as `make faults` (benchmarks/faults.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import robustness_cases as rc

pytestmark = pytest.mark.timeout(300)


def param(case: object, name: str) -> object:
    """A pytest param named after its case."""
    return pytest.param(case, id=name)


def assert_all_ok(outcomes: list[rc.Outcome]) -> None:
    assert outcomes, "no case ran"
    assert not rc.failures(outcomes), "\n".join(rc.failures(outcomes))


# --------------------------------------------------------------------------------------------------
# Faults and interruptions
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["archive", "clone"])
def test_faults_end_with_the_right_status_and_reruns_retry_only_failures(method: str, tmp_path: Path) -> None:
    """One live create_dataset over 20+ faulty and 8 healthy fake repositories, a rerun, a run after the faults."""
    outcomes = rc.run_fault_matrix(method, tmp_path)
    assert len([o for o in outcomes if o.group == "fault"]) >= 14
    assert_all_ok(outcomes)


def test_sigkill_at_random_points_then_rerun_gives_the_same_csv(tmp_path: Path) -> None:
    """3 seeded SIGKILLs of a live data run (make faults does 8): same CSV, nothing cached fetched again."""
    outcomes = rc.run_interruptions(tmp_path, kills=3, seed=7)
    assert_all_ok(outcomes)


@pytest.mark.parametrize("label", [param(label, label) for label in rc.CORRUPT_CACHE_FILES])
def test_a_cache_file_that_is_not_a_final_record_is_refetched(label: str, tmp_path: Path) -> None:
    assert_all_ok([rc.check_corrupt_cache_file(label, tmp_path)])


# --------------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [param(case, case.name) for case in rc.BAD_FILE_CASES])
def test_bad_files_scan_to_a_status_within_bounds(case: rc.BadFiles, tmp_path: Path) -> None:
    assert_all_ok([rc.run_bad_files(case, tmp_path / "cache")])


@pytest.mark.parametrize("case", [param(case, case.name) for case in rc.HOSTILE_REPOS])
def test_hostile_repositories_write_nothing_outside_the_cache(case: rc.HostileRepo, tmp_path: Path) -> None:
    assert_all_ok([rc.run_hostile_repo(case, tmp_path)])


@pytest.mark.parametrize("prop", [param(prop, prop.name) for prop in rc.PROPERTIES])
def test_generated_input_never_crashes(prop: rc.Property) -> None:
    assert rc.run_property(prop, max_examples=150) >= 150


# --------------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------------


def test_canary_credentials_never_leak(tmp_path: Path) -> None:
    """Live runs (clone, archive) and a refused login with canaries set: no output, file or message holds one."""
    outcomes = rc.run_secret_canaries(tmp_path)
    assert_all_ok(outcomes)
    assert not [leak for outcome in outcomes for leak in outcome.leaks]


@pytest.mark.slow
def test_notebook_01_rendered_live_with_canaries_holds_none(tmp_path: Path) -> None:
    assert_all_ok([rc.run_notebook_canaries(tmp_path)])


def test_real_git_server_faults_cost_only_what_they_must(tmp_path: Path) -> None:
    outcomes = rc.run_git_server_cases(tmp_path)
    assert len(outcomes) == 4
    assert_all_ok(outcomes)


def test_a_later_history_that_cannot_be_walked_keeps_the_first_day_read(tmp_path: Path) -> None:
    outcomes = rc.run_later_history_cases(tmp_path)
    assert len(outcomes) == 2
    assert_all_ok(outcomes)
