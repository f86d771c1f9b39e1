"""Stage 7, analysis: counts over the dataset (funnel, frameworks, tools, groups) and one-line takeaways."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .links import extract_targets
from .settings import VENUE_NAMES, format_list, format_years
from .stats import choose_places, estimate_share, separate_intervals
from .tools import BUILD_TOOLS, FRAMEWORKS
from .venues import name_venue_year

FETCHED_STATUSES = ("ok", "no_python", "later_unknown")  # a commit was read (with code or not)
MAIN_FRAMEWORKS = (
    "pytorch",
    "tensorflow",
    "keras",
    "jax",
)  # counted in every table, even where none imports them
BOTH, NEITHER = "pytorch and tensorflow", "none of these"  # `mark_frameworks`'s columns beside the frameworks
WEBMAIL_DOMAINS = {"gmail.com", "googlemail.com", "163.com", "126.com", "qq.com", "outlook.com", "hotmail.com",
                   "yahoo.com", "foxmail.com", "protonmail.com", "icloud.com", "live.com", "mail.com"}  # fmt: skip


def find_method(frame: pd.DataFrame) -> str:
    """`sample` when a dataset's rows are a random sample (its `sample_of` says of what), else `exact`."""
    return "sample" if "sample_of" in frame and (frame["sample_of"].astype(str) != "").any() else "exact"


def split_list(value: str) -> list[str]:
    """The items of a ';'-joined dataset cell."""
    return [item for item in str(value).split(";") if item]


def count_funnel(frame: pd.DataFrame) -> pd.DataFrame:
    """Papers at each step: accepted -> code link -> GitHub repository -> fetched -> with tools."""
    papers = frame.groupby("forum_id")
    has_tools = (frame["imported_tools"] != "") | (frame["declared_tools"] != "")
    steps = [
        ("accepted papers", frame["forum_id"].nunique(), ""),
        ("with a code link", papers["code_url"].apply(lambda s: (s != "").any()).sum(), "no link given"),
        ("with a GitHub repository", frame.loc[frame["repo"] != "", "forum_id"].nunique(),
         "link elsewhere (Drive, Dropbox, personal page, GitHub user page)"),
        ("repository fetched", frame.loc[frame["status"].isin(FETCHED_STATUSES), "forum_id"].nunique(),
         "repository gone or not reachable"),
        ("with Python tools", frame.loc[(frame["status"] == "ok") & has_tools, "forum_id"].nunique(),
         "no Python code, or only the standard library"),
    ]  # fmt: skip
    table = pd.DataFrame(steps, columns=["step", "papers", "lost_because"])
    table["lost"] = (-table["papers"].diff()).fillna(0).astype(int)
    table["share_of_accepted"] = (table["papers"] / table["papers"].iloc[0]).round(3)
    return table[["step", "papers", "lost", "share_of_accepted", "lost_because"]]


def count_link_sources(frame: pd.DataFrame) -> pd.DataFrame:
    """Code links and papers by where the link was found (code field, abstract, TL;DR, PDF, links table, recorded);
    a paper counts under each source that gave it a link."""
    if "link_source" not in frame.columns:
        return pd.DataFrame(columns=["source", "links", "papers"])
    links = frame[frame["code_url"].fillna("") != ""]
    table = links.groupby(links["link_source"].fillna("").replace("", "unknown")).agg(
        links=("code_url", "size"), papers=("forum_id", "nunique")
    )
    return table.sort_values("links", ascending=False).rename_axis("source").reset_index()


def count_statuses(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct repository targets by final status, with an example reason for each."""
    targets = extract_targets(frame, None)
    table = targets.groupby("status").agg(targets=("repo", "size"), example_reason=("reason", "first"))
    return table.sort_values("targets", ascending=False).reset_index()


def mark_frameworks(cells: pd.Series) -> pd.DataFrame:
    """Per ';'-joined `frameworks` cell, True or False: each framework (in FRAMEWORKS' order), both PyTorch
    and TensorFlow, and none of them.

    >>> marks = mark_frameworks(pd.Series(["pytorch;tensorflow", ""]))
    >>> marks[["pytorch", "jax", BOTH, NEITHER]].values.tolist()
    [[True, False, True, False], [False, False, False, True]]
    """
    found = cells.fillna("").astype(str).str.get_dummies(sep=";").astype(bool)
    marks = found.reindex(columns=FRAMEWORKS, fill_value=False).astype(bool)
    marks[BOTH] = marks["pytorch"] & marks["tensorflow"]
    marks[NEITHER] = ~found.any(axis=1)
    return marks


def count_frameworks(frame: pd.DataFrame, unit: str = "repository") -> pd.DataFrame:
    """Repositories (or papers) importing each framework, plus both PyTorch and TensorFlow, and none."""
    targets = extract_targets(frame)
    cells = (
        targets.groupby("forum_id")["frameworks"].agg(";".join) if unit == "paper" else targets["frameworks"]
    )
    counts = mark_frameworks(cells).sum()
    counts = counts[(counts > 0) | counts.index.isin([*MAIN_FRAMEWORKS, BOTH, NEITHER])]
    total = len(cells)
    table = pd.DataFrame({"framework": counts.index, "count": counts.to_numpy(dtype=int)})
    table["share"] = (table["count"] / max(total, 1)).round(3)
    method = find_method(frame)
    bounds = [estimate_share(count, total, method) for count in table["count"]]
    table["ci_low"] = [low for _, low, _ in bounds]
    table["ci_high"] = [high for _, _, high in bounds]
    table["n"] = total
    table["method"] = method
    return table


def count_one_framework(frame: pd.DataFrame) -> tuple[int, int]:
    """(PyTorch only, TensorFlow only): repositories with Python code importing exactly one of the two, as "The
    State of Machine Learning Frameworks" counts papers whose PDF mentions exactly one (both-framework items
    dropped)."""
    marks = mark_frameworks(extract_targets(frame)["frameworks"])
    pytorch, tensorflow = marks["pytorch"], marks["tensorflow"]
    return int((pytorch & ~tensorflow).sum()), int((tensorflow & ~pytorch).sum())


def count_tools(frame: pd.DataFrame, column: str = "imported_tools") -> pd.Series:
    """How many distinct repository targets name each tool in `column`, most common first."""
    targets = extract_targets(frame)
    counts = targets[column].map(split_list).explode().dropna().value_counts()
    counts = counts[~counts.index.isin(BUILD_TOOLS)]  # setup.py's setuptools is not a research tool
    return counts.rename_axis("tool").rename("repositories")


TOPIC_PATTERNS = {  # research topic -> regular expression over a paper's keywords
    "Reinforcement learning": r"reinforcement|\brl\b|policy|bandit|imitation|exploration",
    "Graphs": r"graph",
    "Generative models": r"generative|\bgan|variational|\bvae|autoencoder|normalizing flow|diffusion",
    "Robustness and adversarial": r"adversarial|robust|attack|certif",
    "Language": r"language|\bnlp\b|translation|bert|transformer|text|question answering",
    "Meta- and few-shot learning": r"meta|few-shot|few shot|continual|lifelong",
    "Optimization": r"optimi[sz]ation|\bsgd\b|gradient descent|convergence|learning rate",
    "Theory and generalization": r"theory|generalization|generalisation|\bntk\b|neural tangent|overparam",
    "Vision": r"vision|image|convolution|\bcnn\b|object|segmentation|video",
    "Self-supervised and representation": r"self-supervised|unsupervised|representation learning|contrastive",
}


def extract_topics(keywords: str) -> list[str]:
    """Coarse research topics of a paper from its keywords (several, or 'Other'; none without keywords)."""
    text = str(keywords).lower()
    if not text.strip():
        return []
    found = [topic for topic, pattern in TOPIC_PATTERNS.items() if re.search(pattern, text)]
    return found or ["Other"]


def extract_institution_domains(domains: str) -> list[str]:
    """Registered domains of a paper's authors (`cs.stanford.edu` -> `stanford.edu`), webmail left out."""
    from tld import get_fld

    found = set()
    for domain in split_list(domains.replace(" ", "")):
        registered = get_fld(domain, fix_protocol=True, fail_silently=True) or domain
        if registered not in WEBMAIL_DOMAINS:
            found.add(registered)
    return sorted(found)


def count_frameworks_by(frame: pd.DataFrame, by: str, top: int = 12, min_repos: int = 5) -> pd.DataFrame:
    """Share of repositories importing each main framework per group (`track`, `topic` or `domain`), with its 95%
    Wilson interval (`pytorch_ci_low`, `pytorch_ci_high`, ...: a group is a small sample of such papers). A
    repository with several topics or domains counts in each: `attrs` holds the repositories with a group
    (`repositories`) and the sum of every group's size (`group_sizes`), larger where the groups overlap."""
    targets = extract_targets(frame).copy()
    if by == "topic":
        targets["group"] = targets["keywords"].map(extract_topics)
    elif by == "domain":
        targets["group"] = targets["author_domains"].map(extract_institution_domains)
    else:
        targets["group"] = targets[by].map(lambda v: [v] if v == v and str(v) else [])  # an empty track: none
    targets = targets.explode("group").dropna(subset=["group"])
    rows = []
    for group, part in targets.groupby("group"):
        counts = mark_frameworks(part["frameworks"]).sum()
        row = {"group": group, "repositories": len(part)}
        for fw in MAIN_FRAMEWORKS:
            share, low, high = estimate_share(int(counts[fw]), len(part), "sample")
            row.update({fw: share, f"{fw}_ci_low": low, f"{fw}_ci_high": high})
        rows.append(row)
    columns = ["group", "repositories", *MAIN_FRAMEWORKS,
               *(f"{fw}_{end}" for fw in MAIN_FRAMEWORKS for end in ("ci_low", "ci_high"))]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    sizes = int(table["repositories"].sum())
    table = table[table["repositories"] >= min_repos]  # the `top` largest groups, ties by name (one answer)
    table = table.sort_values(["repositories", "group"], ascending=[False, True]).head(top)
    table = table.sort_values("group", key=lambda g: g == "Other", kind="stable").reset_index(drop=True)
    table.attrs = {"repositories": int(targets.index.nunique()), "group_sizes": sizes}
    return table


def describe_overlap(table: pd.DataFrame) -> str:
    """`The groups overlap: ...` where a repository counts in several of `count_frameworks_by`'s groups, else ''."""
    repositories, sizes = table.attrs.get("repositories", 0), table.attrs.get("group_sizes", 0)
    if sizes <= repositories:
        return ""
    return (f" The groups overlap: a repository counts in each of its groups, so their sizes sum to {sizes} over "
            f"the {repositories} repositories in any group.")  # fmt: skip


def describe_framework_lead(table: pd.DataFrame, framework: str, label: str) -> str:
    """One framework's sentence across groups: the group with the highest share (the largest of those tied, the
    others named) and the groups whose 95% Wilson intervals lie below its interval, each with its interval (one
    decimal where a bound apart would read as the same whole percent), or that the groups do not differ
    detectably (with their n)."""
    top = table.loc[table[framework].idxmax()]
    low, high = f"{framework}_ci_low", f"{framework}_ci_high"
    below = [row for _, row in table.iterrows() if row["group"] != top["group"]
             and separate_intervals(top[low], top[high], row[low], row[high])]  # fmt: skip
    sizes = table["repositories"]
    if not below:
        return (f"{label}'s share does not differ detectably between them (95% Wilson intervals overlap; "
                f"n = {sizes.min()} to {sizes.max()} repositories per group).")  # fmt: skip
    tied = [f"{row['group']} (n={row['repositories']})" for _, row in table.iterrows()
            if row["group"] != top["group"] and row[framework] == top[framework]]  # fmt: skip
    places = choose_places([(row[high], top[low]) for row in below])

    def show(row: pd.Series) -> str:
        return f"{row[low]:.{places}%}-{row[high]:.{places}%}, n={row['repositories']}"

    rest = len(table) - 1 - len(below) - len(tied)
    return (f"{label}'s share is highest in {top['group']}, {top[framework]:.0%} ({show(top)})"
            + (f", tied with {format_groups(tied)}" if tied else "")
            + f". {top['group']}'s 95% Wilson interval lies above {'that' if len(below) == 1 else 'those'} of "
            + format_groups([f"{row['group']} ({show(row)})" for row in below])
            + (f"; it does not differ detectably from the other {rest}" if rest else "") + ".")  # fmt: skip


def format_groups(groups: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + f" and {groups[-1]}"


def count_declared_vs_imported(frame: pd.DataFrame) -> dict:
    """How many repositories declare any dependency, and how many import a tool they never declare."""
    targets = extract_targets(frame)
    declaring = targets[targets["declares_dependencies"].astype(bool)]
    missing = declaring[declaring["undeclared_imports"] != ""]
    frameworks_missing = declaring[declaring.apply(
        lambda r: any(t in split_list(r["undeclared_imports"]) for t in ("torch", "tensorflow", "keras", "jax")),
        axis=1)] if len(declaring) else declaring  # fmt: skip
    return {
        "repositories": len(targets),
        "declare_any": len(declaring),
        "declare_share": round(len(declaring) / max(len(targets), 1), 3),
        "import_undeclared": len(missing),
        "import_undeclared_framework": len(frameworks_missing),
    }


def count_undeclared_tools(frame: pd.DataFrame) -> pd.Series:
    """Tools most often imported but not declared by repositories that do declare dependencies."""
    targets = extract_targets(frame)
    declaring = targets[targets["declares_dependencies"].astype(bool)]
    return (
        declaring["undeclared_imports"]
        .map(split_list)
        .explode()
        .dropna()
        .value_counts()
        .rename("repositories")
    )


def extract_paper_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-paper table a reader can filter: paper, track, repository, status, frameworks, tools."""
    columns = ["forum_id", "title", "track", "repo", "subdir", "status", "frameworks", "imported_tools",
               "declared_tools"]  # fmt: skip
    return frame[columns].copy()


def count_papers_by(frame: pd.DataFrame, column: str = "track") -> pd.Series:
    """Accepted papers per value of a paper column (`track`, `decision`)."""
    return frame.drop_duplicates("forum_id")[column].value_counts().rename("papers")


def count_link_kinds(frame: pd.DataFrame) -> pd.Series:
    """Dataset rows per code-link kind, papers without a link named 'no link'."""
    return frame["link_kind"].replace("", "no link").value_counts().rename("rows")


def extract_failed_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Repository targets whose tools could not be read, with status and reason."""
    targets = extract_targets(frame, None)
    return targets[targets["status"] != "ok"][["repo", "subdir", "status", "reason", "code_url"]]


def describe_funnel(funnel: pd.DataFrame) -> str:
    """A one-line takeaway from `count_funnel`."""
    last = funnel.iloc[-1]
    return (f"{last['papers']} of {funnel['papers'].iloc[0]} accepted papers ({last['share_of_accepted']:.0%}) "
            "link a repository whose Python tools we could read.")  # fmt: skip


def describe_tools(counts: pd.Series) -> str:
    """A one-line takeaway from `count_tools`."""
    if counts.empty:
        return "No third-party package is imported."
    return f"{len(counts)} distinct packages are imported; the most common: {', '.join(counts.index[:5])}."


def describe_frameworks_by(table: pd.DataFrame, by: str) -> str:
    """A takeaway from `count_frameworks_by`: per framework, the group with the highest share and the groups its
    95% Wilson interval lies above, or that the groups do not differ detectably; whether the groups overlap."""
    if table.empty:
        return f"No {by} group has enough repositories to compare."
    if len(table) == 1:
        return f"By {by}, one group has enough repositories ({table['group'].iloc[0]}): nothing to compare."
    sentences = [describe_framework_lead(table, fw, label) for fw, label in (("pytorch", "PyTorch"),
                                                                             ("tensorflow", "TensorFlow"))]  # fmt: skip
    return f"By {by} ({len(table)} groups): " + " ".join(sentences) + describe_overlap(table)


def describe_frameworks(counts: pd.DataFrame) -> str:
    """A one-line takeaway from `count_frameworks`."""
    share = counts.set_index("framework")["share"]
    return (
        f"PyTorch is imported by {share.get('pytorch', 0):.0%} of repositories, TensorFlow by "
        f"{share.get('tensorflow', 0):.0%}, standalone Keras by {share.get('keras', 0):.0%} and JAX by "
        f"{share.get('jax', 0):.0%}; {share.get('pytorch and tensorflow', 0):.0%} import both."
    )


CHECKLIST_ITEMS = {  # dataset column -> the checklist item's name in tables and charts
    "has_dependencies": "dependencies specified",
    "has_training_code": "training code",
    "has_evaluation_code": "evaluation code",
    "has_pretrained_models": "pre-trained models",
    "has_results": "results (shown or reproducible)",
}


def split_checklist_targets(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The fetched repository targets (Python or not) the checklist is counted over, and the targets (`owner/name`
    or `owner/name/folder`) left out because their README texts were not recorded (none where a year recorded no
    README texts at all)."""
    targets = extract_targets(frame, FETCHED_STATUSES)
    if "readmes_known" not in targets:
        return targets, []
    known = targets["readmes_known"].fillna(False).astype(bool)
    if not known.any():  # no README texts this year (2018): every target, items the files do not show unknown
        return targets, []
    missing = targets[~known]
    names = [
        f"{repo}/{subdir}".rstrip("/")
        for repo, subdir in zip(missing["repo"], missing["subdir"], strict=True)
    ]
    return targets[known].reset_index(drop=True), sorted(names)


def count_checklist(frame: pd.DataFrame) -> pd.DataFrame:
    """Per checklist item: repositories where it holds and where it does not, over the fetched repositories with
    README texts (where a year recorded none, `unknown` counts what the files alone do not show, and `at_least`
    and `at_most` bound the share of all `n` repositories)."""
    targets, _ = split_checklist_targets(frame)
    rows = []
    for column, item in CHECKLIST_ITEMS.items():
        values = targets[column].astype("boolean")
        yes, no, unknown = int(values.eq(True).sum()), int(values.eq(False).sum()), int(values.isna().sum())
        n = yes + no + unknown
        rows.append({"item": item, "yes": yes, "no": no, "unknown": unknown, "n": n,
                     "at_least": round(yes / n, 3) if n else None,
                     "at_most": round((yes + unknown) / n, 3) if n else None})  # fmt: skip
    return pd.DataFrame(rows)


def list_without_readmes(frame: pd.DataFrame) -> list[str]:
    """The fetched repositories whose README texts were not recorded, in a year that recorded them for others."""
    return split_checklist_targets(frame)[1]


def count_declared_by(frame: pd.DataFrame) -> pd.Series:
    """Repositories declaring at least one name in each way (requirements, environment, setup, readme, ...)."""
    targets = extract_targets(frame)
    kinds = targets["declared_by"].map(
        lambda cell: {by for item in split_list(cell) for by in item.rsplit(":", 1)[-1].split(",")}
    )
    return kinds.explode().dropna().value_counts().rename_axis("declared by").rename("repositories")


def count_unresolved_imports(frame: pd.DataFrame) -> pd.Series:
    """Top-level imports no distribution provides and no repository file explains, by repositories."""
    targets = extract_targets(frame)
    names = targets["unresolved_imports"].map(split_list).explode().dropna()
    return names.value_counts().rename_axis("import").rename("repositories")


def describe_checklist(table: pd.DataFrame, without_readmes: list[str] | tuple = ()) -> str:
    """A one-line takeaway from `count_checklist`: counts and shares, or ranges where README texts are unknown, and
    the repositories left out for want of README texts."""
    if not len(table) or not table["n"].max():
        return "No repository was read, so no checklist item can be scored."
    parts = []
    for row in table.itertuples():
        share = (
            f"{row.yes} ({row.at_least:.0%})"
            if row.at_least == row.at_most
            else f"{row.at_least:.0%}-{row.at_most:.0%}"
        )
        parts.append(f"{row.item} {share}")
    n = int(table["n"].max()) if len(table) else 0
    unknown = (
        " (a range: README texts are not recorded for this year)" if (table["unknown"] > 0).any() else ""
    )
    text = f"Of {n} repositories: " + ", ".join(parts) + unknown + "."
    if without_readmes:
        text += (
            f" Left out, their README texts not recorded: {len(without_readmes)} repositories ("
            + ", ".join(without_readmes)
            + ")."
        )
    return text


IMPORT_RULE = (
    "A repository counts for a framework when its code imports the framework's top-level module (`import torch`); "
    "the repository's own modules are excluded as Python 3 resolves them, and `tf.keras` is TensorFlow."
)


def name_frame(frame: pd.DataFrame, year: int) -> str:
    """The venue-year a dataset holds, as a reader writes it ("ICLR 2020": a file without a `venue` column is
    ICLR's)."""
    venue = str(frame["venue"].iloc[0]) if "venue" in frame and len(frame) else "iclr"
    return name_venue_year(venue, year)


def describe_findings(frame: pd.DataFrame, year: int) -> str:
    """The findings of one year in a few lines: n, the main frameworks with intervals, what counts as an import."""
    counts = count_frameworks(frame).set_index("framework")
    n = int(counts["n"].iloc[0]) if len(counts) else 0
    method = find_method(frame)
    sample = frame["sample_of"].iloc[0] if method == "sample" and "sample_of" in frame else ""

    def show(framework: str, label: str) -> str:
        row = counts.loc[framework]
        interval = f", 95% CI {row['ci_low']:.0%}-{row['ci_high']:.0%}" if method == "sample" else ""
        return f"{label} {int(row['count'])} ({row['share']:.0%}{interval})"

    if not n:
        return (
            f"{name_frame(frame, year)}: no repository with Python code was read, so no framework is counted."
        )
    names = [("pytorch", "PyTorch"), ("tensorflow", "TensorFlow"), ("keras", "Keras"), ("jax", "JAX")]
    lines = [
        f"{name_frame(frame, year)}: n = {n} repositories with Python code"
        + (
            f", from a random sample ({sample}); intervals are 95% Wilson intervals"
            if sample
            else " (every one)"
        ),
        "Import " + "; ".join(show(fw, label) for fw, label in names if fw in counts.index) + ".",
        IMPORT_RULE,
    ]
    return "\n".join(lines)


def describe_coverage(frame: pd.DataFrame, year: int) -> str:
    """What a year's dataset holds and what it does not (said, rather than shown as zeros)."""
    papers = frame.drop_duplicates("forum_id")
    targets = extract_targets(frame, None)
    sample = str(frame["sample_of"].iloc[0]) if "sample_of" in frame and len(frame) else ""
    only_linked = "venue" in frame and not (frame["status"] == "no_code").any()
    whole = (
        "the papers that quote GitHub (their list names no other)" if only_linked else "every accepted paper"
    )
    lines = [
        f"{name_frame(frame, year)}: {len(papers)} papers, {len(targets)} GitHub repository targets"
        + (f"; a random sample: {sample}." if sample else f"; {whole} and code link.")
    ]
    if len(targets) and not targets["status"].isin(["ok", "no_python", "missing"]).any():
        lines.append(f"No repository was read: {targets['reason'].iloc[0]}. Frameworks, tools and the checklist "
                     "below need the repositories, so they show nothing.")  # fmt: skip
    if sample:
        lines.append("The funnel below covers the sampled papers only; shares carry 95% Wilson intervals.")
    missing = {
        "author e-mail domains (affiliation charts)": (papers["author_domains"] == "").all(),
        "keywords (topic charts)": (papers["keywords"] == "").all(),
        "README texts (README-declared dependencies, results tables)": "readmes_known" in targets
        and not targets["readmes_known"].fillna(False).astype(bool).any(),
    }
    absent = [what for what, is_missing in missing.items() if is_missing]
    if absent:
        lines.append("Not recorded for this year, so not shown: " + "; ".join(absent) + ".")
    return "\n".join(lines)


def select_later_reads(frame: pd.DataFrame) -> pd.DataFrame:
    """The repositories with Python read at a later commit (code released after the conference) as a group: repo,
    days after the conference, the commit read and its frameworks, soonest first."""
    targets = extract_targets(frame)
    if not len(targets) or "days_after_conference" not in targets:
        return pd.DataFrame(columns=["repo", "subdir", "days_after_conference", "read_at", "frameworks"])
    days = pd.to_numeric(targets["days_after_conference"].astype("string").replace("", pd.NA))
    later = targets[days.notna().to_numpy()].assign(
        days_after_conference=days[days.notna()].astype(int).to_numpy()
    )
    columns = ["repo", "subdir", "days_after_conference", "read_at", "frameworks"]
    return later.sort_values(["days_after_conference", "repo"])[columns].reset_index(drop=True)


def describe_later_reads(frame: pd.DataFrame, name: str) -> str:
    """A sentence on the repositories read at a later commit: how many, the median days after the conference,
    and PyTorch's share with and without them (the first day alone)."""
    targets, later = extract_targets(frame), select_later_reads(frame)
    empty = extract_targets(frame, ("no_python",))
    unchecked = int((~empty["reason"].astype(str).str.contains(";")).sum())  # no later read was looked for
    if not len(later) and unchecked:
        return (f"{name}: read on the conference's first day only; {unchecked} repositories without code then "
                "were not read later (no later reads are recorded for it).")  # fmt: skip
    if not len(later):
        return f"{name}: all {len(targets)} repositories with Python held code on the conference's first day."
    first_day = targets[
        ~targets["repo"].isin(later["repo"]) | (targets["days_after_conference"].astype(str) == "")
    ]
    shares = [mark_frameworks(group["frameworks"])["pytorch"].mean() for group in (first_day, targets)]
    return (
        f"{name}: {len(later)} of the {len(targets)} repositories with Python held no code on the conference's "
        f"first day and are read at their first later commit with code, a median of "
        f"{later['days_after_conference'].median():g} days after it. PyTorch's share is {shares[1]:.0%} with "
        f"them and {shares[0]:.0%} on the first day alone (n={len(first_day)})."
    )


def format_estimate(row: pd.Series | dict, venue_year: bool = True, places: int = 0) -> str:
    """One venue-year's share as a reader reads it: "NeurIPS 2021 70% (95% CI 56%-81%, n=53)", exact rows
    "ICLR 2020 68% (exact, n=245)" (`places` decimals, where whole percents would look equal)."""
    name = f"{name_venue_year(row['venue'], int(row['year']))} " if venue_year else ""
    if row["method"] == "sample":
        return (f"{name}{row['share']:.{places}%} (95% CI {row['ci_low']:.{places}%}-{row['ci_high']:.{places}%}, "
                f"n={int(row['n']):,})")  # fmt: skip
    return f"{name}{row['share']:.{places}%} (exact, n={int(row['n']):,})"


def describe_venue_difference(rows: pd.DataFrame, label: str) -> str:
    """One sentence comparing the venues' shares of one measure in one year: two venues are called different only
    where their 95% intervals (an exact row's: its share) lie apart, shown with one decimal where the two bounds
    would read as the same whole percent; otherwise they do not differ detectably, with each n."""
    rows = rows.sort_values("share", ascending=False).to_dict("records")
    pairs = [(high, low) for i, high in enumerate(rows) for low in rows[i + 1:]
             if separate_intervals(high["ci_low"], high["ci_high"], low["ci_low"], low["ci_high"])]  # fmt: skip
    places = choose_places([(low["ci_high"], high["ci_low"]) for high, low in pairs])
    shown = format_list([format_estimate(row, places=places) for row in rows])
    apart = [f"{name_venue_year(high['venue'], int(high['year']))} is higher than "
             f"{name_venue_year(low['venue'], int(low['year']))}" for high, low in pairs]  # fmt: skip
    why = (
        "their 95% intervals do not overlap" if any(r["method"] == "sample" for r in rows) else "exact counts"
    )
    if not apart:
        together = "the two do" if len(rows) == 2 else "they do"
        return f"{label}: {shown}; {together} not differ detectably (their 95% intervals overlap)."
    rest = (
        ""
        if len(apart) == len(rows) * (len(rows) - 1) // 2
        else "; the other pairs do not differ detectably (their intervals overlap)"
    )
    return f"{label}: {shown}; {format_list(apart)} ({why}){rest}."


def describe_venue_differences(trends: pd.DataFrame, measures: dict[str, str]) -> str:
    """One sentence per measure and year that two or more venues share (rows with n > 0), from `trends.csv`."""
    sentences = []
    for measure, label in measures.items():
        rows = trends[(trends["measure"] == measure) & (trends["n"] > 0)]
        for year, part in rows.groupby("year"):
            if part["venue"].nunique() > 1:
                sentences.append(describe_venue_difference(part, f"{label}, {year}"))
    return "\n".join(sentences) or "No year has this measure for two venues."


def describe_venue_years(years: pd.DataFrame) -> str:
    """Which venue-years' repositories are read (from `years.csv`), how, and which have their code links only."""
    read = years[years["repositories_with_python"].astype(int) > 0]
    parts = []
    for venue in dict.fromkeys(years["venue"]):
        rows = read[read["venue"] == venue]
        if len(rows):
            exact = [int(y) for y in rows.loc[~rows["method"].eq("sample"), "year"]]
            whole = f" ({format_years(exact, prose=True)} whole, the others random samples of code links)"
            parts.append(f"{VENUE_NAMES[venue]} {format_years([int(y) for y in rows['year']], prose=True)}"
                         + (whole if exact and len(exact) < len(rows) else ""))  # fmt: skip
    links = years[years["repositories_with_python"].astype(int) == 0]
    only = format_list([f"{VENUE_NAMES[v]} {format_years([int(y) for y in rows['year']], prose=True)}"
                        for v, rows in links.groupby("venue", sort=False)])  # fmt: skip
    text = f"Repositories are read for {'; '.join(parts)}: {len(read)} venue-years."
    return text + (f" Code links only (code sharing, no repository read): {only}." if only else "")


def count_venue_tools(years: pd.DataFrame, data_dir: str | Path, top: int = 10) -> pd.DataFrame:
    """The `top` most imported tools per venue, its read venue-years pooled (each repository once per year): rank x
    venue, "numpy 83%" (share of the pooled repositories with Python); the column says which years and n."""
    from .years import read_venue_year

    columns = {}
    read = years[years["repositories_with_python"].astype(int) > 0]
    for venue in dict.fromkeys(read["venue"]):
        picked = [int(y) for y in read.loc[read["venue"] == venue, "year"]]
        frames = [read_venue_year(venue, year, "", data_dir) for year in picked]
        n = sum(len(extract_targets(frame)) for frame in frames)
        counts = pd.concat([count_tools(frame) for frame in frames]).groupby(level=0).sum()
        counts = counts.reset_index().sort_values(["repositories", "tool"], ascending=[False, True])
        counts = counts.set_index("tool")["repositories"].head(top)
        name = f"{VENUE_NAMES[venue]} ({format_years(picked, prose=True)}, n={n:,})"
        columns[name] = [f"{tool} {count / n:.0%}" for tool, count in counts.items()]
    table = pd.DataFrame({name: pd.Series(cells) for name, cells in columns.items()}).fillna("")
    table.index = range(1, len(table) + 1)
    return table.rename_axis("rank")


# Why a repository target of a venue-year has no Python read: one list of reasons, in this order (issue 27).
MISSING_REASONS = (
    "no repository completes the link",  # a cut link no repository of its owner repairs (repairs.tsv)
    "no public copy",  # gone: deleted, renamed, private or never published
    "too large to record here",
    "not a valid name",
    "not a repository",  # a GitHub user or organisation page
    "no code within a year",  # status no_python, after the later-code rule
    "history not recorded",  # status later_unknown
    "no code on the first day, later not read",  # status no_python where no later read was looked for (2018)
    "not read here",  # status not_fetched: a venue-year whose links alone are embedded
    "fetch failed (a rerun tries again)",  # a live run's error, rate limit or timeout: its `reason` says which
)


def classify_missing(status: str, reason: str, repo: str, repair_reason: str = "") -> str:
    """The MISSING_REASONS entry of a target without Python code read ('' for one with Python); a target not
    found whose quoted name was looked up among its owner's repositories (`repair_reason`) is a link no
    repository completes."""
    if status == "ok":
        return ""
    by_status = {
        "no_python": MISSING_REASONS[5],
        "later_unknown": MISSING_REASONS[6],
        "user_link": MISSING_REASONS[4],
        "not_fetched": MISSING_REASONS[8],
    }
    if (
        status == "no_python" and ";" not in reason
    ):  # the first day's read alone: whether code came is unknown
        return MISSING_REASONS[7]
    if status in by_status:
        return by_status[status]
    if reason.startswith("too large"):
        return MISSING_REASONS[2]
    if "not a valid" in reason:
        return MISSING_REASONS[3]
    if reason.startswith("not found"):
        return MISSING_REASONS[0] if repair_reason else MISSING_REASONS[1]
    return MISSING_REASONS[9]


def count_attrition(frame: pd.DataFrame) -> dict[str, int]:
    """One venue-year's attrition: GitHub targets, repaired links, recorded, with Python, and each missing reason
    (a link no repository completes: not found, its `repair_reason` saying the owner's repositories were looked
    up). A repaired target is one whose link a rule repaired (`repaired_by`)."""
    targets = extract_targets(frame.fillna({"repo": ""}), None)
    repaired = targets.get("repaired_by", pd.Series("", index=targets.index)).fillna("").astype(str)
    counts = {
        "targets": len(targets),
        "repaired": int((repaired != "").sum()),
        "recorded": int(targets["status"].isin(FETCHED_STATUSES).sum()),
        "with_python": int((targets["status"] == "ok").sum()),
    }
    targets = targets.assign(repair_reason=targets.get("repair_reason", pd.Series("", index=targets.index)))
    reasons = [classify_missing(str(row.status), str(row.reason or ""), str(row.repo), str(row.repair_reason or ""))
               for row in targets.fillna({"reason": "", "repair_reason": ""}).itertuples()]  # fmt: skip
    counts |= {reason: reasons.count(reason) for reason in MISSING_REASONS}
    return counts


def tabulate_attrition(frame: pd.DataFrame) -> pd.DataFrame:
    """`count_attrition` as a two-column table (step or reason, repositories) a notebook shows."""
    counts = count_attrition(frame)
    return pd.DataFrame({"step or reason": list(counts), "repository targets": list(counts.values())})
