"""Stage 5, tools (completeness): the ML Code Completeness Checklist (NeurIPS 2021), scored from a record.

Five items: (1) dependencies specified, (2) training code, (3) evaluation code, (4) pre-trained models,
(5) a README with a table of results and the commands that produce them. Each is True, False, or None where it
depends on README texts that are unknown (the recorded 2018 and 2020 records hold none) and the files alone do
not show it.

>>> record = {"files": [["train.py", 10], ["eval.py", 10], ["ckpt/model.pth", 99]], "readmes": {"README.md": ""}}
>>> score_checklist(record, has_dependencies=False)["completeness"]
3
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

CODE_SUFFIXES = (".py", ".ipynb", ".sh", ".pyx")
VENDORED = re.compile(
    r"(?:^|/)(?:lib|libs|third_party|thirdparty|external|externals|vendor|deps|submodules?)/"
)
# (2) training code: a script named for training (or an RL algorithm), code importing an optimizer, or a
# documented training command, heading or option
TRAIN_NAME = re.compile(
    r"(?:^|[^a-z])(?:pre|fine[_-]?)?(?:train|training|trainer|finetune|fine_tune|learn_\w+|main)(?:[^a-z]|$)"
)
RL_ALGORITHMS = re.compile(r"(?:^|[^a-z])(?:ppo|dqn|sac|a2c|a3c|trpo|ddpg|td3|reinforce|fit)(?:[^a-z]|$)")
TRAINING_MODULES = ("torch.optim", "optax", "keras.optimizers", "tensorflow.keras.optimizers", "pytorch_lightning",
                    "lightning", "stable_baselines", "stable_baselines3", "trl", "tensorflow.train",
                    "tensorflow.compat.v1.train")  # fmt: skip
TRAIN_COMMAND = re.compile(
    r"(?<![\w/.-])(?:python\d?|bash|sh|\./|accelerate launch|torchrun)[ \t][^\n]*train|--train\b|--mode[= ]train",
    re.I,
)
TRAIN_WORD = re.compile(r"\b(?:to )?(?:train|training|fine-?tune)\b", re.I)
EVAL_WORD = re.compile(r"\b(?:evaluat\w+|test(?:ing)?|reproduc\w+|inference)\b", re.I)
FRAMEWORK_TOPS = {"torch", "tensorflow", "keras", "jax", "flax", "haiku", "mxnet", "chainer", "theano"}
HEADING_TRAIN = re.compile(r"^\s*#{2,6}[^\n]*\btrain(?:ing)?\b", re.I | re.M)  # not the title (`# ...`)
TRAINING_OPTIONS = re.compile(
    r"--(?:epochs?|num_epochs|n_epochs|max_epochs|lr|learning[_-]rate|train\w*)\b", re.I
)
# (3) evaluation code: a script named for evaluation or experiments, or a documented command
EVAL_NAME = re.compile(
    r"(?:^|[^a-z])(?:eval|evaluate|evaluation|evaluator|test|testing|inference|infer|predict|prediction|benchmark|"
    r"reproduce|experiments?|run_exp\w*|attack|sample|sampling|generate|analysis|analyze|plot\w*|figures?|"
    r"results?|demo|main|run|run_\w+)(?:[^a-z]|$)"
)
EVAL_COMMAND = re.compile(
    r"(?<![\w/.-])(?:python\d?|bash|sh|\./)[ \t][^\n]*(?:eval|test|infer|predict|reproduce|experiment|attack|sample|"
    r"generate)|--(?:eval|test|evaluate)\b|--mode[= ](?:eval|test)|\bcargo (?:bench|test)\b|"
    r"^\s*(?:\$\s*)?[a-z]+-(?:eval\w*|generate|validate|test)\b",  # a project's CLI: `fairseq-eval-lm ...`
    re.I | re.M,
)
# (4) pre-trained models: weight files, or a README linking released weights
WEIGHT_SUFFIXES = (".pth", ".pt", ".ckpt", ".h5", ".hdf5", ".pb", ".onnx", ".safetensors", ".caffemodel", ".tflite",
                   ".t7", ".params", ".weights", ".pth.tar", ".ckpt.index", ".ckpt.meta")  # fmt: skip
WEIGHT_FOLDERS = re.compile(
    r"(?:^|/)(?:models?|checkpoints?|ckpts?|model_save|saved_models?|pretrained\w*|weights)/"
)
TEXT_SUFFIXES = (".py", ".md", ".txt", ".json", ".yaml", ".yml", ".sh", ".csv", ".tsv", ".cfg", ".ini", ".ipynb",
                 ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".html", ".js", ".css", ".c", ".cpp", ".h", ".cu", ".m",
                 ".gitignore", ".gitkeep", ".rst", ".toml", ".xml", ".svg", ".log", ".pyc", ".so")  # fmt: skip
WEIGHT_SCRIPT = re.compile(
    r"(?:load|download)\w*pre-?trained|pre-?trained\w*(?:load|download)|"
    r"(?:download|fetch)\w*(?:model|ckpt|checkpoint|weight)"
)
TF_CHECKPOINT = re.compile(r"\.data-\d{5}-of-\d{5}$")  # a TensorFlow checkpoint's variables
NOT_WEIGHT_FOLDERS = re.compile(r"(?:^|/)(?:data|datasets?|(?:exp_)?results?|outputs?|logs?|features?)/")
WEIGHT_WORDS = re.compile(
    r"(?<!from_)pre-?trained (?:models?|weights|checkpoints?|networks?|policies|modules)|model weights|"
    r"trained (?:weights|networks?)|\bour (?:pre-?)?trained models?|trained models? (?:are|is|can be) (?:available|"
    r"downloaded|found|provided|released)|model zoo|released models?|(?:download|get) (?:the |our )*models?\b",
    re.I,
)
CHECKPOINT_WORDS = re.compile(
    r"\bcheckpoints?\b|\bckpts?\b|\bweights\b", re.I
)  # count only beside a file host
WEIGHT_HOSTS = re.compile(
    r"gs://|drive\.google\.com|dropbox\.com|zenodo\.org|huggingface\.co/(?!(?:datasets|models|docs|transformers)\b)|"
    r"/releases/download/|s3[.\w-]*\.amazonaws\.com|storage\.googleapis\.com|onedrive|1drv\.ms|(?<![\w.])box\.com|"
    r"pan\.baidu\.com|figshare",
    re.I,
)
NOT_YET = re.compile(r"coming soon|\bsoon\b|\bshortly\b|\bTODO\b", re.I)
FUTURE = re.compile(
    r"will (?:soon )?be (?:released|available|uploaded|provided|added)", re.I
)  # unless linked
URL = re.compile(r"https?://\S+|\]\(\S+\)|\b(?:wget|gdown|curl)\b|\b(?:download|fetch)\w*\.(?:py|sh)\b", re.I)
HUB_INDEX = re.compile(r"https?://huggingface\.co/(?:models|docs|transformers)\b\S*|\]\(https?://huggingface\.co/"
                       r"(?:models|docs|transformers)\b[^)]*\)", re.I)  # the hub's pages, not a release  # fmt: skip
# (5) results: a table holding numbers (or an image of a table) and commands
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])|\d+(?:\.\d+)?\s?%")
RESULT_IMAGE = re.compile(  # alt text or file name saying "table" or "result(s)" (`GANs_tab.PNG`, `result.png`)
    r"!\[[^\]\n]*(?:table|results?\b)[^\]\n]*\]|<img[^>\n]+(?:table|/tab\d|[/_-]tab[_.\d-]|/results?[_.-])|"
    r"!\[[^\]\n]*\]\([^)\n]*(?:table|/tab\d|[/_-]tab[_.\d-]|/results?[_.-])",
    re.I,
)
COMMAND = re.compile(
    r"^\s*(?:(?:\$|>>?|%)\s*)?(?:python\d?|bash|sh|\./|CUDA_VISIBLE_DEVICES=\S+\s+python|accelerate|torchrun)\b",
    re.I | re.M,
)


def list_code_names(record: dict) -> list[tuple[str, str]]:
    """(path, lower-case file stem) of the code files of a record (unit tests under `tests/` left out)."""
    found = []
    for path, *rest in record.get("files") or []:
        path = str(path)
        if rest and rest[0] == 0:  # an empty file is no code
            continue
        if not path.lower().endswith(CODE_SUFFIXES) or VENDORED.search(path.lower()):
            continue
        parts = PurePosixPath(path.lower()).parts
        if any(part in ("tests", "test", "unittests") for part in parts[:-1]) and parts[-1].startswith(
            "test_"
        ):
            continue
        found.append((path, parts[-1].rsplit(".", 1)[0]))
    return found


def select_main_readmes(readmes: dict) -> list[str]:
    """The texts of the shallowest READMEs (the project's own; deeper ones are often vendored libraries')."""
    texts = {path: text for path, text in readmes.items() if isinstance(text, str)}
    if not texts:
        return []
    depth = min(path.count("/") for path in texts)
    return [text for path, text in sorted(texts.items()) if path.count("/") == depth]


def split_paragraphs(text: str) -> list[str]:
    """A README's paragraphs (blocks between blank lines)."""
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def has_weight_files(record: dict) -> bool:
    """Whether the repository holds trained weights: a weight-file suffix, a model pickle, a non-text file in a
    models / checkpoints / weights folder, or a script that loads or downloads released models."""
    for path, *_ in record.get("files") or []:
        low = str(path).lower()
        name = low.rsplit("/", 1)[-1]
        if VENDORED.search(low) or NOT_WEIGHT_FOLDERS.search(
            low
        ):  # vendored code; data splits, saved results
            continue
        if low.endswith(WEIGHT_SUFFIXES) or TF_CHECKPOINT.search(low):
            return True
        if WEIGHT_FOLDERS.search(low) and not name.endswith(TEXT_SUFFIXES) and not name.startswith("."):
            return True
        if WEIGHT_SCRIPT.search(name):
            return True
        if low.endswith((".pkl", ".npz", ".npy", ".bin", ".tar")) and re.search(
            r"checkpoint|ckpt|weight|pretrain|model", low
        ):
            return True
    return False


OTHER_PAGES = re.compile(  # another repository (not its release files) or a github.io page: not this paper's weights
    r"https?://github\.com/(?P<repo>[\w.-]+/[\w.-]+)(?!/releases/download)[^\s)\]]*|https?://[\w.-]+\.github\.io\S*",
    re.I,
)


def drop_other_pages(window: str, own_repo: str) -> str:
    """A README window without its links to other repositories and to github.io pages."""

    def keep(match: re.Match) -> str:
        repo = (match.group("repo") or "").lower().removesuffix(".git")
        return match.group(0) if repo and repo == own_repo.lower() else ""

    return OTHER_PAGES.sub(keep, window)


def links_weights(text: str, own_repo: str = "") -> bool:
    """Whether a README links or downloads released weights: a weight phrase with a link or a download command
    within two lines (a checkpoint word needs a file host; links to other repositories and github.io pages do not
    count), and no "coming soon" beside it ("will be available" only where the line itself links a file host)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        weights, checkpoint = WEIGHT_WORDS.search(line), CHECKPOINT_WORDS.search(line)
        if not (weights or checkpoint):
            continue
        window = "\n".join(lines[max(0, index - 2) : index + 3])
        if NOT_YET.search(window) or (FUTURE.search(window) and not WEIGHT_HOSTS.search(line)):
            continue
        if WEIGHT_HOSTS.search(window) or (
            weights and URL.search(drop_other_pages(HUB_INDEX.sub("", window), own_repo))
        ):
            return True
    return False


def introduces_command(text: str, words: re.Pattern) -> bool:
    """Whether a line naming the step (`To train the model, run:`) has a command within the next four lines."""
    lines = text.splitlines()
    return any(
        words.search(line) and any(COMMAND.match(after) for after in lines[index + 1 : index + 5])
        for index, line in enumerate(lines)
    )


CODE_FILE = re.compile(r"[\w./-]+\.(?:py|sh|ipynb)\b")


def names_step_file(text: str, words: re.Pattern, names: list[tuple[str, str]]) -> bool:
    """Whether a README line naming the step (`Evaluate ... by TDD_step2.py`) names one of the repository's code
    files."""
    files = {path.rsplit("/", 1)[-1].lower() for path, _ in names}
    return any(
        words.search(line) and any(m.rsplit("/", 1)[-1].lower() in files for m in CODE_FILE.findall(line))
        for line in text.splitlines()
    )


def find_tables(text: str) -> list[str]:
    """The tables of a README: Markdown (pipe rows), HTML `<table>` and reST grid tables, as text blocks."""
    tables = re.findall(r"<table\b.*?</table>", text, re.I | re.S)
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.strip().startswith(("|", "+")) or (block and "|" in line):
            block.append(line)
        else:
            if len(block) >= 3:
                tables.append("\n".join(block))
            block = []
    return tables


def shows_results(text: str) -> bool:
    """Whether a README has a table of results (numbers in a table, or a results-table image) and commands."""
    has_table = any(len(NUMBER.findall(table)) >= 3 for table in find_tables(text)) or bool(
        RESULT_IMAGE.search(text)
    )
    return has_table and bool(COMMAND.search(text) or re.search(r"`(?:python|bash)\s[^`]+`", text))


def score_checklist(record: dict, has_dependencies: bool | None) -> dict:
    """The five checklist items (True, False or None when unknown) and their sum, `completeness` (0-5)."""
    readmes = record.get("readmes")
    known = isinstance(readmes, dict)
    text = "\n\n".join(select_main_readmes(readmes)) if known else ""
    names = list_code_names(record)
    imports = record.get("imports") or {}
    optimizes = any(
        str(module).startswith(TRAINING_MODULES) for path, _ in names for module in imports.get(path) or []
    )
    notebook_fits = any(
        path.endswith(".ipynb")
        and any(str(m).split(".")[0] in FRAMEWORK_TOPS for m in imports.get(path) or [])
        for path, _ in names
    )
    training = any(TRAIN_NAME.search(stem) or RL_ALGORITHMS.search(stem) for _, stem in names) or optimizes
    training = training or notebook_fits
    training = training or bool(
        TRAIN_COMMAND.search(text) or HEADING_TRAIN.search(text) or TRAINING_OPTIONS.search(text)
    )
    training = training or introduces_command(text, TRAIN_WORD) or names_step_file(text, TRAIN_WORD, names)
    evaluation = any(EVAL_NAME.search(stem) for _, stem in names) or bool(EVAL_COMMAND.search(text))
    evaluation = evaluation or introduces_command(text, EVAL_WORD) or names_step_file(text, EVAL_WORD, names)
    pretrained = has_weight_files(record) or links_weights(text, str(record.get("repo") or ""))
    results = shows_results(text)
    items = {
        "has_dependencies": has_dependencies,
        "has_training_code": training if training or known else None,
        "has_evaluation_code": evaluation if evaluation or known else None,
        "has_pretrained_models": pretrained if pretrained or known else None,
        "has_results": results if known else None,
    }
    values = list(items.values())
    items["completeness"] = None if any(v is None for v in values) else sum(bool(v) for v in values)
    return items
