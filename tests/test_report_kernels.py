"""Kernels through `linyi-report` (issue 9): one that dies before its first cell is started again
once, and the run says so; one that needs more memory than its limit fails with one clear line and
nothing is published; progress on a terminal is a tqdm bar with the finished notebooks above it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from report_site import COMMAND, leftovers, report_env, run_report, site_problems, tree_hashes
from test_report_faults import notebooks_with, processes_left

pytestmark = pytest.mark.slow

MEDICAL_SITE = {"index.html", "figures"} | {
    f"{n}.{x}" for n in ("overview", "medical") for x in ("html", "ipynb")
}

#: A kernel launcher that dies at once (before connecting) while ``deaths`` is above zero,
#: counting down in a file; then starts the real kernel.
LAUNCHER = """
import os, sys
count = sys.argv[1]
left = int(open(count).read())
if left > 0:
    open(count, "w").write(str(left - 1))
    os._exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[2:]])
"""


@pytest.fixture
def run_env(tmp_path):
    private = tmp_path / "run-tmp"
    private.mkdir()
    marker = uuid.uuid4().hex
    yield {"TMPDIR": str(private), "LINYI_TEST_RUN": marker}
    assert processes_left(marker) == [], "no worker or kernel of the run is left"


def dying_kernel(tmp_path: Path, deaths: int) -> dict:
    """Environment whose ``python3`` kernel dies at start ``deaths`` times, then works (found first
    through JUPYTER_PATH, as a user's own kernelspec would be)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    launcher, count = tmp_path / "launcher.py", tmp_path / "deaths"
    launcher.write_text(LAUNCHER)
    count.write_text(str(deaths))
    argv = [sys.executable, str(launcher), str(count), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "P", "language": "python"}))
    return {"JUPYTER_PATH": str(tmp_path / "jupyter")}


def test_a_kernel_that_dies_before_its_first_cell_is_started_again_once(reference_site, tmp_path, run_env):
    reports, _ = reference_site.copy_to(tmp_path)
    env = {**run_env, **dying_kernel(tmp_path, deaths=1)}
    proc = run_report(
        "--output", reports, "--action", "medical", "--jobs", "1", cwd=tmp_path, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "deaths").read_text() == "0", "the first kernel did die"
    said = [line for line in proc.stderr.splitlines() if "died" in line]
    assert said == ["overview: the kernel died before its first cell; started it again (once)"], proc.stderr
    assert {p.name for p in reports.iterdir()} == MEDICAL_SITE and site_problems(reports) == []
    assert leftovers(tmp_path) == [] and list(Path(run_env["TMPDIR"]).iterdir()) == []


def test_a_kernel_that_dies_at_start_twice_fails_the_notebook(reference_site, tmp_path, run_env):
    reports, _ = reference_site.copy_to(tmp_path)
    before = tree_hashes(reports)
    env = {**run_env, **dying_kernel(tmp_path, deaths=2)}
    proc = run_report(
        "--output", reports, "--action", "medical", "--jobs", "1", cwd=tmp_path, env=env, timeout=300
    )
    assert proc.returncode == 1, proc.stderr
    assert "  - overview.ipynb failed: the kernel died before its first cell, twice (" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_hashes(reports) == before
    assert leftovers(tmp_path) == [] and list(Path(run_env["TMPDIR"]).iterdir()) == []


def test_a_notebook_that_needs_more_memory_than_its_limit_fails_clearly(reference_site, tmp_path, run_env):
    code = "block = bytearray(3 * 2**30)"
    notebooks, cell = notebooks_with(tmp_path, code, plain_overview=True)
    reports, figures = reference_site.copy_to(tmp_path)
    before = tree_hashes(reports), tree_hashes(figures)
    proc = run_report(
        "--output", reports, "--figures", figures, "--action", "medical", "--notebooks", notebooks,
        "--kernel-memory", "2G", cwd=tmp_path, env=run_env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    expected = (
        f"  - action_report.ipynb (action='medical') failed in cell {cell} ({code!r}): "
        "ran out of memory (limit 2 GB, --kernel-memory)\n"
    )
    assert expected in proc.stderr
    assert proc.stderr.count("  - ") == 1 and "Traceback" not in proc.stderr
    assert (tree_hashes(reports), tree_hashes(figures)) == before, "nothing published"
    assert leftovers(tmp_path) == []


def test_the_memory_limit_comes_from_the_environment_too(reference_site, tmp_path, run_env):
    code = "block = bytearray(3 * 2**30)"
    notebooks, _ = notebooks_with(tmp_path, code, plain_overview=True)
    proc = run_report(
        "--output", tmp_path / "out", "--action", "medical", "--notebooks", notebooks,
        cwd=tmp_path, env={**run_env, "LINYI_KERNEL_MEMORY": "2G"}, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1 and "ran out of memory (limit 2 GB, --kernel-memory)" in proc.stderr
    # and 0 is no limit: the same cell runs
    proc = run_report(
        "--output", tmp_path / "out", "--action", "medical", "--notebooks", notebooks, "--no-html",
        "--kernel-memory", "0", cwd=tmp_path, env={**run_env, "LINYI_KERNEL_MEMORY": "2G"}, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_progress_on_a_terminal_is_a_bar_with_the_finished_lines(tmp_path, run_env):
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen(
        [*COMMAND, "--output", str(tmp_path / "out"), "--action", "medical", "--no-html", "--force"],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        cwd=tmp_path,
        env=report_env(run_env),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the run ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    os.close(leader)
    shown = b"".join(chunks).decode()
    assert "running 2 notebooks" in shown
    assert "[1/2] " in shown and "[2/2] " in shown, "the finished notebooks are listed"
    assert re.search(r"100%\|.*\| 2/2 \[[^\]]*notebook", shown), f"a tqdm bar: {shown!r}"
