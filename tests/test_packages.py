"""What is a package: the reviewed import table resolves real packages, local names stay unresolved, and every
row of the table is well-formed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from packaging.utils import canonicalize_name

from iclr_tools import packages, scan
from iclr_tools.tools import extract_tools
from iclr_tools.trends import count_unresolved_across_years

TABLE = Path(packages.__file__).resolve().parent / "data" / "import_names.csv"
# Import -> distribution as each package's own documentation or setup script gives it (its install line beside
# its import line), written from those pages and not from the table.
DOCUMENTED = {
    "skvideo.io": "scikit-video",  # scikit-video.org: pip install scikit-video; import skvideo.io
    "skfmm": "scikit-fmm",  # pypi.org/project/scikit-fmm: import skfmm
    "labellines": "matplotlib-label-lines",  # pip install matplotlib-label-lines; from labellines import labelLines
    "pybullet_data": "pybullet",  # pip install pybullet; pybullet_data.getDataPath()
    "win32api": "pywin32",  # pip install pywin32; import win32api
    "ax.service.ax_client": "ax-platform",  # pip install ax-platform; from ax.service.ax_client import AxClient
    "tf_agents.environments": "tf-agents",  # pip install tf-agents; from tf_agents.environments import ...
    "umap": "umap-learn",  # pip install umap-learn; import umap (PyPI's `umap` is another project)
    "sksurv.metrics": "scikit-survival",  # pip install scikit-survival; from sksurv.metrics import ...
    "mmseg.apis": "mmsegmentation",  # pip install mmsegmentation; from mmseg.apis import inference_model
    "pl_bolts.datamodules": "lightning-bolts",  # pip install lightning-bolts; from pl_bolts.datamodules import ...
    "cupyx.scipy.sparse": "cupy",  # CuPy's own cupyx namespace, shipped with cupy
    "Orange.data": "orange3",  # pip install orange3; import Orange
    "ts.torch_handler.base_handler": "torchserve",  # pip install torchserve; custom handlers' BaseHandler
    "tdc.generation": "pytdc",  # pip install PyTDC; from tdc.generation import MolGen
    "amp_C": "nvidia/apex",  # NVIDIA apex's CUDA extension, built by apex's setup.py
    "apex.amp": "nvidia/apex",  # NVIDIA's apex, from its repository: PyPI's `apex` is another project
}
# Names that are a repository's own (or too generic to be a package) whatever PyPI holds under that name.
LOCAL = ["utils", "models", "car", "config", "data", "dataset", "lib", "src", "train", "evaluate", "heart",
         "ts", "flytekitplugins", "toybox", "llama", "mushroom"]  # fmt: skip


def read_rows() -> list[dict[str, str]]:
    """The table's rows as written."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("module", "distribution"), sorted(DOCUMENTED.items()))
def test_real_packages_resolve_to_their_distribution(module: str, distribution: str) -> None:
    assert packages.resolve_distribution(module) == distribution
    assert packages.map_module_to_package(module) == distribution


@pytest.mark.parametrize("name", LOCAL)
def test_local_names_stay_unresolved_even_with_a_pypi_namesake(name: str) -> None:
    assert packages.resolve_distribution(name) is None


def test_a_repository_importing_both_gets_tools_and_unresolved_names() -> None:
    files = {
        "run.py": "import skvideo.io\nfrom labellines import labelLines\nimport win32api\nimport utils, car\n"
    }
    data = {path: text.encode() for path, text in files.items()}
    record = scan.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data)
    found = extract_tools(record)
    assert found["imported_tools"] == ["matplotlib-label-lines", "pywin32", "scikit-video"]
    assert found["unresolved_imports"] == ["car", "utils"]


def test_a_local_module_of_a_tables_name_is_the_repositorys_own() -> None:
    files = {"train.py": "import umap\nimport skvideo\n", "umap.py": "x = 1\n"}
    data = {path: text.encode() for path, text in files.items()}
    found = extract_tools(scan.extract_repo_facts("o/r", "", [(p, len(b)) for p, b in data.items()], data))
    assert found["imported_tools"] == ["scikit-video"] and found["unresolved_imports"] == []


def test_every_row_is_well_formed() -> None:
    rows = read_rows()
    assert list(rows[0]) == ["import", "distribution", "pipreqs", "evidence"]
    imports = [row["import"] for row in rows]
    assert len(imports) == len(set(imports)), "an import is listed twice"
    stdlib = packages.load_stdlib_names()
    for row in rows:
        module, distribution = row["import"], row["distribution"]
        assert all(part.isidentifier() for part in module.split(".")), module
        assert distribution == canonicalize_name(distribution), f"{module}: {distribution} is not canonical"
        assert len(row["evidence"]) > 30, f"{module}: no evidence"
        top = module.split(".")[0]
        assert top not in packages.LOCAL_NAMES, f"{module}: a name almost always local cannot be a table row"
        assert top not in stdlib, f"{module}: the standard library"
        assert module not in packages.MODULE_TO_PACKAGE, f"{module}: already in MODULE_TO_PACKAGE"


def test_no_row_shadows_pipreqs_unless_it_corrects_it() -> None:
    pipreqs = packages.load_pipreqs_mapping()
    for row in read_rows():
        said = pipreqs.get(row["import"], "")
        assert row["pipreqs"] == said, (
            f"{row['import']}: pipreqs says {said!r}, the row says {row['pipreqs']!r}"
        )
        if said:  # a correction says what pipreqs says, and differs from it
            assert canonicalize_name(said) != row["distribution"], f"{row['import']}: repeats pipreqs"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("import,distribution\nx,y\n", "the columns must be"),
        ("import,distribution,pipreqs,evidence\nskvideo,Scikit_Video,,docs\n", "line 2: distribution"),
        (
            "import,distribution,pipreqs,evidence\nskvideo,scikit-video,,\n",
            "line 2: import 'skvideo' has no evidence",
        ),
        ("import,distribution,pipreqs,evidence\na,b,,x\na,c,,y\n", "line 3: import 'a' is listed twice"),
        ("import,distribution,pipreqs,evidence\nnot-a-name,b,,x\n", "is not a dotted Python name"),
        ("import,distribution,pipreqs,evidence\na,,,x\n", "import 'a' has no distribution"),
        (
            "import,distribution,pipreqs,evidence\na,someone/a,,x\n",
            "neither a PyPI name nor a project of NOT_ON",
        ),
    ],
)
def test_a_bad_table_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        packages.parse_import_names(text, "table.csv")


def test_unresolved_names_are_counted_across_years() -> None:
    def frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"repo": repo, "ref": "", "subdir": "", "status": status, "unresolved_imports": cell}
                for repo, status, cell in rows
            ]  # fmt: skip
        )

    frames = {
        2018: frame([("a/x", "ok", "car;utils"), ("a/x", "ok", "car;utils"), ("a/y", "ok", "utils")]),
        2020: frame([("b/z", "ok", "utils"), ("b/w", "missing", "car")]),
    }
    table = count_unresolved_across_years(frames)
    assert table.to_dict("records") == [
        {"import": "utils", "repositories": 3, "years": "2018;2020"},
        {"import": "car", "repositories": 1, "years": "2018"},
    ]


def test_no_table_import_is_left_unresolved_in_the_records(shared_dir: Path) -> None:
    """Every recorded repository, re-read: no top-level name the table resolves is still listed unresolved."""
    names = {row["import"] for row in read_rows() if "." not in row["import"]}
    left = {}
    for path in sorted(shared_dir.glob("iclr20*/repos/*.json")):
        found = extract_tools({"status": "ok", **json.loads(path.read_text())})
        if names & set(found["unresolved_imports"]):
            left[path.name] = sorted(names & set(found["unresolved_imports"]))
    assert left == {}


def test_a_namesake_that_is_another_project_is_named_as_what_it_is() -> None:
    """PyPI's `apex` is not NVIDIA's: the import is named by its GitHub project, which a requirement `apex`
    declares (its family), and which NOT_ON_PYPI says how to install."""
    assert packages.resolve_distribution("apex") == "nvidia/apex"
    assert packages.find_family("apex") == packages.find_family("nvidia/apex") == "nvidia/apex"
    assert "github.com/NVIDIA/apex" in packages.NOT_ON_PYPI["nvidia/apex"]
    reviewed = set(packages.MODULE_TO_PACKAGE.values()) | set(packages.load_import_names().values())
    assert {name for name in reviewed if "/" in name} == set(packages.NOT_ON_PYPI)
