"""Fetch, parse and count the open-source tools used by the papers of an ICLR year.

Data flows one way: papers -> code links -> repository facts -> tools per paper -> counts and charts.
`fetch_*` functions do I/O; `parse_*`, `extract_*` and `count_*` functions are pure.
"""

from __future__ import annotations

import ast
import codecs
import configparser
import io
import json
import os
import posixpath
import re
import shlex
import sys
import tempfile
import tokenize
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from requests.adapters import HTTPAdapter
from urllib3.util import Retry
from packaging.utils import canonicalize_name

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
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1))


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


def make_retry(retries: int) -> Retry:
    """urllib3 retries with backoff on 429 / 5xx / resets, honouring `Retry-After`, bounded in time."""
    return Retry(
        total=retries,
        backoff_factor=1,
        backoff_max=60,
        status_forcelist=[429, 500, 502, 503, 504],
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def make_openreview_client(year: int, baseurl: str | None = None, timeout: float = 60, retries: int = 6) -> Any:
    """An openreview-py client for `year`; credentials come only from OPENREVIEW_USERNAME / _PASSWORD."""
    import openreview

    username = os.environ.get("OPENREVIEW_USERNAME") or None
    password = os.environ.get("OPENREVIEW_PASSWORD") or None
    if api_version(year) == 1:
        client = openreview.Client(baseurl=baseurl or API_V1_URL, username=username, password=password)
    else:
        client = openreview.api.OpenReviewClient(baseurl=baseurl or API_V2_URL, username=username, password=password)
    adapter = TimeoutAdapter(timeout, max_retries=make_retry(retries), pool_maxsize=16)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


def explain_refusal(error: BaseException, service: str, url: str) -> str:
    """One clear sentence on what a refused or failed request means and what to do about it."""
    text = str(error)
    low = text.lower()
    if "403" in low or "forbidden" in low or "challenge" in low or "cloudflare" in low:
        what = "refused the request (HTTP 403, often a bot challenge page)"
        todo = "wait a few minutes and rerun, set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or use a snapshot"
    elif "429" in low or "too many" in low or "rate" in low:
        what = "kept answering 'too many requests' (HTTP 429) after waiting out its limits"
        todo = "wait an hour and rerun (the cache keeps what was fetched), or log in to get a higher limit"
    elif "timed out" in low or "timeout" in low:
        what = "did not answer in time"
        todo = "check your connection and rerun; nothing fetched so far is lost"
    elif "401" in low or "credentials" in low or "password" in low or "invalid" in low and "user" in low:
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
TEXT_FIELDS = ("code", "abstract", "TL;DR", "TLDR", "tldr", "supplementary_material", "community_implementations")


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
    for field in TEXT_FIELDS[1:]:
        value = parse_value(content.get(field))
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
CONDA_TO_PYPI = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch", "py-opencv": "opencv-python"}
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

    mapping = {}
    for line in (files("pipreqs") / "mapping").read_text(encoding="utf-8").splitlines():
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
        wheel = re.search(r"([A-Za-z0-9][A-Za-z0-9._]*)-\d[^/]*\.(?:whl|tar\.gz|zip)$", text)
        return canonical(wheel.group(1)) if wheel and "$" not in text else None
    try:
        return canonical(Requirement(text).name)
    except InvalidRequirement:
        # conda-style pins (`numpy=1.18=py37_0`) and other near-PEP 508 lines: keep the leading name
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!~;\[ ]|$)", text)
        return canonical(match.group(1)) if match else None


def split_requirement_line(line: str) -> str:
    """A requirements-file line without its comment (a `#` at the start or after white space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def parse_requirements_text(text: str, path: str = "", manifests: dict | None = None, _seen=None) -> list[str]:
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
        if head in ("-r", "--requirement", "-c", "--constraint") or re.match(r"^(-[rc]|--requirement=)", head):
            target = tokens[1] if len(tokens) > 1 else re.sub(r"^(-[rc]|--requirement=|--constraint=)", "", head)
            include = str(PurePosixPath(path).parent / target) if path else target
            include = posixpath.normpath(include)
            if include in manifests and include not in seen:
                seen.add(include)
                names += parse_requirements_text(manifests[include], include, manifests, seen)
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
            found = [parse_requirement(str(line)) for line in dep.get("pip") or [] if line is not None]
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
                        found[keyword.arg] = ast.literal_eval(value)
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
INSTALL_OPTIONS_WITH_VALUE = REQUIREMENT_OPTIONS_WITH_VALUE | {"-c", "--channel", "-n", "--name", "-t", "--target"}


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
        tokens = shlex.split(command)
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


IMPORT_LINE = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+import\b|import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*))")


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


def extract_imports(source: str) -> tuple[list[str], bool]:
    """Sorted dotted modules a Python file imports (relative ones keep their dots), and whether regex was used."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return extract_imports_regex(source), True
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return sorted(found), False


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
    r"(?:.*/)?[^/]*req[^/]*\.(?:txt|in|pip)",
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


def extract_repo_facts(repo: str, subdir: str, files: list, contents: dict[str, bytes], **extra: Any) -> dict:
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
    for path in sorted(contents):
        full = prefix + path
        text = decode_source(contents[path], path)
        if text is None:
            if path.endswith(PYTHON_SUFFIXES):
                record["unreadable"].append(full)
            continue
        try:
            if path.endswith(".ipynb"):
                code, installs = extract_notebook_code(text)
                imports, by_regex = extract_imports(code)
                record["imports"][full] = imports
                if installs:
                    record["install_lines"][full] = installs
            elif path.endswith((".py", ".pyx")):
                imports, by_regex = extract_imports(text)
                record["imports"][full] = imports
                if PurePosixPath(path).name == "setup.py" and not by_regex:
                    facts = extract_setup_py(text)
                    if facts:
                        record["setup_py"][full] = facts
            else:
                by_regex = False
                if is_manifest(path):
                    record["manifests"][full] = text
                if INSTALL_SOURCE_RE.fullmatch(path) and (lines := extract_install_lines(text)):
                    record["install_lines"][full] = lines
            if by_regex:
                record["parsed_by_regex"].append(full)
        except (ValueError, SyntaxError, MemoryError, RecursionError):  # a notebook that is not JSON, ...
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
    except (yaml.YAMLError, tomllib.TOMLDecodeError, configparser.Error, ValueError, TypeError, AttributeError):
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
    return record if record.get("status") in FINAL_STATUSES else None


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
    if method == "clone":
        result = fetch_clone(
            owner, name, target["ref"], target["subdir"], Path(cache_dir) / "work", git_base=git_url, token=token
        )
    else:
        result = fetch_archive(owner, name, target["ref"], target["subdir"], base_url=archive_url, token=token)
    extra = {"status": result.status, "reason": result.reason, "commit": result.commit, "method": result.method}
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


def fetch_repo_records(
    targets: list[dict],
    *,
    cache_dir: str | Path = "cache",
    snapshot_dir: str | Path | None = None,
    offline: bool = False,
    workers: int = 8,
    method: str | None = None,
    refresh: bool = False,
    archive_url: str = "https://codeload.github.com",
    git_url: str = "https://github.com",
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
            record = {**target, "status": "not_recorded", "reason": "not in the snapshot and offline: not fetched"}
        if record is None:
            to_fetch.append(target)
        else:
            records[key] = record
    if not to_fetch:
        return records
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

    for target, result in zip(to_fetch, fetch_many(to_fetch, fetch_one, workers, "repositories"), strict=True):
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
            row["all_tool_names"] = ",".join(sorted(set(tools["declared_tools"]) | set(tools["imported_tools"])))
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
            raise ValueError(f"{source} holds {notes[0].get('invitation')}, not ICLR {year}: pick the year it records")
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
) -> pd.DataFrame:
    """The whole pipeline: papers -> code links -> repository records -> tools -> the dataset (and its CSV).

    `source` is "live" (OpenReview and GitHub), a recorded snapshot folder such as ../shared/iclr2020, or a
    dataset CSV to read instead of rebuilding it.
    """
    if str(source).endswith(".csv"):  # an existing dataset, e.g. the committed data/all_tools.csv
        return read_dataset(source)
    papers = fetch_papers(year, source, cache_dir=cache_dir, refresh=refresh)
    if max_papers:
        papers = papers[:max_papers]
    links = extract_code_links(papers)
    targets = extract_code_targets(links)
    snapshot = None if str(source) == "live" else source
    records = fetch_repo_records(
        targets, cache_dir=cache_dir, snapshot_dir=snapshot, offline=snapshot is not None, workers=workers,
        method=method, refresh=refresh,
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
PDF_PYTORCH_SHARE_BY_YEAR = {2018: 22.8, 2019: 50.0, 2020: 64.0, 2021: 77.7, 2022: 84.0}
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
    niche = {name: int(per_row.str.contains(name).sum()) for name in ("transformers", "tensorboard", "gym", "networkx")}
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
        table.insert(2, "study_reproduced", table["figure"].map(lambda f: reproduced.get(mapping.get(f, ""))))
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
    table = table[table["repositories"] >= min_repos].sort_values("repositories", ascending=False)
    return table.head(top).reset_index(drop=True)


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
    return declaring["undeclared_imports"].map(split_list).explode().dropna().value_counts().rename("repositories")


def extract_paper_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-paper table a reader can filter: paper, track, repository, status, frameworks, tools."""
    columns = ["forum_id", "title", "track", "repo", "subdir", "status", "frameworks", "imported_tools",
               "declared_tools"]  # fmt: skip
    return frame[columns].copy()


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
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150, bbox_inches="tight")
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
    axes.set(title=title, xlabel="papers", ylabel="")
    return save_figure(figure, path)


def plot_frameworks(counts: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Bars of the share of repositories importing each framework."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    colors = [FRAMEWORK_COLORS.get(fw, "#8C8C8C") for fw in counts["framework"]]
    bars = axes.bar(counts["framework"], counts["share"] * 100, color=colors)
    axes.bar_label(bars, labels=[f"{n}" for n in counts["count"]], padding=2)
    axes.set(title=title, xlabel="framework imported by the code", ylabel="% of repositories")
    axes.tick_params(axis="x", rotation=30)
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
    figure, axes = plt.subplots(figsize=(9, max(3, 0.45 * len(table))))
    sns.barplot(data=long, y="group", x="share", hue="framework", palette=FRAMEWORK_COLORS, ax=axes)
    axes.set(title=title, xlabel="% of repositories importing the framework", ylabel=ylabel)
    axes.legend(title="framework", loc="lower right")
    return save_figure(figure, path)


def plot_study_comparison(table: pd.DataFrame, title: str, path: str | Path | None = None) -> Any:
    """Grouped bars of the 2020 study's published figures beside ours."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows = table[table["figure"].isin(["PyTorch", "TensorFlow", "Keras", "JAX"])]
    long = rows.melt(id_vars="figure", value_vars=["study_published", "ours_exact"], var_name="method",
                     value_name="repositories").dropna()  # fmt: skip
    long["method"] = long["method"].map({"study_published": "2020 study (substring)", "ours_exact": "ours (imports)"})
    figure, axes = plt.subplots(figsize=(8, 4))
    sns.barplot(data=long, x="figure", y="repositories", hue="method", ax=axes, palette=["#BBBBBB", "#4C72B0"])
    for container in axes.containers:
        axes.bar_label(container, padding=2)
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


def run_render(year: int, snapshot: str | Path, out_dir: str | Path = ROOT / "notebooks" / "rendered") -> None:
    """Render both notebooks with papermill: from the snapshot when it is here, else the committed CSV."""
    import papermill

    source = str(Path(snapshot).resolve())
    if not Path(snapshot).is_dir():
        source = "data/all_tools.csv"
        print(f"{snapshot} is not here: rendering from the committed {source} (no rebuild).")
    params = {"01_create_data.ipynb": {"year": year, "source": source}, "02_analyse_tools.ipynb": {"year": year}}
    for name in NOTEBOOKS:
        papermill.execute_notebook(
            ROOT / "notebooks" / name, Path(out_dir) / name, parameters=params[name], cwd=ROOT, progress_bar=False
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
