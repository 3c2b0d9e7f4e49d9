"""Read a data file as text, exactly as written, turning I/O failures into clear problems.

Only regular files are opened (a named pipe in place of a CSV would block a reader forever), and
every cell is read as the string written: turning text into numbers is validation's job
(:mod:`~linyi_analysis.validation`), done once, by one grammar.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
from pathlib import Path

import pandas as pd

from .errors import Problem

#: pandas dtype of each Table Schema field type (the schema's pandera columns use the same).
DTYPES = {"string": "str", "integer": "Int64", "number": "Float64"}

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_file(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes of a regular file, or None and why it cannot be read.

    The file is opened without blocking and checked on the open descriptor, so a named pipe
    or device in its place is refused at once, never waited on.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, _why(path, exc)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None, f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'a special file')}): {path}"
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), None
    except OSError as exc:
        return None, f"file cannot be read ({exc.strerror}): {path}"
    finally:
        os.close(fd)


def _why(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        if path.is_symlink():
            return f"file not found: {path} is a symbolic link to {os.readlink(path)}, which does not exist"
        return f"file not found: {path}"
    if exc.errno == errno.ELOOP:
        return f"file cannot be read (a loop of symbolic links): {path}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"file cannot be read (permission denied): {path}"
    return f"file cannot be read ({exc.strerror}): {path}"


def read_raw(
    path: Path, data: bytes | None, reason: str | None = None
) -> tuple[pd.DataFrame | None, list[int] | None, list[Problem]]:
    """Parse a CSV's bytes as strings (empty cell → missing).

    Returns the frame (index: the 1-based data row), the physical line where each row starts
    (None if it cannot be told), and the problems of the file as a whole.
    """
    name = path.name
    if data is None:
        return None, None, [Problem(name, None, None, reason or f"file cannot be read: {path}")]
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the first column's name
    except UnicodeDecodeError as exc:
        return (
            None,
            None,
            [Problem(name, None, None, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")],
        )
    if not text.strip():
        return None, None, [Problem(name, None, None, "the file is empty (no header row)")]
    try:
        header = next(r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r))
    except (csv.Error, StopIteration) as exc:
        return None, None, [Problem(name, None, None, f"not a readable CSV file: {exc}")]
    if len(header) == 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                return (
                    None,
                    None,
                    [Problem(name, None, None, f"columns are separated by {sep!r}, not by commas")],
                )
    dupes = sorted({c for c in header if c.strip() and header.count(c) > 1})
    if dupes:
        return (
            None,
            None,
            [Problem(name, None, c, "column appears more than once in the header") for c in dupes],
        )
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        return None, None, [Problem(name, None, None, f"not a readable CSV file: {exc}")]
    problems = []
    unnamed = [i for i, c in enumerate(header) if not c.strip()]
    if unnamed and len(frame.columns) == len(header):
        for i in unnamed:
            problems.append(
                Problem(name, None, None, f"empty column name (trailing comma?): field {i + 1} of the header")
            )
        frame = frame.iloc[:, [i for i in range(len(header)) if i not in unnamed]]
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # 1-based data rows, as a person counts them
    lines = _row_lines(text)
    return frame, (lines if len(lines) == len(frame) else None), problems


def _row_lines(text: str) -> list[int]:
    """The physical line (1-based) where each data row starts.

    A quoted field may hold line breaks, so a row can span lines: a line break inside quotes
    (an odd number of ``"`` so far) does not start a row. Blank lines are skipped, as pandas does.
    """
    starts, inside = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        if not inside and line.strip():
            starts.append(number)
        if line.count('"') % 2:
            inside = not inside
    return starts[1:]  # the first is the header
