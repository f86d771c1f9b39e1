"""The checklist rules' confusion counts on the checklist authors' labels, as `make data` embeds them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from iclr_tools import accuracy
from iclr_tools.tools import extract_tools

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "data" / "checklist_accuracy.csv"
SPLIT = ROOT / "tests" / "fixtures" / "checklist_neurips2019_split.json"
ITEMS = {  # labels.csv's column -> our column, written here apart from the code
    "dependencies": "has_dependencies",
    "training": "has_training_code",
    "evaluation": "has_evaluation_code",
    "pretrained_model": "has_pretrained_models",
    "results": "has_results",
}


def read_embedded() -> list[dict[str, str]]:
    """The committed rows of data/checklist_accuracy.csv."""
    with EMBEDDED.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_split_is_the_fixtures_split_made_before_any_rule_changed(shared_dir: Path) -> None:
    recorded = [
        p.stem.replace("__", "/", 1) for p in (shared_dir / "checklist_neurips2019" / "repos").glob("*.json")
    ]
    split = json.loads(SPLIT.read_text())
    assert accuracy.split_labelled_keys(recorded) == {"fit": split["fit"], "holdout": split["holdout"]}
    assert (len(split["fit"]), len(split["holdout"])) == (48, 47)


def test_the_embedded_counts_equal_a_count_from_the_labels_and_the_records(shared_dir: Path) -> None:
    folder = shared_dir / "checklist_neurips2019"
    with (folder / "labels.csv").open(newline="") as handle:
        labels = {row["repo"]: row for row in csv.DictReader(handle)}
    split = json.loads(SPLIT.read_text())
    expected = {}
    for half in ("fit", "holdout"):
        cells = {(column, cell): 0 for column in ITEMS.values() for cell in ("tp", "fp", "fn", "tn")}
        for key in split[half]:
            record = json.loads((folder / "repos" / f"{key.replace('/', '__', 1)}.json").read_text())
            found = extract_tools({"status": "ok", **record})
            for label, column in ITEMS.items():
                truth, said = labels[key][label] == "1", bool(found[column])
                cell = ("t" if said == truth else "f") + ("p" if said else "n")
                cells[(column, cell)] += 1
        for column in ITEMS.values():
            expected[(column, half)] = [cells[(column, cell)] for cell in ("tp", "fp", "fn", "tn")]
    embedded = {
        (row["item"], row["split"]): [int(row[c]) for c in ("tp", "fp", "fn", "tn")]
        for row in read_embedded()
    }
    assert embedded == expected
    assert all(sum(counts) == len(split[half]) for (_, half), counts in embedded.items())
    assert {row["source"] for row in read_embedded()} == {accuracy.LABELS_SOURCE}
    assert "authors' labels" in accuracy.LABELS_SOURCE


def test_make_data_writes_the_same_bytes_and_no_label(shared_dir: Path, tmp_path: Path) -> None:
    table = accuracy.build_checklist_accuracy(shared_dir, tmp_path)
    assert (tmp_path / accuracy.ACCURACY_FILE).read_bytes() == EMBEDDED.read_bytes(), "stale: run `make data`"
    assert list(table.columns) == ["item", "split", "tp", "fp", "fn", "tn", "source"]
    with (shared_dir / "checklist_neurips2019" / "labels.csv").open(newline="") as handle:
        repos = [row["repo"] for row in csv.DictReader(handle)]
    text = EMBEDDED.read_text()
    assert not [repo for repo in repos if repo in text]  # counts only: no labelled repository is named


def test_count_confusion_by_hand() -> None:
    labels = {"a": True, "b": True, "c": False, "d": False, "e": True}
    found = {"a": True, "b": False, "c": True, "d": False, "e": True}
    assert accuracy.count_confusion(labels, found) == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}


def test_missing_or_bad_labels_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"labels\.csv is missing: `make data` measures"):
        accuracy.build_checklist_accuracy(tmp_path, tmp_path)
    folder = tmp_path / "checklist_neurips2019"
    folder.mkdir()
    (folder / "labels.csv").write_text("repo,dependencies\na/b,1\n")
    with pytest.raises(ValueError, match="has no column training, evaluation"):
        accuracy.read_author_labels(folder)
    (folder / "labels.csv").write_text("repo," + ",".join(ITEMS) + "\na/b,1,1,yes,0,0\n")
    with pytest.raises(ValueError, match="labels other than 0 or 1 for a/b"):
        accuracy.read_author_labels(folder)
    with pytest.raises(FileNotFoundError, match="holds no recorded repository"):
        accuracy.read_labelled_records(folder)
    with pytest.raises(FileNotFoundError, match=r"data/checklist_accuracy\.csv \(leave data_dir as 'data'"):
        accuracy.read_checklist_accuracy(tmp_path)
