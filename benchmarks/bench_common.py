"""What every benchmark section shares: the project's paths, figures printed as `name: value`, CPU clocks."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SNAPSHOT = SHARED / "iclr2020"
RECORDS = SNAPSHOT / "repos"
FIGURES: dict[str, Any] = {}


def emit(name: str, value: Any) -> None:
    """Print one `name: value` figure and keep it in FIGURES."""
    if isinstance(value, float):
        value = round(value, 3)
    FIGURES[name] = value
    print(f"{name}: {value}", flush=True)


def log(text: str) -> None:
    """Progress for the reader, on stderr (stdout holds only figures)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def read_busy_cpu_s() -> float:
    """CPU seconds all processes on this machine have used since boot (from /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def read_cpu_s() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def read_children_cpu_s() -> float:
    """CPU seconds of this process's waited-for children (the git commands of a clone)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def count_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
