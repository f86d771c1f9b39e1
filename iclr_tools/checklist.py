"""Stage 5, tools (completeness): the ML Code Completeness Checklist, scored from a record as its authors define it.

The checklist's authors (Papers with Code, April 2020: the `paperswithcode/releasing-research-code` README, its
README template and the blog post "ML Code Completeness Checklist") ask of a repository:
(1) dependencies: information on dependencies or instructions to set up the environment (a requirements file, an
environment file, `setup.py`, a Docker image, a README saying what to install); (2) training code: a way to
train or fit the paper's models; (3) evaluation code: a script that measures the trained models or runs the
paper's experiments; (4) pre-trained models: free access to trained weights; (5) results: a table or plot of the
main results in the README, with the instructions that reproduce them (they also said yes for either alone, and
for a link to a Papers with Code leaderboard). Code in any language counts, not Python alone.

Read from a record: its file list, each Python file's imports, manifests, install lines and READMEs (HTML comments,
which a reader never sees, left out). Folders holding another project (a copy with its own licence, a git
submodule, `third_party/`) do not give the paper's dependencies or weights. Each item is True, False, or None where it depends on README texts that are unknown (the recorded 2018
records hold none) and the files alone do not show it; with README texts every item is decided.

>>> record = {"files": [["train.py", 10], ["eval.py", 10], ["ckpt/model.pth", 99]], "readmes": {"README.md": ""}}
>>> score_checklist(record)["completeness"]
3
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .declared import extract_declarations
from .readme import extract_readmes_requirements
from .scan import is_manifest

# Code in any language a paper's code is written in (notebooks and shell scripts included)
CODE_SUFFIXES = (".py", ".ipynb", ".pyx", ".sh", ".bash", ".m", ".r", ".rmd", ".jl", ".lua", ".cpp", ".cc", ".cxx",
                 ".c", ".cu", ".java", ".scala", ".rs", ".go")  # fmt: skip
VENDORED = re.compile(
    r"(?:^|/)(?:lib|libs|third_party|thirdparty|3rdparty|external|externals|vendor|deps|submodules?)/"
)
LICENCE_FILE = re.compile(r"(?:licen[cs]e|copying)(?:\.\w+)?", re.I)
UNIT_TEST_FOLDERS = ("tests", "test", "unittests", "unit_tests")

# (1) dependencies: manifests of any ecosystem, and setup instructions in a README
OTHER_MANIFESTS = {"Cargo.toml", "package.json", "Project.toml", "DESCRIPTION", "renv.lock", "Gemfile", "go.mod",
                   "environment.yml", "environment.yaml", "conda.yml", "conda.yaml", "Dockerfile"}  # fmt: skip
ENV_FILE_COMMAND = re.compile(  # a README installing from a file: `conda env create -f ipdiff.yml`
    r"\bconda (?:env )?(?:create|update|install)\b[^\n]*?(?:-f|--file)[ =]+[\"']?([\w./-]+)|"
    r"\bpip3? install\b[^\n]*?(?:-r|--requirement)[ =]*[\"']?([\w./-]+)",
    re.IGNORECASE,
)
SETUP_COMMAND = re.compile(  # setting up the environment in a README, whatever it installs
    r"\b(?:pip3?|conda|mamba) (?:env )?(?:install|create)\b|\bpython\d? setup\.py (?:install|develop|build)\b|"
    r"\bdocker (?:pull|build|run)\b|\bpoetry install\b|\binstall\.packages\(|\bPkg\.(?:add|instantiate)\b",
    re.IGNORECASE,
)

# (2) training code: a file named for training (or an RL algorithm), code importing an optimizer, or a documented
# training command, heading or option
TRAIN_NAME = re.compile(
    r"(?:^|[^a-z])(?:pre|fine[_-]?)?(?:train|training|trainer|finetune|fine_tune|learn_\w+|main)(?:[^a-z]|$)"
)
RL_ALGORITHMS = re.compile(r"(?:^|[^a-z])(?:ppo|dqn|sac|a2c|a3c|trpo|ddpg|td3|reinforce|fit)(?:[^a-z]|$)")
TRAINING_MODULES = ("torch.optim", "optax", "keras.optimizers", "tensorflow.keras.optimizers", "pytorch_lightning",
                    "lightning", "stable_baselines", "stable_baselines3", "trl", "tensorflow.train",
                    "tensorflow.compat.v1.train")  # fmt: skip
TRAIN_COMMAND = re.compile(r"train")  # in a command line (`python train.py`, `--mode train`)
TRAIN_WORD = re.compile(r"\b(?:to )?(?:train|training|fine-?tune)\b", re.I)
EVAL_WORD = re.compile(r"\b(?:evaluat\w+|test(?:ing)?|reproduc\w+|inference)\b", re.I)
FRAMEWORK_TOPS = {"torch", "tensorflow", "keras", "jax", "flax", "haiku", "mxnet", "chainer", "theano"}
HEADING_TRAIN = re.compile(r"^\s*#{2,6}[^\n]*\btrain(?:ing)?\b", re.I | re.M)  # not the title (`# ...`)
TRAINING_OPTIONS = re.compile(
    r"--(?:epochs?|num_epochs|n_epochs|max_epochs|lr|learning[_-]rate|train\w*)\b", re.I
)
# (2) and (3): a README saying the code runs or reproduces the paper's experiments or results
REPRODUCES = re.compile(
    r"\b(?:reproduc\w*|replicat\w*)\b[^\n]{0,80}?\b(?:results?|experiments?|figures?|fig\.|tables?|numbers)\b|"
    r"\b(?:run|running)\s+(?:all\s+|the\s+|our\s+)*experiments\b|\bexperiments (?:of|for|in|from) (?:the|our) paper\b|"
    r"\bcode (?:used )?(?:for|to) (?:reproduc|replicat|run)\w*",
    re.I,
)
NOT_RELEASED = re.compile(  # a README saying the code is not out yet
    r"\b(?:code|codebase|implementation)\b[^.\n]{0,60}\b(?:coming soon|will be (?:released|available|uploaded|"
    r"made (?:public|available))|to be released)|\bpreparing (?:the )?code\b|\bcheck back soon\b",
    re.I,
)
# (3) evaluation code: a file named for evaluation or experiments, or a documented command
EVAL_NAME = re.compile(
    r"(?:^|[^a-z])(?:eval|evaluate|evaluation|evaluator|test|testing|inference|infer|predict|prediction|benchmark|"
    r"reproduce|experiments?|run_exp\w*|attack|analysis|analyze|plot\w*|figures?|results?)(?:[^a-z]|$)"
)
EVAL_COMMAND = re.compile(  # in a command line
    r"eval|test|infer|predict|reproduce|experiment|attack|sample|generate"
)
EVAL_CLI = re.compile(  # a project's own command-line tool: `fairseq-eval-lm ...`, `cargo bench`
    r"--(?:eval|test|evaluate)\b|\bcargo (?:bench|test)\b|^\s*(?:\$\s*)?[a-z]+-(?:eval\w*|generate|validate|test)\b",
    re.M,
)
# (4) pre-trained models: weight files, or a README linking released weights
WEIGHT_SUFFIXES = (".pth", ".pt", ".ckpt", ".ckp", ".h5", ".hdf5", ".pb", ".onnx", ".safetensors", ".caffemodel",
                   ".tflite", ".t7", ".params", ".weights", ".pth.tar", ".ckpt.index", ".ckpt.meta")  # fmt: skip
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
    r"(?<!from_)pre-?trained (?:[\w+-]+ )?(?:models?|weights|checkpoints?|networks?|policies|modules)|model weights|"
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
WEIGHT_URL = re.compile(  # a link straight to a weight file: `http://.../pretrain_vqacp_model.pth`
    r"(?:https?|gs|s3)://[^\s)\]\"'>]+?\.(?:pth|pt|ckpt|ckp|h5|hdf5|pb|onnx|safetensors|caffemodel|t7|params|"
    r"weights|pth\.tar)(?:\?[^\s)\]\"'>]*)?(?=[\s)\]\"'>]|$)",
    re.I,
)
FRAMEWORK_ZOO = re.compile(  # a framework's own zoo: an ImageNet backbone, not the paper's model
    r"download\.pytorch\.org|keras-applications|fchollet/deep-learning-models|tfhub\.dev|dl\.fbaipublicfiles\.com/detectron2/ImageNetPretrained",
    re.I,
)
MODEL_COLUMN = re.compile(r"\b(?:models?|weights?|checkpoints?|ckpts?|download)\b", re.I)
NOT_YET = re.compile(r"coming soon|\bsoon\b|\bshortly\b|\bTODO\b", re.I)
FUTURE = re.compile(
    r"will (?:soon )?be (?:released|available|uploaded|provided|added)", re.I
)  # unless linked
URL = re.compile(r"https?://\S+|\]\(\S+\)|\b(?:wget|gdown|curl)\b|\b(?:download|fetch)\w*\.(?:py|sh)\b", re.I)
HUB_INDEX = re.compile(r"https?://huggingface\.co/(?:models|docs|transformers)\b\S*|\]\(https?://huggingface\.co/"
                       r"(?:models|docs|transformers)\b[^)]*\)", re.I)  # the hub's pages, not a release  # fmt: skip
OTHER_PAGES = re.compile(  # another repository (not its release files) or a github.io page: not this paper's weights
    r"https?://github\.com/(?P<repo>[\w.-]+/[\w.-]+)(?!/releases/download)[^\s)\]]*|https?://[\w.-]+\.github\.io\S*",
    re.I,
)
# (5) results: a table holding numbers, a plot or table image of results, a leaderboard, or a command that
# reproduces a figure or table
NUMBER = re.compile(
    r"(?<![\w.])\d+\.\d+(?:e[-+]?\d+)?(?![\w.])|\d+(?:\.\d+)?\s?%", re.I
)  # 76.1, 3.7e-02, 95%
RESULT_WORDS = (
    r"(?:table|results?|plots?|curves?|performance|accuracy|comparison|benchmark|quantitative|numbers)"
)
RESULT_IMAGE = re.compile(  # alt text or file name saying "table" or "result(s)" (`GANs_tab.PNG`, `result.png`)
    rf"!\[[^\]\n]*\b{RESULT_WORDS}\b[^\]\n]*\]|<img[^>\n]+(?:table|/tab\d|[/_-]tab[_.\d-]|[/_-]results?[_.-]|[/_-]res[_.-]|"
    rf"plots?/|[/_-]curves?[_.-])|!\[[^\]\n]*\]\([^)\n]*(?:table|/tab\d|[/_-]tab[_.\d-]|[/_-]results?[_./-]|[/_-]res[_.-]|"
    rf"plots?/|[/_-]curves?[_.-])",
    re.I,
)
IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]+\)|<img\b[^>\n]*>", re.I)
RESULT_HEADING = re.compile(rf"^\s*(?:#{{1,6}}\s*)?[^\n]{{0,40}}\b{RESULT_WORDS}\b[^\n]{{0,40}}$", re.I)
LEADERBOARD = re.compile(r"paperswithcode\.com/sota/", re.I)
REPRODUCES_SHOWN = re.compile(
    r"\b(?:reproduc\w*|replicat\w*|generat\w*|produc\w*)\b[^\n]{0,60}?\b(?:fig(?:ure)?s?\.?\s*\d|tables?\s*\d)",
    re.I,
)
COMMAND = re.compile(  # a command line: a program and a script, a module or a path (not "Python 3.6 is ...")
    r"^\s*(?:(?:\$|>>?|%|!)\s*)?(?:[A-Z_]+=\S*\s+)*(?:(?:python\d?(?:\.\d+)?|bash|sh|source|Rscript|julia|"
    r"matlab|deepspeed|torchrun|accelerate launch)\s+(?:-{1,2}[\w-]+(?:[ =]\S+)?\s+)*(?:[\w$<>{}~.-]*/|"
    r"[\w$<>{}~-]+\.(?:py|sh|m|r|jl|ipynb)\b|-[mcr]\s+\S|[A-Za-z_][\w.]*\.[A-Za-z_])|\./[\w.-])",
    re.M,
)
INLINE_CODE = re.compile(r"`{1,3}([^`\n]+)`{1,3}")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
RESULTS_WORD = re.compile(r"\bresults?\b", re.I)
LINKED_CODE = re.compile(
    r"\]\([^)\s]*\.(?:ipynb|py|sh|m|r|jl)\)", re.I
)  # a Markdown link to a script or notebook
CODE_FILE = re.compile(r"[\w./-]+\.(?:py|sh|ipynb|m|r|jl)\b", re.I)


def find_bundled_folders(record: dict) -> list[str]:
    """Folders (`name/`) holding another project: a copy with its own licence file, or a git submodule."""
    folders = {str(path).rsplit("/", 1)[0] + "/" for path, *_ in record.get("files") or []
               if "/" in str(path) and LICENCE_FILE.fullmatch(str(path).rsplit("/", 1)[-1])}  # fmt: skip
    folders |= {str(path).rstrip("/") + "/" for path in record.get("submodules") or []}
    return sorted(folders)


def is_own_path(path: str, bundled: list[str]) -> bool:
    """Whether a file is the repository's own: not vendored, not inside a bundled project."""
    return not VENDORED.search(path.lower()) and not path.startswith(tuple(bundled))


def select_own_record(record: dict) -> dict:
    """The record with the files, manifests, setup facts and install lines of bundled projects and vendored folders
    left out (their dependencies and weights are another project's)."""
    bundled = find_bundled_folders(record)
    own = dict(record)
    own["files"] = [entry for entry in record.get("files") or [] if is_own_path(str(entry[0]), bundled)]
    for key in ("manifests", "setup_py", "install_lines", "readmes"):
        if isinstance(record.get(key), dict):
            own[key] = {path: value for path, value in record[key].items() if is_own_path(str(path), bundled)}
    return own


def list_code_names(record: dict) -> list[tuple[str, str]]:
    """(path, lower-case file stem) of the code files of a record, any language (test folders left out)."""
    found = []
    for path, *rest in record.get("files") or []:
        path = str(path)
        if rest and rest[0] == 0:  # an empty file is no code
            continue
        if not path.lower().endswith(CODE_SUFFIXES) or VENDORED.search(path.lower()):
            continue
        parts = PurePosixPath(path.lower()).parts
        if any(
            part in UNIT_TEST_FOLDERS for part in parts[:-1]
        ):  # a test suite tests the code, it evaluates nothing
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


def select_linked_readmes(readmes: dict) -> list[str]:
    """The main READMEs and the deeper ones they name by path (`see experiments/train/README.md`)."""
    main = select_main_readmes(readmes)
    joined = "\n".join(main)
    deeper = [text for path, text in sorted(readmes.items())
              if isinstance(text, str) and text not in main and "/" in path and path in joined]  # fmt: skip
    return main + deeper


def has_manifest_file(record: dict) -> bool:
    """Whether a dependency manifest is among the files, read or not (any ecosystem's, a Dockerfile), including an
    environment or requirements file of another name that a README installs from."""

    def base(path: str) -> str:  # `env.yaml` and `env.yml` are one file to a reader
        return path.rsplit("/", 1)[-1].lower().replace(".yaml", ".yml")

    names = {base(str(path)) for path, *_ in record.get("files") or []}
    for path, *_ in record.get("files") or []:
        name = str(path).rsplit("/", 1)[-1]
        if is_manifest(str(path)) or name in OTHER_MANIFESTS:
            return True
    texts = [text for text in (record.get("readmes") or {}).values() if isinstance(text, str)]
    return any(
        base(match.group(1) or match.group(2)) in names
        for text in texts
        for match in ENV_FILE_COMMAND.finditer(text)
    )


def score_dependencies(own: dict) -> bool | None:
    """(1) Whether the repository's own files or READMEs say what to install: a manifest, `setup.py`, an install
    command, a README's requirements or setup instructions; None where READMEs are unknown and files show none."""
    readmes = own.get("readmes")
    if any(item["scope"] == "runtime" for item in extract_declarations(own)) or has_manifest_file(own):
        return True
    if any(str(path).rsplit("/", 1)[-1] == "setup.py" for path, *_ in own.get("files") or []):
        return True
    if not isinstance(readmes, dict):
        return None
    texts = [text for text in readmes.values() if isinstance(text, str)]
    return bool(extract_readmes_requirements(readmes)["names"]) or any(SETUP_COMMAND.search(t) for t in texts)


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


def drop_other_pages(window: str, own_repo: str) -> str:
    """A README window without its links to other repositories and to github.io pages."""

    def keep(match: re.Match) -> str:
        repo = (match.group("repo") or "").lower().removesuffix(".git")
        return match.group(0) if repo and repo == own_repo.lower() else ""

    return OTHER_PAGES.sub(keep, window)


def find_code_block_end(lines: list[str], start: int) -> int:
    """The index after a code block opening within two lines of `start` (or `start + 3` when none opens)."""
    for index in range(start + 1, min(start + 3, len(lines))):
        if lines[index].strip().startswith(("```", "~~~")):
            for end in range(index + 1, min(index + 12, len(lines))):
                if lines[end].strip().startswith(("```", "~~~")):
                    return end + 1
    return start + 3


def links_weights(text: str, own_repo: str = "") -> bool:
    """Whether a README links or downloads released weights: a link straight to a weight file (not a framework's
    zoo: `download.pytorch.org`), a results table
    with a model column of file-host links, or a weight phrase with a link or a download command within two lines
    or in the code block after it (a checkpoint word needs a file host; a phrase whose own line points to another
    repository is someone else's model; links to other repositories and github.io pages do not count), and no
    "coming soon" beside it ("will be available" only where the line itself links a file host)."""
    lines = text.splitlines()
    if any(not FRAMEWORK_ZOO.search(url.group(0)) for url in WEIGHT_URL.finditer(text)):
        return True
    if any(links_model_column(table) for table in find_tables(text)):
        return True
    for index, line in enumerate(lines):
        weights, checkpoint = WEIGHT_WORDS.search(line), CHECKPOINT_WORDS.search(line)
        if not (weights or checkpoint):
            continue
        if drop_other_pages(line, own_repo) != line and not WEIGHT_HOSTS.search(line):
            continue  # "generated with the pretrained model available at github.com/someone/else"
        window = "\n".join(lines[max(0, index - 2) : find_code_block_end(lines, index)])
        if NOT_YET.search(window) or (FUTURE.search(window) and not WEIGHT_HOSTS.search(line)):
            continue
        if WEIGHT_HOSTS.search(window) or (
            weights and URL.search(drop_other_pages(HUB_INDEX.sub("", window), own_repo))
        ):
            return True
    return False


def links_model_column(table: str) -> bool:
    """Whether a Markdown table has a model / weights / download column whose cells link a file host."""
    rows = [row.strip().strip("|").split("|") for row in table.splitlines() if "|" in row]
    if len(rows) < 3:
        return False
    columns = [index for index, cell in enumerate(rows[0]) if MODEL_COLUMN.search(cell)]
    return any(
        index < len(row) and WEIGHT_HOSTS.search(row[index]) and "](" in row[index]
        for row in rows[2:]
        for index in columns
    )


def find_commands(text: str) -> list[str]:
    """The command lines of a README, and its inline code that is a command."""
    found = [line for line in text.splitlines() if COMMAND.match(line)]
    found += [span for span in INLINE_CODE.findall(text) if COMMAND.match(span)]
    return found


def introduces_command(text: str, words: re.Pattern) -> bool:
    """Whether a line naming the step (`To train the model, run:`) has a command within the next four lines."""
    lines = text.splitlines()
    return any(
        words.search(line) and any(COMMAND.match(after) for after in lines[index + 1 : index + 5])
        for index, line in enumerate(lines)
    )


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


def shows_result_images(text: str) -> bool:
    """Whether a README shows results as an image: alt text or file name saying table, results, plot or curve,
    or an image under a heading (or caption line) that says so."""
    if RESULT_IMAGE.search(text):
        return True
    lines = text.splitlines()
    return any(
        IMAGE.search(line)
        and any(RESULT_HEADING.match(before) for before in lines[max(0, index - 2) : index])
        for index, line in enumerate(lines)
    )


def reproduces_shown_results(text: str) -> bool:
    """Whether a command sits within four lines of a sentence saying it reproduces a figure or a table (`This
    command replicates results from Fig. 4`), or a line about results links the script or notebook that gives
    them (`[UMAL results on the synthetic problem](Synthetic.ipynb)`)."""
    lines = text.splitlines()
    return any(
        (
            REPRODUCES_SHOWN.search(line)
            and any(COMMAND.match(near) or "```" in near for near in lines[max(0, index - 4) : index + 5])
        )
        or (RESULTS_WORD.search(line) and bool(LINKED_CODE.search(line)))
        for index, line in enumerate(lines)
    )


def shows_results(texts: list[str]) -> bool:
    """(5) Whether READMEs show the results (a table holding numbers, a results image, a link to a Papers with Code
    leaderboard) or say how a figure, a table or the results are reproduced."""
    return any(
        any(len(NUMBER.findall(table)) >= 3 for table in find_tables(text))
        or shows_result_images(text)
        or bool(LEADERBOARD.search(text))
        or reproduces_shown_results(text)
        for text in texts
    )


def read_readmes(record: dict) -> dict[str, str] | None:
    """A record's README texts as a reader sees them (HTML comments left out), or None where they are unknown."""
    if not isinstance(record.get("readmes"), dict):
        return None
    return {
        path: HTML_COMMENT.sub("", text) for path, text in record["readmes"].items() if isinstance(text, str)
    }


def score_training(names: list[tuple[str, str]], imports: dict, text: str) -> bool:
    """(2) Whether the code can train or fit the paper's models: a file named for training (or an RL algorithm),
    code importing an optimizer, a notebook importing a framework, a README training command, heading, option or
    step, or a README saying the code runs the paper's experiments."""
    commands = find_commands(text)
    return (
        any(TRAIN_NAME.search(stem) or RL_ALGORITHMS.search(stem) for _, stem in names)
        or any(
            str(module).startswith(TRAINING_MODULES)
            for path, _ in names
            for module in imports.get(path) or []
        )
        or any(
            path.endswith(".ipynb")
            and any(str(m).split(".")[0] in FRAMEWORK_TOPS for m in imports.get(path) or [])
            for path, _ in names
        )
        or (bool(names) and bool(REPRODUCES.search(text)))
        or any(TRAIN_COMMAND.search(command.lower()) for command in commands)
        or bool(HEADING_TRAIN.search(text) or TRAINING_OPTIONS.search(text))
        or introduces_command(text, TRAIN_WORD)
        or names_step_file(text, TRAIN_WORD, names)
    )


def score_evaluation(names: list[tuple[str, str]], text: str) -> bool:
    """(3) Whether the code measures the models or runs the paper's experiments: a file named for evaluation,
    experiments, attacks, analysis or figures, a README evaluation command or step, or a README saying the code
    runs or reproduces the paper's experiments."""
    return (
        any(EVAL_NAME.search(stem) for _, stem in names)
        or (bool(names) and bool(REPRODUCES.search(text)))
        or bool(EVAL_CLI.search(text))
        or any(EVAL_COMMAND.search(command.lower()) for command in find_commands(text))
        or introduces_command(text, EVAL_WORD)
        or names_step_file(text, EVAL_WORD, names)
    )


def score_checklist(record: dict) -> dict:
    """The five checklist items (True, False or None when unknown) and their sum, `completeness` (0-5)."""
    own = select_own_record(record)
    readmes = read_readmes(record)
    known = readmes is not None
    text = "\n\n".join(select_main_readmes(readmes or {}))
    names = list_code_names(record)
    held_back = bool(NOT_RELEASED.search(text)) and not find_commands(
        text
    )  # "code coming soon", nothing to run
    training = score_training(names, record.get("imports") or {}, text) and not held_back
    evaluation = score_evaluation(names, text) and not held_back
    pretrained = has_weight_files(own) or links_weights(text, str(record.get("repo") or ""))
    items = {
        "has_dependencies": score_dependencies(own),
        "has_training_code": training if training or known else None,
        "has_evaluation_code": evaluation if evaluation or known else None,
        "has_pretrained_models": pretrained if pretrained or known else None,
        "has_results": shows_results(select_linked_readmes(readmes)) if known else None,
    }
    values = list(items.values())
    items["completeness"] = None if any(v is None for v in values) else sum(bool(v) for v in values)
    return items
