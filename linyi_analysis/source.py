"""Find, verify and slice the source article (kept outside the project: it is copyrighted)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .errors import Error
from .resources import citation

SOURCE_ENV = "LINYI_SOURCE_TEXT"
_SHARED = Path("shared") / "source"


class SourceNotFound(Error, FileNotFoundError):
    """The source text is not on this machine (tests that need it skip with this message)."""


class SourceMismatch(Error, ValueError):
    """The text found is not the one cited: its SHA-256 differs from ``source.json``."""


def candidate_paths() -> list[Path]:
    """Where the article is looked for: ``$LINYI_SOURCE_TEXT``, then ``../shared/source/`` beside
    the project (relative to the package's checkout and to the working directory)."""
    name = citation()["file_name"]
    paths = []
    if os.environ.get(SOURCE_ENV):
        paths.append(Path(os.environ[SOURCE_ENV]))
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        paths.append(base.parent / _SHARED / name)
    return paths


def find_source() -> Path:
    """The path of the source text, or :class:`SourceNotFound` naming every place looked at."""
    paths = candidate_paths()
    for path in paths:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in paths)
    raise SourceNotFound(f"source article not found; set {SOURCE_ENV} or place it at one of: {looked}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_source(path: str | os.PathLike | None = None) -> str:
    """The article's full text, after checking its SHA-256 against the citation."""
    path = Path(path) if path else find_source()
    digest, expected = sha256(path), citation()["sha256"]
    if digest != expected:
        raise SourceMismatch(f"{path}: SHA-256 is {digest}, but source.json cites {expected}")
    return path.read_text(encoding="utf-8")


def plan_text(text: str) -> str:
    """The plan's part of the article: everything before the ``- END -`` line (the rest is page furniture)."""
    marker = citation()["plan_text_ends_at"]
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == marker:
            return "\n".join(lines[:i])
    raise SourceMismatch(f"the article has no {marker!r} line")


def available_plan_text() -> str | None:
    """The plan text, whitespace-normalised, if the article is on this machine; None otherwise."""
    try:
        return normalize(plan_text(read_source()))
    except SourceNotFound:
        return None


def normalize(text: str) -> str:
    """Collapse every run of whitespace to one space (quotes are compared in this form)."""
    return re.sub(r"\s+", " ", text).strip()
