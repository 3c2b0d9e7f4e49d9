"""Two full report runs give the same site: HTML pages, index and charts byte for byte; executed
notebooks equal once exactly the execution timing fields are removed (the README lists them).

The second run differs from the session's reference run in everything that should not matter:
another output directory (so other build and temporary paths), another working directory, one
kernel at a time instead of several.
"""

from __future__ import annotations

import json

import pytest
from conftest import PROJECT
from report_site import run_report, tree_hashes

pytestmark = pytest.mark.slow

#: The only fields two runs' executed notebooks may differ in: when each ran and how long it took.
NOTEBOOK_TIMING = [
    "metadata.papermill.start_time",
    "metadata.papermill.end_time",
    "metadata.papermill.duration",
]
CELL_TIMING = [
    "metadata.papermill.start_time",
    "metadata.papermill.end_time",
    "metadata.papermill.duration",
    "metadata.execution",  # iopub.status.busy, iopub.execute_input, shell.execute_reply, iopub.status.idle
]


def _pop(node: dict, dotted: str) -> bool:
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.get(key, {})
    return node.pop(last, None) is not None


def without_timing(text: str) -> tuple[dict, set[str]]:
    """An executed notebook without exactly the timing fields; and which of the fields it had."""
    nb = json.loads(text)
    had = {f for f in NOTEBOOK_TIMING if _pop(nb, f)}
    for cell in nb["cells"]:
        had |= {f"cells[].{f}" for f in CELL_TIMING if _pop(cell, f)}
    return nb, had


@pytest.fixture(scope="module")
def second_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("second")
    (root / "elsewhere").mkdir()
    proc = run_report("--output", root / "site", "--jobs", "1", "--quiet", cwd=root / "elsewhere")
    assert proc.returncode == 0, proc.stderr
    return root / "site"


def test_html_and_charts_are_byte_identical(reference_site, second_run):
    first, second = tree_hashes(reference_site.reports), tree_hashes(second_run)
    assert first.keys() == second.keys()
    compared = [name for name in first if not name.endswith(".ipynb") and first[name] != "dir"]
    assert {n.rsplit(".", 1)[-1] for n in compared} == {"csv", "html", "png", "svg"}
    assert [n for n in compared if first[n] != second[n]] == []
    assert tree_hashes(reference_site.figures) == tree_hashes(second_run / "figures")


def test_executed_notebooks_differ_only_in_timing(reference_site, second_run):
    notebooks = sorted(p.name for p in second_run.glob("*.ipynb"))
    assert len(notebooks) == 7
    for name in notebooks:
        first_text = (reference_site.reports / name).read_text(encoding="utf-8")
        second_text = (second_run / name).read_text(encoding="utf-8")
        assert first_text != second_text, f"{name}: the runs should at least differ in their timings"
        first, first_had = without_timing(first_text)
        second, second_had = without_timing(second_text)
        assert first == second, f"{name} differs in more than its timing"
        # exactly those fields: each is there to remove (the list is not wider than it must be)
        assert first_had == second_had == set(NOTEBOOK_TIMING) | {f"cells[].{f}" for f in CELL_TIMING}


def test_the_readme_lists_the_fields_that_differ():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    for field in [*NOTEBOOK_TIMING, *CELL_TIMING]:
        assert f"`{field}`" in section, field
