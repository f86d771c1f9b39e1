"""Counts over the ICLR 2020 dataset rebuilt from the recorded snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from iclr_tools import analysis, dataset, links, study, venues, years


@pytest.fixture(scope="module")
def frame_2020(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The ICLR 2020 dataset built from the recorded snapshot (offline)."""
    return dataset.create_dataset(2020, shared_dir / "iclr2020", cache_dir=tmp_path_factory.mktemp("cache"))


def test_counts_on_the_dataset(frame_2020: pd.DataFrame) -> None:
    frame = frame_2020
    funnel = analysis.count_funnel(frame).set_index("step")["papers"]
    assert funnel["accepted papers"] == 687 and funnel["with a code link"] == 335
    assert funnel.is_monotonic_decreasing
    frameworks = analysis.count_frameworks(frame).set_index("framework")["count"]
    assert frameworks["pytorch"] > frameworks["tensorflow"] > frameworks["keras"] > 0
    comparison = study.count_study_comparison(frame)
    assert list(comparison["study_published"][:4]) == [237, 154, 95, 23]


def tiny_frame() -> pd.DataFrame:
    """Four papers by hand: two readable repositories, one gone, one paper without code."""
    rows = [
        {"forum_id": "p1", "code_url": "https://github.com/o/a", "link_kind": "github", "repo": "o/a",
         "status": "ok", "frameworks": ["pytorch", "tensorflow"], "imported_tools": ["numpy", "tensorflow", "torch"],
         "declared_tools": ["torch"], "undeclared_imports": ["numpy", "tensorflow"], "declares_dependencies": True},
        {"forum_id": "p2", "code_url": "https://github.com/o/b", "link_kind": "github", "repo": "o/b",
         "status": "ok", "frameworks": ["pytorch"], "imported_tools": ["torch"], "declared_tools": [],
         "undeclared_imports": [], "declares_dependencies": False},
        {"forum_id": "p3", "code_url": "https://github.com/o/gone", "link_kind": "github", "repo": "o/gone",
         "status": "missing", "reason": "HTTP 404"},
        {"forum_id": "p4", "status": "no_code", "reason": "the paper gives no code link"},
    ]  # fmt: skip
    return dataset.make_dataset(rows)


def test_funnel_frameworks_and_tools_on_a_frame_counted_by_hand() -> None:
    frame = tiny_frame()
    funnel = analysis.count_funnel(frame).set_index("step")["papers"].tolist()
    assert funnel == [4, 3, 3, 2, 2]
    frameworks = analysis.count_frameworks(frame).set_index("framework")
    assert frameworks.loc["pytorch", "count"] == 2 and frameworks.loc["pytorch", "share"] == 1.0
    assert frameworks.loc["tensorflow", "count"] == 1 and frameworks.loc["tensorflow", "share"] == 0.5
    assert (
        frameworks.loc["pytorch and tensorflow", "count"] == 1
        and frameworks.loc["none of these", "count"] == 0
    )
    assert analysis.count_tools(frame).to_dict() == {"torch": 2, "numpy": 1, "tensorflow": 1}
    declared = analysis.count_declared_vs_imported(frame)
    assert (
        declared["declare_any"],
        declared["import_undeclared"],
        declared["import_undeclared_framework"],
    ) == (1, 1, 1)
    failed = analysis.extract_failed_targets(frame)
    assert failed["repo"].tolist() == ["o/gone"] and failed["status"].tolist() == ["missing"]


def test_targets_are_each_targets_first_row_with_a_status_or_any() -> None:
    linked = {"link_kind": "github", "repo": "o/a", "code_url": "https://github.com/o/a", "status": "ok"}
    gone = {"link_kind": "github", "repo": "o/gone", "status": "missing", "reason": "HTTP 404"}
    folder = {**linked, "code_url": "https://github.com/o/a/tree/main/x", "ref": "main", "subdir": "x"}
    user = {"link_kind": "github_user", "code_url": "https://github.com/o", "status": "user_link"}
    rows = [{"forum_id": "p1", **linked}, {"forum_id": "p2", **linked},  # one target, linked by two papers
            {"forum_id": "p3", **gone}, {"forum_id": "p4", **gone}, {"forum_id": "p5", "status": "no_code"},
            {"forum_id": "p6", **folder}, {"forum_id": "p7", **user}]  # fmt: skip
    frame = dataset.make_dataset(rows)
    assert frame["forum_id"].tolist() == [f"p{i}" for i in range(1, 8)]  # row i - 1 is paper p{i}
    assert analysis.extract_targets(frame).index.tolist() == [0, 5]
    assert analysis.extract_targets(frame, None).index.tolist() == [0, 2, 5]
    assert analysis.extract_targets(frame, ("missing",)).index.tolist() == [2]
    assert analysis.extract_failed_targets(frame).index.tolist() == [2]  # the dataset's row a reader finds
    statuses = analysis.count_statuses(frame)
    assert statuses[["status", "targets"]].values.tolist() == [["ok", 2], ["missing", 1]]
    read = years.count_targets_read(frame)
    assert (read["targets"], read["repositories_read"], read["repositories_with_python"]) == (3, 2, 2)
    assert "7 papers, 3 GitHub repository targets" in analysis.describe_coverage(frame, 2020)
    table = pd.DataFrame({"paper": ["a", "b", "c"], "link_kind": ["github", "github", "github_user"],
                          "repo": ["o/a", "o/a", ""], "ref": "", "subdir": ""})  # fmt: skip
    assert links.extract_targets(table, None)["paper"].tolist() == ["a"]  # a links table has no status
    assert venues.describe_venue_year("icml", 2020, table, {"papers_read": 3}, "data")["targets"] == 1


def repository(forum: str, repo: str, frameworks: list[str]) -> dict:
    """A dataset row: a repository read, importing `frameworks`."""
    return {"forum_id": forum, "link_kind": "github", "repo": repo, "status": "ok", "frameworks": frameworks}


def test_frameworks_marked_once_counted_by_repository_and_by_paper() -> None:
    columns = ["pytorch", "tensorflow", "jax", "mxnet", "pytorch and tensorflow", "none of these"]
    marks = analysis.mark_frameworks(pd.Series(["pytorch;tensorflow", "", "jax;pytorch", "mxnet"]))[columns]
    assert marks.values.tolist() == [
        [True, True, False, False, True, False],
        [False, False, False, False, False, True],
        [True, False, True, False, False, False],
        [False, False, False, True, False, False],
    ]
    rows = [repository("p1", "o/a", ["pytorch"]), repository("p1", "o/b", ["tensorflow"]),
            repository("p2", "o/c", ["pytorch", "jax"]), repository("p3", "o/d", []),
            repository("p4", "o/e", ["mxnet"])]  # fmt: skip
    frame = dataset.make_dataset(rows)
    by_repository = analysis.count_frameworks(frame)
    assert list(zip(by_repository["framework"], by_repository["count"], strict=True)) == [
        ("pytorch", 2), ("tensorflow", 1), ("keras", 0), ("jax", 1), ("mxnet", 1),
        ("pytorch and tensorflow", 0), ("none of these", 1)]  # fmt: skip
    assert by_repository["n"].unique().tolist() == [5]
    # p1's two repositories import PyTorch and TensorFlow apart, so the paper imports both
    by_paper = analysis.count_frameworks(frame, "paper").set_index("framework")["count"]
    both, neither = by_paper["pytorch and tensorflow"], by_paper["none of these"]
    assert (by_paper["pytorch"], by_paper["tensorflow"], both, neither) == (2, 1, 1, 1)
    nothing_read = analysis.count_frameworks(frame.assign(status="missing"))
    assert nothing_read["framework"].tolist() == [*analysis.MAIN_FRAMEWORKS, "pytorch and tensorflow",
                                                  "none of these"]  # fmt: skip
    assert nothing_read["count"].tolist() == [0] * 6 and nothing_read["n"].unique().tolist() == [0]


def checklist_row(forum: str, repo: str, status: str, known: bool, items: tuple, subdir: str = "") -> dict:
    """A dataset row with its README texts known or not and the five checklist items in order."""
    columns = [
        "has_dependencies",
        "has_training_code",
        "has_evaluation_code",
        "has_pretrained_models",
        "has_results",
    ]
    return {"forum_id": forum, "code_url": f"https://github.com/{repo}", "link_kind": "github", "repo": repo,
            "subdir": subdir, "status": status, "readmes_known": known, **dict(zip(columns, items, strict=True))}  # fmt: skip


def test_checklist_counts_repositories_with_readme_texts_and_names_the_others(tmp_path: Path) -> None:
    rows = [checklist_row("p1", "o/a", "ok", True, (True, True, False, False, True)),
            checklist_row("p2", "o/b", "no_python", True, (False, False, True, False, False)),  # no Python: counted
            checklist_row("p3", "o/c", "ok", False, (None, True, None, None, None)),
            checklist_row("p4", "o/d", "ok", False, (True, True, True, None, None), subdir="sub"),
            {"forum_id": "p5", "code_url": "https://github.com/o/gone", "link_kind": "github", "repo": "o/gone",
             "status": "missing", "reason": "HTTP 404"}]  # fmt: skip
    frame = dataset.read_dataset(dataset.write_dataset(dataset.make_dataset(rows), tmp_path / "d.csv"))
    table = analysis.count_checklist(frame).set_index("item")
    assert table["n"].tolist() == [2] * 5 and table["unknown"].tolist() == [0] * 5
    assert table["yes"].tolist() == [1, 1, 1, 0, 1] and table["no"].tolist() == [1, 1, 1, 2, 1]
    assert analysis.list_without_readmes(frame) == ["o/c", "o/d/sub"]
    text = analysis.describe_checklist(analysis.count_checklist(frame), analysis.list_without_readmes(frame))
    assert (
        text.startswith("Of 2 repositories: dependencies specified 1 (50%)")
        and "2 repositories (o/c, o/d/sub)" in text
    )
    none_known = frame[
        frame["readmes_known"].ne(True)
    ]  # a year without README texts: every repository, ranges
    table = analysis.count_checklist(none_known).set_index("item")
    assert table.loc["training code", ["yes", "unknown", "n"]].tolist() == [2, 0, 2]
    assert table.loc["pre-trained models", ["yes", "unknown", "at_most"]].tolist() == [0, 2, 1.0]
    assert analysis.list_without_readmes(none_known) == []


def test_the_late_repositories_as_a_group_are_the_recorded_later_reads(shared_dir: Path) -> None:
    from iclr_tools import years

    for year in (2018, 2023):
        group = analysis.select_later_reads(years.read_year_dataset(year))
        folder = shared_dir / f"iclr{year}" / "repos_later"
        recorded = [json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "none.json"]
        expected = sorted((r["days_after"], r["repo"]) for r in recorded)  # none for 2018: no folder
        assert list(zip(group["days_after_conference"], group["repo"], strict=True)) == expected
        assert group["read_at"].str.startswith("the first commit with code, ").all()


def test_the_sentence_on_later_reads_says_how_many_how_late_and_both_shares(shared_dir: Path) -> None:
    from iclr_tools import years

    folder = shared_dir / "iclr2023"
    records = [json.loads(p.read_text()) for p in sorted((folder / "repos").glob("*.json"))]
    later = [
        json.loads(p.read_text()) for p in (folder / "repos_later").glob("*.json") if p.name != "none.json"
    ]
    days = sorted(r["days_after"] for r in later)
    code = (".py", ".ipynb", ".pyx")
    first_day = [r for r in records if any(path.endswith(code) for path, _ in r["files"])]
    torch = sum(
        any(m.split(".")[0] == "torch" for ms in r["imports"].values() for m in ms) for r in first_day
    )
    text = analysis.describe_later_reads(years.read_year_dataset(2023), "ICLR 2023")
    assert f"{len(later)} of the {len(first_day) + len(later)} repositories" in text  # 7 of 50
    assert f"a median of {days[len(days) // 2]} days" in text
    assert f"{torch / len(first_day):.0%} on the first day alone (n={len(first_day)})" in text
    text_2018 = analysis.describe_later_reads(years.read_year_dataset(2018), "ICLR 2018")
    assert (
        "first day only" in text_2018
    )  # no repos_later/ for 2018: its empty repositories were not read later


def wilson(count: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval, from scipy (not from the code under test)."""
    from scipy.stats import binomtest

    interval = binomtest(count, n).proportion_ci(0.95, method="wilson")
    return interval.low, interval.high


def venue_row(venue: str, count: int, n: int) -> dict:
    low, high = wilson(count, n)
    return {"venue": venue, "year": 2021, "measure": "pytorch", "count": count, "n": n, "share": count / n,
            "ci_low": low, "ci_high": high, "method": "sample"}  # fmt: skip


def test_venues_whose_intervals_overlap_do_not_differ_detectably() -> None:
    rows = pd.DataFrame([venue_row("iclr", 38, 55), venue_row("icml", 40, 53)])
    (low_a, high_a), (low_b, high_b) = wilson(38, 55), wilson(40, 53)
    assert low_b < high_a and low_a < high_b  # the two intervals overlap
    text = analysis.describe_venue_differences(rows, {"pytorch": "PyTorch"})
    assert text.startswith("PyTorch, 2021: ICML 2021 75% (95% CI")
    assert "n=53" in text and "n=55" in text and "the two do not differ detectably" in text
    assert "higher" not in text


def test_venues_whose_intervals_do_not_overlap_are_called_different() -> None:
    rows = pd.DataFrame([venue_row("iclr", 45, 50), venue_row("neurips", 15, 53), venue_row("icml", 40, 55)])
    assert wilson(15, 53)[1] < wilson(45, 50)[0] and wilson(15, 53)[1] < wilson(40, 55)[0]  # apart
    assert wilson(40, 55)[1] > wilson(45, 50)[0]  # ICLR and ICML overlap
    text = analysis.describe_venue_differences(rows, {"pytorch": "PyTorch"})
    assert "ICLR 2021 is higher than NeurIPS 2021 and ICML 2021 is higher than NeurIPS 2021" in text
    assert "the other pairs do not differ detectably" in text and "ICLR 2021 is higher than ICML" not in text


def test_exact_shares_that_round_alike_show_a_decimal() -> None:
    """Whole populations: 463 of 1,428 (32.4%) against 161 of 501 (32.1%) is a difference, shown with the decimal
    that makes it visible, not as "32% is higher than 32%"; shares that round apart keep whole percents."""
    exact = [{"venue": venue, "year": 2019, "measure": "code_sharing", "count": count, "n": n,
              "share": round(count / n, 3), "ci_low": round(count / n, 3), "ci_high": round(count / n, 3),
              "method": "exact"} for venue, count, n in (("neurips", 463, 1428), ("iclr", 161, 501), ("icml", 216, 773))]  # fmt: skip
    text = analysis.describe_venue_differences(pd.DataFrame(exact), {"code_sharing": "Code sharing"})
    assert text.startswith("Code sharing, 2019: NeurIPS 2019 32.4% (exact, n=1,428), ICLR 2019 32.1% (exact, "
                           "n=501) and ICML 2019 27.9% (exact, n=773); NeurIPS 2019 is higher than ICLR 2019")  # fmt: skip
    text = analysis.describe_venue_differences(pd.DataFrame(exact[1:]), {"code_sharing": "Code sharing"})
    assert "ICLR 2019 32% (exact, n=501) and ICML 2019 28% (exact" in text


def test_sampled_bounds_apart_by_a_hair_show_a_decimal() -> None:
    """14 of 57 (15.2%-37.1%) lies above 3 of 55 (1.9%-14.9%): both touching bounds read 15% in whole percents, so
    the sentence that calls them apart shows one decimal (pre-trained models, ICLR 2019 against ICML 2019)."""
    rows = [venue_row("iclr", 14, 57), venue_row("icml", 3, 55)]
    (low, high), (other_low, other_high) = wilson(14, 57), wilson(3, 55)
    assert other_high < low and f"{other_high:.0%}" == f"{low:.0%}"  # the case itself
    text = analysis.describe_venue_differences(pd.DataFrame(rows), {"pytorch": "PyTorch"})
    assert text == (f"PyTorch, 2021: ICLR 2021 {14 / 57:.1%} (95% CI {low:.1%}-{high:.1%}, n=57) and ICML 2021 "
                    f"{3 / 55:.1%} (95% CI {other_low:.1%}-{other_high:.1%}, n=55); ICLR 2021 is higher than ICML "
                    "2021 (their 95% intervals do not overlap).")  # fmt: skip


def test_a_year_with_one_venue_is_no_comparison() -> None:
    rows = pd.DataFrame([venue_row("iclr", 38, 55)])
    assert analysis.describe_venue_differences(rows, {"pytorch": "PyTorch"}).startswith("No year")


def test_attrition_reasons_equal_the_recorded_files(shared_dir) -> None:
    """Each venue-year's missing reasons, counted straight from ../shared (repos_missing.json's `why`,
    repairs.tsv's `not repaired` rows, repos_later/none.json), equal `count_attrition` on the embedded data."""
    import csv
    import json

    from iclr_tools.analysis import count_attrition
    from iclr_tools.years import read_all_frames

    with (shared_dir / "links" / "repairs.tsv").open(encoding="utf-8", newline="") as handle:
        repairs = list(csv.DictReader(handle, delimiter="\t"))
    frames = read_all_frames()
    for (venue, year), frame in frames.items():
        folder = shared_dir / f"{venue}{year}"
        missing = (
            json.loads((folder / "repos_missing.json").read_text())
            if (folder / "repos_missing.json").is_file()
            else []
        )
        none = folder / "repos_later" / "none.json"
        unrepaired = {row["quoted"] for row in repairs
                      if (row["venue"], row["year"], row["decision"]) == (venue, str(year), "not repaired")}  # fmt: skip
        why = [item["why"] for item in missing]
        expected = {
            "no repository completes the link": sum(item["repo"] in unrepaired for item in missing),
            "no public copy": sum(w.startswith("not found") for w in why)
            - sum(item["repo"] in unrepaired for item in missing),
            "too large to record here": sum(w.startswith("too large") for w in why),
            "not a valid name": sum("not a valid" in w for w in why),
            "repaired": sum(
                (row["venue"], row["year"], row["decision"]) == (venue, str(year), "repaired")
                for row in repairs
            ),  # fmt: skip
        }
        counts = count_attrition(frame)
        assert {key: counts[key] for key in expected} == expected, (venue, year)
        later_none = len(json.loads(none.read_text())) if none.is_file() else 0
        no_code = counts["no code within a year"] + counts["history not recorded"]
        assert no_code >= later_none, (venue, year)  # none.json: no code in a year (or no history read)
        assert counts["targets"] == counts["with_python"] + sum(
            counts[key] for key in counts if key not in ("targets", "repaired", "recorded", "with_python")
        )
        assert unrepaired <= {item["repo"] for item in missing}, (venue, year)  # filed as not found


def wilson_rounded(count: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval, computed here with scipy, rounded as the tables round it."""
    from scipy.stats import binomtest

    interval = binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    return round(interval.low, 3), round(interval.high, 3)


def group_rows(groups: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """A dataset with one repository per row: per group (a track), how many import PyTorch of how many."""
    rows = []
    for track, (pytorch, n) in groups.items():
        for index in range(n):
            rows.append({"forum_id": f"{track}{index}", "code_url": f"https://github.com/o/{track}{index}",
                         "link_kind": "github", "repo": f"o/{track}{index}", "status": "ok", "track": track,
                         "frameworks": ["pytorch"] if index < pytorch else ["tensorflow"]})  # fmt: skip
    return dataset.make_dataset(rows)


def compared_groups(sentence: str) -> list[tuple[str, str, str]]:
    """(framework, higher, lower) a generated text states: `PyTorch's share is highest in A, ... A's 95% Wilson
    interval lies above those of B (1%-12%, n=40) and C (...)`."""
    pairs = []
    for label, part in re.findall(
        r"(PyTorch|TensorFlow)'s share (.*?)(?=(?:PyTorch|TensorFlow)'s share|$)", sentence
    ):
        for top, below in re.findall(
            r"highest in ([^,]+), .*?interval lies above th(?:at|ose) of (.+?)(?:; it does not|\.(?: |$))",
            part,
        ):
            groups = re.findall(r"(?:^|, | and )([^,()]+?) \([\d.]+%-[\d.]+%, n=\d+\)", below)
            pairs += [(label.lower(), top, group) for group in groups]
    return pairs


def test_a_group_comparison_is_written_only_where_the_intervals_separate() -> None:
    """Issue 29: 39.0% against 38.9% is no lead; 40/40 against 5/40 is."""
    close = analysis.count_frameworks_by(group_rows({"Poster": (70, 180), "Talk": (7, 18)}), "track")
    text = analysis.describe_frameworks_by(close, "track")
    assert compared_groups(text) == [] and "does not differ detectably" in text and "n = 18 to 180" in text
    apart = group_rows({"Alpha": (40, 40), "Beta": (5, 40), "Gamma": (30, 40)})
    table = analysis.count_frameworks_by(apart, "track")
    text = analysis.describe_frameworks_by(table, "track")
    assert {("pytorch", "Alpha", "Beta"), ("pytorch", "Alpha", "Gamma")} <= set(compared_groups(text))
    assert "TensorFlow's share is highest in Beta, 88%" in text
    row = table.set_index("group").loc["Gamma"]
    assert (row["pytorch_ci_low"], row["pytorch_ci_high"]) == wilson_rounded(30, 40)


def test_a_tie_for_the_highest_share_is_named() -> None:
    """Two groups at 100% (n=10 and n=8): the larger leads, the other is named as tied and not counted among the
    groups it does not differ from; equal sizes are cut by name, so the groups drawn are one answer."""
    table = analysis.count_frameworks_by(
        group_rows({"Delta": (8, 8), "Alpha": (10, 10), "Beta": (1, 40)}), "track"
    )
    text = analysis.describe_framework_lead(table, "pytorch", "PyTorch")
    low, high = (f"{bound:.0%}" for bound in wilson_rounded(10, 10))
    beta_low, beta_high = (f"{bound:.0%}" for bound in wilson_rounded(1, 40))
    assert text == (f"PyTorch's share is highest in Alpha, 100% ({low}-{high}, n=10), tied with Delta (n=8). Alpha's 95% "
                    f"Wilson interval lies above that of Beta ({beta_low}-{beta_high}, n=40).")  # fmt: skip
    same_size = group_rows({name: (1, 6) for name in ("Zeta", "Eta", "Theta", "Iota")})
    drawn = analysis.count_frameworks_by(same_size, "track", top=2)
    assert drawn["group"].tolist() == ["Eta", "Iota"]


def test_bounds_apart_by_a_hair_show_a_decimal() -> None:
    """9 of 9 (Wilson 70.1%-100%) lies above 2 of 6 (9.7%-70.0%): apart, though both bounds read 70% in whole
    percents, so the sentence shows one decimal and the reader sees the gap (fb.com and kaist.ac.kr, ICLR 2020)."""
    table = analysis.count_frameworks_by(group_rows({"Alpha": (9, 9), "Beta": (2, 6)}), "track")
    text = analysis.describe_framework_lead(table, "pytorch", "PyTorch")
    (top_low, top_high), (low, high) = wilson_rounded(9, 9), wilson_rounded(2, 6)
    assert high < top_low and f"{high:.0%}" == f"{top_low:.0%}"  # the case: apart, alike in whole percents
    assert text == (f"PyTorch's share is highest in Alpha, 100% ({top_low:.1%}-{top_high:.1%}, n=9). Alpha's 95% Wilson "
                    f"interval lies above that of Beta ({low:.1%}-{high:.1%}, n=6).")  # fmt: skip


def test_no_sentence_on_the_2020_groups_compares_overlapping_intervals(frame_2020: pd.DataFrame) -> None:
    targets = links.extract_targets(frame_2020)
    for by in ("track", "topic", "domain"):
        table = analysis.count_frameworks_by(frame_2020, by)
        text = analysis.describe_frameworks_by(table, by)
        rows = table.set_index("group")
        compared = compared_groups(text)
        assert compared or text.count("does not differ detectably between them") == 2, text  # parsed, or none
        for framework, higher, lower in compared:
            counts = {g: round(rows.loc[g, framework] * rows.loc[g, "repositories"]) for g in (higher, lower)}
            high_low, _ = wilson_rounded(counts[higher], int(rows.loc[higher, "repositories"]))
            _, low_high = wilson_rounded(counts[lower], int(rows.loc[lower, "repositories"]))
            assert high_low > low_high, (by, higher, lower)
    topics = analysis.count_frameworks_by(frame_2020, "topic")
    with_topic = targets[targets["keywords"].map(analysis.extract_topics).map(bool)]
    assert topics.attrs["repositories"] == len(with_topic) < topics.attrs["group_sizes"]
    expected = f"their sizes sum to {topics.attrs['group_sizes']} over the {len(with_topic)} repositories"
    assert expected in analysis.describe_frameworks_by(topics, "topic")
    assert "The groups overlap" not in analysis.describe_frameworks_by(
        analysis.count_frameworks_by(frame_2020, "track"), "track"
    )


def test_every_status_a_run_can_give_has_one_missing_reason() -> None:
    """A links-only venue-year's targets are not read here; a live run's failures are fetch failures; a first-day
    read alone (no later read looked for) is not 'no code within a year'."""
    classify = analysis.classify_missing
    assert classify("not_fetched", "no repository records are embedded", "o/a") == "not read here"
    for status in ("error", "rate_limited", "timeout", "http_error"):
        assert classify(status, "the server said 502", "o/a") == "fetch failed (a rerun tries again)"
    assert (
        classify("no_python", "no .py, .ipynb or .pyx file", "o/a")
        == "no code on the first day, later not read"
    )
    assert (
        classify("no_python", "no .py file; no code within a year (recorded)", "o/a")
        == "no code within a year"
    )
    assert classify("missing", "not found: gone", "o/a", "no repository of o completes it") == (
        "no repository completes the link"
    )
    assert classify("ok", "", "o/a") == ""
