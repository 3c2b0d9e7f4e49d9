"""Read a data file as text, exactly as written, turning I/O failures into clear problems."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from .errors import Problem

#: pandas dtype of each Table Schema field type (the schema's pandera columns use the same).
DTYPES = {"string": "str", "integer": "Int64", "number": "Float64"}


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None if it cannot be read (read_raw then reports why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def read_raw(path: Path, data: bytes | None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse a CSV's bytes as strings (empty cell → missing). Returns the frame, or None and the problems."""
    name = path.name
    if data is None:
        reason = "file not found" if not path.exists() else "file cannot be read"
        return None, [Problem(name, None, None, f"{reason}: {path}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, None, None, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")]
    if not text.strip():
        return None, [Problem(name, None, None, "the file is empty (no header row)")]
    header = next(csv.reader([text.splitlines()[0]]))
    if len(header) == 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                return None, [Problem(name, None, None, f"columns are separated by {sep!r}, not by commas")]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        return None, [Problem(name, None, c, "column appears more than once in the header") for c in dupes]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        return None, [Problem(name, None, None, f"not a readable CSV file: {exc}")]
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # 1-based data rows, as a person counts them
    return frame, []


def read_typed(data: bytes, fields: list[dict]) -> pd.DataFrame:
    """Parse a CSV already known to be valid straight into its column types (no checks)."""
    dtypes = {f["name"]: DTYPES[f["type"]] for f in fields}
    return pd.read_csv(io.BytesIO(data), dtype=dtypes, keep_default_na=False, na_values=[""])
