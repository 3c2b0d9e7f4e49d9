"""Unchanged data skips the schema check; any change to it is checked in full again."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import set_cell

import linyi_analysis as la
from linyi_analysis import loaders, validated_cache

PROBE = "import sys, linyi_analysis as la; la.load_targets();print('pandera' in sys.modules)"


def _fresh_process(env) -> bool:
    """Load the data in a new process; True if that process had to validate (imported pandera)."""
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def test_second_load_skips_validation_until_the_data_changes(tmp_path, data_copy):
    env = {**os.environ, "LINYI_CACHE_DIR": str(tmp_path / "cache"), "LINYI_DATA_DIR": str(data_copy)}
    assert _fresh_process(env) is True
    assert _fresh_process(env) is False
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "144")
    assert _fresh_process(env) is True


def test_edited_data_is_validated_even_after_a_cached_load(tmp_path, data_copy, monkeypatch):
    monkeypatch.setenv("LINYI_CACHE_DIR", str(tmp_path / "cache"))
    la.load_targets(data_copy)
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "-1")
    with pytest.raises(la.DataValidationError, match="must be at least 0"):
        la.load_targets(data_copy)


def test_fast_path_gives_the_same_tables(tmp_path, data_copy, monkeypatch):
    monkeypatch.setenv("LINYI_CACHE_DIR", str(tmp_path / "cache"))
    validated = la.load_tables(data_copy)
    assert any((tmp_path / "cache").iterdir())
    loaders._cache.clear()
    fast = la.load_tables(data_copy)
    assert fast is not validated
    assert fast.keys() == validated.keys()
    for name in validated:
        assert len(validated[name]) > 0
        pd.testing.assert_frame_equal(fast[name], validated[name])


def test_unwritable_cache_still_loads(tmp_path, data_copy, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LINYI_CACHE_DIR", str(blocker / "cache"))
    assert len(la.load_targets(data_copy)) > 0
    assert not validated_cache.is_validated("anything")
