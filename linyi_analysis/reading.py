"""Read a data file as text, exactly as written, turning I/O failures into clear problems."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from .errors import Problem


def read_raw(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV as strings (empty cell → missing). Returns the frame, or None and the problems."""
    name = path.name
    if not path.is_file():
        return None, [Problem(name, None, None, f"file not found: {path}")]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, None, None, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")]
    if not text.strip():
        return None, [Problem(name, None, None, "the file is empty (no header row)")]
    header = next(csv.reader([text.splitlines()[0]]))
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        return None, [Problem(name, None, c, "column appears more than once in the header") for c in dupes]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, ValueError) as exc:
        return None, [Problem(name, None, None, f"not a readable CSV file: {exc}")]
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # 1-based data rows, as a person counts them
    return frame, []
