"""Stage 5, tools: facts -> frameworks and canonical PyPI tools (imported and declared) of one repository record."""

from __future__ import annotations

import functools
import sys
from pathlib import PurePosixPath

from .declared import canonical, extract_declared_tools
from .scan import PYTHON_SUFFIXES

FRAMEWORK_BY_MODULE = {  # top-level import -> framework name used in the `frameworks` column
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "jax": "jax",
    "mxnet": "mxnet",
    "chainer": "chainer",
    "theano": "theano",
    "paddle": "paddlepaddle",
    "cntk": "cntk",
    "caffe": "caffe",
    "caffe2": "caffe2",
    "dynet": "dynet",
    "oneflow": "oneflow",
    "mindspore": "mindspore",
}
FRAMEWORKS = list(dict.fromkeys(FRAMEWORK_BY_MODULE.values()))
# Reviewed additions to pipreqs' import-to-package mapping (module -> PyPI distribution).
MODULE_TO_PACKAGE = {
    "cv2": "opencv-python",
    "skimage": "scikit-image",
    "absl": "absl-py",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "tf_slim": "tf-slim",
    "gin": "gin-config",
    "google.protobuf": "protobuf",
    "google.colab": "google-colab",
    "google.cloud": "google-cloud-storage",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_addons": "tensorflow-addons",
    "tensorflow_federated": "tensorflow-federated",
    "tensorflow_gan": "tensorflow-gan",
    "tensorflow_text": "tensorflow-text",
    "torch_geometric": "torch-geometric",
    "torch_scatter": "torch-scatter",
    "torch_sparse": "torch-sparse",
    "pytorch_lightning": "pytorch-lightning",
    "tensorboardX": "tensorboardx",
    "mpl_toolkits": "matplotlib",
    "pkg_resources": "setuptools",
    "jaxlib": "jaxlib",
    "haiku": "dm-haiku",
    "sonnet": "dm-sonnet",
    "tree": "dm-tree",
    "fairseq": "fairseq",
    "dgl": "dgl",
    "gym": "gym",
    "mujoco_py": "mujoco-py",
    "atari_py": "atari-py",
    "Bio": "biopython",
    "rdkit": "rdkit",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "attr": "attrs",
    "wx": "wxpython",
    "Crypto": "pycryptodome",
    "magic": "python-magic",
    "dotenv": "python-dotenv",
    "OpenGL": "pyopengl",
    "serial": "pyserial",
    "zmq": "pyzmq",
    "docx": "python-docx",
    "igraph": "python-igraph",
    "Levenshtein": "python-levenshtein",
    "sentencepiece": "sentencepiece",
    "pycocotools": "pycocotools",
    "lmdb": "lmdb",
    "faiss": "faiss-cpu",
    "visdom": "visdom",
    "ray": "ray",
    "nltk": "nltk",
    "spacy": "spacy",
}
BUILD_TOOLS = {"setuptools", "pip", "wheel"}  # every environment has them: never "undeclared"


@functools.cache
def load_pipreqs_mapping() -> dict[str, str]:
    """pipreqs' import-name -> PyPI-name mapping, read from its data file (pipreqs' code is not imported)."""
    from importlib.resources import files

    try:
        text = (files("pipreqs") / "mapping").read_text(encoding="utf-8")
    except ModuleNotFoundError as error:
        raise ImportError(
            "pipreqs is not installed; its import-to-package mapping is needed: "
            "pip install --no-deps --ignore-requires-python -r requirements-nodeps.txt"
        ) from error
    mapping = {}
    for line in text.splitlines():
        module, _, package = line.strip().partition(":")
        if module and package:
            mapping[module] = package
    return mapping


@functools.cache
def load_stdlib_names() -> frozenset[str]:
    """Top-level names of the Python 2.7 and 3.x standard libraries."""
    from stdlib_list import stdlib_list

    names = set(sys.stdlib_module_names) | {"__future__", "__main__", "__builtin__", "builtins"}
    for version in ("2.7", "3.6", "3.8"):
        names.update(name.split(".")[0] for name in stdlib_list(version))
    return frozenset(names)


def map_module_to_package(module: str) -> str:
    """The canonical PyPI distribution that provides a dotted import (`cv2.dnn` -> `opencv-python`)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in MODULE_TO_PACKAGE:
            return canonical(MODULE_TO_PACKAGE[prefix])
    top = parts[0]
    return canonical(load_pipreqs_mapping().get(top, top))


def extract_own_modules(record: dict) -> set[str]:
    """Top-level names a repository's own files and folders provide (`models/`, `utils.py`)."""
    own = set()
    paths = [path for path, _ in record.get("files") or []] + list(record.get("imports") or {})
    for path in paths:
        parts = PurePosixPath(path).parts
        own.update(parts[:-1])
        stem, _, suffix = parts[-1].partition(".") if parts else ("", "", "")
        if suffix in ("py", "pyx", "so", "pyd") or parts[-1].endswith((".py", ".pyx")):
            own.add(stem)
    return own


def extract_imported_modules(record: dict) -> list[str]:
    """Sorted third-party top-level modules a repository imports (no stdlib, no relative, not its own)."""
    own = extract_own_modules(record)
    found = set()
    for modules in (record.get("imports") or {}).values():
        for module in modules:
            top = module.split(".")[0]
            if top and top not in load_stdlib_names() and top not in own and top.isidentifier():
                found.add(module)
    return sorted(found)


def extract_frameworks(modules: list[str]) -> list[str]:
    """The deep-learning frameworks named by imported modules, in the order of FRAMEWORKS."""
    tops = {module.split(".")[0] for module in modules}
    return [fw for fw in FRAMEWORKS if any(FRAMEWORK_BY_MODULE.get(top) == fw for top in tops)]


def count_python_files(record: dict) -> int:
    """How many `.py`, `.ipynb` and `.pyx` files a repository target holds."""
    return sum(1 for path, _ in record.get("files") or [] if path.endswith(PYTHON_SUFFIXES))


def explain_record(record: dict, status: str) -> str:
    """Why a record's row reads as it does, where that needs saying (no Python, a partial copy)."""
    if status == "no_python":
        return "no .py, .ipynb or .pyx file"
    if record.get("source") == "folder":
        return f"partial record, no commit: {record.get('source_note', 'stored copies of single files')}"
    return ""


def extract_tools(record: dict) -> dict:
    """Status, frameworks, declared and imported tools of one repository record."""
    status = record.get("status", "ok")
    if status == "ok" and count_python_files(record) == 0:
        status = "no_python"
    modules = extract_imported_modules(record) if status == "ok" else []
    imported = sorted({map_module_to_package(module) for module in modules})
    declared = extract_declared_tools(record) if status in ("ok", "no_python") else []
    return {
        "status": status,
        "reason": record.get("reason") or explain_record(record, status),
        "commit": record.get("commit") or "",
        "n_python_files": count_python_files(record),
        "frameworks": extract_frameworks(modules),
        "declared_tools": declared,
        "imported_tools": imported,
        "undeclared_imports": sorted(set(imported) - set(declared) - BUILD_TOOLS) if declared else [],
        "declares_dependencies": bool(declared),
    }
