"""The `repair` section of `make bench`: GitHub API requests spent repairing cut links, per 100 links.

The recorded cases of `../shared/links/repairs.tsv` (every quoted name of the recorded samples that named no
repository) are served by the fake GitHub's listing API with their candidates and decoys (tests/repair_cases.py),
and repaired as a run repairs them: each owner listed once, without a token. The links they are counted against
are every GitHub link of the samples the cases come from (`../shared/{venue}{year}/code_links.json`), since a
run lists an owner only for a link whose repository is missing.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path

from bench_common import SHARED, emit, log
from repair_cases import make_case_links, read_repair_cases, serve_recorded_owners

from fakes.github_server import FakeGitHub
from iclr_tools.links import parse_quoted_link
from iclr_tools.repair_fetch import repair_links
from iclr_tools.settings import Settings

QUICK_CASES = 20  # --quick: the first cases only


def count_sample_links(cases: list[dict]) -> int:
    """GitHub links of the recorded samples the cases come from (their folders' `code_links.json`)."""
    folders = sorted({f"{case['venue'].lower()}{case['year']}" for case in cases})
    rows = [row for folder in folders
            for row in json.loads((SHARED / folder / "code_links.json").read_text(encoding="utf-8"))]  # fmt: skip
    return sum(parse_quoted_link(str(row.get("url") or ""))["kind"] == "github" for row in rows)


def run_repair(quick: bool) -> None:
    """Repair figures: API requests per 100 links, the missing links tried, and how many were read right."""
    if not (SHARED / "links" / "repairs.tsv").is_file():
        emit("repair", f"skipped: {SHARED / 'links' / 'repairs.tsv'} is not here")
        return
    cases = read_repair_cases(SHARED)
    cases = cases[:QUICK_CASES] if quick else cases
    total = count_sample_links(cases)
    log(f"repair: {len(cases)} recorded cases against the fake GitHub's listing API")
    with FakeGitHub() as github, tempfile.TemporaryDirectory(prefix="bench-repair-") as work:
        serve_recorded_owners(github, cases)
        links, records, titles = make_case_links(cases)
        settings = Settings(cache_dir=Path(work), api_url=github.base_url, retries=1, backoff_factor=0.0)
        with contextlib.redirect_stdout(sys.stderr):  # what it repaired is progress: stdout holds figures
            repaired = repair_links(links, records, titles, settings, token="")
        requests = github.count("api")
    right = sum(link["repo"] == case["real"] for case, link in zip(cases, repaired, strict=True)
                if case["decision"] == "repaired")  # fmt: skip
    emit("repair_links", total)
    emit("repair_links_missing", len(cases))
    emit("repair_api_requests", requests)
    emit("repair_api_requests_per_100_links", 100 * requests / total)
    emit("repair_recorded_right", f"{right} of {sum(case['decision'] == 'repaired' for case in cases)}")
