"""The report site in a real browser: headless Chromium (Debian's ``chromium`` package) driven by
Playwright for Python, which never downloads a browser of its own here.

From ``index.html`` every page of the site is opened: every link resolves, every image loads
(``naturalWidth`` > 0), the console shows no error and nothing is fetched but the site's own
files. Screenshots of the index and of one action report are saved in ``test-artifacts/``.

``.ci/run`` installs Chromium (apt) and Playwright (the ``test`` extra); where no Chromium can
be had (another OS, no package), the tests skip and say so, except under ``CI=true``, where a
missing browser fails the run.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import PROJECT, read_rows, skip_or_fail
from playwright import sync_api

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("LINYI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        skip_or_fail(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set LINYI_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors, failed loads and every request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors, tab.requests = [], []
    tab.on("console", lambda m: m.type == "error" and tab.errors.append(f"console: {m.text}"))
    tab.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: tab.errors.append(f"failed to load {r.url}: {r.failure}"))
    tab.on("request", lambda r: tab.requests.append(r.url))
    yield tab
    context.close()


def file_of(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def test_every_page_link_and_image_of_the_site_works(page, reference_site):
    site = reference_site.reports.resolve()
    to_visit, visited, files = [(site / "index.html").as_uri()], set(), set()
    while to_visit:
        url = to_visit.pop()
        if url in visited:
            continue
        visited.add(url)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, url
        images = page.evaluate(
            "Array.from(document.images, i => [i.currentSrc.slice(0, 40), i.naturalWidth])"
        )
        assert [src for src, width in images if width == 0] == [], f"{url}: images that did not load"
        for href in page.evaluate("Array.from(document.links, a => a.href)"):
            target = urlsplit(href)
            if target.scheme in ("http", "https"):
                continue  # a link out of the site (none is loaded)
            assert target.scheme == "file", f"{url} links {href}"
            path = file_of(href)
            assert path.is_file() and path.is_relative_to(site), (
                f"{url} links {href}, which is not in the site"
            )
            if path.suffix == ".html":
                to_visit.append(path.as_uri())
            else:
                files.add(path)
    assert {file_of(u).name for u in visited} == {p.name for p in site.glob("*.html")}, "every page is linked"

    # The other files linked (notebooks, charts and their data) are there; the charts load as images.
    assert {p.suffix for p in files} == {".ipynb", ".png", ".svg", ".csv"}
    page.goto((site / "index.html").as_uri())
    for chart in sorted(p for p in files if p.suffix == ".png"):
        width = page.evaluate(
            "src => new Promise(done => { const i = new Image(); i.onload = () => done(i.naturalWidth);"
            " i.onerror = () => done(0); i.src = src; })",
            chart.as_uri(),
        )
        assert width > 0, f"{chart.name} does not load as an image"

    assert page.errors == []
    outside = [u for u in page.requests if not u.startswith(("file:", "data:"))]
    assert outside == [], "the site fetches nothing from the network"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", ["index", "medical"])
def test_screenshots_are_saved_as_artifacts(page, reference_site, name):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report-{name}.png"
    shot.unlink(missing_ok=True)
    page.goto((reference_site.reports / f"{name}.html").resolve().as_uri(), wait_until="load")
    page.screenshot(path=shot, full_page=True)
    width, height = png_size(shot)
    assert width >= 1280 and height >= 900, (width, height)
    assert page.errors == []


# --- pages written for readers, at a phone's width and a desktop's -------------------------

WIDTHS = (400, 1280)
#: What an id looks like (``snake_case`` or ``a:b``); looked for in visible text without its URLs.
ID = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b|\b\w+:\w+")
URL = re.compile(r"https?://\S+")
TABLES = """Array.from(document.querySelectorAll('table'), t => ({
    head: Array.from(t.querySelectorAll('thead th'), c => c.innerText.trim()),
    rows: Array.from(t.querySelectorAll('tbody tr'), r => Array.from(r.children, c => c.innerText.trim()))}))"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_reads_without_sideways_scroll_empty_tables_or_ids(browser, reference_site, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    problems = []
    for html in sorted(reference_site.reports.glob("*.html")):
        tab.goto(html.resolve().as_uri(), wait_until="load")
        wide = tab.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{html.name}: {wide} px wide")
        empty = [t["head"] for t in tab.evaluate(TABLES) if not t["rows"]]
        if empty:
            problems.append(f"{html.name}: tables without rows {empty}")
        ids = ID.findall(URL.sub("", tab.evaluate("document.body.innerText")))
        if ids and html.name != "explore.html":  # the analyst's tour shows its code: column names
            problems.append(f"{html.name}: ids {sorted(set(ids))}")
    context.close()
    assert problems == []


#: Each table too wide for the box it sits in (its columns partly out of sight), as its header.
OVERFLOWING = """Array.from(document.querySelectorAll('table'), t => [t, t.parentElement])
    .filter(([t, box]) => box.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right
        > document.documentElement.clientWidth + 1)
    .map(([t]) => Array.from(t.querySelectorAll('thead th'), c => c.textContent.trim()).join(' | '))"""


def test_at_a_phone_width_every_table_shows_all_its_columns(browser, reference_site):
    """At 400 px no table hides columns in a sideways-scrolling box: each fits (a narrow screen
    stacks a row as "column: value" lines), and every column's label and value are shown."""
    context = browser.new_context(viewport={"width": 400, "height": 900})
    tab = context.new_page()
    problems = {}
    for html in sorted(reference_site.reports.glob("*.html")):
        if html.name == "explore.html":  # the analyst's tour shows pandas' own output, as JupyterLab does
            continue
        tab.goto(html.resolve().as_uri(), wait_until="load")
        if hidden := tab.evaluate(OVERFLOWING):
            problems[html.name] = hidden
    context.close()
    assert problems == {}


def test_chart_links_stay_together_and_each_chart_opens_full_size(browser, reference_site):
    """Review 2, items 8 and 19: on the index a chart's PNG and its CSV share one line at 400 px;
    on the pages each chart links its PNG, SVG and data (CSV)."""
    context = browser.new_context(viewport={"width": 400, "height": 900})
    tab = context.new_page()
    tab.goto((reference_site.reports / "index.html").resolve().as_uri(), wait_until="load")
    lines = tab.evaluate(
        """Array.from(document.querySelectorAll('p.files .group'), g => {
            const tops = new Set(Array.from(g.querySelectorAll('a'), a => Math.round(a.getBoundingClientRect().top)));
            return [g.innerText, tops.size, g.getBoundingClientRect().right <= document.documentElement.clientWidth]; })"""
    )
    assert lines and [line for line in lines if line[1] != 1 or not line[2]] == []
    tab.goto((reference_site.reports / "urban.html").resolve().as_uri(), wait_until="load")
    charts = tab.evaluate(
        """Array.from(document.querySelectorAll('.jp-RenderedImage img'), i => [
            i.closest('a') && i.closest('a').getAttribute('href'),
            Array.from(i.closest('.jp-RenderedImage').querySelectorAll('.linyi-chart-links a'),
                a => a.getAttribute('href'))])"""
    )
    visible = tab.evaluate(
        """Array.from(document.querySelectorAll('.linyi-chart-links'), p => {
            const r = p.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.right <= document.documentElement.clientWidth; })"""
    )
    context.close()
    assert visible == [True, True]
    assert charts == [
        [f"figures/{n}_urban.png", [f"figures/{n}_urban.{x}" for x in ("png", "svg", "csv")]]
        for n in ("action", "delivery")
    ]


def _names() -> dict[str, str]:
    return {r["action_id"]: r["name"] for r in read_rows(PROJECT / "data" / "actions.csv")}


def _index(page, site: Path) -> dict[str, dict[str, str]]:
    """Each report on the index (its file stem) → its headline numbers (label → text)."""
    page.goto((site / "index.html").resolve().as_uri(), wait_until="load")
    return page.evaluate(
        """Object.fromEntries(Array.from(document.querySelectorAll('section.report'), s => [
            s.id,
            Object.fromEntries(Array.from(s.querySelectorAll('dt'),
                d => [d.innerText.trim(), d.nextElementSibling.innerText.trim()]))]))"""
    )


def _statuses(text: str) -> int:
    """``3 met, 1 exceeded, … (searched up to …)`` → the commitments counted (3 + 1 + …)."""
    return sum(int(n) for n in re.findall(r"(?:^|, )(\d+) ", text.split(" (searched")[0]))


def _charted(csv: Path) -> int:
    """The commitments a delivery chart draws, from the data published beside it."""
    return sum(int(r["commitments"]) for r in read_rows(csv) if r["panel"] == "evidence status")


def _table(page, last_header: str) -> dict:
    (table,) = [t for t in page.evaluate(TABLES) if t["head"] and t["head"][-1] == last_header]
    return table


def test_an_action_page_is_headed_by_the_action_name(page, reference_site):
    names = _names()
    for action in [a for a in names if (reference_site.reports / f"{a}.html").exists()]:
        page.goto((reference_site.reports / f"{action}.html").resolve().as_uri(), wait_until="load")
        assert page.evaluate("Array.from(document.querySelectorAll('h1'), h => h.innerText.trim())") == [
            names[action]
        ]


def test_the_index_counts_equal_the_pages_and_the_charts(page, reference_site):
    """One definition of a commitment: the index, each page's tables and each chart's data count
    the same commitments (42 in the plan: 44 target rows, two of them lead-paragraph restatements)."""
    site, figures = reference_site.reports, reference_site.reports / "figures"
    index = _index(page, site)
    assert index["overview"]["commitments"] == "42"
    assert _statuses(index["overview"]["delivery (public evidence)"]) == 42
    page.goto((site / "overview.html").resolve().as_uri(), wait_until="load")
    summary = _table(page, "Official facts")
    targets = dict(zip(summary["head"], zip(*summary["rows"], strict=True), strict=False))["Commitments"]
    assert sum(int(n) for n in targets) == 42
    counts = _table(page, "Searched up to")
    assert sum(int(n) for row in counts["rows"] for n in row[1:-1]) == 42
    assert _charted(figures / "delivery.csv") == 42
    for action in [a for a in index if a not in ("overview", "explore", "goals")]:
        numbers = index[action]
        page.goto((site / f"{action}.html").resolve().as_uri(), wait_until="load")
        at_a_glance = _table(page, "Official facts")
        on_page = {
            "at a glance": int(at_a_glance["rows"][0][at_a_glance["head"].index("Commitments")]),
            "targets table": len(_table(page, "Stated in")["rows"]),
            "delivery table": len(_table(page, "Searched")["rows"]),
            "targets chart": len(read_rows(figures / f"action_{action}.csv")),
            "delivery chart": _charted(figures / f"delivery_{action}.csv"),
        }
        index_counts = {int(numbers["commitments"]), _statuses(numbers["delivery (public evidence)"])}
        assert {*on_page.values(), *index_counts} == {int(numbers["commitments"])}, (action, numbers, on_page)


def test_the_index_headline_counts_add_up_to_its_cards(page, reference_site):
    """The overview's commitments and statuses are the sums over the cards below it: the six
    actions and the overall goals (42 = 41 + 1; review 2, item 2), whose status the overview shows."""
    index = _index(page, reference_site.reports)
    cards = [numbers for name, numbers in index.items() if name not in ("overview", "explore")]
    assert len(cards) == len(_names())  # the goals and the six actions (actions.csv)
    assert int(index["overview"]["commitments"]) == sum(int(c["commitments"]) for c in cards) == 42
    assert index["goals"]["delivery (public evidence)"].startswith("1 in progress")
    statuses = [re.findall(r"(\d+) ([a-z ]+?)(?:,|$| \()", c["delivery (public evidence)"]) for c in cards]
    total = {}
    for n, status in (pair for card in statuses for pair in card):
        total[status] = total.get(status, 0) + int(n)
    head = dict(
        (s, int(n))
        for n, s in re.findall(
            r"(\d+) ([a-z ]+?)(?:,|$| \()", index["overview"]["delivery (public evidence)"]
        )
    )
    assert head == total
    page.goto((reference_site.reports / "overview.html").resolve().as_uri(), wait_until="load")
    goals = [
        t for t in page.evaluate(TABLES) if t["head"] and t["head"][-1] == "Searched" and len(t["rows"]) == 1
    ]
    assert [r[:3] for r in goals[0]["rows"]] == [
        ["Livelihood spending as a share of the city's fiscal expenditure", "≥ 80%", "in progress"]
    ]


def test_the_tours_code_is_never_cut_off_at_a_phone_width(browser, reference_site):
    """explore.html shows its code to copy: a line wider than a 400 px screen scrolls in its box."""
    context = browser.new_context(viewport={"width": 400, "height": 900})
    tab = context.new_page()
    tab.goto((reference_site.reports / "explore.html").resolve().as_uri(), wait_until="load")
    cut = tab.evaluate(
        """[...document.querySelectorAll('.jp-InputArea-editor')].filter(
             e => e.scrollWidth > e.clientWidth && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
           ).length"""
    )
    wide = tab.evaluate(
        "[...document.querySelectorAll('.jp-InputArea-editor')].filter(e => e.scrollWidth > e.clientWidth).length"
    )
    context.close()
    assert wide > 0, "the tour has lines wider than a phone: the check can see them"
    assert cut == 0
