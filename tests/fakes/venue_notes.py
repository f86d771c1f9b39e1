"""Hand-built OpenReview notes of NeurIPS 2022 (API v1), NeurIPS 2023 and ICML 2023 (API v2), for the fakes.

BUILT, not recorded: papers, people, texts, ids, numbers and dates are invented. What is real is the shape of each
venue-year (invitations, venue groups, `venue` / `venueid` strings, content field names, which top-level keys a
note has), copied from recorded public samples; tests/fixtures/venues/README.md cites the source of each. Where no
public note of a kind exists (a withdrawn NeurIPS 2022 paper, a rejected ICML 2023 one) the note is built in the
shape of the nearest recorded kind, and the README says so.

The committed fixtures are tests/fixtures/venues/{neurips2022_v1,neurips2023_v2,icml2023_v2}_notes.json, written by
`python tests/fakes/venue_notes.py`: each is `{"_built": ..., "venue", "year", "api", "notes": [...]}`, the notes
a flat list served as they are by `FakeOpenReview(notes_v1=...)` or `FakeOpenReview(notes_v2=...)` (v1 decision
notes are replies, which the fake attaches as `details.directReplies`). What a reader of OpenReview makes of them
is in the `*_expected.json` beside them, written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "venues"
STEMS = {
    ("neurips", 2022): "neurips2022_v1",
    ("neurips", 2023): "neurips2023_v2",
    ("icml", 2023): "icml2023_v2",
}
BUILT = (
    "BUILT, not recorded: invented papers, people, texts, ids and dates in the shapes recorded public samples "
    "show for this venue-year (sources: tests/fixtures/venues/README.md); made by tests/fakes/venue_notes.py"
)

# One row per submission: id, number, status, title, authors (profile ids are made from the names), and texts.
# status: "accept", "reject", "withdraw" (v1: the decision or venue; v2: the venueid suffix), the D&B track apart.
NEURIPS_2022 = [
    {"id": "Fq3bX7kLp2", "number": 2817, "track": "main", "status": "accept",
     "title": "Sparse Mixture Routing for Long-Context Transformers",
     "authors": ["Ilse Marchetti", "Tomas Okonkwo"],
     "keywords": ["transformers", "mixture of experts", "long context"],
     "TL;DR": "Routing each token to two of 64 experts keeps attention cost linear in context length. "
              "Code: https://github.com/longctx-fake/sparse-routing",
     "abstract": "We route tokens of long documents to a sparse set of experts and show that perplexity at 64k tokens "
                 "matches dense attention at a fifth of the compute."},
    {"id": "kT9wRz4Hq_", "number": 6342, "track": "main", "status": "accept",
     "title": "Calibrated Uncertainty for Graph Neural Networks under Distribution Shift",
     "authors": ["Renata Falk", "Sung-min Cho", "Adaeze Nwosu"],
     "keywords": ["graph neural networks", "calibration", "distribution shift"],
     "TL;DR": "A post-hoc calibration step for GNNs that holds up under covariate shift.",
     "abstract": "Graph neural networks are over-confident on shifted graphs. We propose a structure-aware "
                 "temperature scaling and evaluate it on eight shifted node-classification tasks. Our "
                 "implementation is available at https://github.com/graph-fake/calibrated-gnn/tree/main/experiments."},
    {"id": "Vb5nM1cQe8", "number": 9105, "track": "main", "status": "accept",
     "title": "A Lower Bound for Private Stochastic Convex Optimization with Heavy Tails",
     "authors": ["Dmitri Havel"],
     "keywords": ["differential privacy", "convex optimization", "lower bounds"],
     "TL;DR": "A matching lower bound for DP-SCO when gradients have only k moments.",
     "abstract": "We prove that the excess risk of any epsilon-differentially private algorithm for stochastic "
                 "convex optimization with heavy-tailed gradients is bounded below by a rate our algorithm meets."},
    {"id": "pL0sD4gHj6", "number": 11490, "track": "main", "status": "reject",
     "title": "Self-Distilled Vision Transformers Need No Labels",
     "authors": ["Oskar Lindqvist", "Priya Raman"],
     "keywords": ["self-supervised learning", "vision transformers"],
     "TL;DR": "Self-distillation alone pretrains ViTs competitively.",
     "abstract": "We pretrain vision transformers by self-distillation without labels. Code: "
                 "https://github.com/fake-rejected/self-distilled-vit"},
    {"id": "wD7xY2uIo3", "number": 4471, "track": "main", "status": "withdraw",
     "title": "Meta-Learned Optimizers for Federated Averaging",
     "authors": ["Hana Kowalczyk", "Luis Ortega"],
     "keywords": ["federated learning", "learned optimizers"],
     "TL;DR": "Learned server optimizers speed up federated averaging.",
     "abstract": "We meta-learn the server optimizer of federated averaging. Code at "
                 "https://github.com/fake-withdrawn/meta-fedavg"},
    {"id": "Dk2Bq9Ws4x", "number": 318, "track": "db", "status": "accept",
     "title": "WetlandBench: Segmenting Wetlands in Multispectral Satellite Imagery",
     "authors": ["Marta Eriksen", "Kwame Boateng", "Yui Tanaka"],
     "keywords": ["remote sensing", "segmentation", "benchmark"],
     "TL;DR": "A benchmark of 12,000 labelled wetland tiles from four continents.",
     "abstract": "WetlandBench pairs Sentinel-2 tiles with expert wetland masks. The data loaders and baselines "
                 "are at https://github.com/wetland-fake/wetlandbench.",
     "URL": "https://wetlandbench.example.org", "dataset_url": "https://zenodo.org/record/0000000"},
    {"id": "Hs6Tc1Vn0z", "number": 127, "track": "db", "status": "accept",
     "title": "PolyCodeSum: A Multilingual Benchmark for Code Summarization",
     "authors": ["Nadia Petrova", "Chidi Eze"],
     "keywords": ["code summarization", "benchmark", "multilingual"],
     "TL;DR": "Code summarization pairs in 14 programming languages.",
     "abstract": "We collect 90,000 function-summary pairs in 14 programming languages and report how "
                 "summarization models transfer across them.",
     "URL": "https://github.com/codesum-fake/polycodesum", "dataset_url": "https://huggingface.co/datasets/codesum-fake/polycodesum"},
]  # fmt: skip

NEURIPS_2023 = [
    {"id": "cR8vKq2Lm4", "number": 4120, "track": "main", "status": "oral",
     "title": "Exact Unlearning for Linear Models at Scale",
     "authors": ["Beatriz Salgado", "Henrik Aalto"],
     "keywords": ["machine unlearning", "linear models"],
     "TLDR": "Removing a training point from a linear model exactly, in time independent of the data size.",
     "abstract": "We give an exact unlearning procedure for regularised linear models whose cost does not grow with "
                 "the training set. Code is available at https://github.com/unlearn-fake/exact-unlearning."},
    {"id": "Tg5Hw9Zp1e", "number": 1877, "track": "main", "status": "spotlight",
     "title": "Consistency Samplers for Few-Step Diffusion",
     "authors": ["Mei Lin", "Jonas Berger", "Farah Haddad"],
     "keywords": ["diffusion models", "sampling"],
     "TLDR": "Four sampling steps match fifty on ImageNet 64 ([code](https://github.com/diffusion-fake/consistency-sampler)).",
     "abstract": "We train samplers that map any point of a diffusion trajectory to its end and study how few steps "
                 "they need."},
    {"id": "mB2xJ7Ny6s", "number": 8822, "track": "main", "status": "poster",
     "title": "On the Sample Complexity of Learning Halfspaces with Massart Noise",
     "authors": ["Arvid Nilsson"],
     "keywords": ["learning theory", "halfspaces", "label noise"],
     "TLDR": "Near-optimal sample complexity for Massart halfspaces.",
     "abstract": "We show a near-optimal sample complexity bound for proper learning of halfspaces under Massart "
                 "noise."},
    {"id": "qF4Ld0Kc3u", "number": 9310, "track": "main", "status": "poster",
     "title": "Tactile Policies from Human Video",
     "authors": ["Keanu Mahoe", "Sofia Greco"],
     "keywords": ["robot learning", "tactile sensing", "imitation learning"],
     "TLDR": "Robots learn in-hand manipulation from videos of people.",
     "abstract": "We retarget human hand videos to a tactile robot hand; see github.com/robot-fake/tactile-policy for "
                 "code and videos."},
    {"id": "Yw3Rs8Ba5j", "number": 221, "track": "db", "status": "poster",
     "title": "SeafloorBench: Mapping Benthic Habitats from Sonar",
     "authors": ["Ingrid Solberg", "Tariq Hussain"],
     "keywords": ["benchmark", "sonar", "segmentation"],
     "TLDR": "A benchmark of multibeam sonar scans with habitat labels.",
     "abstract": "SeafloorBench holds 3,400 annotated sonar scans. Data and code: "
                 "https://github.com/ocean-fake/seafloor-bench"},
    {"id": "Ej6Uo1Xt7d", "number": 64, "track": "db", "status": "oral",
     "title": "LongBench-NL: Evaluating Language Models on Dutch Long Documents",
     "authors": ["Femke de Vries", "Ruben Jansen"],
     "keywords": ["evaluation", "long context", "Dutch"],
     "TLDR": "A Dutch long-document benchmark, evaluation harness at https://github.com/llm-eval-fake/longbench-nl",
     "abstract": "We release eleven long-document tasks in Dutch and evaluate twenty language models on them."},
    {"id": "Lr9Pv2Gy4w", "number": 6035, "track": "main", "status": "reject",
     "title": "Prompt Ensembles Are Calibrated Classifiers",
     "authors": ["Gideon Achterberg"],
     "keywords": ["prompting", "calibration"],
     "TLDR": "Averaging prompts calibrates zero-shot classifiers.",
     "abstract": "Prompt ensembles calibrate zero-shot classifiers. Code: https://github.com/fake-rejected/prompt-ensembles"},
    {"id": "Nz1Kb6Qh8m", "number": 2954, "track": "main", "status": "withdraw",
     "title": "Graph Transformers Without Positional Encodings",
     "authors": ["Camille Roux", "Ahmed Saleh"],
     "keywords": ["graph transformers"],
     "TLDR": "Positional encodings are unnecessary for graph transformers.",
     "abstract": "We drop positional encodings from graph transformers. Code: https://github.com/fake-withdrawn/gt-no-pe"},
    {"id": "Gs7Jd3Fm0p", "number": 1290, "track": "db", "status": "reject",
     "title": "BirdCallBench: Species Identification from Field Recordings",
     "authors": ["Olga Smirnova"],
     "keywords": ["bioacoustics", "benchmark"],
     "TLDR": "Field recordings of 400 bird species.",
     "abstract": "A bioacoustics benchmark. Code: https://github.com/fake-rejected/birdcallbench"},
]  # fmt: skip

ICML_2023 = [
    {"id": "Ux4Rm7Tb2k", "number": 1442, "status": "poster",
     "title": "Adaptive Gradient Clipping Without Tuning",
     "authors": ["Petra Novak", "Samuel Osei"],
     "abstract": "We derive a clipping threshold from running gradient statistics that needs no tuning and matches "
                 "tuned clipping on language modelling. Code: https://github.com/optim-fake/adaptive-clipping"},
    {"id": "Pa8Qe3Wd6n", "number": 377, "status": "oralposter",
     "title": "Offline World Models That Know What They Do Not Know",
     "authors": ["Lea Hoffmann", "Rafael Duarte", "Jin Park"],
     "abstract": "We penalise offline model-based policies by the disagreement of an ensemble of world models. We "
                 "release our code at https://github.com/rl-fake/offline-world-models/tree/v1.0."},
    {"id": "Bh2Ns5Kv9c", "number": 5290, "status": "poster",
     "title": "A Sharp Analysis of Random Features Regression",
     "authors": ["Elena Marquez"],
     "abstract": "We characterise the test error of random features ridge regression in the proportional regime."},
    {"id": "Xe1Cw8Lr3g", "number": 2106, "status": "oralposter",
     "title": "Identifiable Nonlinear ICA from Auxiliary Views",
     "authors": ["Victor Lemaire", "Ayesha Siddiqui"],
     "abstract": "We prove identifiability of nonlinear ICA given two auxiliary views. Code at "
                 "https://github.com/causal-fake/nonlinear-ica and baselines at "
                 "https://github.com/causal-fake/ica-baselines."},
    {"id": "Jm6Fp0Ys4t", "number": 4018, "status": "reject",
     "title": "Token Dropping Speeds Up Vision Transformers for Free",
     "authors": ["Daniel Weiss"],
     "abstract": "Dropping half the tokens keeps ViT accuracy. Code: https://github.com/fake-rejected/token-dropping"},
    {"id": "Qo9Vz2Ae7b", "number": 3391, "status": "withdraw",
     "title": "Equivariant Neural Fields for Molecules",
     "authors": ["Anya Volkova", "Marco Bellini"],
     "abstract": "Neural fields that respect E(3). Code: https://github.com/fake-withdrawn/equivariant-fields"},
]  # fmt: skip


def make_profile_ids(names: list[str]) -> list[str]:
    """OpenReview profile ids for invented names (`~First_Last1`), as every author id of these years is."""
    return ["~" + name.replace(" ", "_").replace("-", "_") + "1" for name in names]


def make_bibtex(row: dict, year: int, booktitle: str) -> str:
    """The `_bibtex` OpenReview writes for an accepted paper (a rejected one's says `@misc`)."""
    key = row["authors"][0].split()[-1].lower() + str(year) + row["title"].split()[0].lower().strip(":")
    kind = "inproceedings" if row["status"] not in ("reject", "withdraw") else "misc"
    where = f"booktitle={{{booktitle}}}" if kind == "inproceedings" else f"note={{Submitted to {booktitle}}}"
    return (
        f"@{kind}{{\n{key},\ntitle={{{row['title']}}},\nauthor={{{' and '.join(row['authors'])}}},\n{where},\n"
        f"year={{{year}}},\nurl={{https://openreview.net/forum?id={row['id']}}}\n}}"
    )


def make_paperhash(row: dict) -> str:
    """OpenReview's `paperhash`: first author's last name and the title, lower case."""
    title = "".join(ch if ch.isalnum() else "_" for ch in row["title"].lower()).strip("_")
    return row["authors"][0].split()[-1].lower() + "|" + "_".join(part for part in title.split("_") if part)


def make_pdf_path(row: dict) -> str:
    """A `/pdf/<sha1>.pdf` path like OpenReview's (the digits are made from the id, not a real file's hash)."""
    return "/pdf/" + (row["id"].encode().hex() * 3)[:40] + ".pdf"


NEURIPS_2022_VENUES = {  # (track, status) -> (invitation, venue, venueid); recorded strings, README: sources
    ("main", "accept"): ("NeurIPS.cc/2022/Conference/-/Blind_Submission", "NeurIPS 2022 Accept",
                         "NeurIPS.cc/2022/Conference"),
    ("main", "reject"): ("NeurIPS.cc/2022/Conference/-/Blind_Submission", "NeurIPS 2022 Submitted",
                         "NeurIPS.cc/2022/Conference"),
    ("main", "withdraw"): ("NeurIPS.cc/2022/Conference/-/Withdrawn_Submission", "", ""),
    ("db", "accept"): ("NeurIPS.cc/2022/Track/Datasets_and_Benchmarks/-/Submission",
                       "NeurIPS 2022 Datasets and Benchmarks ", "NeurIPS.cc/2022/Track/Datasets_and_Benchmarks"),
}  # fmt: skip
NEURIPS_2022_DECISIONS = {"accept": "Accept", "reject": "Reject"}  # v1 decision replies (none when withdrawn)


def build_neurips_2022_note(row: dict, index: int) -> list[dict]:
    """One NeurIPS 2022 submission in API v1 shape (bare content values) and its decision reply, if any."""
    invitation, venue, venueid = NEURIPS_2022_VENUES[(row["track"], row["status"])]
    group = invitation.split("/-/")[0]
    created = 1652737000000 + 3_600_000 * index
    content = {
        "title": row["title"],
        "authorids": make_profile_ids(row["authors"]),
        "authors": row["authors"],
        "keywords": row["keywords"],
        "TL;DR": row["TL;DR"],
        "abstract": row["abstract"],
        "paperhash": make_paperhash(row),
        "pdf": make_pdf_path(row),
    }
    if row["track"] == "db":  # the D&B form of 2022 (single blind): URL, dataset_url, license, ...
        content |= {
            "supplementary_material": "/attachment/" + (row["id"].encode().hex() * 3)[1:41] + ".zip",
            "author_statement": "Yes",
            "URL": row["URL"],
            "dataset_url": row["dataset_url"],
            "license": "CC BY 4.0",
            "contribution_process_agreement": "Yes",
            "in_person_attendance": "Yes",
        }
    bibtex = make_bibtex(row, 2022, "Advances in Neural Information Processing Systems")
    content |= {"venue": venue, "venueid": venueid, "_bibtex": bibtex}
    if row["track"] == "db":
        signatures, writers = make_profile_ids(row["authors"])[:1], [group, *make_profile_ids(row["authors"])]
    else:
        signatures, writers = [group], [group]
    note = {
        "id": row["id"], "original": None if row["track"] == "db" else row["id"][::-1], "number": row["number"],
        "cdate": created, "mdate": None, "ddate": None, "tcdate": created, "tmdate": 1683308000000 + index,
        "tddate": None, "forum": row["id"], "replyto": None, "invitation": invitation, "content": content,
        "signatures": signatures, "readers": ["everyone"], "nonreaders": [], "writers": writers,
        "pdate": None if row["status"] != "accept" else 1667249474530 + index, "odate": 1667249391263 + index,
    }  # fmt: skip
    decision = NEURIPS_2022_DECISIONS.get(row["status"])
    if decision is None:
        return [note]
    reply = {
        "id": row["id"][:6] + "Dcsn", "original": None, "number": 1, "cdate": 1663100000000 + index,
        "mdate": None, "ddate": None, "tcdate": 1663100000000 + index, "tmdate": 1663100000000 + index,
        "tddate": None, "forum": row["id"], "replyto": row["id"],
        "invitation": f"{group}/Paper{row['number']}/-/Decision",
        "content": {"title": "Paper Decision", "decision": decision, "comment": "The reviewers agree."},
        "signatures": [f"{group}/Program_Chairs"], "readers": ["everyone"], "nonreaders": [],
        "writers": [f"{group}/Program_Chairs"],
    }  # fmt: skip
    return [note, reply]


V2_VENUES = {  # (venue, year, track, status) -> (group, venue string, venueid suffix); README: sources
    ("neurips", 2023, "main", "oral"): ("NeurIPS.cc/2023/Conference", "NeurIPS 2023 oral", ""),
    ("neurips", 2023, "main", "spotlight"): ("NeurIPS.cc/2023/Conference", "NeurIPS 2023 spotlight", ""),
    ("neurips", 2023, "main", "poster"): ("NeurIPS.cc/2023/Conference", "NeurIPS 2023 poster", ""),
    ("neurips", 2023, "main", "reject"): ("NeurIPS.cc/2023/Conference", "Submitted to NeurIPS 2023",
                                          "/Rejected_Submission"),
    ("neurips", 2023, "main", "withdraw"): ("NeurIPS.cc/2023/Conference",
                                            "NeurIPS 2023 Conference Withdrawn Submission", "/Withdrawn_Submission"),
    ("neurips", 2023, "db", "oral"): ("NeurIPS.cc/2023/Track/Datasets_and_Benchmarks",
                                      "NeurIPS 2023 Datasets and Benchmarks Oral", ""),
    ("neurips", 2023, "db", "poster"): ("NeurIPS.cc/2023/Track/Datasets_and_Benchmarks",
                                        "NeurIPS 2023 Datasets and Benchmarks Poster", ""),
    ("neurips", 2023, "db", "reject"): ("NeurIPS.cc/2023/Track/Datasets_and_Benchmarks",
                                        "Submitted to NeurIPS 2023 Datasets and Benchmarks", "/Rejected_Submission"),
    ("icml", 2023, "main", "poster"): ("ICML.cc/2023/Conference", "ICML 2023 Poster", ""),
    ("icml", 2023, "main", "oralposter"): ("ICML.cc/2023/Conference", "ICML 2023 OralPoster", ""),
    ("icml", 2023, "main", "reject"): ("ICML.cc/2023/Conference", "Submitted to ICML 2023", "/Rejected_Submission"),
    ("icml", 2023, "main", "withdraw"): ("ICML.cc/2023/Conference", "ICML 2023 Conference Withdrawn Submission",
                                         "/Withdrawn_Submission"),
}  # fmt: skip
BOOKTITLES = {"neurips": "Thirty-seventh Conference on Neural Information Processing Systems",
              "icml": "Fortieth International Conference on Machine Learning"}  # fmt: skip


def build_v2_note(row: dict, venue: str, year: int, index: int) -> dict:
    """One NeurIPS 2023 or ICML 2023 submission in API v2 shape (`{"value": ...}` content, `invitations`)."""
    track = row.get("track", "main")
    group, venue_text, suffix = V2_VENUES[(venue, year, track, row["status"])]
    paper = f"{group}/Submission{row['number']}"
    fields = {"title": row["title"], "authors": row["authors"], "authorids": make_profile_ids(row["authors"])}
    if venue == "neurips":  # NeurIPS 2023 has keywords and a TLDR; ICML 2023 has neither
        fields |= {"keywords": row["keywords"], "TLDR": row["TLDR"]}
    fields |= {"abstract": row["abstract"], "pdf": make_pdf_path(row), "venue": venue_text,
               "venueid": group + suffix}  # fmt: skip
    if venue == "neurips":
        fields |= {"_bibtex": make_bibtex(row, year, BOOKTITLES[venue])}
    fields["paperhash"] = make_paperhash(row)
    if track == "db":
        invitations = [f"{group}/-/Submission", f"{group}/-/Post_Submission", f"{paper}/-/Revision",
                       f"{paper}/-/Supplementary_Material", f"{group}/-/Edit"]  # fmt: skip
    elif venue == "neurips":
        invitations = [f"{group}/-/Submission", f"{group}/-/Post_Submission", f"{paper}/-/Revision",
                       f"{group}/-/Edit"]  # fmt: skip
    else:
        invitations = [f"{group}/-/Submission", f"{group}/-/Edit"]
    if row["status"] == "withdraw":
        invitations.append(f"{group}/-/Withdrawn_Submission")
    elif row["status"] != "reject":
        invitations.append(
            f"{paper}/-/Camera_Ready_Version" if track == "db" else f"{paper}/-/Camera_Ready_Revision"
        )
    created = (1683700000000 if venue == "neurips" else 1674600000000) + 3_600_000 * index
    note = {
        "content": {name: {"value": value} for name, value in fields.items()},
        "id": row["id"], "forum": row["id"], "number": row["number"],
        "cdate": created, "tcdate": created, "mdate": created + 20_000_000_000, "tmdate": created + 20_000_000_000,
        "signatures": [f"{paper}/Authors"], "readers": ["everyone"], "writers": [group, f"{paper}/Authors"],
        "invitations": invitations, "domain": group,
        "odate": (1698953819703 if venue == "neurips" else 1685050000000) + index,
    }  # fmt: skip
    if row["status"] not in ("reject", "withdraw"):
        note["pdate"] = (1695696109176 if venue == "neurips" else 1682640000000) + index
    note["version"] = 2
    return note


def build_fixture(venue: str, year: int) -> dict:
    """The fixture of one venue-year: the BUILT mark, what it is, and its notes in serving order."""
    if (venue, year) == ("neurips", 2022):
        notes = [
            note for index, row in enumerate(NEURIPS_2022) for note in build_neurips_2022_note(row, index)
        ]
        api = 1
    else:
        rows = NEURIPS_2023 if venue == "neurips" else ICML_2023
        notes = [build_v2_note(row, venue, year, index) for index, row in enumerate(rows)]
        api = 2
    return {"_built": BUILT, "venue": venue, "year": year, "api": api, "notes": notes}


def fixture_path(venue: str, year: int, kind: str = "notes") -> Path:
    """The committed file of one venue-year: its notes (`kind="notes"`) or its expected parse (`"expected"`)."""
    return FIXTURES / f"{STEMS[(venue, year)]}_{kind}.json"


def read_venue_fixture(venue: str, year: int, kind: str = "notes") -> dict:
    """A committed fixture of one venue-year, as a dict (`["notes"]` to serve, or the expected parse)."""
    return json.loads(fixture_path(venue, year, kind).read_text(encoding="utf-8"))


def render_fixture(venue: str, year: int) -> str:
    """The text of a notes fixture as committed (indented JSON, one trailing newline)."""
    return json.dumps(build_fixture(venue, year), indent=1, ensure_ascii=False) + "\n"


def write_fixtures() -> None:
    """Write every notes fixture (the expected files are written by hand, never here)."""
    for venue, year in STEMS:
        fixture_path(venue, year).write_text(render_fixture(venue, year), encoding="utf-8")


if __name__ == "__main__":
    write_fixtures()
