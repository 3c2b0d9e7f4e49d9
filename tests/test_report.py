"""The report runner end to end: `python -m linyi_analysis.report` in a subprocess, as a user runs it.

One full run (every action, HTML, index, charts copied to a figures directory: the session's
``reference_site``) is shared by the tests of its content; the bad-input tests each start from an
existing site and prove it is left exactly as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import PROJECT, read_rows, set_cell
from report_site import leftovers, plain_overview, read_until, run_report, site_problems, tree_hashes

import linyi_analysis as la
from linyi_analysis.delivery import commitments
from linyi_analysis.formatting import plain
from linyi_analysis.parameters import report_actions

pytestmark = pytest.mark.slow
ACTIONS = report_actions(la.load_plan())
SOURCE_URL = "https://www.4ll.net/society/161762.html"  # the article's address (data/source.json)
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def site(reference_site):
    """The session's full run: reports under ``reports/``, charts also copied to ``figures/``."""
    return reference_site.root, reference_site


@pytest.fixture
def existing(tmp_path) -> Path:
    """A stand-in for the reports of an earlier run (its marker lists its files, as a run's does:
    a run replaces only a site it wrote)."""
    from linyi_analysis.report.site import write_marker

    old = tmp_path / "reports"
    (old / "figures").mkdir(parents=True)
    (old / "index.html").write_text("<p>earlier run</p>")
    (old / "education.html").write_text("<p>earlier education report</p>")
    (old / "figures" / "overview.png").write_bytes(b"an older chart")
    write_marker(old, html=True, jobs={})
    return old


# --- a full run ---------------------------------------------------------------------------


def test_full_run_writes_the_whole_site(site):
    root, proc = site
    reports = root / "reports"
    expected = {"index.html", "overview.html", "overview.ipynb", "explore.html", "explore.ipynb"}
    expected |= {"figures", "data", ".linyi-report.json"}
    expected |= {f"{a}.{ext}" for a in ACTIONS for ext in ("html", "ipynb")}
    assert {p.name for p in reports.iterdir()} == expected
    assert leftovers(root) == [], "no build directory or old site may remain"
    assert f"published {2 + len(ACTIONS)} reports to" in proc.stdout
    # progress, one line per notebook (stderr is not a terminal here)
    assert sorted(re.findall(r"^(\w+) \(\d+\.\d s\)$", proc.stderr, re.M)) == sorted(
        ["overview", "explore", *ACTIONS]
    )
    assert site_problems(reports, PROJECT / "data") == []
    # the data the site was made from, for readers and for the next run's "changes since"
    assert {p.name: p.read_bytes() for p in (reports / "data").iterdir()} == {
        p.name: p.read_bytes() for p in (PROJECT / "data").iterdir() if p.suffix in (".csv", ".json")
    }


def test_charts_are_those_of_generate_figures_byte_for_byte(site, tmp_path):
    """The report run's charts are the package's charts: `make report` keeps figures/ current."""
    from linyi_analysis import plots

    root, _ = site
    reference = tmp_path / "reference"
    plots.generate_figures(la.load_plan(), reference)
    ours = tree_hashes(root / "reports" / "figures")
    assert ours == tree_hashes(reference)
    copied = tree_hashes(root / "figures")
    assert copied.pop(".linyi-report.json") and copied == ours


def _rows(html: str) -> list[list[str]]:
    """The body rows of the first HTML table: each row's header and data cells, as text."""

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.in_body = [], None, False

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body:
                self.rows.append([])
            elif tag in ("th", "td") and self.in_body:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("th", "td") and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None
            elif tag == "tbody":
                self.in_body = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(html)
    return parser.rows


def _output_of(nb, source: str) -> dict:
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source]
    assert len(cells) == 1, f"one cell {source!r} expected"
    (out,) = [o for o in cells[0].outputs if o.output_type in ("execute_result", "display_data")]
    return out.data


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_report_holds_exactly_its_targets(site, action):
    root, _ = site
    nb = nbformat.read(root / "reports" / f"{action}.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters == {"action": action, "figures_dir": "figures"}
    expected, _ = commitments(la.load_plan().action(action).targets)
    rows = _rows(_output_of(nb, "tables.targets(plan)")["text/html"])
    assert [r[0] for r in rows] == [plain(v) for v in expected["indicator"]]
    assert len(rows) == len(expected) > 0
    # the heading names the action; the chart shows once, with alt text naming it
    names = dict(zip(la.load_actions()["action_id"], la.load_actions()["name"], strict=True))
    assert _output_of(nb, "tables.heading(plan)")["text/plain"].startswith(names[action])
    charts = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    # its targets and its delivery scorecard, each once, with alt text naming the action (by name)
    assert len(charts) == 2 and all(names[action] in o.metadata["image/png"]["alt"] for o in charts)
    # the measures table lists exactly this action's measures, in order
    source = "tables.measures(plan)"
    measures = la.load_measures()
    mine = measures.loc[measures["action_id"] == action, "name"].astype(str).tolist()
    assert [r[1] for r in _rows(_output_of(nb, source)["text/html"])] == mine  # No., Measure, Targets


def test_executed_notebooks_name_no_temporary_path(site):
    """Papermill's metadata and injected cell hold relative names, the same in every run."""
    root, _ = site
    build_dir = re.compile(r"\.linyi-build-|linyi-report-\d|\.work/")
    for path in (root / "reports").glob("*.ipynb"):
        text = path.read_text()
        assert not build_dir.search(text), path.name
        nb = nbformat.reads(text, as_version=4)
        assert nb.metadata.papermill.input_path in ("overview.ipynb", "explore.ipynb", "action_report.ipynb")
        assert nb.metadata.papermill.output_path == path.name


def test_pages_hide_code_and_load_nothing_from_the_network(site):
    root, _ = site
    for page in sorted((root / "reports").glob("*.html")):
        html = page.read_text()
        assert "<script" not in html and "<link" not in html, page.name
        for attr in re.findall(r'src="([^"]*)"', html):
            assert not re.match(r"[a-z]+://|//", attr), f"{page.name} loads {attr}"
        for attr in re.findall(r'href="([^"]*)"', html):
            if re.match(r"[a-z]+://|//", attr):  # a source's page: a link, followed only when clicked
                assert f'<a href="{attr}">' in html, f"{page.name} loads {attr}"
        assert "check_action(" not in html and "import linyi_analysis" not in html, "code is hidden"
        if page.name != "index.html":
            assert "The next cell loads the package" not in html, "notebook-only cells are left out"
            assert 'href="index.html"' in html
            images = re.findall(r"<img\b[^>]*>", html)
            assert images, page.name
            for img in images:
                assert re.search(r'src="data:image/png;base64,', img), f"{page.name}: charts are embedded"
                assert re.search(r'alt="[^"]+"', img), f"{page.name}: every chart has alt text"


def test_index_links_every_report_with_its_numbers(site):
    root, _ = site
    reports = root / "reports"
    html = (reports / "index.html").read_text()
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert {f"{a}.html" for a in ["overview", "explore", *ACTIONS]} <= set(hrefs)
    hrefs.remove(SOURCE_URL)  # the source article, as a link
    for href in hrefs:
        assert (reports / href.split("#")[0]).is_file(), f"index.html links {href}, which is missing"
    # measures per action as the article lists them (hand-counted); targets as targets.csv holds
    # them, a lead-paragraph row that restates its body counterpart with the same figure counted
    # once (the 2,000 beds of the lead paragraph and the body's 800 are two commitments)
    measures = {"key_groups": 9, "employment": 4, "education": 4, "medical": 7, "urban": 8, "rural": 6}
    targets = read_rows(PROJECT / "data" / "targets.csv")
    by_id = {t["target_id"]: t for t in targets}
    figure = ("comparator", "value", "value_min", "value_max", "baseline", "unit", "per")
    counted = [
        t
        for t in targets
        if not (
            t["source_part"] == "headline"
            and t["counterpart_id"]
            and all(t[c] == by_id[t["counterpart_id"]][c] for c in figure)
        )
    ]
    rows = dict(re.findall(r'<section class="report" id="(\w+)">(.*?)</section>', html, re.S))
    # a first build: no "changes since the previous run" block; the footer dates the data by its
    # latest search (evidence_searches.csv), not by a hash; the reports say "report", not "notebook"
    assert 'id="changes"' not in html and "Nothing to compare with" not in html
    latest = max(r["searched_on"] for r in read_rows(PROJECT / "data" / "evidence_searches.csv"))
    assert f"<footer>Data as of {latest}: the latest search for public evidence.</footer>" in html
    assert "version" not in html.split("<footer>")[1]
    assert "This notebook" not in (reports / "overview.html").read_text()
    for action in ACTIONS:
        numbers = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", rows[action]))
        assert numbers["commitments"] == str(sum(t["action_id"] == action for t in counted))
        assert numbers["measures"] == str(measures[action])


# --- bad input: clear message, non-zero exit, nothing lost ----------------------------------


def test_unknown_action_is_refused_before_anything_runs(existing):
    before = tree_hashes(existing)
    proc = run_report("--action", "education", "--action", "schools", "--output", existing)
    assert proc.returncode == 2
    assert "unknown action 'schools'; valid ids: key_groups, employment, education" in proc.stderr
    assert tree_hashes(existing) == before and leftovers(existing.parent) == []


def test_bad_data_is_refused_with_every_problem(existing, data_copy):
    set_cell(data_copy, "targets", "emp_new_jobs", "value", "lots")
    before = tree_hashes(existing)
    proc = run_report("--output", existing, "--data-dir", data_copy)
    assert proc.returncode == 1
    assert "problem in the data" in proc.stderr and "is unchanged" in proc.stderr
    assert "targets.csv" in proc.stderr and "'lots' is not a number" in proc.stderr
    assert tree_hashes(existing) == before and leftovers(existing.parent) == []


def test_output_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = run_report("--output", blocker / "reports", "--action", "medical")
    assert proc.returncode == 1
    assert f"cannot write {blocker}: " in proc.stderr  # the path that failed
    proc = run_report("--output", blocker)
    assert proc.returncode == 2 and "exists and is not a directory" in proc.stderr
    assert blocker.read_text() == "not a directory"


def test_figures_directory_that_cannot_be_written_is_refused_first(existing, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    before = tree_hashes(existing)
    proc = run_report("--output", existing, "--figures", blocker)
    assert proc.returncode == 2
    assert f"--figures '{blocker}' exists and is not a directory; nothing was run" in proc.stderr
    assert "running" not in proc.stderr, "refused before any notebook ran"
    assert tree_hashes(existing) == before


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory this user cannot create anything in: mode 0o555, or for root (whom permissions do
    not stop) sysfs, where no one can create a file."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        yield locked
        locked.chmod(0o755)
        return
    sysfs, probe = Path("/sys"), Path("/sys/.linyi-probe")
    try:
        probe.open("x").close()
    except OSError:
        yield sysfs
        return
    probe.unlink()
    pytest.fail("running as root, and /sys accepts new files: no read-only directory to test with")


def test_output_in_a_read_only_directory(read_only_dir):
    before = sorted(p.name for p in read_only_dir.iterdir())
    proc = run_report("--output", read_only_dir / "reports", "--action", "medical")
    assert proc.returncode == 1
    assert f"linyi-report: error: cannot write {read_only_dir}" in proc.stderr
    assert f"{read_only_dir / 'reports'} is unchanged" in proc.stderr
    assert sorted(p.name for p in read_only_dir.iterdir()) == before


def test_a_failing_notebook_is_named_and_nothing_is_published(existing, tmp_path):
    notebooks = plain_overview(tmp_path / "notebooks")
    nb = nbformat.read(notebooks / "action_report.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source.strip() == "tables.targets(plan)")
    nb.cells.insert(at, nbformat.v4.new_code_cell("raise RuntimeError('the figures do not add up')"))
    nbformat.write(nb, notebooks / "action_report.ipynb")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "keep.png").write_bytes(b"the user's chart")
    before, figures_before = tree_hashes(existing), tree_hashes(figures)

    proc = run_report(
        "--action", "medical", "--output", existing, "--figures", figures, "--notebooks", notebooks
    )
    assert proc.returncode == 1
    message = proc.stderr
    assert "1 notebook failed" in message
    assert re.search(
        "action_report.ipynb \\(action='medical'\\) failed in cell \\[\\d+\\] \\([\"']raise RuntimeError",
        message,
    )
    assert "RuntimeError: the figures do not add up" in message
    assert tree_hashes(existing) == before, "the earlier reports are untouched"
    assert tree_hashes(figures) == figures_before
    assert leftovers(existing.parent) == []


def test_a_run_holding_the_output_makes_another_wait_or_stop(existing):
    from linyi_analysis.report.site import locked

    before = tree_hashes(existing)
    with locked([existing.resolve()]):
        proc = run_report("--no-wait", "--output", existing)
    assert proc.returncode == 75 and "another linyi-report run is writing" in proc.stderr
    assert tree_hashes(existing) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_the_site_as_it_was(existing, signum):
    before = tree_hashes(existing)
    environ = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}
    notebooks = plain_overview(existing.parent / "notebooks")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linyi_analysis.report",
            "--force",
            "--output",
            existing,
            "--notebooks",
            notebooks,
            "--action",
            "medical",
            "--action",
            "rural",
            "--jobs",
            "1",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=environ,
    )
    assert proc.stderr.readline().startswith("running 4 notebooks")
    read_until(proc.stderr, r"^\w+ \(\d+\.\d s\)")  # one notebook done: kernels are running the next ones
    proc.send_signal(signum)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 128 + signum
    assert "interrupted;" in rest and "is unchanged" in rest
    assert tree_hashes(existing) == before and leftovers(existing.parent) == []


# --- a second run replaces the site at once -------------------------------------------------


def test_a_new_run_replaces_the_whole_site(site, tmp_path):
    root, _ = site
    reports = tmp_path / "reports"
    shutil.copytree(root / "reports", reports)
    notebooks = ["--notebooks", plain_overview(tmp_path / "notebooks")]
    proc = run_report("--action", "rural", "--no-html", "--quiet", "--output", reports, *notebooks)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == proc.stderr == "", "--quiet prints nothing"
    assert {p.name for p in reports.iterdir()} == {
        "overview.ipynb", "explore.ipynb", "rural.ipynb", "figures", "data", ".linyi-report.json"
    }  # fmt: skip
    assert leftovers(tmp_path) == []
    # the same notebook, run again on the same data, gives the same outputs
    old = nbformat.read(root / "reports" / "rural.ipynb", as_version=4)
    new = nbformat.read(reports / "rural.ipynb", as_version=4)
    assert [c.get("outputs") for c in new.cells] == [c.get("outputs") for c in old.cells]
    # --no-html is in what decides reuse: an ordinary run then makes the pages and the index
    proc = run_report("--action", "rural", "--quiet", "--output", reports, *notebooks, force=False)
    assert proc.returncode == 0, proc.stderr
    assert {"index.html", "overview.html", "rural.html"} <= {p.name for p in reports.iterdir()}
    assert site_problems(reports, PROJECT / "data") == []
