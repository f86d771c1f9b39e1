"""The 2020 case study: its own method re-run on its own file, and its figures beside ours."""

from __future__ import annotations

from pathlib import Path

from iclr_tools import study


def test_reproduce_the_2020_study(shared_dir: Path) -> None:
    reproduced = study.reproduce_study(shared_dir / "reference" / "article_all_tools.csv")
    assert reproduced["repositories_parsed"] == study.STUDY_2020["repositories_parsed"] == 237
    assert reproduced["pytorch"] == study.STUDY_2020["pytorch"] == 154
    assert reproduced["tensorflow_counted"] == 83
    assert reproduced["tensorflow"] == study.STUDY_2020["tensorflow"] == 95
    assert reproduced["keras"] == study.STUDY_2020["keras"] == 23
    assert reproduced["unique_tools"] == study.STUDY_2020["unique_tools"] == 687
    assert reproduced["unique_real_tools"] == 686
    assert reproduced["empty_rows"] == 13


def test_committed_study_figures_are_the_published_ones() -> None:
    """data/study2020.csv (what `make data` re-computed) gives back the study's published figures."""
    figures = study.read_study_figures()
    published = {
        "repositories_parsed": 237,
        "pytorch": 154,
        "tensorflow": 95,
        "keras": 23,
        "unique_tools": 687,
    }
    assert {name: figures[name] for name in published} == published
    assert figures["tensorflow_counted"] + study.STUDY_2020["tensorflow_offset"] == figures["tensorflow"]


def test_committed_study_figures_are_the_study_rerun(shared_dir: Path) -> None:
    """The committed figures equal the study's method re-run on its file now: `make data` has been run."""
    rerun = study.reproduce_study(shared_dir / "reference" / "article_all_tools.csv")
    assert study.read_study_figures() == rerun
