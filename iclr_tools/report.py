"""Stage 8, what a reader sees: the rendered notebooks kept byte-stable, and the READMEs' figures from the data.

`make run` renders the notebooks with papermill; `strip_run_details` then drops what differs between two runs of
the same notebook (times, durations, the injected cell's random id, the interpreter's patch version) and writes
paths relative to the project. `make data` writes every figure `README.md` and `data/README.md` quote from the
data between markers, `<!-- begin: NAME -->` and `<!-- end: NAME -->`, from the small templates below:

>>> replace_block("PyTorch: <!-- begin: pt -->60%<!-- end: pt --> of them.", "pt", "68%")
'PyTorch: <!-- begin: pt -->68%<!-- end: pt --> of them.'
>>> format_years([2018, 2019, 2021, 2022, 2023, 2024], prose=True)
'2018, 2019 and 2021-2024'
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from .accuracy import read_checklist_accuracy
from .analysis import (
    CHECKLIST_ITEMS,
    MISSING_REASONS,
    count_attrition,
    count_checklist,
    count_declared_by,
    count_declared_vs_imported,
    count_frameworks,
    count_funnel,
    count_papers_by,
    count_unresolved_imports,
    extract_targets,
    list_without_readmes,
    split_list,
)
from .files import write_text_atomic
from .net import OPENREVIEW_REQUESTS_PER_WINDOW
from .settings import VENUE_NAMES, format_list, format_years
from .stats import estimate_share, separate_intervals
from .study import STUDY_2020, count_method_comparison, count_study_comparison, read_study_figures
from .trends import (
    MATCHED_PYTORCH_SHARE,
    NOT_CORRECTABLE,
    PDF_MENTION_PYTORCH_SHARE,
    compare_corrected_checklist,
    pivot_measure,
    summarize_later_reads,
)
from .venues import PDF_SHARING
from .years import (
    DATA_DIR,
    ROOT,
    STUDY_YEAR,
    read_all_frames,
    read_all_years,
    read_trends,
    read_years,
)

WIDTH = 110  # the READMEs' line length
RUN_DETAILS = (
    "start_time",
    "end_time",
    "duration",
)  # papermill's per-run metadata, on the notebook and cells
INJECTED_ID = "injected-parameters"  # papermill gives the cell it injects a random id: this one is fixed
# The first version of the ICLR 2020 table, before own modules were resolved as Python does (README).
FIRST_TABLE_2020 = {"tensorflow": 97, "keras": 20, "jax": 3}
NUMBER_WORDS = dict(enumerate(["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
                                "Ten", "Eleven", "Twelve"]))  # fmt: skip
DECLARED_BY = {"requirements": "requirements files", "install-line": "install lines", "setup": "setup files",
               "environment": "conda environments", "pipfile": "Pipfiles", "pyproject": "pyproject files"}  # fmt: skip
# The checklist items as the README's sentences name them, in CHECKLIST_ITEMS' order.
CHECKLIST_WORDS = ["dependencies", "training code", "evaluation code", "pre-trained models", "results"]

# -- rendered notebooks ------------------------------------------------------------------------------------------


def relative_path(path: str, root: str | Path) -> str:
    """`path` relative to `root` (POSIX separators) when it lies inside it, else unchanged.

    >>> relative_path("/home/ana/iclr/notebooks/01.ipynb", "/home/ana/iclr")
    'notebooks/01.ipynb'
    >>> relative_path("notebooks/01.ipynb", "/home/ana/iclr")
    'notebooks/01.ipynb'
    """
    if not os.path.isabs(path):
        return path
    relative = os.path.relpath(path, root)
    return path if relative.startswith("..") else Path(relative).as_posix()


def strip_run_details(notebook: Any, root: str | Path) -> Any:
    """Drop from a papermill-executed notebook what differs between runs, and make its paths relative."""
    meta = notebook.metadata
    for key in RUN_DETAILS:
        meta.get("papermill", {}).pop(key, None)
    for key in ("input_path", "output_path"):
        if key in meta.get("papermill", {}):
            meta["papermill"][key] = relative_path(meta["papermill"][key], root)
    meta.get("language_info", {}).pop("version", None)  # 3.11.7 or 3.12.3: the same output
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # the kernel's timestamps
        for key in RUN_DETAILS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_ID in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_ID
    return notebook


def quiet_kernel_config() -> Any:
    """Kernel-manager settings for papermill: talk to the kernel over local IPC sockets, not TCP (Windows:
    TCP, the only transport it has)."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "tcp" if os.name == "nt" else "ipc"}})


def render_notebook(source: Path, out: Path, parameters: dict, root: Path) -> None:
    """Execute `source` with papermill from `root`, then write it to `out` without its run details. A cell's
    printed text is one output, however the kernel happened to split it into messages (`coalesce_streams`)."""
    import tempfile

    import nbformat
    import papermill

    with tempfile.TemporaryDirectory(prefix="iclr-render-") as temporary:
        running = Path(temporary) / out.name  # `out` is written once, whole, when the run has succeeded
        papermill.execute_notebook(source, running, parameters=parameters, cwd=root, progress_bar=False,
                                   config=quiet_kernel_config(), coalesce_streams=True)  # fmt: skip
        notebook = strip_run_details(nbformat.read(running, as_version=4), root)
    notebook.metadata["papermill"]["output_path"] = relative_path(str(out), root)
    write_text_atomic(out, nbformat.writes(notebook) + "\n")


# -- marked blocks -----------------------------------------------------------------------------------------------


def find_block(text: str, name: str) -> re.Match:
    """The span between the `name` markers in `text`, or a clear error when they are missing or doubled."""
    pattern = re.compile(rf"(<!-- begin: {re.escape(name)} -->)(.*?)(<!-- end: {re.escape(name)} -->)", re.S)
    found = list(pattern.finditer(text))
    if len(found) != 1:
        raise ValueError(f"expected one block `{name}` between `<!-- begin: {name} -->` and "
                         f"`<!-- end: {name} -->`, found {len(found)}: put the markers back")  # fmt: skip
    return found[0]


def replace_block(text: str, name: str, body: str) -> str:
    """`text` with what lies between the `name` markers replaced by `body` (the markers stay)."""
    match = find_block(text, name)
    return text[: match.start(2)] + body + text[match.end(2) :]


def extract_block(text: str, name: str) -> str:
    """What lies between the `name` markers of `text`.

    >>> extract_block("a <!-- begin: n -->1<!-- end: n --> b", "n")
    '1'
    """
    return find_block(text, name).group(2)


def as_paragraph(text: str) -> str:
    """A block body on lines of its own, wrapped at the READMEs' width (a marker line stays apart)."""
    return "\n" + textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False) + "\n"


def write_blocks(path: str | Path, blocks: dict[str, str]) -> bool:
    """Replace each named block of the file at `path`; write it only when something changed."""
    old = Path(path).read_text(encoding="utf-8")
    new = old
    for name, body in blocks.items():
        new = replace_block(new, name, body)
    if new != old:
        write_text_atomic(path, new)
    return new != old


# -- formatting --------------------------------------------------------------------------------------------------


def format_share(row: pd.Series, n: bool = False, year: int | None = None) -> str:
    """A trend row's share, with its 95% interval when it is a sample estimate (and n, the year, if asked).

    >>> format_share(pd.Series({"share": 0.938, "ci_low": 0.852, "ci_high": 0.976, "n": 65, "method": "sample"}))
    '94% (85-98%)'
    """
    inside = [str(year)] if year is not None else []
    if row["method"] == "sample":
        inside.append(f"{row['ci_low']:.0%}".removesuffix("%") + f"-{row['ci_high']:.0%}")
    if n:
        inside.append(f"n={int(row['n'])}")
    return f"{row['share']:.0%}" + (f" ({', '.join(inside)})" if inside else "")


# -- README.md ---------------------------------------------------------------------------------------------------


def describe_change(first: pd.Series, last: pd.Series, verb: str = "") -> str:
    """`rose`, `fell`, or that a measure did not change detectably: only where the two rows' 95% intervals (an
    exact year's is its share) separate; `verb` is what a separated change is called instead (`went`)."""
    if not separate_intervals(first["ci_low"], first["ci_high"], last["ci_low"], last["ci_high"]):
        return "did not change detectably (95% intervals overlap), at"
    return verb or ("rose" if last["share"] > first["share"] else "fell")


def describe_pytorch_matched(trends: pd.DataFrame) -> str:
    """The README's sentence setting PyTorch's share beside "The State of Machine Learning Frameworks" on its own
    definition (PyTorch-only over PyTorch-only + TensorFlow-only): in the years we read whole, whether ours is
    higher or lower; in the sampled years, whether the PDF figure lies inside, above or below our 95% interval."""
    share = pivot_measure(trends, MATCHED_PYTORCH_SHARE)
    mentions = {year: value for year, value in PDF_MENTION_PYTORCH_SHARE.items() if year in share.index}
    whole = [year for year in mentions if share.loc[year, "method"] != "sample"]
    sampled = [year for year in mentions if share.loc[year, "method"] == "sample"]

    def say(verb: str, years: list[int], total: int) -> str:
        """`higher in none`, `in 1 (2018)`, `in both (...)`, `in all 3 (...)`."""
        if not years:
            return f"{verb} in none"
        many = (
            "both" if len(years) == total == 2 else f"all {total}" if len(years) == total > 2 else len(years)
        )
        return f"{verb} in {many} ({format_list([str(year) for year in years])})"

    higher = [year for year in whole if share.loc[year, "share"] > mentions[year]]
    lower = [year for year in whole if share.loc[year, "share"] < mentions[year]]
    inside = [y for y in sampled if share.loc[y, "ci_low"] <= mentions[y] <= share.loc[y, "ci_high"]]
    above = [year for year in sampled if mentions[year] > share.loc[year, "ci_high"]]
    below = [year for year in sampled if mentions[year] < share.loc[year, "ci_low"]]
    against = format_list([f"{format_share(share.loc[year], n=True)} against {value:.0%} in {year}"
                           for year, value in mentions.items()])  # fmt: skip
    return (
        'On the definition of "The State of Machine Learning Frameworks", which drops papers mentioning both '
        "frameworks (ours: repositories importing PyTorch only, of those importing PyTorch only or TensorFlow only; "
        f"`{MATCHED_PYTORCH_SHARE}` in `data/trends.csv`), PyTorch's share beside its PDF-mention shares: "
        f"{against}. In the {len(whole)} years read whole ours is {say('higher', higher, len(whole))} and "
        f"{say('lower', lower, len(whole))}; in the {len(sampled)} sampled years the PDF figure lies "
        f"{say('inside our 95% interval (no detectable difference)', inside, len(sampled))}, "
        f"{say('above it', above, len(sampled))} and {say('below it', below, len(sampled))} "
        "([chart](figures/trend_pytorch_share.png))."
    )


def describe_trend_block(trends: pd.DataFrame, years: pd.DataFrame) -> str:
    """The README's trend section: years on one method, frameworks, PyTorch share, sharing and declaring; a change
    is called a rise or a fall only where the 95% intervals separate."""
    first, last = int(years["year"].min()), int(years["year"].max())
    exact = years.loc[years["method"] == "exact", "year"].tolist()
    sampled = years[years["method"] == "sample"]
    pytorch, tensorflow = pivot_measure(trends, "pytorch"), pivot_measure(trends, "tensorflow")
    jax = pivot_measure(trends, "jax")
    rose = describe_change(pytorch.loc[first], pytorch.loc[last])
    fell = describe_change(tensorflow.loc[first], tensorflow.loc[last])
    exact_shares = format_list(
        [f"{pytorch.loc[y, 'share']:.0%} ({y}, n={int(pytorch.loc[y, 'n'])})" for y in exact]
    )
    last_pytorch = pytorch.loc[last]
    interval = (f"95% CI {last_pytorch['ci_low']:.0%}".removesuffix("%") + f"-{last_pytorch['ci_high']:.0%}, "
                if last_pytorch["method"] == "sample" else "")  # fmt: skip
    sharing = pivot_measure(trends, "code_sharing")["share"]
    declares = pivot_measure(trends, "declares_dependencies")
    declared = describe_change(declares.loc[first], declares.loc[last], "went")
    last_declares = format_share(declares.loc[last], n=True, year=last)
    samples = format_list([str(n) for n in sampled["repositories_with_python"]])
    text = (
        f"{NUMBER_WORDS.get(len(years), len(years))} years of code read one way (imports and manifests; where the links come from changes by year, below), embedded in the project (no download needed): ICLR "
        f"{format_years(exact, prose=True)} whole, {format_years(sampled['year'].tolist(), prose=True)} as "
        f"random samples of their code links ({samples} repositories with Python code), whose shares carry "
        "95% Wilson intervals (they ignore the finite population, so they err wide). "
        f"The share of repositories whose code imports PyTorch {rose} from {exact_shares} to "
        f"{last_pytorch['share']:.0%} in {last} ({interval}n={int(last_pytorch['n'])}), while TensorFlow {fell} "
        f"from {tensorflow.loc[first, 'share']:.0%} ({first}) to {format_share(tensorflow.loc[last], n=True)}; "
        f"JAX stays at {jax['share'].max():.0%} or less. {describe_pytorch_matched(trends)} Between "
        f"{sharing.min():.0%} ({sharing.idxmin()}) and {sharing.max():.0%} ({sharing.idxmax()}) of the accepted "
        f"papers link GitHub ([chart](figures/trend_sharing.png)), and the share of repositories declaring their "
        f"dependencies {declared} from {declares.loc[first, 'share']:.0%} ({first}, n={int(declares.loc[first, 'n'])}) "
        f"to {last_declares}. The top tools, "
        "year by year: [heat map](figures/trend_tools.png); the completeness checklist by year: "
        "[chart](figures/trend_checklist.png). [notebooks/rendered/03_trends.ipynb](notebooks/rendered/03_trends.ipynb) "
        "has it all; `data/trends.csv` is the tidy table (`venue, year, measure, count, n, share, ci_low, ci_high, "
        "method, universe`: `universe` names what `n` counts)."
    )
    heading = (
        f"![Frameworks imported by the code of ICLR papers, {first}-{last}](figures/trend_frameworks.png)"
    )
    return f"\n{heading}\n\n## ICLR {first}-{last}: the trend" + as_paragraph(text)


def describe_venues_block(trends: pd.DataFrame, years: pd.DataFrame) -> str:
    """The README's section on the three venues: code sharing on the PDF-quote method for all three (exact), ICLR's
    own-source numbers apart and named as such, and the venue-years whose repositories are read."""
    parts = []
    for venue in ("iclr", "neurips", "icml"):
        sharing = pivot_measure(trends, PDF_SHARING, venue)
        first, last = int(sharing.index.min()), int(sharing.index.max())
        parts.append(f"{VENUE_NAMES[venue]} {sharing.loc[first, 'share']:.0%} ({first}, n={int(sharing.loc[first, 'n']):,}) "
                     f"to {sharing.loc[last, 'share']:.0%} ({last}, n={int(sharing.loc[last, 'n']):,})")  # fmt: skip
    own = pivot_measure(trends, "code_sharing", "iclr")
    own_first, own_last = int(own.index.min()), int(own.index.max())
    iclr_pdf = pivot_measure(trends, PDF_SHARING, "iclr")["share"].reindex(own.index)
    higher = "higher in every year" if (own["share"] > iclr_pdf).all() else "not on one method"
    tracks = trends[trends["measure"].str.startswith(PDF_SHARING + ":")]
    apart = format_list([f"{VENUE_NAMES[row.venue]} {row.year}'s {row.measure.split(':', 1)[1].replace('_', ' ')} "
                         f"({row.share:.0%}, n={row.n:,})" for row in tracks.itertuples()])  # fmt: skip
    others = years[years["venue"] != "iclr"]
    sampled = others[others["method"] == "sample"]
    read = format_list([f"{VENUE_NAMES[row.venue]} {row.year} ({row.repositories_with_python} repositories with "
                        f"Python from a random sample of {row.links_drawn} links: PyTorch "
                        f"{format_share(pivot_measure(trends, 'pytorch', row.venue).loc[row.year])})"
                        for row in sampled.itertuples()])  # fmt: skip
    text = (
        "ICLR's neighbours, NeurIPS and ICML, on the same parser: every GitHub link their papers' PDFs quote, "
        f"{format_years(sorted(set(others['year'])), prose=True)}, is embedded (`data/venues/`), each a "
        "repository target or classified with a reason. Code sharing on one method for all three venues (the "
        "PDF-quote method, `code_sharing_pdf_quotes` in `data/trends.csv`: papers whose PDF quotes a GitHub "
        "repository, of the papers whose PDF was read; exact): "
        f"{format_list(parts)}. {apart[0].upper() + apart[1:]} {'are' if len(tracks) > 1 else 'is'} counted apart. "
        f"ICLR's own sources (`code_sharing`: papers linking GitHub, of all accepted papers) read "
        f"{own.loc[own_first, 'share']:.0%} ({own_first}) to {own.loc[own_last, 'share']:.0%} ({own_last}), {higher}, "
        "and their source changes by year (a paper list's github field, OpenReview's code field, the PDFs), so a "
        "step in that series can be a change of source: the chart draws it dashed, with each change marked "
        "([chart](figures/trend_venues_sharing.png)). Repositories are read so far for "
        f"{read or 'no NeurIPS or ICML year'}: notebook 03 compares them with ICLR's, and notebook 02 analyses any "
        "of them (`-p venue icml -p year 2021`); a year with links only says so there, with the command that reads it."
    )
    heading = "![Code sharing at ICLR, NeurIPS and ICML](figures/trend_venues_sharing.png)"
    return f"\n## ICLR, NeurIPS and ICML: who links code on GitHub\n\n{heading}\n" + as_paragraph(text)


def describe_numbers_2020(frame: pd.DataFrame) -> str:
    """The README's ICLR 2020 paragraph: papers, code links, GitHub targets, recorded, with Python code."""
    funnel = count_funnel(frame).set_index("step")["papers"]
    tracks = count_papers_by(frame, "track")
    targets = extract_targets(frame, None)
    github_urls = int(frame["link_kind"].isin(["github", "github_user"]).sum())
    user_pages = int((frame["link_kind"] == "github_user").sum())
    statuses = targets["status"].value_counts()
    recorded = int(statuses.get("ok", 0) + statuses.get("no_python", 0))
    text = (
        f"{funnel['accepted papers']} accepted papers ("
        + ", ".join(f"{count} {track}" for track, count in tracks.items())
        + f"); {funnel['with a code link']} give a code link; {funnel['with a GitHub repository']} of them link "
        f"one of {len(targets)} GitHub repository targets ({github_urls} GitHub URLs, {user_pages} of them user "
        f"pages); {recorded} of those repositories were recorded at their conference-week commit "
        f"({statuses.get('missing', 0)} are gone), {statuses.get('ok', 0)} hold Python code."
    )
    return as_paragraph(text)


def format_table_2020(frame: pd.DataFrame, reproduced: dict) -> str:
    """The README's ICLR 2020 table: the study as published, its method re-run on its file, and ours."""
    table = count_study_comparison(frame, reproduced).set_index("figure")
    shares = count_frameworks(frame).set_index("framework")["share"]
    labels = {"Keras": "Keras (standalone)", "none of these": "none of these frameworks"}
    share_of = {"PyTorch": "pytorch", "TensorFlow": "tensorflow", "Keras": "keras", "JAX": "jax",
                "PyTorch and TensorFlow": "pytorch and tensorflow", "none of these": "none of these"}  # fmt: skip
    notes = {
        "TensorFlow": f" ({reproduced['tensorflow_counted']} + {STUDY_2020['tensorflow_offset']} by hand)"
    }
    if reproduced["unique_tools"] == reproduced["unique_real_tools"] + 1:
        notes["unique tools"] = f" ({reproduced['unique_real_tools']} + the empty string)"
    header = "| figure | 2020 study (published) | study's method re-run on its own file | ours (exact packages, code imports) |"
    lines = [header, "| --- | ---: | ---: | ---: |"]
    for figure, row in table.iterrows():
        published = "–" if pd.isna(row["study_published"]) else str(row["study_published"])
        rerun = (
            "–" if pd.isna(row["study_reproduced"]) else f"{row['study_reproduced']}{notes.get(figure, '')}"
        )
        ours = str(row["ours_exact"])
        if figure in share_of:
            ours += f" ({shares.get(share_of[figure], 0):.0%})"
        lines.append(f"| {labels.get(figure, figure)} | {published} | {rerun} | {ours} |")
    return "\n" + "\n".join(lines) + "\n"


def describe_methods_2020(frame: pd.DataFrame, reproduced: dict) -> str:
    """The README's paragraph on three ways to count PyTorch against TensorFlow, and on declaring."""
    methods = count_method_comparison(frame, reproduced)
    study, pdf, ours = (row for _, row in methods.iterrows())
    declared = count_declared_vs_imported(frame)
    by = count_declared_by(frame)
    ways = ", ".join(f"{label} {by[kind]}" for kind, label in DECLARED_BY.items() if by.get(kind, 0))
    text = (
        'A third method, framework names in the paper PDFs ("The State of Machine Learning Frameworks in 2019"), '
        f"gives {pdf['pytorch']} PyTorch-only vs {pdf['tensorflow']} TensorFlow-only papers "
        f"({pdf['pytorch_share']:.0%} PyTorch); our code imports give {ours['pytorch']} vs {ours['tensorflow']} "
        f"repositories ({ours['pytorch_share']:.0%}, `{MATCHED_PYTORCH_SHARE}`, the share the trend above sets "
        f"beside the PDF figures); the study's substrings {study['pytorch']} vs "
        f"{study['tensorflow']} repositories ({study['pytorch_share']:.0%}). Of the {declared['repositories']} "
        f"repositories, {declared['declare_any']} ({declared['declare_share']:.0%}) declare any runtime "
        f"dependency ({ways}), and {declared['import_undeclared']} of those import a package they never declare "
        f"({declared['import_undeclared_framework']} a framework)."
    )
    return as_paragraph(text)


def describe_requirements_files(frame: pd.DataFrame) -> str:
    """`89 of the 252`: recorded repositories (with Python code or not) holding a requirements file."""
    recorded = extract_targets(frame, ("ok", "no_python"))
    with_file = recorded["declared_by"].map(
        lambda cell: any("requirements" in item.rsplit(":", 1)[-1].split(",") for item in split_list(cell))
    )
    return f"{int(with_file.sum())} of the {len(recorded)}"


def describe_unresolved(frame: pd.DataFrame) -> str:
    """`161 names in 89 repositories`: imports no known distribution provides."""
    targets = extract_targets(frame)
    return (f"{len(count_unresolved_imports(frame))} names in {int((targets['unresolved_imports'] != '').sum())} "
            "repositories")  # fmt: skip


def describe_own_modules(frame: pd.DataFrame) -> str:
    """`TensorFlow 97 -> 99, ...`: the first version of the 2020 table against today's counts."""
    counts = count_frameworks(frame).set_index("framework")["count"]
    names = {"tensorflow": "TensorFlow", "keras": "Keras", "jax": "JAX"}
    return ", ".join(
        f"{names[fw]} {before} -> {counts.get(fw, 0)}" for fw, before in FIRST_TABLE_2020.items()
    )


def describe_checklist_2020(frame: pd.DataFrame, corrected: pd.DataFrame) -> str:
    """`dependencies 200 (82%; corrected: 83%, 67%-98%), ...`: the checklist items over the repositories with
    README texts (a range where an item is unknown), each raw share beside its corrected one
    (`compare_corrected_checklist`'s rows, in the same order)."""
    table = count_checklist(frame)
    assert len(CHECKLIST_WORDS) == len(CHECKLIST_ITEMS) == len(table) == len(corrected), (
        "a checklist item without its word"
    )
    parts = []
    for word, row, shown in zip(CHECKLIST_WORDS, table.itertuples(), corrected["corrected"], strict=True):
        raw = (
            f"{row.yes} ({row.at_least:.0%}"
            if row.at_least == row.at_most
            else f"{row.at_least:.0%}-{row.at_most:.0%} ("
        )
        parts.append(f"{word} {raw}; " + (shown if shown == NOT_CORRECTABLE else f"corrected: {shown}") + ")")
    return ", ".join(parts)


def describe_checklist_accuracy(accuracy: pd.DataFrame) -> str:
    """`95 NeurIPS 2019 repositories ... on the 47 held out: dependencies 41 (87%, 75-94%), ...`: how often the
    checklist rules agree with the checklist authors' labels, held out and over all (`checklist_accuracy.csv`)."""
    table = accuracy.assign(
        agree=accuracy["tp"] + accuracy["tn"], total=accuracy[["tp", "fp", "fn", "tn"]].sum(axis=1)
    )
    held = table[table["split"] == "holdout"].set_index("item").loc[list(CHECKLIST_ITEMS)]
    every = table.groupby("item")[["agree", "total"]].sum().loc[list(CHECKLIST_ITEMS)]
    if held["total"].nunique() != 1 or every["total"].nunique() != 1:
        raise ValueError("data/checklist_accuracy.csv: every item must count the same repositories per split; "
                         "rebuild it with `make data`")  # fmt: skip
    parts, bounds = [], {}
    for word, row in zip(CHECKLIST_WORDS, held.itertuples(), strict=True):
        share, low, high = estimate_share(int(row.agree), int(row.total), "sample")
        parts.append(f"{word} {row.agree} ({share:.0%}, " + f"{low:.0%}".removesuffix("%") + f"-{high:.0%})")
        bounds[word] = (share, low, high)
    overall = ", ".join(f"{row.agree / row.total:.0%}" for row in every.itertuples())
    lowest = min(bounds, key=lambda word: bounds[word][0])
    above = [word for word in CHECKLIST_WORDS if separate_intervals(*bounds[word][1:], *bounds[lowest][1:])]
    rest = [word for word in CHECKLIST_WORDS if word not in (lowest, *above)]
    verdict = (f"the lowest held out, {lowest}, lies below {format_list(above)} (95% intervals apart)"
               + (f" and does not differ detectably from {format_list(rest)}" if rest else "")
               if above else "no item's agreement differs detectably from another's (95% intervals overlap)")  # fmt: skip
    return (f"{int(every['total'].iloc[0])} NeurIPS 2019 repositories, split by a fixed seed before any rule was "
            f"changed, on the {int(held['total'].iloc[0])} held out (95% Wilson intervals): {', '.join(parts)}; "
            f"over all {int(every['total'].iloc[0])}: {overall}; {verdict}")  # fmt: skip


def describe_later_block(summary: pd.DataFrame) -> str:
    """The README's section on code released after the conference: per venue-year, the repositories read at a
    later commit, the median days after the conference, and PyTorch's and TensorFlow's shares under both rules."""
    later = summary[summary["rule"] != "first day only"]
    first_only = summary.loc[summary["rule"] == "first day only"]
    total, read = int(later["read_later"].sum()), int(later["repositories"].sum())
    rows = [
        (
            "| venue-year | with Python: first day -> with later code | read later | median days | PyTorch | "
            "TensorFlow |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in later.itertuples():
        days = f"{row.median_days:g}" if row.read_later else "-"
        rows.append(f"| {VENUE_NAMES[row.venue]} {row.year} | {row.first_day} -> {row.repositories} | "
                    f"{row.read_later} | {days} | {row.pytorch_first_day:.0%} -> {row.pytorch:.0%} | "
                    f"{row.tensorflow_first_day:.0%} -> {row.tensorflow:.0%} |")  # fmt: skip
    unread = format_list(
        [f"{VENUE_NAMES[v]} {y}" for v, y in zip(first_only["venue"], first_only["year"], strict=True)]
    )
    text = (
        'A repository that held no code on the conference\'s first day (a README saying "code coming soon") is '
        "read at its first later commit with code, within a year (`later_code_days`, 365 by default; 0 reads the "
        f"first day only). Over the recorded samples that adds {total} of the {read} repositories with Python; "
        "`days_after_conference` marks them in every dataset, and `trends.csv` keeps the first-day counts as "
        f"`pytorch:first_day` and so on. {unread or 'No venue-year'} has no later reads recorded: its counts "
        "stay first-day, and its `method` says so (`exact_first_day`)."
    )
    return "\n## Code released after the conference" + as_paragraph(text) + "\n" + "\n".join(rows) + "\n"


def describe_pdf_budget(years: pd.DataFrame, first: int = 2023, last: int = 2024) -> str:
    """How long the PDF pass of a whole ICLR year takes at OpenReview's request budget, from the accepted papers
    of two years (one PDF a request)."""
    papers = years.set_index("year")["accepted_papers"]
    hours = {year: int(papers.loc[year]) / OPENREVIEW_REQUESTS_PER_WINDOW for year in (first, last)}
    return (f"about {hours[first]:.1f} hours ({first}: {int(papers.loc[first]):,} accepted papers) to "
            f"{hours[last]:.1f} hours ({last}: {int(papers.loc[last]):,})")  # fmt: skip


def make_readme_blocks(data_dir: str | Path = DATA_DIR) -> dict[str, str]:
    """Every block of README.md written from the committed data."""
    frame = read_all_years(data_dir)[STUDY_YEAR]
    reproduced = read_study_figures(data_dir)
    return {
        "trend": describe_trend_block(read_trends(data_dir), read_years(data_dir, "iclr")),
        "venues": describe_venues_block(read_trends(data_dir), read_years(data_dir)),
        "pdf-budget": describe_pdf_budget(read_years(data_dir, "iclr")),
        "later": describe_later_block(
            summarize_later_reads(read_trends(data_dir), read_all_frames(data_dir))
        ),
        "iclr2020-numbers": describe_numbers_2020(frame),
        "iclr2020-table": format_table_2020(frame, reproduced),
        "iclr2020-requirements-files": describe_requirements_files(frame),
        "iclr2020-unresolved": describe_unresolved(frame),
        "iclr2020-own-modules": describe_own_modules(frame),
        "iclr2020-methods": describe_methods_2020(frame, reproduced),
        "iclr2020-checklist-with-readmes": str(int(count_checklist(frame)["n"].max())),
        "iclr2020-checklist-without-readmes": str(len(list_without_readmes(frame))),
        "iclr2020-checklist": describe_checklist_2020(
            frame, compare_corrected_checklist(read_trends(data_dir), read_checklist_accuracy(data_dir), 2020)
        ),
        "checklist-accuracy": describe_checklist_accuracy(read_checklist_accuracy(data_dir)),
    }


# -- data/README.md ----------------------------------------------------------------------------------------------


def format_files_table(
    years: pd.DataFrame, frames: dict[int, pd.DataFrame], venue_rows: list[str] = ()
) -> str:
    """data/README.md's table of files: each dataset with what it holds, years.csv, trends.csv, study2020.csv."""
    lines = ["| file | what |", "| --- | --- |"]
    sampled = years[years["method"] == "sample"]
    exact = years[years["method"] == "exact"].sort_values(
        "year", key=lambda y: y != STUDY_YEAR, kind="stable"
    )
    for row in exact.itertuples():  # the 2020 study's file first
        frame = frames[int(row.year)]
        path = Path(row.dataset).relative_to("data").as_posix()
        what = (f"{len(frame)} rows, {frame['forum_id'].nunique()} papers): the 2020 case study's file name"
                if int(row.year) == STUDY_YEAR else f"{row.accepted_papers}) and every GitHub link ({row.github_links})")  # fmt: skip
        lines.append(f"| `{path}` | ICLR {row.year}, every accepted paper ({what} |")
    if len(sampled):
        drawn = ", ".join(str(int(n)) for n in sampled["links_drawn"])
        pool = ", ".join(f"{int(n):,}" for n in sampled["github_links"])
        lines.append(f"| `years/iclr{{{','.join(str(y) for y in sampled['year'])}}}.csv` | the papers of a random "
                     f"sample of that year's GitHub links ({drawn} links drawn with Python's "
                     f"`random.Random(YEAR).sample` from {pool}) |")  # fmt: skip
    lines += list(venue_rows)
    lines += [
        (
            "| `years.csv` | one row per venue and year: `venue`, `method` (`exact` or `sample`; `links` where only "
            "the links are embedded), accepted papers, papers linking GitHub, GitHub links, links drawn and seed, "
            "repository targets, read, with Python; whether README texts, a paper list and author e-mail domains "
            "were recorded; where the links come from |"
        ),
        "| `trends.csv` | the tidy trend table (below) |",
        (
            "| `checklist_accuracy.csv` | the checklist rules against the labels the checklist's authors gave "
            "NeurIPS 2019 repositories (`../shared/checklist_neurips2019`, never copied here): per item (`has_*`) and "
            "split (`fit`: those the rules were tuned on; `holdout`: the others), the counts `tp`, `fp`, `fn`, "
            "`tn` and their `source`; the held-out counts correct the checklist's shares (`has_*:corrected`) |"
        ),
        (
            "| `study2020.csv` | the 2020 case study's figures (`figure,value`), its method re-run on its own file "
            "(`../shared/reference/article_all_tools.csv`, never copied here): the rendered notebook 02 shows them |"
        ),
    ]
    return "\n" + "\n".join(lines) + "\n"


def format_venue_rows(years: pd.DataFrame) -> list[str]:
    """data/README.md's rows for the other venues' link tables (`data/venues/`), one row per venue."""
    rows = []
    for venue, part in years[years["venue"] != "iclr"].groupby("venue", sort=False):
        links = ", ".join(f"{int(n):,}" for n in part["github_links"])
        sampled = part[part["method"] == "sample"]
        records = format_list([f"`years/{venue}{row.year}.csv` holds the papers of a random sample of {row.year}'s "
                               f"links ({row.links_drawn} drawn, {row.repositories_read} repositories recorded)"
                               for row in sampled.itertuples()]) or "no repository records"  # fmt: skip
        span = format_years(part["year"].tolist(), prose=True)
        rows.append(f"| `venues/{venue}{{YEAR}}_links.csv` | {VENUE_NAMES[venue]} {span}: every GitHub link "
                    f"its accepted papers quote ({links}), parsed into a repository target or a kind and "
                    f"reason; {records} |")  # fmt: skip
    return rows


def describe_partial_records(frames: dict[int, pd.DataFrame]) -> str:
    """`6 partial records ... (ICLR 2018: 1, ICLR 2020: 5)`: read targets without a commit."""
    counts = {}
    for year, frame in sorted(frames.items()):
        targets = extract_targets(frame, ("ok", "no_python"))
        if n := int((targets["commit"] == "").sum()):
            counts[year] = n
    per_year = ", ".join(f"ICLR {year}: {n}" for year, n in counts.items())
    return f"{sum(counts.values())} partial records built from stored single files ({per_year})"


def describe_readmes_known(years: pd.DataFrame) -> str:
    """`2019-2024 records and live runs: yes; the 2018 records: no`: the years whose README texts were recorded."""
    known = years.loc[years["readmes_known"].astype(str) == "True", "year"].tolist()
    unknown = [year for year in years["year"] if year not in known]
    return f"{format_years(known, prose=True)} records and live runs: yes" + (
        f"; the {format_years(unknown, prose=True)} records: no" if unknown else ""
    )


def format_attrition_table(frames: dict[tuple[str, int], pd.DataFrame]) -> str:
    """data/README.md's attrition table: per venue-year, targets, repaired, recorded, with Python, each reason."""
    header = ["venue-year", "GitHub targets", "repaired", "recorded", "with Python", *MISSING_REASONS]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for (venue, year), frame in sorted(frames.items()):
        counts = count_attrition(frame)
        lines.append(f"| {VENUE_NAMES[venue]} {year} | " + " | ".join(str(n) for n in counts.values()) + " |")
    return "\n" + "\n".join(lines) + "\n"


def describe_pdf_counts(counts: pd.DataFrame) -> str:
    """`ICLR 2023 counts the 1,565 papers whose PDFs the source read, not the 1,575 accepted; ...`: where ICLR's
    PDF-quote sharing counts over other papers than the accepted ones (`venues/iclr_pdf_counts.csv`)."""
    conference = counts[counts["track"] == "conference"]
    parts = [f"ICLR {row.year} counts the {int(row.papers):,} papers whose PDFs the source read, not the "
             f"{int(row.accepted_papers):,} accepted" for row in conference.itertuples()
             if int(row.papers) != int(row.accepted_papers)]  # fmt: skip
    for row in counts[counts["track"] != "conference"].itertuples():
        own = conference.loc[conference["year"] == row.year, "papers"]
        parts.append(f"ICLR {row.year} its {int(own.iloc[0]):,} conference papers, the {int(row.papers):,} of its "
                     f"{row.track.replace('_', ' ')} apart")  # fmt: skip
    return "; ".join(parts)


def describe_live_sample(years: pd.DataFrame, size: int = 200) -> str:
    """`` `200 of 2260 accepted papers, random.Random(2024)` ``: what a live run's `-p sample` writes, for the
    last ICLR year."""
    last = years.sort_values("year").iloc[-1]
    return f"`{size} of {int(last['accepted_papers'])} accepted papers, random.Random({int(last['year'])})`"


def make_data_readme_blocks(data_dir: str | Path = DATA_DIR) -> dict[str, str]:
    """Every block of data/README.md written from the committed data."""
    frames = read_all_years(data_dir)
    sample_2021 = frames[2021]["sample_of"].iloc[0] if 2021 in frames else ""
    years, every_venue = read_years(data_dir, "iclr"), read_years(data_dir)
    return {
        "years": f"{years['year'].min()}-{years['year'].max()}",
        "files": format_files_table(years, frames, format_venue_rows(every_venue)),
        "partial-records": describe_partial_records(frames),
        "sample-of-example": f"`{sample_2021}`",
        "live-sample-example": describe_live_sample(years),
        "pdf-counts": describe_pdf_counts(
            pd.read_csv(Path(data_dir) / "venues" / "iclr_pdf_counts.csv", dtype={"note": str})
        ),
        "readme-years": format_years(
            years.loc[years["readmes_known"].astype(str) == "True", "year"].tolist(), prose=True
        ),
        "readmes-known": describe_readmes_known(years),
        "attrition": format_attrition_table(read_all_frames(data_dir)),
    }


def write_readme_blocks(root: str | Path = ROOT) -> list[Path]:
    """Write README.md's and data/README.md's blocks from `root`'s data; the files that changed."""
    data_dir = Path(root) / "data"
    written = []
    for path, blocks in ((Path(root) / "README.md", make_readme_blocks(data_dir)),
                         (data_dir / "README.md", make_data_readme_blocks(data_dir))):  # fmt: skip
        if write_blocks(path, blocks):
            written.append(path)
    return written
