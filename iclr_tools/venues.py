"""Stage 1, papers (venues): the conferences the project reads, ICLR by default, NeurIPS and ICML beside it.

>>> check_venue("NeurIPS")
'neurips'
>>> VENUE_NAMES[check_venue("icml")]
'ICML'
"""

from __future__ import annotations

VENUES = ("iclr", "neurips", "icml")
VENUE_NAMES = {"iclr": "ICLR", "neurips": "NeurIPS", "icml": "ICML"}


def check_venue(venue: str) -> str:
    """The venue's key (lower case), or a ValueError naming the venues there are."""
    key = str(venue).strip().lower()
    if key not in VENUES:
        raise ValueError(f"unknown venue {venue!r}: use one of {', '.join(VENUES)} (-p venue neurips)")
    return key
