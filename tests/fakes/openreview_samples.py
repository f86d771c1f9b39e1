"""Notes for the fake OpenReview server built from the recorded samples in ../shared/openreview_samples.

Each year's notes are the recorded ones (ids, invitations, field names, `venue` wording, profile-id `authorids`
as recorded) plus variants made by changing only a decision or a venue, so every year has accepted papers of each
track and papers that were not accepted. `EXPECTED` gives what each variant is, written out by hand from the
samples' strings (not computed by the code under test).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

SAMPLES = {  # year -> recorded file
    2018: "realshape_v1_iclr2018_forum-rejected.json",
    2019: "realshape_v1_iclr2019_forum-rejected-meta-review.json",
    2021: "realshape_v1_iclr2021_forum-accepted.json",
    2022: "realshape_v1_iclr2022_notes-blind-listing.json",
    2023: "realshape_v1_iclr2023_notes-blind-count.json",
    2024: "realshape_v2_iclr2024_notes-accepted.json",
    2025: "realshape_v2_iclr2025_notes-presentation-conference_3notes.json",
    2026: "realshape_v2_iclr2026_notes-accepted.json",
}
# year -> {decision or venue text of a variant: the track a reader of OpenReview would report, or None}
EXPECTED = {
    2018: {"Reject": None, "Accept (Oral)": "Talk", "Accept (Poster)": "Poster",
           "Invite to Workshop Track": None},
    2019: {"Reject": None, "Accept (Oral)": "Talk", "Accept (Poster)": "Poster"},
    2021: {"Accept (Poster)": "Poster", "Accept (Spotlight)": "Spotlight", "Accept (Oral)": "Talk", "Reject": None},
    2022: {"ICLR 2022 Spotlight": "Spotlight", "ICLR 2022 Oral": "Talk", "ICLR 2022 Poster": "Poster",
           "Submitted to ICLR 2022": None},
    2023: {"ICLR 2023 poster": "Poster", "ICLR 2023 notable top 5%": "Talk", "ICLR 2023 notable top 25%": "Spotlight",
           "Submitted to ICLR 2023": None},
    2024: {"ICLR 2024 poster": "Poster", "ICLR 2024 spotlight": "Spotlight", "ICLR 2024 oral": "Talk",
           "Rejected_Submission": None},
    2025: {"ICLR 2025 Spotlight": "Spotlight", "ICLR 2025 Oral": "Talk", "ICLR 2025 Poster": "Poster",
           "Withdrawn_Submission": None},
    2026: {"ICLR 2026 Poster": "Poster", "ICLR 2026 Oral": "Talk", "Desk_Rejected_Submission": None},
}  # fmt: skip


def read_sample(shared_dir: Path, year: int) -> dict:
    """The recorded request and response of `year`."""
    return json.loads((shared_dir / "openreview_samples" / SAMPLES[year]).read_text(encoding="utf-8"))


def is_submission(note: dict) -> bool:
    """Whether a recorded note is a paper (not a reply in its forum)."""
    return note.get("replyto") in (None, "") and note.get("forum", note.get("id")) == note.get("id")


def rename(notes: list[dict], suffix: str) -> list[dict]:
    """Copies of a forum's notes with every id and forum reference suffixed, so variants do not collide."""
    out = copy.deepcopy(notes)
    for note in out:
        for key in ("id", "forum", "replyto"):
            if note.get(key):
                note[key] = f"{note[key]}{suffix}"
    return out


def set_decision(notes: list[dict], text: str) -> None:
    """Set the decision of a v1 forum (its Acceptance_Decision / Decision reply, or Meta_Review)."""
    for note in notes:
        content = note.get("content") or {}
        if "decision" in content:
            content["decision"] = text
        elif "recommendation" in content:
            content["recommendation"] = text
        elif is_submission(note) and "venue" in content:  # 2021: the venue follows the decision
            accepted = text.startswith("Accept")
            track = text[text.find("(") + 1 : -1] if accepted else ""
            content["venue"] = f"ICLR 2021 {track}" if accepted else "Submitted to ICLR 2021"


def set_venue(note: dict, year: int, text: str) -> None:
    """Set a listed note's venue (v1 bare, v2 wrapped); a `*_Submission` text sets the venueid instead."""
    wrap = isinstance(note["content"].get("venueid"), dict)
    if text.endswith("_Submission"):
        venue, venueid = f"Submitted to ICLR {year}", f"ICLR.cc/{year}/Conference/{text}"
    else:
        venue, venueid = text, f"ICLR.cc/{year}/Conference"
    if not wrap and text.startswith("Submitted"):
        venue = text  # v1 (2022-2023): a rejected paper keeps the conference venueid, only its venue says so
    note["content"]["venue"] = {"value": venue} if wrap else venue
    note["content"]["venueid"] = {"value": venueid} if wrap else venueid


def build_year_notes(shared_dir: Path, year: int) -> tuple[list[dict], dict[str, str | None]]:
    """Notes of `year` to serve (a flat list: papers and forum replies) and the expected track by paper id."""
    notes = read_sample(shared_dir, year)["response"]["json"]["notes"]
    served: list[dict] = []
    expected: dict[str, str | None] = {}
    for index, text in enumerate(EXPECTED[year]):
        if year in (2018, 2019, 2021):  # one recorded forum: the paper and its replies
            forum = rename(notes, f"v{index}")
            set_decision(forum, text)
            served += forum
            expected.update({note["id"]: EXPECTED[year][text] for note in forum if is_submission(note)})
        else:  # recorded listings: each note a paper
            for number, note in enumerate(rename(notes, f"v{index}")):
                set_venue(note, year, text)
                note["number"] = 10_000 * index + number
                served.append(note)
                expected[note["id"]] = EXPECTED[year][text]
    return served, expected
