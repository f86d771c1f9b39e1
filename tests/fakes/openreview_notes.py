"""Recorded ICLR 2020 notes shaped as OpenReview API v1 answers, with decisions as direct replies (for the fakes)."""

from __future__ import annotations

import json
from pathlib import Path


def make_decision_reply(note: dict, decision: str, year: int) -> dict:
    """Build the API v1 decision note OpenReview attaches to a submission (`Paper{N}/-/Decision`)."""
    number = note.get("number")
    return {
        "id": f"{note['id']}-decision",
        "forum": note["id"],
        "replyto": note["id"],
        "number": number,
        "invitation": f"ICLR.cc/{year}/Conference/Paper{number}/-/Decision",
        "signatures": [f"ICLR.cc/{year}/Conference/Program_Chairs"],
        "readers": ["everyone"],
        "writers": [f"ICLR.cc/{year}/Conference/Program_Chairs"],
        "nonreaders": [],
        "cdate": note.get("tmdate"),
        "tcdate": note.get("tmdate"),
        "tmdate": note.get("tmdate"),
        "content": {"title": "Paper Decision", "decision": decision, "comment": ""},
    }


def load_snapshot_notes(folder: str | Path, year: int = 2020) -> list[dict]:
    """Read recorded API v1 notes and attach their decisions as `details.directReplies`, as the API does."""
    folder = Path(folder)
    notes_path = folder / "openreview_notes_api_v1.json"
    decisions_path = folder / "decisions_affiliations.json"
    for path in (notes_path, decisions_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: a snapshot folder needs openreview_notes_api_v1.json and "
                "decisions_affiliations.json (see ../shared/iclr2020/README.md), or run with source='live'."
            )
    notes = json.loads(notes_path.read_text(encoding="utf-8"))
    decisions = json.loads(decisions_path.read_text(encoding="utf-8"))
    out = []
    for note in notes:
        note = dict(note)
        facts = decisions.get(note["id"], {})
        replies = [make_decision_reply(note, facts["decision"], year)] if facts.get("decision") else []
        note["details"] = {"directReplies": replies}
        out.append(note)
    return out
