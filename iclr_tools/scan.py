"""Stage 4, scan: files -> facts (imports, manifests, install lines, setup.py), never running any of them."""

from __future__ import annotations

import ast
import codecs
import functools
import gc
import hashlib
import io
import json
import re
import tokenize
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

PYTHON_SUFFIXES = (".py", ".ipynb", ".pyx")
SETUP_KEYWORDS = ("install_requires", "extras_require", "setup_requires", "tests_require", "python_requires")


def extract_setup_py(source: str) -> dict:
    """`install_requires` and friends from a setup.py read with `ast` (never run); computed values are marked."""
    tree = ast.parse(source)
    assigned = {}
    for node in tree.body:  # module-level `REQUIRED = [...]` that setup() refers to by name
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    found: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            for keyword in node.keywords:
                if keyword.arg in SETUP_KEYWORDS:
                    value = keyword.value
                    if isinstance(value, ast.Name) and value.id in assigned:
                        value = assigned[value.id]
                    try:
                        literal = ast.literal_eval(value)
                        json.dumps(literal)  # cached as JSON: a set, bytes or complex literal is refused here
                        found[keyword.arg] = literal
                    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                        found[keyword.arg] = "<not a literal>"
    return found


INSTALL_LINE = re.compile(r"(?:^|[\s;&|!%`(])((?:pip3?|conda|mamba)\s+install\s.*)$")


def extract_install_lines(text: str) -> list[str]:
    """`pip install` / `conda install` commands in a README, shell script, Dockerfile or notebook."""
    lines = []
    for raw in text.splitlines():
        match = INSTALL_LINE.search(raw.strip())
        if match and not raw.strip().startswith("#") and raw.strip() not in lines:
            lines.append(raw.strip())
    return lines


IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(\.*[\w.]*)\s+import\b|import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*))"
)


def blank_strings_and_comments(source: str) -> str:
    """`source` with every string and comment replaced by spaces (line breaks kept), as far as it tokenizes."""
    lines = source.splitlines(keepends=True)
    spans = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in BLANKED_TOKENS:
                spans.append((token.start, token.end))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an unterminated string at the end: what was read before it is blanked
    for (row, col), (end_row, end_col) in reversed(spans):
        for number in range(row - 1, end_row):
            line = lines[number]
            start = col if number == row - 1 else 0
            stop = end_col if number == end_row - 1 else len(line.rstrip("\r\n"))
            lines[number] = line[:start] + " " * (stop - start) + line[stop:]
    return "".join(lines)


def extract_imports_regex(source: str) -> list[str]:
    """Dotted imports read line by line, for files that are not valid Python 3 (Python 2 mostly).

    Strings and comments are blanked first, so an import written in a docstring or a comment is not read.
    """
    found: set[str] = set()
    if not any(IMPORT_LINE.match(line) for line in source.splitlines()):
        return []  # nothing that looks like an import: no need to tokenize (a long file costs seconds)
    for line in blank_strings_and_comments(source).splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        if match.group(1) is not None:
            if match.group(1):
                found.add(match.group(1))
        else:
            for part in match.group(2).split(","):
                found.add(part.split()[0])
    return sorted(found)


BLANKED_TOKENS = {tokenize.STRING, tokenize.COMMENT} | (
    {tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set()
)
OPTIONAL_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
OPTIONAL_BLOCKS = {ast.Try, ast.If} | ({ast.TryStar} if hasattr(ast, "TryStar") else set())
STATEMENT_LISTS = {  # every node type that holds statements -> its fields holding them (expressions never do)
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.ExceptHandler: ("body",),
    ast.Match: ("cases",),
    ast.match_case: ("body",),
    **({ast.TryStar: ("body", "handlers", "orelse", "finalbody")} if hasattr(ast, "TryStar") else {}),
}


def is_optional_block(node: Any) -> bool:
    """A `try` that catches ImportError (or everything), or an `if TYPE_CHECKING:`: its imports may be absent."""
    if isinstance(node, ast.If):
        test = node.test
        return getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING"
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(
            name is None or getattr(name, "id", getattr(name, "attr", "")) in OPTIONAL_ERRORS
            for name in names
        ):
            return True
    return False


def extract_tree_imports(tree: ast.Module, optional: set[str] | None = None) -> set[str]:
    """Dotted modules imported anywhere in a parsed module, visiting statements only (never expressions).

    Imports inside `try: ... except ImportError` or `if TYPE_CHECKING:` are also added to `optional`, if given.
    """
    found: set[str] = set()
    stack: list[tuple[Any, bool]] = [(node, False) for node in tree.body]
    while stack:
        node, inside = stack.pop()
        kind = type(node)
        if kind is ast.Import or kind is ast.ImportFrom:
            names = (
                [alias.name for alias in node.names]
                if kind is ast.Import
                else ["." * node.level + (node.module or "")]
            )
            found.update(names)
            if inside and optional is not None:
                optional.update(names)
        elif kind in STATEMENT_LISTS:
            guarded = kind in OPTIONAL_BLOCKS and optional is not None and is_optional_block(node)
            for name in STATEMENT_LISTS[kind]:
                body_guarded = guarded and name == "body"
                stack.extend((child, inside or body_guarded) for child in getattr(node, name))
    return found


def extract_imports(source: str, optional: set[str] | None = None) -> tuple[list[str], bool]:
    """Sorted dotted modules a Python file imports (relative ones keep their dots), and whether regex was used.

    >>> extract_imports("import torch\\ntry:\\n    import apex\\nexcept ImportError:\\n    apex = None\\n")
    (['apex', 'torch'], False)
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return extract_imports_regex(source), True
    return sorted(extract_tree_imports(tree, optional)), False


def read_notebook_cells(text: str) -> list[str]:
    """The source of each code cell of a notebook (any nbformat version), read with nbformat.

    A notebook nbformat refuses as invalid (a key missing) is read cell by cell from its JSON instead.
    """
    import nbformat

    try:
        with (
            warnings.catch_warnings()
        ):  # old notebooks lack cell ids and the like: nothing for a reader to fix
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except nbformat.reader.NotJSONError as error:
        raise ValueError(f"not a notebook: {error}") from None
    except (nbformat.ValidationError, KeyError, AttributeError, TypeError):
        notebook = json.loads(text)
    if not isinstance(notebook, dict):
        raise ValueError("not a notebook: its JSON is no object")
    cells = notebook.get("cells")
    if cells is None:  # nbformat 3 keeps cells in worksheets, code in `input`
        cells = [cell for sheet in notebook.get("worksheets") or [] for cell in sheet.get("cells") or []]
    code = []
    for cell in cells or []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            code.append("".join(source) if isinstance(source, list) else str(source))
    return code


@functools.cache
def get_transformer() -> Any:
    """IPython's input transformer: magics, `!` shell lines and `obj?` help become plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def extract_notebook_code(text: str) -> tuple[str, list[str]]:
    """The Python of a notebook's code cells (IPython syntax made plain Python) and its `!pip install` lines."""
    cells, installs = extract_notebook_cells(text)
    return "\n".join(cells), installs


def extract_notebook_cells(text: str) -> tuple[list[str], list[str]]:
    """Each code cell as plain Python (magics, `!` lines, `?` help transformed) and the notebook's install lines."""
    code, installs = [], []
    transformer = get_transformer()
    for source in read_notebook_cells(text):
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith(("!", "%")) and INSTALL_LINE.search(stripped):
                installs.append(stripped)
        try:
            code.append(transformer.transform_cell(source))
        except Exception:  # IPython's transformer refuses a cell: keep it as written, read it by tokens
            code.append(source)
    return code, installs


def extract_notebook_imports(
    text: str, optional: set[str] | None = None
) -> tuple[list[str], bool, list[str]]:
    """Imports of a notebook, cell by cell (a cell that is no valid Python is read by tokens, not the others)."""
    cells, installs = extract_notebook_cells(text)
    found: set[str] = set()
    by_regex = False
    for cell in cells:
        imports, cell_by_regex = extract_imports(cell, optional)
        found.update(imports)
        by_regex = by_regex or cell_by_regex
    return sorted(found), by_regex, installs


def decode_source(data: bytes, path: str) -> str | None:
    """Text of a file: its PEP 263 encoding for `.py`, else UTF-8/UTF-16 by BOM, else Latin-1; None if binary."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        return None
    if path.endswith(".py"):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            return data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


MANIFEST_PATTERNS = (
    r"(?:.*/)?(?:req[^/]*|[^/]*requirements[^/]*)\.(?:txt|in|pip)",
    r"(?:.*/)?requirements/[^/]+\.txt",
    r"(?:.*/)?[^/]*(?:environment|conda|env)[^/]*\.ya?ml",
    r"(?:.*/)?Pipfile",
    r"(?:.*/)?pyproject\.toml",
    r"(?:.*/)?setup\.cfg",
)
MANIFEST_RE = re.compile("|".join(f"(?:{p})" for p in MANIFEST_PATTERNS), re.IGNORECASE)
INSTALL_SOURCE_RE = re.compile(
    r"(?:.*/)?(?:readme[^/]*|[^/]*\.sh|dockerfile[^/]*|install[^/]*|makefile)", re.IGNORECASE
)


README_RE = re.compile(
    r"(?:.*/)?(?:readme|install|installation|getting[_ -]?started|quick[_ -]?start)(?:\.(?:md|markdown|rst|txt))?",
    re.IGNORECASE,
)
README_MAX_CHARS = 100_000  # as the recorded records: each README up to 100 kB
README_MAX_FILES = 20  # the shallowest 20 are kept


def is_readme(path: str) -> bool:
    """Whether a path names a README, INSTALL or getting-started document (Markdown, reST or text)."""
    return bool(README_RE.fullmatch(path))


def is_manifest(path: str) -> bool:
    """Whether a path names a dependency manifest the scan reads."""
    return bool(MANIFEST_RE.fullmatch(path))


def extract_file_facts(path: str, data: bytes) -> dict:
    """What one fetched file adds to a repository record: imports, manifest text, install lines, setup.py."""
    facts: dict = {}
    text = decode_source(data, path)
    if text is None:
        if path.endswith(PYTHON_SUFFIXES):
            facts["unreadable"] = True
        return facts
    try:
        optional: set[str] = set()
        if path.endswith(".ipynb"):
            facts["imports"], by_regex, installs = extract_notebook_imports(text, optional)
            if installs:
                facts["install_lines"] = installs
        elif path.endswith((".py", ".pyx")):
            facts["imports"], by_regex = extract_imports(text, optional)
            if path.rsplit("/", 1)[-1] == "setup.py" and not by_regex:
                setup = extract_setup_py(text)
                if setup:
                    facts["setup_py"] = setup
        else:
            by_regex = False
            if is_manifest(path):
                facts["manifest"] = text
            if INSTALL_SOURCE_RE.fullmatch(path) and (lines := extract_install_lines(text)):
                facts["install_lines"] = lines
            if is_readme(path):
                facts["readme"] = text[:README_MAX_CHARS]
        if by_regex:
            facts["parsed_by_regex"] = True
        if optional:
            facts["optional_imports"] = sorted(optional)
    except (
        ValueError,
        SyntaxError,
        TypeError,
        AttributeError,
        KeyError,
        MemoryError,
        RecursionError,
    ):  # bad notebook
        facts["unreadable"] = True  # as before: what was read before the error stays
    return facts


def extract_chunk_facts(chunk: list[tuple[str, bytes]]) -> list[dict]:
    """`extract_file_facts` of each (path, bytes) in a chunk: the unit of work sent to a scan process."""
    collecting = gc.isenabled()
    gc.disable()  # syntax trees hold no reference cycles; the collector would only rescan them, a quarter of the time
    try:
        return [extract_file_facts(path, data) for path, data in chunk]
    finally:
        if collecting:
            gc.enable()


def extract_repo_facts(
    repo: str,
    subdir: str,
    files: list,
    contents: dict[str, bytes],
    *,
    map_facts: Callable[[list[tuple[str, bytes]]], list[dict]] | None = None,
    **extra: Any,
) -> dict:
    """A repository record (the format of ../shared/iclr2020/repos/*.json) from fetched file contents.

    `map_facts` turns [(path, bytes), ...] into their facts, in order (default: `extract_chunk_facts`, in this
    process; benchmarks/scan_pool.py spreads it over processes); `extra` keys are added to the record.
    """
    prefix = f"{subdir}/" if subdir else ""
    record: dict = {
        "repo": repo,
        "subdir": subdir,
        "files": [[prefix + path, size] for path, size in files],
        "manifests": {},
        "setup_py": {},
        "install_lines": {},
        "imports": {},
        "parsed_by_regex": [],
        "unreadable": [],
        "optional_imports": {},
        "readmes": {},
        **extra,
    }
    paths = sorted(contents)
    all_facts = (map_facts or extract_chunk_facts)([(path, contents[path]) for path in paths])
    for path, facts in zip(paths, all_facts, strict=True):
        full = prefix + path
        if "imports" in facts:
            record["imports"][full] = facts["imports"]
        if "manifest" in facts:
            record["manifests"][full] = facts["manifest"]
        if "install_lines" in facts:
            record["install_lines"][full] = facts["install_lines"]
        if "setup_py" in facts:
            record["setup_py"][full] = facts["setup_py"]
        if facts.get("parsed_by_regex"):
            record["parsed_by_regex"].append(full)
        if facts.get("unreadable"):
            record["unreadable"].append(full)
        if "optional_imports" in facts:
            record["optional_imports"][full] = facts["optional_imports"]
        if "readme" in facts:
            record["readmes"][full] = facts["readme"]
    shallowest = sorted(record["readmes"], key=lambda path: (path.count("/"), path))[:README_MAX_FILES]
    record["readmes"] = {path: record["readmes"][path] for path in shallowest}
    return record


SCAN_SUFFIXES = (".py", ".pyx", ".ipynb", ".sh")
SCAN_NAMES = {"setup.py", ".gitmodules"}


def is_scan_file(path: str) -> bool:
    """Tell whether a repository path is one a dependency scan reads (code, manifests, READMEs, scripts)."""
    path = path.replace("\\", "/").rstrip("/")
    name = path.rsplit("/", 1)[-1].lower()
    if not name:
        return False
    return (
        name.endswith(SCAN_SUFFIXES)
        or name in SCAN_NAMES
        or bool(MANIFEST_RE.fullmatch(path) or INSTALL_SOURCE_RE.fullmatch(path) or README_RE.fullmatch(path))
    )


def compute_scanner_version(source: bytes) -> str:
    """A short fingerprint of the scan code: any change to this module gives another version."""
    return hashlib.sha256(source).hexdigest()[:12]


# Stamped on every cached facts record: facts of another version are re-scanned from the cached raw files.
SCANNER_VERSION = compute_scanner_version(Path(__file__).read_bytes())
