"""Files that are not plain readable CSVs, a data directory that cannot be used, a broken package
descriptor: each a clear error naming the file, from the command a user runs (exit 1, no
traceback, never a hang), with every file as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT

import linyi_analysis as la


def run_loader(tmp_path, data_dir, *prefix: str, pythonpath: Path | None = None):
    """``python -m linyi_analysis`` (validate and summarise) as a user runs it, bounded in time."""
    env = {**os.environ, "LINYI_DATA_DIR": str(data_dir), "LINYI_CACHE_DIR": str(tmp_path / "cache")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "linyi_analysis"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails the test instead of blocking the suite
        cwd=tmp_path,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    return done.stderr


def tree(directory: Path) -> dict[str, str]:
    """Every entry under ``directory``: a file's SHA-256, or what the entry is (never opened)."""
    out = {}
    for path in sorted(directory.rglob("*")):
        if path.is_symlink():
            out[str(path)] = f"-> {os.readlink(path)}"
        elif path.is_file() and not path.is_fifo():
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[str(path)] = "other"
    return out


def test_a_named_pipe_in_place_of_a_csv_is_refused_at_once(tmp_path, data_copy):
    (data_copy / "units.csv").unlink()
    os.mkfifo(data_copy / "units.csv")
    before = tree(data_copy)
    stderr = run_loader(tmp_path, data_copy)
    assert f"units.csv: not a regular file (a named pipe): {data_copy / 'units.csv'}" in stderr
    assert tree(data_copy) == before


def test_a_directory_in_place_of_a_csv_is_refused(tmp_path, data_copy):
    (data_copy / "targets.csv").unlink()
    (data_copy / "targets.csv").mkdir()
    stderr = run_loader(tmp_path, data_copy)
    assert "targets.csv: not a regular file (a directory)" in stderr


def test_a_dangling_symlink_is_named_with_its_target(tmp_path, data_copy):
    (data_copy / "units.csv").unlink()
    (data_copy / "units.csv").symlink_to(tmp_path / "gone.csv")
    stderr = run_loader(tmp_path, data_copy)
    assert (
        f"units.csv: file not found: {data_copy / 'units.csv'} is a symbolic link to {tmp_path / 'gone.csv'}"
        in stderr
    )


def test_an_unreadable_file_is_named(tmp_path, data_copy):
    (data_copy / "targets.csv").chmod(0o000)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        # root reads any file: drop the capabilities that let it, as an ordinary user would be
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: root can read a file whatever its mode")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    before = tree(data_copy)
    stderr = run_loader(tmp_path, data_copy, *prefix)
    assert f"targets.csv: file cannot be read (permission denied): {data_copy / 'targets.csv'}" in stderr
    assert tree(data_copy) == before


def test_a_data_directory_that_is_a_symlink_loop(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    stderr = run_loader(tmp_path, loop)
    assert f"{loop}: data directory cannot be used: a loop of symbolic links" in stderr
    with pytest.raises(la.DataValidationError, match="loop of symbolic links"):
        la.load_targets(loop)


@pytest.mark.parametrize("damage", ["truncated", "not JSON"])
def test_a_broken_package_descriptor_is_named(tmp_path, data_copy, damage):
    """A copy of the package whose datapackage.json is damaged (the checkout's is never touched)."""
    package = tmp_path / "pkg" / "linyi_analysis"
    shutil.copytree(PROJECT / "linyi_analysis", package, ignore=shutil.ignore_patterns("__pycache__"))
    descriptor = package / "data" / "datapackage.json"
    text = descriptor.read_text(encoding="utf-8")
    descriptor.write_text(text[:-50] if damage == "truncated" else "<html>", encoding="utf-8")
    stderr = run_loader(tmp_path, data_copy, pythonpath=tmp_path / "pkg")
    assert f"datapackage.json: the package's {descriptor} is not valid JSON (" in stderr
