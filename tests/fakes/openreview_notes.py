"""Recorded ICLR 2020 notes shaped as OpenReview API v1 answers, with decisions as direct replies (for the fakes)."""

from __future__ import annotations

from pathlib import Path

from iclr_tools.papers import read_snapshot_notes


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
    """Recorded API v1 notes with their decisions attached as `details.directReplies`, as the API answers."""
    notes, decisions = read_snapshot_notes(folder)
    out = []
    for note in notes:
        note = dict(note)
        facts = decisions.get(note["id"], {})
        replies = [make_decision_reply(note, facts["decision"], year)] if facts.get("decision") else []
        note["details"] = {"directReplies": replies}
        out.append(note)
    return out
