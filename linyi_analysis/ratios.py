"""Spending figures of the plan as a tidy frame."""

from __future__ import annotations

import os

import pandas as pd

from .loaders import load_targets


def spending_ratios(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The plan's spending-share targets: the overall goals' percentage targets.

    Columns: target_id, indicator, value (percent), comparator, period, quote.

    >>> import linyi_analysis as la
    >>> la.spending_ratios()[["value", "comparator"]].iloc[0].tolist()
    [80.0, '>=']
    """
    t = load_targets(data_dir)
    share = t[(t["action_id"] == "goals") & (t["unit"] == "percent")]
    return share[["target_id", "indicator", "value", "comparator", "period", "quote"]].reset_index(drop=True)
