"""Fetch, parse and count the open-source tools used by the papers of an ICLR year.

The one name the notebooks import. Each stage lives in a module of its own in `iclr_tools/`, in the order data
flows (papers -> links -> fetch -> scan -> records -> tools -> dataset -> analysis -> charts); this facade
re-exports what the notebooks, the README and the benchmarks call. `fetch_*` functions do I/O;
`parse_*`, `extract_*` and `count_*` functions are pure.

    python iclr_helpers.py data --year 2020 --snapshot ../shared/iclr2020 --out data/all_tools.csv
    python iclr_helpers.py data                 # every year from ../shared (`make data`)
    python iclr_helpers.py render --year 2020   # the notebooks from data/ (`make run`)
    python iclr_helpers.py unresolved           # every year's unresolved imports, most used first
"""

from __future__ import annotations

from iclr_tools.accuracy import read_checklist_accuracy
from iclr_tools.analysis import (
    count_checklist,
    count_declared_by,
    count_declared_vs_imported,
    count_frameworks,
    count_frameworks_by,
    count_funnel,
    count_link_kinds,
    count_link_sources,
    count_papers_by,
    count_statuses,
    count_tools,
    count_undeclared_tools,
    count_unresolved_imports,
    count_venue_tools,
    describe_checklist,
    describe_coverage,
    describe_findings,
    describe_frameworks,
    describe_frameworks_by,
    describe_funnel,
    describe_later_reads,
    describe_tools,
    describe_venue_differences,
    describe_venue_years,
    extract_failed_targets,
    extract_paper_table,
    extract_targets,
    list_without_readmes,
    select_later_reads,
    tabulate_attrition,
)
from iclr_tools.charts import (
    check_top_n,
    plot_checklist,
    plot_framework_trends,
    plot_frameworks,
    plot_frameworks_by,
    plot_funnel,
    plot_pytorch_share,
    plot_rate_trends,
    plot_study_comparison,
    plot_tool_heatmap,
    plot_top_tools,
    plot_venue_measures,
    plot_venue_sharing,
    plot_wordcloud,
    setup_style,
    show_heading,
)
from iclr_tools.cli import main
from iclr_tools.dataset import (
    build_rows,
    create_dataset,
    fetch_link_records,
    is_dataset_csv,
    make_dataset,
    read_dataset,
    read_papers_and_links,
    write_dataset,
)
from iclr_tools.fetch import fetch_many, fetch_repo
from iclr_tools.links import extract_code_targets
from iclr_tools.papers import ServiceRefusedError
from iclr_tools.records import fetch_repo_records
from iclr_tools.scan import extract_repo_facts, is_scan_file
from iclr_tools.settings import Settings, check_venue
from iclr_tools.study import (
    count_method_comparison,
    count_niche_tools,
    count_study_comparison,
    read_study_figures,
)
from iclr_tools.tools import extract_tools
from iclr_tools.trends import (
    PDF_MENTION_PYTORCH_SHARE,
    compare_corrected_checklist,
    compare_venues,
    describe_trends,
    pivot_measure,
    rank_tools,
    select_venue,
)
from iclr_tools.venues import VenueYear, name_venue_year
from iclr_tools.years import (
    STUDY_YEAR,
    describe_sharing,
    read_trends,
    read_venue_year,
    read_year_dataset,
    read_years,
    resolve_out_csv,
    resolve_source,
)

__all__ = sorted(
    name for name in dir() if not name.startswith("_") and name != "annotations"
)  # what is imported above

if __name__ == "__main__":
    main()
