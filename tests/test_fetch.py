"""Fetching repositories by archive and by partial clone, against a fake GitHub on 127.0.0.1."""

from __future__ import annotations

import base64
import concurrent.futures
import gzip
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from fakes.github_server import (
    FakeGitHub,
    Submodule,
    Symlink,
    iter_big_tar_gz,
    make_hostile_members,
    make_tar_gz,
)
from iclr_tools import clone as clone_module
from iclr_tools import fetch, later, net, records, scan, tools
from iclr_tools.archive import BOMB_MIN_BYTES, GunzipReader, fetch_archive
from iclr_tools.clone import fetch_clone
from iclr_tools.github import (
    FetchAbort,
    FetchRequest,
    FetchResult,
    clean_subdir,
    extract_target_path,
    is_unsafe_path,
    parse_gitmodules,
)
from iclr_tools.settings import Settings

TOKEN = "ghp_sekrit-token-1234567890"
FAST = {"retries": 2, "backoff_factor": 0.01, "timeout": 2.0}
FAST_CLONE = {"clone_retries": 2, "backoff_factor": 0.01, "total_timeout": 10.0}
SHA = "0123456789abcdef" * 2 + "01234567"
MIB = 2**20

NORMAL_FILES = {
    "README.md": b"# Paper code\npip install -r requirements.txt\n",
    "requirements.txt": b"torch>=2.0\nnumpy\n",
    "environment.yml": b"dependencies:\n  - scipy\n",
    "train.py": b"import torch\nimport numpy as np\n",
    "pkg/__init__.py": b"",
    "pkg/utils/__init__.py": b"",
    "pkg/model.pyx": b"cimport numpy\n",
    "notebooks/demo.ipynb": b'{"cells": []}',
    "scripts/run.sh": b"python train.py\n",
    "docs/figure.png": b"\x89PNG" + bytes(3000),
    "data/weights.bin": os.urandom(200_000),
    "link_to_train.py": Symlink("train.py"),
    "third_party/lib": Submodule("https://github.com/other/lib.git"),
}
MONO_FILES = {
    "README.md": b"monorepo\n",
    "setup.py": b"from setuptools import setup\n",
    "projects/paper1/train.py": b"import jax\n",
    "projects/paper1/requirements/base.txt": b"jax\n",
    "projects/paper1/data/table.csv": b"a,b\n1,2\n",
    "projects/paper1/link.py": Symlink("train.py"),
    "projects/paper2/main.py": b"import tensorflow\n",
}


@pytest.fixture(scope="module")
def github() -> FakeGitHub:
    """A fake GitHub with a normal repository, a monorepo and one for faults."""
    with FakeGitHub(hang_s=20) as server:
        server.add_repo("alice/normal", NORMAL_FILES)
        server.add_repo("bob/mono", MONO_FILES)
        server.add_repo("carol/faulty", {"main.py": b"import sklearn\n", "Dockerfile": b"FROM python\n"})
        server.add_repo("dave/huge-py", {"gen.py": b"#" * 300_000, "small.py": b"import os\n"})
        yield server


@pytest.fixture(autouse=True)
def clear_faults(github: FakeGitHub):
    """Each test starts with no queued faults and an empty request log."""
    github.reset_log()
    yield
    for name in github.repos:
        github.set_faults(name, [], "archive")
        github.set_faults(name, [], "git")


def make_request(
    name: str, subdir: str | None, ref: str | None, token: str | None, **settings
) -> FetchRequest:
    """A request for the scan files of `name` (owner/repo) with these settings (the rest their defaults)."""
    owner, repo = name.split("/")
    return FetchRequest(owner, repo, ref, subdir, scan.is_scan_file, Settings(**settings), token)


def archive(
    github: FakeGitHub, name: str, subdir: str | None = None, *, ref: str | None = None,
    token: str | None = None, **settings,
) -> FetchResult:  # fmt: skip
    """fetch_archive against the fake server with short timeouts and fast retries."""
    return fetch_archive(
        make_request(name, subdir, ref, token, archive_url=github.base_url, **{**FAST, **settings})
    )


def clone(
    github: FakeGitHub, name: str, workdir: Path, subdir: str | None = None, *, ref: str | None = None,
    token: str | None = None, **settings,
) -> FetchResult:  # fmt: skip
    """fetch_clone against the fake server with fast retries."""
    request = make_request(name, subdir, ref, token, git_url=github.base_url, **{**FAST_CLONE, **settings})
    return fetch_clone(request, workdir)


# --------------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------------


def test_parse_gitmodules_and_paths() -> None:
    text = (
        '[submodule "a"]\n\tpath = ext/a\n\turl = https://x/a.git\n[submodule "b"]\n path = b/\n url = "u"\n'
    )
    assert parse_gitmodules(text) == [("ext/a", "https://x/a.git"), ("b", "u")]
    assert is_unsafe_path("/etc/passwd") and is_unsafe_path("r-1/../x") and not is_unsafe_path("r-1/a..b")
    assert (
        extract_target_path("p/q/r.py", "p/q") == "r.py" and extract_target_path("p/qq/r.py", "p/q") is None
    )
    with pytest.raises(ValueError):
        clean_subdir("a/../../b")


# --------------------------------------------------------------------------------------------------
# Both methods agree
# --------------------------------------------------------------------------------------------------


def test_archive_and_clone_agree_on_normal_repo(github: FakeGitHub, tmp_path: Path) -> None:
    by_archive = archive(github, "alice/normal")
    by_clone = clone(github, "alice/normal", tmp_path / "cache")
    expected = {
        path for path, data in NORMAL_FILES.items() if isinstance(data, bytes) and scan.is_scan_file(path)
    }
    expected.add(".gitmodules")
    for result in (by_archive, by_clone):
        assert result.status == "ok", result.reason
        assert result.commit == github.repos["alice/normal"].commit
        assert set(result.contents) == expected
        assert result.contents["requirements.txt"] == b"torch>=2.0\nnumpy\n"
        assert result.symlinks == ["link_to_train.py"] and ("link_to_train.py", "symlink") in result.skipped
        assert result.submodules == ["third_party/lib"]
        assert {path for path, _ in result.files} == expected | {"docs/figure.png", "data/weights.bin"}
    assert by_archive.contents == by_clone.contents
    assert dict(by_archive.files)["data/weights.bin"] == 200_000
    assert dict(by_clone.files)["data/weights.bin"] == -1  # size unknown without downloading the blob
    assert dict(by_clone.files)["train.py"] == len(NORMAL_FILES["train.py"])
    assert by_clone.bytes_received < 20_000 < 200_000 < by_archive.bytes_received
    assert list((tmp_path / "cache").iterdir()) == []  # the clone's temp folder is gone


def test_archive_and_clone_agree_on_monorepo_folder(github: FakeGitHub, tmp_path: Path) -> None:
    for result in (
        archive(github, "bob/mono", "projects/paper1/"),
        clone(github, "bob/mono", tmp_path, "/projects/paper1"),
    ):
        assert result.status == "ok", result.reason
        assert result.contents == {"train.py": b"import jax\n", "requirements/base.txt": b"jax\n"}
        assert {path for path, _ in result.files} == {"train.py", "requirements/base.txt", "data/table.csv"}
        assert result.symlinks == ["link.py"]
        assert result.commit == github.repos["bob/mono"].commit


def test_missing_folder_and_repo_and_ref(github: FakeGitHub, tmp_path: Path) -> None:
    for result in (
        archive(github, "bob/mono", "projects/nope"),
        clone(github, "bob/mono", tmp_path, "projects/nope"),
    ):
        assert result.status == "missing" and "projects/nope" in result.reason
    for result in (archive(github, "nobody/none"), clone(github, "nobody/none", tmp_path)):
        assert result.status == "missing", result.reason
    assert archive(github, "bob/mono", ref="no-such-branch").status == "missing"  # the archive alone: 404
    gone = clone(
        github, "bob/mono", tmp_path, ref="nope"
    )  # a branch that no longer exists: the default branch
    assert gone.status == "ok" and "'nope' the link names no longer exists" in gone.read_at
    options = {
        "archive_url": github.base_url,
        "git_url": github.base_url,
        "as_of": "latest",
        "method": "archive",
    }
    by_archive = fetch.fetch_repo("bob", "mono", "nope", None, tmp_path, keep=scan.is_scan_file, **options)
    assert by_archive.status == "ok" and "'nope' the link names no longer exists" in by_archive.read_at


def test_ref_as_sha_and_branch(github: FakeGitHub, tmp_path: Path) -> None:
    sha = github.repos["carol/faulty"].commit
    for ref in (sha, "main"):
        by_archive = archive(github, "carol/faulty", ref=ref)
        by_clone = clone(github, "carol/faulty", tmp_path, ref=ref)
        assert by_archive.status == by_clone.status == "ok"
        assert by_archive.commit == by_clone.commit == sha
        assert set(by_clone.contents) == {"main.py", "Dockerfile"}


def test_per_file_cap_lists_but_skips_content(github: FakeGitHub, tmp_path: Path) -> None:
    for result in (
        archive(github, "dave/huge-py", max_file_bytes=100_000),
        clone(github, "dave/huge-py", tmp_path, max_file_bytes=100_000),
    ):
        assert result.status == "ok"
        assert set(result.contents) == {"small.py"}
        assert dict(result.files)["gen.py"] == 300_000
        assert result.skipped == [("gen.py", "larger than 97.7 KB")]


# --------------------------------------------------------------------------------------------------
# Hostile archives
# --------------------------------------------------------------------------------------------------


def test_hostile_archive_writes_nothing(github: FakeGitHub, tmp_path: Path, monkeypatch) -> None:
    cwd = tmp_path / "deep" / "cwd"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    outside = tmp_path / "abs_escaped.py"
    top = f"evil-{SHA}"
    body = make_tar_gz(top, SHA, make_hostile_members(top, str(outside)), {"ok.py": b"import fine\n"})
    github.add_repo("mallory/evil", git=False, commit=SHA, archive=body)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = archive(github, "mallory/evil")
    assert result.status == "ok", result.reason
    assert result.contents == {"ok.py": b"import fine\n"}
    assert result.commit == SHA
    reasons = dict(result.skipped)  # tarfile's own data filter says why, in its words
    assert "OutsideDestinationError" in reasons[f"{top}/../../escaped.py"]
    assert "OutsideDestinationError" in reasons[f"{top}/ok/../../../escaped2.py"]
    assert reasons[str(outside)].startswith("absolute path")
    assert "AbsoluteLinkError" in reasons[f"{top}/link_out.py"]
    assert "LinkOutsideDestinationError" in reasons[f"{top}/link_up"]
    assert "AbsoluteLinkError" in reasons[f"{top}/hard.py"]  # a hard link to /etc/passwd
    assert all("SpecialFileError" in reasons[f"{top}/{name}"] for name in ("dev_null", "block", "pipe"))
    assert result.symlinks == []  # both links point outside: refused, never listed as the repository's
    assert [path for path, _ in result.files] == ["ok.py"]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not outside.exists() and not (tmp_path / "escaped.py").exists()


class ChunkSource:
    """read(n) over an iterator of byte chunks, made as they are read: a raw body for GunzipReader."""

    def __init__(self, chunks) -> None:
        self.chunks, self.pending = iter(chunks), b""

    def read(self, amount: int) -> bytes:
        while len(self.pending) < amount:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.pending += chunk
        data, self.pending = self.pending[:amount], self.pending[amount:]
        return data


def gunzip_all(body: bytes | ChunkSource, max_out: int = 2**30) -> tuple[bytes, GunzipReader]:
    """Everything GunzipReader gives for `body`, read as tarfile reads (10 KB at a time)."""
    reader = GunzipReader((body if isinstance(body, ChunkSource) else ChunkSource([body])).read, max_out)
    return b"".join(iter(lambda: reader.read(10240), b"")), reader


def iter_gzip_zeros(size: int):
    """A gzip stream of `size` zero bytes at level 9 (about 1000:1), compressed as it is read."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    for _ in range(size // MIB):
        yield compressor.compress(bytes(MIB))
    yield compressor.flush()


def test_gunzip_reads_several_members_and_zero_padding() -> None:
    data = os.urandom(300_000)
    body = gzip.compress(data[:100_000]) + gzip.compress(data[100_000:]) + b"\0" * 3000  # as `cat a.gz b.gz`
    out, reader = gunzip_all(body)
    assert out == data
    assert reader.bytes_in == len(body)


def test_gunzip_refuses_truncated_corrupt_and_trailing_garbage() -> None:
    body = gzip.compress(os.urandom(200_000))
    reader = GunzipReader(ChunkSource([body[:1000]]).read, 2**30)
    with pytest.raises(EOFError) as truncated:
        while reader.read(10240):
            pass
    assert "ended early after 1000 B (truncated download)" in reader.describe_failure("u", truncated.value)
    flipped = body[:-8] + bytes(b ^ 0xFF for b in body[-8:-4]) + body[-4:]  # a wrong CRC
    with pytest.raises(gzip.BadGzipFile, match="CRC"):
        gunzip_all(flipped)
    with pytest.raises(gzip.BadGzipFile):
        gunzip_all(body + b"<html>")
    out, empty = gunzip_all(
        b""
    )  # gzip reads no bytes as no data: tarfile refuses it, and the reason says why
    assert out == b"" and "body of u was empty" in empty.describe_failure("u", EOFError())


def test_gunzip_stops_a_compression_bomb_early() -> None:
    started = time.monotonic()
    with pytest.raises(FetchAbort) as raised:
        gunzip_all(ChunkSource(iter_gzip_zeros(2**30)))  # 1 GB of zeros, about 1 MB compressed
    assert raised.value.status == "too_large" and "compression bomb" in str(raised.value)
    assert time.monotonic() - started < 5
    honest = os.urandom(MIB)
    out, _ = gunzip_all(gzip.compress(honest * 80, compresslevel=1))  # past BOMB_MIN_BYTES, but 1:1
    assert len(out) == 80 * MIB > BOMB_MIN_BYTES


def test_gunzip_caps_the_output() -> None:
    with pytest.raises(FetchAbort, match="expands past 97.7 KB") as raised:
        gunzip_all(gzip.compress(os.urandom(200_000)), max_out=100_000)
    assert raised.value.status == "too_large"


def test_archive_of_several_gzip_members_and_padding(github: FakeGitHub) -> None:
    top = f"multi-{SHA}"
    tar = gzip.decompress(make_tar_gz(top, SHA, [], {"a.py": b"import numpy\n", "b.py": b"import torch\n"}))
    middle = len(tar) // 2
    github.add_repo(
        "mallory/multi", git=False, commit=SHA,
        archive=gzip.compress(tar[:middle]) + gzip.compress(tar[middle:]) + b"\0" * 512,
    )  # fmt: skip
    result = archive(github, "mallory/multi")
    assert result.status == "ok", result.reason
    assert result.contents == {"a.py": b"import numpy\n", "b.py": b"import torch\n"} and result.commit == SHA


def test_repo_byte_cap(github: FakeGitHub) -> None:
    result = archive(github, "alice/normal", max_repo_bytes=100_000)
    assert result.status == "too_large", result.reason


def test_memory_stays_bounded_on_a_big_data_file(github: FakeGitHub) -> None:
    block = os.urandom(2**20)
    github.add_repo(
        "erin/bigdata",
        git=False,
        commit=SHA,
        archive_chunks=lambda: iter_big_tar_gz(
            f"bigdata-{SHA}",
            SHA,
            64 * 2**20,
            name="data.npy",
            block=block,
            level=0,
            files={"a.py": b"import x\n"},
        ),
    )
    tracemalloc.start()
    try:
        result = archive(github, "erin/bigdata")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == "ok" and result.contents == {"a.py": b"import x\n"}
    assert dict(result.files)["data.npy"] == 64 * 2**20
    assert result.bytes_received > 64 * 2**20
    assert peak < 8 * 2**20, f"peak traced memory {peak} bytes"


# --------------------------------------------------------------------------------------------------
# Network faults (archive)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["truncate", "truncate_nolength", "corrupt"])
def test_broken_body_is_bad_archive(github: FakeGitHub, fault: str) -> None:
    github.set_faults("alice/normal", [fault])
    result = archive(github, "alice/normal")
    assert result.status == "bad_archive", result.reason


def test_empty_and_garbage_bodies(github: FakeGitHub) -> None:
    github.add_repo("mallory/empty", git=False, commit=SHA, archive=b"")
    github.add_repo("mallory/garbage", git=False, commit=SHA, archive=b"<html>not a tarball</html>")
    empty, garbage = archive(github, "mallory/empty"), archive(github, "mallory/garbage")
    assert empty.status == garbage.status == "bad_archive"
    assert "body of" in empty.reason and "was empty" in empty.reason
    assert "is not a valid tar.gz" in garbage.reason


@pytest.mark.parametrize("faults", [["429"], ["429:1"], ["500", "502"], ["503"], ["reset"]])
def test_transient_faults_are_retried(github: FakeGitHub, faults: list[str]) -> None:
    github.set_faults("carol/faulty", faults)
    result = archive(github, "carol/faulty")
    assert result.status == "ok", result.reason
    assert github.count("archive") == len(faults) + 1


def test_rate_limit_exhausted(github: FakeGitHub) -> None:
    github.set_faults("carol/faulty", [], sticky="429")
    result = archive(github, "carol/faulty")
    assert result.status == "rate_limited" and "GITHUB_TOKEN" in result.reason
    github.set_faults("carol/faulty", [], sticky="403:ratelimit")
    assert archive(github, "carol/faulty").status == "rate_limited"


def test_server_error_exhausted(github: FakeGitHub) -> None:
    github.set_faults("carol/faulty", [], sticky="503")
    result = archive(github, "carol/faulty")
    assert result.status == "http_error" and "503" in result.reason


def test_hang_is_timeout(github: FakeGitHub) -> None:
    github.set_faults("carol/faulty", [], sticky="hang")
    started = time.monotonic()
    result = archive(github, "carol/faulty", timeout=1.0, retries=0)
    assert result.status == "timeout", result.reason
    assert time.monotonic() - started < 4


def test_stall_mid_body_is_timeout(github: FakeGitHub) -> None:
    github.set_faults("alice/normal", ["stall"])
    result = archive(github, "alice/normal", timeout=1.0, retries=0)
    assert result.status == "timeout", result.reason


def test_redirect_loop(github: FakeGitHub) -> None:
    github.set_faults("carol/faulty", [], sticky="redirect_loop")
    result = archive(github, "carol/faulty")
    assert result.status == "http_error" and "redirect" in result.reason
    assert github.count("archive") == net.MAX_REDIRECTS + 1


def test_token_is_a_header_and_never_in_reasons(github: FakeGitHub) -> None:
    ok = archive(github, "carol/faulty", token=TOKEN)
    assert ok.status == "ok" and github.log[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in github.log[-1].path
    github.set_faults("carol/faulty", [], sticky="429")
    limited = archive(github, "carol/faulty", token=TOKEN)
    assert limited.status == "rate_limited"
    missing = archive(github, "nobody/none", token=TOKEN)
    for result in (ok, limited, missing):
        assert TOKEN not in result.reason
    github.reset_log()
    archive(github, "carol/faulty")
    assert "authorization" not in github.log[-1].headers


# --------------------------------------------------------------------------------------------------
# Network faults (clone)
# --------------------------------------------------------------------------------------------------


def test_clone_retries_rate_limit_and_server_errors(github: FakeGitHub, tmp_path: Path) -> None:
    github.set_faults("carol/faulty", ["429", "500"], kind="git")
    assert clone(github, "carol/faulty", tmp_path).status == "ok"
    github.set_faults("carol/faulty", [], kind="git", sticky="429")
    limited = clone(github, "carol/faulty", tmp_path, clone_retries=1)
    assert limited.status == "rate_limited" and "GITHUB_TOKEN" in limited.reason
    assert list(tmp_path.iterdir()) == []


def test_clone_hang_is_timeout(github: FakeGitHub, tmp_path: Path) -> None:
    github.set_faults("carol/faulty", [], kind="git", sticky="hang")
    started = time.monotonic()
    result = clone(github, "carol/faulty", tmp_path, total_timeout=2.0)
    assert result.status == "timeout", result.reason
    assert time.monotonic() - started < 6
    assert list(tmp_path.iterdir()) == []


def test_clone_token_goes_by_header_not_argv(github: FakeGitHub, tmp_path: Path, monkeypatch) -> None:
    seen: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(args, *a, **kw):
        seen.append(list(args))
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(clone_module.subprocess, "Popen", spy)
    result = clone(github, "carol/faulty", tmp_path, token=TOKEN)
    assert result.status == "ok"
    assert seen and all(TOKEN not in " ".join(args) for args in seen)
    auth = {r.headers.get("authorization") for r in github.log}
    assert auth == {"Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()}
    github.set_faults("carol/faulty", [], kind="git", sticky="404")
    missing = clone(github, "carol/faulty", tmp_path, token=TOKEN)
    assert missing.status == "missing" and TOKEN not in missing.reason


# --------------------------------------------------------------------------------------------------
# Many at once
# --------------------------------------------------------------------------------------------------


def test_fetch_many_keeps_order_and_turns_exceptions_into_errors(github: FakeGitHub) -> None:
    targets = ["alice/normal", "boom", "carol/faulty", "nobody/none", "bob/mono"] * 3

    def fetch_one(name: str) -> FetchResult:
        if name == "boom":
            raise RuntimeError("kaput")
        return archive(github, name)

    ended = list(fetch.fetch_many(targets, fetch_one, workers=4, desc="test"))
    assert sorted(index for index, _ in ended) == list(range(len(targets)))  # each target once
    results = [result for _, result in sorted(ended, key=lambda pair: pair[0])]
    assert [r.status for r in results] == ["ok", "error", "ok", "missing", "ok"] * 3
    assert "kaput" in results[1].reason
    assert results[0].commit == github.repos["alice/normal"].commit
    assert results[4].commit == github.repos["bob/mono"].commit


def test_fetch_repo_dispatches(github: FakeGitHub, tmp_path: Path) -> None:
    urls = {"archive_url": github.base_url, "git_url": github.base_url, "as_of": "latest"}
    by_default = fetch.fetch_repo("carol", "faulty", None, None, tmp_path, keep=scan.is_scan_file, **urls)
    assert by_default.status == "ok" and by_default.method == "clone"  # the measured default
    by_archive = fetch.fetch_repo(
        "carol", "faulty", None, None, tmp_path, keep=scan.is_scan_file, method="archive", **urls
    )
    assert by_archive.status == "ok" and by_archive.method == "archive"
    assert sorted(by_archive.contents) == sorted(by_default.contents) == ["Dockerfile", "main.py"]
    kept_nothing = fetch.fetch_repo("carol", "faulty", None, None, tmp_path, keep=lambda path: False, **urls)
    assert kept_nothing.contents == {} and sorted(path for path, _ in kept_nothing.files) == [
        "Dockerfile",
        "main.py",
    ]
    with pytest.raises(ValueError):
        fetch.fetch_repo("carol", "faulty", None, None, tmp_path, keep=scan.is_scan_file, method="ftp")
    with pytest.raises(ValueError, match="needs the ICLR year"):  # never silently today's head
        fetch.fetch_repo("carol", "faulty", None, None, tmp_path, keep=scan.is_scan_file, as_of="conference")


HISTORY = [  # (commit date, files): the code as it was before the conference, then after it
    ("2021-03-01T12:00:00+00:00", {"train.py": b"import tensorflow\n"}),
    ("2021-04-30T12:00:00+00:00", {"train.py": b"import torch\n", "old.py": b"import numpy\n"}),
]


@pytest.mark.parametrize("method", ["clone", "archive"])
def test_code_is_read_as_it_was_on_a_date(github: FakeGitHub, tmp_path: Path, method: str) -> None:
    if "erin/history" not in github.repos:
        github.add_repo(
            "erin/history", {"train.py": b"import jax\n"}, history=HISTORY
        )  # the last commit: 2024
    urls = {"archive_url": github.base_url, "git_url": github.base_url, "method": method}
    conference = fetch.fetch_repo(
        "erin", "history", None, None, tmp_path, keep=scan.is_scan_file, as_of="2021-05-03", **urls
    )
    if method == "archive":  # no history in an archive: today's head, and the row says so
        assert conference.contents == {"train.py": b"import jax\n"}
        assert "an archive has no history; the last commit before 2021-05-03 needs git" in conference.read_at
        return
    assert conference.contents == {"train.py": b"import torch\n", "old.py": b"import numpy\n"}
    assert conference.read_at == "the last commit before 2021-05-03"
    earlier = fetch.fetch_repo(
        "erin", "history", None, None, tmp_path, keep=scan.is_scan_file, as_of="2021-04-01", **urls
    )
    assert earlier.contents == {"train.py": b"import tensorflow\n"}
    created_later = fetch.fetch_repo(
        "erin", "history", None, None, tmp_path, keep=scan.is_scan_file, as_of="2020-01-01", **urls
    )
    assert created_later.contents == {"train.py": b"import tensorflow\n"}  # its first commit
    assert created_later.read_at == "the first commit (the repository was created after 2020-01-01)"
    latest = fetch.fetch_repo(
        "erin", "history", None, None, tmp_path, keep=scan.is_scan_file, as_of="latest", **urls
    )
    assert (
        latest.contents == {"train.py": b"import jax\n"}
        and latest.commit == github.repos["erin/history"].commit
    )
    assert len({conference.commit, earlier.commit, latest.commit}) == 3


def commits_of(github: FakeGitHub, name: str) -> list[str]:
    """Every commit of a fake repository's main branch, oldest first (read with git, beside the server)."""
    bare = Path(github.root) / f"{name}.git"
    done = subprocess.run(
        ["git", f"--git-dir={bare}", "rev-list", "--reverse", "main"], capture_output=True, text=True
    )
    return done.stdout.split()


@pytest.mark.parametrize("method", ["clone"])
def test_refs_as_people_write_them(github: FakeGitHub, tmp_path: Path, method: str) -> None:
    if "erin/history" not in github.repos:
        github.add_repo("erin/history", {"train.py": b"import jax\n"}, history=HISTORY)
    first, second, head = commits_of(github, "erin/history")
    options = {
        "archive_url": github.base_url,
        "git_url": github.base_url,
        "method": method,
        "as_of": "latest",
    }

    def read(ref: str) -> FetchResult:
        return fetch.fetch_repo("erin", "history", ref, None, tmp_path, keep=scan.is_scan_file, **options)

    short = read(first[:7])  # a link such as /tree/696fa90
    assert (
        short.status == "ok"
        and short.commit == first
        and short.contents == {"train.py": b"import tensorflow\n"}
    )
    assert f"short SHA {first[:7]} is commit {first[:12]}" in short.read_at
    assert read("main").commit == head
    gone = read("feature-deleted-later")  # a branch that no longer exists: the default branch, with a note
    assert gone.status == "ok" and gone.commit == head and "no longer exists" in gone.read_at
    unknown = read("0000000")  # a short SHA no branch holds: the link is wrong, a final answer
    assert unknown.status == "missing" and "check the repository and ref" in unknown.reason
    assert second != head


def test_a_stalled_transfer_ends_long_before_the_repository_budget(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.set_faults(
        "carol/faulty", [], kind="git", sticky="stall_pack"
    )  # headers and a first chunk, then silence
    started = time.monotonic()
    result = clone(github, "carol/faulty", tmp_path, total_timeout=120.0, stall_timeout=3.0, clone_retries=0)
    elapsed = time.monotonic() - started
    assert result.status in ("timeout", "http_error"), result.reason
    assert elapsed < 15, f"a stall held the worker {elapsed:.0f} s (budget 120 s, stall limit 3 s)"


def test_one_absent_blob_costs_only_its_file(github: FakeGitHub, tmp_path: Path) -> None:
    files = {
        "a.py": b"import numpy\n",
        "b.py": b"import torch\n",
        "c.py": b"import jax\n",
        "README.md": b"# r\n",
    }
    if "frank/absent" not in github.repos:
        github.add_repo("frank/absent", files)
        bare = Path(github.root) / "frank/absent.git"
        oid = subprocess.run(
            ["git", f"--git-dir={bare}", "rev-parse", "HEAD:b.py"], capture_output=True, text=True
        )
        (
            bare / "objects" / oid.stdout[:2] / oid.stdout.strip()[2:]
        ).unlink()  # the server can no longer send it
    result = clone(github, "frank/absent", tmp_path)
    assert result.status == "ok", result.reason
    assert result.contents == {k: v for k, v in files.items() if k != "b.py"}  # every other file is read
    reasons = dict(result.skipped)
    assert reasons["b.py"].startswith("unreadable") and "not our ref" in reasons["b.py"]
    assert "1 file(s) unreadable: b.py" in result.reason
    record = records.store_fetch(
        tmp_path / "cache", {"repo": "frank/absent", "ref": "", "subdir": ""}, result
    )
    assert record["unreadable"] == ["b.py"] and sorted(record["imports"]) == ["a.py", "c.py"]


def test_an_oversized_file_costs_about_the_cap_not_its_size(tmp_path: Path) -> None:
    big = os.urandom(30 * 2**20)  # 30 MB that git cannot compress, named like a scan file
    files = {"notebook.ipynb": big, "a.py": b"import numpy\n", "b.py": b"import torch\n"}
    with FakeGitHub(hang_s=5, rate_bytes_per_s=5_000_000) as server:  # 5 MB/s, a good link to GitHub
        server.add_repo("gina/huge-notebook", files)
        server.reset_log()
        request = make_request("gina/huge-notebook", None, None, None, git_url=server.base_url,
                               max_file_bytes=MIB, total_timeout=120, clone_retries=0)  # fmt: skip
        result = fetch_clone(request, tmp_path)
        sent = sum(
            record.bytes_sent for record in server.log if record.kind == "git"
        )  # counted at the server
    assert result.status == "ok", result.reason
    assert result.contents == {"a.py": b"import numpy\n", "b.py": b"import torch\n"}
    why = dict(result.skipped)["notebook.ipynb"]
    assert why.startswith("larger than 1.0 MB: stopped after")
    received = int(why.rsplit("after ", 1)[1].split()[0])
    assert received < 4 * 2**20  # stopped soon after the cap (the fake sends a burst first), not at 30 MB
    # the server also counts what sat in socket buffers, a batch attempt before the blob's own, and what it sent
    # at 5 MB/s until the client's close reached it (8.9 MB once in a whole-suite run on a busy machine, about 5
    # alone): still far from the file's 30 MB
    assert sent < 12 * 2**20, f"the server sent {sent} bytes for a 30 MB file with a 1 MB cap"


# --------------------------------------------------------------------------------------------------
# A guarded git command never waits on itself
# --------------------------------------------------------------------------------------------------


def late_reader(delay_s: float) -> list[str]:
    """git arguments for a command that sleeps, then counts the bytes of its standard input (`wc -c`)."""
    return ["-c", f"alias.late-reader=!sleep {delay_s}; wc -c", "late-reader"]


@pytest.mark.parametrize("size", [40, 1_000_000])  # a few object ids; more than a pipe's buffer holds
def test_a_guarded_command_receives_all_its_input_however_late_it_reads(tmp_path: Path, size: int) -> None:
    payload = b"0123456789abcdef0123456789abcdef01234567\n" * (size // 41 + 1)
    env = clone_module.make_git_env("http://127.0.0.1:9", None, 30)
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    limits = clone_module.GitLimits(deadline=time.monotonic() + 20, input_s=10, connect_s=10)
    out = clone_module.run_git(
        late_reader(0.5), str(tmp_path), env, limits, stdin=payload, byte_limit=(str(pack_dir), 2**30)
    )
    assert int(out.split()[0]) == len(payload)  # wc -c counted every byte, and saw the end of its input


def test_a_guarded_command_gets_its_input_when_the_first_poll_ends_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clone_module, "POLL_S", 1e-4)  # a busy machine: each poll ends before a write could
    payload = b"x" * 5000
    env = clone_module.make_git_env("http://127.0.0.1:9", None, 30)
    limits = clone_module.GitLimits(deadline=time.monotonic() + 20, input_s=10, connect_s=10)
    out = clone_module.run_git(
        late_reader(0), str(tmp_path), env, limits, stdin=payload, byte_limit=(str(tmp_path), 2**30)
    )
    assert int(out.split()[0]) == len(payload)


def test_a_command_that_never_takes_its_input_fails_saying_so(tmp_path: Path) -> None:
    env = clone_module.make_git_env("http://127.0.0.1:9", None, 30)
    limits = clone_module.GitLimits(deadline=time.monotonic() + 60, input_s=1.0, connect_s=10)
    started = time.monotonic()
    with pytest.raises(clone_module.InputNotTaken) as raised:  # sleeps 30 s and never reads 1 MB
        clone_module.run_git(late_reader(30), str(tmp_path), env, limits, stdin=b"y" * 2**20)
    assert time.monotonic() - started < 10
    abort = clone_module.classify_git_error(raised.value, "http://x/a/b.git", "blob fetch", 60)
    assert abort.status == "timeout" and "did not take its input within 1 s" in abort.reason


def test_one_slow_target_does_not_hold_the_others_back() -> None:
    fast = [f"fast/{i}" for i in range(40)]
    done: list[str] = []
    lock, all_fast_done = threading.Lock(), threading.Event()

    def fetch_one(name: str) -> FetchResult:
        if name == "slow/one":  # ends only once every fast target has ended (or after 20 s, failing the test)
            finished = all_fast_done.wait(timeout=20)
            return FetchResult(status="ok", reason=f"all fast ones ended first: {finished}", method="")
        with lock:
            done.append(name)
            if len(done) == len(fast):
                all_fast_done.set()
        return FetchResult(status="ok", reason=name, method="")

    started = time.monotonic()
    ended = list(fetch.fetch_many(["slow/one", *fast], fetch_one, workers=2, desc="test"))
    assert time.monotonic() - started < 15
    # The slow one ends after every fast one has run (its reason says so). Results come as they end, but those
    # ending in one wait come in index order, and at most 2 x workers are in flight: so at most 3 fast ones,
    # ended but not yet yielded when the slow one ends, can come after it (index 0).
    assert [index for index, _ in ended].index(0) >= len(fast) - (2 * 2 - 1)
    assert dict(ended)[0].reason == "all fast ones ended first: True"
    assert sorted(index for index, _ in ended) == list(range(41))


def test_a_connection_not_made_in_time_fails_saying_so(tmp_path: Path) -> None:
    with socket.socket() as server:  # a listening socket whose queue is full: a new connection is never made
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.2)
        started = time.monotonic()
        request = make_request("a/b", None, None, None, git_url=f"http://127.0.0.1:{port}", total_timeout=60,
                               timeout=2, clone_retries=0)  # fmt: skip
        result = fetch_clone(request, tmp_path)
        elapsed = time.monotonic() - started
        for filler in fillers:
            filler.close()
    assert result.status == "timeout" and "could not connect within 2 s" in result.reason, result.reason
    assert elapsed < 10, (
        f"a connection that was never made held the fetch {elapsed:.0f} s (connect limit 2 s)"
    )


def test_guarded_fetches_at_once_on_a_busy_machine_all_end(github: FakeGitHub, tmp_path: Path) -> None:
    names = [
        name for name in ("alice/normal", "bob/mono", "carol/faulty", "dave/huge-py") if name in github.repos
    ]
    deadline = time.monotonic() + 60  # bounded: the busy processes stop by themselves
    burners = [
        subprocess.Popen([sys.executable, "-c", BURN_CPU, str(deadline - time.monotonic())]) for _ in range(3)
    ]
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futures = [
                pool.submit(clone, github, name, tmp_path, total_timeout=45.0, clone_retries=0)
                for name in names * 4
            ]
            results = [future.result() for future in futures]
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert [r.status for r in results] == ["ok"] * len(results), [
        r.reason for r in results if r.status != "ok"
    ]
    for name, result in zip(names * 4, results, strict=True):  # every scan file, byte for byte
        files = github.repos[name].files
        read = {
            path: blob for path, blob in result.contents.items() if path != ".gitmodules"
        }  # the fake's own
        assert read == {p: v for p, v in files.items() if isinstance(v, bytes) and scan.is_scan_file(p)}


BURN_CPU = "import sys, time\nend = time.monotonic() + min(60, float(sys.argv[1]))\nwhile time.monotonic() < end: pass\n"


# Code released after the conference (issue 26): ICLR 2023's first day is 2023-05-01. Each history is (commit date,
# files), oldest first; the fake's last commit (its `files`) is dated 2024-01-01.
LATE_REPOS = {
    "late/readme-first": (  # only a README before the date; a README-only commit and a data file, then code
        [("2023-03-01T12:00:00+00:00", {"README.md": b"code coming soon\n"}),
         ("2023-05-10T12:00:00+00:00", {"README.md": b"soon\n", "data.bin": os.urandom(1_500_000)}),
         ("2023-05-31T12:00:00+00:00", {"README.md": b"# code\n", "train.py": b"import torch\n"})],
        {"train.py": b"import jax\n"},
    ),
    "late/too-late": ([("2022-10-01T12:00:00+00:00", {"README.md": b"soon\n"})], {"main.py": b"import torch\n"}),
    "late/created-after": (  # its first commit, 31 days after the date, holds no code; code 50 days after it
        [("2023-06-01T12:00:00+00:00", {"README.md": b"soon\n"}),
         ("2023-06-20T12:00:00+00:00", {"model.ipynb": b'{"cells": []}', "README.md": b"# code\n"})],
        {"model.ipynb": b"{}"},
    ),
}  # fmt: skip


def read_late_repos(github: FakeGitHub, cache: Path, later_code_days: int, as_of: str, year: int) -> dict:
    """The late repositories' records through the records layer, as a dataset run reads them."""
    for name, (history, files) in LATE_REPOS.items():
        if name not in github.repos:
            github.add_repo(name, files, history=history)
    targets = [{"repo": name, "ref": "", "subdir": ""} for name in LATE_REPOS]
    found = records.fetch_repo_records(
        targets, cache_dir=cache, method="clone", workers=1, git_url=github.base_url,
        archive_url=github.base_url, as_of=as_of, year=year, later_code_days=later_code_days,
    )  # fmt: skip
    return {key[0]: record for key, record in found.items()}


def test_code_released_after_the_conference_is_read_within_the_window(
    github: FakeGitHub, tmp_path: Path
) -> None:
    found = read_late_repos(github, tmp_path / "cache", 365, "conference", 2023)
    commits = {name: commits_of(github, name) for name in LATE_REPOS}
    late = found["late/readme-first"]  # README only at the date: read at the commit with code, 30 days later
    row = tools.extract_tools(late)
    assert late["commit"] == commits["late/readme-first"][2] and sorted(late["imports"]) == ["train.py"]
    assert row["status"] == "ok" and row["frameworks"] == ["pytorch"] and row["days_after_conference"] == 30
    assert row["read_at"] == "the first commit with code, 30 days after 2023-05-01"
    assert late["bytes_received"] < 500_000  # the walk fetched trees, not the 1.5 MB data file of a candidate
    created = tools.extract_tools(
        found["late/created-after"]
    )  # created 31 days after: its first commit with code
    assert found["late/created-after"]["commit"] == commits["late/created-after"][1]
    assert (
        created["status"] == "ok"
        and created["days_after_conference"] == 50
        and created["n_python_files"] == 1
    )
    too_late = tools.extract_tools(found["late/too-late"])  # code 2024-01-01: 245 days after this date ...
    assert too_late["status"] == "ok" and too_late["days_after_conference"] == 245
    dated = read_late_repos(github, tmp_path / "cache", 365, "2022-11-27", 2023)  # ... 400 after this one
    too_late = tools.extract_tools(dated["late/too-late"])
    assert (
        dated["late/too-late"]["commit"] == commits["late/too-late"][0] and too_late["status"] == "no_python"
    )
    assert (
        too_late["reason"]
        == "no .py, .ipynb or .pyx file; no commit with code within 365 days after 2022-11-27"
    )
    assert (
        too_late["read_at"] == "the last commit before 2022-11-27"
        and too_late["days_after_conference"] is None
    )


def test_a_window_of_0_days_gives_the_first_day_rows_and_keeps_its_cache_apart(
    github: FakeGitHub, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first_day = read_late_repos(github, cache, 0, "conference", 2023)
    commits = {name: commits_of(github, name) for name in LATE_REPOS}
    expected = {  # the rule of the first day: the last commit before the date, else the first commit
        "late/readme-first": (commits["late/readme-first"][0], "the last commit before 2023-05-01", "no_python"),
        "late/too-late": (commits["late/too-late"][0], "the last commit before 2023-05-01", "no_python"),
        "late/created-after": (commits["late/created-after"][0],
                               "the first commit (the repository was created after 2023-05-01)", "no_python"),
    }  # fmt: skip
    for name, (commit, read_at, status) in expected.items():
        row = tools.extract_tools(first_day[name])
        assert (first_day[name]["commit"], row["read_at"], row["status"]) == (commit, read_at, status), name
        assert row["days_after_conference"] is None and "later" not in row["reason"]
    assert sorted(path.name for path in (cache / "raw" / "refs").glob("late__readme-first*")) == [
        "late__readme-first~2023-05-01.json"
    ]
    with_later = read_late_repos(
        github, cache, 365, "conference", 2023
    )  # the first-day cache is not this rule's
    assert with_later["late/readme-first"]["origin"] == "fetched"
    assert with_later["late/readme-first"]["commit"] == commits["late/readme-first"][2]
    again = read_late_repos(github, cache, 365, "conference", 2023)
    assert again["late/readme-first"]["origin"] == "cache" and again["late/readme-first"]["days_after"] == 30
    assert tools.extract_tools(again["late/readme-first"]) == tools.extract_tools(
        with_later["late/readme-first"]
    )


def test_a_shallow_history_is_not_walked_for_later_code(github: FakeGitHub, tmp_path: Path) -> None:
    """A history the server sent only in part (shallow) cannot tell which later commit came first: refused."""
    if "late/readme-first" not in github.repos:
        read_late_repos(github, tmp_path / "cache", 0, "conference", 2023)
    first, *_ = commits_of(github, "late/readme-first")
    url = f"{github.base_url}/late/readme-first.git"
    env = clone_module.make_git_env(github.base_url, None, 30.0)
    limits = clone_module.GitLimits(time.monotonic() + 30)
    history = tmp_path / "history"
    clone_module.run_git(["init", "-q", "--bare", "--template=", str(history)], str(tmp_path), env, limits)
    clone_module.run_git(
        ["-C", str(history), "fetch", "-q", "--depth", "2", url, "HEAD"], str(tmp_path), env, limits
    )
    with pytest.raises(clone_module.GitError, match="shallow history"):
        later.list_later_commits(first, "2023-05-01", 365, str(tmp_path), env, limits)
