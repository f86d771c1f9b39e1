"""Stage 8, charts: every chart has a title, labelled axes and n; `save_figure` writes it as a PNG too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import describe_overlap
from .settings import format_years

FRAMEWORK_COLORS = {"pytorch": "#EE4C2C", "tensorflow": "#FF9900", "keras": "#8B0000", "jax": "#4285F4"}
PNG_METADATA = {"Software": None}  # no "Matplotlib version...": a PNG's bytes depend on the chart alone


def save_figure(figure: Any, path: str | Path | None) -> Any:
    """Save a matplotlib figure as a PNG (when `path` is given) and return it."""
    import matplotlib.pyplot as plt

    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(figure)  # shown once, as the cell's value, not again by the inline backend
    return figure


def setup_style() -> None:
    """A clean seaborn style for talk-ready charts; in a notebook, charts shown as PNGs without metadata too."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.05)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in IPython: nothing is shown inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("png", metadata=PNG_METADATA)


def plot_funnel(funnel: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Horizontal bars of papers at each step of the coverage funnel."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.6))
    bars = axes.barh(funnel["step"][::-1], funnel["papers"][::-1], color="#4C72B0")
    axes.bar_label(bars, padding=3)
    axes.margins(x=0.12)
    axes.set(title=title, xlabel="papers", ylabel="")
    return save_figure(figure, path)


def plot_frameworks(counts: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Bars of the share of repositories importing each framework."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 0.5 * len(counts) + 1))
    colors = [FRAMEWORK_COLORS.get(fw, "#8C8C8C") for fw in counts["framework"]]
    bars = axes.barh(counts["framework"][::-1], counts["share"][::-1] * 100, color=colors[::-1])
    labels = [
        f"{n} ({share:.0%})" for n, share in zip(counts["count"][::-1], counts["share"][::-1], strict=True)
    ]
    if "method" in counts and (counts["method"] == "sample").any():  # 95% Wilson intervals of a sample
        low = (counts["share"] - counts["ci_low"])[::-1] * 100
        high = (counts["ci_high"] - counts["share"])[::-1] * 100
        axes.errorbar(counts["share"][::-1] * 100, range(len(counts)), xerr=[low, high], fmt="none", ecolor="#333333",
                      capsize=3, label="95% interval (a sample)")  # fmt: skip
        axes.legend(loc="lower right")
    axes.bar_label(bars, labels=labels, padding=3)
    axes.margins(x=0.15)
    n = f" (n={int(counts['n'].iloc[0])} repositories)" if "n" in counts and len(counts) else ""
    axes.set(title=title + n, xlabel="% of repositories importing it", ylabel="framework")
    return save_figure(figure, path)


def check_top_n(top_n: int) -> int:
    """`top_n` if it is a number of tools to chart (1 or more), else a ValueError saying what to give.

    >>> check_top_n(25)
    25
    """
    if not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 1:
        raise ValueError(
            f"top_n={top_n!r}: give how many tools the top-tools chart shows, 1 or more (25 by default)"
        )
    return top_n


def plot_top_tools(counts: pd.Series, top_n: int, title: str, path: str | Path | None = None) -> Any:
    """Seaborn bar chart of the `top_n` most used tools."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    top = counts.head(check_top_n(top_n)).reset_index()
    top.columns = ["tool", "repositories"]
    figure, axes = plt.subplots(figsize=(8, max(3, 0.32 * len(top))))
    palette = [FRAMEWORK_COLORS.get({"torch": "pytorch"}.get(t, t), "#4C72B0") for t in top["tool"]]
    sns.barplot(data=top, x="repositories", y="tool", hue="tool", palette=palette, legend=False, ax=axes)
    axes.set(title=title, xlabel="repositories using the tool", ylabel="PyPI package")
    return save_figure(figure, path)


def plot_wordcloud(counts: pd.Series, title: str, path: str | Path | None = None) -> Any:
    """A word cloud of tools sized by the number of repositories using them."""
    import matplotlib.pyplot as plt
    from wordcloud import WordCloud

    cloud = WordCloud(width=1200, height=600, background_color="white", colormap="Dark2", random_state=0)
    cloud.generate_from_frequencies({str(k): int(v) for k, v in counts.items() if v > 0} or {"none": 1})
    figure, axes = plt.subplots(figsize=(10, 5))
    axes.imshow(cloud, interpolation="bilinear")
    axes.set_axis_off()
    axes.set_title(title)
    return save_figure(figure, path)


def plot_frameworks_by(table: pd.DataFrame, title: str, ylabel: str, path: str | Path | None = None) -> Any:
    """Grouped bars: share of repositories importing each framework per group (n beside the group), with 95%
    Wilson intervals as error bars; a note under the chart where the groups overlap."""
    import matplotlib.pyplot as plt
    import numpy as np

    frameworks = [fw for fw in ("pytorch", "tensorflow", "keras", "jax") if fw in table]
    figure, axes = plt.subplots(figsize=(9, max(3, 0.75 * len(table) + 1.2)))
    axes.set(title=title, xlabel="% of repositories importing the framework (bars: 95% Wilson intervals)",
             ylabel=ylabel)  # fmt: skip
    if table.empty:
        axes.text(
            0.5, 0.5, "no group with enough repositories", ha="center", va="center", transform=axes.transAxes
        )
        return save_figure(figure, path)
    height = 0.8 / len(frameworks)
    positions = np.arange(len(table))
    for index, fw in enumerate(frameworks):
        share = table[fw] * 100
        errors = [share - table[f"{fw}_ci_low"] * 100, table[f"{fw}_ci_high"] * 100 - share]
        axes.barh(positions - 0.4 + height * (index + 0.5), share, height=height, xerr=errors, label=fw,
                  color=FRAMEWORK_COLORS[fw], error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8})  # fmt: skip
    axes.set_yticks(
        positions, [f"{g} (n={n})" for g, n in zip(table["group"], table["repositories"], strict=True)]
    )
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="framework")
    overlap = describe_overlap(table).strip()
    if overlap:
        axes.annotate(overlap, (0, -0.06 - 0.6 / len(table)), xycoords="axes fraction", fontsize=8,
                      color="#555555", va="top")  # fmt: skip
    return save_figure(figure, path)


def plot_study_comparison(table: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Grouped bars of the 2020 study's published figures beside ours."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows = table[table["figure"].isin(["PyTorch", "TensorFlow", "Keras", "JAX"])]
    long = rows.melt(id_vars="figure", value_vars=["study_published", "ours_exact"], var_name="method",
                     value_name="repositories").dropna()  # fmt: skip
    long["method"] = long["method"].map(
        {"study_published": "2020 study (substring)", "ours_exact": "ours (imports)"}
    )
    figure, axes = plt.subplots(figsize=(8, 4))
    sns.barplot(
        data=long, x="figure", y="repositories", hue="method", ax=axes, palette=["#BBBBBB", "#4C72B0"]
    )
    for container in axes.containers:
        axes.bar_label(container, padding=2)
    axes.margins(y=0.15)
    axes.set(title=title, xlabel="framework", ylabel="repositories")
    return save_figure(figure, path)


def plot_checklist(table: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Stacked bars per checklist item: yes, no, and unknown (README texts not recorded), with n."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 0.55 * len(table) + 1.4))
    left = pd.Series(0, index=table.index, dtype=float)
    for column, color in (("yes", "#4C72B0"), ("no", "#DD8452"), ("unknown", "#CCCCCC")):
        if column == "unknown" and not table[column].any():  # every item decided: no empty legend entry
            continue
        bars = axes.barh(table["item"][::-1], table[column][::-1], left=left[::-1], color=color, label=column)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in table[column][::-1]], label_type="center")
        left += table[column]
    n = int((table["yes"] + table["no"] + table["unknown"]).max())
    axes.set(title=f"{title} (n={n} repositories)", xlabel="repositories", ylabel="")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=True)
    return save_figure(figure, path)


TREND_COLORS = {**FRAMEWORK_COLORS, "pytorch_and_tensorflow": "#6A3D9A", "none": "#8C8C8C"}


def plot_trend_lines(
    trends: pd.DataFrame, measures: dict[str, str], title: str, ylabel: str, axes: Any, plain: tuple = ()
) -> None:
    """Lines of shares by year with 95% interval bands; points from small samples hollow, n under each year."""
    from .trends import SMALL_N

    for measure, label in measures.items():
        rows = trends[trends["measure"] == measure].sort_values("year")
        if rows.empty:
            continue
        color = TREND_COLORS.get(measure, None)
        style = {"linestyle": "--", "linewidth": 1.2} if measure in plain else {}
        line = axes.plot(rows["year"], rows["share"] * 100, marker="o", label=label, color=color, **style)[0]
        if measure not in plain:  # `plain` lines carry no band, to keep the chart readable
            axes.fill_between(rows["year"], rows["ci_low"] * 100, rows["ci_high"] * 100, alpha=0.15,
                              color=line.get_color())  # fmt: skip
        small = rows[rows["n"] < SMALL_N]
        axes.scatter(small["year"], small["share"] * 100, s=90, facecolors="white", edgecolors=line.get_color(),
                     zorder=3)  # fmt: skip
    years = sorted(trends["year"].unique())
    first = trends[trends["measure"] == next(iter(measures))].set_index("year")
    axes.set_xticks(years, [f"{y}\nn={first.loc[y, 'n']}" if y in first.index else str(y) for y in years])
    universe = first["universe"].iloc[0] if "universe" in first and len(first) else ""
    axes.set(title=title, ylabel=ylabel, xlabel=f"n: {universe}" if universe else "")
    axes.set_ylim(bottom=0)


def plot_framework_trends(trends: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Share of repositories importing each framework per year, with 95% interval bands for sampled years."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    measures = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "keras": "Keras (standalone)", "jax": "JAX",
                "pytorch_and_tensorflow": "both PyTorch and TensorFlow", "none": "none of these"}  # fmt: skip
    plot_trend_lines(trends, measures, title, "% of repositories with Python code", axes,
                     plain=("pytorch_and_tensorflow", "none"))  # fmt: skip
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="imports")
    add_sampling_note(axes, trends)
    return save_figure(figure, path)


def add_sampling_note(axes: Any, trends: pd.DataFrame) -> None:
    """A footnote on which years are samples (bands: 95% Wilson intervals; hollow points: n < 30)."""
    frameworks = trends[trends["measure"] == "pytorch"]
    sampled = sorted(frameworks.loc[frameworks["method"] == "sample", "year"].unique())
    exact = sorted(frameworks.loc[frameworks["method"].str.startswith("exact"), "year"].unique())
    first_day = sorted(frameworks.loc[frameworks["method"].str.endswith("_first_day"), "year"].unique())
    note = (f"exact: {', '.join(map(str, exact))}; random samples of code links: {', '.join(map(str, sampled))} "
            "(bands: 95% Wilson intervals, ignoring the finite population; hollow points: n < 30)")  # fmt: skip
    if first_day:  # no later reads recorded: code released after the conference is missing there
        note += f"\ncode as on the conference's first day only: {', '.join(map(str, first_day))}"
    axes.annotate(note, (0, -0.2), xycoords="axes fraction", fontsize=8, color="#555555", va="top")


def plot_pytorch_share(trends: pd.DataFrame, pdf_mentions: dict[int, float], title: str,
                       path: str | Path | None = None) -> Any:  # fmt: skip
    """PyTorch's share on the definition of "The State of Machine Learning Frameworks" (PyTorch-only over
    PyTorch-only + TensorFlow-only, both-framework items dropped): our repositories with 95% intervals beside
    its paper PDFs."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    label = "code imports (ours): repositories importing\nPyTorch only / PyTorch only or TensorFlow only"
    plot_trend_lines(trends, {"pytorch_only_share_of_one_framework": label}, title,
                     "PyTorch-only % of one-framework items", axes)  # fmt: skip
    years = sorted(pdf_mentions)
    axes.plot(years, [pdf_mentions[y] * 100 for y in years], marker="s", linestyle="--", color="#555555",
              label="paper PDFs mentioning one framework only\n(The State of ML Frameworks, The Gradient)")  # fmt: skip
    axes.axhline(50, color="#BBBBBB", linewidth=1)
    axes.set_ylim(0, 100)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="both: items with both frameworks dropped",
                title_fontsize=9, fontsize=9)  # fmt: skip
    add_sampling_note(axes, trends)
    return save_figure(figure, path)


def plot_rate_trends(trends: pd.DataFrame, measures: dict[str, str], title: str, ylabel: str,
                     path: str | Path | None = None) -> Any:  # fmt: skip
    """Any shares by year (code sharing, declaring dependencies, checklist items), with interval bands."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    plot_trend_lines(trends, measures, title, ylabel, axes)
    axes.set_ylim(0, 100)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    add_sampling_note(axes, trends)
    return save_figure(figure, path)


VENUE_COLORS = {"iclr": "#2C7BB6", "neurips": "#D7191C", "icml": "#1A9641"}
VENUE_LABELS = {"iclr": "ICLR", "neurips": "NeurIPS", "icml": "ICML"}


def plot_venue_sharing(
    trends: pd.DataFrame, years: pd.DataFrame, title: str, path: str | Path | None = None
) -> Any:
    """Code sharing by venue and year on one method (papers whose PDF quotes a GitHub repository, of the papers
    read), ICLR's own sources as a second, dashed series with a mark wherever its source changes, tracks apart
    as points of their own; n under the years, the legend and the sources below the chart."""
    import matplotlib.pyplot as plt

    from .venues import PDF_SHARING

    figure, (axes, foot) = plt.subplots(2, 1, figsize=(10, 8.2), height_ratios=[3.2, 1], layout="constrained")
    for venue, color in VENUE_COLORS.items():
        rows = trends[(trends["venue"] == venue) & (trends["measure"] == PDF_SHARING)].sort_values("year")
        axes.plot(rows["year"], rows["share"] * 100, marker="o", color=color,
                  label=f"{VENUE_LABELS[venue]}: PDF quotes (one method)")  # fmt: skip
    own = trends[(trends["venue"] == "iclr") & (trends["measure"] == "code_sharing")].sort_values("year")
    axes.plot(own["year"], own["share"] * 100, marker="s", linestyle="--", color=VENUE_COLORS["iclr"],
              markerfacecolor="white", label="ICLR: its own sources (n: accepted papers)")  # fmt: skip
    sources = years[years["venue"] == "iclr"].set_index("year")["link_source"]
    changes = [
        year
        for before, year in zip(own["year"].iloc[:-1], own["year"].iloc[1:], strict=True)
        if sources[year] != sources[before]
    ]
    for year in changes:
        axes.axvline(year - 0.5, color=VENUE_COLORS["iclr"], linestyle=":", linewidth=1)
    axes.plot([], [], color=VENUE_COLORS["iclr"], linestyle=":", linewidth=1,
              label="ICLR's own source changes")  # fmt: skip
    for row in trends[trends["measure"].str.startswith(PDF_SHARING + ":")].itertuples():
        axes.scatter([row.year], [row.share * 100], marker="D", s=45, color=VENUE_COLORS[row.venue], zorder=3,
                     label=f"{VENUE_LABELS[row.venue]} {row.year}: {row.measure.split(':', 1)[1].replace('_', ' ')} "
                     f"(n={row.n:,}, apart)")  # fmt: skip
    axes.set(title=title, xlabel="", ylabel="% of papers quoting a GitHub repository")
    axes.set_ylim(0, 100)
    pdf = trends[trends["measure"] == PDF_SHARING].set_index(["year", "venue"])["n"]
    accepted = own.set_index("year")["n"]
    ticks = sorted({year for year, _ in pdf.index})
    labels = [f"{year}\n" + "\n".join(f"{VENUE_LABELS[v]} n={pdf[(year, v)]:,}" for v in VENUE_COLORS if (year, v) in pdf.index)
              + (f"\n(ICLR own {accepted[year]:,})" if year in accepted and accepted[year] != pdf.get((year, "iclr")) else "")
              for year in ticks]  # fmt: skip
    axes.set_xticks(ticks, labels)
    axes.tick_params(axis="x", labelsize=8)
    foot.set_axis_off()
    foot.legend(*axes.get_legend_handles_labels(), loc="upper center", ncol=2, fontsize=9,
                title="n: papers read (PDF quotes); ICLR's own sources: accepted papers", title_fontsize=9)  # fmt: skip
    spans = sources.groupby(sources, sort=False).apply(
        lambda part: format_years([int(y) for y in part.index])
    )
    note = ("PDF quotes: papers whose PDF quotes a GitHub repository, of the papers whose PDF was read (every venue, "
            "every year). ICLR's own sources: " + "; ".join(f"{span}: {source}" for source, span in spans.items()))  # fmt: skip
    foot.text(0, 0, note, transform=foot.transAxes, fontsize=7, color="#555555", va="bottom", wrap=True)
    return save_figure(figure, path)


def label_tool_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The heat map's cell texts: the share in %, and under it the 95% interval in a sampled year (`rank_tools`'s
    `attrs`), e.g. "12" or "12\n(6-23)"."""
    low, high = table.attrs.get("ci_low", {}), table.attrs.get("ci_high", {})
    sampled = set(table.attrs.get("sampled", ()))
    labels = pd.DataFrame({year: [f"{share * 100:.0f}" for share in table[year]] for year in table.columns},
                          index=table.index)  # fmt: skip
    for year in (y for y in table.columns if y in sampled and y in low):
        labels[year] = [f"{share * 100:.0f}\n({low[year][tool] * 100:.0f}-{high[year][tool] * 100:.0f})"
                        for tool, share in table[year].items()]  # fmt: skip
    return labels


def plot_tool_heatmap(
    table: pd.DataFrame, n_by_year: dict, title: str, path: str | Path | None = None
) -> Any:
    """Heat map: share of repositories importing each top tool per year, fastest risers first, n per year; in a
    sampled year each cell gives its 95% Wilson interval under the share."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    labels = label_tool_cells(table)
    sampled = [y for y in table.columns if y in set(table.attrs.get("sampled", ()))]
    figure, axes = plt.subplots(figsize=(11, (0.62 if sampled else 0.38) * len(table) + 1.5))
    sns.heatmap(table * 100, annot=labels, fmt="", cmap="Blues", cbar_kws={"label": "% of repositories"}, ax=axes,
                annot_kws={"fontsize": 8})  # fmt: skip
    ticks = [f"{year}\nn={n_by_year.get(year, '?')}" + ("\nsample" if year in sampled else "\nexact" if sampled else "")
             for year in table.columns]  # fmt: skip
    axes.set_xticklabels(ticks, rotation=0)
    axes.set(title=title, xlabel="", ylabel="tool (fastest rising first)")
    if sampled:
        axes.annotate("cells: % of repositories; in a sampled year, its 95% Wilson interval below (ignoring the "
                      "finite population)", (0, 0), xycoords="axes fraction", xytext=(0, -58),
                      textcoords="offset points", fontsize=8, color="#555555", va="top")  # fmt: skip
    return save_figure(figure, path)


def plot_venue_measures(
    trends: pd.DataFrame, measures: dict[str, str], title: str, path: str | Path | None = None
) -> Any:
    """One panel per measure: each venue's share by year with its 95% Wilson interval (exact years: a point), the
    venues side by side, n per venue-year under the years; the legend below the panels."""
    import matplotlib.pyplot as plt

    rows = trends[trends["measure"].isin(list(measures)) & (trends["n"] > 0)]
    figure, panels = plt.subplots(len(measures), 1, figsize=(10, 2.6 * len(measures) + 1.2), sharex=True,
                                  squeeze=False, layout="constrained")  # fmt: skip
    offsets = dict(zip(VENUE_COLORS, (-0.18, 0.0, 0.18), strict=True))
    for axes, (measure, label) in zip(panels[:, 0], measures.items(), strict=True):
        for venue, color in VENUE_COLORS.items():
            part = rows[(rows["measure"] == measure) & (rows["venue"] == venue)].sort_values("year")
            if part.empty:
                continue
            share, low, high = part["share"] * 100, part["ci_low"] * 100, part["ci_high"] * 100
            axes.errorbar(part["year"] + offsets[venue], share, yerr=[share - low, high - share], color=color,
                          marker="o", linestyle=":", linewidth=1, capsize=3, label=VENUE_LABELS[venue])  # fmt: skip
        axes.set(title=label, ylabel="% of repositories")
        axes.set_ylim(0, 100)
    first = rows[rows["measure"] == next(iter(measures))]
    n = first.set_index(["year", "venue"])["n"]
    ticks = sorted(first["year"].unique())
    panels[-1, 0].set_xticks(ticks, [f"{year}\n" + "\n".join(f"{VENUE_LABELS[v]} n={n[(year, v)]:,}"
                             for v in VENUE_COLORS if (year, v) in n.index) for year in ticks])  # fmt: skip
    panels[-1, 0].tick_params(axis="x", labelsize=8)
    figure.suptitle(title)
    handles, labels = panels[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=3, title="venue (bars: 95% Wilson intervals "
                  "of a sample; exact years: a point; n: repositories with Python code)")  # fmt: skip
    return save_figure(figure, path)


def show_heading(text: str, level: int = 2) -> Any:
    """A notebook heading written from the data ("## ICML 2021: coverage"), shown as Markdown."""
    from IPython.display import Markdown

    return Markdown(f"{'#' * level} {text}")
