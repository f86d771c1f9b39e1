"""Every refusal a reader can meet names what they can do from where they are, and keeps its promises.

The years a message lists are those of `data/years.csv` (read here with `csv`, not by the code under test); the
live years are ICLR 2018-2026, as the README documents them; every command a message suggests is parsed and
checked against the notebooks' own parameters (papermill's reading of them) and against what the code accepts.
"""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import nbformat
import papermill
import pytest

import iclr_helpers as ih
from iclr_tools import cli, dataset, openreview_api, papers, settings, years

ROOT = Path(__file__).resolve().parents[1]
with (ROOT / "data" / "years.csv").open(encoding="utf-8", newline="") as _handle:
    EMBEDDED = sorted(int(row["year"]) for row in csv.DictReader(_handle) if row["venue"] == "iclr")  # ICLR's
LIVE = range(2018, 2027)  # README: API v1 for 2018-2023, API v2 from 2024, up to 2026
PARAMETERS = {  # each notebook's parameters and their types, as papermill reads them
    name: {key: value["inferred_type_name"] for key, value in papermill.inspect_notebook(path).items()}
    for name, path in ((path.name, path) for path in (ROOT / "notebooks").glob("*.ipynb"))
}


def expand_years(text: str) -> list[int]:
    """'2018-2020, 2022' -> [2018, 2019, 2020, 2022]."""
    found = []
    for part in text.split(", "):
        first, _, last = part.partition("-")
        found.extend(range(int(first), int(last or first) + 1))
    return found


def listed_years(message: str) -> list[int]:
    """The embedded years a message lists ('embeds ICLR 2018-2024, ...')."""
    match = re.search(r"embeds ICLR ((?:\d{4}(?:-\d{4})?)(?:, \d{4}(?:-\d{4})?)*)", message)
    assert match, f"the message lists no embedded years: {message}"
    return expand_years(match.group(1))


def suggested_commands(message: str) -> list[list[str]]:
    """Every command a message suggests to run (in backticks, `&&` splitting one line), as argument lists."""
    quoted = [text for text in re.findall(r"`([^`]+)`", message) if text.startswith(("mkdir ", "papermill "))]
    return [shlex.split(part) for text in quoted for part in text.split("&&")]


def check_papermill(argv: list[str], built: dict[int, str]) -> None:
    """A suggested papermill command runs a notebook of the project with its own parameters, writes under out/,
    and asks for a year its source can have."""
    assert argv[0] == "papermill" and (ROOT / argv[1]).is_file(), argv
    assert argv[2].startswith("out/") and argv[2].endswith(".ipynb"), f"outputs go to out/: {argv}"
    flags, pairs = argv[3::3], dict(zip(argv[4::3], argv[5::3], strict=True))
    assert set(flags) == {"-p"}, argv
    types = PARAMETERS[Path(argv[1]).name]
    assert set(pairs) <= set(types), f"unknown parameters {set(pairs) - set(types)}"
    for name, value in pairs.items():
        assert types[name] != "int" or value.lstrip("-").isdigit(), (name, value)
    year = int(pairs["year"])
    if pairs.get("source") == "live":
        assert year in LIVE and int(pairs.get("sample", "0")) >= 0
        built[year] = f"out/iclr{year}.csv"  # notebook 01's default out_csv (README: Another year)
        assert not pairs.get("out_csv", "").startswith("data"), "data/ is `make data`'s"
    elif "csv_path" in pairs:
        assert pairs["csv_path"] == built.get(year), f"{pairs['csv_path']} is not what the live run writes"
    else:
        assert year in EMBEDDED, f"ICLR {year} is not embedded"


def assert_has_a_way(message: str, *, commands: bool = True) -> None:
    """A message never sends the reader to a developers' folder, lists the embedded years, and every command it
    suggests is one the code accepts."""
    assert "../shared" not in message and "shared/" not in message, message
    assert listed_years(message) == EMBEDDED
    found = suggested_commands(message)
    assert found or not commands, f"no command to run: {message}"
    built: dict[int, str] = {}
    for argv in found:
        if argv[0] == "mkdir":
            assert argv == ["mkdir", "-p", "out"]
        else:
            check_papermill(argv, built)


@pytest.mark.parametrize("year", [1999, 2017, 2030])
def test_a_year_no_source_can_have_is_refused_at_once_with_the_years_that_exist(year: int) -> None:
    for refuse in (
        lambda: years.read_year_dataset(year),
        lambda: years.read_year_dataset(year, ROOT / "data" / "all_tools.csv"),
        lambda: years.resolve_source("live", year),
        lambda: years.resolve_source(str(ROOT / "no_such_folder"), year),
    ):
        with pytest.raises(ValueError) as caught:
            refuse()
        message = str(caught.value)
        assert f"ICLR {year}" in message and "2018-2026 only" in message
        assert "01_create_data" not in message, "no live command for a year the live services cannot have"
        assert_has_a_way(message)


def test_a_live_run_of_a_year_openreview_cannot_list_stops_before_any_request(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        dataset.create_dataset(2031, "live", cache_dir=tmp_path)
    assert "supported years are 2018-2026" in str(caught.value)
    assert_has_a_way(str(caught.value))
    assert not any(tmp_path.iterdir())


def test_a_year_with_no_embedded_data_gives_the_live_commands_that_build_it() -> None:
    missing = next(year for year in LIVE if year not in EMBEDDED)
    for refuse in (lambda: years.read_year_dataset(missing), lambda: years.resolve_source("gone", missing)):
        with pytest.raises(FileNotFoundError) as caught:
            refuse()
        message = str(caught.value)
        assert "OpenReview login" in message and "out_csv data" not in message
        assert_has_a_way(message)
        commands = [argv for argv in suggested_commands(message) if argv[0] == "papermill"]
        assert [Path(argv[1]).name for argv in commands] == [
            "02_analyse_tools.ipynb",
            "01_create_data.ipynb",
            "02_analyse_tools.ipynb",
        ]
        assert "/work" not in message and str(ROOT) not in message, "no machine's path in a message"


def test_a_missing_csv_path_names_what_notebook_01_writes(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        years.read_year_dataset(2024, tmp_path / "gone.csv")
    assert "out/iclr2024.csv" in str(caught.value) and "leave csv_path empty" in str(caught.value)
    assert_has_a_way(str(caught.value))


def test_out_csv_inside_data_is_refused_and_out_is_the_default() -> None:
    assert ih.resolve_out_csv("", 2025) == "out/iclr2025.csv"
    assert ih.resolve_out_csv("out/mine.csv", 2025) == "out/mine.csv"
    for inside in (
        "data/years/iclr2025.csv",
        "data/all_tools.csv",
        str(ROOT / "data" / "x.csv"),
        "out/../data/x.csv",
    ):
        with pytest.raises(ValueError, match="data/ holds the embedded data.*out/iclr2025.csv"):
            ih.resolve_out_csv(inside, 2025)


@pytest.mark.parametrize("top_n", [0, -3, True, 2.5])
def test_top_n_below_one_is_refused_by_the_chart(top_n: object) -> None:
    tools = ih.count_tools(ih.read_year_dataset(2024))
    with pytest.raises(ValueError, match=f"top_n={top_n!r}: .*1 or more"):
        ih.plot_top_tools(tools, top_n, "title")  # type: ignore[arg-type]
    assert len(ih.plot_top_tools(tools, 1, "title").axes[0].patches) == 1


@pytest.mark.parametrize(
    ("options", "named"),
    [({"workers": 0}, "workers=0"), ({"method": "ftp"}, "'ftp'"), ({"as_of": "2024-02-30"}, "as_of='2024-02-30'"),
     ({"as_of": "May 7"}, "as_of='May 7'")],
)  # fmt: skip
def test_settings_a_run_cannot_use_are_refused_when_made(options: dict, named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):
        ih.Settings.from_env(**options)
    assert ih.Settings.from_env(as_of="2024-02-29").as_of == "2024-02-29"


def test_a_negative_sample_is_refused_before_any_paper_is_fetched(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"sample=-1: .*0 for all"):
        ih.read_papers_and_links(2020, str(tmp_path / "no_folder_read"), ih.Settings(), sample=-1)


def test_the_login_message_offers_the_embedded_data() -> None:
    with pytest.raises(openreview_api.LoginRequiredError) as caught:
        openreview_api.read_credentials()
    message = str(caught.value)
    assert message.startswith("OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD not set")
    assert_has_a_way(message)


@pytest.mark.parametrize(
    "error",
    [RuntimeError("{'name': 'MfaRequiredError'}"), RuntimeError("{'name': 'ChallengeRequiredError'}"),
     RuntimeError("HTTP 403 Forbidden"), RuntimeError("something odd")],
)  # fmt: skip
def test_every_refusal_of_the_service_offers_a_way(error: Exception) -> None:
    message = openreview_api.explain_refusal(error, "OpenReview", "https://api2.openreview.net")
    assert "What to do:" in message and "snapshot" not in message
    assert_has_a_way(message)


def test_a_recorded_folder_without_papers_offers_live_and_embedded(tmp_path: Path) -> None:
    folder = tmp_path / "iclr2022"
    folder.mkdir()
    with pytest.raises(FileNotFoundError) as caught:
        papers.read_snapshot_papers(folder, 2022)
    assert "-p source live" in str(caught.value)
    assert_has_a_way(str(caught.value))
    (folder / "openreview_notes_api_v1.json").write_text("[]")
    with pytest.raises(FileNotFoundError) as caught:
        papers.read_snapshot_papers(folder, 2022)
    assert "decisions_affiliations.json" in str(caught.value)
    assert_has_a_way(str(caught.value))


def test_a_folder_of_another_year_names_both_ways_on() -> None:
    folder = Path("somewhere") / "iclr2019"
    with pytest.raises(
        ValueError, match=r"records ICLR 2019, not ICLR 2021: run with -p year 2019.*-p source live"
    ):
        papers.check_snapshot_year(folder, 2021)


def test_a_dataset_of_another_year_names_the_year_it_holds(tmp_path: Path) -> None:
    frame = ih.read_year_dataset(2019)
    frame.assign(year=2021).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(ValueError, match="ICLR 2021 rows, not ICLR 2019: ask for -p year 2021 with it"):
        ih.read_year_dataset(2019, tmp_path / "other.csv")


def test_commands_without_recorded_data_name_the_embedded_years(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.run_data_all(tmp_path / "absent")
    assert_has_a_way(str(caught.value.code))
    for year in (2020, 2025):  # embedded or not, a dataset can be rebuilt live
        with pytest.raises(SystemExit) as caught:
            cli.run_data(year, tmp_path / "absent" / f"iclr{year}", tmp_path / "out.csv")
        assert_has_a_way(str(caught.value.code))
        assert f"-p year {year} -p source live" in str(caught.value.code)
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_trends_folder_points_to_data(tmp_path: Path) -> None:
    for read in (ih.read_years, ih.read_trends):
        with pytest.raises(FileNotFoundError, match=r"the project's own copy is data/(years|trends)\.csv"):
            read(tmp_path)


def test_the_embedded_years_come_from_years_csv_whatever_they_are(tmp_path: Path) -> None:
    (tmp_path / "years.csv").write_text("year,method\n2019,exact\n2020,exact\n2023,sample\n")
    assert settings.read_embedded_years(tmp_path) == [2019, 2020, 2023]
    message = years.describe_year_options(2021, tmp_path)
    assert "embeds ICLR 2019-2020, 2023," in message and "-p year 2021 -p source live" in message
    assert "embeds no ICLR year's data" in years.describe_year_options(2021, tmp_path / "empty")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "parameters", "cell"),
    [
        ("02_analyse_tools.ipynb", {"top_n": 0}, "ih.check_top_n(top_n)"),
        ("02_analyse_tools.ipynb", {"year": 1999}, "ih.read_venue_year(venue, year, csv_path)"),
        ("01_create_data.ipynb", {"year": 1999, "source": "live"}, "ih.resolve_source(source, year, venue=venue)"),
        ("01_create_data.ipynb", {"year": 2024, "source": "live", "out_csv": "data/years/iclr2024.csv"},
         "ih.resolve_out_csv(out_csv, year, venue)"),
    ],
)  # fmt: skip
def test_notebooks_refuse_bad_parameters_before_any_work(
    name: str, parameters: dict, cell: str, tmp_path: Path
) -> None:
    """The refusal comes from the first cell after the parameters, and nothing is written."""
    out, written = tmp_path / "out.ipynb", tmp_path / "written"
    where = {"figures_dir": str(written)} if name.startswith("02") else {"cache_dir": str(written)}
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(ROOT / "notebooks" / name, out, parameters=parameters | where, cwd=ROOT,
                                   progress_bar=False, kernel_name="python3")  # fmt: skip
    assert caught.value.ename == "ValueError"
    cells = nbformat.read(out, as_version=4).cells
    failed = [c for c in cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and cell in failed[0].source
    code = [c for c in cells if c.cell_type == "code"]
    assert code.index(failed[0]) <= 3, "refused in the first cell after the parameters"
    assert not written.exists()
