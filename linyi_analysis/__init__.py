"""Linyi's 2022 livelihood action plan as data: targets, measures and their sources.

>>> import linyi_analysis as la
>>> targets = la.load_targets()   # one row per quantitative commitment, validated

Importing the package is light: pandas is the only heavy import, and pandera is imported
only when data is validated; plotting libraries only by :mod:`linyi_analysis.plots`.
"""

from .errors import DataValidationError, Problem
from .evidence import load_evidence
from .loaders import (
    load_actions,
    load_measures,
    load_non_targets,
    load_tables,
    load_targets,
    load_units,
)
from .ratios import derived_ratios, spending_ratios
from .resources import citation, datapackage

__all__ = [
    "DataValidationError",
    "Problem",
    "citation",
    "datapackage",
    "derived_ratios",
    "load_actions",
    "load_evidence",
    "load_measures",
    "load_non_targets",
    "load_tables",
    "load_targets",
    "load_units",
    "spending_ratios",
]
__version__ = "0.1.0"
