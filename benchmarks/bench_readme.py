"""The README's Performance section, written from a full run's figures with each target judged."""

from __future__ import annotations

from bench_common import FIGURES, ROOT, log
from bench_fetch import FILLER_CAP_BYTES, LATENCY_S, RATE_BYTES_PER_S
from bench_tail import TAIL_BEFORE_FIX, TAIL_REPEATS

from iclr_tools.report import as_paragraph, write_blocks

TARGETS = {  # figure -> (test, wording): the goals the README states beside the figures
    "scan_speedup_vs_pipreqs": (lambda v: v >= 2.5, ">= 2.5"),
    "fetch_parallel_speedup": (lambda v: v >= 8, ">= 8"),
    "fetch_slowest_over_median_workers_16": (lambda v: v < 10, "< 10"),
    "bytes_over_floor": (lambda v: v <= 1.5, "<= 1.5"),
    "bytes_over_floor_as_of": (lambda v: v <= 1.5, "<= 1.5"),
    "peak_rss_mb_1gb_repo": (lambda v: v < 300, "< 300"),
    "rebuild_all_years_s": (lambda v: v < 60, "< 60"),
}


def judge(figures: dict, name: str) -> str:
    """`>= 8: met` or `>= 8: not met` for a figure with a target."""
    test, wording = TARGETS[name]
    return f"{wording}: {'met' if test(figures[name]) else 'not met'}"


def format_readme_block(figures: dict) -> str:
    """The README's Performance section (machine, table, what bounds the speed-up) from a full run's figures."""
    f = figures
    mb = lambda n: n / 1e6  # noqa: E731
    largest = len(str(f["fetch_targets_largest"]).split(","))
    ceiling = f["fetch_parallel_speedup_ceiling_cpu_bound"]
    header = (
        f"`make bench` on this project's reference machine ({f['nproc']} cores, {f['cpu_model']}, "
        f"{f['memory_total_gb']:g} GiB, Python {f['python']}, {str(f['git']).replace('git version', 'git')}; "
        f"{str(f['date'])[:10]}, one full run, {f['bench_total_s']:.0f} s). Everything is offline: the "
        f'"network" is a fake GitHub on 127.0.0.1 with {LATENCY_S * 1000:.0f} ms added per request and '
        f"{RATE_BYTES_PER_S / 1e6:g} MB/s per connection, serving {f['fetch_targets']} of the recorded ICLR 2020 "
        f"repositories (the {largest} largest among them) rebuilt at their recorded file sizes (non-scan files "
        f"capped at {FILLER_CAP_BYTES // 2**20} MB)."
    )
    busy = f.get("other_processes_cores_busy_fetch", 0.0)
    if busy >= 0.2:  # the speed figures of a shared machine say so
        header += (f" Other processes kept {busy:.1f} of the {f['nproc']} cores busy during the fetch section, so "
                   "its speeds and speed-up are those of a shared machine.")  # fmt: skip
    agreement = (f"`framework_agreement_vs_pipreqs` ({f['scan_repos_iclr2020']} ICLR 2020 repositories; "
                 f"{f['framework_agreement_vs_pipreqs_where_pipreqs_ran']:.3f} where pipreqs did not raise: it does "
                 "not resolve own modules as Python does)")  # fmt: skip
    over_floor = (f"`bytes_over_floor` (partial clone; streamed archive: {f['bytes_over_floor_archive']:.2f}, "
                  f"{mb(f['bytes_fetched_archive']):.0f} MB)")  # fmt: skip
    big = f"{f['memory_big_file_mb'] / 1024:g} GB"
    tail = (f"`fetch_median_s_workers_16` (the tail run: the {f['fetch_targets']} repositories {TAIL_REPEATS} times, "
            f"{f['fetch_tail_fetches_workers_16']} fetches, each timed inside its worker)")  # fmt: skip
    slowest = (f"`fetch_slowest_s_workers_16` (same run; failed {f['fetch_tail_failed_workers_16']}, timed out "
               f"{f['fetch_tail_timeouts_workers_16']})")  # fmt: skip
    peak = max(f["peak_rss_mb_1gb_repo"], f["peak_rss_mb_1gb_repo_archive"])
    rows = [
        (f"`scan_repos_per_s` ({f['scan_repos']} installed packages, {f['scan_files']:,} files, {f['scan_mb']} MB)",
         f"{f['scan_repos_per_s']:.2f}", ""),
        (f"`pipreqs_repos_per_s` (pipreqs {importlib_version('pipreqs')} `get_all_imports`, same folders)",
         f"{f['pipreqs_repos_per_s']:.2f}", ""),
        ("`scan_speedup_vs_pipreqs`", f"{f['scan_speedup_vs_pipreqs']:.2f}", judge(f, "scan_speedup_vs_pipreqs")),
        ("`scan_results_identical` (vs a full `ast.parse` + `ast.walk`)", str(f["scan_results_identical"]), ""),
        (f"`pipreqs_failed_repos` (installed packages / {f['scan_repos_iclr2020']} ICLR 2020 repositories)",
         f"{f['pipreqs_failed_repos']} / {f['pipreqs_failed_repos_iclr2020']}",
         f"ours: {f['scan_failed_repos']} / {f['scan_failed_repos_iclr2020']}"),
        (agreement, f"{f['framework_agreement_vs_pipreqs']:.3f}", ""),
        ("`fetch_s_workers_1`", f"{f['fetch_s_workers_1']:.1f} s", ""),
        ("`fetch_s_workers_16`", f"{f['fetch_s_workers_16']:.2f} s", ""),
        ("`fetch_parallel_speedup`", f"{f['fetch_parallel_speedup']:.2f}",
         f"{judge(f, 'fetch_parallel_speedup')} (CPU-bound ceiling {ceiling:.1f}, below)"),
        (tail, f"{f['fetch_median_s_workers_16']:.2f} s", ""),
        (slowest, f"{f['fetch_slowest_s_workers_16']:.2f} s", ""),
        ("`fetch_slowest_over_median_workers_16`", f"{f['fetch_slowest_over_median_workers_16']:.2f}",
         f"{judge(f, 'fetch_slowest_over_median_workers_16')} (before the fix: {TAIL_BEFORE_FIX})"),
        (f"`bytes_all_files` (every file of the {f['fetch_targets']} repositories)",
         f"{mb(f['bytes_all_files']):.0f} MB", ""),
        ("`bytes_floor` (the files the scan needs)", f"{mb(f['bytes_floor']):.1f} MB", ""),
        ("`bytes_fetched` (partial clone, the default)", f"{mb(f['bytes_fetched']):.1f} MB", ""),
        (over_floor, f"{f['bytes_over_floor']:.3f}", judge(f, "bytes_over_floor")),
        ("`bytes_over_floor_as_of` (partial clone read as of a date: commits first, then one commit's tree)",
         f"{f['bytes_over_floor_as_of']:.3f}", judge(f, "bytes_over_floor_as_of")),
        ((f"`repair_api_requests_per_100_links` (cut links repaired by listing owners, no token: "
          f"{f['repair_api_requests']} requests for {f['repair_links_missing']} missing of {f['repair_links']} "
          f"links; recorded repairs read right: {f['repair_recorded_right']})"),
         f"{f['repair_api_requests_per_100_links']:.1f}", ""),
        (f"`peak_rss_mb_1gb_repo` (clone / archive of a repository with a {big} data file)",
         f"{f['peak_rss_mb_1gb_repo']} / {f['peak_rss_mb_1gb_repo_archive']}",
         judge({"peak_rss_mb_1gb_repo": peak}, "peak_rss_mb_1gb_repo")),
        ("`rebuild_dataset_s` (ICLR 2020 alone)", f"{f['rebuild_dataset_s']:.2f} s", ""),
        ("`rebuild_all_years_s` (`make data`: every recorded year, years.csv, trends.csv)",
         f"{f['rebuild_all_years_s']:.2f} s", judge(f, "rebuild_all_years_s")),
        ("`render_notebooks_s` (notebooks 01 and 02 with papermill)", f"{f['render_notebooks_s']:.1f} s", ""),
    ]  # fmt: skip
    table = ["| figure | value | target |", "| --- | ---: | --- |"]
    table += [f"| {name} | {value} |" + (f" {target} |" if target else " |") for name, value, target in rows]
    bound = (
        "The scanner is fast because it walks only statement lists (imports are statements), pauses the garbage "
        "collector while parsing, and spreads files over both cores; its output is checked identical to a full "
        f"walk. The fetch speed-up is bounded by the CPU: on {f['nproc']} cores, the client's git processes "
        f"({f['fetch_cpu_s_client_workers_16']:.1f} CPU-s) and the fake server's `git upload-pack` "
        f"({f['fetch_cpu_s_server_workers_16']:.1f} CPU-s) share it, so the CPU-bound ceiling of that run was "
        f"{ceiling:.1f}x; against a real GitHub, whose CPU is not ours, it would be "
        f"{f['fetch_parallel_speedup_ceiling_without_server_cpu']:.1f}x. A partial clone receives "
        f"{f['bytes_over_floor']:.0%} of the bytes of the files the scan needs (git compresses them) and never a "
        "data or weight file; the archive receives everything."
    )
    return as_paragraph(header) + "\n" + "\n".join(table) + "\n" + as_paragraph(bound)


def importlib_version(name: str) -> str:
    """The installed version of a distribution."""
    from importlib.metadata import version

    return version(name)


def write_readme_figures(full_run: bool) -> None:
    """After a full run of every section, write its figures into the README's Performance section."""
    if not full_run:
        log("README.md not updated: only a full run of every section writes its figures")
        return
    try:  # a section that skipped a figure (no ../shared) leaves the README's last full run as it is
        block = format_readme_block(FIGURES)
    except KeyError as missing:
        log(f"README.md not updated: figure {missing} was not measured")
        return
    write_blocks(ROOT / "README.md", {"bench": block})
    log("README.md: Performance written from this run")
