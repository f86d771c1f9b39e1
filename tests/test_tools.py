"""Tools: facts -> canonical PyPI names, frameworks, and what is declared but not imported (and back)."""

from __future__ import annotations

import json
from pathlib import Path

from iclr_tools import scan, tools
from iclr_tools.tools import extract_tools


def test_mapping_to_pypi_names() -> None:
    assert tools.map_module_to_package("cv2.dnn") == "opencv-python"
    assert tools.map_module_to_package("sklearn.metrics") == "scikit-learn"
    assert tools.map_module_to_package("skimage") == "scikit-image"
    assert tools.map_module_to_package("absl.flags") == "absl-py"
    assert tools.map_module_to_package("yaml") == "pyyaml"  # from pipreqs' mapping
    assert tools.map_module_to_package("bs4") == "beautifulsoup4"
    assert tools.map_module_to_package("torch.nn") == "torch"


def repo_record(files: dict[str, str]) -> dict:
    """A record built by the scanner from file texts."""
    data = {path: text.encode() for path, text in files.items()}
    return scan.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data)


def test_tools_stdlib_own_modules_and_frameworks() -> None:
    record = repo_record({
        "train.py": "import os, urllib2\nimport torch\nimport models.net\nimport utils\nfrom tensorflow import keras\n",
        "models/net.py": "import torch.nn\nfrom .layers import x\nimport cv2\n",
        "utils.py": "import numpy as np\n",
        "requirements.txt": "torch\nnumpy\nrequests\n",
    })  # fmt: skip
    tools = extract_tools(record)
    assert tools["status"] == "ok"
    assert tools["frameworks"] == ["pytorch", "tensorflow"]  # tf.keras is TensorFlow, not standalone Keras
    assert tools["imported_tools"] == ["numpy", "opencv-python", "tensorflow", "torch"]
    assert tools["declared_tools"] == ["numpy", "requests", "torch"]
    assert tools["undeclared_imports"] == ["opencv-python", "tensorflow"]


def test_repository_without_python_is_no_python() -> None:
    tools = extract_tools(repo_record({"README.md": "pip install numpy\n", "run.m": "x=1"}))
    assert (
        tools["status"] == "no_python" and tools["declared_tools"] == ["numpy"] and tools["frameworks"] == []
    )


def test_recorded_repositories_scan_like_their_records(shared_dir: Path) -> None:
    """Rebuilding files from a recorded repository gives back the recorded imports (a round trip)."""
    record = json.loads(
        (shared_dir / "iclr2020" / "repos" / "BayesWatch__pytorch-blockswap.json").read_text()
    )
    files = {path: "\n".join(f"import {m}" if not m.startswith(".") else f"from {m} import x" for m in mods)
             for path, mods in record["imports"].items()}  # fmt: skip
    rebuilt = repo_record(files)
    assert rebuilt["imports"] == record["imports"]
    assert extract_tools(rebuilt)["frameworks"] == extract_tools(record)["frameworks"] == ["pytorch"]
