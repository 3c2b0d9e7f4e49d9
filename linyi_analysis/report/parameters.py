"""The notebooks' parameters: which actions have a report, and checking the values given.

papermill only logs a parameter name it does not know and runs on, and passes any value it is
given; so each notebook checks its parameters in the cell after its ``parameters`` cell, with
these functions, and stops at once with a message saying what is wrong and what is allowed.
The report runner checks the same way before it starts a kernel.
"""

from __future__ import annotations

import os
from pathlib import Path


class ParameterError(ValueError):
    """A notebook parameter has a value the notebook cannot use; the message lists what is valid."""


def report_actions(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Ids of the actions that get a report, in the article's order: every action but the goals.

    The overall goals (``order`` 0 in ``actions.csv``) have no measures of their own; they are
    part of the overview.

    >>> report_actions()
    ['key_groups', 'employment', 'education', 'medical', 'urban', 'rural']
    """
    from ..loaders import load_actions

    actions = load_actions(data_dir)
    return actions.loc[actions["order"] > 0, "action_id"].astype(str).tolist()


def check_action(action, data_dir: str | os.PathLike | None = None) -> str:
    """``action`` if it is the id of an action with a report, else :class:`ParameterError`.

    >>> check_action("education")
    'education'
    >>> check_action("schools")
    Traceback (most recent call last):
    ...
    linyi_analysis.report.parameters.ParameterError: unknown action 'schools'; valid ids: key_groups, employment, education, medical, urban, rural
    """
    valid = report_actions(data_dir)
    if not isinstance(action, str) or action not in valid:
        raise ParameterError(f"unknown action {action!r}; valid ids: {', '.join(valid)}")
    return action


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
