"""The property test of incremental runs, end to end: single-cell edits, one after another; after
each, the incremental run's pages and charts (in the site and in --figures) are byte-identical
to a --force run into a fresh output, --dry-run named exactly the notebooks that executed (and
they are the ones named here by hand from the data), and the index names the edited row.

The edits are the attack report's (2026-12-03, problem 1): a covers=targets search, the goals
total that medical's spending share divides by, and the medical target that urban's ratio_to (set
in the data from the start) points to. The runs cover the overview, medical and urban (the in-process tests
of test_report_packages.py cover every action and every table, with random edits). A step that
executes every notebook is not run again with --force (that would be the same run). The overview
here is its parameters cell only: it reads the whole data, so it executes after every edit
whatever the code does, and its kernel would be half of the test's time. The same runs
show that two executions give the same bytes: pages and charts exactly, executed notebooks
but for their timing fields (docs/reliability.md lists them).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil

import pytest
from conftest import PROJECT
from report_site import plain_overview, run_report, tree_hashes
from test_report_packages import edited, normalised

from linyi_analysis.report.cli import main
from linyi_analysis.report.data import write_data
from linyi_analysis.resources import data_dir

pytestmark = pytest.mark.slow

ACTIONS = ["medical", "urban"]
#: (table, row, column, new value, the notebooks that must execute, what the index then says)
STEPS = [
    ("evidence_searches", "search_parks", "searched_on", "2026-12-01", {"overview", "explore", "urban"}, "search_parks: searched_on"),
    ("evidence", "spend_amount_2014h1", "value", "15160000001", {"overview", "explore", "medical"}, "spend_amount_2014h1: value"),
    ("targets", "med_key_specialties", "value", "61", {"overview", "explore", *ACTIONS}, "med_key_specialties: value"),
]  # fmt: skip
#: The only fields two runs' executed notebooks may differ in: when each ran and how long it took.
NOTEBOOK_TIMING = [
    "metadata.papermill.start_time",
    "metadata.papermill.end_time",
    "metadata.papermill.duration",
]
CELL_TIMING = [*NOTEBOOK_TIMING, "metadata.execution"]  # iopub.status.busy, shell.execute_reply, …


def without_timing(text: str) -> tuple[dict, set[str]]:
    """An executed notebook without exactly the timing fields; and which of the fields it had."""

    def pop(node: dict, dotted: str) -> bool:
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.get(key, {})
        return node.pop(last, None) is not None

    nb = json.loads(text)
    had = {f for f in NOTEBOOK_TIMING if pop(nb, f)}
    for cell in nb["cells"]:
        had |= {f"cells[].{f}" for f in CELL_TIMING if pop(cell, f)}
    return nb, had


def dry_run(*args) -> dict[str, str]:
    """``linyi-report --dry-run ARGS`` in this process: each notebook's decision."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*map(str, args), "--dry-run"]) == 0
    return {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()}


def executed(proc) -> set[str]:
    assert proc.returncode == 0, proc.stderr
    (names,) = re.findall(r"executed: ([^;]*);", proc.stdout)
    return set() if names == "none" else set(names.split(", "))


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """The runs: a first build, then for each step the edit, a dry run, the incremental run and
    a --force run into a fresh output (each step's results, in order)."""
    root = tmp_path_factory.mktemp("incremental")
    files = normalised(data_dir())  # written as the edits write it: an edit changes only its row
    # a cross-action ratio_to from the start: urban's pocket parks per medical key specialty
    files = edited(files, "targets", "urb_pocket_parks", "ratio_to", "med_key_specialties")
    data = write_data(files, root / "data")
    notebooks = plain_overview(root / "notebooks")  # the action reports as shipped
    common = [
        "--data-dir",
        data,
        "--notebooks",
        notebooks,
        *[a for action in ACTIONS for a in ("--action", action)],
        "--jobs",
        "2",
    ]
    first = run_report("--output", root / "site", "--figures", root / "figures", *common, force=False)
    results = [{"run": first}]
    for i, (table, key, column, value, *_) in enumerate(STEPS):
        files = edited(files, table, key, column, value)
        shutil.rmtree(data)
        write_data(files, data)
        plan = dry_run("--output", root / "site", "--figures", root / "figures", *common)
        run = run_report("--output", root / "site", "--figures", root / "figures", *common, force=False)
        fresh, forced = root / f"fresh-{i}", None
        if STEPS[i][4] != {"overview", "explore", *ACTIONS}:
            forced = run_report(
                "--output", fresh / "site", "--figures", fresh / "figures", *common, force=True
            )
        results.append(
            {"plan": plan, "run": run, "forced": forced, "fresh": fresh, "site": tree_hashes(root / "site")}
        )
        results[-1].update(
            figures=tree_hashes(root / "figures"), index=(root / "site" / "index.html").read_text()
        )
        results[-1]["notebooks"] = {p.name: p.read_text() for p in (root / "site").glob("*.ipynb")}
    return results


def test_the_first_run_executes_every_notebook(steps):
    assert executed(steps[0]["run"]) == {"overview", "explore", *ACTIONS}


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1), ids=[f"{s[0]}.{s[1]}.{s[2]}" for s in STEPS])
def test_an_edit_executes_what_it_changes_and_the_site_is_a_fresh_one(steps, step):
    *_, expected, said = STEPS[step - 1]
    s = steps[step]
    assert executed(s["run"]) == expected, "the notebooks the edit changes, and only those"
    assert {n for n, d in s["plan"].items() if d == "execute"} == expected, "--dry-run said the same"
    assert said in s["index"], "the index names the edited row and column"
    if s["forced"] is None:
        return  # every notebook executed: this was a --force run
    assert executed(s["forced"]) == {"overview", "explore", *ACTIONS}
    fresh_site, fresh_figures = tree_hashes(s["fresh"] / "site"), tree_hashes(s["fresh"] / "figures")
    assert set(s["site"]) == set(fresh_site)
    differ = sorted(f for f in s["site"] if s["site"][f] != fresh_site[f] and not f.endswith(".ipynb"))
    assert differ == ["index.html", ".linyi-report.json"] or differ == [".linyi-report.json", "index.html"]
    assert s["figures"] == fresh_figures, "--figures holds the fresh run's charts"
    for name, text in s["notebooks"].items():
        fresh = (s["fresh"] / "site" / name).read_text()
        assert without_timing(text)[0] == without_timing(fresh)[0], name


def test_nothing_changed_runs_nothing(steps, tmp_path):
    """After the last step, the same command again: nothing executes, nothing is written; charts
    of a fuller site in --figures do not count."""
    site = steps[-2]["fresh"].parent / "site"
    (site.parent / "figures" / "action_rural.png").write_bytes(b"a chart of a fuller site")
    before = tree_hashes(site)
    again = run_report("--output", site, "--figures", site.parent / "figures", "--data-dir", site.parent / "data",
                       "--notebooks", site.parent / "notebooks", *[a for action in ACTIONS for a in ("--action", action)],
                       force=False)  # fmt: skip
    assert again.returncode == 0 and "nothing changed" in again.stdout, again.stderr
    assert tree_hashes(site) == before


def test_executed_notebooks_differ_only_in_timing(steps):
    """A notebook executed twice (the incremental site's, the fresh run's): equal once exactly the
    timing fields are removed, and it had each of them."""
    name = "urban.ipynb"
    text = steps[-1]["notebooks"][name]
    _, had = without_timing(text)
    assert had == set(NOTEBOOK_TIMING) | {f"cells[].{f}" for f in CELL_TIMING}


def test_the_reliability_page_lists_the_fields_that_differ():
    page = (PROJECT / "docs" / "reliability.md").read_text(encoding="utf-8")
    for field in [*NOTEBOOK_TIMING, "metadata.execution"]:
        assert f"`{field}`" in page, field
