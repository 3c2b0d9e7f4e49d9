"""The project's set-up: data package, CI, install from a wheel (dependency lists and docs:
test_docs.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, set_cell


def test_csvs_validate_against_datapackage():
    import frictionless  # a declared test dependency: missing means broken, not skipped

    report = frictionless.validate(PROJECT / "data" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {t.name for t in report.tasks} >= {"actions", "measures", "targets", "units", "non_targets"}


def test_datapackage_check_can_fail(data_copy):
    import frictionless

    set_cell(data_copy, "targets", "urb_pocket_parks", "unit", "gardens")
    report = frictionless.validate(data_copy / "datapackage.json")
    assert not report.valid
    assert "gardens" in str(report.flatten(["note"]))


def test_ci_runs_the_tests():
    # a command line of the CI script, not a comment or an echo, runs the test suite
    lines = [ln.strip() for ln in (PROJECT / ".ci" / "run").read_text().splitlines()]
    assert any(re.match(r"^(exec\s+)?make test\b", ln) for ln in lines), lines


@pytest.mark.slow
def test_non_editable_install_loads_from_anywhere(tmp_path):
    """`pip install .` into a fresh venv, then load the data from an unrelated directory."""
    src = tmp_path / "src"
    src.mkdir()
    for item in ["pyproject.toml", "README.md", "linyi_analysis", "data", "notebooks"]:
        copy = shutil.copytree if (PROJECT / item).is_dir() else shutil.copy2
        kwargs = (
            {"symlinks": True, "ignore": shutil.ignore_patterns("__pycache__")}
            if copy is shutil.copytree
            else {}
        )
        copy(PROJECT / item, src / item, **kwargs)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    # The dependencies come from this environment; the package itself only from the wheel.
    outer = [p for p in sys.path if p.endswith("site-packages")]
    (site / "outer-deps.pth").write_text("\n".join(outer) + "\n")
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(src)], check=True)
    shutil.rmtree(src)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import linyi_analysis as la, linyi_analysis.resources as r;"
        "print(la.__file__); print(r.data_dir()); print(len(la.load_targets()), len(la.load_measures()))"
    )
    out = subprocess.run([py, "-c", code], cwd=elsewhere, capture_output=True, text=True, check=True)
    module, data, counts = out.stdout.splitlines()
    assert Path(module).is_relative_to(site) and Path(data).is_relative_to(site)
    import linyi_analysis as la

    assert counts == f"{len(la.load_targets())} {len(la.load_measures())}"

    # The notebooks ship too: linyi-report runs them from the installed package, anywhere.
    code = "from linyi_analysis.report.notebooks import notebook_dir as d; print(sorted(p.name for p in d().iterdir()))"
    out = subprocess.run([py, "-c", code], cwd=elsewhere, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['action_report.ipynb', 'explore.ipynb', 'overview.ipynb']"
    # (nbconvert's templates are data files of the environment that has nbconvert: this one)
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    env.pop("LINYI_DATA_DIR", None)
    run = subprocess.run(
        [venv / "bin" / "linyi-report", "--action", "medical", "--quiet", "--output", "out"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    built = sorted(p.name for p in (elsewhere / "out").iterdir())
    assert built == [
        ".linyi-report.json",
        "data",
        "explore.html",
        "explore.ipynb",
        "figures",
        "index.html",
        "medical.html",
        "medical.ipynb",
        "overview.html",
        "overview.ipynb",
    ]
