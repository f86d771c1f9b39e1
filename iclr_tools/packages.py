"""Stage 5, tools (what is a package): import names -> PyPI distributions (pipreqs' mapping, MODULE_TO_PACKAGE
and the reviewed table `data/import_names.csv`), families of equivalent distributions, the names that are almost
always a repository's own, and the distributions known to exist.

>>> map_module_to_package("cv2.dnn")
'opencv-python'
>>> find_family("tensorflow-gpu") == find_family("tf-nightly") == "tensorflow"
True
"""

from __future__ import annotations

import csv
import functools
import io
import re
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

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
# Reviewed additions to pipreqs' import-to-package mapping (module -> PyPI distribution); more, each with its
# evidence, in data/import_names.csv (imports seen unresolved in the recorded years: `load_import_names`).
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
    # reviewed: imports of real distributions seen in the recorded repositories, outside PyPI's most downloaded
    "pylab": "matplotlib",
    "apex": "nvidia/apex",  # NVIDIA's apex (NOT_ON_PYPI): the PyPI project `apex` is another
    "ot": "pot",
    "horovod": "horovod",
    "lasagne": "lasagne",
    "pybullet_envs": "pybullet",
    "Mykytea": "kytea",
    "subword_nmt": "subword-nmt",
    "accimage": "accimage",
    "clip": "openai-clip",
    "open_clip": "open-clip-torch",
    "grpc": "grpcio",
    "cleverhans": "cleverhans",
    "foolbox": "foolbox",
    "roboschool": "roboschool",
    "retro": "gym-retro",
    "pytorch_transformers": "pytorch-transformers",
    "quaternion": "numpy-quaternion",
    "tensorflow_serving": "tensorflow-serving-api",
    "backpack": "backpack-for-pytorch",
    "robustml": "robustml",
    "imwatermark": "invisible-watermark",
    "lavis": "salesforce-lavis",
    "academictorrents": "academictorrents",
    "pyro": "pyro-ppl",
    "classy_vision": "classy-vision",
    "torchnet": "torchnet",
    "google_drive_downloader": "googledrivedownloader",
    "dopamine": "dopamine-rl",
    "GPyOpt": "gpyopt",
    "pymesh": "pymesh2",
    "pywt": "pywavelets",
    "cpuinfo": "py-cpuinfo",
    "cityscapesscripts": "cityscapesscripts",
    "tensorboard_logger": "tensorboard-logger",
    "smac": "smac",
    "aif360": "aif360",
    "torchfile": "torchfile",
    "pytorch_grad_cam": "grad-cam",
    "fastchat": "fschat",
    "gluonnlp": "gluonnlp",
    "taming": "taming-transformers",
    "_pytest": "pytest",
    "mpi4py": "mpi4py",
    "chainer": "chainer",
    "theano": "theano",
    "paddle": "paddlepaddle",
    "mxnet": "mxnet",
    "cntk": "cntk",
    "caffe2": "caffe2",
    "dynet": "dyNET",
    "oneflow": "oneflow",
    "mindspore": "mindspore",
}
# Projects imported under a name whose PyPI project is a different one, named as what they are: `owner/repo`
# on GitHub (a name PyPI cannot hold) -> what installs them. `apex` on PyPI is a 2010s Pyramid toolkit.
NOT_ON_PYPI = {
    "nvidia/apex": "NVIDIA's apex (mixed precision, fused CUDA kernels), installed from github.com/NVIDIA/apex",
}
BUILD_TOOLS = {"setuptools", "pip", "wheel"}  # every environment has them: never "undeclared"
DATA_DIR = Path(__file__).resolve().parent / "data"


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


def canonical(name: str) -> str:
    """The canonical PyPI form of a distribution name.

    >>> canonical("Scikit_Learn")
    'scikit-learn'
    """
    return canonicalize_name(name)


IMPORT_NAMES_COLUMNS = ["import", "distribution", "pipreqs", "evidence"]


def parse_import_names(text: str, source: str = "import_names.csv") -> dict[str, str]:
    """The reviewed import -> distribution rows of a CSV text (columns IMPORT_NAMES_COLUMNS), each checked: a
    dotted import name, a canonical distribution name, evidence given, no import twice."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != IMPORT_NAMES_COLUMNS:
        raise ValueError(
            f"{source}: the columns must be {','.join(IMPORT_NAMES_COLUMNS)}, not {reader.fieldnames}"
        )
    table: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        module, distribution = row["import"] or "", row["distribution"] or ""
        problem = ""
        if not all(part.isidentifier() for part in module.split(".")):
            problem = f"import {module!r} is not a dotted Python name"
        elif not distribution:
            problem = f"import {module!r} has no distribution"
        elif distribution != canonical(distribution):
            problem = f"distribution {distribution!r} is not canonical (write {canonical(distribution)!r})"
        elif "/" in distribution and distribution not in NOT_ON_PYPI:
            problem = f"distribution {distribution!r} is neither a PyPI name nor a project of NOT_ON_PYPI"
        elif not (row["evidence"] or "").strip():
            problem = f"import {module!r} has no evidence (where its distribution's docs or source show it)"
        elif module in table:
            problem = f"import {module!r} is listed twice"
        if problem:
            raise ValueError(f"{source}, line {line}: {problem}; fix the row and run again")
        table[module] = distribution
    return table


@functools.cache
def load_import_names() -> dict[str, str]:
    """The reviewed table of imports the other mappings lack (`data/import_names.csv`): import -> distribution."""
    path = DATA_DIR / "import_names.csv"
    return parse_import_names(path.read_text(encoding="utf-8"), str(path))


def find_reviewed_package(module: str) -> str | None:
    """The distribution a reviewed table (MODULE_TO_PACKAGE, then `import_names.csv`) gives for the longest
    prefix of a dotted import, or None."""
    parts = module.split(".")
    table = load_import_names()
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in MODULE_TO_PACKAGE:
            return MODULE_TO_PACKAGE[prefix]
        if prefix in table:
            return table[prefix]
    return None


def map_module_to_package(module: str) -> str:
    """The canonical PyPI distribution that provides a dotted import (`cv2.dnn` -> `opencv-python`)."""
    reviewed = find_reviewed_package(module)
    if reviewed is not None:
        return canonical(reviewed)
    top = module.split(".")[0]
    return canonical(load_pipreqs_mapping().get(top, top))


# Imports that are almost always a repository's own module, whatever pipreqs' mapping, PyPI or a reviewed table
# says (pipreqs maps `models` to asposestorage, `test` to pytabix, `src` to auto-mix-prep): a distribution only
# when declared.
LOCAL_NAMES = frozenset(
    """
    agent agents app base common config configs core data data_loader data_utils dataloader dataset datasets_local
    eval evaluate evaluation experiment experiments helper helpers layer layers lib libs loss losses main metric
    misc model models module modules net nets network networks ops option options opts preprocess preprocessing
    run runner script scripts setup src test tests tool tools train trainer training util utils
""".split()
)
# Distributions that provide the same import: declaring any member declares the family (runtime equivalence).
FAMILIES = {
    "tensorflow": ["tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tf-nightly", "tf-nightly-gpu",
                   "tf-nightly-cpu", "tensorflow-macos", "intel-tensorflow", "tensorflow-intel", "tensorflow-rocm"],
    "torch": ["torch", "pytorch", "torch-cpu", "torch-gpu", "pytorch-cpu", "pytorch-gpu"],
    "opencv-python": ["opencv-python", "opencv-contrib-python", "opencv-python-headless",
                      "opencv-contrib-python-headless", "opencv"],
    "faiss-cpu": ["faiss-cpu", "faiss-gpu", "faiss"],
    "jax": ["jax", "jaxlib"],
    "pillow": ["pillow", "pil", "pillow-simd"],
    "scikit-learn": ["scikit-learn", "sklearn"],
    "mxnet": ["mxnet", "mxnet-mkl"],
    "dgl": ["dgl"],
    "cupy": ["cupy"],
    "gym": ["gym", "gym-retro"],
    "tensorboardx": ["tensorboardx", "tensorboard-x"],
    "pytorch-lightning": ["pytorch-lightning", "lightning"],
    "psycopg2": ["psycopg2", "psycopg2-binary"],
    "mujoco-py": ["mujoco-py", "mujoco"],
    "nvidia/apex": ["nvidia/apex", "apex"],  # a requirement or README line `apex` means NVIDIA's
}  # fmt: skip
FAMILY_PATTERNS = [  # CUDA-specific builds: mxnet-cu101, cupy-cuda111, dgl-cu102, jaxlib with a local version
    (re.compile(r"mxnet-cu\d+\w*"), "mxnet"),
    (re.compile(r"cupy-cuda\w+"), "cupy"),
    (re.compile(r"dgl-cu\d+"), "dgl"),
    (re.compile(r"tensorflow-gpu-\w+"), "tensorflow"),
]
FAMILY_OF = {member: family for family, members in FAMILIES.items() for member in members}


def find_family(distribution: str) -> str:
    """The representative of the distributions providing the same import (`tensorflow-gpu` -> `tensorflow`)."""
    name = canonical(distribution)
    if name in FAMILY_OF:
        return FAMILY_OF[name]
    for pattern, family in FAMILY_PATTERNS:
        if pattern.fullmatch(name):
            return family
    return name


@functools.cache
def load_known_distributions() -> frozenset[str]:
    """Distributions known to exist and be used: PyPI's most downloaded, and every name our tables give."""
    text = (DATA_DIR / "top_pypi_distributions.txt").read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    names |= set(FAMILY_OF) | {canonical(name) for name in MODULE_TO_PACKAGE.values()}
    names |= set(load_import_names().values())
    names |= {canonical(name) for name in load_pipreqs_mapping().values()}
    return frozenset(names)


def resolve_distribution(module: str, declared: frozenset[str] = frozenset()) -> str | None:
    """The distribution an import comes from, or None when no known distribution provides it.

    A name in LOCAL_NAMES is a distribution only when the repository declares it (`declared` holds families).

    >>> resolve_distribution("sklearn.metrics"), resolve_distribution("models"), resolve_distribution("heart")
    ('scikit-learn', None, None)
    """
    top = module.split(".")[0]
    distribution = map_module_to_package(module)
    if find_family(distribution) in declared or canonical(top) in declared:
        return distribution
    if top in LOCAL_NAMES:
        return None
    reviewed = find_reviewed_package(module) is not None
    return distribution if reviewed or distribution in load_known_distributions() else None
