"""The shape of the code: a short facade over one module per stage, imports running one way, no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import iclr_helpers

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "iclr_tools"
# The order data flows, written down here independently of the code: a module may import only earlier ones.
ORDER = [
    ["settings"],
    ["files"],
    ["net"],  # foundations every stage may use
    ["openreview_api"],  # 1: the OpenReview service (login, refusals)
    ["affiliations"],  # 1: authors' institution domains from profiles
    ["links"],  # 1-2: code links (parsed, imports nothing of the project)
    ["repair"],  # 2: a cut link read among its owner's repositories (pure)
    ["venues"],  # the venues and their embedded links
    ["papers"],  # OpenReview papers
    ["pdfs"],  # 2: code links read out of PDFs
    ["github"],
    ["archive", "clone", "repair_fetch"],  # repair_fetch: an owner's repositories listed, for repair
    ["later"],  # code released after the conference, found in a clone's history
    ["fetch"],  # 3: fetch
    ["scan"],  # 4: files -> facts
    ["records"],  # fetch + scan + cache, above both
    ["packages"],  # 5: facts -> tools: what is a package,
    ["declared"],  # what manifests declare,
    ["readme"],  # what READMEs list,
    ["modules"],  # which imports are the repository's own,
    ["checklist"],  # the completeness checklist,
    ["tools"],  # all of it for one record
    ["dataset"],
    ["years"],  # 6: rows, CSV, every year
    ["accuracy"],  # 6: the checklist rules against the checklist authors' labels
    ["stats"],  # 7: a share's interval, intervals apart, shares corrected for the rules' measured error
    ["analysis"],
    ["trends"],  # 7: counts, the 2020 study, estimates, trends
    ["study"],
    ["charts"],
    ["report"],  # 8: rendered notebooks and the READMEs' figures
    ["cli"],  # 6-8, then the command line
]
RANK = {name: rank for rank, names in enumerate(ORDER) for name in names}


def imports_of(path: Path) -> set[str]:
    """The package modules a module imports (`from .x import ...`, `from iclr_tools.x import ...`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:
                found.add(module.split(".")[0])
            elif module.startswith("iclr_tools."):
                found.add(module.split(".")[1])
            elif module == "iclr_tools":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("iclr_tools."))
    return found


def test_every_module_has_a_place_in_the_order() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert modules == set(RANK)


def test_imports_run_one_way_along_the_stages() -> None:
    backward = [
        f"{path.stem} imports {name}"
        for path in PACKAGE.glob("*.py")
        if path.stem in RANK
        for name in imports_of(path)
        if RANK[name] >= RANK[path.stem]
    ]
    assert backward == []


def test_no_module_is_too_long_and_the_facade_is_short() -> None:
    lengths = {path.name: len(path.read_text().splitlines()) for path in PACKAGE.glob("*.py")}
    assert max(lengths.values()) <= 700, lengths
    assert len((ROOT / "iclr_helpers.py").read_text().splitlines()) < 200


def test_the_facade_exports_what_notebooks_and_other_tools_call() -> None:
    notebook_calls = set()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        notebook_calls |= set(__import__("re").findall(r"\bih\.(\w+)", notebook.read_text()))
    promised = {"extract_repo_facts", "extract_tools", "is_scan_file", "create_dataset", "read_dataset"}
    assert notebook_calls | promised <= set(iclr_helpers.__all__)
    assert all(callable(getattr(iclr_helpers, name)) or name.isupper() for name in iclr_helpers.__all__)


def test_analysis_use_does_not_load_the_pipreqs_mapping() -> None:
    import subprocess
    import sys

    code = (
        "import iclr_helpers as ih, iclr_tools.packages as t\n"
        "frame = ih.read_dataset('data/all_tools.csv')\n"
        "ih.count_frameworks(frame); ih.count_tools(frame)\n"
        "print(t.load_pipreqs_mapping.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"


def test_every_module_has_a_row_in_the_readme_table() -> None:
    """A reader finds each stage in one place: every module of the package has its row in the README's table."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    missing = [path.name for path in sorted(PACKAGE.glob("*.py"))
               if path.stem != "__init__" and f"| `iclr_tools/{path.name}` |" not in readme]  # fmt: skip
    assert not missing, f"README.md's module table has no row for {missing}"
