"""Stage 5, tools: facts -> frameworks and canonical PyPI tools (imported and declared) of one repository record."""

from __future__ import annotations

from .checklist import score_checklist
from .declared import extract_declarations, parse_install_line
from .modules import find_local_names, find_own_imports, find_vendored_imports
from .packages import (
    BUILD_TOOLS,
    FRAMEWORK_BY_MODULE,
    FRAMEWORKS,
    canonical,
    find_family,
    load_stdlib_names,
    resolve_distribution,
)
from .readme import extract_readmes_requirements
from .scan import PYTHON_SUFFIXES, is_readme

CHECKLIST_COLUMNS = ["has_dependencies", "has_training_code", "has_evaluation_code", "has_pretrained_models",
                     "has_results", "completeness"]  # fmt: skip


def extract_frameworks(modules: list[str]) -> list[str]:
    """The deep-learning frameworks named by imported modules, in the order of FRAMEWORKS."""
    tops = {module.split(".")[0] for module in modules}
    return [fw for fw in FRAMEWORKS if any(FRAMEWORK_BY_MODULE.get(top) == fw for top in tops)]


def count_python_files(record: dict) -> int:
    """How many `.py`, `.ipynb` and `.pyx` files a repository target holds."""
    return sum(1 for path, _ in record.get("files") or [] if path.endswith(PYTHON_SUFFIXES))


READ_STATUSES = ("ok", "no_python", "later_unknown")  # a commit was read (later_unknown: one without code)


def explain_later(record: dict, status: str) -> str:
    """Why a row without code read no later commit: none with code came in the window, or its later history is
    unknown (and why); '' for any other row."""
    if status == "later_unknown":
        return f"no .py, .ipynb or .pyx file at the date read; whether code came later is unknown: {record['later_unknown']}"
    if status == "no_python" and record.get("later_none"):
        return f"no .py, .ipynb or .pyx file; {record['later_none']}"
    return ""


def explain_record(record: dict, status: str) -> str:
    """Why a record's row reads as it does, where that needs saying (no Python, a partial copy)."""
    if status == "no_python":
        return "no .py, .ipynb or .pyx file"
    if record.get("source") == "folder":
        return f"partial record, no commit: {record.get('source_note', 'stored copies of single files')}"
    return ""


def resolve_imports(record: dict, declared: frozenset[str]) -> dict:
    """Imports of a record sorted out: own modules dropped, the rest as distributions or unresolved names. A
    framework the repository answers with a folder of its own (a fork or a vendored copy) is that framework."""
    stdlib = load_stdlib_names()

    def is_installed(top: str) -> bool:
        return resolve_distribution(top, declared) is not None

    vendored = find_vendored_imports(record, set(FRAMEWORK_BY_MODULE), is_installed)
    own = find_own_imports(record, is_installed) - vendored
    local = find_local_names(record)
    modules, distributions, unresolved = set(), set(), set()
    for path, imports in (record.get("imports") or {}).items():
        for module in imports or []:
            module = str(module)
            top = module.split(".")[0]
            if not top.isidentifier() or top in stdlib or (path, top) in own:
                continue
            distribution = resolve_distribution(module, declared)
            if (
                distribution is None and top not in local
            ):  # no distribution, and no repository file explains it
                unresolved.add(top)
            elif distribution is None:
                continue
            else:
                modules.add(module)
                distributions.add(distribution)
    optional = {
        resolve_distribution(str(module), declared)
        for path, names in (record.get("optional_imports") or {}).items()
        for module in names or []
        if (path, str(module).split(".")[0]) not in own
    }
    return {"modules": modules, "distributions": distributions, "unresolved": unresolved,
            "optional": (optional - {None}) & distributions,
            "vendored": extract_frameworks(sorted({top for _, top in vendored}))}  # fmt: skip


def format_declared_by(declarations: list[dict], readme_names: list[str]) -> list[str]:
    """`name:source,source` for every declared name (requirements, environment, pipfile, pyproject, setup,
    install-line, readme)."""
    sources: dict[str, list[str]] = {}
    for item in [*declarations, *({"name": name, "by": "readme"} for name in readme_names)]:
        sources.setdefault(item["name"], [])
        if item["by"] not in sources[item["name"]]:
            sources[item["name"]].append(item["by"])
    return [f"{name}:{','.join(sorted(by))}" for name, by in sorted(sources.items())]


def describe_read_at(record: dict) -> str:
    """Which commit of the repository was read, in words (a recorded record says it by its cut-off date)."""
    if record.get("read_at"):
        return str(record["read_at"])
    if record.get("days_after") is not None and record.get("conference_as_of"):  # a recorded later read
        when = f"the conference ({str(record['conference_as_of'])[:10]})"
        return f"the first commit with code, {int(record['days_after'])} days after {when}"
    if record.get("source") == "folder":
        return "stored copies of single files (no commit)"
    as_of, date = str(record.get("as_of") or "")[:10], str(record.get("commit_date") or "")[:10]
    if as_of and date:
        if date < as_of:
            return f"the last commit before {as_of}"
        return f"the first commit (the repository was created after {as_of})"
    return ""


def find_days_after(record: dict) -> int | None:
    """Days from the date read as of (the conference) to the commit read, for code released later; else None."""
    days = record.get("days_after")
    return None if days is None or days == "" else int(days)


def extract_tools(record: dict) -> dict:
    """Status, frameworks, declared and imported tools, and the completeness checklist of one repository record."""
    status = record.get("status", "ok")
    if status == "ok" and count_python_files(record) == 0:
        status = "later_unknown" if record.get("later_unknown") else "no_python"
    fetched = status in READ_STATUSES
    own_name = canonical(str(record.get("repo") or "").rsplit("/", 1)[-1])
    declarations = [  # `pip install <the project itself>` declares none of its dependencies
        item for item in (extract_declarations(record) if fetched else [])
        if not (item["by"] == "install-line" and canonical(item["name"]) == own_name)
    ]  # fmt: skip
    runtime = sorted({item["name"] for item in declarations if item["scope"] == "runtime"})
    dev = sorted({item["name"] for item in declarations if item["scope"] == "dev"} - set(runtime))
    readmes_known = isinstance(record.get("readmes"), dict)
    readme = extract_readmes_requirements(record.get("readmes") or {}) if fetched else {"names": []}
    readme_installs = [
        name
        for path, lines in (record.get("install_lines") or {}).items()
        if is_readme(path)
        for line in lines or []
        for name in parse_install_line(str(line))
    ]
    families = frozenset(find_family(name) for name in [*runtime, *dev, *readme["names"]])
    resolved = resolve_imports(record, families) if status == "ok" else {
        "modules": set(), "distributions": set(), "unresolved": set(), "optional": set(), "vendored": []}  # fmt: skip
    imported = sorted(resolved["distributions"])
    declared_families = {find_family(name) for name in [*runtime, *readme["names"]]} | BUILD_TOOLS
    undeclared = [name for name in imported if find_family(name) not in declared_families]
    declares = bool(runtime)
    readme_declares = bool(readme["names"] or readme_installs) if readmes_known else None
    checklist = score_checklist(record) if fetched else {}
    return {
        "status": status,
        "reason": explain_later(record, status) or record.get("reason") or explain_record(record, status),
        "commit": record.get("commit") or "",
        "read_at": describe_read_at(record) if fetched else "",
        "days_after_conference": find_days_after(record) if status == "ok" else None,
        "n_python_files": count_python_files(record),
        "frameworks": extract_frameworks(sorted(resolved["modules"])),
        "vendored_frameworks": resolved["vendored"],
        "declared_tools": runtime,
        "dev_tools": dev,
        "readme_tools": readme["names"],
        "declared_by": format_declared_by(declarations, readme["names"]),
        "python_version": readme.get("python_version", ""),
        "cuda_version": readme.get("cuda_version", ""),
        "imported_tools": imported,
        "optional_imports": sorted(resolved["optional"]),
        "unresolved_imports": sorted(resolved["unresolved"]),
        "undeclared_imports": undeclared if (runtime or readme["names"]) else [],
        "declares_dependencies": declares,
        "readmes_known": readmes_known,
        "readme_declares_dependencies": readme_declares,
        **{key: checklist.get(key) for key in CHECKLIST_COLUMNS},
    }
