"""The parts of incremental report runs that need no kernel (issue 12): job keys, the store
(atomic entries, verified by hash, pruned to a bound), what a notebook reads, the run history
and the changes since the previous run."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import read_rows, set_cell, write_rows

from linyi_analysis.report import history
from linyi_analysis.report.store import (
    INPUTS,
    Store,
    StoreError,
    changed_inputs,
    environment,
    job_inputs,
    job_key,
)

# --- job keys ---------------------------------------------------------------------------------


def test_job_inputs_hash_the_notebook_bytes_and_take_the_data_digest(tmp_path):
    nb = tmp_path / "n.ipynb"
    nb.write_bytes(b'{"cells": []}')
    inputs = job_inputs(nb, {"action": "medical"}, "d" * 64)
    assert set(inputs) == set(INPUTS)
    assert inputs["notebook"] == hashlib.sha256(b'{"cells": []}').hexdigest()
    assert inputs["data"] == "d" * 64


def test_every_input_changes_the_key_and_is_named(tmp_path):
    nb = tmp_path / "n.ipynb"
    nb.write_bytes(b"one")
    base = job_inputs(nb, {"action": "medical"}, "a" * 64)
    nb.write_bytes(b"two")
    variants = {
        "notebook": job_inputs(nb, {"action": "medical"}, "a" * 64),
        "parameters": {**base, "parameters": job_inputs(nb, {"action": "rural"}, "a" * 64)["parameters"]},
        "data": {**base, "data": "b" * 64},
        "code": {**base, "code": "c" * 64},
        "environment": {**base, "environment": "e" * 64},
    }
    keys = {job_key(base)} | {job_key(v) for v in variants.values()}
    assert len(keys) == 6, "each input changes the key"
    for name, inputs in variants.items():
        assert changed_inputs(inputs, base) == [name]
    assert job_key(dict(base)) == job_key(base)
    assert changed_inputs(base, None) == []


def test_the_environment_is_this_interpreter_and_the_kernel_is_started_with_it():
    """The kernel's versions are read without starting it: jupyter_client starts the python3
    kernel with the running interpreter (checked here by building its command line only)."""
    env = environment()
    assert env["python"] == sys.version
    assert env["libraries"]["pandas"] == metadata.version("pandas")
    assert env["libraries"]["matplotlib"] == metadata.version("matplotlib")
    code = (
        "import sys, json\n"
        "from jupyter_client.manager import KernelManager\n"
        "km = KernelManager(kernel_name='python3')\n"
        "print(json.dumps([km.format_kernel_cmd()[0], sys.executable]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    kernel, me = json.loads(done.stdout)
    assert kernel == me


# --- the store --------------------------------------------------------------------------------


def K(name: str) -> str:
    """A key of the form the store makes (64 hex digits): it removes only entries so named."""
    return hashlib.sha256(name.encode()).hexdigest()


def _commit(store: Store, key: str, files: dict[str, bytes]) -> None:
    work = store.workdir(key)
    for rel, data in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(data)
    store.commit(key, work, {"data": "x"}, "medical")


def test_a_committed_entry_reads_back_and_leaves_no_work_directory(tmp_path):
    store = Store(tmp_path / "store")
    files = {"medical.html": b"<p>page</p>", "figures/action_medical.png": b"\x89PNG..."}
    _commit(store, K("k1"), files)
    assert store.verify(K("k1")) == "ok"
    assert store.files(K("k1")) == files
    assert list((tmp_path / "store" / "tmp").iterdir()) == []
    assert store.verify(K("absent")) == "missing"


def test_a_second_commit_of_the_same_key_keeps_the_first(tmp_path):
    store = Store(tmp_path / "store")
    _commit(store, K("k1"), {"a.html": b"first"})
    _commit(store, K("k1"), {"a.html": b"second"})
    assert store.files(K("k1")) == {"a.html": b"first"}
    assert list((tmp_path / "store" / "tmp").iterdir()) == []


def test_a_forced_commit_replaces_the_entry(tmp_path):
    store = Store(tmp_path / "store")
    _commit(store, K("k1"), {"a.html": b"first"})
    work = store.workdir(K("k1"))
    (work / "a.html").write_bytes(b"second")
    store.commit(K("k1"), work, {}, "a", replace=True)
    assert store.files(K("k1")) == {"a.html": b"second"}
    assert list((tmp_path / "store" / "tmp").iterdir()) == []


def test_a_changed_byte_is_detected_and_the_entry_dropped(tmp_path):
    store = Store(tmp_path / "store")
    _commit(store, K("k1"), {"medical.html": b"<p>page</p>"})
    page = store.entry(K("k1")) / "medical.html"
    page.write_bytes(b"<p>pagE</p>")
    with pytest.raises(StoreError, match=r"medical\.html does not match"):
        store.files(K("k1"))
    assert store.verify(K("k1"), discard=False) == "corrupt"
    assert page.read_bytes() == b"<p>pagE</p>", "a dry run leaves the entry as it is"
    assert store.verify(K("k1")) == "corrupt"
    assert not store.entry(K("k1")).exists()
    assert store.verify(K("k1")) == "missing"


def test_a_file_added_to_an_entry_or_a_broken_manifest_is_corrupt(tmp_path):
    store = Store(tmp_path / "store")
    _commit(store, K("k1"), {"a.html": b"x"})
    (store.entry(K("k1")) / "extra.html").write_bytes(b"y")
    assert store.verify(K("k1"), discard=False) == "corrupt"
    _commit(store, K("k2"), {"a.html": b"x"})
    (store.entry(K("k2")) / "manifest.json").write_text("{not json")
    assert store.verify(K("k2")) == "corrupt"


def test_pruning_keeps_the_most_recently_used_and_the_current_run(tmp_path):
    store = Store(tmp_path / "store")
    for i in range(5):
        _commit(store, K(f"k{i}"), {"a.html": b"x" * 1000})
        os.utime(store.entry(K(f"k{i}")) / "manifest.json", (1000 + i, 1000 + i))  # k4 newest
    removed = store.prune(keep={K("k0")}, max_entries=2)
    assert sorted(removed) == sorted([K("k1"), K("k2")])
    assert sorted(p.name for p in (tmp_path / "store" / "entries").iterdir()) == sorted(
        [K("k0"), K("k3"), K("k4")]
    )
    store.prune(max_entries=100, max_bytes=1500)  # each entry: 1000 bytes and a manifest of ~200
    assert sorted(p.name for p in (tmp_path / "store" / "entries").iterdir()) == [K("k4")]


def test_reading_an_entry_marks_it_used(tmp_path):
    store = Store(tmp_path / "store")
    for i in range(2):
        _commit(store, K(f"k{i}"), {"a.html": b"x"})
        os.utime(store.entry(K(f"k{i}")) / "manifest.json", (1000 + i, 1000 + i))
    store.files(K("k0"))  # now the most recently used
    store.prune(max_entries=1)
    assert [p.name for p in (tmp_path / "store" / "entries").iterdir()] == [K("k0")]


# --- what a notebook reads -----------------------------------------------------------------------


def test_one_evidence_row_changes_only_the_overview_and_its_action(data_copy):
    import linyi_analysis as la

    before = la.load_plan(data_copy)
    old = {a: before.action(a).digest() for a in before.action_ids}
    set_cell(data_copy, "evidence", "spend_health_2014h1", "notes", "edited")
    after = la.load_plan(data_copy)
    assert after.digest() != before.digest()
    changed = [a for a in after.action_ids if after.action(a).digest() != old[a]]
    assert changed == ["medical"]


# --- run history and changes -------------------------------------------------------------------


def test_history_appends_records_and_skips_a_line_cut_short(tmp_path):
    out = tmp_path / "site"
    history.append(out, {"published": True, "executed": ["overview"]})
    history.append(out, {"published": False, "executed": []})
    with history.history_path(out).open("a") as f:
        f.write('{"published": tr')  # a kill in mid-write
    records = history.records(out)
    assert [r["executed"] for r in records] == [["overview"], []]
    assert history.last_published(out)["executed"] == ["overview"]
    assert history.history_path(out) == tmp_path / ".site.history.jsonl"
    assert all(r["time"].endswith("Z") for r in records)


def test_changes_list_commitments_and_evidence_with_old_and_new_values(data_copy):
    import linyi_analysis as la

    previous = history.summarize(la.load_plan(data_copy))
    set_cell(data_copy, "targets", "kg_nursing_homes_rebuilt", "value", "9")
    set_cell(data_copy, "evidence", "spend_health_2014h1", "value", "3250000000")
    rows = read_rows(data_copy / "evidence.csv")
    gone = next(r for r in rows if r["fact_id"] == "pocket_parks_direct_2022")
    added = {**gone, "fact_id": "pocket_parks_direct_2023"}  # the same fact under another id
    write_rows(data_copy / "evidence.csv", [r for r in rows if r is not gone] + [added])
    c = history.changes(previous, la.load_plan(data_copy), "2026-01-02T03:04:05Z")
    assert c.changed == [
        "key_groups: kg_nursing_homes_rebuilt — Nursing homes rebuilt: 8 nursing homes → 9 nursing homes"
    ]
    assert c.added == [] and c.removed == []
    assert c.evidence_changed == ["medical: spend_health_2014h1 — value: '3240000000' → '3250000000'"]
    assert [line.split(" — ")[0] for line in c.evidence_added] == ["urban: pocket_parks_direct_2023"]
    assert [line.split(" — ")[0] for line in c.evidence_removed] == ["urban: pocket_parks_direct_2022"]
    text = history.as_text(c)
    assert text.startswith("Changes since the previous run (2026-01-02 03:04:05 UTC):\n")
    assert "Commitments changed (1):\n  - key_groups: kg_nursing_homes_rebuilt" in text
    page = history.as_html(c)
    assert "<h3>Evidence facts added (1)</h3>" in page and "→" in page


def test_no_change_and_no_previous_run_are_said(data_copy):
    import linyi_analysis as la

    plan = la.load_plan(data_copy)
    same = history.changes(history.summarize(plan), plan, "2026-01-02T03:04:05Z")
    assert history.as_text(same) == "Changes since the previous run (2026-01-02 03:04:05 UTC): No change.\n"
    assert "<p>No change.</p>" in history.as_html(same)
    first = history.changes(None, plan)
    assert "no earlier published run" in history.as_text(first)


def test_delivery_statuses_that_changed_are_listed(data_copy):
    """An outcome row (written here) for the schools: no public evidence → not met, by the tracker's rules."""
    from test_delivery import _add_outcome

    import linyi_analysis as la

    previous = history.summarize(la.load_plan(data_copy))
    _add_outcome(data_copy, value="30")  # 30 schools in 2022 against the plan's 33
    c = history.changes(previous, la.load_plan(data_copy), "2026-01-02T03:04:05Z")
    assert c.statuses == ["edu_schools_new_expanded: no public evidence → not met"]


def test_the_summary_is_replaced_whole_and_read_back(tmp_path, data_copy):
    import linyi_analysis as la

    out = tmp_path / "site"
    summary = history.summarize(la.load_plan(data_copy))
    history.save_summary(out, summary, {"time": "2026-01-02T03:04:05Z"})
    back = history.load_summary(out)
    assert back["targets"] == summary["targets"] and back["run"]["time"] == "2026-01-02T03:04:05Z"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.data.json", "data"], "no temporary file left"
    assert Path(history.summary_path(out)).stat().st_mode & 0o044, "readable like an ordinary file"
