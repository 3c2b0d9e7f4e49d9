"""A pytest plugin that makes strict nbval compare every stored output of the notebooks.

The notebooks are stored without execution counts (see :mod:`.stored`), and nbval compares
the outputs only of cells that have one (a cell without is "not run" to nbval). While
collecting, this plugin gives every code cell a count, so ``pytest --nbval`` compares each
cell's fresh outputs with the stored ones (images excepted, as nbval always does).

It also builds matplotlib's font cache before any kernel starts: on a fresh machine the first
import of matplotlib says so on stderr, which in a notebook cell is an output nbval did not
expect. Enabled for the project by ``-p linyi_analysis.report.nbval_strict`` in pyproject.toml.
"""

from __future__ import annotations


def pytest_collection_modifyitems(session, config, items):
    """Mark every collected notebook code cell as run (nbval compares only run cells)."""
    from nbval.plugin import IPyNbCell

    cells = [item.cell for item in items if isinstance(item, IPyNbCell)]
    if not cells:
        return
    import matplotlib.font_manager  # noqa: F401  (builds the font cache once, here)

    for cell in cells:
        if cell.get("cell_type") == "code" and cell.get("execution_count") is None:
            cell["execution_count"] = 0
