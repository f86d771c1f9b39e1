"""Every number means one thing (issue 29): each count, share and interval about papers, links and repositories
in the READMEs and the notebooks either sits inside a block `make data` writes or equals a value recomputed here
from `data/`, and one measure has one value in every place that gives it.

The expectations are computed with pandas straight from the CSVs in `data/`, never with the functions that write
the prose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PROSE_FILES = [ROOT / "README.md", DATA / "README.md"]
SOURCE_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RENDERED = ROOT / "notebooks" / "rendered"
BLOCK = re.compile(r"<!-- begin: ([\w-]+) -->.*?<!-- end: \1 -->", re.S)
FENCE = re.compile(r"```.*?```", re.S)  # shell commands: parameters and paths, not findings
URL = re.compile(r"https?://\S+|\]\([^)]*\)")  # addresses and link targets
NUMBER = re.compile(r"(?<![\w.~/#@])\d(?:[\d,]*\d)?(?:\.\d+)?%?(?!\w|\.\d)")
COUNT_NOUNS = r"(?:accepted|papers?|repositor(?:y|ies)|links?|targets?|records?|GitHub)"

# Text around a number that makes it something other than a count, share or interval of papers, links or
# repositories. A number counts as explained when it lies inside a match of one of these.
NOT_DATA = [
    # years and spans of years, unless a count noun follows (`2260 accepted papers` is a count)
    (
        rf"(?<!n=)\b(?:1999|20[12]\d)\b(?:-20[12]\d\b)?(?!,\d)(?!\s+{COUNT_NOUNS})",
        "a year (2010-2029, or the refused 1999)",
    ),
    (r"\b(?:ICLR|NeurIPS|ICML) 20\d\d\b", "a venue-year's name"),
    (r"\b20\d\d-\d\d-\d\d\b", "a date (`as_of`, the study's snapshot)"),
    (
        r"\b95% (?:Wilson|CI|interval|intervals|confidence|percentile|bootstrap)",
        "the confidence level, not a share",
    ),
    (r"Python 3(?:\.1\d(?:, 3\.1\d)?(?: or 3\.1\d)?)?\b", "Python's versions"),
    (r"\b500 requests an hour", "OpenReview's published rate limit"),
    (r"\b(?:403|404|410|429|451)\b", "HTTP statuses"),
    (r"-p sample 200|at most 200\s+PDFs|under 25 minutes", "a live run's quick-mode parameter and its time"),
    (r"\b200 MB|\b5 MB cap|\b30 s\b|\b10-minute|\b10 s\b|8 at a time", "the fetch's byte and time limits"),
    (r"~6 s|under 10 minutes|about 3 minutes", "how long the make targets run"),
    (r'"ok \.\.\. 1 file\(s\) unreadable', "the wording of a status message"),
    (r"below 1, `sample` below 0|\b0 = all", "parameter bounds and values"),
    (r"--filter=tree:0", "git's filter option"),
    (r"\bnotebooks? 0[123]\b", "notebook names"),
    (r"`iclr_tools/\w+\.py` \| \d(?:[+-]\d)?[. ]", "the stage numbers of the module table"),
    (r"(?m)^#+ \d\.", "section numbers of a notebook"),
    (r"notable-top-\d+%", "OpenReview's decision names"),
    (r"\b12 most imported", "the trend's top-N setting (`tool:NAME`)"),
    (r"at least 5 repositories", "the smallest group drawn (a setting)"),
    (r"\(0-5\)", "the range of the completeness score"),
    (r"10,000 draws, seed 29", "the bootstrap's settings"),
    (r"below 0\.1|\[0, 1\]|counts as 0 for the lower bound and 1", "the correction's thresholds and bounds"),
    (r"specificity - 1|reaching 0 and 1", "the Rogan-Gladen formula and its bounds"),
    (r"PyTorch 1\.7", "a version in an example README phrase"),
    (r"40 hex digits", "the length of a commit id"),
    (r"~15,000 most downloaded", "the size of the PyPI list, not of the data"),
]


def read_csv(name: str) -> pd.DataFrame:
    """A CSV of data/."""
    return pd.read_csv(DATA / name, dtype={"note": str})


def read_years_table() -> pd.DataFrame:
    """data/years.csv indexed by (venue, year)."""
    return read_csv("years.csv").set_index(["venue", "year"])


def read_trend(venue: str, year: int, measure: str) -> pd.Series:
    """One row of data/trends.csv."""
    trends = read_csv("trends.csv")
    rows = trends[(trends["venue"] == venue) & (trends["year"] == year) & (trends["measure"] == measure)]
    assert len(rows) == 1, f"trends.csv: expected one row for {venue} {year} {measure}, found {len(rows)}"
    return rows.iloc[0]


def as_int(text: str) -> int:
    """`1,575` -> 1575."""
    return int(text.replace(",", ""))


def blank(text: str, pattern: re.Pattern) -> str:
    """`text` with every match of `pattern` turned to spaces (its newlines kept, so offsets and lines stay)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def study_claims(study: dict[str, int]) -> list[tuple[str, dict[str, int]]]:
    """The 2020 study's figures quoted in prose, recomputed from data/study2020.csv (268 is the study's published
    number of repositories, the one figure its file cannot give: the repositories it never parsed are not in it)."""
    return [
        (r"lost (?P<lost>\d+) of (?P<all>268) repositories", {"lost": 268 - study["repositories_parsed"], "all": 268}),
        (r"the study counted (?P<counted>\d+) and added (?P<added>\d+) by hand",
         {"counted": study["tensorflow_counted"], "added": study["tensorflow"] - study["tensorflow_counted"]}),
        (r"added (?P<added>\d+) TensorFlow repositories by hand",
         {"added": study["tensorflow"] - study["tensorflow_counted"]}),
    ]  # fmt: skip


def find_unexplained(text: str) -> list[str]:
    """Every number in `text` (blocks, fenced commands and addresses removed) that no NOT_DATA context explains and
    no recomputed claim equals, with its line; a claim whose number differs from data/ is named with both."""
    visible = blank(blank(blank(text, BLOCK), FENCE), URL)
    flat = visible.replace("\n", " ")
    covered = [m.span() for pattern, _ in NOT_DATA for m in re.finditer(pattern, flat)]
    study = read_csv("study2020.csv").set_index("figure")["value"].to_dict()
    problems = []
    for pattern, expected in study_claims(study):
        for match in re.finditer(pattern, flat):
            for name, value in expected.items():
                if as_int(match.group(name)) != value:
                    line = visible.count("\n", 0, match.start()) + 1
                    problems.append(f"line {line}: {match.group(0)!r}: {name} should be {value} (data/)")
                covered.append(match.span(name))
    for match in NUMBER.finditer(flat):
        if not any(start <= match.start() and match.end() <= end for start, end in covered):
            line = visible.count("\n", 0, match.start()) + 1
            problems.append(
                f"line {line}: {match.group(0)!r} in {flat[max(0, match.start() - 40) : match.end() + 30]!r}"
            )
    return problems


@pytest.mark.parametrize("path", PROSE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_readme_prose_carries_no_count_outside_blocks(path: Path) -> None:
    problems = find_unexplained(path.read_text(encoding="utf-8"))
    assert not problems, (f"{path.relative_to(ROOT)}: counts outside the blocks `make data` writes (move them into a "
                          "block in iclr_tools/report.py, or remove them):\n" + "\n".join(problems))  # fmt: skip


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_markdown_carries_no_count(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"]
    problems = [f"markdown cell {i}: {p}" for i, text in enumerate(cells) for p in find_unexplained(text)]
    assert not problems, f"{path.name}: static markdown carries counts:\n" + "\n".join(problems)


def test_unexplained_numbers_are_found() -> None:
    """The check itself: a count in prose, a wrong study figure and a count noun after a year-like number fail;
    a year, a block and a setting pass."""
    text = ("In 2020 we read 245 repositories; <!-- begin: x -->687 papers<!-- end: x --> at 500 requests an "
            "hour; the study lost 30 of 268 repositories; 2260 accepted papers.")  # fmt: skip
    found = find_unexplained(text)
    assert [p.split(": ", 1)[1][:6] for p in found] == ["'lost ", "'245' ", "'2260'"]
    table = "| ICLR 2020 | 3 | 12 |\n| `iclr_tools/scan.py` | 4. files |\nWe read 2034 files (n=2021)."
    found = [p.split(": ", 1)[1][:6] for p in find_unexplained(table)]
    assert found == [
        "'3' in",
        "'12' i",
        "'2034'",
        "'2021'",
    ]  # a table cell or a year-like count is no setting


# -- the rendered notebooks' printed sentences ---------------------------------------------------------------------


def read_printed(name: str) -> str:
    """Every stream output of a rendered notebook, joined."""
    notebook = json.loads((RENDERED / name).read_text(encoding="utf-8"))
    return "\n".join("".join(out["text"]) for cell in notebook["cells"] for out in cell.get("outputs", [])
                     if out.get("output_type") == "stream")  # fmt: skip


def expect(printed: str, pattern: str, expected: dict[str, int | str]) -> list[tuple[int, int]]:
    """`pattern` occurs in `printed`, and each named group equals its expectation: the spans it checked."""
    found = list(re.finditer(pattern, printed))
    assert found, f"no sentence matching {pattern!r} in the printed output"
    for match in found:
        for name, value in expected.items():
            got = match.group(name)
            assert (as_int(got) if isinstance(value, int) else got) == value, (
                f"{match.group(0)!r}: {name} is {got}, data/ gives {value}"
            )
    return [match.span() for match in found]


def percent(count: int, n: int, places: int = 0) -> str:
    """`count / n` as printed (`68`, `37.1`)."""
    return f"{100 * count / n:.{places}f}"


def read_dataset() -> pd.DataFrame:
    """data/all_tools.csv (ICLR 2020, the year notebooks 01 and 02 render) as text."""
    return pd.read_csv(DATA / "all_tools.csv", dtype=str, keep_default_na=False)


def read_targets() -> pd.DataFrame:
    """ICLR 2020's repository targets whose code was read and holds Python (status `ok`), one row each."""
    frame = read_dataset()
    return frame[(frame["repo"] != "") & (frame["status"] == "ok")].drop_duplicates(["repo", "ref", "subdir"])


def imports_pytorch(cells: pd.Series) -> pd.Series:
    """Whether each `frameworks` cell (`pytorch;tensorflow`) names PyTorch."""
    return cells.map(lambda cell: "pytorch" in cell.split(";"))


def check_notebook_01(printed: str) -> list[tuple[int, int]]:
    """Notebook 01's sentences: the dataset's rows and papers, and the year's papers and GitHub targets."""
    frame, year = read_dataset(), read_years_table().loc[("iclr", 2020)]
    spans = expect(printed, r"(?P<rows>\d+) rows, (?P<papers>\d+) papers: read from data/all_tools\.csv",
                   {"rows": len(frame), "papers": frame["forum_id"].nunique()})  # fmt: skip
    spans += expect(printed, r"(?P<papers>\d+) papers, (?P<targets>\d+) GitHub repository targets",
                    {"papers": int(year["accepted_papers"]), "targets": int(year["targets"])})  # fmt: skip
    return spans


def check_notebook_02(printed: str) -> list[tuple[int, int]]:
    """Notebook 02's sentences but the checklist's and the groups': n, frameworks, papers, links, the funnel,
    later code, the tools, declared dependencies."""
    year = read_years_table().loc[("iclr", 2020)]
    frame = pd.read_csv(DATA / "all_tools.csv", dtype=str, keep_default_na=False)
    spans = expect(
        printed, r"n = (?P<n>\d+) repositories with Python code", {"n": int(year["repositories_with_python"])}
    )
    counts = {fw: read_trend("iclr", 2020, fw) for fw in ("pytorch", "tensorflow", "keras", "jax")}
    spans += expect(printed, r"Import PyTorch (?P<pytorch>\d+) \((?P<pytorch_share>\d+)%\); TensorFlow (?P<tensorflow>\d+) "
                    r"\((?P<tensorflow_share>\d+)%\); Keras (?P<keras>\d+) \((?P<keras_share>\d+)%\); JAX "
                    r"(?P<jax>\d+) \((?P<jax_share>\d+)%\)",
           {fw: int(row["count"]) for fw, row in counts.items()}
           | {f"{fw}_share": percent(row["count"], year["repositories_with_python"]) for fw, row in counts.items()})  # fmt: skip
    papers, linking = int(year["accepted_papers"]), int(year["papers_with_github_link"])
    spans += expect(printed, r"(?P<linking>\d+) of (?P<papers>\d+) papers \((?P<share>[\d.]+)%\) give a GitHub repository",
           {"linking": linking, "papers": papers, "share": percent(linking, papers, 1)})  # fmt: skip
    spans += expect(printed, r"(?P<papers>\d+) papers, (?P<targets>\d+) GitHub repository targets",
           {"papers": papers, "targets": int(year["targets"])})  # fmt: skip
    tools = (frame["status"] == "ok") & ((frame["imported_tools"] != "") | (frame["declared_tools"] != ""))
    with_tools = frame.loc[tools, "forum_id"].nunique()
    spans += expect(printed, r"(?P<with>\d+) of (?P<papers>\d+) accepted papers \((?P<share>\d+)%\) link a repository",
           {"with": with_tools, "papers": frame["forum_id"].nunique(), "share": percent(with_tools, papers)})  # fmt: skip
    both = read_trend("iclr", 2020, "pytorch_and_tensorflow")
    spans += expect(printed, r"PyTorch is imported by (?P<pt>\d+)% of repositories, TensorFlow by (?P<tf>\d+)%, standalone "
                    r"Keras by (?P<keras>\d+)% and JAX by (?P<jax>\d+)%; (?P<both>\d+)% import both",
           {"pt": f"{counts['pytorch']['share']:.0%}"[:-1], "tf": f"{counts['tensorflow']['share']:.0%}"[:-1],
            "keras": f"{counts['keras']['share']:.0%}"[:-1], "jax": f"{counts['jax']['share']:.0%}"[:-1],
            "both": f"{both['share']:.0%}"[:-1]})  # fmt: skip
    later, first_day = read_trend("iclr", 2020, "read_later"), read_trend("iclr", 2020, "pytorch:first_day")
    spans += expect(printed, r"(?P<later>\d+) of the (?P<n>\d+) repositories with Python held no code.*?\(n=(?P<first>\d+)\)",
           {"later": int(later["count"]), "n": int(year["repositories_with_python"]), "first": int(first_day["n"])})  # fmt: skip
    declares = read_trend("iclr", 2020, "declares_dependencies")
    spans += expect(printed, r"(?P<share>\d+)% of repositories declare any dependency",
           {"share": percent(declares["count"], declares["n"])})  # fmt: skip
    targets = read_targets()
    later = targets[targets["days_after_conference"] != ""]
    first_day = targets[targets["days_after_conference"] == ""]
    spans += expect(printed, r"a median of (?P<days>[\d.]+) days after it\. PyTorch's share is (?P<with>\d+)% with "
                             r"them and (?P<first_share>\d+)% on the first day alone \(n=(?P<first>\d+)\)",
                    {"days": f"{later['days_after_conference'].astype(int).median():g}",
                     "with": percent(imports_pytorch(targets["frameworks"]).sum(), len(targets)),
                     "first_share": percent(imports_pytorch(first_day["frameworks"]).sum(), len(first_day)),
                     "first": len(first_day)})  # fmt: skip
    builds = {"setuptools", "pip", "wheel"}  # in every environment: not counted as a research tool
    tools = targets["imported_tools"].str.split(";").explode()
    tools = tools[(tools != "") & ~tools.isin(builds)].value_counts()
    match = re.search(
        r"(?P<tools>\d+) distinct packages are imported; the most common: (?P<top>[^.]+)\.", printed
    )
    assert match and int(match.group("tools")) == len(tools), (match, len(tools))
    named = match.group("top").split(", ")
    assert len(named) == 5 and tools[named].min() >= tools.drop(named).max(), (named, tools.head(6).to_dict())
    spans.append(match.span())
    declaring = targets[targets["declares_dependencies"] == "True"]
    undeclared = declaring["undeclared_imports"].str.split(";").map(lambda names: [n for n in names if n])
    frameworks = undeclared.map(lambda names: bool({"torch", "tensorflow", "keras", "jax"} & set(names)))
    spans += expect(printed, r"(?P<share>\d+)% of repositories declare any dependency; (?P<some>\d+) of those import "
                             r"a package they never declare \((?P<framework>\d+) a framework\)",
                    {"share": percent(len(declaring), len(targets)), "some": int(undeclared.map(bool).sum()),
                     "framework": int(frameworks.sum())})  # fmt: skip
    return spans


def wilson(count: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95% Wilson score interval of `count / n`, from its formula (rounded as trends.csv rounds, 3 places)."""
    share = count / n
    centre, half = share + z * z / (2 * n), z * (share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5
    return round((centre - half) / (1 + z * z / n), 3), round((centre + half) / (1 + z * z / n), 3)


GROUPINGS = {"track": "track", "topic": "keywords", "authors' domain": "author_domains"}  # sentence -> column


def count_groups(by: str) -> tuple[pd.DataFrame, int, int]:
    """One row per group notebook 02 draws for `by` (at least 5 repositories, the 12 largest, ties by name): its
    size and each framework's count, share and Wilson interval; with the sum of every group's size and the
    repositories in any group. Topics and domains come from the project's own definitions (keyword patterns,
    registered domains); the counting is done here."""
    from iclr_tools.analysis import extract_institution_domains, extract_topics

    targets = read_targets()
    split = {"track": lambda v: [v] if v else [], "topic": extract_topics,
             "authors' domain": extract_institution_domains}[by]  # fmt: skip
    groups = targets[GROUPINGS[by]].map(split).explode().dropna()
    rows = []
    for group, index in groups.groupby(groups).groups.items():
        frameworks = targets.loc[index, "frameworks"].str.split(";")
        row = {"group": group, "n": len(index)}
        for fw in ("pytorch", "tensorflow"):
            count = int(frameworks.map(lambda names, fw=fw: fw in names).sum())
            row |= {fw: count / len(index), f"{fw}_low": wilson(count, len(index))[0],
                    f"{fw}_high": wilson(count, len(index))[1]}  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows)
    sizes = int(table["n"].sum())
    drawn = table[table["n"] >= 5].sort_values(["n", "group"], ascending=[False, True]).head(12)
    return drawn.set_index("group"), sizes, groups.index.nunique()


def assert_named(text: str, groups: list[str]) -> None:
    """`text` names exactly `groups` (`A`, `A and B`, `A, B and C`), in any order."""
    left = text
    for group in sorted(groups, key=len, reverse=True):
        assert group in left, f"{text!r} does not name {group}"
        left = left.replace(group, "", 1)
    assert re.fullmatch(r"(?:, | and )*", left), f"{text!r} names more than {groups}: {left!r}"


def assert_shown(text: str, value: float, where: str) -> None:
    """A printed percent (`70`, `70.1`) equals `value` (a share) at the decimals it shows."""
    places = len(text.partition(".")[2])
    assert text == f"{100 * value:.{places}f}", f"{where!r}: {text}% where data/ gives {value:.3f}"


def check_group_sentences(printed: str) -> list[tuple[int, int]]:
    """Notebook 02's `By track (3 groups): ...` sentences: the groups' number, the highest group's share,
    interval and n, exactly the groups whose intervals lie apart from it named `above`, the n range where none
    does, and the overlap of the groups."""
    spans = []
    for line in re.finditer(r"By (?P<by>[\w' ]+) \((?P<k>\d+) groups\): (?P<rest>.*)", printed):
        table, sizes, repositories = count_groups(line.group("by"))
        assert int(line.group("k")) == len(table), line.group(0)
        for label, fw in (("PyTorch", "pytorch"), ("TensorFlow", "tensorflow")):
            low, high = f"{fw}_low", f"{fw}_high"
            lead = re.search(rf"{label}'s share is highest in (?P<top>.+?), (?P<share>\d+)% \((?P<low>[\d.]+)%-"
                             rf"(?P<high>[\d.]+)%, n=(?P<n>\d+)\)(?:, tied with (?P<tied>.+?))?\. (?P=top)'s 95% Wilson "
                             rf"interval lies above th(?:at|ose) of (?P<above>.+?)"
                             rf"(?:; it does not differ detectably from the other (?P<rest>\d+))?\.(?= |$)", line.group(0))  # fmt: skip
            if lead is None:
                tops = table[table[fw] == table[fw].max()]
                apart = [(top, group) for top in tops.index for group in table.index
                         if table.loc[group, low] > tops.loc[top, high] or table.loc[group, high] < tops.loc[top, low]]  # fmt: skip
                assert not apart, f"{line.group(0)!r}: {label}'s intervals lie apart for {apart}"
                expect(line.group(0), rf"{label}'s share does not differ detectably between them \(95% "
                                               rf"Wilson intervals overlap; n = (?P<min>\d+) to (?P<max>\d+)",
                                {"min": int(table["n"].min()), "max": int(table["n"].max())})  # fmt: skip
                continue
            top = table.loc[lead.group("top")]
            assert top[fw] == table[fw].max(), f"{lead.group(0)!r}: not the highest share"
            assert (lead.group("share"), int(lead.group("n"))) == (percent(top[fw], 1), top["n"]), lead.group(
                0
            )
            assert_shown(lead.group("low"), top[low], lead.group(0))
            assert_shown(lead.group("high"), top[high], lead.group(0))
            tied = table[(table[fw] == top[fw]) & (table.index != top.name)]
            assert (tied["n"] <= top["n"]).all(), (
                f"{lead.group(0)!r}: a larger group ties for the highest share"
            )
            assert_named(lead.group("tied") or "", [f"{group} (n={n})" for group, n in tied["n"].items()])
            below = [group for group in table.index if table.loc[group, high] < top[low]]
            shown = list(re.finditer(r"(?:^|, | and )(?P<group>[^,()]+?) \((?P<low>[\d.]+)%-(?P<high>[\d.]+)%, "
                                     r"n=(?P<n>\d+)\)", lead.group("above")))  # fmt: skip
            assert "".join(m.group(0) for m in shown) == lead.group("above"), (
                f"{lead.group(0)!r}: above what?"
            )
            assert sorted(m.group("group") for m in shown) == sorted(below), f"{lead.group(0)!r}: not {below}"
            for group in shown:
                row = table.loc[group.group("group")]
                assert int(group.group("n")) == row["n"], group.group(0)
                assert_shown(group.group("low"), row[low], group.group(0))
                assert_shown(group.group("high"), row[high], group.group(0))
                assert float(group.group("high")) < float(lead.group("low")), (
                    f"{lead.group(0)!r}: {group.group(0)!r} is called below an interval it reads as touching"
                )
            assert int(lead.group("rest") or 0) == len(table) - 1 - len(below) - len(tied), lead.group(0)
        if sizes > repositories:
            expect(line.group(0), r"their sizes sum to (?P<sizes>\d+) over the (?P<repos>\d+) repositories",
                            {"sizes": sizes, "repos": repositories})  # fmt: skip
        else:
            assert "overlap:" not in line.group(0), f"{line.group(0)!r}: these groups do not overlap"
        spans.append(line.span())
    assert len(spans) >= 3, "fewer than three group sentences in notebook 02's printed output"
    return spans


def test_notebook_02_group_sentences_equal_the_data() -> None:
    """By track, topic and domain: each claim of notebook 02's group sentences, recounted from the dataset."""
    check_group_sentences(read_printed("02_analyse_tools.ipynb"))


def test_notebook_01_sentences_equal_the_data() -> None:
    """ICLR 2020, the year notebook 01 renders: the dataset's rows and papers, the papers and GitHub targets."""
    check_notebook_01(read_printed("01_create_data.ipynb"))


def test_notebook_02_sentences_equal_the_data() -> None:
    """ICLR 2020, the year notebook 02 renders: n, frameworks, papers, links, the funnel, later code, the tools,
    declared dependencies."""
    check_notebook_02(read_printed("02_analyse_tools.ipynb"))


CHECKLIST_WORDS = {"has_dependencies": "dependencies", "has_training_code": "training code",
                   "has_evaluation_code": "evaluation code", "has_pretrained_models": "pre-trained models",
                   "has_results": "results"}  # fmt: skip


def parse_checklist(text: str) -> dict[str, tuple[int, str]]:
    """`dependencies 200 (82%), ...` (README) or `dependencies specified 200 (82%), ...` (notebook 02) -> item ->
    (count, share)."""
    found = {}
    for item, word in CHECKLIST_WORDS.items():
        match = re.search(rf"{word}\D*?(\d+) \((\d+)%[;)]", text)
        assert match, f"no checklist count for {word} in {text[:120]!r}"
        found[item] = (int(match.group(1)), match.group(2))
    return found


def find_checklist_sentence(printed: str) -> re.Match:
    """Notebook 02's checklist sentence (`Of 245 repositories: dependencies specified 200 (82%), ... Left out,
    their README texts not recorded: 7 repositories (a/b, ...).`), its left-out repositories checked against the
    dataset: the targets read (with Python or not) whose README texts were not recorded."""
    sentence = re.search(r"Of (\d+) repositories: (.*?)\. Left out, their README texts not recorded: (?P<left>\d+) "
                         r"repositories \((?P<names>[^)]*)\)\.", printed)  # fmt: skip
    assert sentence, "no checklist sentence in notebook 02's printed output"
    frame = read_dataset()
    read = frame[frame["status"].isin(["ok", "no_python", "later_unknown"]) & (frame["repo"] != "")]
    read = read.drop_duplicates(["repo", "ref", "subdir"])
    unknown = read[read["readmes_known"] != "True"]
    names = sorted(
        f"{repo}/{subdir}".rstrip("/")
        for repo, subdir in zip(unknown["repo"], unknown["subdir"], strict=True)
    )
    assert (int(sentence.group("left")), sentence.group("names").split(", ")) == (len(names), names)
    return sentence


def test_iclr2020_checklist_is_one_measure_in_every_place() -> None:
    """ICLR 2020's checklist counts: README, trends.csv and rendered notebook 02 give one count, share and n."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = BLOCK.pattern.replace(r"([\w-]+)", "iclr2020-checklist").replace(r"\1", "iclr2020-checklist")
    in_readme = parse_checklist(re.search(block, readme, re.S).group(0))
    sentence = find_checklist_sentence(read_printed("02_analyse_tools.ipynb"))
    in_notebook = parse_checklist(sentence.group(2))
    rows = {item: read_trend("iclr", 2020, item) for item in CHECKLIST_WORDS}
    in_trends = {
        item: (int(row["count"]), f"{row['count'] / row['n']:.0%}"[:-1]) for item, row in rows.items()
    }
    assert in_readme == in_trends == in_notebook
    n_readme = re.search(r"<!-- begin: iclr2020-checklist-with-readmes -->(\d+)<", readme).group(1)
    assert {int(n_readme), int(sentence.group(1))} == {int(row["n"]) for row in rows.values()}


def show_corrected(row: pd.Series) -> str:
    """A `has_<item>:corrected` row as README and notebook 02 must show it: `not correctable`, `unbounded,
    0%-100%` where the interval spans every share, else `83%, 67%-98%`."""
    if row["method"] != "rogan-gladen":
        return "not correctable"
    if row["ci_low"] <= 0 and row["ci_high"] >= 1:
        return "unbounded, 0%-100%"
    return f"{percent(row['share'], 1)}%, {percent(row['ci_low'], 1)}%-{percent(row['ci_high'], 1)}%"


def read_corrected_table() -> list[str]:
    """The `corrected` column of notebook 02's correction table (its printed DataFrame), top to bottom."""
    notebook = json.loads(
        (ROOT / "notebooks" / "rendered" / "02_analyse_tools.ipynb").read_text(encoding="utf-8")
    )
    cell = next(c for c in notebook["cells"] if "compare_corrected_checklist" in "".join(c["source"]))
    text = "".join(next(o for o in cell["outputs"] if "data" in o)["data"]["text/plain"])
    last = text.split("\n\n")[-1].splitlines()  # the wrapped table's last block: the `corrected` column
    assert last[0].split() == ["corrected"], f"notebook 02's correction table ends with {last[0]!r}"
    return [re.sub(r"^\d+\s+", "", line).strip() for line in last[1:] if line.strip()]


def test_iclr2020_corrected_checklist_is_one_measure_in_every_place() -> None:
    """Each raw checklist share stands beside its corrected share (trends.csv's `has_<item>:corrected`), the same
    in the README's block and notebook 02's table; an interval spanning 0%-100% is shown as unbounded, not as a
    point."""
    rows = [read_trend("iclr", 2020, f"{item}:corrected") for item in CHECKLIST_WORDS]
    expected = [show_corrected(row) for row in rows]
    assert read_corrected_table() == expected
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- begin: iclr2020-checklist -->(.*?)<!-- end", readme, re.S).group(1)
    shown = re.findall(r"; (?:corrected: )?(not correctable|unbounded, 0%-100%|\d+%, \d+%-\d+%)\)", block)
    assert shown == expected, block


PRINTED_NOT_DATA = [  # numbers notebooks 01 and 02 print that are not counts, shares or intervals of the data
    (r"\bICLR 20\d\d\b", "the venue-year's name"),
    (r"steps 1 and 2|in step 3", "the notebook's step numbers"),
    (r"Python 3\b", "Python's version"),
    (r"\b95% Wilson", "the confidence level"),
]


def find_unchecked_numbers(printed: str, checked: list[tuple[int, int]]) -> list[str]:
    """Every number in `printed` outside the `checked` spans and the PRINTED_NOT_DATA contexts, with its text."""
    covered = checked + [m.span() for pattern, _ in PRINTED_NOT_DATA for m in re.finditer(pattern, printed)]
    return [f"{m.group(0)} in {printed[max(0, m.start() - 40) : m.end() + 20]!r}" for m in NUMBER.finditer(printed)
            if not any(start <= m.start() and m.end() <= end for start, end in covered)]  # fmt: skip


def test_every_number_notebooks_01_and_02_print_is_checked() -> None:
    """Each number the two ICLR 2020 notebooks print sits in a sentence a test above recounts from data/ (or is a
    name, a step or a confidence level); a number planted in a printed line is caught."""
    first = read_printed("01_create_data.ipynb")
    assert not find_unchecked_numbers(first, check_notebook_01(first))
    second = read_printed("02_analyse_tools.ipynb")
    checked = check_notebook_02(second) + check_group_sentences(second)
    checked.append(find_checklist_sentence(second).span())
    assert not find_unchecked_numbers(second, checked), find_unchecked_numbers(second, checked)
    planted = second + "\nICLR 2020: 12 repositories moved (95% Wilson interval 3%-9%).\n"
    found = [text.split(" in ")[0] for text in find_unchecked_numbers(planted, checked)]
    assert found == ["12", "3%", "9%"]  # not the year of its venue-year, nor the confidence level


MEASURES = {"Code sharing (PDF quotes)": "code_sharing_pdf_quotes", "PyTorch": "pytorch", "TensorFlow": "tensorflow",
            "JAX": "jax", "dependencies specified": "has_dependencies"} | {word: item for item, word in CHECKLIST_WORDS.items()}  # fmt: skip
VENUES = {"ICLR": "iclr", "NeurIPS": "neurips", "ICML": "icml"}


def check_venue_line(line: str) -> int:
    """One comparison line of notebook 03 (`PyTorch, 2021: ICML 2021 76% (95% CI 62%-85%, n=53), ...; they do not
    differ detectably ...`): each venue-year's share, interval and n equal trends.csv's row at the decimals shown,
    exactly the pairs whose 95% intervals lie apart are called higher (and read apart as printed), and the rest
    are said not to differ detectably. Returns the venue-years checked (0: not a comparison line)."""
    head = re.match(r"(?P<label>[\w ()-]+?)(?: table and commands)?, (?P<year>\d{4}): ", line)
    if not head or head.group("label") not in MEASURES:
        return 0
    measure, shown = MEASURES[head.group("label")], {}
    parts = re.finditer(r"(?P<venue>ICLR|NeurIPS|ICML) (?P<year>\d{4}) (?P<share>\d+(?:\.\d)?)% \((?:exact|95% CI "
                        r"(?P<low>\d+(?:\.\d)?)%-(?P<high>\d+(?:\.\d)?)%), n=(?P<n>[\d,]+)\)", line)  # fmt: skip
    for part in parts:
        name = f"{part.group('venue')} {part.group('year')}"
        row = read_trend(VENUES[part.group("venue")], int(part.group("year")), measure)
        assert as_int(part.group("n")) == row["n"], f"{part.group(0)!r}: n is {row['n']} in trends.csv"
        assert_shown(part.group("share"), row["share"], part.group(0))
        low, high = part.group("low") or part.group("share"), part.group("high") or part.group("share")
        if part.group("low"):
            assert_shown(low, row["ci_low"], part.group(0))
            assert_shown(high, row["ci_high"], part.group(0))
        shown[name] = (row, float(low), float(high))
    named = re.findall(r"(?:ICLR|NeurIPS|ICML) \d{4}", line[head.end() :].split("; ")[0])
    assert len(named) == len(shown), f"{line!r}: names {named}, reads {sorted(shown)}"
    apart = {(a, b) for a, (row_a, _, _) in shown.items() for b, (row_b, _, _) in shown.items()
             if row_a["ci_low"] > row_b["ci_high"]}  # fmt: skip
    claimed = set(
        re.findall(r"((?:ICLR|NeurIPS|ICML) \d{4}) is higher than ((?:ICLR|NeurIPS|ICML) \d{4})", line)
    )
    assert claimed == apart, (
        f"{line!r}: calls {sorted(claimed)} higher; the intervals lie apart for {sorted(apart)}"
    )
    for higher, lower in claimed:
        assert shown[higher][1] > shown[lower][2], (
            f"{line!r}: {higher} is called higher but reads as touching"
        )
    pairs = len(shown) * (len(shown) - 1) // 2
    if not apart:
        assert re.search(r"(?:the two|they) do not differ detectably", line), line
    elif len(apart) < pairs:
        assert "the other pairs do not differ detectably" in line, line
    else:
        assert "not differ detectably" not in line, line
    return len(shown)


def test_notebook_03_comparisons_equal_the_data() -> None:
    """Every venue-year share, interval and n notebook 03 prints in its comparisons equals trends.csv's row, and
    each verdict (higher, or not detectably different) follows from the intervals."""
    printed = read_printed("03_trends.ipynb")
    checked = sum(check_venue_line(line) for line in printed.splitlines())
    trends = read_csv("trends.csv")
    compared = trends[trends["measure"].isin(MEASURES.values()) & (trends["n"] > 0)]
    venues = compared.groupby(["measure", "year"])["venue"].transform("nunique")
    assert checked == int((venues > 1).sum()), "notebook 03 compares other venue-years than trends.csv holds"


@pytest.mark.parametrize(
    ("line", "drift"),
    [("pre-trained models, 2019: ", lambda text: text.replace("; ICLR 2019 is higher than ICML 2019 (their 95% "
      "intervals do not overlap)", "; the two do not differ detectably (their 95% intervals overlap)")),
     ("PyTorch, 2023: ", lambda text: text.replace("; they do not differ detectably (their 95% intervals overlap)",
      "; ICLR 2023 is higher than ICML 2023 (their 95% intervals do not overlap)")),
     ("PyTorch, 2023: ", lambda text: re.sub(r"ICML 2023 (\d+)%", lambda m: f"ICML 2023 {int(m.group(1)) + 1}%", text))],
    ids=["apart-unsaid", "overlap-called-higher", "share"],
)  # fmt: skip
def test_a_drifted_venue_comparison_fails(line: str, drift) -> None:
    """The verdict check itself: a difference left unsaid, overlapping intervals called higher, or a wrong share
    fails."""
    original = next(text for text in read_printed("03_trends.ipynb").splitlines() if text.startswith(line))
    check_venue_line(original)
    assert drift(original) != original, f"the drift changed nothing in {original!r}"
    with pytest.raises(AssertionError):
        check_venue_line(drift(original))


def test_notebook_03_trend_summary_equals_the_data() -> None:
    """The framework-trend line ("PyTorch: 36% (n=131) of repositories in 2018, 92% [83%-96%] (n=74) in 2024;
    TensorFlow: ...") gives trends.csv's ICLR shares, intervals and n for its first and last year."""
    printed = read_printed("03_trends.ipynb")
    line = next(line for line in printed.splitlines() if line.startswith("PyTorch: "))
    numbers = r"(?P<share>\d+)%(?: \[(?P<low>\d+)%-(?P<high>\d+)%\])? \(n=(?P<n>[\d,]+)\)"
    found = 0
    for framework, measure in (("PyTorch", "pytorch"), ("TensorFlow", "tensorflow")):
        part = line.split(f"{framework}: ", 1)[1].split(";")[0]
        years = [int(year) for year in re.findall(r"in (\d{4})", part)] or [2018, 2024]
        for match, year in zip(re.finditer(numbers, part), (years[0], years[-1]), strict=True):
            row = read_trend("iclr", year, measure)
            assert (
                as_int(match.group("n")) == row["n"]
                and match.group("share") == f"{round(100 * row['share'])}"
            )
            if match.group("low"):
                assert (int(match.group("low")), int(match.group("high"))) == (
                    round(100 * row["ci_low"]), round(100 * row["ci_high"]))  # fmt: skip
            found += 1
    assert found == 4, line


def expand_years(text: str) -> list[int]:
    """`2018-2024`, `2020, 2021 and 2023` -> the years."""
    years = []
    for first, last in re.findall(r"(\d{4})(?:-(\d{4}))?", text):
        years += range(int(first), int(last or first) + 1)
    return years


def find_venue_years(text: str) -> set[tuple[str, int]]:
    """The venue-years a sentence names: `ICLR 2018-2024 (...); NeurIPS 2020, 2021 and 2023` -> (venue, year)."""
    return {(VENUES[m.group(1)], year) for m in re.finditer(r"(ICLR|NeurIPS|ICML) (\d{4}(?:(?:-|, | and )\d{4})*)", text)
            for year in expand_years(m.group(2))}  # fmt: skip


def test_notebook_03_venue_years_equal_the_data() -> None:
    """`Repositories are read for ICLR 2018-2024 (2018 and 2020 whole, ...): 13 venue-years. Code links only ...:
    NeurIPS 2019, ...`: the venue-years years.csv has repositories for, how many, which are whole, and the rest."""
    printed = read_printed("03_trends.ipynb")
    line = next(line for line in printed.splitlines() if line.startswith("Repositories are read for "))
    read_part, _, links_part = line.partition(" Code links only")
    years = read_csv("years.csv")
    read = years[years["repositories_with_python"] > 0]
    assert find_venue_years(read_part) == set(zip(read["venue"], read["year"], strict=True))
    assert find_venue_years(links_part) == set(zip(years["venue"], years["year"], strict=True)) - find_venue_years(
        read_part)  # fmt: skip
    whole = re.search(r"\(([\d, and]+) whole", read_part)
    assert expand_years(whole.group(1)) == sorted(read.loc[read["method"] == "exact", "year"])
    assert int(re.search(r": (\d+) venue-years\.", read_part).group(1)) == len(read)


def test_every_n_notebook_03_prints_is_checked() -> None:
    """Every number notebook 03 prints sits in a line one of the tests above parses (no figure printed unchecked):
    an `n=` line or the venue-years line."""
    printed = read_printed("03_trends.ipynb")
    lines = [line for line in printed.splitlines() if NUMBER.search(line)]
    unchecked = [line for line in lines if not (line.startswith(("PyTorch: ", "Repositories are read for "))
                                                or check_venue_line(line))]  # fmt: skip
    assert not unchecked, unchecked


# -- one measure, one value ----------------------------------------------------------------------------------------


def find_accepted_papers(text: str) -> list[tuple[str, int, int]]:
    """(venue, year, accepted papers) from `ICLR 2023 counts ... not the 1,575 accepted`, `(2023: 1,575 accepted
    papers)`, `(2024: 2,260)` after it, `687 accepted papers` in the ICLR 2020 block, `200 of 2260 accepted papers,
    random.Random(2024)`."""
    found = [("iclr", int(m.group(1)), as_int(m.group(2)))
             for m in re.finditer(r"ICLR (\d{4}) counts the [\d,]+ papers whose PDFs the source read, not the "
                                  r"([\d,]+) accepted", text)]  # fmt: skip
    for m in re.finditer(
        r"\((\d{4}): ([\d,]+) accepted papers\) to [\d.]+ hours \((\d{4}): ([\d,]+)\)", text
    ):
        found += [
            ("iclr", int(m.group(1)), as_int(m.group(2))),
            ("iclr", int(m.group(3)), as_int(m.group(4))),
        ]
    found += [("iclr", int(m.group(2)), as_int(m.group(1)))
              for m in re.finditer(r"of ([\d,]+) accepted papers, random\.Random\((\d{4})\)", text)]  # fmt: skip
    if block := re.search(r"<!-- begin: iclr2020-numbers -->\s*([\d,]+) accepted papers", text):
        found.append(("iclr", 2020, as_int(block.group(1))))
    return found


def test_accepted_papers_are_one_number_per_venue_year() -> None:
    """Accepted papers per venue-year: the READMEs, trends.csv's `code_sharing` n (with its tracks counted apart)
    and years.csv agree."""
    years = read_years_table()
    texts = "\n".join(path.read_text(encoding="utf-8") for path in PROSE_FILES)
    quoted = find_accepted_papers(texts)
    assert len(quoted) >= 4, f"too few accepted-paper counts found in the READMEs: {quoted}"
    for venue, year, papers in quoted:
        assert papers == years.loc[(venue, year), "accepted_papers"], f"{venue} {year}: {papers} in prose"
    trends = read_csv("trends.csv")
    sharing = trends[trends["measure"].str.fullmatch(r"code_sharing(:.*)?")]
    listed = sharing.groupby(["venue", "year"])["n"].sum()
    said = sharing.groupby(["venue", "year"])["universe"].agg(
        " ".join
    )  # a list's tracks may count papers listed
    differ = {key: (int(years.loc[key, "accepted_papers"]), int(n)) for key, n in listed.items()
              if n != years.loc[key, "accepted_papers"]
              and f": {int(n):,} listed in all tracks, {int(years.loc[key, 'accepted_papers']):,} read" not in said[key]}  # fmt: skip
    assert not differ, (
        f"accepted papers: years.csv against trends.csv's code_sharing n (tracks summed): {differ}"
    )


def test_venue_sample_counts_agree() -> None:
    """NeurIPS 2023's papers and each sampled venue-year's repositories: README's venues block, years.csv and
    trends.csv give one value."""
    years = read_years_table()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    venues = (
        re.search(r"<!-- begin: venues -->(.*?)<!-- end: venues -->", readme, re.S)
        .group(1)
        .replace("\n", " ")
    )
    pattern = (r"(?P<venue>NeurIPS|ICML) (?P<year>\d{4}) \((?P<n>\d+) repositories with Python from a random sample "
               r"of (?P<drawn>\d+) links: PyTorch (?P<share>\d+)%")  # fmt: skip
    found = list(re.finditer(pattern, venues))
    assert found, "the venues block names no sampled venue-year"
    for m in found:
        key = (VENUES[m.group("venue")], int(m.group("year")))
        pytorch = read_trend(*key, "pytorch")
        assert (int(m.group("n")), int(m.group("drawn"))) == (years.loc[key, "repositories_with_python"],
                                                              years.loc[key, "links_drawn"]) == (pytorch["n"], years.loc[key, "links_drawn"])  # fmt: skip
    neurips = years.loc[("neurips", 2023)]
    sharing = read_trend("neurips", 2023, "code_sharing")
    assert (sharing["count"], sharing["n"]) == (
        neurips["papers_with_github_link"],
        neurips["accepted_papers"],
    )


def add_one(match: re.Match) -> str:
    """The matched text with its last number one higher."""
    head, number = re.fullmatch(r"(.*?)(\d+)", match.group(0), re.S).groups()
    return f"{head}{int(number) + 1}"


@pytest.mark.parametrize(
    ("pattern", "drift"),
    [(r"By [^\n]*?n=\d+", add_one), (r"By [\w' ]+ \(\d+", add_one), (r"sum to \d+", add_one),
     (r"lies above those of [^;\n]+? and [^,()]+? \([^)]*\)", lambda m: re.sub(r" and [^,()]+? \([^)]*\)$", "", m.group(0))),
     (r", tied with [^,]+? \(n=\d+\)", lambda m: "")],
    ids=["n", "groups", "overlap", "above", "tied"],
)  # fmt: skip
def test_a_drifted_group_sentence_fails(pattern: str, drift) -> None:
    """The group check itself: a wrong n, a wrong number of groups, a wrong overlap, a group left out of `above`
    or a tie left unsaid fails."""
    printed = read_printed("02_analyse_tools.ipynb")
    drifted = re.sub(pattern, drift, printed, count=1)
    assert drifted != printed, f"nothing matches {pattern!r} in notebook 02's group sentences"
    with pytest.raises(AssertionError):
        check_group_sentences(drifted)


def test_the_matched_pytorch_share_is_one_value_in_every_place() -> None:
    """ICLR 2020's PyTorch-only share of one-framework repositories: the README's methods paragraph (`134 vs 66
    repositories (67%`) and its trend sentence (`67% (n=200) against 64% in 2020`) give trends.csv's one row."""
    row = read_trend("iclr", 2020, "pytorch_only_share_of_one_framework")
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    methods = re.search(r"our code imports give (\d+) vs (\d+) repositories \((\d+)%", text)
    trend = re.search(r"(\d+)% \(n=([\d,]+)\) against \d+% in 2020", text)
    assert methods and trend, "the README's two places for the matched PyTorch share are missing"
    assert (int(methods.group(1)), int(methods.group(2))) == (row["count"], row["n"] - row["count"])
    assert methods.group(3) == trend.group(1) == percent(row["share"], 1)
    assert as_int(trend.group(2)) == row["n"]


def test_the_checklist_accuracy_verdict_follows_the_intervals() -> None:
    """The README names the item whose held-out agreement with the checklist authors' labels is lowest, and below
    which items it lies: exactly those whose 95% Wilson intervals (recomputed here) lie apart from it."""
    accuracy = read_csv("checklist_accuracy.csv")
    held = accuracy[accuracy["split"] == "holdout"].set_index("item")
    bounds = {}
    for item, word in CHECKLIST_WORDS.items():
        row = held.loc[item]
        agree, total = int(row["tp"] + row["tn"]), int(row[["tp", "fp", "fn", "tn"]].sum())
        bounds[word] = (agree / total, *wilson(agree, total))
    lowest = min(bounds, key=lambda word: bounds[word][0])
    apart = [word for word in bounds if bounds[word][1] > bounds[lowest][2]]
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    verdict = re.search(r"the lowest held out, ([\w -]+), lies below (.+?) \(95% intervals apart\)(?: and does not "
                        r"differ detectably from (.+?))?<", text)  # fmt: skip
    assert verdict, "the README's verdict on the checklist rules' lowest agreement is missing"
    assert verdict.group(1) == lowest
    assert_named(verdict.group(2), apart)
    assert_named(verdict.group(3) or "", [word for word in bounds if word not in (lowest, *apart)])
