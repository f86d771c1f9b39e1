"""Stage 7, analysis across years: one tidy table of shares per year, exact or estimated with a Wilson interval.

A year recorded whole gives exact counts (`ci_low = ci_high = share`); a year recorded as a random sample of its
code links gives an estimate with a 95% Wilson interval (scipy's `binomtest(...).proportion_ci`). The interval
ignores the finite population (the sample is drawn without replacement from a few hundred links), so it errs
wide.

The checklist's items are counted by rules (`has_*`, the raw share); each has a `has_*:corrected` row beside it:
the same count and n, the share corrected for the rules' sensitivity and specificity on the labelled repositories
held out (`data/checklist_accuracy.csv`) with Rogan-Gladen and a bootstrap interval (`stats.py`), or no share
where it is not correctable.

>>> estimate_share(37, 51, "sample")
(0.725, 0.591, 0.829)
"""

from __future__ import annotations

import pandas as pd

from .analysis import (
    BOTH,
    CHECKLIST_ITEMS,
    NEITHER,
    count_one_framework,
    count_tools,
    count_unresolved_imports,
    extract_targets,
    mark_frameworks,
    split_checklist_targets,
)
from .settings import VENUES, check_venue
from .stats import estimate_corrected_share, estimate_rates, estimate_share
from .venues import PDF_SHARING, split_pdf_sharing, split_sharing_by_track

MATCHED_PYTORCH_SHARE = "pytorch_only_share_of_one_framework"  # ours on that source's definition
TREND_COLUMNS = ["venue", "year", "measure", "count", "n", "share", "ci_low", "ci_high", "method", "universe"]
WITH_PYTHON = "repositories with Python code"
UNIVERSES = {  # a measure (its name before any ':') -> what its `n` counts, the `universe` column
    **dict.fromkeys(["pytorch", "tensorflow", "keras", "jax", "pytorch_and_tensorflow", "none", "tool",
                     "declares_dependencies", "read_later"], WITH_PYTHON),
    "pytorch_share_of_pytorch_or_tensorflow": "repositories importing PyTorch or TensorFlow (or both)",
    MATCHED_PYTORCH_SHARE: "repositories importing exactly one of PyTorch and TensorFlow",
    "readme_declares_dependencies": "repositories with Python code and README texts",
    **dict.fromkeys(["has_dependencies", "has_training_code", "has_evaluation_code", "has_pretrained_models",
                     "has_results"], "repositories read (any language) with README texts"),
    "code_sharing": "accepted papers",
    "code_sharing_pdf_quotes": "papers whose PDF the source read",
}  # fmt: skip
FRAMEWORK_MEASURES = {
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "jax": "jax",
    "pytorch_and_tensorflow": BOTH,
    "none": NEITHER,
}  # measure -> `mark_frameworks` column
CHECKLIST_MEASURES = ["has_dependencies", "has_training_code", "has_evaluation_code", "has_pretrained_models",
                      "has_results"]  # fmt: skip
# "The State of Machine Learning Frameworks" (The Gradient): PyTorch's share of papers whose PDF mentions
# PyTorch or TensorFlow only (../shared/reference/README.md).
PDF_MENTION_PYTORCH_SHARE = {2018: 0.228, 2019: 0.50, 2020: 0.64, 2021: 0.777, 2022: 0.84}
SMALL_N = 30  # points from fewer repositories than this are marked on the charts
CORRECTED = ":corrected"  # `has_<item>:corrected`: a raw checklist share corrected for the rules' error
CORRECTED_METHOD = "rogan-gladen"  # the method of a corrected row; or NOT_CORRECTABLE, with no share
NOT_CORRECTABLE = "not correctable"
CORRECTION_SPLIT = "holdout"  # the labelled repositories no rule was tuned on (data/checklist_accuracy.csv)
FIRST_DAY = "_first_day"  # a method's suffix where a venue-year's repositories are read on the first day only


def name_universe(measure: str) -> str:
    """What a measure's `n` counts (`has_training_code:corrected` as `has_training_code`; a `:first_day`
    measure's repositories are those read on the conference's first day; a `code_sharing:{track}` one's papers
    are the track's).

    >>> name_universe("pytorch:first_day")
    'repositories with Python code, read on the first day'
    """
    base, _, suffix = measure.partition(":")
    if base not in UNIVERSES:
        raise ValueError(
            f"trend measure {measure!r} has no universe: name what its n counts in trends.UNIVERSES"
        )
    universe = UNIVERSES[base]
    if suffix == "first_day":
        return universe + ", read on the first day"
    if base.startswith("code_sharing") and suffix:
        return f"{universe} of the {suffix.replace('_', ' ')}"
    return universe


def make_trend_row(year: int, measure: str, count: int, n: int, method: str, venue: str = "iclr") -> dict:
    """One row of the trends table, its `universe` naming what `n` counts."""
    share, low, high = estimate_share(count, n, method)
    return {"venue": venue, "year": year, "measure": measure, "count": count, "n": n, "share": share, "ci_low": low,
            "ci_high": high, "method": method, "universe": name_universe(measure)}  # fmt: skip


def count_year_measures(
    year: int, frame: pd.DataFrame, facts: dict, top_tools: list[str], venue: str = "iclr"
) -> list[dict]:
    """The trend rows of one venue-year: frameworks, declaring, the checklist, code sharing, the top tools, and the
    frameworks on the conference's first day alone (`pytorch:first_day`), without code released later."""
    method = facts["method"]
    targets = extract_targets(frame)  # repository targets whose code was read and holds Python
    marks = mark_frameworks(targets["frameworks"])
    n = len(targets)
    rows = [make_trend_row(year, measure, int(marks[column].sum()), n, method, venue)
            for measure, column in FRAMEWORK_MEASURES.items()]  # fmt: skip
    either = int((marks["pytorch"] | marks["tensorflow"]).sum())
    pytorch = int(marks["pytorch"].sum())
    rows.append(
        make_trend_row(year, "pytorch_share_of_pytorch_or_tensorflow", pytorch, either, method, venue)
    )
    only, other = count_one_framework(frame)  # as "The State of ML Frameworks" counts PDFs
    rows.append(make_trend_row(year, MATCHED_PYTORCH_SHARE, only, only + other, method, venue))
    rows.append(
        make_trend_row(
            year, "declares_dependencies", int(targets["declares_dependencies"].sum()), n, method, venue
        )
    )
    known = targets[targets["readmes_known"].fillna(False).astype(bool)]
    if len(known):
        count = int(known["readme_declares_dependencies"].fillna(False).astype(bool).sum())
        rows.append(make_trend_row(year, "readme_declares_dependencies", count, len(known), method, venue))
        rows += count_checklist_measures(year, frame, method, venue)
    sharing = int(facts["papers_with_github_link"])
    rows.append(make_trend_row(year, "code_sharing", sharing, int(facts["accepted_papers"]), "exact", venue))
    tools = count_tools(frame)
    rows += [
        make_trend_row(year, f"tool:{tool}", int(tools.get(tool, 0)), n, method, venue) for tool in top_tools
    ]
    rows += count_first_day_measures(year, frame, method, venue)
    return label_first_day(rows, facts)


def count_checklist_measures(year: int, frame: pd.DataFrame, method: str, venue: str = "iclr") -> list[dict]:
    """The checklist's raw rows over `count_checklist`'s repositories (every one read, any language, with README
    texts): the same count and n as notebook 02 and the README."""
    checked, _ = split_checklist_targets(frame)
    rows = []
    for column in CHECKLIST_MEASURES:
        values = checked[column].astype("boolean")
        count, n = int(values.eq(True).sum()), int(values.notna().sum())
        rows.append(make_trend_row(year, column, count, n, method, venue))
    return rows


def find_days_after(frame: pd.DataFrame) -> pd.Series:
    """A dataset's `days_after_conference` as numbers (NaN for a first-day read), from a CSV or a fresh frame."""
    if "days_after_conference" not in frame:
        return pd.Series(float("nan"), index=frame.index)
    column = frame["days_after_conference"].astype("string").replace("", pd.NA)
    return pd.to_numeric(column).astype("Float64").astype(float)


def count_first_day_measures(year: int, frame: pd.DataFrame, method: str, venue: str = "iclr") -> list[dict]:
    """The framework measures on the conference's first day alone (`pytorch:first_day`: the repositories whose
    code was there then), and `read_later`: the repositories with Python read at a later commit, of all of them."""
    targets = extract_targets(frame)
    later = find_days_after(targets).notna() if len(targets) else pd.Series(dtype=bool)
    first_day = targets[~later] if len(targets) else targets
    marks = mark_frameworks(first_day["frameworks"])
    rows = [make_trend_row(year, f"{measure}:first_day", int(marks[column].sum()), len(first_day), method, venue)
            for measure, column in FRAMEWORK_MEASURES.items()]  # fmt: skip
    rows.append(make_trend_row(year, "read_later", int(later.sum()), len(targets), method, venue))
    return rows


def label_first_day(rows: list[dict], facts: dict) -> list[dict]:
    """Trend rows whose repositories were read on the first day only (a recorded venue-year without later reads,
    `later_reads` empty in years.csv) say so in `method` (`exact_first_day`); code sharing is no repository's."""
    if str(facts.get("later_reads", "")) != "":
        return rows
    return [row if row["measure"].startswith("code_sharing") else {**row, "method": row["method"] + FIRST_DAY}
            for row in rows]  # fmt: skip


def find_top_tools(frames: dict[int, pd.DataFrame], top: int = 12) -> list[str]:
    """The tools among the `top` most imported of any year (their shares are compared across years)."""
    found: list[str] = []
    for frame in frames.values():
        shares = count_tools(frame) / max(len(extract_targets(frame)), 1)
        found += [tool for tool in shares.head(top).index if tool not in found]
    return sorted(found)


def count_trends(
    frames: dict[int, pd.DataFrame],
    years: pd.DataFrame,
    top: int = 12,
    venue_links: dict[tuple[str, int], pd.DataFrame] | None = None,
    venue_samples: dict[tuple[str, int], pd.DataFrame] | None = None,
    iclr_pdf: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The tidy trends table: one row per venue, year and measure with count, n, share and its interval; ICLR's
    years from their datasets (and `iclr_pdf`, their code sharing on the PDF-quote method), then NeurIPS's and
    ICML's code sharing from their link tables (on that method, twice: `code_sharing` and
    `code_sharing_pdf_quotes`) and, where a sample of their repositories is embedded, its measures."""
    iclr = years[years["venue"] == "iclr"] if "venue" in years.columns else years
    facts = {int(row["year"]): row for row in iclr.to_dict("records")}
    top_tools = find_top_tools(frames, top)
    rows = [
        row
        for year in sorted(frames)
        for row in count_year_measures(year, frames[year], facts[year], top_tools)
    ]
    rows += count_iclr_pdf_sharing(iclr_pdf)
    every = {(row["venue"], int(row["year"])): row for row in years.to_dict("records")}
    samples = venue_samples or {}
    for venue in VENUES[1:]:
        for key in sorted(key for key in venue_links or {} if key[0] == venue):
            papers = int(every[key]["accepted_papers"])
            tracks = split_sharing_by_track(venue, key[1], venue_links[key], papers)
            rows += [describe_listed_universe(make_trend_row(key[1], measure, count, n, "exact", venue), tracks, papers)
                     for measure, count, n in tracks]  # fmt: skip
            pdf = split_pdf_sharing(venue, key[1], venue_links[key], papers)
            rows += [describe_listed_universe(make_trend_row(key[1], measure, count, n, "exact", venue), pdf, papers)
                     for measure, count, n in pdf]  # fmt: skip
            if (
                key in samples
            ):  # its repositories, from a recorded sample (its code sharing is the links' above)
                measures = count_year_measures(key[1], samples[key], every[key], top_tools, venue)
                rows += [row for row in measures if row["measure"] != "code_sharing"]
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


LISTED_NOTE = " (here the "  # a row whose n differs from its measure's universe says how, after this


def describe_listed_universe(row: dict, tracks: list[tuple[str, int, int]], papers_read: int) -> dict:
    """A code-sharing row of a list split by track: where the tracks' papers are those listed (their sum over the
    papers read, the unread papers' track unknown), its `universe` says so."""
    listed = sum(n for _, _, n in tracks)
    if len(tracks) < 2 or listed == papers_read:
        return row
    track = row["measure"].partition(":")[2].replace("_", " ") or "main conference"
    return {**row, "universe": f"{row['universe']}{LISTED_NOTE}papers listed in the {track}: {listed:,} listed in "
            f"all tracks, {papers_read:,} read, the track of the {listed - papers_read:,} unread not known)"}  # fmt: skip


def count_iclr_pdf_sharing(iclr_pdf: pd.DataFrame | None) -> list[dict]:
    """ICLR's trend rows on the PDF-quote method (`iclr_pdf_counts.csv`'s rows): `code_sharing_pdf_quotes` for
    the conference, `code_sharing_pdf_quotes:{track}` for a track apart; exact, every paper read."""
    if iclr_pdf is None:
        return []
    return [make_trend_row(int(row.year), PDF_SHARING + ("" if row.track == "conference" else f":{row.track}"),
                           int(row.papers_quoting_github), int(row.papers), "exact")
            for row in iclr_pdf.itertuples()]  # fmt: skip


def count_unresolved_across_years(frames: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every year's unresolved imports: per name, the repositories importing it (summed over years) and the
    years, most used first; the coverage a reviewed import table is measured by."""
    found: dict[str, dict] = {}
    for year in sorted(frames):
        for name, count in count_unresolved_imports(frames[year]).items():
            entry = found.setdefault(str(name), {"import": str(name), "repositories": 0, "years": []})
            entry["repositories"] += int(count)
            entry["years"].append(str(year))
    table = pd.DataFrame(list(found.values()), columns=["import", "repositories", "years"])
    table["years"] = table["years"].map(";".join)
    return table.sort_values(["repositories", "import"], ascending=[False, True], ignore_index=True)


def pivot_measure(trends: pd.DataFrame, measure: str, venue: str = "iclr") -> pd.DataFrame:
    """One measure's rows of one venue, by year."""
    return trends[(trends["measure"] == measure) & (trends["venue"] == venue)].set_index("year")


def compare_venues(trends: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Year x venue table of one measure's shares (%), with each cell's count and n, and its 95% interval where
    it is estimated from a sample: "40.4% (1,295/3,206)", "76.5% (13/17; 95% CI 53%-90%)"."""
    rows = trends[trends["measure"] == measure]
    cells = rows.assign(cell=[f"{row.share:.1%} ({row.count:,}/{row.n:,}" + (
        f"; 95% CI {row.ci_low:.0%}-{row.ci_high:.0%})" if row.method == "sample" else ")") for row in rows.itertuples()])  # fmt: skip
    table = cells.pivot(index="year", columns="venue", values="cell").fillna("")
    return table[[venue for venue in VENUES if venue in table.columns]]


def select_venue(trends: pd.DataFrame, venue: str) -> pd.DataFrame:
    """The trend rows of one venue."""
    return trends[trends["venue"] == check_venue(venue)].reset_index(drop=True)


def rank_tools(trends: pd.DataFrame) -> pd.DataFrame:
    """Year x tool table of shares, tools ordered by how much their share rose from first to last year; `attrs`
    holds the 95% intervals (`ci_low`, `ci_high`: {year: {tool: bound}}) and the sampled years (`sampled`)."""
    tools = trends[trends["measure"].str.startswith("tool:")].copy()
    tools["tool"] = tools["measure"].str.removeprefix("tool:")
    table = tools.pivot(index="tool", columns="year", values="share")
    rise = table[table.columns[-1]] - table[table.columns[0]]
    table = table.loc[rise.sort_values(ascending=False).index]
    table.attrs = {
        bound: tools.pivot(index="tool", columns="year", values=bound).to_dict()
        for bound in ("ci_low", "ci_high")
    }
    table.attrs["sampled"] = sorted(int(y) for y in tools.loc[tools["method"] == "sample", "year"].unique())
    return table


def describe_trends(trends: pd.DataFrame) -> str:
    """A one-line takeaway: PyTorch and TensorFlow from the first to the last year, with intervals."""
    pytorch, tensorflow = pivot_measure(trends, "pytorch"), pivot_measure(trends, "tensorflow")
    first, last = pytorch.index.min(), pytorch.index.max()

    def show(table: pd.DataFrame, year: int) -> str:
        row = table.loc[year]
        interval = "" if row["method"] != "sample" else f" [{row['ci_low']:.0%}-{row['ci_high']:.0%}]"
        return f"{row['share']:.0%}{interval} (n={row['n']})"

    return (f"PyTorch: {show(pytorch, first)} of repositories in {first}, {show(pytorch, last)} in {last}; "
            f"TensorFlow: {show(tensorflow, first)} -> {show(tensorflow, last)}.")  # fmt: skip


def select_confusion(accuracy: pd.DataFrame, split: str = CORRECTION_SPLIT) -> dict[str, dict[str, int]]:
    """Per checklist item, the rules' confusion counts (tp, fp, fn, tn) on one split of the labelled set."""
    rows = accuracy[accuracy["split"] == split]
    missing = sorted(set(CHECKLIST_MEASURES) - set(rows["item"]))
    if missing:
        raise ValueError(
            f"the checklist accuracy table has no {split} counts for {', '.join(missing)}: run `make data`"
        )
    return {
        row["item"]: {key: int(row[key]) for key in ("tp", "fp", "fn", "tn")}
        for row in rows.to_dict("records")
    }


def make_corrected_row(row: dict, confusion: dict[str, int]) -> dict:
    """The `has_<item>:corrected` row of a raw checklist row: its count and n kept, the share corrected with the
    rules' confusion counts (Rogan-Gladen, 95% bootstrap interval), or no share where it is not correctable."""
    estimate = estimate_corrected_share(int(row["count"]), int(row["n"]), confusion)
    share, low, high = estimate or (float("nan"),) * 3
    method = CORRECTED_METHOD if estimate else NOT_CORRECTABLE
    return {**row, "measure": row["measure"] + CORRECTED, "share": share, "ci_low": low, "ci_high": high,
            "method": method}  # fmt: skip


def add_corrected_checklist(trends: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    """The trends table with a `has_<item>:corrected` row after every raw checklist row (the raw rows kept as they
    are), corrected with the rules' counts on the held-out labelled repositories."""
    confusion = select_confusion(accuracy)
    rows = []
    for row in trends.to_dict("records"):
        rows.append(row)
        if row["measure"] in CHECKLIST_MEASURES and int(row["n"]) > 0:
            rows.append(make_corrected_row(row, confusion[row["measure"]]))
    return pd.DataFrame(rows, columns=trends.columns)


def is_unbounded(row: pd.Series | dict) -> bool:
    """Whether a corrected row's 95% interval spans every share (0 to 1), so its point says nothing."""
    return row["ci_low"] <= 0 and row["ci_high"] >= 1


def format_corrected(row: pd.Series | dict) -> str:
    """A `has_<item>:corrected` row as a reader reads it: `83%, 67%-98%`; `unbounded, 0%-100%` where its 95%
    interval spans every share, so its point says nothing; or `not correctable`.

    >>> format_corrected({"share": 1.0, "ci_low": 0.0, "ci_high": 1.0, "method": CORRECTED_METHOD})
    'unbounded, 0%-100%'
    """
    if row["method"] != CORRECTED_METHOD:
        return NOT_CORRECTABLE
    if is_unbounded(row):
        return "unbounded, 0%-100%"
    return f"{row['share']:.0%}, {row['ci_low']:.0%}-{row['ci_high']:.0%}"


def compare_corrected_checklist(
    trends: pd.DataFrame, accuracy: pd.DataFrame, year: int, venue: str = "iclr"
) -> pd.DataFrame:
    """One venue-year's checklist, item by item: the raw count, n and share; the rules' sensitivity and
    specificity on the held-out labelled repositories (with how many positives and negatives they rest on); the
    corrected share and its 95% interval, or "not correctable" (empty where the year has no checklist)."""
    confusion = select_confusion(accuracy)
    rows = trends[(trends["venue"] == check_venue(venue)) & (trends["year"] == year)].set_index("measure")
    table = []
    for measure in (m for m in CHECKLIST_MEASURES if m + CORRECTED in rows.index):
        raw, corrected, counts = rows.loc[measure], rows.loc[measure + CORRECTED], confusion[measure]
        sensitivity, specificity = estimate_rates(counts)
        shown = format_corrected(corrected)
        table.append({"item": CHECKLIST_ITEMS[measure], "count": int(raw["count"]), "n": int(raw["n"]),
                      "raw_share": raw["share"], "sensitivity": round(sensitivity, 3),
                      "positives": counts["tp"] + counts["fn"], "specificity": round(specificity, 3),
                      "negatives": counts["tn"] + counts["fp"], "corrected_share": None if is_unbounded(corrected) else corrected["share"],
                      "ci_low": corrected["ci_low"], "ci_high": corrected["ci_high"], "corrected": shown})  # fmt: skip
    columns = ["item", "count", "n", "raw_share", "sensitivity", "positives", "specificity", "negatives",
               "corrected_share", "ci_low", "ci_high", "corrected"]  # fmt: skip
    return pd.DataFrame(table, columns=columns)


def summarize_later_reads(trends: pd.DataFrame, frames: dict[tuple[str, int], pd.DataFrame]) -> pd.DataFrame:
    """Per venue-year with repositories: how many with Python were read at a later commit (code released after
    the conference), the median days after it, and PyTorch's and TensorFlow's shares under both rules (first day
    alone, and with code released later); `rule` says which years had no later reads recorded."""
    rows = []
    for (venue, year), frame in sorted(frames.items()):
        days = find_days_after(extract_targets(frame)).dropna()
        chosen = trends[(trends["venue"] == venue) & (trends["year"] == year)].set_index("measure")
        if "pytorch" not in chosen.index:
            continue
        row = {"venue": venue, "year": year, "repositories": int(chosen.loc["pytorch", "n"]),
               "first_day": int(chosen.loc["pytorch:first_day", "n"]), "read_later": len(days),
               "median_days": float(days.median()) if len(days) else float("nan"),
               "rule": "first day only" if chosen.loc["pytorch", "method"].endswith(FIRST_DAY) else "code released later"}  # fmt: skip
        for measure in ("pytorch", "tensorflow"):
            row[f"{measure}_first_day"] = chosen.loc[f"{measure}:first_day", "share"]
            row[measure] = chosen.loc[measure, "share"]
        rows.append(row)
    return pd.DataFrame(rows)
