"""The form the notebooks are stored in, and refreshing their stored outputs.

A stored notebook keeps what a reader and nbval need and nothing that changes from run to run
or machine to machine:

- notebook metadata: the kernelspec (``python3``) and the language name only;
- cells: their id, source and tags, and the execution counts of a clean top-to-bottom run
  (1, 2, 3, …); no other metadata;
- outputs: those of that run with the default parameters, without the parts nbval does not
  compare (images, output metadata): a chart is stored as its text form,
  ``[chart] <alt text>``, so a stored notebook is small and diffs cleanly (run it to see the
  charts).

nbval compares the outputs of every cell that has an execution count, so stock
``pytest --nbval notebooks/`` (no project plugin or configuration) compares every output.

``python -m linyi_analysis.report.stored`` re-runs the notebooks and stores them in this form
(``make notebooks``); :func:`problems` says what keeps a notebook from being stored clean.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

#: Output data nbval does not compare: not stored.
UNCOMPARED = ("image/png", "image/jpeg", "image/svg+xml")


def clean(nb):
    """``nb`` in stored form (modified in place and returned)."""
    kernelspec = nb.metadata.get("kernelspec") or {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata = {"kernelspec": dict(kernelspec), "language_info": {"name": "python"}}
    count = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = {"tags": tags} if tags else {}
        if cell.cell_type != "code":
            continue
        count += 1  # as a clean top-to-bottom run numbers them (papermill's injected cell aside)
        cell.execution_count = count
        outputs = []
        for out in cell.outputs:
            if "metadata" in out:
                out.metadata = {}
            if "execution_count" in out:
                out.execution_count = count
            if "data" in out:
                for mime in UNCOMPARED:
                    out.data.pop(mime, None)
                if not out.data:
                    continue
            outputs.append(out)
        cell.outputs = outputs
    return nb


def problems(nb) -> list[str]:
    """What keeps ``nb`` from being in stored form (empty if it is)."""
    import copy

    import nbformat

    found = []
    wanted = clean(copy.deepcopy(nb))
    if nb.metadata != wanted.metadata:
        found.append(f"notebook metadata other than the kernelspec: {sorted(nb.metadata)}")
    for i, (have, want) in enumerate(zip(nb.cells, wanted.cells, strict=True), start=1):
        if have.get("execution_count") != want.get("execution_count"):
            found.append(f"cell {i}: execution count is not that of a clean top-to-bottom run")
        if have.metadata != want.metadata:
            found.append(f"cell {i}: has metadata other than tags: {sorted(have.metadata)}")
        if have.get("outputs") != want.get("outputs"):
            found.append(f"cell {i}: outputs hold images, metadata or execution counts")
    nbformat.validate(nb)
    return found


def refresh(path: str | os.PathLike) -> None:
    """Run notebook ``path`` top to bottom with its default parameters (on the package's own
    data, saving no figures) and store it in clean form with the new outputs."""
    import nbformat
    import papermill

    from ..resources import DATA_DIR_ENV

    saved = os.environ.pop(DATA_DIR_ENV, None)  # the stored outputs are those of the shipped data
    try:
        with tempfile.TemporaryDirectory() as tmp:
            nb = papermill.execute_notebook(
                str(path),
                None,
                kernel_name="python3",
                progress_bar=False,
                cwd=tmp,
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
    finally:
        if saved is not None:
            os.environ[DATA_DIR_ENV] = saved
    nbformat.write(clean(nb), str(path))


def main(argv: list[str] | None = None) -> int:
    """Refresh the notebooks given as arguments, by default every notebook shipped (``make notebooks``)."""
    from .notebooks import notebook_dir

    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    for path in paths or sorted(notebook_dir().glob("*.ipynb")):
        refresh(path)
        print(f"stored {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
