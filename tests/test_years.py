"""Every recorded year: embedded in the project, each row under its own year, never another year's data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from iclr_tools import dataset, years

ROOT = Path(__file__).resolve().parents[1]
# What each recorded folder holds, read from its README (../shared/iclr{YEAR}/README.md), not from the code
RECORDED = {  # year -> (papers in the dataset, method, links drawn or all links, of how many)
    2018: (337, "exact", 148, 148), 2019: (60, "sample", 60, 192), 2020: (687, "exact", 261, 261),
    2021: (60, "sample", 60, 430), 2022: (60, "sample", 60, 593), 2023: (60, "sample", 60, 875),
    2024: (80, "sample", 80, 1215),
}  # fmt: skip


# n and PyTorch per year, counted from the records by a reviewer (the issue "Every ICLR year"), each repository
# at its first commit with code: the conference's, else one within a year (repos_later/, issue 26; tests/test_trends.py
# recounts them from ../shared)
INDEPENDENT = {2018: (131, 47), 2019: (55, 25), 2020: (245, 167), 2021: (55, 38), 2022: (50, 44), 2023: (50, 45),
               2024: (74, 68)}  # fmt: skip


@pytest.fixture(scope="module")
def rebuilt(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every year rebuilt by `make data`'s function into a temporary data folder."""
    data = tmp_path_factory.mktemp("data")
    years.build_years(shared_dir, data, cache_dir=tmp_path_factory.mktemp("cache"))
    return data


@pytest.mark.parametrize("year", sorted(RECORDED))
def test_every_year_is_rebuilt_identically_to_the_embedded_data(rebuilt: Path, year: int) -> None:
    ours = years.find_year_dataset(year, rebuilt).read_bytes()
    assert ours == years.find_year_dataset(year).read_bytes(), (
        f"the embedded {year} data is stale: run `make data`"
    )
    assert (rebuilt / "years.csv").read_bytes() == (ROOT / "data" / "years.csv").read_bytes()


@pytest.mark.parametrize("year", sorted(RECORDED))
def test_each_row_carries_its_year_and_how_it_was_drawn(rebuilt: Path, year: int) -> None:
    frame = years.read_year_dataset(year, data_dir=rebuilt)
    papers, method, drawn, total = RECORDED[year]
    assert (frame["year"] == year).all() and frame["forum_id"].nunique() == papers
    facts = years.read_years(rebuilt, "iclr").set_index("year").loc[year]
    assert facts["method"] == method and facts["github_links"] == total
    if method == "sample":
        assert (
            frame["sample_of"].str.startswith(f"{drawn} of {total} GitHub links, random.Random({year})").all()
        )
        assert facts["links_drawn"] == str(drawn) and facts["seed"] == str(year)
    else:
        assert (frame["sample_of"] == "").all()


def test_a_csv_of_another_year_or_without_years_is_a_clear_error(tmp_path: Path) -> None:
    frame = years.read_year_dataset(2019)
    frame.assign(year=2021).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(ValueError, match="ICLR 2021 rows, not ICLR 2019"):
        years.read_year_dataset(2019, tmp_path / "other.csv")
    frame.drop(columns="year").to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(ValueError, match="no `year` column"):
        years.read_year_dataset(2019, tmp_path / "old.csv")
    with pytest.raises(FileNotFoundError, match="No data for ICLR 2025.*-p source live"):
        years.read_year_dataset(2025)


def test_a_missing_source_falls_back_to_that_years_data_only(tmp_path: Path, capsys) -> None:
    assert years.resolve_source(str(tmp_path / "gone"), 2022) == str(years.find_year_dataset(2022))
    assert "ICLR 2022" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="ICLR 2025 has no embedded data"):
        years.resolve_source(str(tmp_path / "gone"), 2025)


def test_a_folder_of_another_year_is_refused(shared_dir: Path) -> None:
    with pytest.raises(ValueError, match="records ICLR 2019, not ICLR 2021"):
        dataset.create_dataset(2021, shared_dir / "iclr2019")


def test_quick_mode_draws_a_seeded_sample_before_any_download(shared_dir: Path, tmp_path: Path) -> None:
    frame = dataset.create_dataset(2020, shared_dir / "iclr2020", sample=50, cache_dir=tmp_path)
    notes = json.loads((shared_dir / "iclr2020" / "openreview_notes_api_v1.json").read_text())
    import random

    expected = sorted(random.Random(2020).sample(sorted(note["id"] for note in notes), 50))
    assert sorted(frame["forum_id"].unique()) == expected
    assert (frame["sample_of"] == "50 of 687 accepted papers, random.Random(2020)").all()


@pytest.mark.slow
def test_notebook_02_renders_every_year_on_a_fresh_clone_without_shared(tmp_path: Path) -> None:
    """A copy of the committed project with no ../shared beside it renders each year with that year's numbers."""
    clone = tmp_path / "clone"
    listing = [
        "git",
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
    ]  # what a commit of this tree holds
    files = subprocess.run(listing, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    for year in sorted(RECORDED):
        out = clone / "out" / f"02_{year}.ipynb"
        done = run_papermill(clone, out, year)
        assert done.returncode == 0, done.stderr[-2000:]
        findings = findings_text(out)
        n, pytorch = INDEPENDENT[year]
        assert f"ICLR {year}: n = {n} repositories" in findings
        assert f"PyTorch {pytorch} (" in findings
    done = run_papermill(clone, clone / "out" / "02_2025.ipynb", 2025)
    assert done.returncode != 0 and "No data for ICLR 2025" in done.stderr + done.stdout
    # NeurIPS 2023 (a recorded sample of 60 links, 53 repositories with Python: 44 import torch, counted from the
    # records of ../shared/neurips2023 by the test below) and NeurIPS 2022 (links only: says what it cannot show)
    out = clone / "out" / "02_neurips2023.ipynb"
    done = run_papermill(clone, out, 2023, "neurips")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NeurIPS 2023: n = 53 repositories" in findings_text(out) and "PyTorch 44 (" in findings_text(out)
    assert "ICLR" not in findings_text(out)
    out = clone / "out" / "02_neurips2022.ipynb"
    done = run_papermill(clone, out, 2022, "neurips")
    assert done.returncode == 0, done.stderr[-2000:]
    text = printed_text(out)
    assert "NeurIPS 2022: no repository with Python code was read" in text
    assert "No repository was read: no repository records are embedded for NeurIPS 2022" in text
    assert "NeurIPS 2022: 1,043 of 2,668 papers (39.1%) give a GitHub repository" in text


def test_the_neurips_2023_sample_counts_equal_the_records(shared_dir: Path) -> None:
    """53 of the recorded NeurIPS 2023 repositories hold Python at their first commit with code, 44 of them import
    torch (read here from the records' own import lists): 51 and 42 on the conference's first day, and 2 more
    read later (repos_later/)."""
    folder = shared_dir / "neurips2023"
    records = [json.loads(p.read_text()) for p in sorted((folder / "repos").glob("*.json"))]
    records += [
        json.loads(p.read_text())
        for p in sorted((folder / "repos_later").glob("*.json"))
        if p.name != "none.json"
    ]
    with_python = [
        r for r in records if any(path.endswith((".py", ".ipynb", ".pyx")) for path, _ in r["files"])
    ]
    torch = [
        r for r in with_python if any(m.split(".")[0] == "torch" for ms in r["imports"].values() for m in ms)
    ]
    assert (len(with_python), len(torch)) == (53, 44)


def run_papermill(clone: Path, out: Path, year: int, venue: str = "iclr") -> subprocess.CompletedProcess:
    """papermill on notebook 02 of the copy, as the README says to run it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "papermill", "notebooks/02_analyse_tools.ipynb", str(out), "-p", "year",
               str(year), "-p", "venue", venue, "-p", "figures_dir", str(out.parent / f"figures_{venue}{year}"),
               "-k", "python3"]  # fmt: skip
    return subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=600)


def findings_text(path: Path) -> str:
    """The printed output of the findings cell of a rendered notebook 02."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "describe_findings" in "".join(cell["source"]):
            return "".join("".join(o.get("text", "")) for o in cell["outputs"])
    return ""


def test_a_dataset_csv_of_another_year_is_refused_by_create_dataset() -> None:
    with pytest.raises(ValueError, match="ICLR 2019 rows, not ICLR 2021"):
        dataset.create_dataset(2021, years.find_year_dataset(2019))


def test_a_folder_that_does_not_say_its_year_is_refused(shared_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "snapshot"
    folder.mkdir()
    shutil.copy(shared_dir / "iclr2024" / "code_links.json", folder)
    with pytest.raises(ValueError, match="does not say which ICLR year"):
        dataset.create_dataset(2023, folder)
    named = tmp_path / "iclr2023"
    named.mkdir()
    shutil.copy(shared_dir / "iclr2024" / "code_links.json", named)
    with pytest.raises(ValueError, match="ICLR 2024 oral.*not ICLR 2023"):  # the venue says 2024
        dataset.create_dataset(2023, named)


def test_quick_mode_on_recorded_folders(shared_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="already holds a random sample"):
        dataset.create_dataset(2021, shared_dir / "iclr2021", sample=10, cache_dir=tmp_path)
    frame = dataset.create_dataset(2018, shared_dir / "iclr2018", sample=40, cache_dir=tmp_path)
    assert (
        frame["forum_id"].nunique() == 40
        and (frame["sample_of"] == "40 of 337 accepted papers, random.Random(2018)").all()
    )


def printed_text(path: Path) -> str:
    """Everything the cells of a rendered notebook printed."""
    notebook = json.loads(path.read_text())
    return "".join("".join(o.get("text", "")) for cell in notebook["cells"] for o in cell.get("outputs", []))


def read_recorded_repairs(shared_dir: Path) -> dict[tuple[str, int], set[tuple[str, str, str, str]]]:
    """(venue, year) -> {(paper key, repo, quoted_repo, repaired_by)} of every repair `code_links.json` records."""
    repairs: dict[tuple[str, int], set[tuple[str, str, str, str]]] = {}
    for path in sorted(shared_dir.glob("*/code_links.json")):
        venue, year = path.parent.name[:-4], int(path.parent.name[-4:])
        for row in json.loads(path.read_text(encoding="utf-8")):
            if row.get("repaired_by"):
                key = row.get("forum") or row.get("forum_id") or row["paper"]
                found = (key, row["repo"], row["quoted_repo"], row["repaired_by"])
                repairs.setdefault((venue, year), set()).add(found)
    return repairs


def test_the_embedded_datasets_carry_every_recorded_repair(shared_dir: Path) -> None:
    recorded = read_recorded_repairs(shared_dir)
    neurips_icml = sum(len(rows) for (venue, _), rows in recorded.items() if venue != "iclr")
    iclr = sum(
        len(rows) for (venue, year), rows in recorded.items() if venue == "iclr" and 2021 <= year <= 2024
    )
    assert (neurips_icml, iclr) == (61, 10)  # as the issue counts them
    embedded = {}
    for path in sorted((ROOT / "data" / "years").glob("*.csv")) + [ROOT / "data" / "all_tools.csv"]:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        venue = frame["venue"].iloc[0] if "venue" in frame else "iclr"
        repaired = frame[frame["repaired_by"] != ""]
        found = set(
            repaired[["forum_id", "repo", "quoted_repo", "repaired_by"]].itertuples(index=False, name=None)
        )
        embedded.setdefault((venue, int(frame["year"].iloc[0])), set()).update(found)
    assert {key: rows for key, rows in embedded.items() if rows} == recorded
    rows = pd.read_csv(ROOT / "data" / "years" / "icml2019.csv", dtype=str, keep_default_na=False)
    delfi = rows[rows["repo"] == "mackelab/delfi"]
    assert list(delfi["quoted_repo"]) == ["mackelab/del\ufb01"] and list(delfi["code_url"]) == [
        "https://github.com/mackelab/delfi"
    ]


def test_the_icml_2019_links_table_reads_the_ligature_as_letters(shared_dir: Path) -> None:
    quoted = [row["url"] for row in json.loads((shared_dir / "links" / "icml2019_links.json").read_text())
              if "mackelab" in row["url"]]  # fmt: skip
    assert quoted == ["https://github.com/mackelab/del\ufb01"]  # the PDF's ligature, as recorded
    table = pd.read_csv(ROOT / "data" / "venues" / "icml2019_links.csv", dtype=str, keep_default_na=False)
    rows = table[table["url"].str.contains("mackelab")]
    assert rows[["url", "repo"]].values.tolist() == [["https://github.com/mackelab/delfi", "mackelab/delfi"]]
