"""Stage 5, tools (READMEs): the dependencies researchers list in a README's requirement sections, as PyPI names.

Read as people write them: a heading ("Requirements", "Dependencies", "Prerequisites", "Environment",
"Installation"), then bullets, a table, a code block or an inline list (`- PyTorch==1.1.0`, `pytorch 1.0.1`,
`TensorFlow (1.0 or later)`, `Python>=3.6, PyTorch==0.4.0, torchvision==0.2.1`); anywhere else, only a well-known
package followed by a version ("tested with PyTorch 1.7"). Names map to distributions through a reviewed alias
table; what is no Python package (Python, CUDA, cuDNN, an OS, a compiler, a GPU) is left out, but the Python and
CUDA versions stated are kept.

>>> extract_readme_requirements("## Requirements\\n- Python 3.6+\\n- PyTorch 1.1\\n- scikit-learn\\n")["names"]
['torch', 'scikit-learn']
"""

from __future__ import annotations

import re

from .packages import canonical, find_family, load_known_distributions

HEADING_WORDS = re.compile(
    r"\b(requirements?|dependenc(?:y|ies)|prerequisites?|pre-requisites?|environment|installation|install|setup|"
    r"set up|software|packages|libraries|tested with)\b",
    re.IGNORECASE,
)
ALIASES = {  # lower-case names people write -> PyPI distribution (reviewed by hand)
    "pytorch": "torch", "py-torch": "torch", "torch": "torch", "pytorch-gpu": "torch",
    "tensorflow": "tensorflow", "tf": "tensorflow", "tensorflow-gpu": "tensorflow-gpu", "tensorflow gpu": "tensorflow-gpu",
    "tensorflow-cpu": "tensorflow-cpu", "keras": "keras", "jax": "jax", "jaxlib": "jaxlib", "flax": "flax",
    "opencv": "opencv-python", "opencv-python": "opencv-python", "cv2": "opencv-python", "open cv": "opencv-python",
    "opencv-contrib-python": "opencv-contrib-python", "sklearn": "scikit-learn", "scikit-learn": "scikit-learn",
    "scikit learn": "scikit-learn", "scikit_learn": "scikit-learn", "pil": "pillow", "pillow": "pillow",
    "skimage": "scikit-image", "scikit-image": "scikit-image", "scikit image": "scikit-image",
    "pytorch geometric": "torch-geometric", "pytorch_geometric": "torch-geometric", "pyg": "torch-geometric",
    "torch geometric": "torch-geometric", "torch-geometric": "torch-geometric", "torch_geometric": "torch-geometric",
    "pytorch lightning": "pytorch-lightning", "pytorch-lightning": "pytorch-lightning", "lightning": "lightning",
    "huggingface transformers": "transformers", "hugging face transformers": "transformers",
    "huggingface's transformers": "transformers", "transformers": "transformers", "huggingface": "transformers",
    "openai gym": "gym", "gym": "gym", "gymnasium": "gymnasium", "mujoco-py": "mujoco-py", "mujoco_py": "mujoco-py",
    "tensorboardx": "tensorboardx", "tensorboard": "tensorboard", "torchvision": "torchvision",
    "torchaudio": "torchaudio", "torchtext": "torchtext", "dgl": "dgl", "networkx": "networkx", "numpy": "numpy",
    "scipy": "scipy", "pandas": "pandas", "matplotlib": "matplotlib", "seaborn": "seaborn", "tqdm": "tqdm",
    "h5py": "h5py", "pyyaml": "pyyaml", "yaml": "pyyaml", "absl": "absl-py", "absl-py": "absl-py",
    "dm-haiku": "dm-haiku", "haiku": "dm-haiku", "sonnet": "dm-sonnet", "dm-sonnet": "dm-sonnet", "optax": "optax",
    "tensorflow probability": "tensorflow-probability", "tensorflow-probability": "tensorflow-probability",
    "tensorflow datasets": "tensorflow-datasets", "tensorflow-datasets": "tensorflow-datasets",
    "tensorflow hub": "tensorflow-hub", "tensorflow-hub": "tensorflow-hub", "mxnet": "mxnet", "chainer": "chainer",
    "theano": "theano", "paddlepaddle": "paddlepaddle", "paddle": "paddlepaddle", "cupy": "cupy", "spacy": "spacy",
    "nltk": "nltk", "gensim": "gensim", "faiss": "faiss-cpu", "faiss-gpu": "faiss-gpu", "faiss-cpu": "faiss-cpu",
    "rdkit": "rdkit", "allennlp": "allennlp", "fairseq": "fairseq", "apex": "nvidia/apex", "wandb": "wandb",
    "ray": "ray", "rllib": "ray", "stable-baselines": "stable-baselines", "stable baselines": "stable-baselines",
    "stable-baselines3": "stable-baselines3", "baselines": "baselines", "cython": "cython", "numba": "numba",
    "pybullet": "pybullet", "mmcv": "mmcv", "mmcv-full": "mmcv-full", "timm": "timm", "einops": "einops",
    "sentencepiece": "sentencepiece", "jupyter": "jupyter", "xgboost": "xgboost", "lightgbm": "lightgbm",
    "tensorflow-addons": "tensorflow-addons", "torch-scatter": "torch-scatter", "torch_scatter": "torch-scatter",
    "torch-sparse": "torch-sparse", "torch_sparse": "torch-sparse", "ogb": "ogb", "hydra": "hydra-core",
    "hydra-core": "hydra-core", "pytorch-transformers": "pytorch-transformers", "datasets": "datasets",
    "accelerate": "accelerate", "diffusers": "diffusers", "peft": "peft", "deepspeed": "deepspeed",
}  # fmt: skip
# Frameworks that count anywhere in a README when a version follows ("tested with PyTorch 1.7").
VERSIONED_ANYWHERE = ("pytorch", "torch", "tensorflow", "tensorflow-gpu", "keras", "jax", "mxnet", "chainer",
                      "theano", "paddlepaddle", "torchvision", "dgl", "pytorch geometric")  # fmt: skip
NOT_PACKAGES = {
    "python", "python2", "python3", "cuda", "cudnn", "cudatoolkit", "cuda-toolkit", "nccl", "ubuntu", "linux",
    "debian", "centos", "windows", "macos", "osx", "mac", "os", "gcc", "g++", "clang", "cmake", "make", "nvidia",
    "gpu", "gpus", "cpu", "driver", "conda", "anaconda", "miniconda", "pip", "git", "docker", "java", "jdk", "node",
    "npm", "bash", "matlab", "r", "julia", "ram", "memory", "tesla", "titan", "rtx", "gtx", "v100", "a100",
    "boost", "latex", "perl", "c", "c++", "ffmpeg", "openmpi", "mpi", "mujoco", "ninja", "the", "a", "and",
    "other", "all", "we", "our", "code", "this", "see", "follow", "install", "it", "you", "for",
}  # fmt: skip
VERSION = r"v?\d+(?:\.\d+|\.x)*\+?"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.'+-]*")
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
RST_UNDERLINE = re.compile(r"^\s*([=\-~^*#+])\1{2,}\s*$")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
BOLD_HEADING = re.compile(
    r"^\s*(?:\*\*|__)([^*_]{2,60}?)(?:\*\*|__)\s*:?\s*$|^\s*([A-Z][A-Za-z /&-]{2,40}):\s*$"
)
PYTHON_VERSION = re.compile(
    r"\bpython\s*(?:version\s*)?(?:[=<>~!]=?|>=|\s)?\s*(\d(?:\.\d+)*\+?)", re.IGNORECASE
)
CUDA_VERSION = re.compile(r"\bcuda\s*(?:toolkit\s*)?(?:version\s*)?[=<>~]*\s*(\d+(?:\.\d+)*)", re.IGNORECASE)


def split_sections(text: str) -> list[tuple[str, int, list[str]]]:
    """A README as (heading, level, lines) sections: Markdown `#` and setext headings, reST underlines,
    bold or `Word:` lines standing alone (one level below the heading they sit under: "This code requires:")."""
    lines = text.splitlines()
    sections: list[tuple[str, int, list[str]]] = [("", 0, [])]
    in_code = False
    real_level = 0  # the level of the last Markdown or reST heading: a bold or `Word:` line sits under it
    for index, line in enumerate(lines):
        if line.strip().startswith(("```", "~~~")):
            in_code = not in_code
            sections[-1][2].append(line)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        heading = None
        if not in_code:
            if match := ATX.match(line):
                heading = (match.group(2), len(match.group(1)))
                real_level = heading[1]
            elif line.strip() and RST_UNDERLINE.match(following) and not RST_UNDERLINE.match(line):
                heading = (line.strip(), 1 if following.strip()[0] == "=" else 2)
                real_level = heading[1]
            elif match := BOLD_HEADING.match(line):
                heading = ((match.group(1) or match.group(2)).strip(), max(3, real_level + 1))
        if heading:
            sections.append((heading[0], heading[1], []))
        elif not (not in_code and RST_UNDERLINE.match(line) and sections[-1][2] == []):
            sections[-1][2].append(line)
    return sections


def extract_requirement_lines(text: str) -> list[str]:
    """The lines of a README's requirement sections (and their sub-sections)."""
    found: list[str] = []
    inside_level = None
    for heading, level, lines in split_sections(text):
        if inside_level is not None and level > inside_level:
            found += lines  # a sub-section of a requirement section
            continue
        inside_level = level if HEADING_WORDS.search(heading) else None
        if inside_level is not None:
            found += lines
    return found


def clean_markdown(text: str) -> str:
    """Link texts for links, no emphasis, backticks or HTML tags."""
    text = MD_LINK.sub(r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"[`*_]{1,3}(?=\S)|(?<=\S)[`*_]{1,3}", "", text).replace("`", "")


def split_items(lines: list[str]) -> list[str]:
    """Candidate items of requirement lines: bullets, table cells (first column), code lines, comma lists."""
    items: list[str] = []
    for raw in lines:
        if raw.strip().startswith(("```", "~~~")):
            continue  # a code fence and its language tag
        line = clean_markdown(raw)
        if TABLE_ROW.match(line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells and not set(cells[0]) <= set("-: "):
                items.append(" ".join(cells[:2]))
            continue
        match = BULLET.match(line)
        text = match.group(1) if match else line
        for part in re.split(r"[,;]|\s+and\s+|\s+/\s+", text):
            if part.strip():
                items.append(part.strip())
    return items


def match_name(item: str) -> str | None:
    """The distribution an item names at its start (`PyTorch 1.6` -> torch), or None."""
    words = NAME.findall(item.lower())[:3]
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        for joiner in (" ", "-", "_", ""):
            name = joiner.join(words[:size]).strip(".'")
            if name in NOT_PACKAGES:
                return None
            if name in ALIASES:
                return canonical(ALIASES[name])
    first = words[0].strip(".'") if words else ""
    if not first or first in NOT_PACKAGES or len(first) < 2:
        return None
    rest = item[item.lower().find(first) + len(first) :].strip()
    looks_pinned = not rest or re.match(rf"^(?:[=<>~!]=?|>=|\(|:|{VERSION})", rest)
    name = canonical(first)
    return name if looks_pinned and name in load_known_distributions() else None


def find_versioned_mentions(text: str) -> list[str]:
    """Frameworks named with a version anywhere in a README (`PyTorch 1.7`, `tensorflow==1.14`, `TF (1.0+)`)."""
    found = []
    for alias in VERSIONED_ANYWHERE:
        prefix = r"[\s(]*(?:version|ver\.?|v)?[\s:]*(?:[=<>~]=?|>=)?\s*"
        pattern = rf"(?<![\w/.-]){re.escape(alias)}{prefix}{VERSION}(?![\w])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(canonical(ALIASES[alias]))
    return found


def extract_readme_requirements(text: str) -> dict:
    """Distributions a README lists as requirements, with the Python and CUDA versions it states."""
    lines = extract_requirement_lines(text)
    names = [name for name in (match_name(item) for item in split_items(lines)) if name]
    names += find_versioned_mentions(clean_markdown(text))
    section = "\n".join(lines)
    python = PYTHON_VERSION.search(section) or PYTHON_VERSION.search(text)
    cuda = CUDA_VERSION.search(section) or CUDA_VERSION.search(text)
    return {
        "names": list(dict.fromkeys(names)),
        "python_version": python.group(1) if python else "",
        "cuda_version": cuda.group(1) if cuda else "",
    }


def extract_readmes_requirements(readmes: dict) -> dict:
    """`extract_readme_requirements` over all READMEs of a record (the first stated versions win)."""
    merged = {"names": [], "python_version": "", "cuda_version": ""}
    for text in (readmes or {}).values():
        if not isinstance(text, str):
            continue
        found = extract_readme_requirements(text)
        merged["names"] += [name for name in found["names"] if name not in merged["names"]]
        for key in ("python_version", "cuda_version"):
            merged[key] = merged[key] or found[key]
    merged["families"] = sorted({find_family(name) for name in merged["names"]})
    return merged
