"""Remember which exact data has passed validation, so unchanged data is not checked again.

The key is a SHA-256 over the tables' bytes, the schema (datapackage.json), the code that
validates them and the article text quotes were checked against: change any of these — edit
one cell — and the data is validated in full again.
Markers live in ``$LINYI_CACHE_DIR`` (default ``~/.cache/linyi_analysis``); where that cannot be
written, data is simply validated every time.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

CACHE_ENV = "LINYI_CACHE_DIR"
_RULES = (
    "validation.py",
    "delivery_rules.py",
    "periods.py",
    "schema.py",
    "reading.py",
    "data/datapackage.json",
)


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "linyi_analysis"


def content_key(contents: dict[str, bytes | None], plan: str | None = None) -> str:
    """Hash of the tables' bytes (by name), of the rules that validate them and of the article
    text the quotes were checked against (None where it was not available)."""
    digest = hashlib.sha256(_rules_digest())
    digest.update(b"no article\0" if plan is None else plan.encode() + b"\0")
    for name, data in sorted(contents.items()):
        digest.update(name.encode() + b"\0" + (b"\0missing" if data is None else data) + b"\0")
    return digest.hexdigest()


@cache
def _rules_digest() -> bytes:
    """SHA-256 of the validating code and schema, read once a process (the loaded rules are the
    ones in force until the package is imported again)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for rule in _RULES:
        digest.update((package / rule).read_bytes())
    return digest.digest()


def is_validated(key: str) -> bool:
    return (cache_dir() / f"{key}.ok").is_file()


def remember(key: str) -> None:
    """Record that the data with this key passed validation (silently skipped if not writable)."""
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{key}.ok").touch()
    except OSError:
        pass
