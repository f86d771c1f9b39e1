"""What a reader sees: README figures equal to the data, and rendered notebooks that stay put byte for byte."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from iclr_tools import report, settings, study

ROOT = Path(__file__).resolve().parents[1]
RENDERED = ROOT / "notebooks" / "rendered"
FIGURES = ROOT / "figures"
MARKER = re.compile(r"<!-- (begin|end): ([\w-]+) -->")
WRITTEN_ELSEWHERE = {"bench", "faults"}  # `make bench` and `make faults` write these blocks from their runs


def test_readme_figures_are_the_data() -> None:
    """Every marked block of the READMEs is what `make data` writes from the committed data."""
    for path, blocks in ((ROOT / "README.md", report.make_readme_blocks()),
                         (ROOT / "data" / "README.md", report.make_data_readme_blocks())):  # fmt: skip
        text = path.read_text(encoding="utf-8")
        stale = [name for name, body in blocks.items() if report.extract_block(text, name) != body]
        assert not stale, f"{path.relative_to(ROOT)}: blocks {stale} differ from the data: run `make data`"


def test_markers_never_split_a_paragraph() -> None:
    """A line that starts with a marker holds the marker alone (Markdown would end the paragraph there and show
    the rest of the line as raw HTML); markers inside a sentence sit after a word."""
    for path in (ROOT / "README.md", ROOT / "data" / "README.md"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("<!--"):
                assert MARKER.fullmatch(line), f"{path.relative_to(ROOT)}:{number}: {line}"


def test_every_marked_block_has_a_writer() -> None:
    """No block is left to a hand: each marker pair of the READMEs is written by make data, bench or faults."""
    readme = MARKER.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    data_readme = MARKER.findall((ROOT / "data" / "README.md").read_text(encoding="utf-8"))
    for found, written in ((readme, set(report.make_readme_blocks()) | WRITTEN_ELSEWHERE),
                           (data_readme, set(report.make_data_readme_blocks()))):  # fmt: skip
        begins = [name for kind, name in found if kind == "begin"]
        ends = [name for kind, name in found if kind == "end"]
        assert begins == ends and len(set(begins)) == len(begins)
        assert set(begins) == written


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_readme_2020_figures_recounted_from_the_csv() -> None:
    """The README's ICLR 2020 figures, recounted here with the csv module alone (not the project's counts)."""
    rows = read_rows(ROOT / "data" / "all_tools.csv")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    papers = {row["forum_id"]: row["track"] for row in rows}
    tracks = {
        track: sum(1 for t in papers.values() if t == track) for track in ("Poster", "Spotlight", "Talk")
    }
    counted = f"{tracks['Poster']} Poster, {tracks['Spotlight']} Spotlight, {tracks['Talk']} Talk"
    assert f"{len(papers)} accepted papers ({counted})" in readme
    targets = {}
    for row in rows:
        if row["status"] == "ok":
            targets.setdefault((row["repo"], row["ref"], row["subdir"]), row)
    with_pytorch = sum("pytorch" in row["frameworks"].split(";") for row in targets.values())
    tools = {name for row in targets.values() for column in ("imported_tools", "declared_tools")
             for name in row[column].split(";") if name}  # fmt: skip
    share = round(100 * with_pytorch / len(targets))
    assert f"| repositories covered | 237 | 237 | {len(targets)} |" in readme
    assert f"| PyTorch | 154 | 154 | {with_pytorch} ({share}%) |" in readme
    assert re.search(
        rf"^\| unique tools \| 687 \| 687 \(686 \+ the empty string\) \| {len(tools)} \|$", readme, re.M
    )


def test_readme_trend_recounted_from_the_trends_csv() -> None:
    """The trend paragraph's PyTorch figures for the first and last year, read straight from trends.csv."""
    rows = [row for row in read_rows(ROOT / "data" / "trends.csv") if row["measure"] == "pytorch"]
    first, last = min(rows, key=lambda r: int(r["year"])), max(rows, key=lambda r: int(r["year"]))
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # lines unwrapped
    assert f"PyTorch rose from {float(first['share']):.0%} ({first['year']}, n={first['n']})" in text
    low, high = round(100 * float(last["ci_low"])), round(100 * float(last["ci_high"]))
    assert f"to {float(last['share']):.0%} in {last['year']} (95% CI {low}-{high}%, n={last['n']})" in text


def test_a_changed_figure_fails_the_check(tmp_path: Path) -> None:
    """A README whose figure drifts from the data is caught, and `write_blocks` puts it back."""
    readme = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = report.make_readme_blocks()
    drifted = report.replace_block(text, "iclr2020-unresolved", "160 names in 89 repositories")
    readme.write_text(drifted, encoding="utf-8")
    assert report.extract_block(readme.read_text(), "iclr2020-unresolved") != blocks["iclr2020-unresolved"]
    assert report.write_blocks(readme, blocks) is True
    assert readme.read_text(encoding="utf-8") == text
    assert report.write_blocks(readme, blocks) is False  # nothing to change: the file is not rewritten


def test_replace_block_keeps_the_rest_and_refuses_missing_markers() -> None:
    text = "a\n<!-- begin: x -->\nold\n<!-- end: x -->\nb <!-- begin: y -->1<!-- end: y --> c\n"
    assert report.replace_block(text, "x", "\nnew\n") == (
        "a\n<!-- begin: x -->\nnew\n<!-- end: x -->\nb <!-- begin: y -->1<!-- end: y --> c\n"
    )
    with pytest.raises(ValueError, match="expected one block `z`"):
        report.replace_block(text, "z", "2")
    with pytest.raises(ValueError, match="found 2"):
        report.replace_block(text + text, "y", "2")


def test_format_years_and_lists() -> None:
    assert settings.format_years([2018, 2020], prose=True) == "2018 and 2020"
    assert settings.format_years([2019, 2021, 2022, 2023, 2024], prose=True) == "2019 and 2021-2024"
    assert settings.format_years([2019, 2020, 2022], prose=True) == "2019, 2020 and 2022"  # ranges: 3 years
    assert settings.format_years([2021], prose=True) == "2021"
    assert settings.format_years([2019, 2020, 2022]) == "2019-2020, 2022"  # listed: ranges from 2 years
    assert settings.format_years([2024, 2019, 2021, 2022, 2023]) == "2019, 2021-2024"
    assert (settings.format_years([]), settings.format_years([], prose=True)) == ("none", "")
    assert report.format_list(["a", "b"]) == "a and b"


def papermill_notebook() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it: run times on the notebook and on each cell, absolute paths."""
    notebook = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("year = 2020", id="1a2b3c4d")
    injected.metadata = {
        "tags": ["injected-parameters"],
        "papermill": {"duration": 0.01, "status": "completed"},
    }
    plain = nbformat.v4.new_code_cell("print(1)", id="keepme12")
    plain.metadata = {"execution": {"iopub.status.busy": "2026-12-02T14:51:29Z"},
                      "papermill": {"start_time": "2026-12-02T14:51:29", "end_time": "2026-12-02T14:51:30",
                                    "duration": 1.2, "exception": False, "status": "completed"}}  # fmt: skip
    notebook.cells = [injected, plain]
    notebook.metadata = {
        "language_info": {"name": "python", "version": "3.11.7"},
        "papermill": {"duration": 8.07, "start_time": "2026-12-02T14:51:28", "end_time": "2026-12-02T14:51:36",
                      "input_path": "/home/ana/iclr/notebooks/01.ipynb", "output_path": "/tmp/x/01.ipynb",
                      "parameters": {"year": 2020}, "version": "2.7.0"},
    }  # fmt: skip
    return notebook


def test_strip_run_details() -> None:
    notebook = report.strip_run_details(papermill_notebook(), "/home/ana/iclr")
    assert notebook.metadata == {
        "language_info": {"name": "python"},
        "papermill": {"input_path": "notebooks/01.ipynb", "output_path": "/tmp/x/01.ipynb",
                      "parameters": {"year": 2020}, "version": "2.7.0"},
    }  # fmt: skip
    injected, plain = notebook.cells
    assert injected.id == "injected-parameters" and plain.id == "keepme12"
    assert injected.metadata["papermill"] == {"status": "completed"}
    assert plain.metadata == {"papermill": {"exception": False, "status": "completed"}}
    nbformat.validate(notebook)


def strings_of(node: object) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_of(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings_of(value)]
    return []


@pytest.mark.parametrize("name", sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb")))
def test_committed_render_has_no_machine_trace_or_warning(name: str) -> None:
    """A rendered notebook holds no path of the machine that rendered it, no run time, and nothing on stderr."""
    notebook = json.loads((RENDERED / name).read_text(encoding="utf-8"))
    outputs = [o for cell in notebook["cells"] for o in cell.get("outputs", [])]
    assert [o for o in outputs if o.get("name") == "stderr" or o["output_type"] == "error"] == []
    assert not [s for s in strings_of(outputs) if "Warning" in s]
    traces = strings_of([notebook["metadata"], outputs])
    assert not [s for s in traces if re.search(r"(^|[\s'\"(=])/(home|Users|root|tmp|work|usr|opt|var)/", s)]
    assert not [s for s in traces if "site-packages" in s or str(ROOT) in s]
    assert "start_time" not in json.dumps(notebook) and '"execution"' not in json.dumps(notebook)


@pytest.mark.parametrize("name", sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb")))
def test_every_source_cell_has_an_id(name: str) -> None:
    """A cell without an id makes nbformat warn on every read (`MissingIDFieldWarning`), papermill's included."""
    cells = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    assert [index for index, cell in enumerate(cells) if not cell.get("id")] == []


def copy_project(target: Path) -> Path:
    """The project as a fresh clone holds it (no renders, figures, caches or environment), with no ../shared."""
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "cache", "out", "__pycache__", ".pytest_cache", ".ruff_cache"
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    for folder in ("notebooks/rendered", "figures"):
        shutil.rmtree(target / folder)
    assert not (target.parent / "shared").exists()
    return target


@pytest.mark.slow
def test_render_without_shared_equals_the_committed_files(tmp_path: Path) -> None:
    """`make run` on a fresh clone with no ../shared writes the committed notebooks and figures byte for byte,
    and says nothing about kernels, widgets or warnings."""
    project = copy_project(tmp_path / "clone")
    done = subprocess.run([sys.executable, "iclr_helpers.py", "render"], cwd=project, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stderr and "WARNING" not in done.stderr, done.stderr[-3000:]
    for folder in ("notebooks/rendered", "figures"):
        made = sorted(path.name for path in (project / folder).iterdir())
        assert made == sorted(path.name for path in (ROOT / folder).iterdir()), folder
        differ = [
            name
            for name in made
            if (project / folder / name).read_bytes() != (ROOT / folder / name).read_bytes()
        ]
        assert differ == [], (
            f"{folder}: {differ} differ from the committed files (regenerate with `make run`)"
        )
    printed = (project / "notebooks" / "rendered" / "01_create_data.ipynb").read_text(encoding="utf-8")
    assert "read from data/all_tools.csv" in printed and "is not here" not in printed


def test_study_figures_missing_says_how_to_restore(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"study2020\.csv is missing: it is committed"):
        study.read_study_figures(tmp_path)


def test_study_figures_written_and_read_back(tmp_path: Path) -> None:
    figures = {"repositories_parsed": 237, "pytorch": 154, "unique_tools": 687}
    study.write_study_figures(figures, tmp_path / study.STUDY_FIGURES)
    assert (tmp_path / study.STUDY_FIGURES).read_text() == (
        "figure,value\nrepositories_parsed,237\npytorch,154\nunique_tools,687\n"
    )
    assert study.read_study_figures(tmp_path) == figures


def test_a_rise_or_fall_is_written_only_where_the_intervals_separate() -> None:
    """Issue 29: the trend paragraph calls a change a rise or a fall only where the first and last years' 95%
    intervals (an exact year's is its share) do not overlap; else it says so."""
    from iclr_tools.report import describe_change

    rows = {(row["measure"], int(row["year"])): row for row in read_rows(ROOT / "data" / "trends.csv")
            if row["venue"] == "iclr"}  # fmt: skip
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for measure, label in (("pytorch", "PyTorch"), ("tensorflow", "TensorFlow")):
        first, last = rows[(measure, 2018)], rows[(measure, 2024)]
        apart = float(first["ci_high"]) < float(last["ci_low"]) or float(first["ci_low"]) > float(
            last["ci_high"]
        )
        said = re.search(rf"{label} (rose|fell|did not change detectably)", text).group(1)
        assert (said != "did not change detectably") == apart, measure
    made_up = pd.Series({"share": 0.39, "ci_low": 0.2, "ci_high": 0.6})
    assert describe_change(made_up, pd.Series({"share": 0.5, "ci_low": 0.3, "ci_high": 0.7})).startswith(
        "did not change detectably"
    )
    assert describe_change(made_up, pd.Series({"share": 0.9, "ci_low": 0.8, "ci_high": 0.95})) == "rose"


def test_the_pytorch_comparison_is_on_the_pdf_sources_definition() -> None:
    """Issue 29: the README compares the matched measure with the PDF figures year by year: in a year read whole,
    higher or lower; in a sampled year, the PDF figure inside, above or below our interval (2022's 84% inside our
    81%-98% is no difference), each count recounted here from trends.csv."""
    from iclr_tools.trends import PDF_MENTION_PYTORCH_SHARE

    rows = {int(row["year"]): row for row in read_rows(ROOT / "data" / "trends.csv")
            if row["venue"] == "iclr" and row["measure"] == "pytorch_only_share_of_one_framework"}  # fmt: skip
    shares = {y: (float(rows[y]["share"]), float(rows[y]["ci_low"]), float(rows[y]["ci_high"]), rows[y]["method"], v)
              for y, v in PDF_MENTION_PYTORCH_SHARE.items()}  # fmt: skip
    whole = [y for y, (_, _, _, method, _) in shares.items() if method != "sample"]  # 2018: exact_first_day
    sampled = [y for y in shares if y not in whole]
    expected = {
        "higher": [y for y in whole if shares[y][0] > shares[y][4]],
        "lower": [y for y in whole if shares[y][0] < shares[y][4]],
        "inside": [y for y in sampled if shares[y][1] <= shares[y][4] <= shares[y][2]],
        "above": [y for y in sampled if shares[y][4] > shares[y][2]],
        "below": [y for y in sampled if shares[y][4] < shares[y][1]],
    }
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    part = r"none|(?:both|(?:all )?\d) \([^)]*\)"  # `none`, `1 (2018)`, `both (...)`, `all 3 (2019, 2021 and 2022)`
    sentence = re.search(rf"In the (?P<whole>\d) years read whole ours is higher in (?P<higher>{part}) and lower in "
                         rf"(?P<lower>{part}); in the (?P<sampled>\d) sampled years the PDF figure lies inside our "
                         rf"95% interval \(no detectable difference\) in (?P<inside>{part}), above it in "
                         rf"(?P<above>{part}) and below it in (?P<below>{part})", text)  # fmt: skip
    assert sentence, "the README's sentence comparing PyTorch's share with the PDF figures is missing"
    assert (int(sentence.group("whole")), int(sentence.group("sampled"))) == (len(whole), len(sampled))
    for name, years in expected.items():
        total = len(whole) if name in ("higher", "lower") else len(sampled)
        said = sentence.group(name)
        assert [int(year) for year in re.findall(r"\b\d{4}\b", said)] == years, (name, said)
        word = said.split(" ")[0]
        count = (
            {"none": 0, "both": 2}.get(word)
            if word in ("none", "both")
            else int(re.match(r"(?:all )?(\d)", said)[1])
        )
        assert count == len(years), (name, said)
        assert said.startswith("both") == (len(years) == total == 2), (name, said)
        assert said.startswith("all ") == (len(years) == total > 2), (name, said)
    assert "`pytorch_only_share_of_one_framework` in `data/trends.csv`" in text
    for year, row in rows.items():
        if year in PDF_MENTION_PYTORCH_SHARE:
            assert (
                f"{float(row['share']):.0%}"
                in text.split(f"against {PDF_MENTION_PYTORCH_SHARE[year]:.0%} in {year}")[0][-40:]
            )
