"""Declared dependencies: requirement files, conda environments, Pipfiles, pyproject, setup.cfg, install lines."""

from __future__ import annotations

import pytest

from iclr_tools import declared, scan

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
    assert declared.parse_requirement(line) == name


def test_requirements_file_with_comments_options_includes_and_editables() -> None:
    manifests = {
        "requirements.txt": (
            "# deep learning\n--index-url https://pypi.example/simple\n-f https://x/links\n"
            "torch>=1.0  # pinned below\n-r requirements/base.txt\n-c constraints.txt\n-e .\n"
            "-e git+https://github.com/a/b.git#egg=bee\nnumpy; sys_platform == 'linux'\n"
        ),
        "requirements/base.txt": "scipy\n-r ../requirements.txt\n",  # a cycle is followed once
    }
    names = declared.parse_requirements_text(manifests["requirements.txt"], "requirements.txt", manifests)
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
    assert declared.parse_environment_yml(text) == ["torch", "scikit-image", "tensorboardx", "yy"]


def test_pipfile_pyproject_and_setup_cfg_with_runtime_and_dev_scopes() -> None:
    pipfile = '[packages]\nrequests = "*"\nTorch = {version = ">=1"}\n[dev-packages]\npytest = "*"\n'
    assert declared.parse_pipfile(pipfile) == {"requests": "runtime", "torch": "runtime", "pytest": "dev"}
    pep621 = (
        '[project]\nname = "x"\ndependencies = ["jax>=0.2", "flax"]\n[project.optional-dependencies]\n'
        'tf = ["tensorflow"]\ntest = ["pytest", "jax"]\ndocs = ["sphinx"]\n'
    )
    assert declared.parse_pyproject(pep621) == {
        "jax": "runtime", "flax": "runtime", "tensorflow": "runtime", "pytest": "dev", "sphinx": "dev",
    }  # fmt: skip
    poetry = '[tool.poetry.dependencies]\npython = "^3.8"\nnumpy = "^1.20"\n[tool.poetry.group.dev.dependencies]\nblack = "*"\n'
    assert declared.parse_pyproject(poetry) == {"numpy": "runtime", "black": "dev"}
    cfg = (
        "[options]\ninstall_requires =\n    numpy>=1.0\n    torch\n[options.extras_require]\nviz = matplotlib\n"
        "testing = pytest\n"
    )
    assert declared.parse_setup_cfg(cfg) == {"numpy": "runtime", "torch": "runtime", "matplotlib": "runtime",
                                             "pytest": "dev"}  # fmt: skip


def test_declarations_say_where_and_for_what() -> None:
    record = {
        "manifests": {"requirements.txt": "torch\nnumpy\n", "requirements-dev.txt": "pytest\nnumpy\n",
                      "env/environment.yml": "dependencies:\n  - pytorch\n  - pip:\n    - wandb\n"},
        "setup_py": {"setup.py": {"install_requires": ["scipy"], "tests_require": ["nose"]}, "other/setup.py": None},
        "install_lines": {"README.md": ["pip install einops"]},
    }  # fmt: skip
    found = {(d["name"], d["by"], d["scope"]) for d in declared.extract_declarations(record)}
    assert found == {
        ("torch", "requirements", "runtime"), ("numpy", "requirements", "runtime"), ("pytest", "requirements", "dev"),
        ("numpy", "requirements", "dev"), ("torch", "environment", "runtime"), ("wandb", "environment", "runtime"),
        ("scipy", "setup", "runtime"), ("nose", "setup", "dev"), ("einops", "install-line", "runtime"),
    }  # fmt: skip
    assert declared.extract_declared_tools(record) == ["einops", "numpy", "scipy", "torch", "wandb"]


def test_install_lines() -> None:
    readme = "Install:\n```\npip install -U torch==1.4 'tensorflow>=2' -r requirements.txt && python setup.py\n```\n"
    readme += "conda install -c pytorch pytorch torchvision\n# pip install commented\n"
    lines = scan.extract_install_lines(readme)
    assert len(lines) == 2
    assert declared.parse_install_line(lines[0]) == ["torch", "tensorflow"]
    assert declared.parse_install_line(lines[1]) == ["torch", "torchvision"]
    assert declared.parse_install_line(
        "!pip install --upgrade -q ./jax-0.1.59-cp36-none-manylinux2010_x86_64.whl"
    ) == ["jax"]
    assert declared.parse_install_line("RUN pip install dist/aprl-*.whl ${WHEEL}") == []
