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
