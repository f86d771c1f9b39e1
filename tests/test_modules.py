"""Own modules as Python 3 resolves them: which imports a repository's own files answer."""

from __future__ import annotations

import pytest

from iclr_tools import modules


def own(
    files: list[str], imports: dict[str, list[str]], installed: set[str] | None = None, subdir: str = ""
) -> set:
    """`find_own_imports` on a repository made of `files` (each file's imports given)."""
    record = {"files": [[path, 1] for path in files], "imports": imports, "subdir": subdir}
    return modules.find_own_imports(
        record, lambda name: name in (installed or {"keras", "torch", "tensorflow"})
    )


CASES = [
    # (files, importing file, import, own?) -- expectations from how CPython's path finder works
    (["train.py", "keras/__init__.py"], "train.py", "keras", True),  # a regular package beside the script
    (["train.py", "keras.py"], "train.py", "keras", True),  # a module beside the script
    (["efficientnet/__init__.py", "efficientnet/keras.py"], "efficientnet/__init__.py", "keras", False),  # absolute
    (["train.py", "keras/layers.py"], "train.py", "keras", False),  # namespace folder: the installed Keras wins
    (["train.py", "models/net.py"], "train.py", "models", True),  # namespace folder, nothing installed
    (["train.py", "torch/README.md"], "train.py", "torch", False),  # a folder holding no Python
    (["scripts/run.py", "tensorflow/model.py"], "scripts/run.py", "tensorflow", False),  # not on the path
    (["tensorflow/train.py", "tensorflow/utils.py"], "tensorflow/train.py", "tensorflow", False),  # coulomb_gan
    (["a/b/deep.py", "utils.py"], "a/b/deep.py", "utils", True),  # the repository root is on the path
    (["src/pkg/__init__.py", "src/pkg/m.py", "src/helpers.py"], "src/pkg/m.py", "helpers", True),  # src root
    (["proj/setup.py", "proj/lib/__init__.py", "tools/x.py"], "tools/x.py", "lib", True),  # setup.py folder
    (["code/train.py", "code/models/__init__.py", "code/models/net.py", "code/utils.py"],
     "code/models/net.py", "utils", True),  # package code: the folder holding the top package
    (["nb/demo.ipynb", "nb/keras.py"], "nb/demo.ipynb", "keras", True),  # a notebook runs in its folder
]  # fmt: skip


@pytest.mark.parametrize(("files", "path", "name", "expected"), CASES)
def test_own_modules_follow_pythons_import_path(
    files: list[str], path: str, name: str, expected: bool
) -> None:
    found = own(files, {path: [name]})
    assert ((path, name) in found) is expected


def test_a_linked_folder_is_a_root() -> None:
    files = ["projects/p1/run.py", "projects/p1/lib/__init__.py", "projects/p1/lib/x.py"]
    assert own(files, {"projects/p1/run.py": ["lib"]}, subdir="projects/p1") == {
        ("projects/p1/run.py", "lib")
    }


def test_local_names_cover_every_module_and_python_folder() -> None:
    record = {"files": [["a/CW.py", 1], ["b/data/x.py", 1], ["docs/readme.md", 1]]}
    assert modules.find_local_names(record) == {"CW", "a", "b", "data", "x"}


VENDORED_CASES = [
    # (files, importing file, import, answered by a folder of the repository?) -- a fork or vendored copy
    (["setup.py", "torch/__init__.py", "torch/nn.py", "test/run.py"], "test/run.py", "torch", True),  # a fork
    (["setup.py", "torch/__init__.py", "torch/nn.py"], "torch/nn.py", "torch", True),  # the fork's own files
    (["lib/Theano-master/setup.py", "lib/Theano-master/theano/__init__.py", "lib/bo.py"], "lib/bo.py", "theano",
     True),  # a vendored copy: its setup.py folder is a source root
    (["rlkit/__init__.py", "rlkit/torch/__init__.py", "rlkit/torch/core.py"], "rlkit/torch/core.py", "torch",
     False),  # a subpackage named torch (oyster): absolute imports never reach it
    (["edward2/__init__.py", "edward2/tensorflow/__init__.py", "edward2/tensorflow/layers.py"],
     "edward2/tensorflow/layers.py", "tensorflow", False),  # edward2/tensorflow
    (["train.py", "keras.py"], "train.py", "keras", False),  # a module file: the repository's own, not a copy
    (["train.py", "torch/ops.py"], "train.py", "torch", False),  # a namespace folder: the installed one wins
    (["train.py", "models/__init__.py"], "train.py", "models", False),  # a folder, but not a framework
]  # fmt: skip


@pytest.mark.parametrize(("files", "path", "name", "expected"), VENDORED_CASES)
def test_a_framework_answered_by_a_folder_of_the_repository_is_vendored(
    files: list[str], path: str, name: str, expected: bool
) -> None:
    record = {"files": [[file, 1] for file in files], "imports": {path: [name]}}
    installed = {"keras", "torch", "tensorflow", "theano"}
    found = modules.find_vendored_imports(
        record, {"torch", "tensorflow", "keras", "theano"}, installed.__contains__
    )
    assert ((path, name) in found) is expected
    if expected:  # a vendored import is one the own-module rule answers: it is never counted twice
        assert (path, name) in modules.find_own_imports(record, installed.__contains__)


INSTALLED = {"keras", "torch", "tensorflow", "numpy", "datasets"}
SOURCE_ROOT_CASES = [
    # (files, importing file, its imports, the import asked about, own?) -- the source-root rule
    (["search/train.py", "tools/__init__.py", "tools/datasets/__init__.py", "tools/engine/__init__.py",
      "tools/seg_opr/__init__.py"], "search/train.py", ["datasets", "engine", "seg_opr", "torch"], "datasets",
     True),  # tools/ alone provides engine and seg_opr (no distribution): it is on the path, datasets with them
    (["search/train.py", "tools/datasets/__init__.py", "tools/engine/__init__.py"], "search/train.py",
     ["datasets", "engine", "torch"], "datasets", False),  # one unresolved name (engine) is not several
    (["search/train.py", "a/engine.py", "b/seg_opr.py", "b/datasets.py"], "search/train.py",
     ["datasets", "engine", "seg_opr"], "datasets", False),  # engine and seg_opr from two folders: none alone
    (["run.py", "lib/__init__.py", "lib/tensorflow/__init__.py", "lib/numpy/__init__.py"], "run.py",
     ["tensorflow", "numpy"], "tensorflow", False),  # installed names never make a source root (edward2)
    (["tools/engine/__init__.py", "tools/seg_opr/__init__.py", "tools/datasets/bdd/bdd.py",
      "tools/datasets/__init__.py", "train/train.py"], "tools/datasets/bdd/bdd.py", ["datasets"], "datasets",
     True),  # a file beneath a source root found for another script (train.py) runs with it on the path
    (["scripts/train.py", "datasets/load_noaa.py"], "scripts/train.py", ["datasets.load_noaa"], "datasets",
     True),  # a namespace folder holding the very submodule imported beats the installed namesake
    (["scripts/train.py", "datasets/load_noaa.py"], "scripts/train.py", ["datasets.other"], "datasets",
     False),  # ... but not a submodule it lacks: the installed `datasets` wins
]  # fmt: skip


@pytest.mark.parametrize(("files", "path", "imports", "name", "expected"), SOURCE_ROOT_CASES)
def test_a_folder_providing_several_unresolved_imports_is_a_source_root(
    files: list[str], path: str, imports: list[str], name: str, expected: bool
) -> None:
    others = {"train/train.py": ["engine", "seg_opr"]} if "train/train.py" in files else {}
    found = own(files, {**others, path: imports}, installed=INSTALLED)
    assert ((path, name) in found) is expected


def test_fasterseg_tools_folder_is_its_scripts_source_root(shared_dir) -> None:
    """TAMU-VITA/FasterSeg (ICLR 2020): `search/` and `train/` import datasets, engine, seg_opr and utils, which
    live only under `tools/`; so `datasets` is the repository's own, not PyPI's `datasets`."""
    import json

    from iclr_tools.tools import extract_tools

    record = json.loads((shared_dir / "iclr2020" / "repos" / "TAMU-VITA__FasterSeg.json").read_text())
    paths = [path for path, *_ in record["files"]]
    names = {"datasets", "engine", "seg_opr", "utils"}
    for name in names:  # every one lives only under tools/, as a package of its own
        holders = {path.split("/")[0] for path in paths if f"/{name}/" in f"/{path}"}
        assert holders == {"tools"} and f"tools/{name}/__init__.py" in paths
    for script in ("search/train_search.py", "train/train.py"):
        assert {"datasets", "seg_opr", "utils"} <= {m.split(".")[0] for m in record["imports"][script]}
    found = modules.find_own_imports(record, lambda name: name in INSTALLED)
    assert {("search/train_search.py", name) for name in ("datasets", "seg_opr", "utils")} <= found
    assert ("train/train.py", "datasets") in found and ("tools/datasets/bdd/bdd.py", "datasets") in found
    tools = extract_tools({"status": "ok", **record})
    assert "datasets" not in tools["imported_tools"] and tools["frameworks"] == ["pytorch"]
