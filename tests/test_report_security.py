"""The report site is made from data, so data text must never become markup; and its pages load
nothing from the network.

A fixture dataset carries markup, quotes and ampersands in every kind of free text the pages show
(an action's name, a measure's name, targets' indicators and notes, a fact's topic, publisher,
Chinese passage and notes) — columns the loader does not check against the article, so the data
still passes validation. The pages built from it must show that text, as text, and hold no element
or attribute that came from it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import set_cell
from report_site import is_network, parse_page, run_report

pytestmark = pytest.mark.slow

#: Text that is live markup if a page ever pastes it in unescaped: a script, an event handler, a
#: broken-out attribute, the end of an SVG comment; with both quotes and an ampersand.
PAYLOAD = """<script>alert("x")</script><img src=x onerror=alert(1)> "quoted" 'single' R&D --> <!--"""

#: (table, row id, column): where the payload goes.
PLACES = [
    ("actions", "medical", "name"),
    ("measures", "med_serious_illness", "name"),
    ("targets", "med_key_specialties", "indicator"),  # the medical report and its chart
    ("targets", "med_key_specialties", "notes"),
    ("targets", "emp_graduate_employment_rate", "indicator"),  # the overview's percentage table
    ("targets", "kg_nursing_beds_headline", "indicator"),  # the overview's contradictions
    ("evidence", "spend_health_2014h1", "topic"),
    ("evidence", "spend_health_2014h1", "publisher"),
    ("evidence", "spend_health_2014h1", "quote_zh"),
    ("evidence", "spend_health_2014h1", "notes"),
]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The overview and the medical report, built from data carrying the payload."""
    import shutil

    from linyi_analysis.resources import data_dir

    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(data_dir(), data)
    for table, key, column in PLACES:
        set_cell(data, table, key, column, f"{key} {column} {PAYLOAD}")
    proc = run_report(
        "--output",
        root / "reports",
        "--action",
        "medical",
        "--quiet",
        cwd=root,
        env={"LINYI_DATA_DIR": str(data)},
    )
    assert proc.returncode == 0, proc.stderr
    return root / "reports"


@pytest.mark.parametrize("page", ["index.html", "overview.html", "medical.html"])
def test_data_text_is_shown_as_text_never_as_markup(hostile_site, page):
    html = (hostile_site / page).read_text(encoding="utf-8")
    parsed = parse_page(html)
    assert PAYLOAD in parsed.text, "the data's text is on the page, as text a reader sees"
    assert [t for t, _ in parsed.tags if t in ("script", "iframe", "object", "embed")] == []
    handlers = [(t, name) for t, attrs in parsed.tags for name in attrs if name.lower().startswith("on")]
    assert handlers == []
    assert all(src.startswith("data:image/png;base64,") for src in parsed.images), parsed.images
    assert not re.search(r"<script|<img src=x", html, re.I)
    assert "&lt;script&gt;alert(" in html


def test_the_page_title_is_escaped(hostile_site):
    html = (hostile_site / "medical.html").read_text(encoding="utf-8")
    (title,) = re.findall(r"<title>(.*?)</title>", html, re.S)
    assert "&lt;script&gt;" in title and "<" not in title


def test_charts_hold_the_text_only_as_drawing(hostile_site):
    """SVG charts draw text as paths; matplotlib keeps the text in a comment, escaped so that
    ``-->`` cannot end it early: no element or attribute comes from the data."""
    svgs = sorted((hostile_site / "figures").glob("*.svg"))
    assert svgs
    reached = False
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        reached |= "&lt;script&gt;alert(" in text
        root = ET.fromstring(text)  # well-formed: nothing broke out of a comment
        for element in root.iter():
            assert not element.tag.endswith("script"), svg.name
            assert not [a for a in element.attrib if a.lower().startswith("on")], svg.name
    assert reached, "the payload was drawn into a chart"


def test_executed_notebooks_keep_the_text_escaped(hostile_site):
    for path in hostile_site.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                markup = "".join(output.get("data", {}).get("text/html", []))
                assert "<script" not in markup and "<img src=x" not in markup, path.name


# --- nothing loaded from the network ---------------------------------------------------------


@pytest.mark.parametrize("built", ["reference", "hostile"])
def test_pages_load_nothing_from_the_network(built, reference_site, hostile_site):
    reports = reference_site.reports if built == "reference" else hostile_site
    pages = sorted(reports.glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        loads = parse_page(page.read_text(encoding="utf-8")).loads
        if page.name != "index.html":  # (the index has no image, and its CSS no url())
            assert any(u.startswith("data:image/png") for u in loads), (
                f"{page.name}: the check sees its charts"
            )
        assert [url for url in loads if is_network(url)] == [], page.name


def test_the_network_check_finds_what_a_page_would_fetch():
    page = parse_page(
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
        '<style>@import url("https://fonts.example.org/f.css"); .a { background: url(//img.example.org/b.png) }</style>'
        '<script src="http://js.example.org/a.js"></script></head>'
        '<body><img srcset="data:image/png;base64,AA 1x, https://img.example.org/c.png 2x">'
        '<iframe src="https://frame.example.org/"></iframe><a href="https://www.4ll.net/">source</a>'
        '<img src="figures/x.png"></body></html>'
    )
    assert sorted({url for url in page.loads if is_network(url)}) == [
        "//img.example.org/b.png",
        "http://js.example.org/a.js",
        "https://cdn.example.org/x.css",
        "https://fonts.example.org/f.css",
        "https://frame.example.org/",
        "https://img.example.org/c.png",
    ]
    assert "https://www.4ll.net/" not in page.loads, "a link to the source is not a load"
