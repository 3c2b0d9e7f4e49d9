"""Where the data lives: the package's own copy, or a directory the user names.

The shipped CSVs are package data read through :mod:`importlib.resources`, so a plain
``pip install`` works; ``LINYI_DATA_DIR`` (or a ``data_dir`` argument) points the loaders
at another copy, e.g. an analyst's edited tables or a test fixture.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path

DATA_DIR_ENV = "LINYI_DATA_DIR"


def data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The directory the tables are read from (argument, then ``$LINYI_DATA_DIR``, then the package)."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        return Path(chosen).resolve()
    return Path(str(resources.files("linyi_analysis").joinpath("data"))).resolve()


@cache
def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def datapackage() -> dict:
    """The Frictionless data package descriptor: the schema of every table (always the package's own)."""
    return _read_json(_package_data() / "datapackage.json")


def citation() -> dict:
    """The citation of the source article (title, outlet, date, reporter, URL, SHA-256 of the text)."""
    return dict(_read_json(_package_data() / "source.json"))


def _package_data() -> Path:
    return Path(str(resources.files("linyi_analysis").joinpath("data"))).resolve()


def resource(name: str) -> dict:
    """The descriptor of one table of the data package (``actions``, ``targets``, …)."""
    for res in datapackage()["resources"]:
        if res["name"] == name:
            return res
    raise KeyError(f"no table {name!r} in datapackage.json")
