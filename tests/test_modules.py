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
