"""Linyi's 2022 livelihood action plan as data: targets, measures, evidence and their sources.

>>> import linyi_analysis as la
>>> plan = la.load_plan()                      # every table, validated, loaded once
>>> urban = plan.action("urban")               # the plan cut to one action
>>> la.tables.targets(urban).shape[1]          # tables for reading; la.plots for charts
5

Importing the package is light: pandas is the only heavy import; pandera is imported only
when data is validated, and matplotlib only when ``la.plots`` is first used.
"""

from importlib import import_module

from .dictionary import describe
from .errors import DataValidationError, Error, ParameterError, Problem, UnknownAction
from .loaders import (
    load_actions,
    load_evidence,
    load_measures,
    load_non_targets,
    load_tables,
    load_targets,
    load_units,
)
from .plan import Plan, load_plan
from .ratios import derived_ratios, spending_ratios
from .resources import citation, datapackage

#: Modules of the public API, imported on first use (``la.plots`` imports matplotlib).
_MODULES = ("analysis", "audit", "plots", "tables")

__all__ = [
    "DataValidationError",
    "Error",
    "ParameterError",
    "Plan",
    "Problem",
    "UnknownAction",
    "analysis",
    "audit",
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
    return sorted(__all__)
