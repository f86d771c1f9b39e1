"""Stage 5, tools (imports): which imports are the repository's own modules, as Python 3 resolves them.

A top-level import belongs to the repository only where Python would find it there: a module (`x.py`, `x.pyx`,
a compiled `x.so`) or a regular package (`x/__init__.py`) in a folder on the import path. The import path of a
file holds the repository (or linked folder) root, the source roots (`src/`, a folder holding `setup.py`,
`setup.cfg` or `pyproject.toml`) and, for a script or notebook that is not itself inside a package, the script's
own folder (Python puts it first). Code inside a package imports absolutely: a sibling `keras.py` does not hide the
installed Keras; the folder that holds the package's top level is on the path instead. A folder without
`__init__.py` (a namespace package) is found only when no installed distribution provides the name or when it
holds the very submodule imported (`datasets/load_noaa.py` for `datasets.load_noaa`), and a folder holding no
Python never counts. A source root that a script puts on its path at run time (`sys.path.insert`, `_init_paths`)
is found from the file list and import names alone, so live and recorded records agree: a folder that alone
provides several of a file's otherwise unresolved imports (FasterSeg's `tools/`, holding the `engine`, `seg_opr`
and `utils` its scripts import) is on that file's path, and on the path of every file beneath it; whatever else
it provides (`tools/datasets/`) is then the repository's own too.

>>> files = [["train.py", 9], ["keras/__init__.py", 0]]
>>> find_own_imports({"files": files, "imports": {"train.py": ["keras"]}})
{('train.py', 'keras')}
>>> files = [["efficientnet/__init__.py", 0], ["efficientnet/keras.py", 5]]
>>> find_own_imports({"files": files, "imports": {"efficientnet/__init__.py": ["keras"]}})
set()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from .packages import load_stdlib_names

MODULE_SUFFIXES = (".py", ".pyx", ".so", ".pyd")
SOURCE_ROOT_FILES = {"setup.py", "setup.cfg", "pyproject.toml"}
SOURCE_ROOT_MIN = 2  # a folder providing this many of a file's otherwise unresolved imports is on its path


def parent_of(path: str) -> str:
    """The folder of a repository path ('' for the root)."""
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def join(folder: str, name: str) -> str:
    """A path inside `folder` ('' is the root)."""
    return f"{folder}/{name}" if folder else name


def index_files(paths: list[str]) -> tuple[set[str], set[str], set[str]]:
    """(module paths without suffix, folders with `__init__.py`, folders holding Python somewhere below)."""
    modules, packages, python_dirs = set(), set(), set()
    for path in paths:
        if path.endswith(MODULE_SUFFIXES) or ".cpython-" in path:
            folder = parent_of(path)
            name = PurePosixPath(path).name
            compiled = name.endswith((".so", ".pyd"))  # `mod.cpython-311-x86_64-linux-gnu.so` is module `mod`
            stem = name.split(".")[0] if compiled else name.rsplit(".", 1)[0]
            if not stem.isidentifier():  # `config.example.py` cannot be imported as `config`
                continue
            modules.add(join(folder, stem))
            if stem == "__init__":
                packages.add(folder)
            while folder:
                python_dirs.add(folder)
                folder = parent_of(folder)
    return modules, packages, python_dirs


def find_package_top(folder: str, packages: set[str]) -> str:
    """The outermost package folder holding `folder` (a chain of folders with `__init__.py`)."""
    top = folder
    while parent_of(top) in packages and parent_of(top) != top and parent_of(top):
        top = parent_of(top)
    return top


def find_roots(paths: list[str], subdir: str) -> set[str]:
    """Folders on every file's import path: the repository or linked-folder root and the source roots."""
    roots = {subdir}
    for path in paths:
        name = PurePosixPath(path).name
        if name in SOURCE_ROOT_FILES:
            roots.add(parent_of(path))
        parts = PurePosixPath(path).parts
        for index, part in enumerate(parts[:-1]):
            if part == "src":
                roots.add("/".join(parts[: index + 1]))
    return roots


def find_import_path(path: str, roots: set[str], packages: set[str]) -> set[str]:
    """The folders Python would search for a top-level import made by the file at `path`."""
    folder = parent_of(path)
    if folder in packages and not path.endswith(".ipynb"):
        return roots | {parent_of(find_package_top(folder, packages))}
    return roots | {folder}


def find_providers(modules: set[str], packages: set[str]) -> dict[str, set[str]]:
    """Top-level name -> the folders holding a module or a regular package of that name."""
    providers: dict[str, set[str]] = {}
    for path in modules | packages:
        name = PurePosixPath(path).name
        if name != "__init__":
            providers.setdefault(name, set()).add(parent_of(path))
    return providers


def find_source_roots(
    unresolved: dict[str, set[str]], providers: dict[str, set[str]], searched: dict[str, set[str]]
) -> dict[str, set[str]]:
    """File -> the folders put on its import path by the source-root rule: a folder that alone provides at
    least SOURCE_ROOT_MIN of the file's otherwise unresolved imports (names no distribution provides, that no
    folder on its path answers: FasterSeg's `tools/` for `search/`'s scripts), and every such folder for each
    file beneath it (the code it holds runs with it on the path). `unresolved` holds those names per file."""
    extra: dict[str, set[str]] = {}
    for path, names in unresolved.items():
        counts: dict[str, int] = {}
        for name in names:
            for folder in providers.get(name, set()) - searched[path]:
                counts[folder] = counts.get(folder, 0) + 1
        extra[path] = {folder for folder, count in counts.items() if count >= SOURCE_ROOT_MIN}
    found = set().union(*extra.values()) if extra else set()
    for path in searched:
        extra.setdefault(path, set()).update(root for root in found if root and path.startswith(f"{root}/"))
    return extra


def answer_import(
    module: str,
    search: set[str],
    index: tuple[set[str], set[str], set[str]],
    is_installed: Callable[[str], bool],
) -> bool | None:
    """Whether a folder (True) or a module file (False) of the repository answers a dotted import from the
    folders of `search`, or None when none does. A folder without `__init__.py` loses to an installed
    distribution unless it holds the very submodule imported (`datasets/load_noaa.py` for
    `datasets.load_noaa`), which no distribution of that name has."""
    modules, packages, python_dirs = index
    top, answer = module.split(".")[0], None
    for folder in search:
        candidate = join(folder, top)
        submodule = join(folder, module.replace(".", "/"))
        if candidate in packages or (
            candidate in python_dirs
            and (not is_installed(top) or ("." in module and (submodule in modules or submodule in packages)))
        ):
            return True
        if candidate in modules:
            answer = False
    return answer


def resolve_own_imports(
    record: dict, is_installed: Callable[[str], bool] = lambda name: True
) -> dict[tuple[str, str], bool]:
    """(file, top-level name) -> whether the repository's own module that answers the import is a folder (a
    package: `torch/` at the root of PyTorch's source) rather than a module file (`keras.py`)."""
    paths = [str(path) for path, *_ in record.get("files") or []] + list(record.get("imports") or {})
    index = index_files(paths)
    roots = find_roots(paths, record.get("subdir") or "")
    imports = {
        path: [str(module) for module in names or []] for path, names in (record.get("imports") or {}).items()
    }
    searched = {path: find_import_path(path, roots, index[1]) for path in imports}
    stdlib = load_stdlib_names()

    def resolve(search_of: dict[str, set[str]]) -> dict[tuple[str, str], bool]:
        own: dict[tuple[str, str], bool] = {}
        for path, names in imports.items():
            for module in names:
                top = module.split(".")[0]
                if not top or module.startswith("."):
                    continue
                answer = answer_import(module, search_of[path], index, is_installed)
                if answer is not None:
                    own[(path, top)] = own.get((path, top), False) or answer
        return own

    own = resolve(searched)
    unresolved = {
        path: {
            module.split(".")[0] for module in names
            if module.split(".")[0].isidentifier() and module.split(".")[0] not in stdlib
            and (path, module.split(".")[0]) not in own and not is_installed(module.split(".")[0])
        }
        for path, names in imports.items()
    }  # fmt: skip
    extra = find_source_roots(unresolved, find_providers(index[0], index[1]), searched)
    if not any(extra.values()):
        return own
    return resolve({path: searched[path] | extra[path] for path in imports})


def find_own_imports(
    record: dict, is_installed: Callable[[str], bool] = lambda name: True
) -> set[tuple[str, str]]:
    """(file, top-level name) pairs where the import is the repository's own module.

    `is_installed(name)` says whether some distribution provides `name`: only then does a folder without
    `__init__.py` (a namespace package) lose to the installed one.
    """
    return set(resolve_own_imports(record, is_installed))


def find_vendored_imports(
    record: dict, names: set[str], is_installed: Callable[[str], bool] = lambda name: True
) -> set[tuple[str, str]]:
    """(file, top-level name) pairs, the name one of `names`, that the repository answers with a folder of its
    own: a vendored copy or a fork of that package (`torch/` in a fork of PyTorch, `Theano-master/theano/`).

    >>> files = [["torch/__init__.py", 1], ["test/run.py", 1]]
    >>> find_vendored_imports({"files": files, "imports": {"test/run.py": ["torch.nn"]}}, {"torch"})
    {('test/run.py', 'torch')}
    >>> files = [["rlkit/__init__.py", 1], ["rlkit/torch/__init__.py", 1], ["rlkit/torch/core.py", 1]]
    >>> find_vendored_imports({"files": files, "imports": {"rlkit/torch/core.py": ["torch"]}}, {"torch"})
    set()
    """
    return {
        pair
        for pair, folder in resolve_own_imports(record, is_installed).items()
        if folder and pair[1] in names
    }


def find_local_names(record: dict) -> set[str]:
    """Every module or Python-holding folder name anywhere in the repository, reachable by Python or not."""
    paths = [str(path) for path, *_ in record.get("files") or []] + list(record.get("imports") or {})
    modules, _, python_dirs = index_files(paths)
    return {PurePosixPath(path).name for path in modules | python_dirs}
