"""Stage 5, tools (declared): the distribution names a repository's manifests, setup files and install lines declare."""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
import tomllib
from pathlib import PurePosixPath

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from .packages import canonical
from .scan import INSTALL_LINE

# Conda names that differ from the PyPI distribution, and conda packages that are not Python libraries.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "py-opencv": "opencv-python",
}
CONDA_NOT_PYTHON = {
    "python", "pip", "cudatoolkit", "cudnn", "nccl", "mkl", "mkl-service", "mkl_fft", "mkl_random", "blas",
    "intel-openmp", "openssl", "ca-certificates", "zlib", "xz", "sqlite", "readline", "ncurses", "tk",
    "openblas", "cuda", "cuda-toolkit", "cudatoolkit-dev", "gcc", "gxx", "make", "cmake", "ffmpeg", "git",
}  # fmt: skip
DEV_WORDS = {"dev", "develop", "development", "test", "tests", "testing", "doc", "docs", "documentation", "lint",
             "linting", "style", "quality", "typing", "ci", "format", "check", "pytest"}  # fmt: skip
REQUIREMENT_OPTIONS_WITH_VALUE = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--no-binary",
    "--only-binary", "--hash", "--global-option", "--install-option", "--config-settings", "-C",
}  # fmt: skip


def parse_requirement(text: str) -> str | None:
    """The canonical name in one PEP 508 requirement or pip/conda-style pin ('torch>=1.0' -> 'torch')."""
    text = text.strip()
    if not text:
        return None
    egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    if egg:
        return canonical(egg.group(1))
    if "://" in text.split("@")[0] or text.startswith((".", "/", "~", "$", "-")):
        name = text.rsplit("/", 1)[-1]  # the match lies in the file name; at most 255 chars keeps it fast
        wheel = len(name) <= 255 and re.search(
            r"([A-Za-z0-9][A-Za-z0-9._]*)-\d[^/]*\.(?:whl|tar\.gz|zip)$", name
        )
        return canonical(wheel.group(1)) if wheel and "$" not in text else None
    try:
        return canonical(Requirement(text).name)
    except (InvalidRequirement, RecursionError):
        # conda-style pins (`numpy=1.18=py37_0`) and other near-PEP 508 lines: keep the leading name
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!~;\[ ]|$)", text)
        return canonical(match.group(1)) if match else None


def split_requirement_line(line: str) -> str:
    """A requirements-file line without its comment (a `#` at the start or after white space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def parse_requirements_text(
    text: str, path: str = "", manifests: dict | None = None, _seen=None
) -> list[str]:
    """Names in a requirements file, following `-r` / `-c` includes found among `manifests`."""
    manifests = manifests or {}
    seen = _seen if _seen is not None else {path}
    names: list[str] = []
    lines = text.replace("\\\n", " ").splitlines()
    for raw in lines:
        line = split_requirement_line(raw)
        if not line:
            continue
        tokens = line.split()
        head = tokens[0]
        if head in ("-r", "--requirement", "-c", "--constraint") or re.match(
            r"^(-[rc]|--requirement=)", head
        ):
            target = (
                tokens[1] if len(tokens) > 1 else re.sub(r"^(-[rc]|--requirement=|--constraint=)", "", head)
            )
            include = str(PurePosixPath(path).parent / target) if path else target
            include = posixpath.normpath(include)
            if include in manifests and include not in seen:
                seen.add(include)
                included = parse_requirements_text(manifests[include], include, manifests, seen)
                names += [name for name in included if name not in names]
            continue
        if head in ("-e", "--editable"):
            line = " ".join(tokens[1:])
        elif head.startswith("-"):
            continue
        name = parse_requirement(line)
        if name and name not in names:
            names.append(name)
    return names


def parse_conda_name(spec: str) -> str | None:
    """The PyPI name of one conda dependency (`pytorch::pytorch=1.4=py3.7` -> `torch`), None if not Python."""
    spec = spec.strip().split("::")[-1]
    match = re.match(r"([A-Za-z0-9_][A-Za-z0-9._-]*)", spec)
    if not match:
        return None
    name = match.group(1).lower()
    if name in CONDA_NOT_PYTHON or name.startswith(("lib", "_", "cuda-")):
        return None
    return canonical(CONDA_TO_PYPI.get(name, name))


def parse_environment_yml(text: str) -> list[str]:
    """Names in a conda environment file: conda dependencies and the nested `pip:` list."""
    data = yaml.safe_load(text)
    deps = data.get("dependencies") if isinstance(data, dict) else None
    names: list[str] = []
    for dep in deps or []:
        if isinstance(dep, str):
            found = [parse_conda_name(dep)]
        elif isinstance(dep, dict):
            found = [parse_requirement(line) for line in dep.get("pip") or [] if isinstance(line, str)]
        else:
            found = []
        names += [name for name in found if name and name not in names]
    return names


def find_scope(extra: str) -> str:
    """`dev` for an extra, group or file whose name says development, tests or docs; else `runtime`.

    >>> find_scope("test"), find_scope("requirements-docs.txt"), find_scope("gpu")
    ('dev', 'dev', 'runtime')
    """
    words = re.split(r"[^a-z]+", PurePosixPath(extra.lower()).name)
    return "dev" if DEV_WORDS & set(words) else "runtime"


def merge_scopes(*groups: tuple[list, str]) -> dict[str, str]:
    """name -> scope from (names, scope) groups, in order; a name declared for runtime anywhere is runtime."""
    scopes: dict[str, str] = {}
    for names, scope in groups:
        for name in names:
            if name and scopes.get(name) != "runtime":
                scopes[name] = scope
    return scopes


def parse_pipfile(text: str) -> dict[str, str]:
    """Names in a Pipfile: `[packages]` runtime, `[dev-packages]` dev."""
    data = tomllib.loads(text)
    return merge_scopes(
        ([canonical(n) for n in data.get("packages") or {}], "runtime"),
        ([canonical(n) for n in data.get("dev-packages") or {}], "dev"),
    )


def parse_pyproject(text: str) -> dict[str, str]:
    """Names in a pyproject.toml (PEP 621 and Poetry), each runtime or dev by the extra or group it is in."""
    data = tomllib.loads(text)
    project = data.get("project") or {}
    groups: list[tuple[list, str]] = [(parse_requirement_list(project.get("dependencies")), "runtime")]
    for extra, lines in (project.get("optional-dependencies") or {}).items():
        groups.append((parse_requirement_list(lines), find_scope(extra)))
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [(poetry.get("dependencies"), "runtime"), (poetry.get("dev-dependencies"), "dev")]
    tables += [
        (group.get("dependencies"), find_scope(name)) for name, group in (poetry.get("group") or {}).items()
    ]
    for table, scope in tables:
        groups.append(([canonical(name) for name in (table or {}) if name.lower() != "python"], scope))
    return merge_scopes(*groups)


def parse_requirement_list(lines: object) -> list[str]:
    """Names in a list of requirement strings (anything else in it is passed over)."""
    if not isinstance(lines, (list, tuple)):
        return []
    return [name for name in (parse_requirement(line) for line in lines if isinstance(line, str)) if name]


def parse_setup_cfg(text: str) -> dict[str, str]:
    """Names in a setup.cfg's `[options] install_requires` (runtime) and `[options.extras_require]` (by extra)."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read_string(text)

    def names(value: str) -> list[str]:
        return [n for n in (parse_requirement(split_requirement_line(x)) for x in value.splitlines()) if n]

    groups = [(names(config.get("options", "install_requires", fallback="")), "runtime")]
    if config.has_section("options.extras_require"):
        groups += [
            (names(value), find_scope(extra)) for extra, value in config["options.extras_require"].items()
        ]
    return merge_scopes(*groups)


def extract_setup_requires(facts: dict | None) -> dict[str, str]:
    """Names read from a setup.py: `install_requires` runtime, `extras_require` by extra, `tests_require` dev."""

    def names(value: object) -> list[str]:
        if isinstance(value, str):
            value = [] if value == "<not a literal>" else value.splitlines()
        items = value if isinstance(value, (list, tuple)) else []
        return [n for n in (parse_requirement(str(x)) for x in items if x) if n]

    facts = facts if isinstance(facts, dict) else {}  # a recorded `null` (openai/mlsh) declares nothing
    groups = [(names(facts.get("install_requires")), "runtime")]
    extras = facts.get("extras_require")
    if isinstance(extras, dict):
        groups += [(names(value), find_scope(str(extra))) for extra, value in extras.items()]
    groups.append((names(facts.get("tests_require")), "dev"))
    return merge_scopes(*groups)


INSTALL_OPTIONS_WITH_VALUE = REQUIREMENT_OPTIONS_WITH_VALUE | {
    "-c",
    "--channel",
    "-n",
    "--name",
    "-t",
    "--target",
}


def parse_install_line(line: str) -> list[str]:
    """Package names a `pip install ...` or `conda install ...` command installs (not files or `-r` lists)."""
    match = INSTALL_LINE.search(line)
    if not match:
        return []
    command = re.split(r"\s*(?:&&|\|\||;|\||`|\)|\s#)\s*", match.group(1))[0]
    try:
        tokens = shlex.split(command) if len(command) <= 10_000 else command.split()  # shlex is quadratic
    except ValueError:
        tokens = command.split()
    conda = tokens[0] in ("conda", "mamba")
    names: list[str] = []
    skip = False
    for token in tokens[2:]:
        if skip:
            skip = False
            continue
        if token in INSTALL_OPTIONS_WITH_VALUE or token in ("-r", "--requirement", "-e", "--editable"):
            skip = token not in ("-e", "--editable")
            continue
        if token.startswith("-"):
            continue
        name = parse_conda_name(token) if conda and "://" not in token else parse_requirement(token)
        if name and name not in names:
            names.append(name)
    return names


def extract_manifest_names(path: str, text: str, manifests: dict) -> dict[str, str]:
    """Names declared by one manifest (name -> runtime or dev), by its kind; a malformed one declares nothing."""
    name = PurePosixPath(path).name.lower()
    try:
        if name.endswith((".yml", ".yaml")):
            return merge_scopes((parse_environment_yml(text), "runtime"))
        if name == "pipfile":
            return parse_pipfile(text)
        if name == "pyproject.toml":
            return parse_pyproject(text)
        if name == "setup.cfg":
            return parse_setup_cfg(text)
        return merge_scopes((parse_requirements_text(text, path, manifests), find_scope(path)))
    except (
        yaml.YAMLError,
        tomllib.TOMLDecodeError,
        configparser.Error,
        ValueError,
        TypeError,
        AttributeError,
        RecursionError,
        MemoryError,
    ):
        return {}


def find_manifest_source(path: str) -> str:
    """Which kind of file declared a name: requirements, environment, pipfile, pyproject or setup."""
    name = PurePosixPath(path).name.lower()
    if name.endswith((".yml", ".yaml")):
        return "environment"
    return {"pipfile": "pipfile", "pyproject.toml": "pyproject", "setup.cfg": "setup"}.get(
        name, "requirements"
    )


def extract_declarations(record: dict) -> list[dict]:
    """Every declared name with where (`by`) and for what (`scope`: runtime or dev), README sections aside."""
    manifests = record.get("manifests") if isinstance(record.get("manifests"), dict) else {}
    found: list[dict] = []
    for path, text in manifests.items():
        if isinstance(text, str):
            by = find_manifest_source(path)
            found += [
                {"name": n, "by": by, "scope": s}
                for n, s in extract_manifest_names(path, text, manifests).items()
            ]
    for facts in (record.get("setup_py") or {}).values():
        found += [{"name": n, "by": "setup", "scope": s} for n, s in extract_setup_requires(facts).items()]
    for lines in (record.get("install_lines") or {}).values():
        for line in lines or []:
            found += [
                {"name": n, "by": "install-line", "scope": "runtime"} for n in parse_install_line(str(line))
            ]
    return found


def extract_declared_tools(record: dict) -> list[str]:
    """Sorted canonical names a repository declares for runtime: manifests, setup files and install commands."""
    return sorted({item["name"] for item in extract_declarations(record) if item["scope"] == "runtime"})
