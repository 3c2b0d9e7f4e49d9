"""Where `linyi-report` may write (issue 9): it replaces only a site it published itself, or an
empty or missing directory; it follows a symbolic link to its target; bad option values and data
files it cannot copy are refused before anything runs; the charts go in with the site or not at all.

Every case runs the command as a user does (a subprocess), hashes every file it could touch
before and after, and checks that nothing is left beside the output or in the run's TMPDIR.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, set_cell
from report_site import (
    OLDER_CHART,
    data_sha256,
    leftovers,
    run_report,
    site_digest,
    site_problems,
    tree_hashes,
)

from linyi_analysis.resources import data_dir as shipped_data

pytestmark = pytest.mark.slow

MEDICAL_SITE = {"index.html", "figures"} | {
    f"{n}.{x}" for n in ("overview", "medical") for x in ("html", "ipynb")
}


def nothing_left(tmp_path: Path, run_env: dict, *parents: Path) -> None:
    for parent in (tmp_path, *parents):
        assert leftovers(parent) == [], f"left beside the output in {parent}"
    assert list(Path(run_env["TMPDIR"]).iterdir()) == [], "temporary files of the run left"


def assert_refused(proc, why: str) -> None:
    """Exit 2, one message saying why, before any notebook started."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("linyi-report: error: "), proc.stderr
    assert why in proc.stderr, proc.stderr
    assert proc.stderr.endswith("; nothing was run\n"), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "running" not in proc.stderr, "refused before any notebook started"


# --- 1. the output rule ----------------------------------------------------------------------


@pytest.fixture
def user_files(tmp_path):
    """Directories a user cares about: data, notebooks, an unrelated folder, a project folder."""
    root = tmp_path / "user"
    shutil.copytree(shipped_data(), root / "data")
    shutil.copytree(PROJECT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".*"))
    (root / "mydocs" / "sub").mkdir(parents=True)
    (root / "mydocs" / "thesis.txt").write_text("years of work")
    (root / "mydocs" / "sub" / "notes.md").write_text("more work")
    (root / "project").mkdir()
    (root / "project" / "analysis.py").write_text("print('mine')\n")
    return root


REFUSED = {
    # name: (arguments, relative cwd, the reason the message gives)
    "output-is-the-data": (
        ["--data-dir", "data", "--output", "data"],
        ".",
        "is the data directory",
    ),
    "output-inside-the-data": (
        ["--data-dir", "data", "--output", "data/site"],
        ".",
        "lies inside the data directory",
    ),
    "data-inside-the-output": (
        ["--data-dir", "mydocs/sub", "--output", "mydocs"],
        ".",
        "contains the data directory",
    ),
    "output-is-the-notebooks": (
        ["--data-dir", "data", "--notebooks", "notebooks", "--output", "notebooks"],
        ".",
        "is the notebooks directory",
    ),
    "unrelated-folder": (
        ["--data-dir", "data", "--output", "mydocs"],
        ".",
        "holds files linyi-report did not write ('sub', 'thesis.txt')",
    ),
    "empty-output-is-the-cwd": (["--output", ""], "project", "is the current directory"),
    "dot-is-the-cwd": (["--output", "."], "project", "is the current directory"),
    "dot-in-a-checkout": (
        ["--data-dir", "data", "--notebooks", "notebooks", "--output", "."],
        ".",
        "is the current directory",
    ),
    "output-contains-the-cwd": (["--output", ".."], "project", "contains the current directory"),
    "root": (["--output", "/"], ".", "is the root of the file system"),
    "output-is-figures": (["--output", "site", "--figures", "site"], ".", "is the --output directory"),
    "figures-inside-output": (
        ["--output", "site", "--figures", "site/figures"],
        ".",
        "lies inside the --output directory",
    ),
    "figures-is-the-data": (
        ["--data-dir", "data", "--output", "site", "--figures", "data"],
        ".",
        "--figures 'data'",
    ),
    "figures-holds-other-files": (
        ["--output", "site", "--figures", "mydocs"],
        ".",
        "holds files other than charts linyi-report wrote ('sub', 'thesis.txt')",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_output_the_run_did_not_make_is_refused_and_untouched(case, user_files, tmp_path, run_env):
    args, cwd, why = REFUSED[case]
    before = tree_hashes(tmp_path)
    proc = run_report(*args, "--action", "medical", cwd=user_files / cwd, env=run_env, timeout=120)
    assert_refused(proc, why)
    assert tree_hashes(tmp_path) == before, "nothing may be touched"
    nothing_left(tmp_path, run_env, user_files, user_files / "project")


def test_a_site_with_a_file_added_by_the_user_is_refused(reference_site, tmp_path, run_env):
    reports, figures = reference_site.copy_to(tmp_path)
    (reports / "my-notes.txt").write_text("mine")
    (figures / "README").write_text("not a chart")
    before = tree_hashes(tmp_path)
    proc = run_report("--output", reports, "--action", "medical", cwd=tmp_path, env=run_env)
    assert_refused(proc, "holds files linyi-report did not write ('my-notes.txt')")
    proc = run_report("--output", tmp_path / "new", "--figures", figures, cwd=tmp_path, env=run_env)
    assert_refused(proc, "holds files other than charts linyi-report wrote ('README')")
    assert tree_hashes(tmp_path) == before
    nothing_left(tmp_path, run_env)


def test_an_empty_directory_and_an_earlier_site_are_replaced(reference_site, tmp_path, run_env):
    """The two cases a run may replace: an empty directory, and a site of an earlier version of
    this command (the reference site's pages carry the `linyi-data-sha256` meta)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_report("--output", empty, "--action", "medical", "--no-html", cwd=tmp_path, env=run_env)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in empty.iterdir()} == {"overview.ipynb", "medical.ipynb", "figures"}
    # that --no-html site is one this command made: it may be replaced again
    proc = run_report("--output", empty, "--action", "medical", cwd=tmp_path, env=run_env)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in empty.iterdir()} == MEDICAL_SITE
    nothing_left(tmp_path, run_env)


# --- 2. an output that is a symbolic link ----------------------------------------------------


def test_a_symlinked_output_is_published_into_its_target(reference_site, tmp_path, run_env):
    reports, _ = reference_site.copy_to(tmp_path)
    served = tmp_path / "www"
    served.mkdir()
    site = served / "site"
    reports.rename(site)
    link = tmp_path / "reports"
    link.symlink_to(site)
    edited = tmp_path / "edited"
    shutil.copytree(shipped_data(), edited)
    set_cell(edited, "targets", "med_key_specialties", "indicator", "Clinical specialties (edited)")

    proc = run_report(
        "--output", link, "--action", "medical", "--data-dir", edited, cwd=tmp_path, env=run_env
    )
    assert proc.returncode == 0, proc.stderr
    assert f"wrote 2 reports to {site}" in proc.stdout, "the message names where the site is"
    assert link.is_symlink() and os.readlink(link) == str(site), "the link itself is left as it was"
    assert {p.name for p in site.iterdir()} == MEDICAL_SITE
    assert site_problems(site) == [] and site_digest(site) == data_sha256(edited)
    nothing_left(tmp_path, run_env, served)


def test_the_lock_is_on_the_resolved_output(reference_site, tmp_path, run_env):
    """A run on the link and a run on its target are runs on one directory: they take turns."""
    from linyi_analysis.report.publish import Staging

    reports, _ = reference_site.copy_to(tmp_path)
    link = tmp_path / "site"
    link.symlink_to(reports)
    before = tree_hashes(reports)
    with Staging(reports):
        proc = run_report("--no-wait", "--output", link, "--action", "medical", cwd=tmp_path, env=run_env)
    assert proc.returncode == 75, proc.stderr
    assert f"another run is writing {reports}" in proc.stderr
    assert tree_hashes(reports) == before and link.is_symlink()
    nothing_left(tmp_path, run_env)


def test_a_build_symlink_left_by_an_earlier_version_is_removed(reference_site, tmp_path, run_env):
    """The earlier version left `.reports.build-XXXX -> target` behind after publishing over a link."""
    reports, _ = reference_site.copy_to(tmp_path)
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("kept")
    (tmp_path / ".reports.build-old1").symlink_to(target)
    proc = run_report("--output", reports, "--action", "medical", "--no-html", cwd=tmp_path, env=run_env)
    assert proc.returncode == 0, proc.stderr
    assert (target / "keep.txt").read_text() == "kept", "the link's target is not touched"
    nothing_left(tmp_path, run_env)


# --- 3. bad option values ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "1e-9", "inf", "nan", "abc"])
def test_a_bad_timeout_is_a_usage_error_before_anything_runs(value, reference_site, tmp_path, run_env):
    """A timeout is a whole number of seconds, at least 1 (nbclient counts whole seconds): 0 and
    -1 no longer mean "no limit", and 2.5 is refused rather than silently changed."""
    reports, _ = reference_site.copy_to(tmp_path)
    before = tree_hashes(tmp_path)
    proc = run_report("--output", reports, "--timeout", value, cwd=tmp_path, env=run_env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "argument --timeout: " in proc.stderr and repr(value) in proc.stderr
    assert "running" not in proc.stderr and "Traceback" not in proc.stderr
    assert tree_hashes(tmp_path) == before
    nothing_left(tmp_path, run_env)


@pytest.mark.parametrize("value", ["lots", "-1G", "1K"])
def test_a_bad_kernel_memory_is_a_usage_error(value, tmp_path, run_env):
    proc = run_report("--output", tmp_path / "out", "--kernel-memory", value, cwd=tmp_path, env=run_env)
    assert proc.returncode == 2 and "argument --kernel-memory: " in proc.stderr, proc.stderr
    proc = run_report(
        "--output", tmp_path / "out", cwd=tmp_path, env={**run_env, "LINYI_KERNEL_MEMORY": value}
    )
    assert proc.returncode == 2 and "$LINYI_KERNEL_MEMORY: " in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == [Path(run_env["TMPDIR"])]


# --- 4. the charts go in with the site, or neither changes -------------------------------------

#: Run `linyi-report` with every write into the --figures directory (or a directory beside it)
#: failing with ENOSPC once two chart files have been written there: a disk that fills up.
FULL_DISK = r"""
import builtins, errno, io, os, sys
from pathlib import Path
figures = Path(sys.argv[1]).resolve()
written = []

def on_figures_side(path):
    try:
        parent = Path(path).resolve().parent
    except (TypeError, ValueError):
        return False
    return parent.parent == figures.parent and parent.name.startswith((figures.name, "." + figures.name))

class Full(io.BufferedWriter):
    pass

real_open, real_fdopen = io.open, os.fdopen

def check(path, mode):
    if "w" in str(mode) or "x" in str(mode) or "a" in str(mode):
        if on_figures_side(path):
            written.append(path)
            if len(written) > 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

def fake_open(file, mode="r", *a, **k):
    if isinstance(file, (str, bytes, os.PathLike)):
        check(os.fsdecode(file), mode)
    return real_open(file, mode, *a, **k)

def fake_fdopen(fd, mode="r", *a, **k):
    check(os.readlink(f"/proc/self/fd/{fd}"), mode)
    return real_fdopen(fd, mode, *a, **k)

io.open = builtins.open = fake_open
os.fdopen = fake_fdopen
sys.argv = ["linyi-report", *sys.argv[2:]]
from linyi_analysis.report.cli import main
sys.exit(main())
"""


def test_a_full_disk_for_the_charts_changes_neither_the_site_nor_the_charts(
    reference_site, tmp_path, run_env
):
    import subprocess

    from report_site import report_env

    reports, figures = reference_site.copy_to(tmp_path)
    (figures / "overview.png").write_bytes(OLDER_CHART)  # a chart the run will replace
    edited = tmp_path / "edited"
    shutil.copytree(shipped_data(), edited)
    set_cell(edited, "targets", "med_key_specialties", "indicator", "Clinical specialties (edited)")
    before = tree_hashes(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            FULL_DISK,
            str(figures),
            "--output",
            str(reports),
            "--figures",
            str(figures),
            "--action",
            "medical",
            "--data-dir",
            str(edited),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=report_env(run_env),
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert "No space left on device" in proc.stderr
    assert f"{reports} is unchanged" in proc.stderr
    assert tree_hashes(tmp_path) == before, "neither the site nor the charts changed"
    nothing_left(tmp_path, run_env)


def test_the_charts_are_published_with_the_site(reference_site, tmp_path, run_env):
    """Old charts of other names are kept; changed ones replaced; unchanged ones not rewritten."""
    reports, figures = reference_site.copy_to(tmp_path)
    shutil.copy(figures / "percentages.svg", figures / "retired.svg")  # a chart no longer drawn
    (figures / "overview.png").write_bytes(OLDER_CHART)
    unchanged = figures / "percentages.png"
    inode = unchanged.stat().st_ino
    proc = run_report(
        "--output", reports, "--figures", figures, "--action", "medical", cwd=tmp_path, env=run_env
    )
    assert proc.returncode == 0, proc.stderr
    assert "updated 1 chart files in" in proc.stdout
    assert (figures / "retired.svg").read_bytes() == (figures / "percentages.svg").read_bytes()
    assert (figures / "overview.png").read_bytes() == (reports / "figures" / "overview.png").read_bytes()
    assert unchanged.stat().st_ino == inode, "an unchanged chart is the same file"
    nothing_left(tmp_path, run_env)


# --- 5. data files that cannot be copied ------------------------------------------------------


def _dangling(d: Path) -> str:
    (d / "units.csv").unlink()
    (d / "units.csv").symlink_to(d / "gone.csv")
    return f"data file {d / 'units.csv'}: a symbolic link to {d / 'gone.csv'}, which does not exist"


def _loop(d: Path) -> str:
    (d / "units.csv").unlink()
    (d / "units.csv").symlink_to(d / "units.csv")
    return f"data file {d / 'units.csv'}: a symbolic link loop"


def _fifo(d: Path) -> str:
    (d / "units.csv").unlink()
    os.mkfifo(d / "units.csv")
    return f"data file {d / 'units.csv'}: a named pipe, not a file"


def _directory(d: Path) -> str:
    (d / "targets.csv").unlink()
    (d / "targets.csv").mkdir()
    return f"data file {d / 'targets.csv'}: a directory, not a file"


#: Run as root, the report is run without the capabilities that let root read any file.
AS_A_USER = ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()


def _unreadable(d: Path) -> str:
    if AS_A_USER and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: root can read a file whatever its mode")
    (d / "units.csv").chmod(0)
    return f"data file {d / 'units.csv'}: cannot be read: permission denied"


@pytest.mark.parametrize(
    "breaks", [_dangling, _loop, _fifo, _directory, _unreadable], ids=lambda f: f.__name__[1:]
)
def test_a_data_file_that_cannot_be_copied_is_one_clear_line(breaks, reference_site, tmp_path, run_env):
    reports, figures = reference_site.copy_to(tmp_path)
    data = tmp_path / "data"
    shutil.copytree(shipped_data(), data)
    problem = breaks(data)
    before = tree_hashes(reports), tree_hashes(figures)
    proc = run_report(
        *("--output", reports, "--figures", figures, "--data-dir", data),
        cwd=tmp_path,
        env=run_env,
        timeout=120,
        prefix=AS_A_USER if breaks is _unreadable else (),
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == (f"linyi-report: error: {problem}; nothing was run and {reports} is unchanged\n"), (
        "one line naming the user's file (not the run's snapshot)"
    )
    assert (tree_hashes(reports), tree_hashes(figures)) == before
    nothing_left(tmp_path, run_env)


def test_a_data_directory_that_is_a_symlink_loop(tmp_path, run_env):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    proc = run_report("--data-dir", loop, "--output", tmp_path / "site", cwd=tmp_path, env=run_env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{loop}: data directory cannot be used: a loop of symbolic links" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop", "run-tmp"]
    nothing_left(tmp_path, run_env)


def test_files_of_the_data_directory_that_are_not_data_are_not_copied(reference_site, tmp_path, run_env):
    """A loop or a pipe that is not a data file (not *.csv, *.json) does not stop the run."""
    reports, _ = reference_site.copy_to(tmp_path)
    data = tmp_path / "data"
    shutil.copytree(shipped_data(), data)
    (data / "loop").symlink_to(data / "loop")
    os.mkfifo(data / "pipe")
    proc = run_report(
        "--output", reports, "--data-dir", data, "--action", "medical", "--no-html", cwd=tmp_path, env=run_env
    )
    assert proc.returncode == 0, proc.stderr
    nothing_left(tmp_path, run_env)
