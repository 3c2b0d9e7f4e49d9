"""Incremental, self-describing, quiet report runs, as a scheduler runs them (issue 12).

One sequence of runs on one output and one store (module fixture ``runs``), then checks:
a first run executes everything; a second with nothing changed imports no papermill, nbconvert
or jupyter_client (so starts no kernel), publishes nothing and exits 0; ``--dry-run`` after one
evidence row of one action changed names the two notebooks to execute and why, and changes no
file; the run after executes exactly those two; ``--force`` executes all seven, and its site is
byte for byte the incremental run's (but for the index's "changes since" section, which depends
on each output's own history); a corrupted store entry is executed again, not published.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import set_cell
from report_site import report_env, tree_hashes
from report_site import run_report as _run_report
from test_report_reproducible import without_timing

from linyi_analysis.report import history

pytestmark = pytest.mark.slow

ACTIONS = ["key_groups", "employment", "education", "medical", "urban", "rural"]
ALL = ["overview", *ACTIONS]
LINYI_REPORT = Path(sys.executable).parent / "linyi-report"


def _nothing_imported_run(*args) -> dict:
    """Run the command in a fresh interpreter and say which heavy modules it imported."""
    code = (
        "import json, sys\n"
        "from linyi_analysis.report.cli import main\n"
        f"rc = main({[str(a) for a in args]!r})\n"
        "heavy = [m for m in ('papermill', 'nbconvert', 'nbclient', 'jupyter_client') if m in sys.modules]\n"
        "print(json.dumps({'rc': rc, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=report_env(), timeout=300
    )
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stdout": done.stdout, "stderr": done.stderr}


def run_report(*args, **kwargs):
    """``linyi-report ARGS`` as a scheduler runs it: without ``--force``."""
    return _run_report(*args, force=False, **kwargs)


def _without_changes(page: bytes) -> bytes:
    return re.sub(rb'<section id="changes">.*?</section>\n', b"", page, flags=re.S)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from linyi_analysis.resources import data_dir

    tmp = tmp_path_factory.mktemp("incremental")
    data = tmp / "data"
    shutil.copytree(data_dir(), data)
    out, store = tmp / "site", tmp / "store"
    common = ["--data-dir", data, "--cache-dir", store]
    r = {"tmp": tmp, "out": out, "store": store, "data": data}

    r["first"] = run_report("--output", out, *common)
    r["first_record"] = history.records(out)[-1]
    site_before = r["first_tree"] = tree_hashes(out)
    r["again"] = _nothing_imported_run("--quiet", "--output", out, *common)
    r["again_record"] = history.records(out)[-1]
    r["again_site_unchanged"] = tree_hashes(out) == site_before

    set_cell(data, "evidence", "spend_health_2014h1", "value", "3250000000")  # a medical fact
    before = {p: tree_hashes(p) for p in (tmp,)}
    r["dry"] = run_report("--dry-run", "--output", out, *common)
    r["dry_touched_nothing"] = {p: tree_hashes(p) for p in (tmp,)} == before
    r["changes"] = run_report("--changes", "--output", out, "--data-dir", data)

    r["incremental"] = run_report("--output", out, *common)
    r["incremental_record"] = history.records(out)[-1]
    r["changes_after"] = run_report("--changes", "--output", out, "--data-dir", data)

    # a fresh store: the forced run's files are its own executions, not the entries above
    r["forced"] = run_report(
        "--force", "--output", tmp / "forced", "--data-dir", data, "--cache-dir", tmp / "s2"
    )
    r["forced_record"] = history.records(tmp / "forced")[-1]

    # corrupt the medical report's page in the store; a new output (no history) needs every entry
    entry = store / "entries" / r["incremental_record"]["jobs"]["medical"]["key"]
    page = entry / "medical.html"
    page.write_bytes(page.read_bytes().replace(b"</html>", b"<p>tampered</p></html>"))
    r["repaired"] = run_report("--output", tmp / "repaired", *common)
    r["repaired_record"] = history.records(tmp / "repaired")[-1]
    return r


def test_the_first_run_executes_every_notebook(runs):
    assert runs["first"].returncode == 0, runs["first"].stderr
    assert sorted(runs["first_record"]["executed"]) == sorted(ALL)
    assert runs["first_record"]["reused"] == [] and runs["first_record"]["exit_status"] == 0
    assert "7 executed, 0 reused" in runs["first"].stdout


def test_nothing_changed_starts_no_kernel_and_publishes_nothing(runs):
    again = runs["again"]
    assert again["rc"] == 0 and again["heavy"] == [], again
    assert again["stderr"] == "" and again["stdout"].strip().startswith("{"), "--quiet prints nothing"
    record = runs["again_record"]
    assert record["executed"] == [] and sorted(record["reused"]) == sorted(ALL)
    assert record["published"] is False and record["exit_status"] == 0
    assert runs["again_site_unchanged"]


def test_dry_run_names_what_changed_and_touches_nothing(runs):
    dry = runs["dry"]
    assert dry.returncode == 0, dry.stderr
    lines = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in dry.stdout.strip().splitlines())
    assert set(lines) == set(ALL)
    # only the data changed: exactly that input is named (the page's provenance is not a parameter)
    assert lines["overview"] == "execute  data changed", lines["overview"]
    assert lines["medical"] == "execute  data changed", lines["medical"]
    for action in set(ACTIONS) - {"medical"}:
        assert lines[action].startswith("reuse"), lines[action]
    assert runs["dry_touched_nothing"], "the output, its history, the store and the data are as they were"


def test_one_evidence_row_executes_exactly_the_overview_and_its_action(runs):
    assert runs["incremental"].returncode == 0, runs["incremental"].stderr
    record = runs["incremental_record"]
    assert sorted(record["executed"]) == ["medical", "overview"]
    assert sorted(record["reused"]) == sorted(set(ACTIONS) - {"medical"})
    assert record["published"] is True


def test_changes_are_printed_and_open_the_index(runs):
    before = runs["changes"]
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith(f"Changes since the previous run ({runs['first_record']['time'][:10]}")
    assert (
        "Evidence facts changed (1):\n  - medical: spend_health_2014h1 — value: '3240000000' → '3250000000'"
        in (before.stdout)
    )
    index = (runs["out"] / "index.html").read_text(encoding="utf-8")
    assert index.index('<section id="changes">') < index.index("<table>")
    assert "spend_health_2014h1" in index and "3250000000" in index
    assert runs["changes_after"].stdout.endswith("No change.\n")


def test_force_executes_everything_and_gives_the_same_site_bytes(runs):
    """The incremental site (5 reports reused, 2 executed) against a full --force run from an empty
    store: every page and chart byte for byte; the executed notebooks equal but for papermill's
    timing fields (two executions of a notebook always differ there: tests/test_report_reproducible.py);
    the index but for its "changes since the previous run", which depends on each output's history."""
    assert runs["forced"].returncode == 0, runs["forced"].stderr
    assert sorted(runs["forced_record"]["executed"]) == sorted(ALL)
    incremental, forced = runs["out"], runs["tmp"] / "forced"
    a, b = tree_hashes(incremental), tree_hashes(forced)
    assert set(a) == set(b)
    differing = sorted(rel for rel in a if a[rel] != b[rel] and not rel.endswith(".ipynb"))
    assert differing == ["index.html"], "every page and chart is byte-identical"
    for nb in sorted(rel for rel in a if rel.endswith(".ipynb")):
        texts = [(d / nb).read_text(encoding="utf-8") for d in (incremental, forced)]
        assert without_timing(texts[0])[0] == without_timing(texts[1])[0], nb
    pages = [_without_changes((d / "index.html").read_bytes()) for d in (incremental, forced)]
    assert pages[0] == pages[1], "the index differs only in its 'changes since the previous run'"


def test_a_reused_report_is_the_bytes_first_published(runs):
    first, now = runs["first_tree"], tree_hashes(runs["out"])
    for action in set(ACTIONS) - {"medical"}:
        for rel in (f"{action}.html", f"{action}.ipynb", f"figures/action_{action}.png"):
            assert now[rel] == first[rel], rel
    assert now["medical.html"] != first["medical.html"], "the edited action's report was made again"


def test_a_corrupted_store_entry_is_executed_again_not_published(runs):
    assert runs["repaired"].returncode == 0, runs["repaired"].stderr
    assert runs["repaired_record"]["executed"] == ["medical"]
    page = (runs["tmp"] / "repaired" / "medical.html").read_bytes()
    assert b"tampered" not in page
    assert page == (runs["tmp"] / "forced" / "medical.html").read_bytes()


def test_a_bare_cron_environment_builds_the_site_quietly(tmp_path):
    """As cron runs it: no environment but HOME and PATH; the store goes to ~/.cache."""
    home = tmp_path / "home"
    home.mkdir()
    site = tmp_path / "site"
    command = ["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", str(LINYI_REPORT), "--quiet"]
    done = subprocess.run(
        [*command, "--output", str(site), "--action", "medical"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert {"index.html", "overview.html", "medical.html", "medical.ipynb"} <= {
        p.name for p in site.iterdir()
    }
    record = history.records(site)[-1]
    assert record["exit_status"] == 0 and sorted(record["executed"]) == ["medical", "overview"]
    assert len(list((home / ".cache" / "linyi_analysis" / "report-store" / "entries").iterdir())) == 2
    again = subprocess.run(
        [*command, "--output", str(site), "--action", "medical"], capture_output=True, text=True, cwd=tmp_path
    )
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert history.records(site)[-1]["executed"] == []


def test_quiet_prints_one_line_per_failed_notebook(tmp_path):
    import nbformat

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("overview.ipynb", "action_report.ipynb"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')")]
        nbformat.write(nb, notebooks / name)
    site = tmp_path / "site"
    done = run_report(
        "--quiet",
        "--output",
        site,
        "--action",
        "medical",
        "--notebooks",
        notebooks,
        "--cache-dir",
        tmp_path / "s",
    )
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert sorted(line.split()[2] for line in lines) == ["action_report.ipynb", "overview.ipynb"]
    assert all("RuntimeError: broken on purpose" in line for line in lines)
    assert not site.exists()
    assert history.records(site)[-1]["exit_status"] == 1
