"""Repair of cut GitHub links: the choice among an owner's repositories (repair.py) and the live listing against
the fake GitHub (repair_fetch.py), judged on the recorded cases of ../shared/links/repairs.tsv."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
import urllib3
from repair_cases import make_case_links, read_repair_cases, run_listing_faults, serve_recorded_owners
from robustness_cases import CANARY_TOKEN as CANARY  # the project's fake token, never shaped like a real one

from fakes.github_server import FakeGitHub
from iclr_tools import links, repair, repair_fetch
from iclr_tools.settings import Settings


def make_settings(tmp_path: Path, github: FakeGitHub) -> Settings:
    """Settings pointed at the fake GitHub's API, with no backoff between retries."""
    return Settings(
        cache_dir=tmp_path / "cache", api_url=github.base_url, backoff_factor=0.0, retries=1, timeout=5.0
    )


# ---- the choice (pure) ----

FIT_KINDS = [  # the issue's examples of each way a PDF breaks a name
    ("Fork", "ForkMerge", "cut"),
    ("multimodel-forgetting", "multi-model-forgetting", "lost hyphen"),
    ("hyenadna", "hyena-dna", "lost hyphen"),
    ("td_infonceWebsite", "td_infonce", "glued"),
    ("pinto-faithful-language-reasoning.1", "pinto-faithful-language-reasoning", "glued"),
    ("delﬁ", "delfi", "ligature"),
    ("naslib", "NASLib", "case"),
    ("DARTS", "DARTS-", "lost hyphen"),
]


@pytest.mark.parametrize(("quoted", "real", "kind"), FIT_KINDS)
def test_each_break_is_read_with_its_rule(quoted: str, real: str, kind: str) -> None:
    listed = ["own/" + real, "own/dotfiles", "own/awesome-" + real, "own/Z" + real]
    chosen = repair.choose_repair("own/" + quoted, "", listed)
    assert (chosen.repo, chosen.repaired_by, chosen.candidates) == ("own/" + real, kind, ("own/" + real,))


def test_a_name_fits_only_as_a_prefix_either_way() -> None:
    assert repair.find_fits("Graph", ["GraphST", "graph-edit", "Gra", "MyGraph", "Grape", "G-r-a-p-h-x"]) == [
        "GraphST", "graph-edit", "Gra", "G-r-a-p-h-x",
    ]  # fmt: skip
    assert repair.find_fits("", ["a", "b"]) == []  # nothing quoted fits nothing


NAMED_OUTCOMES = [  # the issue's outcomes of the rule on the recorded cases
    ("microsoft/Relation", "microsoft/RelationNet2"),
    ("chao1224/Bad", "chao1224/BadGlobalMinima"),
    ("automl/SPa", "automl/SPaCE"),
    ("yu-takagi/d", "yu-takagi/dSCA"),
    ("princeton-vl/Simple", None),
    ("nokpil/Social", None),
]


@pytest.mark.parametrize(("quoted", "expected"), NAMED_OUTCOMES)
def test_the_issues_named_cases(shared_dir: Path, quoted: str, expected: str | None) -> None:
    case = next(case for case in read_repair_cases(shared_dir) if case["quoted"] == quoted)
    chosen = repair.choose_repair(quoted, case["title"], case["candidates"].split())
    assert chosen.repo == expected
    assert set(chosen.candidates) == set(case["candidates"].split())
    if expected is None:  # nothing repaired, and the reason names every candidate
        assert all(candidate in chosen.reason for candidate in case["candidates"].split())
    else:
        assert chosen.repaired_by.startswith("chosen by the title among ")


def test_a_tie_repairs_nothing_and_names_both_candidates() -> None:
    chosen = repair.choose_repair(
        "lab/Net", "Graph Flow Networks", ["lab/NetGraph", "lab/NetFlow", "lab/Other"]
    )
    assert chosen.repo is None and chosen.repaired_by == ""
    assert (
        "lab/NetGraph" in chosen.reason
        and "lab/NetFlow" in chosen.reason
        and "lab/Other" not in chosen.reason
    )


def test_the_title_scores_words_and_initials() -> None:
    title = "Demixed shared component analysis of neural population data from multiple brain areas"
    assert repair.score_remainder("SCA", title) == 1  # initials of shared component analysis
    assert repair.score_remainder("rama2brain", title) == 0  # "rama" is not in the title, "brain" is
    assert repair.score_remainder("Flow", "Densely connected normalizing flows") == 1  # flow begins flows
    assert repair.score_remainder("Hybrid", "Densely connected normalizing flows") == -1


def test_a_ligature_is_normalised_before_parsing_and_kept_as_quoted(tmp_path: Path) -> None:
    table = tmp_path / "links.csv"
    table.write_text(
        "paper,url\np,https://github.com/mackelab/delﬁ\nq,https://github.com/a/b\n", encoding="utf-8"
    )
    first, second = links.read_links_table(table)
    assert (first["repo"], first["url"]) == ("mackelab/delfi", "https://github.com/mackelab/delfi")
    assert (first["quoted_repo"], first["repaired_by"]) == ("mackelab/delﬁ", "ligature")
    assert "quoted_repo" not in second and "repaired_by" not in second
    assert links.normalise_quoted("github.com/x/DARTS-") == "github.com/x/DARTS-"  # a trailing hyphen stays


# ---- the live listing against the fake GitHub ----


def test_recorded_cases_repaired_live(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cases = read_repair_cases(shared_dir)
    with FakeGitHub() as github:
        serve_recorded_owners(github, cases)
        case_links, records, titles = make_case_links(cases)
        settings = make_settings(tmp_path, github)
        repaired = repair_fetch.repair_links(case_links, records, titles, settings)
        owners = {case["quoted"].split("/")[0].lower() for case in cases}
        spent = len(owners) + 3 * 2  # a page each, three for microsoft, facebookresearch, google-research
        assert github.count("api") == spent
        again = repair_fetch.repair_links(case_links, records, titles, settings)
        assert github.count("api") == spent  # a rerun reads the cache and asks nothing
    assert again == repaired
    got = [(case, link) for case, link in zip(cases, repaired, strict=True) if case["decision"] == "repaired"]
    right = [case["quoted"] for case, link in got if link["repo"] == case["real"]]
    wrong = [(case["quoted"], link["repo"]) for case, link in got
             if link["repo"] not in (case["real"], links.normalise_quoted(case["quoted"]))]  # fmt: skip
    assert len(right) >= 0.95 * len(got) and not wrong, (len(right), len(got), wrong)
    kept = [(case["quoted"], link["repo"]) for case, link in zip(cases, repaired, strict=True)
            if case["decision"] == "not repaired" and link["repo"] != links.normalise_quoted(case["quoted"])]  # fmt: skip
    assert not kept  # no case recorded as not repaired is read as another repository
    for case, link in got:
        if link["repo"] == case["real"]:
            assert link["quoted_repo"] == case["quoted"]  # verbatim, a ligature too
            assert link["repaired_by"] in ("cut", "glued", "lost hyphen", "ligature", "case") or link[
                "repaired_by"
            ].startswith("chosen by the title among ")
    assert "Repaired " in capsys.readouterr().out


def test_a_big_owner_is_listed_in_part_without_a_token_and_whole_with_one(tmp_path: Path) -> None:
    names = [f"bigorg/repo-{n:03d}" for n in range(450)] + ["bigorg/zetaNet"]  # zetaNet sorts last: page 5
    link = {"forum_id": "p", **links.parse_quoted_link("https://github.com/bigorg/zeta")}
    records = {("bigorg/zeta", "", ""): {"status": "missing"}}
    with FakeGitHub() as github:
        github.add_listing(names)
        settings = make_settings(tmp_path, github)
        (partial,) = repair_fetch.repair_links([link], records, {}, settings, token="")
        assert github.count("api") == repair_fetch.PAGES_WITHOUT_TOKEN
        assert partial["repo"] == "bigorg/zeta" and "quoted_repo" not in partial
        assert "first 3 pages" in partial["repair_reason"] and "GITHUB_TOKEN" in partial["repair_reason"]
        (whole,) = repair_fetch.repair_links([link], records, {}, settings, token=CANARY)
        sent = [record.headers.get("authorization") for record in github.log]
    assert (whole["repo"], whole["quoted_repo"], whole["repaired_by"]) == (
        "bigorg/zetaNet",
        "bigorg/zeta",
        "cut",
    )
    assert sent == [None] * 3 + [f"Bearer {CANARY}"] * 5  # the token as a header, only when given
    cached = b"".join(gzip.decompress(path.read_bytes()) for path in (tmp_path / "cache").rglob("*.json.gz"))
    assert cached and CANARY.encode() not in cached


def test_listing_faults_are_rows_and_the_healthy_owner_is_repaired(tmp_path: Path) -> None:
    outcomes = run_listing_faults(tmp_path)
    assert [outcome.name for outcome in outcomes if outcome.group == "fault"] == [
        "listing: missing owner", "listing: rate limit", "listing: server error", "listing: pagination cut short",
    ]  # fmt: skip
    assert all(outcome.ok and not outcome.crashed for outcome in outcomes), [str(o) for o in outcomes]


def test_a_failed_listing_is_not_cached_and_a_rerun_repairs(tmp_path: Path) -> None:
    link = {"forum_id": "p", **links.parse_quoted_link("https://github.com/lab/Fork")}
    records = {("lab/Fork", "", ""): {"status": "missing"}}
    with FakeGitHub() as github:
        github.add_listing(["lab/ForkMerge"])
        github.set_listing_faults("lab", ["ratelimit"])
        settings = make_settings(tmp_path, github)
        (first,) = repair_fetch.repair_links([link], records, {"p": "ForkMerge"}, settings)
        (second,) = repair_fetch.repair_links([link], records, {"p": "ForkMerge"}, settings)
    assert first["repo"] == "lab/Fork" and "rate limit" in first["repair_reason"]
    assert (second["repo"], second["repaired_by"]) == ("lab/ForkMerge", "cut")


def test_only_missing_targets_are_repaired(tmp_path: Path) -> None:
    fetched = {"forum_id": "p", **links.parse_quoted_link("https://github.com/lab/Fork")}
    elsewhere = {"forum_id": "p", **links.parse_quoted_link("https://gitlab.com/lab/Fork")}
    with FakeGitHub() as github:
        github.add_listing(["lab/ForkMerge"])
        settings = make_settings(tmp_path, github)
        out = repair_fetch.repair_links(
            [fetched, elsewhere], {("lab/Fork", "", ""): {"status": "ok"}}, {}, settings
        )
        assert github.count("api") == 0
    assert out == [fetched, elsewhere]


def test_a_listed_name_is_not_repaired_when_its_ref_is_what_is_missing(tmp_path: Path) -> None:
    link = {"forum_id": "p", **links.parse_quoted_link("https://github.com/lab/ForkMerge/tree/v9")}
    with FakeGitHub() as github:
        github.add_listing(["lab/ForkMerge", "lab/ForkMergeTwo"])
        records = {("lab/ForkMerge", "v9", ""): {"status": "missing"}}
        (out,) = repair_fetch.repair_links([link], records, {}, make_settings(tmp_path, github))
    assert out["repo"] == "lab/ForkMerge" and "quoted_repo" not in out
    assert "ref or folder is missing" in out["repair_reason"]


def test_a_rate_limit_is_waited_for_only_when_it_resets_soon() -> None:
    def limit(reset: float) -> urllib3.HTTPHeaderDict:
        return urllib3.HTTPHeaderDict({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})

    started = time.monotonic()
    assert repair_fetch.wait_for_listing_limit(limit(time.time() + 0.3), 403) is True
    assert 0.1 < time.monotonic() - started < 5
    assert repair_fetch.wait_for_listing_limit(limit(time.time() + 3600), 403) is False
    assert (
        repair_fetch.wait_for_listing_limit(urllib3.HTTPHeaderDict({"x-ratelimit-remaining": "0"}), 403)
        is False
    )


def test_a_damaged_cache_file_is_listed_again(tmp_path: Path) -> None:
    link = {"forum_id": "p", **links.parse_quoted_link("https://github.com/lab/Fork")}
    records = {("lab/Fork", "", ""): {"status": "missing"}}
    with FakeGitHub() as github:
        github.add_listing(["lab/ForkMerge"])
        settings = make_settings(tmp_path, github)
        path = repair_fetch.find_listing_path(settings.cache_dir, "lab")
        for damage in (b"not gzip", gzip.compress(b'{"version": 1, "pages": [{"status": 200}]}')):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(damage)
            (out,) = repair_fetch.repair_links([link], records, {}, settings)
            assert out["repo"] == "lab/ForkMerge"
        assert github.count("api") == 2
