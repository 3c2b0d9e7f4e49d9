"""A run removes or overwrites only what linyi-report made (the attack report's second round):
the store (``--cache-dir``), the directories beside the output, the run's snapshot in $TMPDIR,
the charts in ``figures/`` and ``--figures``, and store entries another user could have written.

Every case runs the command as a user does (a subprocess) and hashes the user's files before and
after.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from report_site import run_report, tree_hashes

from linyi_analysis.resources import data_dir as shipped_data

pytestmark = pytest.mark.slow


def assert_one_line_refusal(proc, why: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("linyi-report: error: "), proc.stderr
    assert why in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "Errno" not in proc.stderr, proc.stderr


def _user_cache_dir(root: Path) -> Path:
    """The attacker's repro: an old project in tmp/ and 120 photo folders in entries/."""
    cache = root / "C"
    (cache / "tmp" / "oldproject").mkdir(parents=True)
    (cache / "tmp" / "oldproject" / "work.txt").write_text("precious")
    three_days_ago = time.time() - 3 * 24 * 3600
    os.utime(cache / "tmp" / "oldproject", (three_days_ago, three_days_ago))
    for i in range(1, 121):
        (cache / "entries" / f"photo{i}").mkdir(parents=True)
        (cache / "entries" / f"photo{i}" / "img.txt").write_text(str(i))
    return cache


# --- 1. the store -----------------------------------------------------------------------------


def test_a_cache_dir_holding_user_files_is_refused_and_untouched(tmp_path, run_env):
    cache = _user_cache_dir(tmp_path)
    before = tree_hashes(cache)
    proc = run_report(
        "--action",
        "medical",
        "--quiet",
        "--output",
        tmp_path / "S",
        "--cache-dir",
        cache,
        cwd=tmp_path,
        env=run_env,
    )
    assert_one_line_refusal(proc, "is not a store made by linyi-report")
    assert tree_hashes(cache) == before
    assert not (tmp_path / "S").exists()


def test_a_store_cleans_up_only_what_it_made(tmp_path, run_env):
    """A real store, with a user's folders put into its entries/ and tmp/: a run (that prunes and
    cleans up) leaves every one of them as it was."""
    store = tmp_path / "store"
    first = run_report(
        "--action",
        "medical",
        "--no-html",
        "--quiet",
        "--output",
        tmp_path / "S1",
        "--cache-dir",
        store,
        cwd=tmp_path,
        env=run_env,
    )
    assert first.returncode == 0, first.stderr
    assert (store / "linyi-report-store.json").is_file(), "the store is marked when it is created"
    old = time.time() - 3 * 24 * 3600
    (store / "tmp" / "oldproject").mkdir(parents=True)
    (store / "tmp" / "oldproject" / "work.txt").write_text("precious")
    # even named like a work directory, without the store's marker inside it is not the store's
    (store / "tmp" / f"{'a' * 64}-mine").mkdir()
    (store / "tmp" / f"{'a' * 64}-mine" / "work.txt").write_text("precious too")
    for d in ("oldproject", f"{'a' * 64}-mine"):
        os.utime(store / "tmp" / d, (old, old))
    for i in range(1, 121):
        (store / "entries" / f"photo{i}").mkdir()
        (store / "entries" / f"photo{i}" / "img.txt").write_text(str(i))
    users = {p: tree_hashes(store / p) for p in ("tmp/oldproject", f"tmp/{'a' * 64}-mine")}
    users |= {f"entries/photo{i}": tree_hashes(store / "entries" / f"photo{i}") for i in range(1, 121)}
    second = run_report(
        "--action",
        "medical",
        "--no-html",
        "--quiet",
        "--output",
        tmp_path / "S2",
        "--cache-dir",
        store,
        cwd=tmp_path,
        env=run_env,
        force=False,
    )
    assert second.returncode == 0 and second.stdout == second.stderr == "", second.stderr
    for rel, hashes in users.items():
        assert (store / rel).is_dir() and tree_hashes(store / rel) == hashes, rel


def test_a_cache_dir_that_is_a_file_is_one_clear_line(tmp_path, run_env):
    cache = tmp_path / "notes.txt"
    cache.write_text("mine")
    proc = run_report(
        "--action", "medical", "--output", tmp_path / "S", "--cache-dir", cache, cwd=tmp_path, env=run_env
    )
    assert_one_line_refusal(proc, "is not a directory")
    assert cache.read_text() == "mine" and not (tmp_path / "S").exists()


@pytest.mark.parametrize(
    "where, why",
    [
        ("S", "is the --output directory"),
        ("S/store", "lies inside the --output directory"),
        (".", "contains the --output directory"),
        ("data", "is the data directory"),
        ("data/store", "lies inside the data directory"),
        ("figs", "is the --figures directory"),
    ],
)
def test_a_cache_dir_overlapping_the_output_data_or_figures_is_refused(where, why, tmp_path, run_env):
    shutil.copytree(shipped_data(), tmp_path / "data")
    before = tree_hashes(tmp_path)
    proc = run_report(
        "--action",
        "medical",
        "--output",
        "S",
        "--data-dir",
        "data",
        "--figures",
        "figs",
        "--cache-dir",
        where,
        cwd=tmp_path,
        env=run_env,
    )
    assert_one_line_refusal(proc, why)
    assert tree_hashes(tmp_path) == before


# --- 2. beside the output, and in $TMPDIR ---------------------------------------------------------


def test_directories_named_like_a_runs_own_are_left_alone(tmp_path, run_env):
    parent = tmp_path / "P"
    for name in (".reports.old-backup", ".reports.build-notes", ".figs.build-drafts"):
        (parent / name).mkdir(parents=True)
        (parent / name / "thesis.txt").write_text("years of work")
    (parent / ".reports.old-backup" / "tree").mkdir()  # even shaped like a run's old tree
    # a directory in $TMPDIR named like a killed run's snapshot (no such process), not made by one
    pid = 4_000_000  # above the kernel's pid_max limit: no process has it
    mine = Path(run_env["TMPDIR"]) / f"linyi-data-{pid}-mine"
    mine.mkdir()
    (mine / "draft.csv").write_text("a,b\n")
    before = tree_hashes(tmp_path)
    proc = run_report(
        "--action",
        "medical",
        "--quiet",
        "--output",
        parent / "reports",
        "--figures",
        parent / "figs",
        cwd=tmp_path,
        env=run_env,
    )
    assert proc.returncode == 0, proc.stderr
    after = tree_hashes(tmp_path)
    kept = {k: v for k, v in before.items() if k in after}
    assert kept == before, "every file and directory the user had is there, unchanged"
    assert sorted(
        p.name
        for p in parent.iterdir()
        if p.name.startswith(".") and "history" not in p.name and not p.name.endswith(".data.json")
    ) == [".figs.build-drafts", ".reports.build-notes", ".reports.old-backup"], (
        "and nothing of the run's own is left beside them"
    )


# --- 4. the store must be as trusted as the package -----------------------------------------------


def _entry_of(store: Path, name: str) -> Path:
    import json

    for entry in (store / "entries").iterdir():
        manifest = json.loads((entry / "manifest.json").read_text())
        if manifest["name"] == name:
            return entry
    raise AssertionError(f"no entry for {name}")


def _forge(entry: Path) -> None:
    """Edit the page and update its hash in the manifest: the store's own check passes."""
    import json

    page = entry / "medical.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<script>forged()</script></body>"))
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["files"]["medical.html"] = hashlib.sha256(page.read_bytes()).hexdigest()
    (entry / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="chown to another user needs root")
@pytest.mark.parametrize("how", ["another-user", "group-writable"])
def test_an_entry_not_owned_by_this_user_or_writable_by_others_is_never_published(how, tmp_path, run_env):
    store = tmp_path / "store"
    first = run_report(
        "--action",
        "medical",
        "--quiet",
        "--output",
        tmp_path / "S1",
        "--cache-dir",
        store,
        cwd=tmp_path,
        env=run_env,
    )
    assert first.returncode == 0, first.stderr
    entry = _entry_of(store, "medical")
    _forge(entry)
    if how == "another-user":
        import pwd

        nobody = pwd.getpwnam("nobody")
        for path in [entry, *entry.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    else:
        os.chmod(entry / "medical.html", 0o664)
    entry_before = tree_hashes(entry)
    dry = run_report(
        "--dry-run",
        "--action",
        "medical",
        "--output",
        tmp_path / "S2",
        "--cache-dir",
        store,
        cwd=tmp_path,
        env=run_env,
        force=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert re.search(
        r"^medical +execute +its store entry is not owned by this user or is writable by others",
        dry.stdout,
        re.M,
    ), dry.stdout
    second = run_report(
        "--action",
        "medical",
        "--quiet",
        "--output",
        tmp_path / "S2",
        "--cache-dir",
        store,
        cwd=tmp_path,
        env=run_env,
        force=False,
    )
    assert second.returncode == 0, second.stderr
    assert b"forged()" not in (tmp_path / "S2" / "medical.html").read_bytes()
    assert (tmp_path / "S2" / "medical.html").read_bytes() == (tmp_path / "S1" / "medical.html").read_bytes()
    assert tree_hashes(entry) == entry_before, "another user's entry is ignored, not removed"
    assert [p for p in (store / "tmp").iterdir()] == [], "the run's own work directory is gone"


def test_the_group_writable_rule_runs_as_any_user(tmp_path):
    """(The same rule without root, through the store's API: the mode alone makes it untrusted.)"""
    from linyi_analysis.report.store import Store

    store = Store(tmp_path / "store")
    key = hashlib.sha256(b"k").hexdigest()
    work = store.workdir(key)
    (work / "a.html").write_bytes(b"page")
    store.commit(key, work, {}, "a")
    assert store.verify(key) == "ok"
    os.chmod(store.entry(key) / "a.html", 0o666)
    assert store.verify(key) == "untrusted"
    assert (store.entry(key) / "a.html").read_bytes() == b"page", "ignored, never removed"


# --- 3. charts are recognised by their content, not their suffix ----------------------------------


def test_a_users_png_in_the_sites_figures_is_not_taken_for_a_chart(reference_site, tmp_path, run_env):
    reports, _ = reference_site.copy_to(tmp_path)
    (reports / "figures" / "holiday.png").write_bytes(b"\x89PNG\r\n\x1a\nmy holiday")
    before = tree_hashes(tmp_path)
    proc = run_report("--output", reports, "--action", "medical", "--quiet", cwd=tmp_path, env=run_env)
    assert_one_line_refusal(proc, "holds files linyi-report did not write ('figures/holiday.png')")
    assert tree_hashes(tmp_path) == before


def test_a_users_own_chart_named_like_ours_in_figures_is_not_overwritten(tmp_path, run_env):
    figures = tmp_path / "figs"
    figures.mkdir()
    (figures / "spending_share.png").write_bytes(b"\x89PNG\r\n\x1a\nmy own spending chart")
    before = tree_hashes(tmp_path)
    proc = run_report(
        "--output",
        tmp_path / "S",
        "--figures",
        figures,
        "--action",
        "medical",
        "--quiet",
        cwd=tmp_path,
        env=run_env,
    )
    assert_one_line_refusal(proc, "holds files other than charts linyi-report wrote ('spending_share.png')")
    assert tree_hashes(tmp_path) == before


def test_every_chart_a_run_publishes_carries_the_signature(reference_site):
    from linyi_analysis.chart_signature import is_package_chart

    charts = sorted((reference_site.reports / "figures").iterdir()) + sorted(reference_site.figures.iterdir())
    assert charts and all(is_package_chart(c) for c in charts)
    assert {c.read_bytes()[:4] for c in charts if c.suffix == ".png"} == {b"\x89PNG"}
