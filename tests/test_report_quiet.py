"""``--quiet`` (cron): nothing on success, one line per failure on stderr; a kernel's own stderr
never reaches the terminal; usage errors are one line; ``--kernel-memory`` refuses a limit no
kernel can start under."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import PROJECT
from report_site import run_report, tree_hashes

pytestmark = pytest.mark.slow


def test_a_kernels_own_stderr_never_reaches_the_terminal(tmp_path, run_env):
    """A cell writes to the kernel process's file descriptor 2 (as ipykernel's logger, a kernel's
    start-up traceback, or one whose machinery ran out of memory after a failed cell do): under
    --quiet a successful run prints nothing at all, and without it only the run's own lines."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(PROJECT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".*"))
    nb = nbformat.read(notebooks / "action_report.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os\nos.write(2, b'KERNEL-STDERR-LINE\\n')"))
    nbformat.write(nb, notebooks / "action_report.ipynb")
    proc = run_report(
        "--quiet",
        "--action",
        "medical",
        "--no-html",
        "--output",
        tmp_path / "S",
        "--notebooks",
        notebooks,
        cwd=tmp_path,
        env=run_env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")
    # the cell did run (the test would catch a kernel that never wrote): it has its execution count
    executed = nbformat.read(tmp_path / "S" / "medical.ipynb", as_version=4)
    cell = next(c for c in executed.cells if "KERNEL-STDERR-LINE" in c.source)
    assert cell.execution_count is not None
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
    assert "KERNEL-STDERR-LINE" not in loud.stderr and loud.stderr.startswith("running 2 notebooks"), (
        loud.stderr
    )


@pytest.mark.parametrize(
    "args", [["--timeout", "0"], ["--action"], ["--no-such-option"], ["--kernel-memory", "lots"]]
)
def test_a_usage_error_under_quiet_is_one_line(args, tmp_path, run_env):
    before = tree_hashes(tmp_path)
    proc = run_report("--quiet", "--output", tmp_path / "S", *args, cwd=tmp_path, env=run_env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("linyi-report: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "usage:" not in proc.stderr and proc.stdout == ""
    assert tree_hashes(tmp_path) == before


def test_without_quiet_a_usage_error_keeps_the_usage_block(tmp_path, run_env):
    proc = run_report("--output", tmp_path / "S", "--timeout", "0", cwd=tmp_path, env=run_env, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: linyi-report")


@pytest.mark.parametrize("value", ["200M", "1000M", "64M"])
def test_a_kernel_memory_too_small_to_start_a_kernel_is_refused(value, tmp_path, run_env):
    """About 0.95 GB of address space is taken once a kernel has made its imports: below 1G every
    kernel would fail with a traceback; refused before anything runs (here under --quiet)."""
    before = tree_hashes(tmp_path)
    proc = run_report(
        "--quiet",
        "--action",
        "medical",
        "--output",
        tmp_path / "S",
        "--kernel-memory",
        value,
        cwd=tmp_path,
        env=run_env,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "linyi-report: error: argument --kernel-memory: too small for a kernel (at least 1G: a kernel "
        f"takes about 0.95 GB of address space once its imports are done): {value!r}\n"
    )
    assert tree_hashes(tmp_path) == before
