"""Linyi's 2022 livelihood action plan as data: targets, measures, evidence and their sources.

>>> import linyi_analysis as la
>>> plan = la.load_plan()                      # every table, validated, loaded once
>>> medical = plan.action("medical")           # the plan cut to one action
>>> medical.targets.shape                      # tidy frames: one row per target of the article
(4, 30)
>>> d = la.describe("delivery")                # any frame's columns: dtype, unit, meaning
>>> d.set_index("column").at["status", "dtype"]
'category'

Frames: ``plan.targets``, ``plan.measures``, ``plan.evidence`` (any table: ``plan.table(name)``),
``la.derived_ratios(plan)``, ``la.spending_ratios(plan)`` and ``plan.delivery(as_of=...)``:
codes and the ids of the article's structure (actions, measures, units, kinds, statuses)
categorical, holding only the values in the frame (``.astype(str)`` to compare two frames), the ids
of rows (targets, facts, ratios) ``str``, figures ``Float64``, text ``str``,
every period with ``period_start`` and ``period_end`` dates; they go to seaborn as they are.
``la.tables`` gives tables for reading, ``la.plots`` the report's charts.

Every exception the package raises on purpose is a ``la.Error`` (all in :mod:`linyi_analysis.errors`).
Importing the package is light: pandas is the only heavy import.
"""

from importlib import import_module

from .dictionary import describe
from .errors import DataValidationError as DataValidationError  # re-exported: la.Error etc.
from .errors import Error as Error
from .errors import ParameterError as ParameterError
from .errors import Problem as Problem
from .errors import UnknownAction as UnknownAction
from .loaders import (
    load_actions,
    load_evidence,
    load_measures,
    load_non_targets,
    load_tables,
    load_targets,
    load_units,
)
from .parameters import check_parameters
from .plan import Plan, load_plan
from .ratios import derived_ratios, spending_ratios
from .resources import citation, datapackage

#: Modules of the public API, imported on first use (``la.plots`` imports matplotlib).
_MODULES = ("analysis", "audit", "plots", "tables")
_EXCEPTIONS = ["DataValidationError", "Error", "ParameterError", "Problem", "UnknownAction", "errors"]

# The exceptions are reachable here (``la.Error``) but documented once, in ``la.errors``: help(la)
# shows the guide and the API, not each exception's inherited methods.
__all__ = [
    "Plan",
    "analysis",
    "audit",
    "check_parameters",
    "citation",
    "datapackage",
    "derived_ratios",
    "describe",
    "load_actions",
    "load_evidence",
    "load_measures",
    "load_non_targets",
    "load_plan",
    "load_tables",
    "load_targets",
    "load_units",
    "plots",
    "spending_ratios",
    "tables",
]
__version__ = "0.2.0"


def __getattr__(name: str):
    if name in _MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # Tab completion shows the public API, not the internal modules imported along the way.
    return sorted(__all__ + _EXCEPTIONS)
