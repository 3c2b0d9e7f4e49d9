"""Facts from official Linyi sources outside the article (``data/evidence.csv``), each cited.

The facts are copied from the project's shared file of external evidence
(``../shared/source/external-evidence.csv``) with their citations (url, publisher, published,
quote_zh), and linked to the plan: ``target_id`` (the target a fact corroborates or informs),
``relation`` (how), ``action_id`` and ``part_of`` (a fact that is a component of another).
:func:`linyi_analysis.audit.source_differences` checks the copy against that file.

>>> import linyi_analysis as la
>>> ev = la.load_evidence().set_index("fact_id")
>>> ev.loc["old_households_2022", ["target_id", "relation"]].tolist()
['urb_old_community_households', 'same_figure']
"""

from __future__ import annotations

import os

import pandas as pd

from .loaders import load_tables


def load_evidence(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every external fact, validated with the other tables, in base units (yuan, percent 0–100, …).

    Columns: fact_id, kind, topic, period, value, unit, target_id, relation, action_id,
    part_of, quote_zh, url, publisher, published, notes (see the README's data dictionary).

    >>> import linyi_analysis as la
    >>> ev = la.load_evidence()
    >>> ev.loc[ev["kind"] == "spending_share", ["period", "value"]].values.tolist()
    [['2014-H1', 69.0], ['2019-H1', 82.0], ['2025-Q1', 83.1]]
    """
    return load_tables(data_dir)["evidence"].copy()
