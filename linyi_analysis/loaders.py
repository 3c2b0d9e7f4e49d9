"""The loaders: each returns one validated, typed table of the plan as a pandas DataFrame.

Tables are validated together (foreign keys cross files) the first time they are read and
again whenever a file changes; results are cached per directory and content hash, so an
edited CSV is seen, and checked, on the next call.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from .reading import read_raw
from .resources import data_dir as _data_dir
from .resources import resource
from .validation import TABLES, validate

_cache: dict[tuple, dict[str, pd.DataFrame]] = {}


def _signature(directory: Path) -> tuple[str, str]:
    """The directory and a hash of its tables' bytes: any edit, however quick or small, changes it."""
    digest = hashlib.sha256()
    for name in TABLES:
        try:
            digest.update((directory / f"{name}.csv").read_bytes())
        except OSError:
            digest.update(b"\0missing")
        digest.update(b"\0")
    return str(directory), digest.hexdigest()


def load_tables(data_dir: str | os.PathLike | None = None) -> dict[str, pd.DataFrame]:
    """All tables of the data package, validated and typed, keyed by name.

    Raises :class:`~linyi_analysis.DataValidationError` listing every problem of every file.
    """
    directory = _data_dir(data_dir)
    sig = _signature(directory)
    if sig not in _cache:
        raw, problems = {}, []
        for name in TABLES:
            raw[name], found = read_raw(directory / f"{name}.csv")
            problems += found
        _cache.clear()  # one directory state at a time is all a session needs
        _cache[sig] = _apply_types(validate(raw, problems))
    return _cache[sig]


def _apply_types(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Ids and coded values become categoricals (ids in the article's order); rows keep file order."""
    actions = tables["actions"].sort_values("order")
    measures = (
        tables["measures"]
        .assign(
            _a=lambda d: d["action_id"].map(dict(zip(actions["action_id"], actions["order"], strict=True)))
        )
        .sort_values(["_a", "order"])
    )
    categories = {
        "action_id": pd.CategoricalDtype(actions["action_id"].tolist(), ordered=True),
        "measure_id": pd.CategoricalDtype(measures["measure_id"].tolist(), ordered=True),
        "unit": pd.CategoricalDtype(tables["units"]["unit"].tolist()),
    }
    out = {}
    for name, frame in tables.items():
        frame = frame.reset_index(drop=True)
        for field in resource(name)["schema"]["fields"]:
            col = field["name"]
            if col in categories and (col, name) not in {("measure_id", "measures"), ("unit", "units")}:
                frame[col] = frame[col].astype(categories[col])
            elif "enum" in field.get("constraints", {}):
                frame[col] = frame[col].astype(pd.CategoricalDtype(field["constraints"]["enum"]))
        out[name] = frame
    return out


def _table(name: str, data_dir) -> pd.DataFrame:
    return load_tables(data_dir)[name].copy()


def load_actions(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The plan's overall goals and its six improvement actions, in the article's order.

    Columns: action_id (categorical, ordered as in the article), order, name, name_source
    (the article's heading), measures_stated (the number of measures the article states)
    and measures_stated_quote.

    >>> import linyi_analysis as la
    >>> la.load_actions()["action_id"].tolist()[:3]
    ['goals', 'key_groups', 'employment']
    """
    return _table("actions", data_dir)


def load_measures(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every measure ("aspect") each action lists: measure_id, action_id, order, name, quote.

    >>> import linyi_analysis as la
    >>> la.load_measures().groupby("action_id", observed=True).size()["medical"]
    np.int64(7)
    """
    return _table("measures", data_dir)


def load_targets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per quantitative commitment, in base units (yuan, people, percent 0–100, …).

    See the README's data dictionary for every column.

    >>> import linyi_analysis as la
    >>> t = la.load_targets().set_index("target_id")
    >>> t.loc["emp_startup_loans", ["value", "comparator", "unit"]].tolist()
    [2200000000.0, '>=', 'yuan']
    """
    return _table("targets", data_dir)


def load_units(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The controlled vocabulary of units: unit, kind (count, money, percent, length, area), label."""
    return _table("units", data_dir)


def load_non_targets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Numbers in the article that are not targets (years, ordinals, names), each with the reason."""
    return _table("non_targets", data_dir)
