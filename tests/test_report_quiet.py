"""``--quiet`` (cron): nothing on success, one line per failed notebook on stderr; a kernel's own
stderr never reaches the terminal. (Usage errors in one line: tests/test_report_site.py.)"""

from __future__ import annotations

import nbformat
import pytest
from report_site import plain_overview, run_report

pytestmark = pytest.mark.slow


def test_a_kernels_own_stderr_never_reaches_the_terminal(tmp_path, run_env):
    """A cell writes to the kernel process's file descriptor 2 (as ipykernel's logger, a kernel's
    start-up traceback, or one whose machinery ran out of memory after a failed cell do): under
    --quiet a successful run prints nothing at all, and without it only the run's own lines."""
    notebooks = plain_overview(tmp_path / "notebooks")
    nb = nbformat.read(notebooks / "action_report.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os\nos.write(2, b'KERNEL-STDERR-LINE\\n')"))
    nbformat.write(nb, notebooks / "action_report.ipynb")
    # The user's IPython profile turns tables off: the kernels run with an empty profile of their own.
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-tables-off.py").write_text(
        "get_ipython().display_formatter.formatters['text/html'].enabled = False\n"
    )
    env = {**run_env, "IPYTHONDIR": str(tmp_path / "ipython")}
    args = ["--action", "medical", "--no-html", "--output", tmp_path / "S", "--notebooks", notebooks]
    proc = run_report("--quiet", *args, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")
    # the cell did run (the test would catch a kernel that never wrote): it has its execution count
    executed = nbformat.read(tmp_path / "S" / "medical.ipynb", as_version=4)
    cell = next(c for c in executed.cells if "KERNEL-STDERR-LINE" in c.source)
    assert cell.execution_count is not None
    tables = [o for c in executed.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert len(tables) >= 7, "the user's profile did not reach the kernel: every table is there"
    loud = run_report(
        "--action",
        "medical",
        "--no-html",
        "--output",
        tmp_path / "S2",
        "--notebooks",
        notebooks,
        cwd=tmp_path,
        env=run_env,
    )
    assert loud.returncode == 0, loud.stderr
    assert "KERNEL-STDERR-LINE" not in loud.stderr and loud.stderr.startswith("running 3 notebooks"), (
        loud.stderr
    )


def test_quiet_prints_one_line_per_failed_notebook(tmp_path, run_env):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("overview.ipynb", "explore.ipynb", "action_report.ipynb"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')")]
        nbformat.write(nb, notebooks / name)
    site = tmp_path / "site"
    args = ["--quiet", "--output", site, "--action", "medical", "--notebooks", notebooks]
    done = run_report(*args, cwd=tmp_path, env=run_env)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert sorted(line.split()[2] for line in lines) == [
        "action_report.ipynb",
        "explore.ipynb",
        "overview.ipynb",
    ]
    assert all("RuntimeError: broken on purpose" in line for line in lines)
    assert not site.exists()
