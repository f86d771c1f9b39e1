"""Fetch, parse and count the open-source tools used by the papers of an ICLR year.

Data flows one way: papers -> code links -> repository facts -> tools per paper -> counts and charts.
`fetch_*` functions do I/O; `parse_*`, `extract_*` and `count_*` functions are pure.
"""

from __future__ import annotations

import ast
import base64
import codecs
import concurrent.futures
import configparser
import functools
import gc
import io
import json
import multiprocessing
import os
import posixpath
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tokenize
import tomllib
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import pandas as pd
import urllib3
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from requests.adapters import HTTPAdapter
from tqdm import tqdm  # the text bar: it works in terminals, notebooks and rendered output alike
from urllib3.util.retry import Retry

# --------------------------------------------------------------------------------------------------
# Files: atomic writes, so an interrupted run never leaves a half-written file that reads as complete
# --------------------------------------------------------------------------------------------------


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file and a rename, so readers see all or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write `data` as JSON to `path` atomically."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (a non-UTF-8 file name): \u-escaped, still valid JSON
        text = json.dumps(data, ensure_ascii=True, sort_keys=True, indent=1)
    return write_text_atomic(path, text)


# --------------------------------------------------------------------------------------------------
# Papers from OpenReview
# --------------------------------------------------------------------------------------------------


def make_decision_reply(note: dict, decision: str, year: int) -> dict:
    """Build the API v1 decision note OpenReview attaches to a submission (`Paper{N}/-/Decision`)."""
    number = note.get("number")
    return {
        "id": f"{note['id']}-decision",
        "forum": note["id"],
        "replyto": note["id"],
        "number": number,
        "invitation": f"ICLR.cc/{year}/Conference/Paper{number}/-/Decision",
        "signatures": [f"ICLR.cc/{year}/Conference/Program_Chairs"],
        "readers": ["everyone"],
        "writers": [f"ICLR.cc/{year}/Conference/Program_Chairs"],
        "nonreaders": [],
        "cdate": note.get("tmdate"),
        "tcdate": note.get("tmdate"),
        "tmdate": note.get("tmdate"),
        "content": {"title": "Paper Decision", "decision": decision, "comment": ""},
    }


def load_snapshot_notes(folder: str | Path, year: int = 2020) -> list[dict]:
    """Read recorded API v1 notes and attach their decisions as `details.directReplies`, as the API does."""
    folder = Path(folder)
    notes_path = folder / "openreview_notes_api_v1.json"
    decisions_path = folder / "decisions_affiliations.json"
    for path in (notes_path, decisions_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: a snapshot folder needs openreview_notes_api_v1.json and "
                "decisions_affiliations.json (see ../shared/iclr2020/README.md), or run with source='live'."
            )
    notes = json.loads(notes_path.read_text(encoding="utf-8"))
    decisions = json.loads(decisions_path.read_text(encoding="utf-8"))
    out = []
    for note in notes:
        note = dict(note)
        facts = decisions.get(note["id"], {})
        replies = [make_decision_reply(note, facts["decision"], year)] if facts.get("decision") else []
        note["details"] = {"directReplies": replies}
        out.append(note)
    return out


# Years ICLR's accepted papers are on OpenReview with a decision; 2018-2023 on API v1, 2024 on on API v2.
FIRST_YEAR = 2018
LAST_YEAR = 2026
FIRST_V2_YEAR = 2024
API_V1_URL = "https://api.openreview.net"
API_V2_URL = "https://api2.openreview.net"


class ServiceRefusedError(RuntimeError):
    """A remote service (OpenReview, GitHub) refused or failed a request; the message says what to do."""


def check_year(year: int) -> int:
    """Return `year` if ICLR has accepted papers on OpenReview for it, else raise a clear ValueError."""
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"ICLR {year!r} is not on OpenReview with decisions: supported years are "
            f"{FIRST_YEAR}-{LAST_YEAR} (API v1 for {FIRST_YEAR}-{FIRST_V2_YEAR - 1}, API v2 from {FIRST_V2_YEAR})."
        )
    return year


def api_version(year: int) -> int:
    """Which OpenReview API serves the papers of `year` (1 or 2)."""
    return 2 if check_year(year) >= FIRST_V2_YEAR else 1


def submission_invitation(year: int) -> str:
    """The API v1 invitation of the blind submissions of `year`."""
    return f"ICLR.cc/{year}/Conference/-/Blind_Submission"


def venue_id(year: int) -> str:
    """The API v2 `content.venueid` of the accepted papers of `year`."""
    return f"ICLR.cc/{year}/Conference"


class TimeoutAdapter(HTTPAdapter):
    """A requests adapter that gives every request a timeout (openreview-py sets none)."""

    def __init__(self, timeout: float, **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send with the adapter's timeout unless the caller gave one."""
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def make_openreview_client(
    year: int, baseurl: str | None = None, timeout: float = 60, retries: int = 6
) -> Any:
    """An openreview-py client for `year`; credentials come only from OPENREVIEW_USERNAME / _PASSWORD."""
    import openreview

    username = os.environ.get("OPENREVIEW_USERNAME") or None
    password = os.environ.get("OPENREVIEW_PASSWORD") or None
    if api_version(year) == 1:
        client = openreview.Client(baseurl=baseurl or API_V1_URL, username=username, password=password)
    else:
        client = openreview.api.OpenReviewClient(
            baseurl=baseurl or API_V2_URL, username=username, password=password
        )
    adapter = TimeoutAdapter(timeout, max_retries=make_retry(retries), pool_maxsize=16)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


def explain_refusal(error: BaseException, service: str, url: str) -> str:
    """One clear sentence on what a refused or failed request means and what to do about it."""
    text = str(error)
    low = text.lower()
    status = {int(code) for code in re.findall(r"(?<![\d.:])(40[13]|429)(?!\d)", low)}  # not ports or hosts
    if "timed out" in low or "timeout" in low:  # first: its message holds URLs, whose digits mean nothing
        what = "did not answer in time"
        todo = "check your connection and rerun; nothing fetched so far is lost"
    elif 403 in status or "forbidden" in low or "challenge" in low or "cloudflare" in low:
        what = "refused the request (HTTP 403, often a bot challenge page)"
        todo = (
            "wait a few minutes and rerun, set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or use a snapshot"
        )
    elif 429 in status or "too many" in low or "rate limit" in low:
        what = "kept answering 'too many requests' (HTTP 429) after waiting out its limits"
        todo = "wait an hour and rerun (the cache keeps what was fetched), or log in to get a higher limit"
    elif 401 in status or "credentials" in low or "password" in low or ("invalid" in low and "user" in low):
        what = "rejected the login"
        todo = "check OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD or unset them to read public data anonymously"
    else:
        what = f"failed ({type(error).__name__}: {text[:200]})"
        todo = "rerun later; if it persists, use a snapshot folder"
    return f"{service} at {url} {what}. What to do: {todo}."


def read_cached_notes(path: Path, year: int) -> list[dict] | None:
    """Notes cached by a complete earlier fetch of `year`, or None (absent, half-written or another year)."""
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(cached, dict) and cached.get("complete") is True and cached.get("year") == year:
        return cached.get("notes")
    return None


def fetch_notes(
    year: int,
    *,
    baseurl: str | None = None,
    cache_dir: str | Path = "cache",
    refresh: bool = False,
    timeout: float = 60,
    retries: int = 6,
) -> list[dict]:
    """The submissions of `year` with their decisions as JSON dicts, from the disk cache or OpenReview."""
    check_year(year)
    path = Path(cache_dir) / "openreview" / f"iclr{year}_notes.json"
    cached = None if refresh else read_cached_notes(path, year)
    if cached is not None:
        return cached
    url = baseurl or (API_V1_URL if api_version(year) == 1 else API_V2_URL)
    try:
        client = make_openreview_client(year, baseurl, timeout, retries)
        if api_version(year) == 1:
            raw = client.get_all_notes(invitation=submission_invitation(year), details="directReplies")
        else:
            raw = client.get_all_notes(content={"venueid": venue_id(year)})
    except Exception as error:  # the client raises OpenReviewException, requests errors, ...
        raise ServiceRefusedError(explain_refusal(error, "OpenReview", url)) from error
    notes = [{**note.to_json(), "details": note.details} for note in raw]
    write_json_atomic(path, {"year": year, "api": api_version(year), "complete": True, "notes": notes})
    return notes


def parse_value(value: Any) -> Any:
    """Unwrap an API v2 `{"value": ...}` content field; API v1 values pass through."""
    return value.get("value") if isinstance(value, dict) and "value" in value else value


DECISION_INVITATION_SUFFIXES = ("/Decision", "/Acceptance_Decision", "/Meta_Review")


def extract_decision(note: dict) -> str:
    """The decision text of an API v1 submission from its direct replies ('' when there is none)."""
    replies = (note.get("details") or {}).get("directReplies") or []
    for suffix in DECISION_INVITATION_SUFFIXES:  # a decision note wins over a meta-review
        for reply in replies:
            invitations = [reply.get("invitation") or "", *(reply.get("invitations") or [])]
            if any(inv.endswith(suffix) for inv in invitations):
                content = reply.get("content") or {}
                value = parse_value(content.get("decision")) or parse_value(content.get("recommendation"))
                if value:
                    return str(value)
    return ""


TRACK_WORDS = {  # lower-case word in a decision or venue -> the track name we report
    "oral": "Talk",
    "talk": "Talk",
    "notable-top-5%": "Talk",
    "spotlight": "Spotlight",
    "notable-top-25%": "Spotlight",
    "poster": "Poster",
}


def parse_track(decision: str) -> str:
    """The presentation track (Talk, Spotlight, Poster) named by a decision or venue string."""
    low = decision.lower()
    for word, track in TRACK_WORDS.items():
        if word in low:
            return track
    return "Accepted" if "accept" in low else ""


def is_accepted(decision: str) -> bool:
    """Whether a decision or venue string means the paper was accepted to the main conference."""
    low = decision.lower()
    return "accept" in low and "workshop" not in low


URL_PATTERN = re.compile(r"""(?:https?://|www\.|github\.com/)[^\s<>"'\]\[(){},;|]+""", re.IGNORECASE)
URL_TRAILING = ".,;:!?*'\"`"
TEXT_FIELDS = (
    "code",
    "abstract",
    "TL;DR",
    "TLDR",
    "tldr",
    "supplementary_material",
    "community_implementations",
)


def extract_urls(text: str) -> list[str]:
    """Every URL in a free-text field (several per field, markdown links, bare `github.com/...`), in order."""
    urls = []
    for match in URL_PATTERN.finditer(text or ""):
        url = match.group(0).rstrip(URL_TRAILING)
        if not url.lower().startswith("http"):
            url = "https://" + url
        if url not in urls:
            urls.append(url)
    return urls


def extract_code_urls(content: dict, code_field: bool) -> list[str]:
    """Code URLs of a paper: its `code` field in a year that has one, otherwise URLs in its other text fields."""
    if code_field:
        code = parse_value(content.get("code"))
        return extract_urls(code) if isinstance(code, str) else []
    urls: list[str] = []
    for name in TEXT_FIELDS[1:]:
        value = parse_value(content.get(name))
        for url in extract_urls(value if isinstance(value, str) else ""):
            if parse_code_link(url)["kind"] != "other" and url not in urls:
                urls.append(url)
    return urls


def extract_email_domains(authorids: list[str]) -> list[str]:
    """The e-mail domains of a paper's authors, never the addresses themselves."""
    domains = []
    for author in authorids or []:
        if "@" in author:
            domain = author.rsplit("@", 1)[1].strip().lower()
            if domain and domain not in domains:
                domains.append(domain)
    return domains


def has_code_field(notes: list[dict]) -> bool:
    """Whether the submission form of this year had a `code` field (then only that field names code)."""
    return any("code" in (note.get("content") or {}) for note in notes)


def parse_paper(note: dict, year: int, code_field: bool = False) -> dict | None:
    """One row per accepted paper from an API v1 or v2 note; None for a paper that was not accepted."""
    content = {key: parse_value(value) for key, value in (note.get("content") or {}).items()}
    if api_version(year) == 1:
        decision = extract_decision(note)
        if not is_accepted(decision):
            return None
    else:
        if content.get("venueid") != venue_id(year):
            return None
        decision = str(content.get("venue") or "")
    keywords = content.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[;,]", keywords) if k.strip()]
    pdf = content.get("pdf") or ""
    if pdf.startswith("/"):
        pdf = "https://openreview.net" + pdf
    return {
        "forum_id": note.get("forum") or note.get("id"),
        "title": (content.get("title") or "").strip(),
        "decision": decision,
        "track": parse_track(decision),
        "keywords": "; ".join(keywords),
        "primary_area": content.get("primary_area") or "",
        "author_domains": "; ".join(extract_email_domains(content.get("authorids") or [])),
        "pdf_url": pdf,
        "code_urls": extract_code_urls(content, code_field),
    }


def parse_papers(notes: list[dict], year: int) -> list[dict]:
    """The accepted papers among `notes`, one dict each, in forum-id order."""
    code_field = has_code_field(notes)
    papers = [paper for paper in (parse_paper(note, year, code_field) for note in notes) if paper]
    return sorted(papers, key=lambda paper: paper["forum_id"])


NOT_GITHUB_HOSTS = {  # host suffix -> kind
    "gitlab.com": "gitlab",
    "bitbucket.org": "bitbucket",
    "drive.google.com": "google_drive",
    "docs.google.com": "google_drive",
    "dropbox.com": "dropbox",
    "anonymous.4open.science": "anonymous",
    "github.io": "github_pages",
    "huggingface.co": "huggingface",
}
GITHUB_NOT_OWNERS = {"orgs", "topics", "about", "features", "marketplace", "sponsors", "settings", "search"}


def parse_code_link(url: str) -> dict:
    """Split a code URL into kind, host, owner, repo, ref and subdir (the folder the link points into)."""
    link = {"url": url, "kind": "other", "host": "", "owner": "", "repo": "", "ref": "", "subdir": ""}
    parts = urlsplit(url.strip() if "://" in url else "https://" + url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    link["host"] = host
    if host != "github.com":
        for suffix, kind in NOT_GITHUB_HOSTS.items():
            if host == suffix or host.endswith("." + suffix):
                link["kind"] = kind
        return link
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not segments or segments[0].lower() in GITHUB_NOT_OWNERS:
        return {**link, "kind": "github_other"}
    link["owner"] = segments[0]
    if len(segments) == 1:
        return {**link, "kind": "github_user"}
    name = segments[1].removesuffix(".git")
    link.update(kind="github", repo=f"{segments[0]}/{name}")
    if len(segments) >= 4 and segments[2] in ("tree", "blob"):
        link["ref"] = segments[3]
        folder = segments[4:] if segments[2] == "tree" else segments[4:-1]
        link["subdir"] = "/".join(folder)
    return link


def extract_code_links(papers: list[dict]) -> list[dict]:
    """One row per (paper, code URL), each classified; papers without code get no row here."""
    rows = []
    for paper in papers:
        for url in paper["code_urls"]:
            rows.append({"forum_id": paper["forum_id"], **parse_code_link(url)})
    return rows


def extract_code_targets(links: list[dict]) -> list[dict]:
    """The distinct GitHub (repository, ref, folder) targets named by `links`, in first-seen order."""
    seen: dict[tuple[str, str, str], dict] = {}
    for link in links:
        if link["kind"] == "github":
            key = (link["repo"], link["ref"], link["subdir"])
            seen.setdefault(key, {"repo": link["repo"], "ref": link["ref"], "subdir": link["subdir"]})
    return list(seen.values())


# --------------------------------------------------------------------------------------------------
# Scanning: declared dependencies and imported modules, mapped to canonical PyPI names
# --------------------------------------------------------------------------------------------------

FRAMEWORK_BY_MODULE = {  # top-level import -> framework name used in the `frameworks` column
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "jax": "jax",
    "mxnet": "mxnet",
    "chainer": "chainer",
    "theano": "theano",
    "paddle": "paddlepaddle",
    "cntk": "cntk",
    "caffe": "caffe",
    "caffe2": "caffe2",
    "dynet": "dynet",
    "oneflow": "oneflow",
    "mindspore": "mindspore",
}
FRAMEWORKS = list(dict.fromkeys(FRAMEWORK_BY_MODULE.values()))

# Reviewed additions to pipreqs' import-to-package mapping (module -> PyPI distribution).
MODULE_TO_PACKAGE = {
    "cv2": "opencv-python",
    "skimage": "scikit-image",
    "absl": "absl-py",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "tf_slim": "tf-slim",
    "gin": "gin-config",
    "google.protobuf": "protobuf",
    "google.colab": "google-colab",
    "google.cloud": "google-cloud-storage",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_addons": "tensorflow-addons",
    "tensorflow_federated": "tensorflow-federated",
    "tensorflow_gan": "tensorflow-gan",
    "tensorflow_text": "tensorflow-text",
    "torch_geometric": "torch-geometric",
    "torch_scatter": "torch-scatter",
    "torch_sparse": "torch-sparse",
    "pytorch_lightning": "pytorch-lightning",
    "tensorboardX": "tensorboardx",
    "mpl_toolkits": "matplotlib",
    "pkg_resources": "setuptools",
    "jaxlib": "jaxlib",
    "haiku": "dm-haiku",
    "sonnet": "dm-sonnet",
    "tree": "dm-tree",
    "fairseq": "fairseq",
    "dgl": "dgl",
    "gym": "gym",
    "mujoco_py": "mujoco-py",
    "atari_py": "atari-py",
    "Bio": "biopython",
    "rdkit": "rdkit",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "attr": "attrs",
    "wx": "wxpython",
    "Crypto": "pycryptodome",
    "magic": "python-magic",
    "dotenv": "python-dotenv",
    "OpenGL": "pyopengl",
    "serial": "pyserial",
    "zmq": "pyzmq",
    "docx": "python-docx",
    "igraph": "python-igraph",
    "Levenshtein": "python-levenshtein",
    "sentencepiece": "sentencepiece",
    "pycocotools": "pycocotools",
    "lmdb": "lmdb",
    "faiss": "faiss-cpu",
    "visdom": "visdom",
    "ray": "ray",
    "nltk": "nltk",
    "spacy": "spacy",
}
# Conda names that differ from the PyPI distribution, and conda packages that are not Python libraries.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "py-opencv": "opencv-python",
}
CONDA_NOT_PYTHON = {
    "python", "pip", "cudatoolkit", "cudnn", "nccl", "mkl", "mkl-service", "mkl_fft", "mkl_random", "blas",
    "intel-openmp", "openssl", "ca-certificates", "zlib", "xz", "sqlite", "readline", "ncurses", "tk",
    "openblas", "cuda", "cuda-toolkit", "cudatoolkit-dev", "gcc", "gxx", "make", "cmake", "ffmpeg", "git",
}  # fmt: skip
PYTHON_SUFFIXES = (".py", ".ipynb", ".pyx")
BUILD_TOOLS = {"setuptools", "pip", "wheel"}  # every environment has them: never "undeclared"
REQUIREMENT_OPTIONS_WITH_VALUE = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--no-binary",
    "--only-binary", "--hash", "--global-option", "--install-option", "--config-settings", "-C",
}  # fmt: skip


def load_pipreqs_mapping() -> dict[str, str]:
    """pipreqs' import-name -> PyPI-name mapping, read from its data file (pipreqs' code is not imported)."""
    from importlib.resources import files

    try:
        text = (files("pipreqs") / "mapping").read_text(encoding="utf-8")
    except ModuleNotFoundError as error:
        raise ImportError(
            "pipreqs is not installed; its import-to-package mapping is needed: "
            "pip install --no-deps --ignore-requires-python -r requirements-nodeps.txt"
        ) from error
    mapping = {}
    for line in text.splitlines():
        module, _, package = line.strip().partition(":")
        if module and package:
            mapping[module] = package
    return mapping


def load_stdlib_names() -> frozenset[str]:
    """Top-level names of the Python 2.7 and 3.x standard libraries."""
    from stdlib_list import stdlib_list

    names = set(sys.stdlib_module_names) | {"__future__", "__main__", "__builtin__", "builtins"}
    for version in ("2.7", "3.6", "3.8"):
        names.update(name.split(".")[0] for name in stdlib_list(version))
    return frozenset(names)


PIPREQS_MAPPING = load_pipreqs_mapping()
STDLIB = load_stdlib_names()


def canonical(name: str) -> str:
    """The canonical PyPI form of a distribution name (`Scikit_Learn` -> `scikit-learn`)."""
    return canonicalize_name(name)


def map_module_to_package(module: str) -> str:
    """The canonical PyPI distribution that provides a dotted import (`cv2.dnn` -> `opencv-python`)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in MODULE_TO_PACKAGE:
            return canonical(MODULE_TO_PACKAGE[prefix])
    top = parts[0]
    return canonical(PIPREQS_MAPPING.get(top, top))


def parse_requirement(text: str) -> str | None:
    """The canonical name in one PEP 508 requirement or pip/conda-style pin ('torch>=1.0' -> 'torch')."""
    text = text.strip()
    if not text:
        return None
    egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    if egg:
        return canonical(egg.group(1))
    if "://" in text.split("@")[0] or text.startswith((".", "/", "~", "$", "-")):
        name = text.rsplit("/", 1)[-1]  # the match lies in the file name; at most 255 chars keeps it fast
        wheel = len(name) <= 255 and re.search(
            r"([A-Za-z0-9][A-Za-z0-9._]*)-\d[^/]*\.(?:whl|tar\.gz|zip)$", name
        )
        return canonical(wheel.group(1)) if wheel and "$" not in text else None
    try:
        return canonical(Requirement(text).name)
    except (InvalidRequirement, RecursionError):
        # conda-style pins (`numpy=1.18=py37_0`) and other near-PEP 508 lines: keep the leading name
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!~;\[ ]|$)", text)
        return canonical(match.group(1)) if match else None


def split_requirement_line(line: str) -> str:
    """A requirements-file line without its comment (a `#` at the start or after white space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def parse_requirements_text(
    text: str, path: str = "", manifests: dict | None = None, _seen=None
) -> list[str]:
    """Names in a requirements file, following `-r` / `-c` includes found among `manifests`."""
    manifests = manifests or {}
    seen = _seen if _seen is not None else {path}
    names: list[str] = []
    lines = text.replace("\\\n", " ").splitlines()
    for raw in lines:
        line = split_requirement_line(raw)
        if not line:
            continue
        tokens = line.split()
        head = tokens[0]
        if head in ("-r", "--requirement", "-c", "--constraint") or re.match(
            r"^(-[rc]|--requirement=)", head
        ):
            target = (
                tokens[1] if len(tokens) > 1 else re.sub(r"^(-[rc]|--requirement=|--constraint=)", "", head)
            )
            include = str(PurePosixPath(path).parent / target) if path else target
            include = posixpath.normpath(include)
            if include in manifests and include not in seen:
                seen.add(include)
                included = parse_requirements_text(manifests[include], include, manifests, seen)
                names += [name for name in included if name not in names]
            continue
        if head in ("-e", "--editable"):
            line = " ".join(tokens[1:])
        elif head.startswith("-"):
            continue
        name = parse_requirement(line)
        if name and name not in names:
            names.append(name)
    return names


def parse_conda_name(spec: str) -> str | None:
    """The PyPI name of one conda dependency (`pytorch::pytorch=1.4=py3.7` -> `torch`), None if not Python."""
    spec = spec.strip().split("::")[-1]
    match = re.match(r"([A-Za-z0-9_][A-Za-z0-9._-]*)", spec)
    if not match:
        return None
    name = match.group(1).lower()
    if name in CONDA_NOT_PYTHON or name.startswith(("lib", "_", "cuda-")):
        return None
    return canonical(CONDA_TO_PYPI.get(name, name))


def parse_environment_yml(text: str) -> list[str]:
    """Names in a conda environment file: conda dependencies and the nested `pip:` list."""
    data = yaml.safe_load(text)
    deps = data.get("dependencies") if isinstance(data, dict) else None
    names: list[str] = []
    for dep in deps or []:
        if isinstance(dep, str):
            found = [parse_conda_name(dep)]
        elif isinstance(dep, dict):
            found = [parse_requirement(line) for line in dep.get("pip") or [] if isinstance(line, str)]
        else:
            found = []
        names += [name for name in found if name and name not in names]
    return names


def parse_pipfile(text: str) -> list[str]:
    """Names in a Pipfile's `[packages]` and `[dev-packages]`."""
    data = tomllib.loads(text)
    return list(dict.fromkeys(canonical(n) for s in ("packages", "dev-packages") for n in data.get(s) or {}))


def parse_pyproject(text: str) -> list[str]:
    """Names in a pyproject.toml: PEP 621 dependencies and optional-dependencies, and Poetry's tables."""
    data = tomllib.loads(text)
    project = data.get("project") or {}
    lines = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        lines += list(extra or [])
    names = [parse_requirement(line) for line in lines if isinstance(line, str)]
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [group.get("dependencies") for group in (poetry.get("group") or {}).values()]
    names += [canonical(name) for table in tables for name in (table or {}) if name.lower() != "python"]
    return list(dict.fromkeys(name for name in names if name))


def parse_setup_cfg(text: str) -> list[str]:
    """Names in a setup.cfg's `[options] install_requires` and `[options.extras_require]`."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read_string(text)
    lines = config.get("options", "install_requires", fallback="").splitlines()
    if config.has_section("options.extras_require"):
        for value in config["options.extras_require"].values():
            lines += value.splitlines()
    return list(dict.fromkeys(n for n in (parse_requirement(split_requirement_line(x)) for x in lines) if n))


SETUP_KEYWORDS = ("install_requires", "extras_require", "setup_requires", "tests_require", "python_requires")


def extract_setup_py(source: str) -> dict:
    """`install_requires` and friends from a setup.py read with `ast` (never run); computed values are marked."""
    tree = ast.parse(source)
    assigned = {}
    for node in tree.body:  # module-level `REQUIRED = [...]` that setup() refers to by name
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    found: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            for keyword in node.keywords:
                if keyword.arg in SETUP_KEYWORDS:
                    value = keyword.value
                    if isinstance(value, ast.Name) and value.id in assigned:
                        value = assigned[value.id]
                    try:
                        literal = ast.literal_eval(value)
                        json.dumps(literal)  # cached as JSON: a set, bytes or complex literal is refused here
                        found[keyword.arg] = literal
                    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                        found[keyword.arg] = "<not a literal>"
    return found


def extract_setup_requires(facts: dict) -> list[str]:
    """Names in the `install_requires` / `extras_require` values read from a setup.py."""
    lines: list = []
    for key in ("install_requires", "extras_require"):
        value = facts.get(key)
        if isinstance(value, dict):
            for extra in value.values():
                lines += extra if isinstance(extra, (list, tuple)) else [extra]
        elif isinstance(value, (list, tuple)):
            lines += value
        elif isinstance(value, str) and value != "<not a literal>":
            lines += value.splitlines()
    return list(dict.fromkeys(n for n in (parse_requirement(str(x)) for x in lines if x) if n))


INSTALL_LINE = re.compile(r"(?:^|[\s;&|!%`(])((?:pip3?|conda|mamba)\s+install\s.*)$")
INSTALL_OPTIONS_WITH_VALUE = REQUIREMENT_OPTIONS_WITH_VALUE | {
    "-c",
    "--channel",
    "-n",
    "--name",
    "-t",
    "--target",
}


def extract_install_lines(text: str) -> list[str]:
    """`pip install` / `conda install` commands in a README, shell script, Dockerfile or notebook."""
    lines = []
    for raw in text.splitlines():
        match = INSTALL_LINE.search(raw.strip())
        if match and not raw.strip().startswith("#") and raw.strip() not in lines:
            lines.append(raw.strip())
    return lines


def parse_install_line(line: str) -> list[str]:
    """Package names a `pip install ...` or `conda install ...` command installs (not files or `-r` lists)."""
    match = INSTALL_LINE.search(line)
    if not match:
        return []
    command = re.split(r"\s*(?:&&|\|\||;|\||`|\)|\s#)\s*", match.group(1))[0]
    try:
        tokens = shlex.split(command) if len(command) <= 10_000 else command.split()  # shlex is quadratic
    except ValueError:
        tokens = command.split()
    conda = tokens[0] in ("conda", "mamba")
    names: list[str] = []
    skip = False
    for token in tokens[2:]:
        if skip:
            skip = False
            continue
        if token in INSTALL_OPTIONS_WITH_VALUE or token in ("-r", "--requirement", "-e", "--editable"):
            skip = token not in ("-e", "--editable")
            continue
        if token.startswith("-"):
            continue
        name = parse_conda_name(token) if conda and "://" not in token else parse_requirement(token)
        if name and name not in names:
            names.append(name)
    return names


IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(\.*[\w.]*)\s+import\b|import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*))"
)


def extract_imports_regex(source: str) -> list[str]:
    """Dotted imports read line by line, for files that are not valid Python 3 (Python 2 mostly)."""
    found = set()
    for line in source.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        if match.group(1) is not None:
            if match.group(1):
                found.add(match.group(1))
        else:
            for part in match.group(2).split(","):
                found.add(part.split()[0])
    return sorted(found)


STATEMENT_LISTS = {  # every node type that holds statements -> its fields holding them (expressions never do)
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.ExceptHandler: ("body",),
    ast.Match: ("cases",),
    ast.match_case: ("body",),
    **({ast.TryStar: ("body", "handlers", "orelse", "finalbody")} if hasattr(ast, "TryStar") else {}),
}


def extract_tree_imports(tree: ast.Module) -> set[str]:
    """Dotted modules imported anywhere in a parsed module, visiting statements only (never expressions)."""
    found: set[str] = set()
    stack: list[Any] = list(tree.body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Import:
            found.update(alias.name for alias in node.names)
        elif kind is ast.ImportFrom:
            found.add("." * node.level + (node.module or ""))
        elif kind in STATEMENT_LISTS:
            for name in STATEMENT_LISTS[kind]:
                stack.extend(getattr(node, name))
    return found


def extract_imports(source: str) -> tuple[list[str], bool]:
    """Sorted dotted modules a Python file imports (relative ones keep their dots), and whether regex was used."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return extract_imports_regex(source), True
    return sorted(extract_tree_imports(tree)), False


def extract_notebook_code(text: str) -> tuple[str, list[str]]:
    """The Python of a notebook's code cells (magics and `!` lines blanked) and its `!pip install` lines."""
    notebook = json.loads(text)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if cells is None and isinstance(notebook, dict):  # nbformat 3 keeps cells in worksheets
        cells = [cell for sheet in notebook.get("worksheets") or [] for cell in sheet.get("cells") or []]
    code, installs = [], []
    for cell in cells or []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        source = "".join(source) if isinstance(source, list) else str(source)
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith(("!", "%")):
                if INSTALL_LINE.search(stripped):
                    installs.append(stripped)
                code.append("")
            else:
                code.append(line)
    return "\n".join(code), installs


def decode_source(data: bytes, path: str) -> str | None:
    """Text of a file: its PEP 263 encoding for `.py`, else UTF-8/UTF-16 by BOM, else Latin-1; None if binary."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        return None
    if path.endswith(".py"):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            return data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


MANIFEST_PATTERNS = (
    r"(?:.*/)?(?:req[^/]*|[^/]*requirements[^/]*)\.(?:txt|in|pip)",
    r"(?:.*/)?requirements/[^/]+\.txt",
    r"(?:.*/)?[^/]*(?:environment|conda|env)[^/]*\.ya?ml",
    r"(?:.*/)?Pipfile",
    r"(?:.*/)?pyproject\.toml",
    r"(?:.*/)?setup\.cfg",
)
MANIFEST_RE = re.compile("|".join(f"(?:{p})" for p in MANIFEST_PATTERNS), re.IGNORECASE)
INSTALL_SOURCE_RE = re.compile(
    r"(?:.*/)?(?:readme[^/]*|[^/]*\.sh|dockerfile[^/]*|install[^/]*|makefile)", re.IGNORECASE
)


def is_manifest(path: str) -> bool:
    """Whether a path names a dependency manifest the scan reads."""
    return bool(MANIFEST_RE.fullmatch(path))


SCAN_POOL_MIN_BYTES = 512 * 1024  # below this a repository is scanned in-process (a round trip costs more)
SCAN_CHUNKS_PER_WORKER = 8  # chunks per worker process, so a slow chunk leaves little idle time at the end
SCAN_POOL_WORKERS = max(1, min(os.cpu_count() or 1, 8))


def extract_file_facts(path: str, data: bytes) -> dict:
    """What one fetched file adds to a repository record: imports, manifest text, install lines, setup.py."""
    facts: dict = {}
    text = decode_source(data, path)
    if text is None:
        if path.endswith(PYTHON_SUFFIXES):
            facts["unreadable"] = True
        return facts
    try:
        if path.endswith(".ipynb"):
            code, installs = extract_notebook_code(text)
            facts["imports"], by_regex = extract_imports(code)
            if installs:
                facts["install_lines"] = installs
        elif path.endswith((".py", ".pyx")):
            facts["imports"], by_regex = extract_imports(text)
            if path.rsplit("/", 1)[-1] == "setup.py" and not by_regex:
                setup = extract_setup_py(text)
                if setup:
                    facts["setup_py"] = setup
        else:
            by_regex = False
            if is_manifest(path):
                facts["manifest"] = text
            if INSTALL_SOURCE_RE.fullmatch(path) and (lines := extract_install_lines(text)):
                facts["install_lines"] = lines
        if by_regex:
            facts["parsed_by_regex"] = True
    except (ValueError, SyntaxError, TypeError, AttributeError, MemoryError, RecursionError):  # bad notebook
        facts["unreadable"] = True  # as before: what was read before the error stays
    return facts


def extract_chunk_facts(chunk: list[tuple[str, bytes]]) -> list[dict]:
    """`extract_file_facts` of each (path, bytes) in a chunk: the unit of work sent to a scan process."""
    collecting = gc.isenabled()
    gc.disable()  # syntax trees hold no reference cycles; the collector would only rescan them, a quarter of the time
    try:
        return [extract_file_facts(path, data) for path, data in chunk]
    finally:
        if collecting:
            gc.enable()


def split_by_size(items: list[tuple[str, bytes]], parts: int) -> list[list[tuple[str, bytes]]]:
    """Consecutive runs of `items` of about equal total byte size, at most `parts` of them."""
    total = sum(len(data) for _, data in items)
    target = max(1, total // max(1, parts))
    chunks: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for item in items:
        if size >= target and len(chunks) < parts:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1])
    return [chunk for chunk in chunks if chunk]


def make_scan_pool(workers: int = SCAN_POOL_WORKERS) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool for scanning: forked while this process has no other thread, else via a fork server."""
    methods = multiprocessing.get_all_start_methods()
    fork = "fork" in methods and threading.active_count() == 1
    method = "fork" if fork else "forkserver" if "forkserver" in methods else "spawn"
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=multiprocessing.get_context(method)
    )
    if fork:  # a forking pool starts all its processes on the first task: do that now, while no thread runs
        executor.submit(os.getpid).result()
    return executor


def map_file_facts(
    paths: list[str], contents: dict[str, bytes], executor: concurrent.futures.Executor | None = None
) -> list[dict]:
    """`extract_file_facts` of each path, in order: in chunks on `executor` when the files are big enough."""
    items = [(path, contents[path]) for path in paths]
    if executor is None or sum(len(data) for _, data in items) < SCAN_POOL_MIN_BYTES:
        return extract_chunk_facts(items)
    chunks = split_by_size(items, (os.cpu_count() or 1) * SCAN_CHUNKS_PER_WORKER)
    return [facts for chunk_facts in executor.map(extract_chunk_facts, chunks) for facts in chunk_facts]


def extract_repo_facts(
    repo: str,
    subdir: str,
    files: list,
    contents: dict[str, bytes],
    *,
    executor: concurrent.futures.Executor | None = None,
    **extra: Any,
) -> dict:
    """A repository record (the format of ../shared/iclr2020/repos/*.json) from fetched file contents."""
    prefix = f"{subdir}/" if subdir else ""
    record: dict = {
        "repo": repo,
        "subdir": subdir,
        "files": [[prefix + path, size] for path, size in files],
        "manifests": {},
        "setup_py": {},
        "install_lines": {},
        "imports": {},
        "parsed_by_regex": [],
        "unreadable": [],
        **extra,
    }
    paths = sorted(contents)
    for path, facts in zip(paths, map_file_facts(paths, contents, executor), strict=True):
        full = prefix + path
        if "imports" in facts:
            record["imports"][full] = facts["imports"]
        if "manifest" in facts:
            record["manifests"][full] = facts["manifest"]
        if "install_lines" in facts:
            record["install_lines"][full] = facts["install_lines"]
        if "setup_py" in facts:
            record["setup_py"][full] = facts["setup_py"]
        if facts.get("parsed_by_regex"):
            record["parsed_by_regex"].append(full)
        if facts.get("unreadable"):
            record["unreadable"].append(full)
    return record


def extract_manifest_names(path: str, text: str, manifests: dict) -> list[str]:
    """Names declared by one manifest, by its kind; a malformed manifest declares nothing."""
    name = PurePosixPath(path).name.lower()
    try:
        if name.endswith((".yml", ".yaml")):
            return parse_environment_yml(text)
        if name == "pipfile":
            return parse_pipfile(text)
        if name == "pyproject.toml":
            return parse_pyproject(text)
        if name == "setup.cfg":
            return parse_setup_cfg(text)
        return parse_requirements_text(text, path, manifests)
    except (
        yaml.YAMLError,
        tomllib.TOMLDecodeError,
        configparser.Error,
        ValueError,
        TypeError,
        AttributeError,
        RecursionError,
        MemoryError,
    ):
        return []


def extract_declared_tools(record: dict) -> list[str]:
    """Sorted canonical names a repository declares: manifests, setup.py metadata and install commands."""
    manifests = record.get("manifests") or {}
    names: set[str] = set()
    for path, text in manifests.items():
        names.update(extract_manifest_names(path, text, manifests))
    for facts in (record.get("setup_py") or {}).values():
        names.update(extract_setup_requires(facts))
    for lines in (record.get("install_lines") or {}).values():
        for line in lines:
            names.update(parse_install_line(line))
    return sorted(names)


def extract_own_modules(record: dict) -> set[str]:
    """Top-level names a repository's own files and folders provide (`models/`, `utils.py`)."""
    own = set()
    paths = [path for path, _ in record.get("files") or []] + list(record.get("imports") or {})
    for path in paths:
        parts = PurePosixPath(path).parts
        own.update(parts[:-1])
        stem, _, suffix = parts[-1].partition(".") if parts else ("", "", "")
        if suffix in ("py", "pyx", "so", "pyd") or parts[-1].endswith((".py", ".pyx")):
            own.add(stem)
    return own


def extract_imported_modules(record: dict) -> list[str]:
    """Sorted third-party top-level modules a repository imports (no stdlib, no relative, not its own)."""
    own = extract_own_modules(record)
    found = set()
    for modules in (record.get("imports") or {}).values():
        for module in modules:
            top = module.split(".")[0]
            if top and top not in STDLIB and top not in own and top.isidentifier():
                found.add(module)
    return sorted(found)


def extract_frameworks(modules: list[str]) -> list[str]:
    """The deep-learning frameworks named by imported modules, in the order of FRAMEWORKS."""
    tops = {module.split(".")[0] for module in modules}
    return [fw for fw in FRAMEWORKS if any(FRAMEWORK_BY_MODULE.get(top) == fw for top in tops)]


def count_python_files(record: dict) -> int:
    """How many `.py`, `.ipynb` and `.pyx` files a repository target holds."""
    return sum(1 for path, _ in record.get("files") or [] if path.endswith(PYTHON_SUFFIXES))


def explain_record(record: dict, status: str) -> str:
    """Why a record's row reads as it does, where that needs saying (no Python, a partial copy)."""
    if status == "no_python":
        return "no .py, .ipynb or .pyx file"
    if record.get("source") == "folder":
        return f"partial record, no commit: {record.get('source_note', 'stored copies of single files')}"
    return ""


def extract_tools(record: dict) -> dict:
    """Status, frameworks, declared and imported tools of one repository record."""
    status = record.get("status", "ok")
    if status == "ok" and count_python_files(record) == 0:
        status = "no_python"
    modules = extract_imported_modules(record) if status == "ok" else []
    imported = sorted({map_module_to_package(module) for module in modules})
    declared = extract_declared_tools(record) if status in ("ok", "no_python") else []
    return {
        "status": status,
        "reason": record.get("reason") or explain_record(record, status),
        "commit": record.get("commit") or "",
        "n_python_files": count_python_files(record),
        "frameworks": extract_frameworks(modules),
        "declared_tools": declared,
        "imported_tools": imported,
        "undeclared_imports": sorted(set(imported) - set(declared) - BUILD_TOOLS) if declared else [],
        "declares_dependencies": bool(declared),
    }


# --------------------------------------------------------------------------------------------------
# Which files a dependency scan needs
# --------------------------------------------------------------------------------------------------

SCAN_SUFFIXES = (".py", ".pyx", ".ipynb", ".sh")
SCAN_NAMES = {"setup.py", ".gitmodules"}

# --------------------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------------------

# Measured on the fake GitHub (200 .py files + a 50 MB data file + 3 x 5 MB images; scan files 0.53 MB): the
# archive sends 68.3 MB (128x the scan bytes), the partial clone 0.16 MB (0.3x); with 50 ms latency and 2 MB/s,
# 32.6 s against 0.41 s. On a 0.4 MB repository the archive is quicker (0.16 s against 0.42 s) but still 2.3x.
DEFAULT_FETCH_METHOD = "clone"  # fetch_repo falls back to "archive" when no git is installed
CODELOAD_URL = "https://codeload.github.com"
GITHUB_GIT_URL = "https://github.com"
USER_AGENT = "iclr-tools-scan/0.1 (+dependency scan; urllib3)"
DEFAULT_TIMEOUT_S = 30.0  # connect and per-read socket timeout
DEFAULT_TOTAL_TIMEOUT_S = 600.0  # wall-clock budget for one repository
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF_FACTOR = 1.0
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0  # never sleep longer than this on a Retry-After header
MAX_REDIRECTS = 5
DEFAULT_MAX_FILE_BYTES = 5 * 2**20
DEFAULT_MAX_REPO_BYTES = 2 * 2**30
BOMB_MIN_BYTES = 64 * 2**20  # the ratio guard starts once this many bytes were decompressed
BOMB_MAX_RATIO = 100  # decompressed / compressed above this looks like a compression bomb
READ_CHUNK = 64 * 1024
RETRY_STATUSES = (429, 500, 502, 503, 504)
MISSING_STATUSES = (404, 410, 451)
SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
T = TypeVar("T")


@dataclass
class FetchResult:
    """What fetching one repository (or one folder of it) gave: status, files, kept contents, and why."""

    status: str  # ok, missing, too_large, timeout, rate_limited, http_error, bad_archive, error
    reason: str
    commit: str | None = None
    files: list[tuple[str, int]] = field(default_factory=list)  # every file of the target; size -1 if unknown
    contents: dict[str, bytes] = field(default_factory=dict)
    symlinks: list[str] = field(default_factory=list)
    submodules: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    bytes_received: int = 0
    method: str = "archive"


class FetchAbort(Exception):
    """Stop a fetch with a FetchResult status and a human reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --------------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------------


def is_scan_file(path: str) -> bool:
    """Tell whether a repository path is one a dependency scan reads (code, manifests, READMEs, scripts)."""
    path = path.replace("\\", "/").rstrip("/")
    name = path.rsplit("/", 1)[-1].lower()
    if not name:
        return False
    return (
        name.endswith(SCAN_SUFFIXES)
        or name in SCAN_NAMES
        or bool(MANIFEST_RE.fullmatch(path) or INSTALL_SOURCE_RE.fullmatch(path))
    )


def clean_subdir(subdir: str | None) -> str:
    """Normalize a monorepo folder to `a/b` (no leading/trailing slashes, no `.` parts); '' for the whole repo."""
    parts = [part for part in (subdir or "").replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"folder {subdir!r} climbs out of the repository with '..'")
    return "/".join(parts)


def is_unsafe_path(name: str) -> bool:
    """Tell whether an archive member name is absolute or climbs with `..` (never trusted, never written)."""
    return name.startswith("/") or re.match(r"^[A-Za-z]:", name) is not None or ".." in name.split("/")


def extract_repo_path(member_name: str) -> str | None:
    """Strip the archive's top folder (`repo-sha/`); None for the top folder itself."""
    parts = [part for part in member_name.split("/") if part not in ("", ".")]
    return "/".join(parts[1:]) or None


def extract_target_path(repo_path: str, subdir: str) -> str | None:
    """Path relative to the target folder, '' for the folder itself, None when outside it."""
    if not subdir:
        return repo_path
    if repo_path == subdir:
        return ""
    if repo_path.startswith(subdir + "/"):
        return repo_path[len(subdir) + 1 :]
    return None


def parse_gitmodules(text: str) -> list[tuple[str, str]]:
    """Read (path, url) pairs from a `.gitmodules` file."""
    pairs: list[tuple[str, str]] = []
    current: dict[str, str] = {}
    for raw in text.splitlines() + ["[end]"]:
        line = raw.strip()
        if line.startswith("["):
            if "path" in current:
                pairs.append((current["path"].strip("/"), current.get("url", "")))
            current = {}
        elif "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            current[key.strip().lower()] = value.strip().strip('"')
    return pairs


def parse_commit_sha(pax_headers: dict[str, str], ref: str | None) -> str | None:
    """The commit SHA from the pax global header `git archive` writes, else the ref when it is a full SHA."""
    comment = (pax_headers.get("comment") or "").strip().lower()
    if SHA_RE.match(comment):
        return comment
    if ref and SHA_RE.match(ref.lower()):
        return ref.lower()
    return None


def parse_ls_tree(output: bytes) -> list[tuple[str, str, str, str]]:
    """Parse `git ls-tree -r -z` output into (mode, type, oid, path) tuples."""
    entries = []
    for record in output.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        entries.append((mode, kind, oid, path.decode("utf-8", "surrogateescape")))
    return entries


def parse_cat_file_batch(output: bytes) -> dict[str, bytes]:
    """Parse `git cat-file --batch` output into oid -> content."""
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        header = output[pos:end].decode("ascii").split(" ")
        pos = end + 1
        if len(header) == 2 and header[1] == "missing":
            continue
        size = int(header[2])
        blobs[header[0]] = output[pos : pos + size]
        pos += size + 1
    return blobs


def redact(text: str, token: str | None) -> str:
    """Remove a token (and its base64 forms) from text meant for a reason or a log."""
    if not token:
        return text
    for secret in (token, make_basic_credentials(token)):
        text = text.replace(secret, "***")
    return text


def make_basic_credentials(token: str) -> str:
    """The base64 `x-access-token:TOKEN` credentials GitHub's git over HTTPS accepts."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")


def make_archive_url(base_url: str, owner: str, repo: str, ref: str | None) -> str:
    """The codeload URL of a repository's tar.gz at a ref (HEAD when none)."""
    return f"{base_url.rstrip('/')}/{quote(owner)}/{quote(repo)}/tar.gz/{quote(ref or 'HEAD', safe='/')}"


def make_git_url(git_base: str, owner: str, repo: str) -> str:
    """The smart-HTTP git URL of a repository."""
    return f"{git_base.rstrip('/')}/{quote(owner)}/{quote(repo)}.git"


def format_size(n: int) -> str:
    """Bytes as a short human string."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def describe_ok(result: FetchResult) -> str:
    """The reason sentence of a successful fetch."""
    return (
        f"Fetched {len(result.contents)} scan files of {len(result.files)} files "
        f"({format_size(result.bytes_received)} received by {result.method})."
    )


# --------------------------------------------------------------------------------------------------
# HTTP: one shared pool with bounded retries
# --------------------------------------------------------------------------------------------------


class CappedRetry(Retry):
    """urllib3 Retry that obeys Retry-After but never sleeps longer than RETRY_AFTER_MAX_S (any urllib3 2.x)."""

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait from a Retry-After header, capped."""
        return min(super().parse_retry_after(retry_after), RETRY_AFTER_MAX_S)


def make_retry(retries: int = DEFAULT_RETRIES, backoff_factor: float = DEFAULT_BACKOFF_FACTOR) -> Retry:
    """Retry policy: connect/read/status retries with bounded backoff, Retry-After obeyed but capped."""
    return CappedRetry(
        total=None,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=MAX_REDIRECTS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX_S,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=True,
    )


def make_http_pool(maxsize: int = 16, timeout: float = DEFAULT_TIMEOUT_S) -> urllib3.PoolManager:
    """A PoolManager for many threads: `maxsize` connections per host, default retries and timeouts."""
    return urllib3.PoolManager(
        num_pools=8,
        maxsize=maxsize,
        block=False,
        retries=make_retry(),
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        headers={"User-Agent": USER_AGENT},
    )


@functools.lru_cache(maxsize=1)
def get_default_pool() -> urllib3.PoolManager:
    """The process-wide shared PoolManager used when a caller passes none."""
    return make_http_pool()


def classify_http_status(status: int, headers: dict, url: str, retries: int, token: str | None) -> FetchAbort:
    """Turn a final non-200 answer into a FetchAbort with a status and an actionable reason."""
    if status in MISSING_STATUSES:
        return FetchAbort(
            "missing",
            f"{url} answered HTTP {status}: the repository or ref is gone, renamed or private; check the link.",
        )
    remaining = str(headers.get("x-ratelimit-remaining", ""))
    if status == 429 or (status == 403 and remaining == "0"):
        advice = "wait for the quota to refill" if token else "set GITHUB_TOKEN or wait an hour"
        return FetchAbort(
            "rate_limited",
            f"{url} kept answering HTTP {status} (rate limited) after {retries} retries; {advice} and run again.",
        )
    return FetchAbort("http_error", f"{url} answered HTTP {status} after {retries} retries; run again later.")


def classify_http_exception(error: Exception, url: str, timeout: float) -> FetchAbort:
    """Turn a urllib3 exception raised before the body into a FetchAbort."""
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # before TimeoutError: it subclasses it
        return FetchAbort("http_error", f"Could not connect to {urlsplit(url).netloc}; check the network.")
    if isinstance(reason, urllib3.exceptions.TimeoutError) or isinstance(
        error, urllib3.exceptions.TimeoutError
    ):
        return FetchAbort(
            "timeout", f"{url} did not answer within {timeout:g} s; run again later or raise the timeout."
        )
    if isinstance(reason, urllib3.exceptions.ResponseError) and "redirect" in str(reason):
        return FetchAbort(
            "http_error",
            f"{url} redirected more than {MAX_REDIRECTS} times (a redirect loop); check the link.",
        )
    return FetchAbort(
        "http_error", f"{url} failed: {type(reason).__name__}: {str(reason)[:200]}; run again later."
    )


# --------------------------------------------------------------------------------------------------
# Archive: stream, decompress and filter a tar.gz without writing it anywhere
# --------------------------------------------------------------------------------------------------


class GunzipReader:
    """A read()-able gzip decompressor over a raw byte source, capping total output and expansion ratio."""

    def __init__(self, read_raw: Callable[[int], bytes], max_out: int) -> None:
        self._read_raw = read_raw
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._tail = b""
        self.max_out = max_out
        self.bytes_in = 0
        self.bytes_out = 0

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` decompressed bytes; b'' at the end of the gzip stream."""
        want = size if size and size > 0 else READ_CHUNK
        while True:
            if not self._tail:
                self._tail = self._read_raw(READ_CHUNK)
                self.bytes_in += len(self._tail)
                if not self._tail:
                    if self._inflater.eof:
                        return b""
                    raise FetchAbort("bad_archive", self.describe_truncation())
            if self._inflater.eof:
                if not self._tail.strip(b"\0"):  # zero padding after the last gzip member
                    self._tail = b""
                    continue
                self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)  # a concatenated gzip member
            out = self._inflater.decompress(self._tail, want)
            self._tail = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail
            self.check_limits(len(out))
            if out:
                return out

    def describe_truncation(self) -> str:
        """The reason for a body that ended before the gzip stream did."""
        if self.bytes_in == 0:
            return "The archive body was empty; run again later."
        return f"The archive ended early after {format_size(self.bytes_in)} (truncated download); run again later."

    def check_limits(self, produced: int) -> None:
        """Raise too_large when the output passes the cap or expands like a compression bomb."""
        self.bytes_out += produced
        if self.bytes_out > self.max_out:
            raise FetchAbort(
                "too_large",
                f"The archive expands past {format_size(self.max_out)}; skip it or fetch it with method='clone'.",
            )
        if self.bytes_out > BOMB_MIN_BYTES and self.bytes_out > BOMB_MAX_RATIO * max(self.bytes_in, 1):
            raise FetchAbort(
                "too_large",
                f"The archive expanded {self.bytes_out // max(self.bytes_in, 1)}x ({format_size(self.bytes_out)} "
                f"from {format_size(self.bytes_in)}), which looks like a compression bomb; it was not scanned.",
            )


def read_tar_members(tar: tarfile.TarFile, subdir: str, max_file_bytes: int, result: FetchResult) -> bool:
    """Walk a streamed tar once, filling `result` with the target's files and kept contents; True if found."""
    found = not subdir
    gitmodules = b""
    while True:
        member = tar.next()
        if member is None:
            break
        tar.members.clear()  # stream mode keeps every TarInfo otherwise: memory would grow with the file count
        result.commit = result.commit or parse_commit_sha(tar.pax_headers, None)
        if is_unsafe_path(member.name):
            result.skipped.append((member.name, "unsafe path (absolute or '..')"))
            continue
        repo_path = extract_repo_path(member.name)
        if repo_path is None:
            continue
        known = None  # a member's bytes can be read once from a stream: keep them if read already
        if repo_path == ".gitmodules" and member.isreg() and member.size <= max_file_bytes:
            gitmodules = known = read_member(tar, member)
        path = extract_target_path(repo_path, subdir)
        if path is None:
            continue
        found = True
        if path:
            keep_member(tar, member, path, max_file_bytes, result, known)
    submodule_paths = (
        extract_target_path(path, subdir)
        for path, _ in parse_gitmodules(gitmodules.decode("utf-8", "replace"))
    )
    result.submodules = [path for path in submodule_paths if path]
    return found


def keep_member(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    max_file_bytes: int,
    result: FetchResult,
    known: bytes | None,
) -> None:
    """Record one member under the target: list it, keep its bytes if it is a scan file, or skip it."""
    if member.issym():
        result.symlinks.append(path)
        result.skipped.append((path, "symlink"))
    elif member.islnk():
        result.skipped.append((path, "hard link"))
    elif member.isdir():
        return
    elif not member.isreg():
        result.skipped.append((path, "device, fifo or other special file"))
    else:
        result.files.append((path, member.size))
        if not is_scan_file(path):
            return
        if member.size > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = known if known is not None else read_member(tar, member)


def read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """Read the current member's bytes from a streamed tar."""
    handle = tar.extractfile(member)
    return handle.read() if handle is not None else b""


def fetch_archive(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    *,
    base_url: str = CODELOAD_URL,
    token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_repo_bytes: int = DEFAULT_MAX_REPO_BYTES,
    pool: urllib3.PoolManager | None = None,
    retries: int | Retry = DEFAULT_RETRIES,
) -> FetchResult:
    """Stream GitHub's tar.gz of a repository and keep the scan files of `subdir`, writing nothing to disk."""
    url = make_archive_url(base_url, owner, repo, ref)
    retry = retries if isinstance(retries, Retry) else make_retry(retries)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    result = FetchResult(status="ok", reason="", method="archive")
    deadline = time.monotonic() + total_timeout
    try:
        subdir = clean_subdir(subdir)
        response = (pool or get_default_pool()).request(
            "GET",
            url,
            headers=headers,
            preload_content=False,
            decode_content=False,
            retries=retry,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except urllib3.exceptions.HTTPError as error:
        return fail(result, classify_http_exception(error, url, timeout), token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    try:
        stream_archive(
            response,
            url,
            ref,
            subdir,
            retry.status or 0,
            token,
            deadline,
            max_file_bytes,
            max_repo_bytes,
            result,
        )
    except FetchAbort as abort:
        return fail(result, abort, token)
    finally:
        response.close()
        response.release_conn()
    if result.status == "ok":
        result.reason = describe_ok(result)
    return result


def stream_archive(
    response: urllib3.BaseHTTPResponse,
    url: str,
    ref: str | None,
    subdir: str,
    retries: int,
    token: str | None,
    deadline: float,
    max_file_bytes: int,
    max_repo_bytes: int,
    result: FetchResult,
) -> None:
    """Check the answer, then decompress and walk the tar while it streams, raising FetchAbort on failure."""
    if response.status != 200:
        raise classify_http_status(response.status, response.headers, url, retries, token)
    length = int(response.headers.get("Content-Length") or 0)
    if length > max_repo_bytes:
        raise FetchAbort("too_large", f"{url} is {format_size(length)}, over the cap; skip it or use clone.")

    def read_raw(amount: int) -> bytes:
        if time.monotonic() > deadline:
            raise FetchAbort("timeout", f"{url} took longer than the total budget; run again or raise it.")
        data = response.read(amount, decode_content=False)
        result.bytes_received += len(data)
        return data

    reader = GunzipReader(read_raw, max_repo_bytes)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            found = read_tar_members(tar, subdir, max_file_bytes, result)
            pax_headers = dict(tar.pax_headers)
        while reader.read(READ_CHUNK):  # the rest of the gzip stream: checks its CRC and that it is complete
            pass
    except urllib3.exceptions.TimeoutError as error:
        raise FetchAbort(
            "timeout", f"{url} stalled mid-download ({type(error).__name__}); run again later."
        ) from None
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as error:
        raise FetchAbort(
            "bad_archive", f"The download of {url} broke ({type(error).__name__}); run again later."
        ) from None
    except (tarfile.TarError, zlib.error, EOFError) as error:
        raise FetchAbort(
            "bad_archive", f"{url} is not a valid tar.gz ({str(error)[:120]}); run again later."
        ) from None
    result.commit = parse_commit_sha(pax_headers, ref) or result.commit
    if not found:
        raise FetchAbort("missing", f"The folder {subdir!r} is not in {url}; check the link to the code.")


def fail(result: FetchResult, abort: FetchAbort, token: str | None) -> FetchResult:
    """Mark a result as failed with the abort's status and a token-free reason."""
    result.status = abort.status
    result.reason = redact(abort.reason, token)
    return result


# --------------------------------------------------------------------------------------------------
# Clone: blob-less partial clone, then only the scan files' blobs
# --------------------------------------------------------------------------------------------------


class GitError(Exception):
    """A git command failed; `stderr` holds its (token-free) message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args[:1])} exited {returncode}: {stderr.strip()[-300:]}")
        self.returncode = returncode
        self.stderr = stderr


def make_git_env(git_base: str, token: str | None, timeout: float) -> dict[str, str]:
    """Environment for git: no user/system config, no prompts, no hooks, no LFS, token only as a header."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_LFS_SKIP_SMUDGE="1",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_ALLOW_PROTOCOL="http:https" + (":file" if git_base.startswith("file:") else ""),
        LC_ALL="C",
    )
    settings = [
        ("core.hooksPath", os.devnull),
        ("core.fsmonitor", "false"),
        ("core.symlinks", "false"),
        ("credential.helper", ""),
        ("protocol.file.allow", "always" if git_base.startswith("file:") else "never"),
        ("submodule.recurse", "false"),
        ("fetch.recurseSubmodules", "false"),
        ("fetch.unpackLimit", "1"),  # keep what arrives as packs, so their sizes tell the bytes received
        ("fetch.negotiationAlgorithm", "noop"),
        ("http.lowSpeedLimit", "1"),
        ("http.lowSpeedTime", str(max(1, int(timeout)))),
        ("advice.detachedHead", "false"),
    ]
    if token:
        settings.append(
            (
                f"http.{git_base.rstrip('/')}/.extraHeader",
                f"Authorization: Basic {make_basic_credentials(token)}",
            )
        )
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def run_git(args: list[str], cwd: str, env: dict[str, str], deadline: float, stdin: bytes = b"") -> bytes:
    """Run one git command in its own process group; kill the group when the deadline passes."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise subprocess.TimeoutExpired(["git", *args[:1]], 0)
    with subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(stdin, timeout=remaining)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    if process.returncode != 0:
        raise GitError(args, process.returncode, err.decode("utf-8", "replace"))
    return out


def classify_git_error(error: Exception, url: str, step: str, timeout: float) -> FetchAbort:
    """Turn a failed or timed-out git step into a FetchAbort with an actionable reason."""
    if isinstance(error, subprocess.TimeoutExpired):
        return FetchAbort("timeout", f"git {step} of {url} took longer than {timeout:g} s; run again later.")
    text = getattr(error, "stderr", str(error))
    last = (text.strip().splitlines() or [""])[-1][:200]
    lower = text.lower()
    if "error: 429" in lower or "too many requests" in lower:
        return FetchAbort(
            "rate_limited", f"git {step} of {url} was rate limited (HTTP 429); set GITHUB_TOKEN or wait."
        )
    missing_signs = (
        "not found",
        "error: 404",
        "error: 410",
        "could not read username",
        "terminal prompts disabled",
        "couldn't find remote ref",
        "not our ref",
        "not a valid object name",
        "not a tree object",
    )
    if any(sign in lower for sign in missing_signs):
        return FetchAbort(
            "missing", f"git {step} of {url} found nothing ({last}); check the repository and ref."
        )
    if "timed out" in lower or "too slow" in lower:
        return FetchAbort("timeout", f"git {step} of {url} stalled ({last}); run again later.")
    if "error: 5" in lower or "rpc failed" in lower or "early eof" in lower or "unable to access" in lower:
        return FetchAbort("http_error", f"git {step} of {url} failed ({last}); run again later.")
    return FetchAbort("error", f"git {step} of {url} failed ({last}); see git's message.")


def measure_pack_bytes(git_dir: str) -> int:
    """Sum the pack files git received (what arrived over the network, less protocol framing)."""
    pack_dir = os.path.join(git_dir, "objects", "pack")
    if not os.path.isdir(pack_dir):
        return 0
    return sum(entry.stat().st_size for entry in os.scandir(pack_dir) if entry.name.endswith(".pack"))


def fetch_clone(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    *,
    git_base: str = GITHUB_GIT_URL,
    token: str | None = None,
    timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    retries: int = 2,
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
) -> FetchResult:
    """Fetch the scan files of `subdir` by a blob-less partial clone, retrying rate limits and server errors."""
    for attempt in range(retries + 1):
        result = fetch_clone_once(owner, repo, ref, subdir, workdir, git_base, token, timeout, max_file_bytes)
        if result.status not in ("rate_limited", "http_error") or attempt == retries:
            return result
        time.sleep(min(BACKOFF_MAX_S, backoff_factor * 2**attempt))
    return result


def fetch_clone_once(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    git_base: str,
    token: str | None,
    timeout: float,
    max_file_bytes: int,
) -> FetchResult:
    """One partial-clone attempt in a temporary folder under `workdir`, deleted afterwards."""
    url = make_git_url(git_base, owner, repo)
    result = FetchResult(status="ok", reason="", method="clone")
    env = make_git_env(git_base, token, timeout)
    deadline = time.monotonic() + timeout
    os.makedirs(workdir, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="clone-", dir=workdir)
    step = "init"
    try:
        subdir = clean_subdir(subdir)
        run_git(["init", "-q", "--bare", "--template=", temp], temp, env, deadline)
        run_git(["remote", "add", "origin", url], temp, env, deadline)
        step = "fetch"
        run_git(
            ["fetch", "-q", "--depth", "1", "--filter=blob:none", "--no-tags", "origin", ref or "HEAD"],
            temp,
            env,
            deadline,
        )
        result.commit = (
            run_git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], temp, env, deadline).decode().strip()
        )
        step = "listing"
        tree = f"{result.commit}:{subdir}" if subdir else result.commit
        entries = parse_ls_tree(run_git(["ls-tree", "-r", "-z", tree], temp, env, deadline))
        wanted = sort_tree_entries(entries, result)
        step = "blob fetch"
        read_blobs(wanted, temp, env, deadline, max_file_bytes, result)
    except (GitError, subprocess.TimeoutExpired, OSError) as error:
        abort = classify_git_error(error, url, step, timeout)
        if step == "listing" and abort.status == "missing":
            abort = FetchAbort(
                "missing", f"The folder {subdir!r} is not in {url}; check the link to the code."
            )
        return fail(result, abort, token)
    except ValueError as error:
        return fail(result, FetchAbort("error", f"{error}; fix the target."), token)
    finally:
        result.bytes_received = measure_pack_bytes(temp)
        shutil.rmtree(temp, ignore_errors=True)
    result.reason = describe_ok(result)
    return result


def sort_tree_entries(entries: list[tuple[str, str, str, str]], result: FetchResult) -> dict[str, str]:
    """Fill files/symlinks/submodules/skipped from a tree listing; return path -> oid of the scan files."""
    wanted: dict[str, str] = {}
    for mode, kind, oid, path in entries:
        if is_unsafe_path(path):
            result.skipped.append((path, "unsafe path (absolute or '..')"))
        elif mode == "160000":
            result.submodules.append(path)
        elif mode == "120000":
            result.symlinks.append(path)
            result.skipped.append((path, "symlink"))
        elif kind == "blob":
            result.files.append((path, -1))
            if is_scan_file(path):
                wanted[path] = oid
    return wanted


def read_blobs(
    wanted: dict[str, str],
    git_dir: str,
    env: dict[str, str],
    deadline: float,
    max_file_bytes: int,
    result: FetchResult,
) -> None:
    """Download the wanted blobs in one request, then read them from the object store into `result`."""
    if not wanted:
        return
    oids = "".join(f"{oid}\n" for oid in dict.fromkeys(wanted.values())).encode()
    fetch_args = ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no"]
    run_git([*fetch_args, "--filter=blob:none", "--stdin", "origin"], git_dir, env, deadline, stdin=oids)
    blobs = parse_cat_file_batch(run_git(["cat-file", "--batch"], git_dir, env, deadline, stdin=oids))
    for index, (path, _) in enumerate(result.files):
        blob = blobs.get(wanted.get(path, ""))
        if blob is None:
            continue
        result.files[index] = (path, len(blob))
        if len(blob) > max_file_bytes:
            result.skipped.append((path, f"larger than {format_size(max_file_bytes)}"))
        else:
            result.contents[path] = blob


# --------------------------------------------------------------------------------------------------
# Many repositories at once
# --------------------------------------------------------------------------------------------------


def is_git_available() -> bool:
    """Tell whether a git executable is on PATH (the clone method needs one)."""
    return shutil.which("git") is not None


def fetch_repo(
    owner: str,
    repo: str,
    ref: str | None,
    subdir: str | None,
    workdir: str | os.PathLike,
    *,
    method: str = DEFAULT_FETCH_METHOD,
    token: str | None = None,
    base_url: str = CODELOAD_URL,
    git_base: str = GITHUB_GIT_URL,
    pool: urllib3.PoolManager | None = None,
) -> FetchResult:
    """Fetch one target by `method` ("clone" or "archive"); clone falls back to archive when git is missing."""
    if method == "clone" and is_git_available():
        return fetch_clone(owner, repo, ref, subdir, workdir, git_base=git_base, token=token)
    if method not in ("clone", "archive"):
        raise ValueError(f"unknown fetch method {method!r}: use 'clone' or 'archive'")
    return fetch_archive(owner, repo, ref, subdir, base_url=base_url, token=token, pool=pool)


def describe_exception(target: object, error: BaseException) -> FetchResult:
    """An `error` FetchResult for a target whose fetch raised."""
    return FetchResult(
        status="error",
        reason=(
            f"Fetching {target!r} raised {type(error).__name__}: {str(error)[:200]}; this is a bug: "
            "please report it with this message. A rerun retries this repository."
        ),
        method="",
    )


def fetch_many(
    targets: Iterable[T], fetch_one: Callable[[T], FetchResult], workers: int = 8, desc: str = "fetch"
) -> Iterator[FetchResult]:
    """Run `fetch_one` on many targets in a thread pool; yield results in input order, errors as results.

    Lazy: nothing runs until iterated. At most 4 x `workers` results wait in memory for an earlier slow target.
    """
    items = list(targets)
    window = max(1, workers) * 4
    done: dict[int, FetchResult] = {}
    running: dict[concurrent.futures.Future, int] = {}
    submitted = 0
    bar = tqdm(total=len(items), desc=desc, unit="repo")
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch")
    try:
        for next_out in range(len(items)):
            while submitted < len(items) and submitted < next_out + window:
                running[executor.submit(fetch_one, items[submitted])] = submitted
                submitted += 1
            while next_out not in done:
                finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in finished:
                    index = running.pop(future)
                    error = future.exception()
                    done[index] = describe_exception(items[index], error) if error else future.result()
                    bar.update(1)
            yield done.pop(next_out)
    finally:
        for future in running:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        bar.close()


# --------------------------------------------------------------------------------------------------
# Repository records: the disk cache, recorded snapshots, and fetching what is not there yet
# --------------------------------------------------------------------------------------------------

FINAL_STATUSES = {"ok", "missing", "too_large", "no_python"}  # cached; anything else is retried on rerun


def target_key(repo: str, subdir: str = "", ref: str = "") -> str:
    """File stem of a target's record: `owner__name[__sub_dir][@ref]` (the naming of ../shared)."""
    key = repo.replace("/", "__")
    if subdir:
        key += "__" + subdir.replace("/", "_")
    if ref:
        key += "@" + re.sub(r"[^\w.-]", "_", ref)
    return key


def read_json(path: str | Path) -> Any:
    """Parse a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_snapshot_missing(snapshot_dir: str | Path) -> dict[tuple[str, str], str]:
    """(repo, subdir) -> reason for the linked repositories a snapshot could not record."""
    path = Path(snapshot_dir) / "repos_missing.json"
    rows = read_json(path) if path.is_file() else []
    return {(row["repo"], row.get("subdir") or ""): row.get("why", "not recorded") for row in rows}


def read_cached_record(cache_dir: str | Path, target: dict) -> dict | None:
    """A target's record from the disk cache, or None (a half-written file never has a final status)."""
    path = Path(cache_dir) / "repos" / f"{target_key(target['repo'], target['subdir'], target['ref'])}.json"
    if not path.is_file():
        return None
    try:
        record = read_json(path)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) and record.get("status") in FINAL_STATUSES else None


def read_snapshot_record(snapshot_dir: str | Path, target: dict, missing: dict) -> dict | None:
    """A target's record from a recorded snapshot folder (`repos/*.json`, `repos_missing.json`), or None."""
    path = Path(snapshot_dir) / "repos" / f"{target_key(target['repo'], target['subdir'])}.json"
    if path.is_file():
        return {"status": "ok", "reason": "", **read_json(path)}
    why = missing.get((target["repo"], target["subdir"]))
    if why is not None:
        return {"repo": target["repo"], "subdir": target["subdir"], "status": "missing", "reason": why}
    return None


def fetch_repo_record(
    target: dict, *, cache_dir: str | Path, method: str, token: str | None, archive_url: str, git_url: str
) -> dict:
    """Fetch one target, scan it and cache its record; transient failures are returned but not cached."""
    owner, name = target["repo"].split("/", 1)
    result = fetch_repo(
        owner, name, target["ref"], target["subdir"], Path(cache_dir) / "work", method=method, token=token,
        base_url=archive_url, git_base=git_url,
    )  # fmt: skip
    extra = {
        "status": result.status,
        "reason": result.reason,
        "commit": result.commit,
        "method": result.method,
    }
    if result.status == "ok":
        extra.update(symlinks=result.symlinks, submodules=result.submodules, skipped=result.skipped)
        record = extract_repo_facts(target["repo"], target["subdir"], result.files, result.contents, **extra)
    else:
        record = {"repo": target["repo"], "subdir": target["subdir"], **extra}
    record.update(ref=target["ref"], bytes_received=result.bytes_received)
    if record["status"] in FINAL_STATUSES:
        key = target_key(target["repo"], target["subdir"], target["ref"])
        write_json_atomic(Path(cache_dir) / "repos" / f"{key}.json", record)
    return record


def sweep_leftovers(cache_dir: str | Path) -> None:
    """Remove what an interrupted run left in the cache: clone work folders and unfinished `*.tmp` files."""
    shutil.rmtree(Path(cache_dir) / "work", ignore_errors=True)
    for tmp in (Path(cache_dir) / "repos").glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def fetch_repo_records(
    targets: list[dict],
    *,
    cache_dir: str | Path = "cache",
    snapshot_dir: str | Path | None = None,
    offline: bool = False,
    workers: int = 8,
    method: str | None = None,
    refresh: bool = False,
    archive_url: str = CODELOAD_URL,
    git_url: str = GITHUB_GIT_URL,
) -> dict[tuple[str, str, str], dict]:
    """Records of all targets: from a snapshot, the cache, or fetched (`workers` at once, with a progress bar)."""
    records: dict[tuple[str, str, str], dict] = {}
    missing = read_snapshot_missing(snapshot_dir) if snapshot_dir else {}
    to_fetch = []
    for target in targets:
        key = (target["repo"], target["ref"], target["subdir"])
        record = read_snapshot_record(snapshot_dir, target, missing) if snapshot_dir else None
        if record is None and not refresh:
            record = read_cached_record(cache_dir, target)
        if record is None and offline:
            record = {
                **target,
                "status": "not_recorded",
                "reason": "not in the snapshot and offline: not fetched",
            }
        if record is None:
            to_fetch.append(target)
        else:
            records[key] = record
    if not to_fetch:
        return records
    sweep_leftovers(cache_dir)
    token = os.environ.get("GITHUB_TOKEN") or None

    def fetch_one(target: dict) -> dict:
        return fetch_repo_record(
            target,
            cache_dir=cache_dir,
            method=method or DEFAULT_FETCH_METHOD,
            token=token,
            archive_url=archive_url,
            git_url=git_url,
        )

    for target, result in zip(
        to_fetch, fetch_many(to_fetch, fetch_one, workers, "repositories"), strict=True
    ):
        if not isinstance(result, dict):  # fetch_many turned an exception into a failed FetchResult
            result = {**target, "status": result.status, "reason": result.reason}
        records[(target["repo"], target["ref"], target["subdir"])] = result
    return records


# --------------------------------------------------------------------------------------------------
# The dataset: one row per (accepted paper, code target), one row per paper without code
# --------------------------------------------------------------------------------------------------

DATASET_COLUMNS = [
    "forum_id", "title", "decision", "track", "keywords", "primary_area", "author_domains", "pdf_url",
    "code_url", "link_kind", "repo", "ref", "subdir", "commit", "status", "reason", "n_python_files",
    "frameworks", "declared_tools", "imported_tools", "undeclared_imports", "declares_dependencies",
    "all_repo_names", "all_tool_names",
]  # fmt: skip
LINK_STATUS = {"github_user": "user_link", "github_other": "not_github"}


def build_rows(papers: list[dict], links: list[dict], records: dict) -> list[dict]:
    """Join papers, their code links and repository records into dataset rows (all papers appear)."""
    by_paper: dict[str, list[dict]] = {}
    for link in links:
        by_paper.setdefault(link["forum_id"], []).append(link)
    rows = []
    for paper in papers:
        base = {key: paper[key] for key in DATASET_COLUMNS[:8]}
        paper_links = by_paper.get(paper["forum_id"], [])
        if not paper_links:
            rows.append({**base, "status": "no_code", "reason": "the paper gives no code link"})
        seen = set()
        for link in paper_links:
            row = {**base, "code_url": link["url"], "link_kind": link["kind"]}
            if link["kind"] != "github":
                status = LINK_STATUS.get(link["kind"], "not_github")
                reason = "a GitHub user or organisation, not a repository" if status == "user_link" else ""
                rows.append({**row, "status": status, "reason": reason or f"code hosted on {link['host']}"})
                continue
            key = (link["repo"], link["ref"], link["subdir"])
            if key in seen:
                continue
            seen.add(key)
            record = records.get(key) or {"status": "not_fetched", "reason": "no record for this target"}
            tools = extract_tools(record)
            row.update(repo=link["repo"], ref=link["ref"], subdir=link["subdir"], **tools)
            row["all_repo_names"] = link["repo"].split("/", 1)[1]
            row["all_tool_names"] = ",".join(
                sorted(set(tools["declared_tools"]) | set(tools["imported_tools"]))
            )
            rows.append(row)
    return rows


def make_dataset(rows: list[dict]) -> pd.DataFrame:
    """The dataset table: fixed columns, lists joined with ';', rows in a stable order."""
    frame = pd.DataFrame(rows).reindex(columns=DATASET_COLUMNS)
    for column in ("frameworks", "declared_tools", "imported_tools", "undeclared_imports"):
        frame[column] = frame[column].map(lambda v: ";".join(v) if isinstance(v, list) else "")
    frame["n_python_files"] = frame["n_python_files"].fillna(0).astype(int)
    frame["declares_dependencies"] = frame["declares_dependencies"].fillna(False).astype(bool)
    frame = frame.fillna("")
    return frame.sort_values(["forum_id", "code_url", "subdir"], kind="stable").reset_index(drop=True)


def write_dataset(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the dataset CSV atomically (UTF-8, Unix newlines)."""
    return write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))


def read_dataset(path: str | Path) -> pd.DataFrame:
    """Read a dataset CSV written by `write_dataset`, empty cells as ''."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["n_python_files"] = frame["n_python_files"].astype(int)
    frame["declares_dependencies"] = frame["declares_dependencies"] == "True"
    return frame


def fetch_papers(
    year: int,
    source: str | Path = "live",
    *,
    cache_dir: str | Path = "cache",
    refresh: bool = False,
    baseurl: str | None = None,
) -> list[dict]:
    """Accepted papers of `year` from OpenReview (`source='live'`) or a recorded snapshot folder."""
    if str(source) == "live":
        notes = fetch_notes(year, baseurl=baseurl, cache_dir=cache_dir, refresh=refresh)
    else:
        notes = load_snapshot_notes(source, year)
        invitation = submission_invitation(year)
        if notes and notes[0].get("invitation") != invitation:
            raise ValueError(
                f"{source} holds {notes[0].get('invitation')}, not ICLR {year}: pick the year it records"
            )
    return parse_papers(notes, check_year(year))


def create_dataset(
    year: int,
    source: str | Path = "live",
    *,
    out: str | Path | None = None,
    cache_dir: str | Path = "cache",
    workers: int = 8,
    max_papers: int = 0,
    refresh: bool = False,
    method: str | None = None,
    openreview_url: str | None = None,
    archive_url: str = CODELOAD_URL,
    git_url: str = GITHUB_GIT_URL,
) -> pd.DataFrame:
    """The whole pipeline: papers -> code links -> repository records -> tools -> the dataset (and its CSV).

    `source` is "live" (OpenReview and GitHub), a recorded snapshot folder such as ../shared/iclr2020, or a
    dataset CSV to read instead of rebuilding it.
    """
    if str(source).endswith(".csv"):  # an existing dataset, e.g. the committed data/all_tools.csv
        return read_dataset(source)
    papers = fetch_papers(year, source, cache_dir=cache_dir, refresh=refresh, baseurl=openreview_url)
    if max_papers:
        papers = papers[:max_papers]
    links = extract_code_links(papers)
    targets = extract_code_targets(links)
    snapshot = None if str(source) == "live" else source
    records = fetch_repo_records(
        targets, cache_dir=cache_dir, snapshot_dir=snapshot, offline=snapshot is not None, workers=workers,
        method=method, refresh=refresh, archive_url=archive_url, git_url=git_url,
    )  # fmt: skip
    frame = make_dataset(build_rows(papers, links, records))
    if out:
        write_dataset(frame, out)
    return frame


# --------------------------------------------------------------------------------------------------
# Counts: the funnel, frameworks, tools, and the 2020 study reproduced
# --------------------------------------------------------------------------------------------------

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
# "The State of Machine Learning Frameworks in 2019" (The Gradient): papers whose PDF mentions one framework.
PDF_MENTIONS_2020 = {"accepted_papers": 687, "pytorch_only": 169, "tensorflow_only": 95}
FETCHED_STATUSES = ("ok", "no_python")
WEBMAIL_DOMAINS = {"gmail.com", "googlemail.com", "163.com", "126.com", "qq.com", "outlook.com", "hotmail.com",
                   "yahoo.com", "foxmail.com", "protonmail.com", "icloud.com", "live.com", "mail.com"}  # fmt: skip


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


def split_list(value: str) -> list[str]:
    """The items of a ';'-joined dataset cell."""
    return [item for item in str(value).split(";") if item]


def extract_targets(frame: pd.DataFrame, statuses: tuple[str, ...] = ("ok",)) -> pd.DataFrame:
    """One row per distinct repository target among dataset rows with one of `statuses`."""
    rows = frame[frame["status"].isin(statuses)]
    return rows.drop_duplicates(["repo", "ref", "subdir"]).reset_index(drop=True)


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


def count_statuses(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct repository targets by final status, with an example reason for each."""
    targets = frame[frame["repo"] != ""].drop_duplicates(["repo", "ref", "subdir"])
    table = targets.groupby("status").agg(targets=("repo", "size"), example_reason=("reason", "first"))
    return table.sort_values("targets", ascending=False).reset_index()


def count_frameworks(frame: pd.DataFrame, unit: str = "repository") -> pd.DataFrame:
    """Repositories (or papers) importing each framework, plus both PyTorch and TensorFlow, and none."""
    targets = extract_targets(frame)
    if unit == "paper":
        sets = targets.groupby("forum_id")["frameworks"].agg(lambda s: set(";".join(s).split(";")) - {""})
    else:
        sets = targets["frameworks"].map(lambda v: set(split_list(v)))
    total = len(sets)
    counts = {fw: int(sets.map(lambda s, fw=fw: fw in s).sum()) for fw in FRAMEWORKS}
    counts = {fw: n for fw, n in counts.items() if n or fw in ("pytorch", "tensorflow", "keras", "jax")}
    counts["pytorch and tensorflow"] = int(sets.map(lambda s: {"pytorch", "tensorflow"} <= s).sum())
    counts["none of these"] = int(sets.map(lambda s: not s).sum())
    table = pd.DataFrame({"framework": list(counts), "count": list(counts.values())})
    table["share"] = (table["count"] / max(total, 1)).round(3)
    return table


def count_tools(frame: pd.DataFrame, column: str = "imported_tools") -> pd.Series:
    """How many distinct repository targets name each tool in `column`, most common first."""
    targets = extract_targets(frame)
    counts = targets[column].map(split_list).explode().dropna().value_counts()
    counts = counts[~counts.index.isin(BUILD_TOOLS)]  # setup.py's setuptools is not a research tool
    return counts.rename_axis("tool").rename("repositories")


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
    targets = extract_targets(frame)
    sets = targets.groupby("forum_id")["frameworks"].agg(lambda s: set(";".join(s).split(";")) - {""})
    ours_pt = int(sets.map(lambda s: "pytorch" in s and "tensorflow" not in s).sum())
    ours_tf = int(sets.map(lambda s: "tensorflow" in s and "pytorch" not in s).sum())
    study = reproduced or {"pytorch": STUDY_2020["pytorch"], "tensorflow": STUDY_2020["tensorflow"]}
    rows = [
        ("2020 study: requirement lines contain the name (repositories)", study["pytorch"], study["tensorflow"]),
        ("PDF text mentions only one framework (papers, The Gradient)", PDF_MENTIONS_2020["pytorch_only"],
         PDF_MENTIONS_2020["tensorflow_only"]),
        ("ours: code imports only one framework (papers)", ours_pt, ours_tf),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["method", "pytorch", "tensorflow"])
    table["pytorch_share"] = (table["pytorch"] / (table["pytorch"] + table["tensorflow"])).round(3)
    return table


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
    """Coarse research topics of a paper from its keywords (a paper can have several, or 'Other')."""
    text = str(keywords).lower()
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
    """Share of repositories importing each main framework per group (`track`, `topic` or `domain`)."""
    targets = extract_targets(frame).copy()
    if by == "topic":
        targets["group"] = targets["keywords"].map(extract_topics)
    elif by == "domain":
        targets["group"] = targets["author_domains"].map(extract_institution_domains)
    else:
        targets["group"] = targets[by].map(lambda v: [v])
    targets = targets.explode("group").dropna(subset=["group"])
    rows = []
    for group, part in targets.groupby("group"):
        sets = part["frameworks"].map(lambda v: set(split_list(v)))
        row = {"group": group, "repositories": len(part)}
        for fw in ("pytorch", "tensorflow", "keras", "jax"):
            row[fw] = round(float(sets.map(lambda s, fw=fw: fw in s).mean()), 3)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["group", "repositories", "pytorch", "tensorflow", "keras", "jax"])
    table = table[table["repositories"] >= min_repos].sort_values("repositories", ascending=False).head(top)
    return table.sort_values("group", key=lambda g: g == "Other", kind="stable").reset_index(drop=True)


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


def resolve_source(source: str, fallback: str = "data/all_tools.csv") -> str:
    """`source` if it can be read here, else the committed dataset CSV (saying so)."""
    if source == "live" or Path(source).exists():
        return source
    print(f"{source} is not here (recorded data sits beside the project only on the developers' machines and in "
          f"CI): showing the committed {fallback} instead of rebuilding it.")  # fmt: skip
    return fallback


def is_dataset_csv(source: str | Path) -> bool:
    """Whether a source is an existing dataset CSV (read, not rebuilt)."""
    return str(source).endswith(".csv")


def count_papers_by(frame: pd.DataFrame, column: str = "track") -> pd.Series:
    """Accepted papers per value of a paper column (`track`, `decision`)."""
    return frame.drop_duplicates("forum_id")[column].value_counts().rename("papers")


def count_link_kinds(frame: pd.DataFrame) -> pd.Series:
    """Dataset rows per code-link kind, papers without a link named 'no link'."""
    return frame["link_kind"].replace("", "no link").value_counts().rename("rows")


def extract_failed_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Repository targets whose tools could not be read, with status and reason."""
    failed = frame[(frame["repo"] != "") & (frame["status"] != "ok")]
    return failed.drop_duplicates(["repo", "ref", "subdir"])[
        ["repo", "subdir", "status", "reason", "code_url"]
    ]


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
    """A one-line takeaway from `count_frameworks_by`: the groups leaning most to each framework."""
    if table.empty:
        return f"No {by} group has enough repositories to compare."
    pytorch = table.nlargest(2, "pytorch")["group"]
    tensorflow = table.nlargest(2, "tensorflow")["group"]
    return (f"By {by}, PyTorch leads most in {' and '.join(pytorch)}; TensorFlow is strongest in "
            f"{' and '.join(tensorflow)}.")  # fmt: skip


def describe_frameworks(counts: pd.DataFrame) -> str:
    """A one-line takeaway from `count_frameworks`."""
    share = counts.set_index("framework")["share"]
    return (
        f"PyTorch is imported by {share.get('pytorch', 0):.0%} of repositories, TensorFlow by "
        f"{share.get('tensorflow', 0):.0%}, standalone Keras by {share.get('keras', 0):.0%} and JAX by "
        f"{share.get('jax', 0):.0%}; {share.get('pytorch and tensorflow', 0):.0%} import both."
    )


# --------------------------------------------------------------------------------------------------
# Charts: every chart has a title and labelled axes; `save_figure` writes it as a PNG too
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Command line: `make data` and `make run`
# --------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ("01_create_data.ipynb", "02_analyse_tools.ipynb")


def run_data(year: int, snapshot: str | Path, out: str | Path) -> pd.DataFrame:
    """Rebuild the dataset of `year` from a recorded snapshot folder, or say clearly why it cannot."""
    if not Path(snapshot).is_dir():
        raise SystemExit(
            f"{snapshot} is not here: `make data` rebuilds the dataset from the recorded data that sits beside the "
            "project on the developers' machines and in CI. Without it, use the committed data/all_tools.csv, or "
            "build from the live services: papermill notebooks/01_create_data.ipynb out.ipynb -p source live"
        )
    frame = create_dataset(year, snapshot, out=out, cache_dir=ROOT / "cache")
    print(f"wrote {out}: {len(frame)} rows, {frame['forum_id'].nunique()} papers")
    return frame


def run_render(
    year: int, snapshot: str | Path, out_dir: str | Path = ROOT / "notebooks" / "rendered"
) -> None:
    """Render both notebooks with papermill: from the snapshot when it is here, else the committed CSV.

    Notebook 01 itself falls back to the committed CSV (`resolve_source`) when the snapshot is absent.
    """
    import papermill

    source = os.path.relpath(Path(snapshot).resolve(), ROOT)  # notebooks run from the project root
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    params = {
        "01_create_data.ipynb": {"year": year, "source": source},
        "02_analyse_tools.ipynb": {"year": year},
    }
    for name in NOTEBOOKS:
        papermill.execute_notebook(
            ROOT / "notebooks" / name,
            Path(out_dir) / name,
            parameters=params[name],
            cwd=ROOT,
            progress_bar=False,
        )
        print(f"rendered {Path(out_dir) / name}")


def main(argv: list[str] | None = None) -> None:
    """`python iclr_helpers.py data|render --year Y --snapshot DIR [--out CSV]`."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["data", "render"])
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--snapshot", default=str(ROOT.parent / "shared" / "iclr2020"))
    parser.add_argument("--out", default=str(ROOT / "data" / "all_tools.csv"))
    args = parser.parse_args(argv)
    if args.command == "data":
        run_data(args.year, args.snapshot, args.out)
    else:
        run_render(args.year, args.snapshot)


if __name__ == "__main__":
    main()
