"""The report runner's parts, without kernels: parameters, publishing, error mapping, the index."""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace

import nbformat
import pytest
from conftest import PROJECT

from linyi_analysis.report import parameters, publish
from linyi_analysis.report.execute import Job, NotebookFailed, _source_cell_from_error


def test_report_actions_are_every_action_but_the_goals():
    import linyi_analysis as la

    # the article's six actions, in its order (literal: actions.csv, order 1 to 6)
    assert parameters.report_actions(la.load_plan()) == [
        "key_groups",
        "employment",
        "education",
        "medical",
        "urban",
        "rural",
    ]


def test_an_action_parameter_is_checked_by_plan_action():
    """The notebooks check ``action`` with ``plan.action(id)``, the one action-id check."""
    import linyi_analysis as la

    plan = la.load_plan()
    assert plan.action("urban").action_id == "urban"
    for bad in ("URBAN", "schools", 3, None):
        with pytest.raises(parameters.ParameterError, match="valid ids: goals, key_groups, employment"):
            plan.action(bad)


def test_check_figures_dir(tmp_path):
    assert parameters.check_figures_dir("") is None
    made = parameters.check_figures_dir(str(tmp_path / "a" / "b"))
    assert made.is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(parameters.ParameterError, match="not a directory"):
        parameters.check_figures_dir(str(tmp_path / "file"))
    with pytest.raises(parameters.ParameterError):
        parameters.check_figures_dir(3)


def test_error_cell_is_numbered_as_in_the_notebook_file():
    nb = nbformat.read(PROJECT / "notebooks" / "action_report.ipynb", as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    # papermill counts its injected cell (right after the parameters cell); the file does not
    check = params + 2  # executed index of the cell after the parameters in the file
    number, first = _source_cell_from_error(SimpleNamespace(cell_index=check), nb)
    assert number == params + 2 and first == nb.cells[params + 1].source.splitlines()[0]
    assert _source_cell_from_error(SimpleNamespace(cell_index=0), nb)[0] == 1


def test_notebook_failed_survives_pickling():
    import pickle

    job = Job(
        "medical", PROJECT / "notebooks" / "action_report.ipynb", {"action": "medical", "figures_dir": "f"}
    )
    err = NotebookFailed(job.describe(), "cell 9", "ValueError: no")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) == "action_report.ipynb (action='medical') failed in cell 9: ValueError: no"


# --- publishing --------------------------------------------------------------------------


def _tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def old_site(tmp_path):
    site = tmp_path / "reports"
    site.mkdir()
    (site / "old.html").write_text("old")
    return site


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_publish_replaces_the_whole_directory(old_site, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    with publish.Staging(old_site) as stage:
        assert stage.build.parent == old_site.parent and stage.build.name.startswith(".reports.build-")
        (stage.build / "new.html").write_text("new")
        stage.publish()
    assert _tree(old_site) == {"new.html": b"new"}
    assert sorted(p.name for p in old_site.parent.iterdir()) == ["reports"], "no build dir, old tree or lock"
    assert oct(old_site.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt here (a test worker may have it ignored)."""
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, saved)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_ctrl_c_during_the_swap_takes_effect_once_the_new_site_is_in_place(
    old_site, monkeypatch, exchange, ctrl_c_raises
):
    """A SIGINT arriving mid-swap (before the exchange; between the fallback's two renames) is
    delivered once the swap is done: never an output half-swapped or missing."""
    real_exchange, real_rename = publish._exchange, os.rename
    renames = []

    def interrupted_exchange(a, b):
        os.kill(os.getpid(), signal.SIGINT)
        return real_exchange(a, b) if exchange else False

    def interrupted_rename(a, b):
        real_rename(a, b)
        renames.append(b)
        if len(renames) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(publish, "_exchange", interrupted_exchange)
    monkeypatch.setattr(publish.os, "rename", interrupted_rename)
    stage = publish.Staging(old_site)
    with pytest.raises(KeyboardInterrupt), stage:
        (stage.build / "new.html").write_text("new")
        stage.publish()
    assert stage.published
    assert len(renames) == (0 if exchange else 2)
    assert _tree(old_site) == {"new.html": b"new"}
    assert sorted(p.name for p in old_site.parent.iterdir()) == ["reports"], "no old tree, no lock"


def test_a_failed_build_leaves_the_output_alone(old_site):
    with pytest.raises(RuntimeError), publish.Staging(old_site) as stage:
        (stage.build / "half.html").write_text("half")
        raise RuntimeError("a notebook failed")
    assert _tree(old_site) == {"old.html": b"old"}
    assert sorted(p.name for p in old_site.parent.iterdir()) == ["reports"]


def test_the_next_run_cleans_up_after_a_killed_one(old_site):
    parent = old_site.parent
    (parent / ".reports.build-abc").mkdir()
    (parent / ".reports.build-abc" / "x.html").write_text("x")
    # killed between the two renames of the fallback: the old tree is aside, no reports/
    aside = parent / ".reports.old-def"
    aside.mkdir()
    old_site.rename(aside / "tree")
    for made in (parent / ".reports.build-abc", aside):  # as a run makes them: marked first
        (made / publish.RUN_MARKER).write_text("made by linyi-report; removed when its run ends\n")
    with publish.Staging(old_site):
        pass
    assert _tree(old_site) == {"old.html": b"old"}, "reports/ is restored"
    assert sorted(p.name for p in parent.iterdir()) == ["reports"]


def test_recovery_leaves_directories_it_did_not_make(old_site):
    """A user's `.reports.old-backup` or `.reports.build-notes` (no marker) is not a run's leftover."""
    parent = old_site.parent
    for name in (".reports.old-backup", ".reports.build-notes"):
        (parent / name).mkdir()
        (parent / name / "thesis.txt").write_text("years of work")
    (parent / ".reports.old-backup" / "tree").mkdir()  # even shaped like a run's old tree
    with publish.Staging(old_site):
        pass
    for name in (".reports.old-backup", ".reports.build-notes"):
        assert (parent / name / "thesis.txt").read_text() == "years of work"
    assert (parent / ".reports.old-backup" / "tree").is_dir()


def test_a_users_lock_named_file_is_not_removed(old_site):
    lock = old_site.parent / ".reports.lock"
    lock.write_text("my notes")
    with publish.Staging(old_site):
        pass
    assert lock.read_text() == "my notes"


def test_a_second_run_waits_or_stops(old_site):
    waited = []
    with publish.Staging(old_site):
        with pytest.raises(publish.Busy, match="another run is writing"):
            publish.Staging(old_site, wait=False).__enter__()
        assert (old_site.parent / ".reports.lock").exists()
    with publish.Staging(old_site, on_wait=lambda: waited.append(1)):
        pass
    assert waited == [] and not (old_site.parent / ".reports.lock").exists()


def test_output_that_is_a_file(tmp_path):
    (tmp_path / "reports").write_text("x")
    with pytest.raises(publish.OutputError, match="not a directory"):
        publish.Staging(tmp_path / "reports").__enter__()


def test_stage_charts_keeps_old_charts_and_writes_only_changed_ones(tmp_path):
    src, dest, build = tmp_path / "src", tmp_path / "dest", tmp_path / "build"
    for d in (src, dest, build):
        d.mkdir()
    (src / "a.png").write_bytes(b"A")
    (src / "b.png").write_bytes(b"B2")
    (dest / "a.png").write_bytes(b"A")
    (dest / "b.png").write_bytes(b"B1")
    (dest / "other.png").write_bytes(b"O")
    before = _tree(dest)
    written = publish.stage_charts(sorted(src.iterdir()), dest, build)
    assert written == ["b.png"]
    assert _tree(build) == {"a.png": b"A", "b.png": b"B2", "other.png": b"O"}
    assert _tree(dest) == before, "the current directory is not touched"
    assert (build / "a.png").stat().st_ino == (dest / "a.png").stat().st_ino, "unchanged: the same file"


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_publish_together_is_all_or_nothing(tmp_path, monkeypatch, exchange):
    """The second swap fails (as for a mount point): the first is undone, both are as they were."""
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (one, two):
        d.mkdir()
        (d / "old").write_text("old")
    with publish.Staging(one) as a, publish.Staging(two) as b:
        (a.build / "new").write_text("new")
        (b.build / "new").write_text("new")
        real = publish.Staging._swap
        monkeypatch.setattr(
            publish.Staging,
            "_swap",
            lambda self: real(self) if self is a else (_ for _ in ()).throw(OSError(16, "busy")),
        )
        with pytest.raises(OSError, match="busy"):
            publish.publish_together([a, b])
        assert not a.published
    assert _tree(one) == _tree(two) == {"old": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]


# --- the index -----------------------------------------------------------------------------


def test_index_escapes_everything():
    from linyi_analysis.report.index import Entry, render

    page = render(
        [Entry("x", '<script>alert("t")</script>', [("a<b", "1 & 2")], [("report", 'x.html"onclick="y')])],
        title="T <i>",
        source="S",
        footer="F",
    )
    assert "<script>" not in page and "<i>" not in page and 'onclick="y' not in page
    assert "&lt;script&gt;" in page and "1 &amp; 2" in page
