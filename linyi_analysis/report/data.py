"""The data each notebook reads: the run's snapshot, and one reduced data package per action.

The overview reads the whole snapshot. An action report reads a **package** made for it
(:func:`packages`): the package's descriptors whole, and of each CSV file its header and
the lines of the rows the action's page needs, copied byte for byte (never re-written). A
job's key is the hash of exactly those bytes, so a kernel cannot read anything its key does
not cover: a reused page is the page the current data gives, by construction.

Which rows an action's page needs is :func:`rows_needed`, the one statement of that rule:

- its own rows (``action_id`` is the action) and the searches of the whole plan;
- then, from those, the rows that read them back (:data:`READ_BACK`): the parts of its totals,
  a lead-paragraph row restating its commitment, the facts and searches about its targets;
- then everything those rows refer to, as far as references go: every foreign key that
  ``datapackage.json`` declares (``part_of``, ``ratio_to``, ``counterpart_id``, ``target_id``,
  ``measure_id``, ``unit``, ``action_id``) and the lists of ids a search names (:data:`LISTS`).

``tests/test_report_packages.py`` checks that every view and chart input of every action is the
same on its package as on the whole data, under random edits.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import stat
from pathlib import Path

from ..errors import ReportError
from ..resources import datapackage, package_file

#: The descriptors a run uses are the package's own, as the loader's are
#: (:func:`linyi_analysis.resources.datapackage`): a data directory's copies are not read.
DESCRIPTORS = ("datapackage.json", "source.json")
#: (table, column) of references a page reads backwards: a row of ``table`` whose ``column``
#: names one of the page's rows is part of what the page shows about that row.
READ_BACK = {
    ("targets", "part_of"),  # a total's remainder is worked out from all its parts
    ("targets", "counterpart_id"),  # a lead-paragraph row restating a commitment
    ("evidence", "target_id"),  # the facts a commitment's delivery status rests on
    ("evidence_searches", "target_ids"),  # the searches that covered a commitment
}
#: References the data package cannot declare: space-separated lists of ids (table, column) → table.
LISTS = {("evidence_searches", "target_ids"): "targets", ("evidence_searches", "fact_ids"): "evidence"}


def read_data(directory: Path) -> dict[str, bytes]:
    """The bytes of every table of ``directory`` the data package names, and of the package's descriptors
    (:data:`DESCRIPTORS`), by name: the run's snapshot, read once.

    Raises :class:`~linyi_analysis.errors.ReportError` naming a file that cannot be read as one
    (a directory, a named pipe, a dangling link): opening a pipe would block.
    """
    files = {}
    tables = {r["path"] for r in datapackage()["resources"]}
    for path in sorted(directory.iterdir()):
        if path.name not in tables:  # as the loader: another file there is not data
            continue
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise ReportError(f"data file {path}: not a regular file (a directory, pipe or device)")
            files[path.name] = path.read_bytes()
        except OSError as err:
            raise ReportError(f"data file {path}: cannot be read: {err.strerror or err}") from None
    for name in DESCRIPTORS:
        files[name] = package_file(name).read_bytes()
    return files


def write_data(files: dict[str, bytes], directory: Path) -> Path:
    """Write ``files`` into the new directory ``directory``; return it."""
    directory.mkdir(parents=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def digest(files: dict[str, bytes]) -> str:
    """SHA-256 of a set of files: their names and bytes."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def records(data: bytes) -> tuple[bytes, list[tuple[bytes, dict[str, str]]]]:
    """A CSV file's header line and its records: (the record's own bytes, its values by column).

    The records are those the :mod:`csv` module reads, as the loader does: a record is the lines
    the reader took for it (a quoted field may hold line ends; a form feed or a lone quote inside
    a field is a character). Records with no value (blank lines) are left out, as the loader
    leaves them out.
    """
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    taken: list[str] = []

    def lines():
        for line in io.StringIO(data[len(bom) :].decode("utf-8"), newline=""):
            taken.append(line)
            yield line

    header, names, out = bom, [], []
    for values in csv.reader(lines()):
        raw = "".join(taken).encode("utf-8")
        taken.clear()
        if not names:  # the header: the first line with a value (blank lines before it go with it)
            header += raw
            names = values if any(v.strip() for v in values) else []
        elif any(v.strip() for v in values):
            out.append((raw, dict(zip(names, values, strict=False))))
    return header, out


class Tables:
    """The snapshot's CSV tables as records, with the references between them."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        meta = json.loads(files["datapackage.json"])
        self.path = {r["name"]: r["path"] for r in meta["resources"]}
        self.head, self.rows = {}, {}
        for name, path in self.path.items():
            self.head[name], self.rows[name] = records(files.get(path, b""))
        # (table, column) → referenced (table, column), from the declared foreign keys and LISTS
        self.refs: dict[tuple[str, str], tuple[str, str]] = {}
        for r in meta["resources"]:
            for fk in r["schema"].get("foreignKeys", []):
                (column,), (key,) = fk["fields"], fk["reference"]["fields"]
                self.refs[(r["name"], column)] = (fk["reference"]["resource"] or r["name"], key)
        for (table, column), other in LISTS.items():
            key = next(f for r in meta["resources"] if r["name"] == other for f in r["schema"]["primaryKey"])
            self.refs[(table, column)] = (other, key)
        self._index: dict[tuple[str, str], dict[str, list[int]]] = {}

    def values(self, table: str, i: int, column: str) -> list[str]:
        value = self.rows[table][i][1].get(column, "")
        return value.split() if (table, column) in LISTS else [value] if value else []

    def where(self, table: str, column: str, value: str) -> list[int]:
        """The rows of ``table`` whose ``column`` names ``value``."""
        if (table, column) not in self._index:
            index: dict[str, list[int]] = {}
            for i in range(len(self.rows[table])):
                for v in self.values(table, i, column):
                    index.setdefault(v, []).append(i)
            self._index[(table, column)] = index
        return self._index[(table, column)].get(value, [])


def rows_needed(tables: Tables, action_id: str) -> dict[str, set[int]]:
    """The rows (by position, per table) the page of action ``action_id`` needs (module docstring)."""
    seeds = {
        (t, i)
        for t, rows in tables.rows.items()
        for i, (_, row) in enumerate(rows)
        if row.get("action_id") == action_id or (t == "evidence_searches" and row.get("covers") == "plan")
    }

    def back(table: str, i: int):  # the rows that name this one, and that a page reads with it
        for (other, column), (target, key) in tables.refs.items():
            if target == table and (other, column) in READ_BACK:
                yield from (
                    (other, j) for j in tables.where(other, column, tables.rows[table][i][1].get(key, ""))
                )

    def forth(table: str, i: int):  # the rows this one refers to
        for (source, column), (target, key) in tables.refs.items():
            for value in tables.values(table, i, column) if source == table else []:
                yield from ((target, j) for j in tables.where(target, key, value))

    needed = _reach(_reach(seeds, back), forth)
    return {t: {i for s, i in needed if s == t} for t in tables.rows}


def _reach(start: set, step) -> set:
    """``start`` and every row reached from it by ``step`` (row → rows), as far as it goes."""
    found, todo = set(start), list(start)
    while todo:
        for row in step(*todo.pop()):
            if row not in found:
                found.add(row)
                todo.append(row)
    return found


def packages(files: dict[str, bytes], action_ids: list[str]) -> dict[str, dict[str, bytes]]:
    """The data package of each action in ``action_ids``: file name → bytes (module docstring)."""
    tables = Tables(files)
    out = {}
    for action in action_ids:
        package = {n: b for n, b in files.items() if not n.endswith(".csv")}
        for table, rows in rows_needed(tables, action).items():
            kept = [raw for i, (raw, _) in enumerate(tables.rows[table]) if i in rows]
            package[tables.path[table]] = tables.head[table] + b"".join(
                raw if raw.endswith((b"\n", b"\r")) else raw + b"\n" for raw in kept
            )
        out[action] = package
    return out
