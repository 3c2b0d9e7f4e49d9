"""One parser: the first load (which validates) and every later load (from the cache) of the same
bytes give the same tables, or the same located problem.

Each load is a new process, as every report kernel and notebook session is: a first process loads
one data copy per written value (validating each), a second process loads them all again (from the
cache). The data files are hashed before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import set_cell

from linyi_analysis.resources import data_dir

# Loads each directory named in argv in this new process and prints what a user gets: a digest
# of every table (values as to_csv writes them, floats exactly, and dtypes with their
# categories) and the edited cell, or the problems.
LOAD = """
import hashlib, json, sys
import linyi_analysis as la
out = {}
for spec in sys.argv[1:]:
    directory, table, key_col, key, column = spec.split("|")
    try:
        t = la.load_tables(directory)
    except la.DataValidationError as err:
        out[directory] = {"problems": [[p.file, p.row, p.column, p.message] for p in err.problems]}
        continue
    except Exception as exc:  # any other error is a failure of the promise: recorded, reported by the test
        out[directory] = {"crash": f"{type(exc).__name__}: {exc}"}
        continue
    digest = {n: hashlib.sha256((f.to_csv() + repr(f.dtypes.to_dict())).encode()).hexdigest() for n, f in t.items()}
    out[directory] = {"tables": digest, "cell": float(t[table].set_index(key_col).at[key, column])}
print(json.dumps(out))
"""

# value written in targets.csv (urb_pocket_parks, value) → the cell's value, or its problem (a part)
NUMBERS = {
    " 143": 143.0,
    "+143": 143.0,
    "-0": 0.0,
    "1e2": "'1e2' is not a number (write it out in full, without an exponent)",
    "143.": "'143.' is not a number (write a digit on both sides of the decimal point)",
    "1_43": "'1_43' is not a number (write it without separators",
    "１４３": "'１４３' is not a number (write the digits 0-9",
    "١٤٣": "'١٤٣' is not a number (write the digits 0-9",
    "1,430": "'1,430' is not a number (write it without separators",
    "0x10": "'0x10' is not a number",
    "1e400": "'1e400' is not a number (write it out in full, without an exponent)",
    "1" + "0" * 400: "is too large to be a number",
}
# value written in actions.csv (rural, measures_stated: an integer column; the article states 6)
WHOLE_NUMBERS = {
    "6": 6.0,
    " 6 ": 6.0,
    "６": "'６' is not a whole number (write the digits 0-9",
    "6.0": "'6.0' is not a whole number",
}

CASES = [("targets", "target_id", "urb_pocket_parks", "value", w) for w in NUMBERS]
CASES += [("actions", "action_id", "rural", "measures_stated", w) for w in WHOLE_NUMBERS]


def _digest(directory) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    """For each case: its row, the first process's result and the second's."""
    root = tmp_path_factory.mktemp("one-parser")
    specs, rows, before = [], {}, {}
    for i, (table, key_col, key, column, written) in enumerate(CASES):
        directory = root / f"data{i}"
        shutil.copytree(data_dir(), directory)
        rows[i] = set_cell(directory, table, key, column, written)
        before[i] = _digest(directory)
        specs.append("|".join([str(directory), table, key_col, key, column]))
    env = {**os.environ, "LINYI_CACHE_DIR": str(root / "cache")}
    env.pop("LINYI_DATA_DIR", None)
    results = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", LOAD, *specs], env=env, capture_output=True, text=True, cwd=root
        )
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout))
    for i in range(len(CASES)):
        assert _digest(root / f"data{i}") == before[i], "loading must not change the data files"
    return {
        i: (rows[i], results[0][str(root / f"data{i}")], results[1][str(root / f"data{i}")]) for i in rows
    }


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}:{c[4][:12]!r}" for c in CASES])
def test_first_and_cached_load_agree(case, loads):
    table, _, _, column, written = CASES[case]
    row, first, second = loads[case]
    assert "crash" not in first and "crash" not in second, (first, second)
    assert first == second
    expected = (NUMBERS if table == "targets" else WHOLE_NUMBERS)[written]
    if isinstance(expected, float):
        assert first["cell"] == expected
    else:
        (problem,) = first["problems"]  # one bad cell, one problem, located
        assert problem[:3] == [f"{table}.csv", row, column]
        assert expected in problem[3]
