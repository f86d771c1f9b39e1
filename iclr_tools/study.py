"""Stage 7, analysis of the 2020 case study: its method re-run on its own file, and its figures beside ours."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .analysis import count_frameworks, count_one_framework, extract_targets, split_list
from .files import write_text_atomic
from .years import DATA_DIR

# The 2020 case study's published figures (Analytics Vidhya, 5 May 2020; see ../shared/reference/README.md).
STUDY_2020 = {
    "accepted_papers": 687,
    "papers_sharing_code": 344,
    "github_repositories": 268,
    "repositories_parsed": 237,
    "pytorch": 154,
    "tensorflow": 95,
    "tensorflow_offset": 12,
    "keras": 23,
    "unique_tools": 687,
}
# The study's figures re-computed from its own file by `make data` (the file itself sits in ../shared/reference
# on the developers' machines and is never committed): the rendered notebooks read these, on any machine.
STUDY_FIGURES = "study2020.csv"
# "The State of Machine Learning Frameworks in 2019" (The Gradient): papers whose PDF mentions one framework.
PDF_MENTIONS_2020 = {"accepted_papers": 687, "pytorch_only": 169, "tensorflow_only": 95}


def reproduce_study(path: str | Path) -> dict:
    """Apply the 2020 study's exact method (`^\\w+` per item, `str.contains`, +12 TensorFlow) to its CSV."""
    study = pd.read_csv(path)
    items = study["all_tool_names"].fillna("").str.split(",").explode()
    cleaned = items.str.extract(r"^(\w+)", expand=False).fillna("")  # no match -> the empty string
    per_row = cleaned.groupby(level=0).agg(",".join)
    contains = {name: int(per_row.str.contains(name).sum()) for name in ("torch", "tensorflow", "keras")}
    niche = {
        name: int(per_row.str.contains(name).sum())
        for name in ("transformers", "tensorboard", "gym", "networkx")
    }
    return {
        "repositories_parsed": len(study),
        "pytorch": contains["torch"],
        "tensorflow_counted": contains["tensorflow"],
        "tensorflow": contains["tensorflow"] + STUDY_2020["tensorflow_offset"],
        "keras": contains["keras"],
        "unique_tools": int(cleaned.nunique()),
        "unique_real_tools": int(cleaned[cleaned != ""].nunique()),
        "empty_rows": int((per_row.str.replace(",", "") == "").sum()),
        **{f"niche_{name}": count for name, count in niche.items()},
    }


def write_study_figures(reproduced: dict, path: str | Path) -> None:
    """Write what `reproduce_study` computed as a two-column CSV (`figure,value`), one figure a row."""
    table = pd.DataFrame({"figure": list(reproduced), "value": list(reproduced.values())})
    write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"))


def read_study_figures(data_dir: str | Path = DATA_DIR) -> dict:
    """The study's figures as `make data` re-computed them from its file (`data/study2020.csv`)."""
    path = Path(data_dir) / STUDY_FIGURES
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: it is committed with the project (git checkout -- {path} restores it); "
            "`make data` writes it from the study's own file where ../shared/reference holds it."
        )
    table = pd.read_csv(path)
    return {str(row.figure): int(row.value) for row in table.itertuples()}


def count_niche_tools(frame: pd.DataFrame, tools: tuple[str, ...] = ("transformers", "tensorboard", "gym",
                      "networkx", "tensorboardx", "pytorch-transformers")) -> pd.DataFrame:  # fmt: skip
    """Repositories that import or declare each of the niche tools the 2020 study named."""
    targets = extract_targets(frame)
    rows = []
    for tool in tools:
        imported = targets["imported_tools"].map(lambda v, t=tool: t in split_list(v))
        declared = targets["declared_tools"].map(lambda v, t=tool: t in split_list(v))
        rows.append({"tool": tool, "imported": int(imported.sum()), "declared": int(declared.sum()),
                     "either": int((imported | declared).sum())})  # fmt: skip
    return pd.DataFrame(rows)


def count_study_comparison(frame: pd.DataFrame, reproduced: dict | None = None) -> pd.DataFrame:
    """The 2020 study's figures beside ours (exact package names, code imports) with why they differ."""
    targets = extract_targets(frame)
    fw = count_frameworks(frame).set_index("framework")["count"]
    tools = set(targets["imported_tools"].map(split_list).explode().dropna()) | set(
        targets["declared_tools"].map(split_list).explode().dropna()
    )
    rows = [
        ("repositories covered", STUDY_2020["repositories_parsed"], len(targets),
         "we read every recorded repository's code, not only those with a requirements file"),
        ("PyTorch", STUDY_2020["pytorch"], fw.get("pytorch", 0),
         "study: 'torch' as a substring of requirement lines (also pytorch-*, torchvision); ours: `import torch`"),
        ("TensorFlow", STUDY_2020["tensorflow"], fw.get("tensorflow", 0),
         "study: 83 counted + 12 added by hand for unparsed google-research/tensorflow repositories; ours: imports"),
        ("Keras", STUDY_2020["keras"], fw.get("keras", 0),
         "study: 'keras' substring (also tf.keras pins); ours: standalone `import keras` only"),
        ("JAX", None, fw.get("jax", 0), "the study did not count JAX"),
        ("PyTorch and TensorFlow", None, fw.get("pytorch and tensorflow", 0), "not counted by the study"),
        ("none of these", None, fw.get("none of these", 0), "not counted by the study"),
        ("unique tools", STUDY_2020["unique_tools"], len(tools),
         ("study: leading word of each raw line, the empty string counted; ours: canonical PyPI names, "
          "declared or imported")),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["figure", "study_published", "ours_exact", "why_they_differ"])
    if reproduced:
        mapping = {"repositories covered": "repositories_parsed", "PyTorch": "pytorch", "TensorFlow": "tensorflow",
                   "Keras": "keras", "unique tools": "unique_tools"}  # fmt: skip
        reproduced_column = table["figure"].map(lambda f: reproduced.get(mapping.get(f, "")))
        table.insert(2, "study_reproduced", reproduced_column.astype("Int64"))
    return table.astype({"study_published": "Int64"})


def count_method_comparison(frame: pd.DataFrame, reproduced: dict | None = None) -> pd.DataFrame:
    """PyTorch vs TensorFlow by three methods: the study's requirement substrings, PDF mentions, our imports."""
    ours_pt, ours_tf = count_one_framework(frame)  # trends.csv's pytorch_only_share_of_one_framework
    study = reproduced or {"pytorch": STUDY_2020["pytorch"], "tensorflow": STUDY_2020["tensorflow"]}
    rows = [
        ("2020 study: requirement lines contain the name (repositories)", study["pytorch"], study["tensorflow"]),
        ("PDF text mentions only one framework (papers, The Gradient)", PDF_MENTIONS_2020["pytorch_only"],
         PDF_MENTIONS_2020["tensorflow_only"]),
        ("ours: code imports only one framework (repositories)", ours_pt, ours_tf),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["method", "pytorch", "tensorflow"])
    table["pytorch_share"] = (table["pytorch"] / (table["pytorch"] + table["tensorflow"])).round(3)
    return table
