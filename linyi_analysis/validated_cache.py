"""Keep the tables of data that passed validation, so unchanged data is neither checked nor parsed again.

The key is a SHA-256 over everything that decides what a load returns: the tables' bytes, the
article text quotes were checked against, the schema (``datapackage.json``), the package's code that
reads, validates, normalises and types them, and the versions of Python, pandas, NumPy and pandera.
Change any of these — edit one cell — and the data is validated in full again.

What is kept is the validated frames themselves (a pickle named by the key), not a mark that the
bytes once passed: a later load returns exactly what validation returned, and never parses the
text a second way. Entries live in ``$LINYI_CACHE_DIR`` (default: the user's cache directory, from
:mod:`platformdirs`: ``~/.cache/linyi_analysis`` on Linux), a
directory only its owner may write (a pickle is code; one written by another user is ignored).
Where it cannot be written, data is simply validated every time; an entry that cannot be read
(truncated, from another version) is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

import platformdirs

CACHE_ENV = "LINYI_CACHE_DIR"
#: The package's files that decide what a load returns (paths relative to the package).
RULES = (
    "reading.py",
    "validation.py",
    "schema.py",
    "source.py",
    "loaders.py",
    "validated_cache.py",
    "delivery_rules.py",
    "periods.py",
    "data/datapackage.json",
)
#: Distributions whose versions decide parsing, coercion and the pickled frames.
VERSIONED = ("pandas", "numpy", "pandera")


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(platformdirs.user_cache_dir("linyi_analysis", appauthor=False))


def content_key(contents: dict[str, bytes | None], plan: str | None = None) -> str:
    """Hash of the tables' bytes (by name), of the rules and versions that validate and type them,
    and of the article text the quotes were checked against (None where it was not available)."""
    digest = hashlib.sha256(_rules_digest())
    digest.update(b"no article\0" if plan is None else plan.encode() + b"\0")
    for name, data in sorted(contents.items()):
        digest.update(name.encode() + b"\0" + (b"\0missing" if data is None else data) + b"\0")
    return digest.hexdigest()


@cache
def _rules_digest() -> bytes:
    """SHA-256 of the rules and versions, computed once a process (the loaded rules are the ones
    in force until the package is imported again)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for rule in RULES:
        digest.update(rule.encode() + b"\0" + (package / rule).read_bytes() + b"\0")
    digest.update(f"python {sys.version}\0".encode())
    for name, version in versions().items():
        digest.update(f"{name} {version}\0".encode())
    return digest.digest()


def versions() -> dict[str, str]:
    """Installed versions of :data:`VERSIONED`, read from their metadata (pandera is not imported)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _entry(key: str) -> Path:
    return cache_dir() / f"{key}.pickle"


def load(key: str) -> dict | None:
    """The tables stored under ``key``, or None if there are none usable."""
    try:
        with open(_entry(key), "rb") as f:
            info = os.fstat(f.fileno())
            if info.st_mode & 0o022 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                return None  # not written by this user, or writable by others: never unpickle it
            tables = pickle.load(f)
    except Exception:  # missing, unreadable, truncated, from another version: validate again
        return None
    return tables if isinstance(tables, dict) else None


#: Entries kept: each data state (the whole data, each report action's share of it) is one; a
#: run of the report makes up to eight. The oldest beyond this are removed.
KEEP = 64


def _truncate(directory: Path) -> None:
    """Remove the entries beyond the :data:`KEEP` newest (by the time each was last written)."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def store(key: str, tables: dict) -> None:
    """Keep the validated tables under ``key`` (silently skipped where the cache cannot be written).

    Written to a temporary file and renamed, so a reader sees a whole entry or none.
    """
    tmp = None
    try:
        directory = cache_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=directory)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _entry(key))
        tmp = None
        _truncate(directory)
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)  # our own temporary file, never anything else
