"""Stage 6, the checklist's rules measured against the labels the checklist's authors gave (NeurIPS 2019).

`make data` scores the recorded NeurIPS 2019 repositories of `../shared/checklist_neurips2019` with the project's
own rules (`extract_tools`, as every dataset row is scored), splits them as they were split before any rule was
changed for them (keys sorted, `random.Random(19).shuffle`, the first 48 to fit rules on, the other 47 held out)
and writes each item's confusion counts per split to `data/checklist_accuracy.csv`. Only the counts are written:
the labels stay in `../shared`. The held-out counts correct the checklist's shares (`stats.estimate_corrected_share`).

>>> count_confusion({"a": True, "b": True, "c": False}, {"a": True, "b": False, "c": True})
{'tp': 1, 'fp': 1, 'fn': 1, 'tn': 0}
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pandas as pd

from .files import write_text_atomic
from .settings import DATA_DIR
from .tools import extract_tools

LABEL_COLUMNS = {  # the checklist authors' column in labels.csv -> the dataset column of the same item
    "dependencies": "has_dependencies",
    "training": "has_training_code",
    "evaluation": "has_evaluation_code",
    "pretrained_model": "has_pretrained_models",
    "results": "has_results",
}
LABELS_FOLDER = "checklist_neurips2019"
SPLIT_SEED = 19  # split once, before any rule changed (tests/fixtures/checklist_neurips2019_split.json)
FIT_SIZE = 48  # the first 48 of the shuffled keys fit the rules; the others are held out
ACCURACY_FILE = "checklist_accuracy.csv"
ACCURACY_COLUMNS = ["item", "split", "tp", "fp", "fn", "tn", "source"]
LABELS_SOURCE = "the checklist authors' labels (NeurIPS 2019, paperswithcode/releasing-research-code)"


def read_author_labels(folder: str | Path) -> dict[str, dict[str, bool]]:
    """The checklist authors' labels by `owner/name`, keyed by dataset column (`has_training_code`: True)."""
    path = Path(folder) / "labels.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: `make data` measures the checklist's rules against the labels recorded in "
            f"../shared/{LABELS_FOLDER}; run it where ../shared is beside the project (the developers' machines, CI)"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    absent = [name for name in LABEL_COLUMNS if rows and name not in rows[0]]
    if absent:
        raise ValueError(
            f"{path} has no column {', '.join(absent)}: expected the checklist authors' labels.csv"
        )
    odd = sorted({row["repo"] for row in rows for name in LABEL_COLUMNS if row[name] not in ("0", "1")})
    if odd:
        raise ValueError(f"{path}: labels other than 0 or 1 for {', '.join(odd)}; fix those rows")
    return {row["repo"]: {column: row[name] == "1" for name, column in LABEL_COLUMNS.items()} for row in rows}


def read_labelled_records(folder: str | Path) -> dict[str, dict]:
    """The recorded repositories of the labels folder (`repos/OWNER__NAME.json`), by `owner/name`."""
    paths = sorted((Path(folder) / "repos").glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"{Path(folder) / 'repos'} holds no recorded repository (OWNER__NAME.json)")
    return {path.stem.replace("__", "/", 1): json.loads(path.read_text("utf-8")) for path in paths}


def split_labelled_keys(keys: list[str], seed: int = SPLIT_SEED, fit: int = FIT_SIZE) -> dict[str, list[str]]:
    """`fit` and `holdout` keys: sorted, shuffled with `random.Random(seed)`, the first `fit` to fit rules on."""
    order = sorted(keys)
    random.Random(seed).shuffle(order)
    return {"fit": sorted(order[:fit]), "holdout": sorted(order[fit:])}


def extract_checklist_items(record: dict) -> dict[str, bool]:
    """The five checklist items of one recorded repository, through the rules every dataset row goes through."""
    row = extract_tools({"status": "ok", **record})
    return {column: bool(row[column]) for column in LABEL_COLUMNS.values()}


def count_confusion(labels: dict[str, bool], found: dict[str, bool]) -> dict[str, int]:
    """True and false positives and negatives of `found` against `labels` (one item, keyed alike)."""
    pairs = [(found[key], labels[key]) for key in labels]
    return {"tp": pairs.count((True, True)), "fp": pairs.count((True, False)),
            "fn": pairs.count((False, True)), "tn": pairs.count((False, False))}  # fmt: skip


def count_checklist_accuracy(
    labels: dict[str, dict[str, bool]], found: dict[str, dict[str, bool]], splits: dict[str, list[str]]
) -> pd.DataFrame:
    """One row per item and split: the confusion counts of the rules' items (`found`) against `labels`."""
    rows = [
        {"item": column, "split": split,
         **count_confusion({key: labels[key][column] for key in keys}, {key: found[key][column] for key in keys}),
         "source": LABELS_SOURCE}
        for column in LABEL_COLUMNS.values()
        for split, keys in splits.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)


def build_checklist_accuracy(shared_dir: str | Path, data_dir: str | Path) -> pd.DataFrame:
    """Score the labelled repositories of `shared_dir` and write their confusion counts to `data_dir`."""
    folder = Path(shared_dir) / LABELS_FOLDER
    labels, records = read_author_labels(folder), read_labelled_records(folder)
    unlabelled = sorted(set(records) - set(labels))
    if unlabelled:
        raise ValueError(
            f"{folder}: recorded repositories without a label in labels.csv: {', '.join(unlabelled)}"
        )
    found = {key: extract_checklist_items(record) for key, record in records.items()}
    table = count_checklist_accuracy(labels, found, split_labelled_keys(list(records)))
    write_text_atomic(Path(data_dir) / ACCURACY_FILE, table.to_csv(index=False, lineterminator="\n"))
    return table


def read_checklist_accuracy(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """The checklist rules' confusion counts (`data/checklist_accuracy.csv`), or a clear error."""
    path = Path(data_dir) / ACCURACY_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the project's own copy is data/{ACCURACY_FILE} (leave data_dir as 'data'; "
            "`make data` rebuilds it from ../shared)"
        )
    return pd.read_csv(path)
