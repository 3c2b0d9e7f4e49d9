"""The report run's parts, in process (no kernel): where a run may write, the marker, publishing
and recovering, --figures, the lock, the changes since the previous site, the error model, the
command's arguments, the notebooks' parameters and the index."""

from __future__ import annotations

import json
import os
import pickle
import signal
from pathlib import Path

import pytest
from conftest import PROJECT

import linyi_analysis as la
from linyi_analysis import errors, parameters
from linyi_analysis.report import cli, site
from linyi_analysis.report.changes import as_html, as_text, changes
from linyi_analysis.report.data import read_data
from linyi_analysis.resources import data_dir


def make_site(path: Path, files: dict[str, bytes] | None = None) -> Path:
    """A site as a run leaves it: its files and a marker listing them."""
    files = files or {"index.html": b"<p>index</p>", "medical.html": b"<p>m</p>", "figures/a.png": b"png"}
    for rel, data in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(data)
    site.write_marker(path, html=True, jobs={})
    return path


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- where a run may write ------------------------------------------------------------------


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A project directory (the current one) with data and notebooks, and a user's directory."""
    (tmp_path / "data").mkdir()
    (tmp_path / "notebooks").mkdir()
    user = tmp_path / "thesis"
    user.mkdir()
    (user / "chapter1.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    return tmp_path, {
        "the data directory": tmp_path / "data",
        "the notebooks directory": tmp_path / "notebooks",
    }


REFUSED = {
    "a user's directory": ("thesis", None, r"holds files linyi-report did not write \('chapter1.txt'\)"),
    "the current directory": (".", None, "is the current directory"),
    "an empty name (the current directory)": ("", None, "is the current directory"),
    "a parent of the current directory": ("..", None, "contains the current directory"),
    "the data": ("data", None, "is the data directory"),
    "inside the data": ("data/site", None, "lies inside the data directory"),
    "the notebooks": ("notebooks", None, "is the notebooks directory"),
    "the root": ("/", None, "is the root of the file system"),
    "a file": ("thesis/chapter1.txt", None, "exists and is not a directory"),
    "figures = output": ("site", "site", "is the --output directory"),
    "figures inside output": ("site", "site/figures", "lies inside the --output directory"),
    "figures = data": ("site", "data", "is the data directory"),
    "figures = current directory": ("site", ".", "is the current directory"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_output_the_run_may_not_write_is_refused_before_anything(case, places):
    root, inputs = places
    output, figures, message = REFUSED[case]
    before = tree(root)
    with pytest.raises(errors.UsageError, match=message) as caught:
        site.check_destinations(output, figures, inputs)
    assert caught.value.exit_code == 2 and isinstance(caught.value, la.Error)
    assert tree(root) == before


def test_missing_empty_and_marked_outputs_are_accepted(places):
    root, inputs = places
    (root / "empty").mkdir()
    make_site(root / "old-site")
    for output in ("new", "empty", "old-site", root / "new"):
        assert site.check_destinations(output, "charts", inputs)[0] == (root / str(output)).resolve()


def test_a_site_with_a_file_or_link_the_marker_does_not_list_is_refused(places):
    root, inputs = places
    for extra in ("notes.txt", "figures/holiday.png", "link"):
        s = make_site(root / extra.replace("/", "-"))
        if extra == "link":
            (s / "link").symlink_to(root / "thesis")
        else:
            (s / extra).write_text("the user's")
        with pytest.raises(errors.UsageError, match=f"did not write \\('{extra}'\\)"):
            site.check_destinations(s.name, None, inputs)


def test_a_symlinked_output_is_resolved_to_its_target(places):
    root, inputs = places
    make_site(root / "real")
    (root / "link").symlink_to(root / "real")
    assert site.check_destinations("link", None, inputs)[0] == root / "real"


def test_a_site_with_a_damaged_marker_is_refused(places):
    """A marker that cannot be read vouches for no file: the user's ``my-notes.html`` beside the
    pages would otherwise go with the old site."""
    root, inputs = places
    s = make_site(root / "s")
    (s / "my-notes.html").write_text("the user's")
    (s / site.MARKER).write_bytes(b"\xff not json")
    marker = site.read_marker(s)
    assert "is damaged" in marker["damaged"] and marker["jobs"] == {}
    before = tree(s)
    with pytest.raises(errors.UsageError, match=r"\.linyi-report\.json is damaged .*empty this one first"):
        site.check_destinations("s", None, inputs)
    assert tree(s) == before


# --- publishing, recovering ------------------------------------------------------------------


def test_publish_swaps_the_whole_site_and_leaves_nothing_beside_it(tmp_path):
    out = make_site(tmp_path / "reports")
    build = site.new_build(out)
    make_site(build, {"index.html": b"new", "overview.html": b"o"})
    assert site.publish(build, out, []) == []
    assert set(tree(out)) == {"index.html", "overview.html", site.MARKER}
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_signals_during_publishing_take_effect_once_the_site_is_in_place(tmp_path):
    out = make_site(tmp_path / "reports")
    build = site.new_build(out)
    make_site(build, {"index.html": b"new"})
    rename = os.rename

    def interrupted(a, b):  # Ctrl-C right after the first rename
        rename(a, b)
        signal.raise_signal(signal.SIGINT)  # to this thread: xdist's own threads could take a kill()

    os.rename = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            site.publish(build, out, [])
    finally:
        os.rename = rename
    assert tree(out)["index.html"] == b"new" and not build.exists()


def test_the_next_run_cleans_up_after_a_killed_one(tmp_path):
    out = make_site(tmp_path / "reports")
    before = tree(out)
    build = site.new_build(out)  # killed while building
    (build / "half.html").write_text("x")
    old = tmp_path / ".reports.linyi-old-1234abcd"  # killed between the two renames of the swap
    out.rename(old)
    site.recover(out)
    assert tree(out) == before, "the old site is put back"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_recovery_leaves_what_the_run_did_not_make(tmp_path):
    out = make_site(tmp_path / "reports")
    mine = tmp_path / ".reports.linyi-build-backup"  # a user's directory of that name, no marker
    mine.mkdir()
    (mine / "x").write_text("the user's")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".reports.linyi-build-link").symlink_to(make_site(tmp_path / "elsewhere"))
    site.recover(out)
    assert (mine / "x").read_text() == "the user's"
    assert (tmp_path / ".reports.linyi-build-link").is_symlink() and (
        tmp_path / "elsewhere" / site.MARKER
    ).exists()


def test_a_failed_swap_leaves_the_output_as_it_was(tmp_path, monkeypatch):
    out = make_site(tmp_path / "reports")
    before = tree(out)
    build = site.new_build(out)
    rename = os.rename

    def fails_second(a, b):
        if Path(a) == build:
            raise OSError(16, "Device or resource busy")
        rename(a, b)

    monkeypatch.setattr(os, "rename", fails_second)
    with pytest.raises(OSError):
        site.publish(build, out, [])
    monkeypatch.undo()
    assert tree(out) == before and build.exists()


def test_a_site_that_cannot_be_removed_after_the_swap_is_said_not_failed(tmp_path, monkeypatch):
    out = make_site(tmp_path / "reports")
    build = site.new_build(out)
    monkeypatch.setattr(site.shutil, "rmtree", lambda *a, **k: None)  # e.g. another user's files
    problems = site.publish(build, out, [])
    assert len(problems) == 1 and "the previous site could not be removed" in problems[0]
    assert not build.exists() and (out / site.MARKER).exists()


# --- --figures ---------------------------------------------------------------------------------


def charts(tmp_path: Path, **named: bytes) -> dict[str, Path]:
    new = tmp_path / "new-charts"
    new.mkdir(exist_ok=True)
    for name, data in named.items():
        (new / name.replace("_png", ".png").replace("_csv", ".csv")).write_bytes(data)
    return {p.name: p for p in new.iterdir()}


def test_figures_gets_the_charts_and_keeps_everything_else(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "holiday.jpg").write_bytes(b"the user's")
    (figures / "extra.png").write_bytes(b"a chart of a fuller site")
    staged, changed = site.stage_charts(charts(tmp_path, a_png=b"A", b_png=b"B"), figures)
    assert changed == ["a.png", "b.png"]
    site.publish(site.new_build(tmp_path / "s"), tmp_path / "s", staged)
    assert tree(figures) | {} == {
        site.MARKER: (figures / site.MARKER).read_bytes(),
        "a.png": b"A",
        "b.png": b"B",
        "extra.png": b"a chart of a fuller site",
        "holiday.jpg": b"the user's",
    }
    assert set(json.loads((figures / site.MARKER).read_text())["files"]) == {"a.png", "b.png"}
    # a later run overwrites its own charts, and a file of a chart's name holding the same bytes
    staged, changed = site.stage_charts(
        charts(tmp_path, a_png=b"A2", extra_png=b"a chart of a fuller site"), figures
    )
    assert changed == ["a.png"]


def test_figures_replaces_the_data_of_its_own_charts(tmp_path):
    """A chart's CSV that an earlier run wrote is the run's own: a later run replaces it."""
    figures = tmp_path / "figures"
    staged, _ = site.stage_charts(charts(tmp_path, a_png=b"A", a_csv=b"x\n1\n"), figures)
    site.publish(site.new_build(tmp_path / "s"), tmp_path / "s", staged)
    staged, changed = site.stage_charts(charts(tmp_path, a_png=b"A2", a_csv=b"x\n2\n"), figures)
    assert changed == ["a.csv", "a.png"]


def test_figures_never_overwrites_a_users_file_named_like_a_chart(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "overview.png").write_bytes(b"the user's own chart")
    before = tree(figures)
    with pytest.raises(errors.UsageError, match=r"'overview\.png' would be overwritten"):
        site.stage_charts(charts(tmp_path, overview_png=b"ours"), figures)
    assert tree(figures) == before


def test_a_full_disk_while_staging_changes_nothing(tmp_path, monkeypatch):
    figures = tmp_path / "figures"
    figures.mkdir()
    before = tree(figures)
    monkeypatch.setattr(site.shutil, "copyfile", lambda *a: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(OSError):
        site.stage_charts(charts(tmp_path, a_png=b"A"), figures)
    assert tree(figures) == before


# --- the lock ------------------------------------------------------------------------------------


def test_a_second_run_waits_or_stops(tmp_path):
    out = tmp_path / "reports"
    with (
        site.locked([out]),
        pytest.raises(errors.Busy, match="another linyi-report run is writing") as caught,
        site.locked([out], wait=False),
    ):
        pass
    assert caught.value.exit_code == 75
    with site.locked([out], wait=False):  # released
        pass
    assert list(tmp_path.iterdir()) == [], "nothing beside the output: the lock is in the cache directory"


# --- the changes since the previous site -------------------------------------------------------


def test_changes_name_every_edited_row_of_every_table(tmp_path):
    from test_report_packages import edited, normalised

    from linyi_analysis.report.data import write_data

    old = normalised(data_dir())
    earlier = make_site(tmp_path / "site", {f"data/{name}": data for name, data in old.items()})
    new = edited(old, "evidence_searches", "search_whole_plan", "searched_on", "2026-12-01")
    new = edited(new, "non_targets", "Ten", "reason", "Edited.")
    new = edited(new, "evidence", "pocket_parks_built_2022", "value", "140")
    text = as_text(changes(earlier, write_data(new, tmp_path / "new")), "reports")
    assert (
        "evidence_searches.csv (1):\n  - search_whole_plan: searched_on: '2026-11-28' → '2026-12-01'" in text
    )
    assert "non_targets.csv (2)" in text and "Edited." in text  # no primary key: the row removed and added
    assert "evidence.csv (1):\n  - pocket_parks_built_2022: value: '170' → '140'" in text
    assert "urb_pocket_parks: exceeded → not met" in text, "delivery statuses that changed"
    same = write_data(old, tmp_path / "same")
    assert (
        as_text(changes(earlier, same), "reports") == "Changes in the data since reports was built: none.\n"
    )
    assert "&lt;" in as_html([("t", ["<script>"])]) and "<script>" not in as_html([("t", ["<script>"])])


def test_a_damaged_data_copy_or_none_is_said_not_a_traceback(tmp_path):
    from linyi_analysis.report.data import write_data

    files = read_data(data_dir())
    earlier = make_site(tmp_path / "s", {f"data/{name}": data for name, data in files.items()})
    now = write_data(files, tmp_path / "now")
    assert changes(earlier, now) == []
    (earlier / "data" / "targets.csv").write_bytes(b"\xff")
    ((heading, (line,)),) = changes(earlier, now)
    assert heading == "Nothing to compare with" and "is damaged" in line
    assert changes(tmp_path / "none", now) == [("Nothing to compare with", ["no earlier site"])]


# --- the error model and the command's arguments -----------------------------------------------


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (errors.ReportError, 1),
        (errors.NotebookFailed, 1),
        (errors.BuildFailed, 1),
        (errors.UsageError, 2),
        (errors.Busy, 75),
        (errors.ParameterError, 2),
        (errors.DataValidationError, 1),
    ],
)
def test_every_report_exception_is_an_error_with_its_exit_code(cls, code):
    assert issubclass(cls, la.Error) and cls.exit_code == code
    err = cls([errors.Problem("f.csv", None, None, "m")]) if cls is errors.DataValidationError else cls("m")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and str(back) == str(err)


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "1e-9", "inf", "nan", "abc"])
def test_a_bad_timeout_or_jobs_is_a_usage_error_in_one_line_under_quiet(value, capsys):
    for option in ("--timeout", "--jobs"):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["--quiet", option, value])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"linyi-report: error: argument {option}:")


def test_without_quiet_a_usage_error_keeps_the_usage_block(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--timeout", "0"])
    assert capsys.readouterr().err.startswith("usage: linyi-report")


def test_dry_run_and_changes_write_nothing_and_say_what_they_find(tmp_path, capsys, monkeypatch):
    from linyi_analysis.report.data import write_data

    monkeypatch.chdir(tmp_path)
    files = read_data(data_dir())
    earlier = make_site(tmp_path / "site", {f"data/{name}": data for name, data in files.items()})
    data = write_data(files, tmp_path / "data")
    (data / "units.csv").write_bytes(
        files["units.csv"].replace(b"parks,count,parks,", b"parks,count,park(s),")
    )
    before = tree(tmp_path)
    assert cli.main(["--changes", "--output", "site", "--data-dir", "data"]) == 0
    assert "units.csv (1):\n  - parks: label: 'parks' → 'park(s)'" in capsys.readouterr().out
    assert cli.main(["--dry-run", "--output", "new", "--figures", "figs", "--action", "urban"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "overview  execute  not in the site",
        "explore   execute  not in the site",
        "urban     execute  not in the site",
    ]
    assert tree(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["data", "site"]
    assert earlier.exists()


def test_the_options_of_issue_9_are_there_and_the_store_is_gone():
    text = cli.parser().format_help()
    for option in (
        "--dry-run",
        "--changes",
        "--force",
        "--no-wait",
        "--timeout",
        "--data-dir",
        "--notebooks",
        "--quiet",
    ):
        assert option in text
    assert "--cache-dir" not in text and "--kernel-memory" not in text


# --- the notebooks' parameters, the index ---------------------------------------------------------


def test_report_actions_are_every_action_but_the_goals():
    # the article's six actions, in its order (literal: actions.csv, order 1 to 6)
    expected = ["key_groups", "employment", "education", "medical", "urban", "rural"]
    assert parameters.report_actions(la.load_plan()) == expected


def test_index_escapes_everything():
    from linyi_analysis.report.index import Entry, render

    page = render(
        [Entry("x", '<script>alert("t")</script>', [("a<b", "1 & 2")], [[("report", 'x.html"onclick="y')]])],
        title="T <i>",
        source="S",
        footer="F",
    )
    assert "<script>" not in page and "<i>" not in page and 'onclick="y' not in page
    assert "&lt;script&gt;" in page and "1 &amp; 2" in page


def test_a_data_file_that_cannot_be_read_is_one_clear_error(tmp_path):
    (tmp_path / "units.csv").mkdir()
    with pytest.raises(errors.ReportError, match=r"units\.csv: not a regular file"):
        read_data(tmp_path)
    (tmp_path / "units.csv").rmdir()
    (tmp_path / "units.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(errors.ReportError, match=r"units\.csv: cannot be read: No such file"):
        read_data(tmp_path)
    os.mkfifo(tmp_path / "targets.csv")  # a named pipe: refused without opening it (it would block)
    (tmp_path / "units.csv").unlink()
    with pytest.raises(errors.ReportError, match=r"targets\.csv: not a regular file"):
        read_data(tmp_path)
    (tmp_path / "targets.csv").unlink()
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / ".hidden.csv").write_text("not data")
    (tmp_path / "datapackage.json").write_text("{ an older descriptor")  # the package's is read
    (tmp_path / "notes.csv").write_text("x,y\n")  # not a table of the data package: not data
    assert set(read_data(tmp_path)) == {"datapackage.json", "source.json"}
    assert json.loads(read_data(tmp_path)["datapackage.json"]) == la.resources.datapackage()
    assert PROJECT.exists()


@pytest.mark.parametrize(
    "text",
    [
        b"\xff",
        b"[]",
        b'{"files": {"../x": "h"}}',
        b'{"files": {}, "jobs": {"medical": 3}}',
        b'{"files": {}, "jobs": {"medical": {"key": "k", "files": ["../../etc/passwd"]}}}',
    ],
    ids=["not-utf8", "a-list", "a-path-outside", "a-job-of-a-number", "a-job-file-outside"],
)
def test_a_damaged_or_forged_marker_is_ignored_with_one_line(text, tmp_path):
    from linyi_analysis.report.build import _decide
    from linyi_analysis.report.execute import Job

    s = make_site(tmp_path / "s")
    (s / site.MARKER).write_bytes(text)
    notes = []
    job = Job("medical", PROJECT / "notebooks" / "action_report.ipynb", provenance={"key": "k"})
    plans = _decide([job], s, False, lambda event, **info: notes.append(info["text"]))
    assert plans == {"medical": "execute  not in the site"}
    assert len(notes) == 1 and "is damaged" in notes[0] and "every notebook executes" in notes[0]


def test_only_the_pages_and_charts_a_site_may_hold_are_published(tmp_path):
    """Files a notebook writes beside its page (notes, a chart of a name the marker cannot list)
    stay behind: publishing them would make the next run refuse its own site."""
    from linyi_analysis.report.build import Options, _assemble
    from linyi_analysis.report.execute import Job

    class Pool:  # a notebook's run, as a worker leaves it in its working directory
        def submit(self, job, workdir, timeout):
            self.done = (job, workdir)

        def results(self):
            job, workdir = self.done
            for rel in ["medical.ipynb", "medical.html", "notes.txt", "figures/action_medical.png",
                        "figures/action_medical.csv", "figures/my chart.png", "figures/x.pdf"]:  # fmt: skip
                (workdir / rel).write_text("x")
            yield job, 1.0

    build = tmp_path / "build"
    build.mkdir()
    job = Job("medical", PROJECT / "notebooks" / "action_report.ipynb")
    files = _assemble([job], {"medical": {}}, {"medical": "execute"}, build, tmp_path / "site", Pool(),
                      Options(), lambda *a, **k: None)  # fmt: skip
    expected = ["figures/action_medical.csv", "figures/action_medical.png", "medical.html", "medical.ipynb"]
    assert files == {"medical": expected}
    assert sorted(site.files_of(build)) == expected


def test_a_mount_point_as_the_output_is_refused_before_anything_runs(places, monkeypatch):
    root, inputs = places
    (root / "www").mkdir()
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == root / "www")
    with pytest.raises(errors.UsageError, match=r"is a mount point: .*name a directory inside it"):
        site.check_destinations("www", None, inputs)
    assert site.check_destinations("www/site", None, inputs)[0] == root / "www" / "site"


def test_a_pipe_in_place_of_a_page_is_not_intact_and_is_not_opened(tmp_path):
    from linyi_analysis.report.build import _intact

    s = make_site(tmp_path / "s")
    listed = json.loads((s / site.MARKER).read_text())["files"]
    assert _intact(s, listed)
    (s / "medical.html").unlink()
    os.mkfifo(s / "medical.html")  # reading it would wait for a writer for ever
    assert not _intact(s, listed)


def test_a_killed_runs_build_directory_is_removed_by_the_next_run_even_with_nothing_to_do(tmp_path):
    from linyi_analysis.report.build import _nothing_changed

    s = make_site(tmp_path / "s")
    assert _nothing_changed({}, s, None, True)
    left = site.new_build(s)  # as a SIGKILL leaves it
    assert site.leftovers(s) == [left]
    assert not _nothing_changed({}, s, None, True)  # the run goes on, and removes it under the lock
    site.recover(s)
    assert not left.exists() and _nothing_changed({}, s, None, True)


def test_ipython_configuration_outside_the_runs_profile_is_in_the_key(tmp_path, monkeypatch):
    """A kernel reads <sys.prefix>/etc/ipython and /etc/ipython besides its profile."""
    import IPython.core.application as app

    from linyi_analysis.report import build

    monkeypatch.setattr(app, "ENV_CONFIG_DIRS", [str(tmp_path / "etc" / "ipython")])
    monkeypatch.setattr(app, "SYSTEM_CONFIG_DIRS", [])
    build.environment_digest.cache_clear()
    before = build.environment_digest()
    (tmp_path / "etc" / "ipython").mkdir(parents=True)
    (tmp_path / "etc" / "ipython" / "ipython_kernel_config.py").write_text("c.X = 1\n")
    build.environment_digest.cache_clear()
    assert build.environment_digest() != before
    build.environment_digest.cache_clear()


def test_a_reader_that_stops_reading_gets_no_traceback(tmp_path):
    """`linyi-report --dry-run | head -1`: the pipe closes before the run prints."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "linyi_analysis.report", "--dry-run", "--output", str(tmp_path / "site")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    proc.stdout.close()  # the reader has gone
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in proc.stderr.read().decode()


def test_the_actions_are_in_the_plans_order_whatever_the_order_asked():
    """The index lists the pages in the plan's order: `--action rural --action medical` makes the
    same site as `--action medical --action rural` (the "nothing changed" check compares sets)."""
    from linyi_analysis.report.build import _chosen

    plan = la.load_plan()
    assert _chosen(["rural", "medical", "rural"], plan) == ["medical", "rural"]  # actions.csv order


def test_a_ctrl_c_the_caller_ignores_stays_ignored(tmp_path, monkeypatch):
    """`linyi-report … &` in a script starts with SIGINT ignored: the run keeps it so."""
    monkeypatch.chdir(tmp_path)
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert cli.main(["--dry-run", "--output", "site"]) == 0
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, saved)
