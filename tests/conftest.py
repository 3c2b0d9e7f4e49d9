"""Shared fixtures: the source article (skips with the reason when absent) and editable data copies."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from linyi_analysis.resources import data_dir
from linyi_analysis.source import SourceNotFound, find_source, read_source

PROJECT = Path(__file__).resolve().parents[1]

# Tests (and the processes they start) keep their validation markers apart from the user's.
os.environ["LINYI_CACHE_DIR"] = tempfile.mkdtemp(prefix="linyi-cache-")


@pytest.fixture(scope="session")
def source_text() -> str:
    """The full article text, SHA-256 checked; the test skips with where it looked if it is absent."""
    try:
        return read_source(find_source())
    except SourceNotFound as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def evidence_source() -> list[dict]:
    """The rows of the shared external-evidence file evidence.csv is copied from (skips if absent)."""
    from linyi_analysis.evidence import EvidenceSourceNotFound, find_evidence_source

    try:
        return read_rows(find_evidence_source())
    except EvidenceSourceNotFound as exc:
        pytest.skip(str(exc))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data directory."""
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(directory: Path, table: str, key: str, column: str, value: str) -> int:
    """Set one cell of ``table`` in the row whose first column is ``key``; return the 1-based row."""
    path = directory / f"{table}.csv"
    rows = read_rows(path)
    id_col = next(iter(rows[0]))
    for i, row in enumerate(rows, start=1):
        if row[id_col] == key:
            row[column] = value
            write_rows(path, rows)
            return i
    raise KeyError(key)
