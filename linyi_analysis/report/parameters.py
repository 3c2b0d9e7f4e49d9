"""The notebooks' parameters: which actions have a report, and checking the values given.

papermill only logs a parameter name it does not know and runs on, and passes any value it is
given; so each notebook checks its parameters in the cell after its ``parameters`` cell and
stops at once with a message saying what is wrong and what is allowed: an action id through
``plan.action(id)`` (the one check of an action id), a directory with :func:`check_figures_dir`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ParameterError
from ..plan import Plan

__all__ = ["ParameterError", "check_figures_dir", "report_actions"]


def report_actions(plan: Plan) -> list[str]:
    """Ids of the actions that get a report, in the article's order: every action but the goals.

    The overall goals (``order`` 0 in ``actions.csv``) have no measures of their own; they are
    part of the overview.

    >>> import linyi_analysis as la
    >>> report_actions(la.load_plan())
    ['key_groups', 'employment', 'education', 'medical', 'urban', 'rural']
    """
    actions = plan.actions.sort_values("order")
    return actions.loc[actions["order"] > 0, "action_id"].astype(str).tolist()


def check_figures_dir(figures_dir) -> Path | None:
    """The directory to save charts in (created if needed), or None for an empty value.

    Raises :class:`ParameterError` if the value is not a string or the path exists and is not
    a directory.
    """
    if figures_dir is None or figures_dir == "":
        return None
    if not isinstance(figures_dir, str | os.PathLike):
        raise ParameterError(f"figures_dir must be a path or empty, not {figures_dir!r}")
    path = Path(figures_dir)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"figures_dir {str(path)!r} exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    return path
