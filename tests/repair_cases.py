"""Cases of the link repair against the fake GitHub's listing API, shared by tests/test_repair.py and `make faults`.

`serve_recorded_owners` serves every owner of `../shared/links/repairs.tsv`: the candidates seen when the cases were
recorded, their real repositories, and decoys that fit none of the quoted names (near misses among them). The
listing faults are a missing owner, a rate limit, a server error and pagination cut short.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from robustness_cases import Outcome

from fakes.github_server import FakeGitHub
from iclr_tools import links as links_module
from iclr_tools.repair_fetch import repair_links
from iclr_tools.settings import Settings

BIG_OWNERS = {"microsoft", "facebookresearch", "google-research"}  # served with 250 decoys: 3 pages of 100
GENERIC_DECOYS = ("dotfiles", "paper-template", "awesome-papers", "Zoo", "website")


def read_repair_cases(shared_dir: Path) -> list[dict]:
    """The recorded cases of `../shared/links/repairs.tsv`, one dict per row."""
    with (shared_dir / "links" / "repairs.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def fold(name: str) -> str:
    """A name with case, `-`, `_` and `.` dropped (the test's own comparison, to keep decoys from fitting)."""
    return re.sub(r"[-_.]", "", name.lower())


def make_decoys(owner: str, quoted_names: list[str]) -> list[str]:
    """Names an owner's listing also holds that fit none of `quoted_names`: near misses, generic names, and for
    a big organisation 250 more (so its listing takes three pages)."""
    names = [f"{owner}.github.io", *GENERIC_DECOYS]
    for quoted in quoted_names:
        last = quoted[-1:].lower()
        names += [f"awesome-{quoted}", f"py{quoted}", quoted[:-1] + ("z" if last != "z" else "y") + "-lab"]
    if owner.lower() in BIG_OWNERS:
        names += [f"project-{number:03d}" for number in range(250)]
    keys = [fold(quoted) for quoted in quoted_names]
    return [f"{owner}/{name}" for name in names
            if not any(fold(name).startswith(key) or key.startswith(fold(name)) for key in keys)]  # fmt: skip


def serve_recorded_owners(github: FakeGitHub, cases: list[dict]) -> None:
    """List every recorded owner's candidates, real repositories and decoys on the fake GitHub."""
    quoted_by_owner: dict[str, list[str]] = {}
    for case in cases:
        owner, _, name = links_module.normalise_quoted(case["quoted"]).partition("/")
        quoted_by_owner.setdefault(owner, []).append(name)
        github.add_listing([*case["candidates"].split(), *([case["real"]] if case["real"] else [])])
    for owner, names in quoted_by_owner.items():
        github.add_listing(make_decoys(owner, names))


def make_case_links(cases: list[dict]) -> tuple[list[dict], dict, dict[str, str]]:
    """(links, records, titles) of the recorded cases as a run meets them: each quoted URL parsed (NFKC), and
    every target a fetch found missing."""
    links, records, titles = [], {}, {}
    for number, case in enumerate(cases):
        paper = f"paper-{number}"
        link = {"forum_id": paper, **links_module.parse_quoted_link(f"https://github.com/{case['quoted']}")}
        links.append(link)
        records[(link["repo"], link["ref"], link["subdir"])] = {"status": "missing"}
        titles[paper] = case["title"]
    return links, records, titles


@dataclass(frozen=True)
class ListingFault:
    """One fault injected into an owner's listing, and what the link's reason must say."""

    name: str
    owner: str
    says: str
    sticky: str | None = None  # the fake's listing fault; None: the owner does not exist
    extra_repos: int = 0  # decoys, so the listing has more than one page


LISTING_FAULTS = [
    ListingFault("missing owner", "no-such-owner", "no user or organisation"),
    ListingFault("rate limit", "limited-owner", "rate limit", "ratelimit"),
    ListingFault("server error", "broken-owner", "http 500", "500"),
    ListingFault(
        "pagination cut short", "long-owner", "cut short after 1 of 2 pages", "cut", extra_repos=150
    ),
]


def run_listing_faults(workdir: Path) -> list[Outcome]:
    """One repair with every listing fault injected beside a healthy owner: each faulty link is kept with a
    reason saying which fault, the healthy one is repaired, and nothing escapes."""
    outcomes = []
    with FakeGitHub() as github:
        github.add_listing(["healthy-owner/ForkMerge", "healthy-owner/dotfiles"])
        links = [
            {"forum_id": "healthy", **links_module.parse_quoted_link("https://github.com/healthy-owner/Fork")}
        ]
        for fault in LISTING_FAULTS:
            if fault.sticky:
                github.add_listing([f"{fault.owner}/ForkMerge"])
                github.add_listing([f"{fault.owner}/decoy-{n:03d}" for n in range(fault.extra_repos)])
                github.set_listing_faults(fault.owner, [], sticky=fault.sticky)
            links.append({"forum_id": fault.name,
                          **links_module.parse_quoted_link(f"https://github.com/{fault.owner}/Fork")})  # fmt: skip
        records = {(link["repo"], "", ""): {"status": "missing"} for link in links}
        settings = Settings(cache_dir=workdir / "cache", api_url=github.base_url, backoff_factor=0.0, retries=1,
                            timeout=5.0)  # fmt: skip
        try:
            repaired = {link["forum_id"]: link for link in repair_links(links, records, {}, settings)}
        except Exception as error:  # a fault that escapes is a crash
            return [
                Outcome("fault", f"listing: {fault.name}", False, repr(error), True)
                for fault in LISTING_FAULTS
            ]
        for fault in LISTING_FAULTS:
            link = repaired.get(fault.name, {})
            reason = link.get("repair_reason", "")
            ok = link.get("repo") == f"{fault.owner}/Fork" and fault.says in reason.lower()
            outcomes.append(Outcome("fault", f"listing: {fault.name}", ok, reason[:200]))
        healthy = repaired["healthy"]
        outcomes.append(Outcome("check", "listing: the healthy owner's cut link repaired beside the faults",
                                healthy["repo"] == "healthy-owner/ForkMerge", str(healthy.get("repo"))))  # fmt: skip
    return outcomes
