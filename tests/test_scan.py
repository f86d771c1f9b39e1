"""Scanning: files -> facts (imports of .py / .ipynb / .pyx, setup.py read by parsing, install lines, bad files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iclr_tools import declared, scan
from iclr_tools.tools import extract_tools


def test_setup_py_is_parsed_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    source = f"""
import setuptools
open({str(marker)!r}, "w").write("setup.py was executed")
REQUIRED = ["numpy>=1.16", "torch"]
setuptools.setup(name="x", install_requires=REQUIRED, extras_require={{"gym": ["gym"]}},
                 tests_require=compute(), python_requires=">=3.6")
"""
    facts = scan.extract_setup_py(source)
    assert facts["install_requires"] == ["numpy>=1.16", "torch"]
    assert facts["tests_require"] == "<not a literal>"
    assert declared.extract_setup_requires(facts) == {
        "numpy": "runtime",
        "torch": "runtime",
        "gym": "runtime",
    }
    record = scan.extract_repo_facts("o/r", "", [("setup.py", len(source))], {"setup.py": source.encode()})
    assert record["setup_py"]["setup.py"]["install_requires"] == ["numpy>=1.16", "torch"]
    assert not marker.exists()


def test_imports_python3_python2_and_relative() -> None:
    py3 = (
        "import os, torch.nn as nn\nfrom . import utils\nfrom ..models import net\ndef f():\n    import cv2\n"
    )
    assert scan.extract_imports(py3) == (sorted(["..models", ".", "cv2", "os", "torch.nn"]), False)
    py2 = "import urllib2, cPickle\nfrom StringIO import StringIO\nprint 'hello'\nimport tensorflow as tf\n"
    assert scan.extract_imports(py2) == (["StringIO", "cPickle", "tensorflow", "urllib2"], True)


def test_notebook_magics_skipped_and_pip_lines_read() -> None:
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["import not_code"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip install transformers\n", "import torch\n"]},
        {"cell_type": "code", "source": "!ls\nfrom jax import numpy as jnp"},
    ], "nbformat": 4}  # fmt: skip
    code, installs = scan.extract_notebook_code(json.dumps(notebook))
    assert scan.extract_imports(code) == (["jax", "torch"], False)
    assert installs == ["!pip install transformers"]


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
    record = scan.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data)
    assert "bin.py" in record["unreadable"] and "nb.ipynb" in record["unreadable"]
    assert record["imports"]["latin.py"] == ["numpy"]
    assert record["imports"]["utf16.py"] == ["scipy"]
    assert "torch" in record["imports"]["deep.py"]
    tools = extract_tools(record)
    assert tools["frameworks"] == ["pytorch"] and tools["declared_tools"] == []


@pytest.mark.parametrize(
    "path",
    [
        "a.py",
        "x/model.PYX",
        "nb/Demo.ipynb",
        "requirements.txt",
        "requirements-dev.txt",
        "dev_requirements.txt",
        "requirements/base.txt",
        "Requirements/GPU.TXT",
        "environment.yml",
        "environment-cuda.yaml",
        "conda_env.yml",
        "Pipfile",
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "README.md",
        "readme",
        "docs/README.rst",
        "run.sh",
        "Dockerfile",
        "docker/Dockerfile.gpu",
        "INSTALL.md",
        "install_deps",
        "Makefile",
        ".gitmodules",
    ],
)
def test_is_scan_file_keeps(path: str) -> None:
    assert scan.is_scan_file(path)


@pytest.mark.parametrize(
    "path",
    [
        "data.csv",
        "img.png",
        "weights.pt",
        "notes.txt",
        "frequency.txt",
        "docs/index.md",
        "Pipfile.lock",
        "a.pyc",
    ],
)
def test_is_scan_file_drops(path: str) -> None:
    assert not scan.is_scan_file(path)


def test_scanner_version_follows_the_scan_code_itself(tmp_path: Path) -> None:
    """Any edit of the scan module gives another version, with nobody having to remember to bump it."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "iclr_tools"
    shutil.copytree(Path(scan.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    show = "import iclr_tools.scan as s; print(s.SCANNER_VERSION)"

    def version() -> str:
        done = subprocess.run(
            [sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert version() == scan.SCANNER_VERSION  # the same code, the same version
    with (copy / "scan.py").open("a") as handle:
        handle.write("\n# a one-line change to the scanner\n")
    assert version() not in ("", scan.SCANNER_VERSION)


def notebook(*cells: str) -> bytes:
    """An nbformat 4 notebook with these code cells."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells
    ]}).encode()  # fmt: skip


def test_ipython_syntax_does_not_push_a_notebook_to_the_regex() -> None:
    data = notebook(
        "%%bash\nls -la\n", "x = !ls\nimport torch\nobj?\n%matplotlib inline\n", 's = "import fake"\n'
    )
    facts = scan.extract_file_facts("demo.ipynb", data)
    assert facts["imports"] == ["torch"] and "parsed_by_regex" not in facts


def test_one_python2_cell_is_read_by_tokens_and_strings_are_skipped() -> None:
    data = notebook('print "old"\nimport numpy\ns = """\nimport not_an_import\n"""\n', "import torch\n")
    facts = scan.extract_file_facts("old.ipynb", data)
    assert facts["imports"] == ["numpy", "torch"] and facts["parsed_by_regex"] is True


def test_python2_fallback_skips_docstrings_and_comments() -> None:
    source = '"""Docs.\nimport in_docstring\n"""\nprint "x"\n# import in_comment\nimport real, other as o\nfrom pkg.sub import y\n'
    assert scan.extract_imports(source) == (["other", "pkg.sub", "real"], True)


def test_optional_imports_are_recorded() -> None:
    source = (
        "import numpy\ntry:\n    import apex\nexcept ImportError:\n    pass\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\n"
        "try:\n    import scipy\nfinally:\n    pass\n"
    )
    facts = scan.extract_file_facts("m.py", source.encode())
    assert facts["optional_imports"] == ["apex", "pandas"]
    assert facts["imports"] == ["apex", "numpy", "pandas", "scipy", "typing"]


def test_readmes_are_kept_for_the_readme_readers() -> None:
    files = {f"d{i}/README.md": b"# r\n" for i in range(25)} | {
        "README.md": b"# top\n",
        "docs/INSTALL.rst": b"i\n",
    }
    record = scan.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in files.items()], files)
    assert len(record["readmes"]) == 20 and "README.md" in record["readmes"]
    assert scan.is_scan_file("docs/GETTING_STARTED.md") and scan.is_readme("docs/INSTALL.rst")
