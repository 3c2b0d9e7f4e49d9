"""Where the notebooks are: ``notebooks/`` in a checkout, shipped inside the package when installed.

``linyi_analysis/notebooks`` is a symbolic link to the project's ``notebooks/`` (as
``linyi_analysis/data`` is to ``data/``), so the notebooks an analyst edits in JupyterLab are
the ones ``linyi-report`` runs, and a wheel carries them as package data.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The overview notebook, run once per report run.
OVERVIEW = "overview.ipynb"
#: The analyst's tour of the tidy frames with seaborn, run once per report run.
EXPLORE = "explore.ipynb"
#: The per-action notebook, run once per action with papermill parameters.
ACTION_REPORT = "action_report.ipynb"


def notebook_dir() -> Path:
    """The directory holding the shipped notebooks."""
    return Path(str(resources.files("linyi_analysis").joinpath("notebooks"))).resolve()


def notebook_path(name: str, directory: str | Path | None = None) -> Path:
    """The path of notebook ``name`` in ``directory`` (default: the shipped notebooks).

    Raises ``FileNotFoundError`` naming the path when it is not there.
    """
    path = Path(directory or notebook_dir()) / name
    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path}")
    return path
