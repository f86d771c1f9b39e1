"""The two notebooks: executed end to end with papermill on small inputs, and kept thin and clean in git."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from iclr_tools import analysis, dataset

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COMMITTED = ROOT / "data" / "all_tools.csv"
FIGURES = (
    "funnel.png", "frameworks.png", "study_comparison.png", "top_tools.png", "wordcloud.png",
    "frameworks_by_track.png", "frameworks_by_topic.png", "frameworks_by_domain.png", "checklist.png",
)  # fmt: skip
PARAMETERS = {
    "01_create_data.ipynb": {
        "venue": "str", "year": "int", "source": "str", "out_csv": "str", "cache_dir": "str", "workers": "int",
        "sample": "int", "refresh": "bool", "fetch_method": "str", "as_of": "str", "pdf_links": "bool", "links_file": "str",
    },
    "02_analyse_tools.ipynb": {
        "venue": "str", "year": "int", "csv_path": "str", "top_n": "int", "figures_dir": "str",
    },
    "03_trends.ipynb": {"data_dir": "str", "figures_dir": "str"},
}  # fmt: skip
PARAMETER_LINE = re.compile(r"^(?P<name>\w+): (?P<type>int|str|bool|float) = (?P<value>.+?)  # \S.*$")


def execute(name: str, out: Path, **parameters: object) -> nbformat.NotebookNode:
    """Run a notebook from the project root with papermill; return the executed notebook."""
    papermill.execute_notebook(
        NOTEBOOKS / name, out, parameters=parameters, cwd=ROOT, progress_bar=False, kernel_name="python3"
    )
    return nbformat.read(out, as_version=4)


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def assert_no_errors(notebook: nbformat.NotebookNode) -> None:
    errors = [o for o in outputs(notebook) if o["output_type"] == "error"]
    tracebacks = [
        o["text"] for o in outputs(notebook) if o.get("name") == "stderr" and "Traceback" in o["text"]
    ]
    assert not errors and not tracebacks, (errors, tracebacks)


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(o["text"] for o in outputs(notebook) if o["output_type"] == "stream")


def result_of(notebook: nbformat.NotebookNode, source: str) -> str:
    """The text/plain result of the code cell whose source is exactly `source`."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip() == source]
    assert len(cells) == 1, f"no single cell `{source}`"
    results = [o for o in cells[0].outputs if o["output_type"] == "execute_result"]
    return results[0]["data"]["text/plain"]


def assert_funnel_shown(notebook: nbformat.NotebookNode, frame) -> None:
    """The funnel table the notebook shows has the same numbers as `count_funnel` of the dataset."""
    shown = result_of(notebook, "ih.count_funnel(frame)")
    for row in analysis.count_funnel(frame).itertuples():
        pattern = rf"^{row.Index}\s+{re.escape(row.step)}\s+{row.papers}\s+{row.lost}\s"
        assert re.search(pattern, shown, re.MULTILINE), (
            f"{row.step}: {row.papers} papers not shown in\n{shown}"
        )


def assert_figures(notebook: nbformat.NotebookNode, figures_dir: Path) -> None:
    for name in FIGURES:
        path = figures_dir / name
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{name} not saved as a PNG"
    plot_cells = [cell for cell in notebook.cells if cell.cell_type == "code" and "ih.plot_" in cell.source]
    assert len(plot_cells) == len(FIGURES)
    for cell in plot_cells:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, f"{len(images)} images shown by:\n{cell.source}"


@pytest.fixture(scope="module")
def built(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    """01 run on a random sample of 60 papers of the recorded ICLR 2020 snapshot: (executed notebook, its CSV)."""
    tmp = tmp_path_factory.mktemp("nb01")
    out_csv = tmp / "all_tools.csv"
    notebook = execute(
        "01_create_data.ipynb", tmp / "01.ipynb", source=str(shared_dir / "iclr2020"), sample=60,
        out_csv=str(out_csv), cache_dir=str(tmp / "cache"),
    )  # fmt: skip
    return notebook, out_csv


@pytest.mark.slow
def test_01_builds_the_dataset_from_the_snapshot(built: tuple[nbformat.NotebookNode, Path]) -> None:
    notebook, out_csv = built
    assert_no_errors(notebook)
    frame = dataset.read_dataset(out_csv)
    assert frame["forum_id"].nunique() == 60 and (frame["year"] == 2020).all()
    assert (frame["sample_of"] == "60 of 687 accepted papers, random.Random(2020)").all()
    assert "60 papers" in printed(notebook)
    assert_funnel_shown(notebook, frame)


@pytest.mark.slow
def test_02_analyses_the_built_dataset(built: tuple[nbformat.NotebookNode, Path], tmp_path: Path) -> None:
    _, out_csv = built
    notebook = execute("02_analyse_tools.ipynb", tmp_path / "02.ipynb", csv_path=str(out_csv),
                       figures_dir=str(tmp_path / "figures"))  # fmt: skip
    assert_no_errors(notebook)
    assert_figures(notebook, tmp_path / "figures")


@pytest.mark.slow
def test_02_analyses_the_committed_dataset(tmp_path: Path) -> None:
    if not COMMITTED.is_file():
        pytest.skip("data/all_tools.csv is not committed yet")
    notebook = execute("02_analyse_tools.ipynb", tmp_path / "02.ipynb", figures_dir=str(tmp_path / "figures"))
    assert_no_errors(notebook)
    assert_figures(notebook, tmp_path / "figures")
    assert analysis.describe_frameworks(
        analysis.count_frameworks(dataset.read_dataset(COMMITTED))
    ) in printed(notebook)


@pytest.mark.slow
def test_01_without_the_snapshot_inspects_the_committed_csv(tmp_path: Path) -> None:
    """A user's own clone has no ../shared: 01 falls back to data/all_tools.csv and writes nothing."""
    if not COMMITTED.is_file():
        pytest.skip("data/all_tools.csv is not committed yet")
    out_csv = tmp_path / "all_tools.csv"
    notebook = execute("01_create_data.ipynb", tmp_path / "01.ipynb", source=str(tmp_path / "no_snapshot"),
                       out_csv=str(out_csv), cache_dir=str(tmp_path / "cache"))  # fmt: skip
    assert_no_errors(notebook)
    assert "is not here" in printed(notebook) and "data/all_tools.csv" in printed(notebook)
    assert "ICLR 2020" in printed(notebook)
    assert not out_csv.exists()
    assert_funnel_shown(notebook, dataset.read_dataset(COMMITTED))


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_help_notebook_lists_the_typed_parameters(name: str) -> None:
    """What `papermill --help-notebook` prints: every parameter, its type and its comment."""
    found = papermill.inspect_notebook(NOTEBOOKS / name)
    assert {key: value["inferred_type_name"] for key, value in found.items()} == PARAMETERS[name]
    assert all(value["help"] for value in found.values())


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_committed_notebook_is_clean_and_thin(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code), "clear the outputs"
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and code.index(tagged[0]) == 1, (
        "one `parameters` cell, right after the setup cell"
    )
    for line in tagged[0].source.splitlines():
        assert line.count("=") == 1, f"papermill skips a line with a second '=' (in its comment?): {line}"
        match = PARAMETER_LINE.match(line)
        assert match, f"not `name: type = literal  # comment`: {line}"
        assert type(ast.literal_eval(match["value"])).__name__ == match["type"], line
    for cell in code:  # logic lives in iclr_helpers: no functions or lambdas in notebooks
        nodes = list(ast.walk(ast.parse(cell.source)))
        assert not any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) for n in nodes), (
            cell.source
        )
    assert "credential" not in tagged[0].source.lower() and "token" not in tagged[0].source.lower()


TREND_FIGURES = ("trend_frameworks.png", "trend_pytorch_share.png", "trend_sharing.png", "trend_checklist.png",
                 "trend_tools.png", "trend_venues_sharing.png", "trend_venues_frameworks.png",
                 "trend_venues_checklist.png")  # fmt: skip


@pytest.mark.slow
def test_03_renders_the_trends_from_the_embedded_data(tmp_path: Path) -> None:
    notebook = execute("03_trends.ipynb", tmp_path / "03.ipynb", figures_dir=str(tmp_path / "figures"))
    assert_no_errors(notebook)
    assert sorted(path.name for path in (tmp_path / "figures").iterdir()) == sorted(TREND_FIGURES)
    assert "PyTorch: 36% (n=131) of repositories in 2018" in printed(notebook)


def copy_without_shared(tmp_path: Path) -> Path:
    """A copy of the committed project (what a clone holds) with no ../shared beside it."""
    import shutil
    import subprocess

    clone = tmp_path / "clone"
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    for name in subprocess.run(
        listing, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    return clone


def count_recorded(folder: Path) -> tuple[int, int]:
    """Repositories with Python and those importing torch, read straight from the records (first day, then the
    later reads), without the project's scanner."""
    import json

    records = [json.loads(p.read_text()) for p in sorted((folder / "repos").glob("*.json"))]
    records += [json.loads(p.read_text()) for p in sorted((folder / "repos_later").glob("*.json"))
                if p.name != "none.json"]  # fmt: skip
    python = [r for r in records if any(path.endswith((".py", ".ipynb", ".pyx")) for path, _ in r["files"])]
    torch = [r for r in python if any(m.split(".")[0] == "torch" for ms in r["imports"].values() for m in ms)]
    return len(python), len(torch)


@pytest.mark.slow
def test_02_renders_icml_2021_on_a_copy_without_shared(shared_dir: Path, tmp_path: Path) -> None:
    """papermill -p venue icml -p year 2021 on a clone: its n and PyTorch count, and ICML 2021 in every title."""
    import subprocess
    import sys

    n, pytorch = count_recorded(shared_dir / "icml2021")
    clone = copy_without_shared(tmp_path)
    command = [sys.executable, "-m", "papermill", "notebooks/02_analyse_tools.ipynb", "out.ipynb", "-p", "venue",
               "icml", "-p", "year", "2021", "-p", "figures_dir", "out/figures", "-k", "python3"]  # fmt: skip
    done = subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    notebook = nbformat.read(clone / "out.ipynb", as_version=4)
    assert_no_errors(notebook)
    assert f"ICML 2021: n = {n} repositories" in printed(notebook) and f"PyTorch {pytorch} (" in printed(
        notebook
    )
    headings = [o["data"]["text/markdown"] for o in outputs(notebook) if "text/markdown" in o.get("data", {})]
    assert len(headings) == sum(
        "ih.show_heading" in c.source for c in notebook.cells if c.cell_type == "code"
    )
    assert headings and all(h.startswith("#") and "ICML 2021: " in h for h in headings), headings
    titles = [line for cell in notebook.cells if cell.cell_type == "code" and "ih.plot_" in cell.source
              for line in cell.source.splitlines() if line.strip().startswith('f"{name}')]  # fmt: skip
    assert titles and all("{name}" in title for title in titles)
    assert "ICLR 2020:" not in printed(notebook)


@pytest.mark.slow
def test_03_compares_the_venues_on_a_copy_without_shared(tmp_path: Path) -> None:
    """Notebook 03 names every venue-year whose repositories are read (years.csv) in its venue comparison."""
    import subprocess
    import sys

    import pandas as pd

    clone = copy_without_shared(tmp_path)
    command = [sys.executable, "-m", "papermill", "notebooks/03_trends.ipynb", "out.ipynb", "-p", "figures_dir",
               "out/figures", "-k", "python3"]  # fmt: skip
    done = subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    notebook = nbformat.read(clone / "out.ipynb", as_version=4)
    assert_no_errors(notebook)
    comparison = "".join(o["text"] for cell in notebook.cells if "describe_venue_differences" in cell.source
                         for o in cell.outputs if o["output_type"] == "stream")  # fmt: skip
    years = pd.read_csv(ROOT / "data" / "years.csv")
    read = years[(years["venue"] != "iclr") & (years["repositories_with_python"] > 0)]
    names = {"neurips": "NeurIPS", "icml": "ICML"}
    expected = [f"{names[row.venue]} {row.year}" for row in read.itertuples()]
    assert len(expected) == 6
    assert all(f"{name} " in comparison for name in expected), expected
    assert "do not differ detectably" in comparison
    sources = " ".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "not read yet" not in sources and "first random sample" not in sources
