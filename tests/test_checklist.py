"""The ML Code Completeness Checklist, measured against the labels its authors gave and labels people gave later."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from iclr_tools import checklist
from iclr_tools.tools import extract_tools

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LABELS = FIXTURES / "completeness_labels.json"
SPLIT = FIXTURES / "checklist_neurips2019_split.json"
DISAGREEMENTS = FIXTURES / "checklist_neurips2019_disagreements.json"
ITEMS = {  # label -> our column
    "declares_dependencies": "has_dependencies",
    "readme_declares_dependencies": "readme_declares_dependencies",
    "has_training_code": "has_training_code",
    "has_evaluation_code": "has_evaluation_code",
    "has_pretrained_models": "has_pretrained_models",
    "has_results": "has_results",
}
AUTHOR_ITEMS = {  # the checklist authors' label (labels.csv) -> our column
    "dependencies": "has_dependencies",
    "training": "has_training_code",
    "evaluation": "has_evaluation_code",
    "pretrained_model": "has_pretrained_models",
    "results": "has_results",
}
# Agreement with the project's own 151 labels, lowered to what the rules that follow the authors' definitions
# measure (0.947, 0.907, 0.881, 0.834, 0.907, 0.881): those readers read the items more strictly (training of a
# model, evaluation of a trained model, a results table with its commands).
FLOORS = {"declares_dependencies": 0.94, "readme_declares_dependencies": 0.90, "has_training_code": 0.88,
          "has_evaluation_code": 0.83, "has_pretrained_models": 0.90, "has_results": 0.88}  # fmt: skip


def measure_agreement(shared_dir: Path, split: str | None = None) -> dict[str, float]:
    """Share of labelled repositories (of one split, or all) where each item equals the label."""
    rows = [row for row in json.loads(LABELS.read_text())["records"] if split in (None, row["split"])]
    agree = dict.fromkeys(ITEMS, 0)
    for row in rows:
        year, stem = row["key"].split("/")
        record = json.loads((shared_dir / f"iclr{year}" / "repos" / f"{stem}.json").read_text())
        found = extract_tools({"status": "ok", **record})
        for label, column in ITEMS.items():
            agree[label] += bool(found[column]) == row[label]["label"]
    return {label: count / len(rows) for label, count in agree.items()}


def test_the_labels_were_made_for_enough_repositories_with_reasons() -> None:
    rows = json.loads(LABELS.read_text())["records"]
    assert len(rows) >= 80 and len({row["key"].split("/")[0] for row in rows}) >= 5
    assert all(row[label]["reason"] for row in rows for label in ITEMS if label in row)


def test_agreement_with_the_labels(shared_dir: Path) -> None:
    agreement = measure_agreement(shared_dir)
    short = {label: round(share, 3) for label, share in agreement.items() if share < FLOORS[label]}
    assert not short, f"below the measured floor: {short}"


def read_author_labels(shared_dir: Path) -> dict[str, dict[str, int]]:
    """The checklist authors' labels of the recorded NeurIPS 2019 repositories, by `owner/name`."""
    folder = shared_dir / "checklist_neurips2019"
    with (folder / "labels.csv").open(newline="") as handle:
        return {
            row["repo"]: {item: int(row[item]) for item in AUTHOR_ITEMS} for row in csv.DictReader(handle)
        }


def score_author_repos(shared_dir: Path, keys: list[str]) -> dict[str, dict[str, bool]]:
    """Our items for recorded NeurIPS 2019 repositories, through the project's own path (`extract_tools`)."""
    folder = shared_dir / "checklist_neurips2019" / "repos"
    found = {}
    for key in keys:
        record = json.loads((folder / f"{key.replace('/', '__', 1)}.json").read_text())
        row = extract_tools({"status": "ok", **record})
        found[key] = {item: bool(row[column]) for item, column in AUTHOR_ITEMS.items()}
    return found


def list_disagreements(shared_dir: Path, keys: list[str]) -> set[tuple[str, str]]:
    """(key, item) wherever our item differs from the authors' label, labels taken as given."""
    labels, found = read_author_labels(shared_dir), score_author_repos(shared_dir, keys)
    return {
        (key, item) for key in keys for item in AUTHOR_ITEMS if found[key][item] != bool(labels[key][item])
    }


# Agreement with the checklist authors' labels, rounded down from what is measured: all 95 (86, 74, 69, 87, 85
# agree) and the 47 held out before any rule was changed for them (41, 35, 28, 41, 40), measured once with the rules
# final; issue 19's closing note gives the intervals and, from the disagreement fixture, why evaluation and training
# fall short.
AUTHOR_FLOORS = {
    "all": {
        "dependencies": 0.90,
        "training": 0.77,
        "evaluation": 0.72,
        "pretrained_model": 0.91,
        "results": 0.89,
    },
    "holdout": {
        "dependencies": 0.87,
        "training": 0.74,
        "evaluation": 0.59,
        "pretrained_model": 0.87,
        "results": 0.85,
    },
}


@pytest.mark.parametrize("half", ["all", "holdout"])
def test_agreement_with_the_checklist_authors_labels(shared_dir: Path, half: str) -> None:
    split = json.loads(SPLIT.read_text())
    keys = split["fit"] + split["holdout"] if half == "all" else split["holdout"]
    wrong = list_disagreements(shared_dir, keys)
    agreement = {item: 1 - sum(1 for _, i in wrong if i == item) / len(keys) for item in AUTHOR_ITEMS}
    short = {item: round(share, 3) for item, share in agreement.items() if share < AUTHOR_FLOORS[half][item]}
    assert not short, f"below the measured floor on {half}: {short}"


def test_the_split_is_the_seeds_and_covers_every_recorded_repository(shared_dir: Path) -> None:
    split = json.loads(SPLIT.read_text())
    recorded = sorted(
        p.stem.replace("__", "/", 1) for p in (shared_dir / "checklist_neurips2019" / "repos").glob("*.json")
    )
    order = list(recorded)
    random.Random(split["seed"]).shuffle(order)
    assert (split["fit"], split["holdout"]) == (sorted(order[:48]), sorted(order[48:]))
    assert len(recorded) == 95 and set(recorded) <= set(read_author_labels(shared_dir))


def test_every_disagreement_is_listed_with_its_class(shared_dir: Path) -> None:
    split = json.loads(SPLIT.read_text())
    listed = json.loads(DISAGREEMENTS.read_text())["disagreements"]
    classes = {"rule miss", "label doubt", "not visible in a record"}
    assert all(row["class"] in classes and row["why"] for row in listed)
    found = list_disagreements(shared_dir, split["fit"] + split["holdout"])
    assert {(row["key"], row["item"]) for row in listed} == found


def test_readme_dependent_items_are_unknown_without_readmes() -> None:
    record = {
        "files": [["run.py", 1], ["README.md", 9]],
        "imports": {"run.py": ["numpy"]},
    }  # no `readmes` key
    found = extract_tools({"status": "ok", **record})
    assert found["has_results"] is None and found["readme_declares_dependencies"] is None
    assert found["has_dependencies"] is None and found["completeness"] is None


def test_items_from_files_and_readme_by_hand() -> None:
    readme = (
        "## Training\nTo train the model, run:\n```\npython main.py --epochs 10\n```\n"
        "Download our pretrained models [here](https://drive.google.com/file/d/abc).\n\n"
        "| model | top-1 | top-5 |\n|---|---|---|\n| ours | 76.1 | 92.9 |\n| base | 75.3 | 92.2 |\n"
    )
    record = {"files": [["main.py", 1], ["evaluate.py", 1], ["requirements.txt", 9]], "imports": {},
              "readmes": {"README.md": readme}}  # fmt: skip
    items = checklist.score_checklist(record)
    assert items == {"has_dependencies": True, "has_training_code": True, "has_evaluation_code": True,
                     "has_pretrained_models": True, "has_results": True, "completeness": 5}  # fmt: skip
    bare = {"files": [["model.py", 1]], "imports": {}, "readmes": {"README.md": "Code coming soon."}}
    assert checklist.score_checklist(bare)["completeness"] == 0


def test_code_in_any_language_is_scored() -> None:
    readme = (
        "# A3\nMatlab code to reproduce the results of the paper.\n\n## Usage\nRun `cmp_ADMM.m` in MATLAB.\n"
    )
    record = {"files": [["codes/cmp_ADMM.m", 900], ["codes/func_gaADMM.m", 300]], "imports": {},
              "readmes": {"README.md": readme}}  # fmt: skip
    found = extract_tools({"status": "ok", **record})
    assert found["status"] == "no_python" and found["has_training_code"] and found["has_evaluation_code"]
    r_package = {
        "files": [["pkg/DESCRIPTION", 400], ["pkg/R/fit.R", 900]],
        "imports": {},
        "readmes": {"README.md": ""},
    }
    assert checklist.score_checklist(r_package)["has_dependencies"] is True


def test_a_test_folder_a_demo_or_a_main_script_is_no_evaluation() -> None:
    files = [["tests/test_model.py", 90], ["tests/apps/run_bench.py", 90], ["demo.py", 90], ["main.py", 90]]
    record = {
        "files": files,
        "imports": {},
        "readmes": {"README.md": "# Tool\n\nPython implementation of X.\n"},
    }
    assert checklist.score_checklist(record)["has_evaluation_code"] is False
    with_eval = {**record, "files": [*files, ["eval.py", 90]]}
    assert checklist.score_checklist(with_eval)["has_evaluation_code"] is True


def test_a_readme_saying_the_code_is_not_out_yet_has_no_training_or_evaluation() -> None:
    readme = "Universal Boosting VI\n===\n\nCurrently in the process of preparing code for public release -- check back soon!\n"
    record = {"files": [["examples/main.py", 900], ["examples/plot.py", 900]], "imports": {},
              "readmes": {"README.md": readme}}  # fmt: skip
    items = checklist.score_checklist(record)
    assert items["has_training_code"] is False and items["has_evaluation_code"] is False
    runs = {**record, "readmes": {"README.md": readme + "\n```\npython examples/main.py\n```\n"}}
    assert checklist.score_checklist(runs)["has_training_code"] is True


def test_experiment_scripts_named_by_the_readme_count_as_training_and_evaluation() -> None:
    readme = "# kd\n\n## Reproducing experimental results\n\nRun the scripts in `scripts/`.\n"
    record = {
        "files": [["code/kd.py", 900], ["scripts/one.sh", 90]],
        "imports": {},
        "readmes": {"README.md": readme},
    }
    items = checklist.score_checklist(record)
    assert items["has_training_code"] is True and items["has_evaluation_code"] is True
    assert checklist.score_checklist({**record, "files": []})["has_training_code"] is False  # no code at all


def test_html_comments_are_not_read() -> None:
    readme = "# DLG\n\n<!--\n## Results\n| a | b |\n|---|---|\n| 1.5 | 2.5 | 3.5 |\n-->\nSee the paper.\n"
    record = {"files": [["dlg.py", 90]], "imports": {}, "readmes": {"README.md": readme}}
    assert checklist.score_checklist(record)["has_results"] is False
    shown = {**record, "readmes": {"README.md": readme.replace("<!--", "").replace("-->", "")}}
    assert checklist.score_checklist(shown)["has_results"] is True


@pytest.mark.parametrize(
    ("readme", "expected"),
    [("|  | Baseline | HNN |\n|---|---|---|\n| spring | 3.7134e-02 | 3.6933e-02 |\n| pend | 3.2e-02 | 3.3e-02 |", True),
     ("### (4) Quantitative Results on ScanNet\n![Arch Image](figs/fig_res_scannet.png)", True),
     ("CIFAR10 -> STL10 | CIFAR100\n:--:|:--:\n![](plots/stl_wrn.jpg) | ![](plots/c100.jpg)", True),
     ("[![PWC](https://img.shields.io/x.svg)](https://paperswithcode.com/sota/few-shot-on-cub?p=x)", True),
     ("```\npython run_metric.py --truncation_sweep\n```\nThis command replicates results from Fig. 4.", True),
     ("#### [UMAL results on the synthetic problem](Synthetic%20regression.ipynb)", True),
     ("![The pipeline](images/pipeline.jpg)\n\n## Usage\n```\npython train.py\n```", False),
     ("In order to reproduce the results of the paper, run:\n```\nexperiment1.sh\n```", False),
     ("| Patient | DLS C1 | DLS C2 |\n|---|---|---|\n| 1 | 1 | 0 |\n| 2 | 0 | 1 |", False)],
)  # fmt: skip
def test_results_shown_or_reproduced(readme: str, expected: bool) -> None:
    assert checklist.shows_results([readme]) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [("Pretrained models will be released soon: https://drive.google.com/x", False),
     ("Checkpoints: https://zenodo.org/record/1", True),
     ("We save checkpoints every epoch, see https://pytorch.org", False),
     ("Pretrained models will be added shortly: https://dl.fbaipublicfiles.com/x", False),
     ("`model_name_or_path`: pretrained model from [huggingface.co/models](https://huggingface.co/models)", False),
     ("Then quantize your trained model using the code [here](https://github.com/a/b).", False),
     ("Download a pre-trained network:\n```\npython fetch_model.py adv_trained\n```", True),
     ("The pre-trained modules will be available for download [here](https://drive.google.com/drive/x).", True),
     ("Follow [S2M2](https://github.com/someone/S2M2) to download the pretrained models.", False),
     ("Pretrained models: see the [project page](https://lab.github.io/project).", False),
     ("Alternatively, download a model from [here](http://www.cs.utexas.edu/~me/pretrain_vqacp_model.pth).", True),
     ("Backbone: [ResNet-50](https://download.pytorch.org/models/resnet50-19c8e357.pth)", False),
     ("| Backbone | AP | Model |\n|---|---|---|\n| R-50 | 38.7 | [Link](https://drive.google.com/open?id=1o) |", True),
     ("The ImageNet pretrained [model](https://x.blob.core.windows.net/h/dbt_imagenet.params) is available.", True),
     ("To download some pretrained models used in the paper:\n```bash\ncd pretrained_models\nsh download.sh\n```", True),
     (("This dataset was generated using the pretrained model available at https://github.com/csinva/gan-pretrained."
      "\nThe dataset can be downloaded from [here](https://www.dropbox.com/s/q/GANMNIST.zip?dl=0)"), False)],
)  # fmt: skip
def test_weights_need_a_link_and_no_promise(line: str, expected: bool) -> None:
    assert checklist.links_weights(line) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("eval/inception/best_acc-103005.data-00000-of-00001", True),  # a TensorFlow checkpoint's variables
     ("data/split_by_name.pt", False), ("exp_result/saliency_sst2.pt", False),  # a data split, saved results
     ("fetch_model.py", True), ("checkpoints/resnet.pth", True), ("src/model.py", False),
     ("ckps/resnet56_cifar10_baseline.ckp", True)],
)  # fmt: skip
def test_weight_files(path: str, expected: bool) -> None:
    assert checklist.has_weight_files({"files": [[path, 100]]}) is expected


def test_another_projects_copy_gives_neither_dependencies_nor_weights() -> None:
    files = [["rllab/LICENSE", 1000], ["rllab/environment.yml", 300], ["rllab/models/policy.pth", 9000],
             ["irl/train.py", 900]]  # fmt: skip
    record = {
        "files": files,
        "imports": {},
        "readmes": {"README.md": "## Usage\nThe rllab package is provided."},
    }
    items = checklist.score_checklist(record)
    assert items["has_dependencies"] is False and items["has_pretrained_models"] is False
    assert items["has_training_code"] is True  # code stays code
    own = {**record, "files": [*files, ["environment.yml", 300]]}
    assert checklist.score_checklist(own)["has_dependencies"] is True


@pytest.mark.parametrize(
    ("readme", "expected"),
    [("### Requirements before running\nThis code requires:\n* numpy\n* pytorch\n", True),
     ("## Setup\n```\ndocker pull me/image:latest\n```", True),
     ("## Install\n```\npip install -e .\n```", True),
     ("# Tool\nSimply copy relevant files to your project.\n", False)],
)  # fmt: skip
def test_dependencies_from_readme_instructions(readme: str, expected: bool) -> None:
    record = {"files": [["tool.py", 90]], "imports": {}, "readmes": {"README.md": readme}}
    assert checklist.score_checklist(record)["has_dependencies"] is expected


def test_a_code_fence_language_is_no_command_and_a_title_no_training_heading() -> None:
    readme = "# Neural Network Training at Scale\n\n```python\nmodel = 'resnet50_trained_on_SIN'\n```\n"
    record = {"files": [["analysis.md", 1]], "imports": {}, "readmes": {"README.md": readme}}
    assert checklist.score_checklist(record)["has_training_code"] is False
    empty = {"files": [["eval_dataset.py", 0]], "imports": {}, "readmes": {"README.md": ""}}
    assert checklist.score_checklist(empty)["has_evaluation_code"] is False


@pytest.mark.parametrize(
    ("text", "commands"),
    [("Run `python3 exp/train.py --verbose` now", ["python3 exp/train.py --verbose"]),
     ("$ python main.py\npython -m torch.distributed.launch tools/train_net.py", ["$ python main.py",
      "python -m torch.distributed.launch tools/train_net.py"]),
     ("Python implementation of X.\npython 3.6 is required", [])],
)  # fmt: skip
def test_commands_are_programs_with_a_script_not_prose(text: str, commands: list[str]) -> None:
    assert checklist.find_commands(text) == commands


def test_steps_named_with_a_file_and_installs_from_an_environment_file() -> None:
    readme = "## Reproduce\n* Step 2: evaluate with AOPC by TDD_step2.py.\n\n```\nconda env create -f env.yaml\n```\n"
    record = {"files": [["TDD_step2.py", 10], ["env.yml", 10], ["README.md", 9]], "imports": {},
              "readmes": {"README.md": readme}}  # fmt: skip
    found = extract_tools({"status": "ok", **record})
    assert found["has_evaluation_code"] is True and found["has_dependencies"] is True


def test_own_release_links_count_and_other_repositories_do_not() -> None:
    own = "Pretrained models: [v1](https://github.com/me/tool/releases/download/v1/model.pt)"
    assert checklist.links_weights(own, "me/tool") is True
    assert (
        checklist.links_weights("Pretrained models: see https://github.com/me/tool#models", "me/tool") is True
    )
    assert checklist.links_weights("Pretrained models: see https://github.com/you/other", "me/tool") is False
