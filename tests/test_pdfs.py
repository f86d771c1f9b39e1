"""Code links read out of paper PDFs: real papers (answers from ../shared/pdfs/README.md) and generated ones."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from iclr_tools.pdfs import extract_pdf_code_links

# What a careful reader finds in each real PDF (../shared/pdfs/README.md), the paper's own code first
REAL = {
    "Microsoft_EdgeML__FastGRNN.pdf": [("microsoft/edgeml", "")],
    "Microsoft_EdgeML__ProtoNN.pdf": [("microsoft/ell", "")],
    "Microsoft_EdgeML__RNNPool.pdf": [("microsoft/edgeml", ""), ("mit-han-lab/vww", "")],
    "Microsoft_EdgeML__SeeDot.pdf": [("microsoft/edgeml", "tools/seedot")],
    "Microsoft_EdgeML__drocc.pdf": [("microsoft/edgeml", "")],
    "Microsoft_EdgeML__emi-rnn-nips18.pdf": [("microsoft/edgeml", "tf/examples/emi-rnn")],
    "smair_archetypalanalysis-coreset__paper.pdf": [("smair/archetypalanalysis-coreset", "")],
    "openreview_openreview-py__paper.pdf": [("eladhoffer/semisupcontrast", "")],
    "Microsoft_EdgeML__Bonsai.pdf": [],
    "Microsoft_EdgeML__Sha-RNN.pdf": [],
    "vanderschaarlab_mlforhealthlabpub__ICML_2020_DJ.pdf": [],
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_papers_give_exactly_their_repositories(name: str, shared_dir: Path) -> None:
    links = extract_pdf_code_links((shared_dir / "pdfs" / name).read_bytes())
    assert [(link["repo"].lower(), link["subdir"].lower()) for link in links] == REAL[name]
    assert all(link["source"] in ("annotation", "text") and link["page"] >= 1 for link in links)


def make_pdf(pages: list[list[tuple[str, str | None]]]) -> bytes:
    """A PDF (matplotlib's backend) whose pages hold these (text, link URL or None) lines, top to bottom."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buffer) as pdf:
        for lines in pages:
            figure = plt.figure(figsize=(8.5, 11))
            for index, (text, url) in enumerate(lines):
                figure.text(0.08, 0.92 - 0.1 * index, text, fontsize=10, url=url)
            pdf.savefig(figure)
            plt.close(figure)
    return buffer.getvalue()


DEFECTS = [  # (what, pages, expected (repo, folder) in order, source of the first)
    ("scheme broken across lines", [[("Our code is available at https:\n//github.com/alice/own-code.", None)]],
     [("alice/own-code", "")], "text"),
    ("break after github.com/", [[("Software: https://github.com/\nbob/lib .", None)]], [("bob/lib", "")], "text"),
    ("break after the owner", [[("See github.com/carol/\nrepo-x for the code", None)]], [("carol/repo-x", "")], "text"),
    ("break after /tree/", [[("Implementation available at https://github.com/dan/mono/tree/\nmain/tools/thing", None)]],
     [("dan/mono", "tools/thing")], "text"),
    ("a github.io page is no repository", [[("project page", "https://erin.github.io/project"),
                                            ("see erin.github.io/project", None)]], [], None),
    ("punctuation glued on", [[("(code: https://github.com/fred/tool).", None)]], [("fred/tool", "")], "text"),
    ("an annotation on a word", [[("The code is here.", "https://github.com/gina/linked")]], [("gina/linked", "")],
     "annotation"),
    ("letter case ignored, first spelling kept", [[("Code: https://github.com/Hank/Repo", None)],
                                                   [("again https://github.com/hank/repo", None)]],
     [("Hank/Repo", "")], "text"),
    ("pages are not glued", [[("Footnote: https://github.com/ivy/tool", None)], [("Header of page two", None)]],
     [("ivy/tool", "")], "text"),
    ("own code before citations", [
        [("We compare with prior work [3].", None), ("References", None), ("[3] https://github.com/jack/cited", None)],
        [("Our implementation is available at https://github.com/kate/own", None)],
    ], [("kate/own", ""), ("jack/cited", "")], "text"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "pages", "expected", "source"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_generated_papers_with_each_defect(
    what: str, pages: list, expected: list, source: str | None
) -> None:
    links = extract_pdf_code_links(make_pdf(pages))
    assert [(link["repo"], link["subdir"]) for link in links] == expected
    if links:
        assert links[0]["source"] == source


def test_what_is_no_pdf_gives_nothing() -> None:
    assert extract_pdf_code_links(b"%PDF-1.4 truncated") == [] and extract_pdf_code_links(b"") == []


def test_a_year_without_a_code_field_reads_links_from_pdfs_and_a_links_table(
    tmp_path: Path, openreview_login: tuple[str, str]
) -> None:
    from test_live_pipeline import make_v2_note

    from fakes.github_server import FakeGitHub
    from fakes.openreview_server import FakeOpenReview
    from iclr_tools import analysis, dataset
    from iclr_tools.openreview_api import ServiceRefusedError

    pdfs = {
        "p1": make_pdf([[("Our code is available at https://github.com/lab/from-pdf", None)]]),
        "p2": make_pdf([[("We build on prior work [2].", None), ("References", None),
                         ("[2] https://github.com/other/cited", None)]]),  # only cited: not the paper's code
        "p4": make_pdf([[("Code: https://github.com/LAB/From-Abstract", None)]]),  # same as its abstract's
    }  # fmt: skip
    notes = [make_v2_note("p1", "no link here"), make_v2_note("p2", "none"), make_v2_note("p3", "none"),
             make_v2_note("p4", "https://github.com/lab/from-abstract")]  # fmt: skip
    table = tmp_path / "links.csv"
    table.write_text(
        "forum,url\np3,https://github.com/lab/from-table\nnot-this-year,https://github.com/x/y\n"
    )
    repos = {name: {"files": {"main.py": b"import torch\n"}} for name in
             ("lab/from-pdf", "lab/from-abstract", "lab/from-table", "other/cited")}  # fmt: skip
    with FakeOpenReview(notes_v2=notes, pdfs=pdfs, path_faults={"/pdf": ["", "challenge-200"]}) as openreview, \
            FakeGitHub(repos) as github:  # fmt: skip
        options = {"cache_dir": tmp_path / "cache", "openreview_url": openreview.url, "links_file": str(table),
                   "archive_url": github.base_url, "git_url": github.base_url, "workers": 2}  # fmt: skip
        with pytest.raises(ServiceRefusedError, match="log in"):  # the second PDF refused: the first is kept
            dataset.create_dataset(2024, "live", **options)
        frame = dataset.create_dataset(2024, "live", **options)
        asked = [path for path in openreview.requests if path.startswith("/pdf")]
        again = dataset.create_dataset(2024, "live", **options)
        assert [
            path for path in openreview.requests if path.startswith("/pdf")
        ] == asked  # cached: none again
    assert sorted(asked) == sorted(f"/pdf?id={forum}" for forum in ("p1", "p2", "p2", "p3", "p4"))
    rows = frame[frame["code_url"] != ""].set_index("forum_id")
    assert rows["link_source"].to_dict() == {"p1": "PDF (text)", "p3": "links table", "p4": "abstract"}
    assert rows.loc["p1", "repo"] == "lab/from-pdf" and "other/cited" not in set(frame["repo"])
    assert frame.equals(again)
    sources = analysis.count_link_sources(frame).set_index("source")["papers"].to_dict()
    assert sources == {"PDF (text)": 1, "links table": 1, "abstract": 1}


def make_used_up_openreview(reset: str, pdfs: dict[str, bytes]) -> Any:
    """A FakeOpenReview whose answers say, as the live service does, that none is left for `reset` s."""
    from fakes.openreview_server import FakeOpenReview

    class UsedUpOpenReview(FakeOpenReview):
        def _rate_headers(self, remaining: int = 499) -> dict[str, str]:
            return {**super()._rate_headers(0), "ratelimit-reset": reset}

    return UsedUpOpenReview(pdfs=pdfs)


@pytest.mark.parametrize(("reset", "slept", "said"), [
    ("5000", 3600.0, "waiting 3600 s (capped: it resets in 5000 s)"),  # OpenReview's window is an hour
    ("42", 42.0, "waiting 42 s for it to reset"),
])  # fmt: skip
def test_fetch_pdf_paces_a_used_up_limit_through_the_capped_wait(
    reset: str, slept: float, said: str, capsys: pytest.CaptureFixture, openreview_login: tuple[str, str]
) -> None:
    from iclr_tools.openreview_api import make_openreview_client
    from iclr_tools.pdfs import fetch_pdf

    pdf = make_pdf([[("Code: https://github.com/lab/paced", None)]])
    sleeps: list[float] = []
    with make_used_up_openreview(reset, {"p1": pdf}) as server:
        client = make_openreview_client(2, server.url)
        assert fetch_pdf(client, "p1", timeout=5, sleep=sleeps.append) == pdf
        assert fetch_pdf(client, "absent", timeout=5, sleep=sleeps.append) is None  # a 404 paces nothing
    assert sleeps == [slept]
    assert capsys.readouterr().err.count(f"OpenReview's rate limit is reached: {said}") == 1


def test_fetch_pdf_with_requests_left_does_not_wait(openreview_login: tuple[str, str]) -> None:
    from fakes.openreview_server import FakeOpenReview
    from iclr_tools.openreview_api import make_openreview_client
    from iclr_tools.pdfs import fetch_pdf

    pdf = make_pdf([[("Code: https://github.com/lab/unpaced", None)]])
    sleeps: list[float] = []
    with FakeOpenReview(pdfs={"p1": pdf}) as server:  # its answers leave 499 requests
        assert fetch_pdf(make_openreview_client(2, server.url), "p1", timeout=5, sleep=sleeps.append) == pdf
    assert sleeps == []


def test_a_pdf_and_a_text_field_clean_a_url_alike() -> None:
    from iclr_tools.links import extract_urls

    text = "Our code is available at github.com/lab/tool."
    found = extract_pdf_code_links(make_pdf([[(text, None)]]))
    assert [link["url"] for link in found] == extract_urls(text) == ["https://github.com/lab/tool"]
