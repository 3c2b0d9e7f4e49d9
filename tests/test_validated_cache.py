"""Unchanged data skips the schema check; any change to what decides validity checks it in full again.

Each check runs the loader as a user does, in a new process, and tells from that process whether
it validated (pandera is imported only to validate).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROJECT, set_cell

import linyi_analysis as la
from linyi_analysis import loaders

PROBE = "import sys, linyi_analysis as la; la.load_targets(); print('pandera' in sys.modules)"


def _validated_in_fresh_process(env, prelude: str = "") -> bool:
    """Load the data in a new process; True if that process had to validate (imported pandera).

    It runs in the cache's parent directory: ``python -c`` puts the working directory first on
    the path, and it must import the package that ``PYTHONPATH`` names, not the checkout's.
    """
    code = prelude + PROBE
    cwd = next(p for p in Path(env["LINYI_CACHE_DIR"]).parents if p.is_dir())
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1] == "True"


@pytest.fixture
def env(tmp_path, data_copy):
    return {**os.environ, "LINYI_CACHE_DIR": str(tmp_path / "cache"), "LINYI_DATA_DIR": str(data_copy)}


def test_second_load_skips_validation_until_the_data_changes(env, data_copy):
    assert _validated_in_fresh_process(env) is True
    assert _validated_in_fresh_process(env) is False
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "144")
    assert _validated_in_fresh_process(env) is True


def test_a_new_pandera_or_pandas_version_validates_again(env):
    assert _validated_in_fresh_process(env) is True
    assert _validated_in_fresh_process(env) is False
    for name in ("pandera", "pandas"):
        # the installed version as importlib.metadata reports it, changed before the package loads
        prelude = (
            "import importlib.metadata as m; real = m.version;"
            f"m.version = lambda n: '0.0.0-other' if n == {name!r} else real(n);"
        )
        assert _validated_in_fresh_process(env, prelude) is True, name


@pytest.mark.parametrize("module", ["source.py", "validation.py", "loaders.py", "reading.py"])
def test_an_edit_to_the_rules_validates_again(tmp_path, data_copy, module):
    """A copy of the package with one module edited (a comment added) must not trust the old entries."""
    package = _package_copy(tmp_path / "pkg")
    env = {
        **os.environ,
        "LINYI_CACHE_DIR": str(tmp_path / "cache"),
        "LINYI_DATA_DIR": str(data_copy),
        "PYTHONPATH": str(tmp_path / "pkg"),
    }
    assert _validated_in_fresh_process(env) is True
    assert _validated_in_fresh_process(env) is False
    with (package / module).open("a", encoding="utf-8") as f:
        f.write("\n# an edit\n")
    assert _validated_in_fresh_process(env) is True


def _package_copy(root: Path) -> Path:
    """The package copied (its data and notebooks too: their links are followed)."""
    target = root / "linyi_analysis"
    shutil.copytree(PROJECT / "linyi_analysis", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_a_damaged_entry_is_validated_again_and_replaced(env, tmp_path):
    assert _validated_in_fresh_process(env) is True
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])  # as a kill in mid-write would leave it (without the rename)
    assert _validated_in_fresh_process(env) is True
    assert entry.read_bytes() == whole  # the same tables, written again
    assert _validated_in_fresh_process(env) is False


def test_an_entry_others_can_write_is_never_read(env, tmp_path):
    assert _validated_in_fresh_process(env) is True
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.chmod(0o666)
    assert _validated_in_fresh_process(env) is True


def test_edited_data_is_validated_even_after_a_cached_load(tmp_path, data_copy, monkeypatch):
    monkeypatch.setenv("LINYI_CACHE_DIR", str(tmp_path / "cache"))
    la.load_targets(data_copy)
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "-1")
    with pytest.raises(la.DataValidationError, match="-1 must be at least 0"):
        la.load_targets(data_copy)


def test_fast_path_gives_the_same_tables(tmp_path, data_copy, monkeypatch):
    monkeypatch.setenv("LINYI_CACHE_DIR", str(tmp_path / "cache"))
    validated = la.load_tables(data_copy)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    loaders._cache.clear()
    fast = la.load_tables(data_copy)
    assert fast.keys() == validated.keys() == set(la.validation.TABLES)
    for name in validated:
        assert len(validated[name]) > 0
        pd.testing.assert_frame_equal(fast[name], validated[name])


def test_unwritable_cache_validates_every_time(tmp_path, data_copy):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {**os.environ, "LINYI_CACHE_DIR": str(blocker / "cache"), "LINYI_DATA_DIR": str(data_copy)}
    assert _validated_in_fresh_process(env) is True
    assert _validated_in_fresh_process(env) is True  # nothing could be kept, so it checks again
    assert blocker.read_text() == ""
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "many")
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "linyi_analysis"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 1 and "'many' is not a number" in done.stderr


def test_bad_data_leaves_no_entry(tmp_path, data_copy):
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "many")
    env = {**os.environ, "LINYI_CACHE_DIR": str(tmp_path / "cache"), "LINYI_DATA_DIR": str(data_copy)}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "linyi_analysis"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 1 and "'many' is not a number" in done.stderr
    assert not list((tmp_path / "cache").glob("*.pickle"))


def test_the_cache_keeps_only_the_newest_entries(tmp_path, monkeypatch):
    """Every data state is an entry (a report run makes up to eight): the oldest beyond KEEP go."""
    from linyi_analysis import validated_cache

    monkeypatch.setenv("LINYI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(validated_cache, "KEEP", 3)
    for i in range(5):
        validated_cache.store(f"key{i}", {"n": i})
        os.utime(validated_cache._entry(f"key{i}"), (1000 + i, 1000 + i))  # written one after another
    assert sorted(p.stem for p in (tmp_path / "cache").glob("*.pickle")) == ["key2", "key3", "key4"]
    assert validated_cache.load("key4") == {"n": 4}
