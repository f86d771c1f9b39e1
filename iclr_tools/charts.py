"""Stage 8, charts: every chart has a title, labelled axes and n; `save_figure` writes it as a PNG too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FRAMEWORK_COLORS = {"pytorch": "#EE4C2C", "tensorflow": "#FF9900", "keras": "#8B0000", "jax": "#4285F4"}


def save_figure(figure: Any, path: str | Path | None) -> Any:
    """Save a matplotlib figure as a PNG (when `path` is given) and return it."""
    import matplotlib.pyplot as plt

    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)  # shown once, as the cell's value, not again by the inline backend
    return figure


def setup_style() -> None:
    """A clean seaborn style for talk-ready charts."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.05)


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
    axes.bar_label(bars, labels=labels, padding=3)
    axes.margins(x=0.15)
    axes.set(title=title, xlabel="% of repositories importing it", ylabel="framework")
    return save_figure(figure, path)


def plot_top_tools(counts: pd.Series, top_n: int, title: str, path: str | Path | None = None) -> Any:
    """Seaborn bar chart of the `top_n` most used tools."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    top = counts.head(top_n).reset_index()
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

    cloud = WordCloud(width=1200, height=600, background_color="white", colormap="viridis", random_state=0)
    cloud.generate_from_frequencies({str(k): int(v) for k, v in counts.items() if v > 0} or {"none": 1})
    figure, axes = plt.subplots(figsize=(10, 5))
    axes.imshow(cloud, interpolation="bilinear")
    axes.set_axis_off()
    axes.set_title(title)
    return save_figure(figure, path)


def plot_frameworks_by(table: pd.DataFrame, title: str, ylabel: str, path: str | Path | None = None) -> Any:
    """Grouped bars: share of repositories importing each framework, per group."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    long = table.melt(id_vars=["group", "repositories"], value_vars=["pytorch", "tensorflow", "keras", "jax"],
                      var_name="framework", value_name="share")  # fmt: skip
    long["group"] = long["group"] + " (" + long["repositories"].astype(str) + ")"
    long["share"] = long["share"] * 100
    figure, axes = plt.subplots(figsize=(9, max(3, 0.55 * len(table) + 1)))
    axes.set(title=title, xlabel="% of repositories importing the framework", ylabel=ylabel)
    if table.empty:
        axes.text(
            0.5, 0.5, "no group with enough repositories", ha="center", va="center", transform=axes.transAxes
        )
        return save_figure(figure, path)
    sns.barplot(data=long, y="group", x="share", hue="framework", palette=FRAMEWORK_COLORS, ax=axes)
    sns.move_legend(axes, "upper left", bbox_to_anchor=(1.01, 1), title="framework")
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
        bars = axes.barh(table["item"][::-1], table[column][::-1], left=left[::-1], color=color, label=column)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in table[column][::-1]], label_type="center")
        left += table[column]
    n = int((table["yes"] + table["no"] + table["unknown"]).max())
    axes.set(title=f"{title} (n={n} repositories)", xlabel="repositories", ylabel="")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=True)
    return save_figure(figure, path)
