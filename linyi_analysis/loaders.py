"""The loaders: each returns one validated, typed table of the plan as a pandas DataFrame.

Tables are validated together (foreign keys cross files). The check runs whenever the bytes
of the tables (or the rules) differ from data that already passed it; the tables it returned
are then kept (see :mod:`~linyi_analysis.validated_cache`), so unchanged data loads without
pandera at the speed of ``pandas.read_csv``, and a later load returns exactly what validation did.
Every loader hands out copies: changing a returned frame never changes a later result.
"""

from __future__ import annotations

import os

import pandas as pd

from . import validated_cache
from .reading import read_file, read_raw
from .resources import data_dir as _data_dir
from .resources import resource
from .source import available_plan_text
from .validation import TABLES, validate

#: The tables of the directory state loaded last in this process (one state is all a session needs).
_cache: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}


def load_tables(data_dir: str | os.PathLike | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the plan by name, as :func:`~linyi_analysis.load_plan` gives them
    (``load_tables()["targets"]`` is ``load_targets()``, with the columns the plan adds).

    Raises :class:`~linyi_analysis.DataValidationError` listing every problem of every file.
    """
    from .plan import load_plan

    plan = load_plan(data_dir)
    return {name: plan.table(name) for name in TABLES}


def validated(data_dir) -> dict[str, pd.DataFrame]:
    """The tables as validated, in file order (internal: shared, never to be changed; the
    public frames are :func:`~linyi_analysis.load_plan`'s)."""
    directory = _data_dir(data_dir)
    # Read each file once: the bytes hashed are the bytes parsed, even if the file changes meanwhile.
    read = {name: read_file(directory / f"{name}.csv") for name in TABLES}
    contents = {name: data for name, (data, _) in read.items()}
    plan = available_plan_text()  # quotes are checked against the article where it is available
    key = (str(directory), validated_cache.content_key(contents, plan))
    tables = _cache.get(key)  # (a local reference: another thread may replace the entry meanwhile)
    if tables is None:
        tables = validated_cache.load(key[1])
        if tables is None or set(tables) != set(TABLES):
            raw, lines, problems = {}, {}, []
            for name, (data, reason) in read.items():
                raw[name], lines[f"{name}.csv"], found = read_raw(directory / f"{name}.csv", data, reason)
                problems += found
            tables = _apply_types(validate(raw, problems, plan, lines))
            validated_cache.store(key[1], tables)
        _cache.clear()
        _cache[key] = tables
    return tables


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
    from .plan import load_plan  # the plan is built on load_tables: imported here, not at the top

    return load_plan(data_dir).table(name)


def load_actions(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The plan's overall goals and its six improvement actions: ``la.load_plan(data_dir).actions``.

    Columns: action_id (categorical, ordered as in the article), order, name, name_source
    (the article's heading), measures_stated (the number of measures the article states)
    and measures_stated_quote.

    >>> import linyi_analysis as la
    >>> la.load_actions()["action_id"].tolist()[:3]
    ['goals', 'key_groups', 'employment']
    """
    return _table("actions", data_dir)


def load_measures(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every measure ("aspect") each action lists: ``la.load_plan(data_dir).measures``.

    >>> import linyi_analysis as la
    >>> la.load_measures().groupby("action_id", observed=True).size()["medical"]
    np.int64(7)
    """
    return _table("measures", data_dir)


def load_targets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per quantitative commitment, in base units: ``la.load_plan(data_dir).targets``,
    with labels and kinds (``la.describe("targets")`` lists every column).

    >>> import linyi_analysis as la
    >>> t = la.load_targets().set_index("target_id")
    >>> t.loc["emp_startup_loans", ["value", "comparator", "unit", "label"]].tolist()
    [np.float64(2200000000.0), '>=', 'yuan', '≥ 2.2 bn yuan']
    """
    return _table("targets", data_dir)


def load_units(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The controlled vocabulary of units: unit, kind (count, money, percent, length, area), label."""
    return _table("units", data_dir)


def load_non_targets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Numbers in the article that are not targets (years, ordinals, names), each with the reason."""
    return _table("non_targets", data_dir)


def load_evidence(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Facts from outside the article, each cited and linked to the plan's targets:
    ``la.load_plan(data_dir).evidence`` (``la.describe("evidence")`` lists every column).

    >>> import linyi_analysis as la
    >>> ev = la.load_evidence().set_index("fact_id")
    >>> ev.loc["old_households_2022", ["target_id", "relation"]].tolist()
    ['urb_old_community_households', 'same_figure']
    """
    return _table("evidence", data_dir)
