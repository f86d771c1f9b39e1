"""Files written atomically (a temporary file and a rename), so an interrupted run never leaves a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename, so readers see all or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` as UTF-8 atomically (newlines as given)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write `data` as JSON to `path` atomically."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (a non-UTF-8 file name): \u-escaped, still valid JSON
        text = json.dumps(data, ensure_ascii=True, sort_keys=True, indent=1)
    return write_text_atomic(path, text)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_stamped_json(path: str | Path, **stamp: Any) -> dict | None:
    """A JSON object cached by an earlier run whose fields equal `stamp` (year, version, ...), or None when the
    file is absent, half-written, not an object, or stamped otherwise.

    >>> read_stamped_json("no/such/file.json", year=2024) is None
    True
    """
    try:
        cached = read_json(path)
    except (OSError, ValueError):
        return None
    if isinstance(cached, dict) and all(cached.get(key) == value for key, value in stamp.items()):
        return cached
    return None
