"""Scanning: declared dependencies, imports, and their mapping to canonical PyPI names and frameworks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iclr_helpers as ih

REQUIREMENT_LINES = [
    ("torch==1.5.0+cu101", "torch"),
    ("Scikit_Learn>=0.22 ; python_version >= '3.6'", "scikit-learn"),
    ("tensorflow-gpu=1.14.0", "tensorflow-gpu"),  # conda-style pin in a requirements file
    ("numpy=1.18.1=py37h4f9e942_0", "numpy"),
    ("git+https://github.com/openai/baselines.git@abc#egg=baselines", "baselines"),
    ("https://download.pytorch.org/whl/cu100/torch-1.1.0-cp37-cp37m-linux_x86_64.whl", "torch"),
    ("pkg @ https://example.org/pkg.zip", "pkg"),
    ("opencv_python[extra]~=4.1", "opencv-python"),
    ("./local/path", None),
    ("", None),
]


@pytest.mark.parametrize(("line", "name"), REQUIREMENT_LINES)
def test_parse_requirement(line: str, name: str | None) -> None:
    assert ih.parse_requirement(line) == name


def test_requirements_file_with_comments_options_includes_and_editables() -> None:
    manifests = {
        "requirements.txt": (
            "# deep learning\n--index-url https://pypi.example/simple\n-f https://x/links\n"
            "torch>=1.0  # pinned below\n-r requirements/base.txt\n-c constraints.txt\n-e .\n"
            "-e git+https://github.com/a/b.git#egg=bee\nnumpy; sys_platform == 'linux'\n"
        ),
        "requirements/base.txt": "scipy\n-r ../requirements.txt\n",  # a cycle is followed once
    }
    names = ih.parse_requirements_text(manifests["requirements.txt"], "requirements.txt", manifests)
    assert names == ["torch", "scipy", "bee", "numpy"]


def test_environment_yml_conda_names_channels_and_pip() -> None:
    text = """
name: env
channels: [pytorch, conda-forge]
dependencies:
  - python=3.7
  - pytorch::pytorch=1.4=py3.7_cuda10.1
  - cudatoolkit=10.1
  - libgcc-ng=9.1.0
  - conda-forge::scikit-image
  - pip
  - pip:
    - tensorboardX==1.8
    - git+https://github.com/x/y#egg=yy
"""
    assert ih.parse_environment_yml(text) == ["torch", "scikit-image", "tensorboardx", "yy"]


def test_pipfile_pyproject_and_setup_cfg() -> None:
    pipfile = '[packages]\nrequests = "*"\nTorch = {version = ">=1"}\n[dev-packages]\npytest = "*"\n'
    assert ih.parse_pipfile(pipfile) == ["requests", "torch", "pytest"]
    pep621 = '[project]\nname = "x"\ndependencies = ["jax>=0.2", "flax"]\n[project.optional-dependencies]\ntf = ["tensorflow"]\n'
    assert ih.parse_pyproject(pep621) == ["jax", "flax", "tensorflow"]
    poetry = '[tool.poetry.dependencies]\npython = "^3.8"\nnumpy = "^1.20"\n[tool.poetry.group.dev.dependencies]\nblack = "*"\n'
    assert ih.parse_pyproject(poetry) == ["numpy", "black"]
    cfg = "[options]\ninstall_requires =\n    numpy>=1.0\n    torch\n[options.extras_require]\nviz = matplotlib\n"
    assert ih.parse_setup_cfg(cfg) == ["numpy", "torch", "matplotlib"]


def test_setup_py_is_parsed_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    source = f"""
import setuptools
open({str(marker)!r}, "w").write("setup.py was executed")
REQUIRED = ["numpy>=1.16", "torch"]
setuptools.setup(name="x", install_requires=REQUIRED, extras_require={{"gym": ["gym"]}},
                 tests_require=compute(), python_requires=">=3.6")
"""
    facts = ih.extract_setup_py(source)
    assert facts["install_requires"] == ["numpy>=1.16", "torch"]
    assert facts["tests_require"] == "<not a literal>"
    assert ih.extract_setup_requires(facts) == ["numpy", "torch", "gym"]
    record = ih.extract_repo_facts("o/r", "", [("setup.py", len(source))], {"setup.py": source.encode()})
    assert record["setup_py"]["setup.py"]["install_requires"] == ["numpy>=1.16", "torch"]
    assert not marker.exists()


def test_install_lines() -> None:
    readme = "Install:\n```\npip install -U torch==1.4 'tensorflow>=2' -r requirements.txt && python setup.py\n```\n"
    readme += "conda install -c pytorch pytorch torchvision\n# pip install commented\n"
    lines = ih.extract_install_lines(readme)
    assert len(lines) == 2
    assert ih.parse_install_line(lines[0]) == ["torch", "tensorflow"]
    assert ih.parse_install_line(lines[1]) == ["torch", "torchvision"]
    assert ih.parse_install_line(
        "!pip install --upgrade -q ./jax-0.1.59-cp36-none-manylinux2010_x86_64.whl"
    ) == ["jax"]
    assert ih.parse_install_line("RUN pip install dist/aprl-*.whl ${WHEEL}") == []


def test_imports_python3_python2_and_relative() -> None:
    py3 = (
        "import os, torch.nn as nn\nfrom . import utils\nfrom ..models import net\ndef f():\n    import cv2\n"
    )
    assert ih.extract_imports(py3) == (sorted(["..models", ".", "cv2", "os", "torch.nn"]), False)
    py2 = "import urllib2, cPickle\nfrom StringIO import StringIO\nprint 'hello'\nimport tensorflow as tf\n"
    assert ih.extract_imports(py2) == (["StringIO", "cPickle", "tensorflow", "urllib2"], True)


def test_notebook_magics_skipped_and_pip_lines_read() -> None:
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["import not_code"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip install transformers\n", "import torch\n"]},
        {"cell_type": "code", "source": "!ls\nfrom jax import numpy as jnp"},
    ], "nbformat": 4}  # fmt: skip
    code, installs = ih.extract_notebook_code(json.dumps(notebook))
    assert ih.extract_imports(code) == (["jax", "torch"], False)
    assert installs == ["!pip install transformers"]


def test_mapping_to_pypi_names() -> None:
    assert ih.map_module_to_package("cv2.dnn") == "opencv-python"
    assert ih.map_module_to_package("sklearn.metrics") == "scikit-learn"
    assert ih.map_module_to_package("skimage") == "scikit-image"
    assert ih.map_module_to_package("absl.flags") == "absl-py"
    assert ih.map_module_to_package("yaml") == "pyyaml"  # from pipreqs' mapping
    assert ih.map_module_to_package("bs4") == "beautifulsoup4"
    assert ih.map_module_to_package("torch.nn") == "torch"


def repo_record(files: dict[str, str]) -> dict:
    """A record built by the scanner from file texts."""
    data = {path: text.encode() for path, text in files.items()}
    return ih.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data)


def test_tools_stdlib_own_modules_and_frameworks() -> None:
    record = repo_record({
        "train.py": "import os, urllib2\nimport torch\nimport models.net\nimport utils\nfrom tensorflow import keras\n",
        "models/net.py": "import torch.nn\nfrom .layers import x\nimport cv2\n",
        "utils.py": "import numpy as np\n",
        "requirements.txt": "torch\nnumpy\nrequests\n",
    })  # fmt: skip
    tools = ih.extract_tools(record)
    assert tools["status"] == "ok"
    assert tools["frameworks"] == ["pytorch", "tensorflow"]  # tf.keras is TensorFlow, not standalone Keras
    assert tools["imported_tools"] == ["numpy", "opencv-python", "tensorflow", "torch"]
    assert tools["declared_tools"] == ["numpy", "requests", "torch"]
    assert tools["undeclared_imports"] == ["opencv-python", "tensorflow"]


def test_repository_without_python_is_no_python() -> None:
    tools = ih.extract_tools(repo_record({"README.md": "pip install numpy\n", "run.m": "x=1"}))
    assert (
        tools["status"] == "no_python" and tools["declared_tools"] == ["numpy"] and tools["frameworks"] == []
    )


def test_bad_files_are_recorded_not_fatal() -> None:
    data = {
        "bin.py": b"\x00\x01\x02garbage",
        "latin.py": "# -*- coding: latin-1 -*-\nimport numpy  # caf\xe9\n".encode("latin-1"),
        "utf16.py": "import scipy\n".encode("utf-16"),
        "deep.py": ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\nimport torch\n").encode(),
        "nb.ipynb": b"{not json",
        "environment.yml": b"dependencies: [unclosed",
        "pyproject.toml": b"[project\n",
    }
    record = ih.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data)
    assert "bin.py" in record["unreadable"] and "nb.ipynb" in record["unreadable"]
    assert record["imports"]["latin.py"] == ["numpy"]
    assert record["imports"]["utf16.py"] == ["scipy"]
    assert "torch" in record["imports"]["deep.py"]
    tools = ih.extract_tools(record)
    assert tools["frameworks"] == ["pytorch"] and tools["declared_tools"] == []


def test_recorded_repositories_scan_like_their_records(shared_dir: Path) -> None:
    """Rebuilding files from a recorded repository gives back the recorded imports (a round trip)."""
    record = json.loads(
        (shared_dir / "iclr2020" / "repos" / "BayesWatch__pytorch-blockswap.json").read_text()
    )
    files = {path: "\n".join(f"import {m}" if not m.startswith(".") else f"from {m} import x" for m in mods)
             for path, mods in record["imports"].items()}  # fmt: skip
    rebuilt = repo_record(files)
    assert rebuilt["imports"] == record["imports"]
    assert ih.extract_tools(rebuilt)["frameworks"] == ih.extract_tools(record)["frameworks"] == ["pytorch"]
