"""Faults during a real `linyi-report` run: killed (SIGINT, SIGKILL), two at once, a kernel that
dies or hangs. Each starts from the output of an earlier, complete run and proves it is never lost.

Kill points are drawn at random from a seed (``LINYI_FAULT_SEED``, default below; the seed and
the point are in each test's id, so a failure can be replayed): a point is an event of the run's
progress (process started; notebooks running, the lock held; the first notebook done) and a
random delay after it. The delay is the randomness of the point, not a wait for something.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import PROJECT, set_cell
from report_site import (
    data_sha256,
    leftovers,
    plain_overview,
    read_until,
    report_env,
    run_report,
    site_digest,
    site_problems,
    start_report,
    tree_hashes,
)

from linyi_analysis.resources import data_dir as shipped_data

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("LINYI_FAULT_SEED", "2022"))
#: The killed runs build the overview and these actions, two notebooks at a time.
ACTIONS = ["medical", "rural"]
SITE_FILES = {"index.html", "figures", "data", ".linyi-report.json"} | {
    f"{n}.{x}" for n in ["overview", "explore", *ACTIONS] for x in ("html", "ipynb")
}
MEDICAL_SITE = {"index.html", "figures", "data", ".linyi-report.json"} | {
    f"{n}.{x}" for n in ("overview", "explore", "medical") for x in ("html", "ipynb")
}


@dataclass(frozen=True)
class KillPoint:
    """Send ``signum`` ``delay`` seconds after the run reached ``after``."""

    signum: signal.Signals
    after: str  # one of EVENTS
    delay: float

    def __str__(self) -> str:
        return f"{self.signum.name}-after-{self.after}+{self.delay:.2f}s-seed{SEED}"


#: Events of a run a kill point may follow: the process started; "running 4 notebooks" (the lock
#: held, kernels starting); "medical (2.1 s)" (the first notebook done, the others running).
EVENTS = {"start": None, "running": r"^running 4 notebooks", "first-done": r"^\w+ \(\d+\.\d s\)"}


#: Seconds after the process starts before the command handles signals itself: Python's start-up
#: and the import of pandas are Python's own (README, "Reliability").
START_UP = 1.5


def kill_points(seed: int) -> list[KillPoint]:
    """One point for each signal, after an event drawn at random, with a delay."""
    rng = random.Random(seed)
    points = []
    for signum in (signal.SIGINT, signal.SIGKILL):
        after = rng.choice(sorted(EVENTS))
        points.append(KillPoint(signum, after, round(rng.uniform(0, 1.5) + START_UP * (after == "start"), 2)))
    return points


KILL_POINTS = kill_points(SEED)


def marked_processes(marker: str) -> list[int]:
    """Processes (a run, its workers, their kernels) whose environment holds ``LINYI_TEST_RUN=marker``."""
    needle = f"LINYI_TEST_RUN={marker}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return found


def processes_left(marker: str, patience: float = 20.0) -> list[int]:
    """The marked processes still there once they have had ``patience`` seconds to exit (a kernel
    whose worker has gone notices it within a second or so, and exits)."""
    deadline = time.monotonic() + patience
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling for the processes to exit
    return left


@pytest.fixture
def run_env(tmp_path):
    """An environment that marks the processes of a run and gives them a private temporary directory;
    whatever of them is left at the end is killed (the test has failed by then)."""
    marker = uuid.uuid4().hex
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    yield {"LINYI_TEST_RUN": marker, "TMPDIR": str(private_tmp)}
    for pid in marked_processes(marker):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def earlier_run(reference_site, tmp_path):
    """reports/ and figures/ of an earlier, complete run, and their fingerprints."""
    reports, figures = reference_site.copy_to(tmp_path)
    return reports, figures, tree_hashes(reports), tree_hashes(figures)


@pytest.fixture
def edited_data(tmp_path) -> Path:
    """Valid data that differs from the shipped data: a site made from it can be told apart."""
    edited = tmp_path / "edited-data"
    shutil.copytree(shipped_data(), edited)
    set_cell(edited, "targets", "med_key_specialties", "indicator", "Clinical specialties (edited)")
    return edited


def assert_complete_site(reports: Path, data_dir: Path, files: set[str] = SITE_FILES) -> None:
    assert {p.name for p in reports.iterdir()} == files
    assert site_problems(reports, data_dir) == []
    assert site_digest(reports) == data_sha256(data_dir), "the site is not made from this run's data"


# --- killed at a random point ------------------------------------------------------------------


@pytest.mark.parametrize("point", KILL_POINTS, ids=str)
def test_a_killed_run_loses_nothing_and_leaves_nothing(point, earlier_run, edited_data, run_env, tmp_path):
    reports, figures, reports_before, figures_before = earlier_run
    actions = [a for action in ACTIONS for a in ("--action", action)]
    notebooks = ["--notebooks", plain_overview(tmp_path / "notebooks")]
    args = [
        "--output",
        reports,
        "--figures",
        figures,
        "--data-dir",
        edited_data,
        "--jobs",
        "2",
        *actions,
        *notebooks,
    ]
    proc = start_report(*args, cwd=tmp_path, env=run_env)
    if EVENTS[point.after]:
        read_until(proc.stderr, EVENTS[point.after])
    time.sleep(point.delay)  # the random part of the kill point
    if point.signum == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: to the run and its workers
    else:
        proc.send_signal(signal.SIGKILL)  # the run only, as `kill -9` or the OOM killer: workers orphaned
    _, rest = proc.communicate(timeout=120)  # (a worker left running would hold its stderr open)
    assert proc.returncode != 0, (
        f"the run ended before {point}: the kill points are too late for this machine\n{rest}"
    )

    # Right after the kill: the earlier site, untouched, or (killed once it was swapped in) the new one, whole.
    published = tree_hashes(reports) != reports_before
    if published:
        assert_complete_site(reports, edited_data)
        new_charts = tree_hashes(reports / "figures")
        for name, digest in tree_hashes(figures).items():  # each chart file is whole: old or new
            assert digest in (figures_before.get(name), new_charts.get(name)), name
    else:
        assert tree_hashes(figures) == figures_before

    if point.signum == signal.SIGINT and proc.returncode == -signal.SIGINT:
        # Python ended by the signal itself (a shell's $? is 130 all the same): while it was still
        # starting (importing pandas, a KeyboardInterrupt traceback), or, seen twice in some 150
        # runs, right after the run had said "interrupted; … is unchanged" (cause not found).
        # Either way nothing was published.
        assert not published, rest
        assert "KeyboardInterrupt" in rest or f"interrupted; {reports} and {figures} are unchanged" in rest, (
            rest
        )
    elif point.signum == signal.SIGINT:  # the run cleans up after itself, and says what it left
        assert proc.returncode == 130, rest
        said = "interrupted once the new site was in place" if published else "interrupted; "
        assert f"linyi-report: {said}" in rest
        assert published or f"{reports} and {figures} are unchanged" in rest
    else:  # killed outright: the next run cleans up (it waits for the dying workers' lock first)
        assert proc.returncode == -signal.SIGKILL
        after = run_report(
            "--output",
            reports,
            "--action",
            "medical",
            "--no-html",
            "--quiet",
            *notebooks,
            env=run_env,
            timeout=120,
        )
        assert after.returncode == 0, after.stderr
        assert {p.name for p in reports.iterdir()} == {
            "overview.ipynb",
            "explore.ipynb",
            "medical.ipynb",
            "figures",
            "data",
            ".linyi-report.json",
        }
    assert leftovers(tmp_path) == [], "no build directory, old tree or lock beside the output"
    assert list(Path(run_env["TMPDIR"]).iterdir()) == [], "no temporary file or directory of the run"
    assert processes_left(run_env["LINYI_TEST_RUN"]) == [], "no worker or kernel of the run is left"


#: The run, with the signal named by argv[1] (SIGINT, SIGTERM) coming as it forks its first worker:
#: Python runs the handler in an at-fork callback, as it does for a signal that arrives during
#: the fork() system call (the first Python code after it is logging's at-fork callback).
SIGNAL_AT_FORK = """
import os, signal, sys
from linyi_analysis.report.cli import main
forks = []
signum = signal.Signals[sys.argv[1]]
def signal_at_first_fork():
    if not forks:
        forks.append(1)
        signal.raise_signal(signum)
os.register_at_fork(after_in_parent=signal_at_first_fork)
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_while_the_workers_are_forked_stops_the_run(
    signum, earlier_run, edited_data, run_env, tmp_path
):
    """Why SIGINT-after-running+0.47s exited 0 now and then: a KeyboardInterrupt raised in an
    at-fork callback is printed as "Exception ignored" and lost, and the run went on to publish."""
    reports, figures, reports_before, figures_before = earlier_run
    actions = [a for action in ACTIONS for a in ("--action", action)]
    args = ["--output", reports, "--figures", figures, "--data-dir", edited_data, "--jobs", "2", *actions]
    proc = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT_FORK, signum.name, "--force", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=report_env(run_env),
        timeout=300,
    )
    assert proc.returncode == 128 + signum, proc.stderr
    assert f"linyi-report: interrupted; {reports} and {figures} are unchanged" in proc.stderr
    assert "Exception ignored" not in proc.stderr
    assert tree_hashes(reports) == reports_before and tree_hashes(figures) == figures_before
    assert leftovers(tmp_path) == []
    assert list(Path(run_env["TMPDIR"]).iterdir()) == []
    assert processes_left(run_env["LINYI_TEST_RUN"]) == [], "no worker or kernel of the run is left"


def test_kill_points_are_reproducible_from_the_seed():
    assert kill_points(SEED) == KILL_POINTS
    assert {p.signum for p in KILL_POINTS} == {signal.SIGINT, signal.SIGKILL}


# --- two runs at once ------------------------------------------------------------------------


def test_two_runs_started_together_take_turns(earlier_run, edited_data, tmp_path, run_env):
    """Both runs meet the lock at the same moment (the test holds it while they start, then lets
    go): both finish, one after the other, and the site is wholly one run's."""
    from linyi_analysis.report.site import locked

    reports, _, reports_before, _ = earlier_run
    args = ["--output", reports, "--action", "medical", "--notebooks", plain_overview(tmp_path / "notebooks")]
    with locked([reports.resolve()]):
        one = start_report(*args, cwd=tmp_path, env=run_env)  # the shipped data
        two = start_report(*args, "--data-dir", edited_data, cwd=tmp_path, env=run_env)
        for proc in (one, two):
            read_until(proc.stderr, r"waiting for another linyi-report run on the same output")
        assert tree_hashes(reports) == reports_before
    outcomes = [proc.communicate(timeout=300) for proc in (one, two)]
    assert [one.returncode, two.returncode] == [0, 0], [err for _, err in outcomes]
    assert all("published 3 reports to" in out for out, _ in outcomes)
    assert {p.name for p in reports.iterdir()} == MEDICAL_SITE
    assert site_problems(reports) == [], "pages, notebooks and charts all from one run"
    assert site_digest(reports) in (data_sha256(shipped_data()), data_sha256(edited_data))
    assert data_sha256(shipped_data()) != data_sha256(edited_data)
    assert leftovers(tmp_path) == []


# --- a kernel that dies or hangs -------------------------------------------------------------


def notebooks_with(tmp_path: Path, code: str, *, plain_overview: bool) -> tuple[Path, int]:
    """Copies of the notebooks with ``code`` added to action_report.ipynb as the first cell after
    the parameters; return the directory and the new cell's number in the file. ``plain_overview``:
    an overview of its parameters only (no cell of it can come near a short timeout)."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(PROJECT / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "action_report.ipynb", as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(params + 1, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, notebooks / "action_report.ipynb")
    if plain_overview:
        overview = nbformat.v4.new_notebook(metadata={"kernelspec": nb.metadata.kernelspec})
        overview.cells = [
            nbformat.v4.new_code_cell('figures_dir: str = ""', metadata={"tags": ["parameters"]})
        ]
        nbformat.write(overview, notebooks / "overview.ipynb")
        overview.cells = [nbformat.v4.new_markdown_cell("The tour, in short.")]
        nbformat.write(overview, notebooks / "explore.ipynb")
    return notebooks, params + 2


@pytest.mark.parametrize(
    ("code", "timeout", "error"),
    [
        ("import os\nos._exit(1)", 600, "the kernel died (it exited, crashed or ran out of memory)"),
        (
            "import time\ntime.sleep(3600)",
            3,
            "a cell ran longer than the timeout (3 s, --timeout); its kernel was stopped",
        ),
    ],
    ids=["dies", "hangs"],
)
def test_a_kernel_that_dies_or_hangs_is_a_clear_error(code, timeout, error, earlier_run, tmp_path, run_env):
    notebooks, _ = notebooks_with(tmp_path, code, plain_overview=timeout < 600)
    reports, figures, reports_before, figures_before = earlier_run
    proc = run_report(
        "--output",
        reports,
        "--figures",
        figures,
        "--action",
        "medical",
        "--notebooks",
        notebooks,
        "--timeout",
        timeout,
        cwd=tmp_path,
        env=run_env,
        timeout=300,
    )
    assert proc.returncode == 1
    expected = f"  - action_report.ipynb (action='medical') failed: {error}\n"
    assert expected in proc.stderr
    assert proc.stderr.count("  - ") == 1, "only that notebook failed"
    assert "Traceback" not in proc.stderr and "Kernel died" not in proc.stderr, "one clear message"
    assert tree_hashes(reports) == reports_before and tree_hashes(figures) == figures_before
    assert leftovers(tmp_path) == []
    assert processes_left(run_env["LINYI_TEST_RUN"]) == [], "the kernel is stopped, not left running"
