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
import struct
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import PROJECT, skip_or_fail
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
    assert {p.suffix for p in files} == {".ipynb", ".png", ".csv"}
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
