"""The project's own promises to a reader: one public URL everywhere, and the Python versions it works on."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from iclr_tools.settings import PROJECT_URL

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks" / "rendered").glob("*.ipynb")
)
COLAB = re.compile(
    r"https://colab\.research\.google\.com/github/([^/\s)]+)/([^/\s)]+)/blob/main/(notebooks/[\w.]+)"
)
CLONE = re.compile(r"\"git\", \"clone\", \"-q\", \"([^\"]+)\"")


def owner_and_name(url: str) -> tuple[str, str]:
    """('owner', 'name') of a https://github.com/owner/name URL."""
    parsed = urlparse(url)
    assert parsed.scheme == "https" and parsed.netloc == "github.com", url
    owner, name = parsed.path.strip("/").split("/")
    return owner, name


def test_the_badges_and_setup_cells_open_the_one_project_url() -> None:
    """Every Colab badge opens a notebook of PROJECT_URL's repository (its own notebook, for a notebook's badge), and
    every setup cell clones PROJECT_URL: in the README and in the source and rendered notebooks."""
    project = owner_and_name(PROJECT_URL)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badges = COLAB.findall(readme)
    assert badges, "the README has no Colab badge"
    assert all((owner, name) == project and (ROOT / path).is_file() for owner, name, path in badges), badges
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        badges = COLAB.findall(cells[0].source)
        assert badges == [(*project, f"notebooks/{path.name}")], f"{path.relative_to(ROOT)}: {badges}"
        clones = [url for cell in cells if cell.cell_type == "code" for url in CLONE.findall(cell.source)]
        assert clones == [PROJECT_URL], f"{path.relative_to(ROOT)} clones {clones}, not {PROJECT_URL}"


def test_the_readme_says_where_a_fork_changes_the_url() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Colab and forks", 1)[1].split("\n#", 1)[0]
    assert "`PROJECT_URL` in `iclr_tools/settings.py`" in section
    assert (
        f"PROJECT_URL = {PROJECT_URL!r}".replace("'", '"')
        in (ROOT / "iclr_tools" / "settings.py").read_text()
    )


def makefile_pythons() -> list[str]:
    """The Python versions the Makefile accepts (its `PYTHONS`)."""
    match = re.search(r"^PYTHONS := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile names no PYTHONS"
    return match.group(1).split()


def find_old_pythons() -> list[str]:
    """Interpreters older than 3.11 on this machine (on PATH or under pyenv), to be refused."""
    found = [shutil.which(f"python3.{minor}") for minor in range(6, 11)]
    found += glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*" / "bin" / "python"))
    old = []
    for python in filter(None, found):
        done = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[1])"], capture_output=True, text=True
        )
        if done.returncode == 0 and int(done.stdout) < 11:
            old.append(python)
    return sorted(set(old))


def test_the_readme_names_the_pythons_the_makefile_accepts() -> None:
    assert makefile_pythons() == ["3.11", "3.12", "3.13"]  # the versions tried (README: The two commands)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Both need Python 3.11, 3.12 or 3.13" in readme


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_venv_refuses_an_old_python_at_once_and_accepts_this_one(tmp_path: Path) -> None:
    """In a copy holding the Makefile and the requirements only: an old Python gets the versions that work, and
    no environment is made; the running interpreter (one the tests run on) passes the same check."""
    old = find_old_pythons()
    if not old:
        pytest.skip("no Python older than 3.11 on this machine (PATH or ~/.pyenv) to be refused")
    for name in (
        "Makefile",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-nodeps.txt",
        "constraints.txt",
    ):
        shutil.copy2(ROOT / name, tmp_path / name)
    # a make of its own: under `make test VENV=...` the outer make's variables would reach it through MAKEFLAGS
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    for python in old:
        done = subprocess.run(["make", "venv", f"PYTHON={python}"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=60, env=env)  # fmt: skip
        assert done.returncode != 0, done.stdout
        assert "is too old for this project: use Python 3.11, 3.12, 3.13" in done.stderr, done.stderr
        assert not (tmp_path / ".venv").exists(), "nothing is made for a Python that is refused"
    done = subprocess.run(["make", "-s", "check-python", f"PYTHON={sys.executable}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
