"""The notebooks as stored: clean, thin, parameterised for papermill, checked strictly by nbval."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from conftest import PROJECT

from linyi_analysis.report import stored
from linyi_analysis.report.parameters import report_actions

NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))
BIN = Path(sys.executable).parent


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_both_notebooks_exist_and_ship_with_the_package():
    from linyi_analysis.report.notebooks import ACTION_REPORT, OVERVIEW, notebook_dir

    assert [p.name for p in NOTEBOOKS] == sorted([ACTION_REPORT, OVERVIEW])
    assert {p.name for p in notebook_dir().glob("*.ipynb")} == {ACTION_REPORT, OVERVIEW}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path):
    nb = read(path)
    assert stored.problems(nb) == [], "run: make notebooks"
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is None for c in code)
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
    assert params["action"]["help"] == "one of: " + ", ".join(report_actions())
    assert "directory" in params["figures_dir"]["help"] and params["figures_dir"]["default"] == '""'


def test_overview_parameters_are_annotated_with_help():
    params = _parameters(PROJECT / "notebooks" / "overview.ipynb")
    assert set(params) == {"figures_dir"} and params["figures_dir"]["help"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_cell_after_parameters_checks_them(path):
    nb = read(path)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    after = next(c for c in nb.cells[at + 1 :] if c.cell_type == "code")
    assert "figures_dir = check_figures_dir(figures_dir)" in after.source
    if "action" in nb.cells[at].source:
        assert "action = check_action(action)" in after.source


@pytest.mark.slow
def test_unknown_action_through_papermill_fails_at_the_check(tmp_path):
    out = tmp_path / "out.ipynb"
    notebook = PROJECT / "notebooks" / "action_report.ipynb"
    proc = subprocess.run(
        [BIN / "papermill", notebook, out, "-p", "action", "schools", "--no-progress-bar", "--cwd", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    valid = ", ".join(report_actions())
    assert f"ParameterError: unknown action 'schools'; valid ids: {valid}" in proc.stderr
    failed = [c for c in read(out).cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "check_action(action)" in failed[0].source


def _project_pytest_options() -> str:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    return config["addopts"]


@pytest.mark.slow
def test_nbval_compares_every_stored_output(tmp_path):
    """With the project's pytest options, a notebook whose stored output differs from a fresh run
    fails; the notebook as stored passes."""
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    tampered = tmp_path / "action_report.ipynb"
    text = tampered.read_text()
    assert text.count("≥ 2,900 people") >= 1
    tampered.write_text(text.replace("≥ 2,900 people", "≥ 2,901 people"))
    (tmp_path / "pytest.ini").write_text(f"[pytest]\naddopts = {_project_pytest_options()}\n")
    env = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", tmp_path],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stdout
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, re.M)
    assert len(failed) == 1 and failed[0].startswith("action_report.ipynb::Cell"), proc.stdout
    assert "Cell outputs differ" in proc.stdout and "2,901" in proc.stdout
    assert re.search(r"1 failed, \d+ passed", proc.stdout)


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
    assert sorted(set(cells)) == ["action_report", "overview"] and len(cells) == code_cells
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t\$\(PY\) -m pytest\b", makefile, re.M)
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in config["testpaths"]


def test_report_modules_keep_the_import_light():
    """The notebooks' first cell imports display and report.parameters: no heavy library at import."""
    code = (
        "import sys, linyi_analysis, linyi_analysis.display, linyi_analysis.report,"
        " linyi_analysis.report.parameters, linyi_analysis.report.notebooks;"
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
