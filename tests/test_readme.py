"""Dependencies as researchers list them in READMEs, mapped to PyPI names (expectations written by hand)."""

from __future__ import annotations

import pytest

from iclr_tools import readme

READMES = [
    ("## Requirements\n- PyTorch==1.1.0\n- numpy\n- Python 3.6\n", ["torch", "numpy"], "3.6", ""),
    ("# Dependencies\n* pytorch 1.0.1\n* TensorFlow (1.0 or later)\n* CUDA 10.0, cuDNN 7\n",
     ["torch", "tensorflow"], "", "10.0"),
    ("Prerequisites\n-------------\nPython>=3.6, PyTorch==0.4.0, torchvision==0.2.1\n",
     ["torch", "torchvision"], "3.6", ""),
    ("## Environment\n| package | version |\n|---|---|\n| tensorflow-gpu | 1.12 |\n| scikit-learn | 0.20 |\n",
     ["tensorflow-gpu", "scikit-learn"], "", ""),
    ("## Installation\n```\ntorch>=1.4\nopencv-python\nPIL\n```\n", ["torch", "opencv-python", "pillow"], "", ""),
    ("**Requirements**\n\n1. Python 3.7\n2. Huggingface transformers 2.11.0\n3. PyTorch Geometric 1.7\n",
     ["transformers", "torch-geometric"], "3.7", ""),
    ("## Results\n| model | acc |\n|---|---|\n| ours | 93.1 |\n", [], "", ""),  # a table outside a requirement section
    ("We implement our method in PyTorch.\n## Requirements\n- Ubuntu 18.04\n- GCC 7\n- an NVIDIA GPU\n", [], "", ""),
    ("Our code was tested with PyTorch 1.7.1 on one GPU.\n", ["torch"], "", ""),  # a framework with a version
    ("### Requirements before running\nThis code requires:\n* numpy\n* pytorch\n\n### Usage\n- tqdm\n",
     ["numpy", "torch"], "", ""),  # a `Word:` line under a heading is inside its section, not a new one
]  # fmt: skip


@pytest.mark.parametrize(("text", "names", "python", "cuda"), READMES)
def test_requirement_sections_read_as_written(text: str, names: list, python: str, cuda: str) -> None:
    found = readme.extract_readme_requirements(text)
    assert found["names"] == names
    assert (found["python_version"], found["cuda_version"]) == (python, cuda)


def test_all_readmes_of_a_record_are_merged_into_families() -> None:
    found = readme.extract_readmes_requirements(
        {
            "README.md": "## Requirements\n- tensorflow-gpu 1.14\n",
            "docs/INSTALL.md": "## Install\n- faiss-gpu\n",
        }
    )
    assert found["names"] == ["tensorflow-gpu", "faiss-gpu"] and found["families"] == [
        "faiss-cpu",
        "tensorflow",
    ]
