"""The notebooks' parameters: which actions have a report, and checking what a run was given.

papermill only logs a parameter name it does not know and runs on, and passes any value it is
given; so each notebook calls :func:`check_parameters` in the cell after its ``parameters`` cell,
which stops the run at once with a message saying what is wrong and what is allowed. The same
:func:`report_actions` answers "which actions" for ``linyi-report --action`` and the notebooks.
"""

from __future__ import annotations

import ast
import difflib
import os
from pathlib import Path

from .errors import ParameterError, UnknownAction
from .plan import Plan

__all__ = ["check_parameters", "report_actions"]

#: The first line of the cell papermill injects with the values it was given.
_INJECTED = "# Parameters\n"
#: The names papermill's own --inject-paths adds to that cell: not the user's.
_PAPERMILLS = ("PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH")


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


def check_action(plan: Plan, action) -> None:
    """Raise :class:`~linyi_analysis.errors.UnknownAction` unless ``action`` has a report."""
    valid = report_actions(plan)
    if action not in valid:
        raise UnknownAction(f"unknown action {action!r}; valid ids: {', '.join(valid)}")


def check_parameters(history=None, /, **declared) -> None:
    """Check a notebook's parameters: call it after the ``parameters`` cell with each parameter
    the notebook declares, ``la.check_parameters(action=action, figures_dir=figures_dir)``.

    Raises :class:`~linyi_analysis.errors.ParameterError` for a name papermill was given that
    is not one of ``declared`` (``-p actoin medical``: papermill itself only logs it), an
    ``action`` without a report (:func:`report_actions`), or a ``figures_dir`` that is not a
    path or is an existing file. ``history`` is the cells run so far (IPython's ``In``, read from
    the running kernel by default); outside IPython there is no papermill cell to check.
    """
    if history is None:
        from IPython import get_ipython  # ipykernel runs the notebooks; plain Python has no cells

        shell = get_ipython()
        history = shell.user_ns.get("In", []) if shell is not None else []
    # papermill runs its cell just before this one; the latest is the run's (an earlier one, in
    # an interactive session, was another run's).
    injected = [cell for cell in history if cell.startswith(_INJECTED)][-1:]
    given = [name for cell in injected for name in _assigned(cell) if name not in _PAPERMILLS]
    unknown = [name for name in given if name not in declared]
    if unknown:
        near = {n: difflib.get_close_matches(n, declared, 1) for n in unknown}
        names = ", ".join(f"{n!r}" + (f" (did you mean {near[n][0]!r}?)" if near[n] else "") for n in unknown)
        raise ParameterError(
            f"unknown parameter{'s' * (len(unknown) > 1)} {names}; "
            + (
                f"this notebook's parameters: {', '.join(declared)}"
                if declared
                else "this notebook takes no parameters"
            )
        )
    if "action" in declared:
        from .plan import load_plan

        check_action(load_plan(), declared["action"])
    if "figures_dir" in declared:
        _check_figures_dir(declared["figures_dir"])


def _assigned(source: str) -> list[str]:
    """The names a cell of papermill's assigns (``name = value`` lines)."""
    return [
        t.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    ]


def _check_figures_dir(figures_dir) -> None:
    if figures_dir is None or figures_dir == "":
        return
    if not isinstance(figures_dir, str | os.PathLike):
        raise ParameterError(f"figures_dir must be a path or empty, not {figures_dir!r}")
    path = Path(figures_dir)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"figures_dir {str(path)!r} exists and is not a directory")
