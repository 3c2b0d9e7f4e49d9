"""Shared fixtures: the source article (skips with the reason when absent), editable data copies,
and one full report run shared by the whole session."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from linyi_analysis.resources import data_dir
from linyi_analysis.source import SourceNotFound, find_source, read_source

PROJECT = Path(__file__).resolve().parents[1]

# Tests (and the processes they start) keep their validation markers apart from the user's.
os.environ["LINYI_CACHE_DIR"] = tempfile.mkdtemp(prefix="linyi-cache-")


def in_ci() -> bool:
    """Under CI (``CI=true``, as CI services set it) a missing input fails instead of skipping."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def skip_or_fail(reason: str):
    """Skip where the input is simply not on this machine; fail under CI, where it must be."""
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def source_text() -> str:
    """The full article text, SHA-256 checked; skips with where it looked if absent (fails under CI)."""
    try:
        return read_source(find_source())
    except SourceNotFound as exc:
        skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def evidence_source() -> list[dict]:
    """The rows of the shared evidence files evidence.csv is copied from: external-evidence.csv and
    the delivery-evidence*.csv files beside it (skips if absent, fails under CI)."""
    from linyi_analysis.audit import DELIVERY_SOURCE_GLOB, EvidenceSourceNotFound, find_evidence_source

    try:
        path = find_evidence_source()
        return [row for p in [path, *sorted(path.parent.glob(DELIVERY_SOURCE_GLOB))] for row in read_rows(p)]
    except EvidenceSourceNotFound as exc:
        skip_or_fail(str(exc))


@pytest.fixture
def run_env(tmp_path: Path) -> dict:
    """Environment for a report run: a private TMPDIR (tests check it is left empty) and a marker
    that names the run's processes. Test files that must also kill or count those processes
    define their own."""
    private = tmp_path / "run-tmp"
    private.mkdir()
    return {"TMPDIR": str(private), "LINYI_TEST_RUN": uuid.uuid4().hex}


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


@dataclass(frozen=True)
class ReferenceSite:
    """A full ``linyi-report --output ROOT/reports --figures ROOT/figures`` run of the shipped data.

    Shared: read it, or copy it (:meth:`copy_to`) before changing anything.
    """

    root: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    def copy_to(self, directory: Path) -> tuple[Path, Path]:
        """Copies of ``reports/`` and ``figures/`` in ``directory`` (the output of an earlier run)."""
        shutil.copytree(self.reports, directory / "reports")
        shutil.copytree(self.figures, directory / "figures")
        return directory / "reports", directory / "figures"


@pytest.fixture(scope="session")
def reference_site(tmp_path_factory) -> ReferenceSite:
    """One full report run, built once for the whole session: pytest-xdist workers share it
    through a directory of the session's temporary root, built by whichever asks first."""
    import fcntl

    from report_site import run_report

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's root, shared by the workers
    shared = root / "reference-site"
    record = shared / "run.json"
    with open(root / "reference-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it: wait for it
        if not record.exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            proc = run_report("--output", shared / "reports", "--figures", shared / "figures", cwd=shared)
            run = {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
            record.write_text(json.dumps(run))
    site = ReferenceSite(shared, **json.loads(record.read_text()))
    assert site.returncode == 0, site.stderr
    return site
