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

from .errors import DataValidationError, ParameterError, Problem, UnknownTable

DATA_DIR_ENV = "LINYI_DATA_DIR"


def data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The directory the tables are read from (argument, then ``$LINYI_DATA_DIR``, then the package)."""
    if data_dir is not None and (not isinstance(data_dir, (str, os.PathLike)) or not os.fspath(data_dir)):
        # An empty string or a number is a mistake, not a request for the package's own data.
        raise ParameterError(
            f"data_dir must be a directory path (or None for the package's data), not {data_dir!r}"
        )
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if not chosen:
        return _package_data()
    try:
        return Path(chosen).resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        why = "a loop of symbolic links" if "loop" in str(exc).lower() else str(exc)
        raise DataValidationError(
            [Problem(str(chosen), None, None, f"data directory cannot be used: {why}")]
        ) from None


@cache
def _read_json(path: Path) -> dict:
    """A descriptor of the package; a missing or broken one is a clear error naming it, not a traceback."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc})"
    except UnicodeDecodeError as exc:
        why = f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        why = f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): reinstall the package"
    raise DataValidationError([Problem(path.name, None, None, f"the package's {path} {why}")]) from None


def datapackage() -> dict:
    """The Frictionless data package descriptor: the schema of every table (always the package's own)."""
    return _read_json(_package_data() / "datapackage.json")


def citation() -> dict:
    """The citation of the source article (title, outlet, date, reporter, URL, SHA-256 of the text)."""
    return dict(_read_json(_package_data() / "source.json"))


def package_file(name: str) -> Path:
    """A file of the package's own data directory (``datapackage.json``, ``source.json``, …)."""
    return _package_data() / name


def _package_data() -> Path:
    return Path(str(resources.files("linyi_analysis").joinpath("data"))).resolve()


def resource(name: str) -> dict:
    """The descriptor of one table of the data package (``actions``, ``targets``, …)."""
    for res in datapackage()["resources"]:
        if res["name"] == name:
            return res
    names = ", ".join(r["name"] for r in datapackage()["resources"])
    raise UnknownTable(f"no table {name!r} in datapackage.json; tables: {names}")
