"""The notebooks as stored: clean, thin, parameterised for papermill, checked strictly by nbval."""

from __future__ import annotations

import ast
import copy
import os
import re
import shutil
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import PROJECT

import linyi_analysis as la
from linyi_analysis.parameters import report_actions
from linyi_analysis.report import stored

NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))
#: The notebooks linyi-report runs with papermill parameters (explore.ipynb is the analyst's tour).
PARAMETERISED = [p for p in NOTEBOOKS if p.name != "explore.ipynb"]
BIN = Path(sys.executable).parent


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_the_notebooks_exist_and_ship_with_the_package():
    from linyi_analysis.report.notebooks import ACTION_REPORT, OVERVIEW, notebook_dir

    assert [p.name for p in NOTEBOOKS] == sorted([ACTION_REPORT, OVERVIEW, "explore.ipynb"])
    assert {p.name for p in notebook_dir().glob("*.ipynb")} == {ACTION_REPORT, OVERVIEW, "explore.ipynb"}


def test_explore_draws_the_tidy_frames_with_seaborn_itself():
    """Issue 18: the analyst's tour uses seaborn on the frames, through the public API only."""
    code = "\n".join(
        c.source for c in read(PROJECT / "notebooks" / "explore.ipynb").cells if c.cell_type == "code"
    )
    assert "import seaborn as sns" in code and "import linyi_analysis as la" in code
    assert "linyi_analysis." not in code and "la.plots" not in code and "la.tables" not in code
    for frame in ("plan.targets", "plan.delivery()", "la.spending_ratios(plan)", "plan.action("):
        assert frame in code, frame
    assert 'x="period_end"' in code  # a real time axis, not periods spaced as categories


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path):
    nb = read(path)
    assert stored.problems(nb) == [], "run: make notebooks"
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the counts of a clean top-to-bottom run, as stock nbval expects them
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all("image/png" not in o.get("data", {}) for c in code for o in c.outputs)
    assert any(c.outputs for c in code), "outputs are stored for nbval to compare"


def test_the_stored_form_check_can_fail():
    nb = read(PROJECT / "notebooks" / "action_report.ipynb")
    dirty = copy.deepcopy(nb)
    code = next(c for c in dirty.cells if c.cell_type == "code" and c.outputs)
    code.execution_count = 7
    code.metadata["collapsed"] = False
    dirty.metadata["widgets"] = {}
    found = stored.problems(dirty)
    assert any("execution count" in p for p in found)
    assert any("metadata other than tags" in p for p in found)
    assert any("notebook metadata" in p for p in found)
    assert stored.problems(stored.clean(dirty)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    """Code cells call the library and show the result; markdown explains them."""
    nb = read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        assert len(lines) <= 8, cell.source
        assert not re.search(r"^\s*(def|class|for|while|if|with|try)\b", cell.source, re.M), cell.source
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown) >= len(code) // 3
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def _parameters(path: Path) -> dict:
    import papermill

    return papermill.inspect_notebook(str(path))


def test_action_report_parameters_are_annotated_with_help():
    params = _parameters(PROJECT / "notebooks" / "action_report.ipynb")
    assert set(params) == {"action", "figures_dir"}
    assert params["action"]["inferred_type_name"] == "str"
    assert params["action"]["default"] == '"education"'
    assert params["action"]["help"] == "one of: " + ", ".join(report_actions(la.load_plan()))
    assert "directory" in params["figures_dir"]["help"] and params["figures_dir"]["default"] == '""'


def test_overview_parameters_are_annotated_with_help():
    params = _parameters(PROJECT / "notebooks" / "overview.ipynb")
    assert set(params) == {"figures_dir"} and params["figures_dir"]["help"]


@pytest.mark.parametrize("path", PARAMETERISED, ids=lambda p: p.name)
def test_the_cell_after_parameters_checks_every_declared_parameter(path):
    """The check cell passes la.check_parameters exactly the names papermill reads as parameters
    (an undeclared name stops a run; a declared one left out would be refused)."""
    nb = read(path)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    after = next(c for c in nb.cells[at + 1 :] if c.cell_type == "code")
    calls = [
        n
        for n in ast.walk(ast.parse(after.source))
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "la.check_parameters"
    ]
    assert len(calls) == 1
    assert [(k.arg, ast.unparse(k.value)) for k in calls[0].keywords] == [(p, p) for p in _parameters(path)]
    assert "linyi_analysis." not in after.source  # the public API only (ce03277 imported report.parameters)


def test_the_actions_parameter_documents_the_report_actions():
    """One list answers "which actions": papermill --help-notebook, the check, the CLI."""
    from linyi_analysis.report.build import _chosen

    params = _parameters(PROJECT / "notebooks" / "action_report.ipynb")
    literal = ["key_groups", "employment", "education", "medical", "urban", "rural"]
    assert params["action"]["help"] == "one of: " + ", ".join(literal)
    message = "unknown action 'goals'; valid ids: " + ", ".join(literal)
    with pytest.raises(la.UnknownAction) as notebook:
        la.check_parameters([], action="goals", figures_dir="")
    with pytest.raises(la.ParameterError) as command:  # linyi-report --action goals
        _chosen(["goals"], la.load_plan())
    assert str(notebook.value) == str(command.value) == message


@pytest.mark.slow
def test_a_misspelt_parameter_name_stops_papermill(tmp_path):
    """Issue 18: ``papermill … -p actoin medical`` exited 0 with the education report."""
    out = tmp_path / "out.ipynb"
    notebook = PROJECT / "notebooks" / "action_report.ipynb"
    proc = subprocess.run(
        [BIN / "papermill", notebook, out, "-p", "actoin", "medical", "--no-progress-bar", "--cwd", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    expected = (
        "unknown parameter 'actoin' (did you mean 'action'?); this notebook's parameters: action, figures_dir"
    )
    assert f"ParameterError: {expected}" in proc.stderr
    failed = [c for c in read(out).cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "la.check_parameters(" in failed[0].source
    assert not any(
        c.outputs for c in read(out).cells[read(out).cells.index(failed[0]) + 1 :] if "outputs" in c
    )


def _project_pytest_options() -> str:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    return config["addopts"]


def _stock_nbval(root: Path, notebooks: Path) -> subprocess.CompletedProcess:
    """Stock nbval as a CI user runs it: no project configuration, no project plugin."""
    env = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}
    command = [sys.executable, "-m", "pytest", "-c", "/dev/null", "--rootdir", str(root)]
    command += ["-p", "no:cacheprovider", "--nbval", str(notebooks)]
    return subprocess.run(command, capture_output=True, text=True, cwd=root, env=env, timeout=900)


@pytest.mark.slow
def test_stock_nbval_passes_on_the_stored_notebooks():
    """Issue 10's acceptance: ``pytest -c /dev/null --nbval notebooks/`` from the repo root passes."""
    proc = _stock_nbval(PROJECT, Path("notebooks"))
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    code_cells = sum(c.cell_type == "code" for p in NOTEBOOKS for c in read(p).cells)
    assert re.search(rf"\b{code_cells} passed", proc.stdout), proc.stdout[-2000:]


@pytest.mark.slow
def test_stock_nbval_fails_on_a_tampered_output(tmp_path):
    """The same command on a copy whose stored output says 36,262 households (36,261 is the
    official figure) fails on exactly that cell."""
    copies = tmp_path / "notebooks"
    copies.mkdir()
    for path in NOTEBOOKS:
        shutil.copy(path, copies / path.name)
    overview = copies / "overview.ipynb"
    text = overview.read_text(encoding="utf-8")
    assert text.count("36,261 households") >= 1
    overview.write_text(text.replace("36,261 households", "36,262 households"), encoding="utf-8")
    proc = _stock_nbval(tmp_path, Path("notebooks"))
    assert proc.returncode == 1, proc.stdout[-3000:]
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, re.M)
    assert len(failed) == 1 and failed[0].startswith("notebooks/overview.ipynb::Cell"), proc.stdout[-3000:]
    assert "36,262" in proc.stdout


@pytest.mark.slow
def test_a_chart_returned_by_a_cell_renders_as_png_in_a_fresh_kernel():
    """In a fresh python3 kernel, a Figure as a cell's last expression
    shows as a picture (image/png), not as ``<Figure size …>`` text."""
    import nbclient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import linyi_analysis as la\nfrom linyi_analysis import plots, tables"),
        nbformat.v4.new_code_cell("plots.plot_overview(la.load_plan())"),
    ]
    env_dir = PROJECT
    nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": env_dir}}
    ).execute()
    outputs = nb.cells[1].outputs
    bundles = [o.get("data", {}) for o in outputs if o.output_type in ("execute_result", "display_data")]
    assert any("image/png" in b for b in bundles), outputs
    png = next(b["image/png"] for b in bundles if "image/png" in b)
    import base64

    assert base64.b64decode(png).startswith(b"\x89PNG")


# Columns of the stored tables that show figures, and how tables writes a figure (every digit).
FIGURE_COLUMNS = ("Target", "Value", "Share", "Plan", "Official", "Difference")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})*(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?")


class _Tables(HTMLParser):
    """The cells of every HTML table, by column header."""

    def __init__(self):
        super().__init__()
        self.rows, self.header, self.row, self.cell, self.in_head = [], [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self.in_head, self.header = True, []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.in_head:
                if not self.header:  # the column names; a second row holds the index's name
                    self.header = self.row
            else:
                self.rows.append(dict(zip(self.header, self.row, strict=False)))
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _shown_figures() -> list[tuple[str, str, str]]:
    """(notebook, column, number as written) for every figure in a figure column of a stored table."""
    found = []
    for path in NOTEBOOKS:
        for cell in read(path).cells:
            for out in cell.get("outputs", []):
                html = out.get("data", {}).get("text/html")
                if not html:
                    continue
                parser = _Tables()
                parser.feed(html)
                for row in parser.rows:
                    for column in FIGURE_COLUMNS:
                        for number in _NUMBER.findall(row.get(column, "")):
                            found.append((path.name, column, number))
    return found


def test_every_figure_a_notebook_shows_is_in_the_data():
    """Each number in the stored tables' figure columns is a value of targets, evidence or
    derived_ratios, written as the tables write it: no figure is invented or drifts."""
    from linyi_analysis import tables

    plan = la.load_plan()
    t, e, r = plan.targets, plan.evidence, la.derived_ratios(plan)
    values = [*t["value"], *t["value_min"], *t["value_max"], *t["baseline"], *e["value"]]
    allowed = {n for v in values if not pd.isna(v) for n in _NUMBER.findall(tables.number(abs(float(v))))}
    # Derived figures are shown to 0.1, as their calculations round them (a percentage as 77.0).
    allowed |= {tables.number(round(abs(float(v)), 1)) for v in r["value"] if not pd.isna(v)}
    allowed |= {f"{abs(float(v)):.1f}" for v in r["value"] if not pd.isna(v)}
    shown = _shown_figures()
    assert len(shown) > 50 and {c for _, c, _ in shown} == set(FIGURE_COLUMNS)
    strays = [s for s in shown if s[2] not in allowed]
    assert strays == []


def test_the_discrepancy_difference_is_a_derived_ratio():
    r = la.derived_ratios(la.load_plan())
    assert 1200 in set(r["value"].astype(float))  # 2,000 beds (lead paragraph) − 800 (body), by hand


def test_the_figure_check_can_fail():
    from linyi_analysis import tables

    parser = _Tables()
    parser.feed(
        "<table><thead><tr><th></th><th>Plan</th></tr></thead><tbody><tr><th>x</th><td>36,262 households</td></tr></tbody></table>"
    )
    assert parser.rows == [{"": "x", "Plan": "36,262 households"}]
    assert _NUMBER.findall(parser.rows[0]["Plan"]) == ["36,262"]
    assert tables.number(36261) != "36,262"


def test_make_test_collects_the_notebooks():
    """`make test` runs plain `pytest`: its configuration collects every notebook cell, strictly."""
    options = _project_pytest_options()
    assert "--nbval " in options + " " and "--nbval-lax" not in options
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "notebooks"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cells = re.findall(r"^notebooks/(\w+)\.ipynb::Cell \d+$", proc.stdout, re.M)
    code_cells = sum(c.cell_type == "code" for p in NOTEBOOKS for c in read(p).cells)
    assert sorted(set(cells)) == ["action_report", "explore", "overview"] and len(cells) == code_cells
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t\$\(PY\) -m pytest\b", makefile, re.M)
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in config["testpaths"]


def test_report_modules_keep_the_import_light():
    """The notebooks' first cell imports tables and parameters: no heavy library at import."""
    code = (
        "import sys, linyi_analysis, linyi_analysis.tables, linyi_analysis.report,"
        " linyi_analysis.parameters, linyi_analysis.report.notebooks;"
        "heavy = ('matplotlib', 'seaborn', 'papermill', 'nbformat', 'nbconvert', 'nbclient');"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lab_and_the_kernel_are_this_environment():
    """`make lab` starts the project's JupyterLab on notebooks/; its python3 kernel (the one the
    notebooks name, and papermill and nbval start) runs this interpreter, which has the package."""
    from jupyter_client.manager import KernelManager

    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^lab:.*\n\t\$\(VENV\)/bin/jupyter lab notebooks/?$", makefile, re.M)
    km = KernelManager(kernel_name=read(NOTEBOOKS[0]).metadata.kernelspec.name)
    cmd = km.format_kernel_cmd()
    assert cmd[0] == sys.executable and "ipykernel_launcher" in cmd
