"""Helpers for the tests of `linyi-report` as a user runs it: start the command, fingerprint a
directory, and read a built site (its links, what its pages load, which data each page is from).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "linyi_analysis.report"]


def report_env(env: dict | None = None) -> dict:
    """The environment for a run: this one without ``LINYI_DATA_DIR``, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}
    environ.update(env or {})
    return environ


def run_report(
    *args,
    cwd: Path | None = None,
    env: dict | None = None,
    timeout: float = 600,
    force: bool = True,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Run ``linyi-report ARGS`` to the end (``timeout`` only guards against a hang).

    ``force``: with ``--force``, so every notebook executes as the test expects, whatever the
    output held (tests/test_report_incremental.py runs without it). ``prefix``: a command to run
    it under (``setpriv …``)."""
    return subprocess.run(
        [*prefix, *COMMAND, *(["--force"] if force else []), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or PROJECT,
        env=report_env(env),
        timeout=timeout,
    )


def start_report(*args, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start ``linyi-report --force ARGS`` in a session of its own; its progress lines come on
    ``stderr`` (``--force``: every notebook executes, whatever the output held)."""
    return subprocess.Popen(
        [*COMMAND, "--force", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or PROJECT,
        env=report_env(env),
        start_new_session=True,
    )


def read_until(stream, pattern: str) -> list[str]:
    """Lines read from ``stream`` up to and including the first matching ``pattern`` (a regex).

    Raises AssertionError with what was read if the stream ends first (the process exited).
    """
    lines = []
    for line in iter(stream.readline, ""):
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r} before the end of output:\n{''.join(lines)}")


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → SHA-256), and every directory (→ "dir")."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def leftovers(parent: Path) -> list[str]:
    """What a run may leave beside its output: build directories and old sites (``.<name>.linyi-*``)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def data_sha256(data_dir: Path) -> str:
    """The SHA-256 a run records for the data in ``data_dir`` (its files, as the index names them)."""
    from linyi_analysis.report.data import digest, read_data

    return digest(read_data(data_dir))


# --- reading pages ---------------------------------------------------------------------------

#: Elements and attributes through which a page loads something (a link, ``<a href>``, is not a load).
LOADING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "track": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", re.I)


@dataclass
class Page:
    """What a parsed HTML page holds: its elements, links, loads, text and data fingerprint."""

    tags: list[tuple[str, dict]] = field(default_factory=list)  # (tag, attributes) in order
    links: list[str] = field(default_factory=list)  # every <a href>
    loads: list[str] = field(default_factory=list)  # every URL the page would fetch or embed
    text: str = ""  # the text a reader sees (entities decoded), including <title>
    data_sha256: str | None = None

    @property
    def images(self) -> list[str]:
        return [a.get("src", "") for t, a in self.tags if t == "img"]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._texts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        self.page.tags.append((tag, attributes))
        if tag == "a" and "href" in attributes:
            self.page.links.append(attributes["href"])
        for name in LOADING.get(tag, ()):
            if name in attributes:
                values = attributes[name].split(",") if name == "srcset" else [attributes[name]]
                self.page.loads += [v.strip().split(" ")[0] for v in values if v.strip()]
        if "style" in attributes:
            self._css(attributes["style"])
        if tag == "meta" and attributes.get("name") == "linyi-data-sha256":
            self.page.data_sha256 = attributes.get("content")
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)
        else:
            self._texts.append(data)

    def _css(self, css: str) -> None:
        self.page.loads += _CSS_URL.findall(css) + _CSS_IMPORT.findall(css)

    def close(self):
        super().close()
        self.page.text = "".join(self._texts)


def parse_page(html: str) -> Page:
    """Parse one HTML page (with the standard library's parser, as a browser tokenises it)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def is_network(url: str) -> bool:
    """True for a URL that would be fetched from elsewhere (``http:``, ``//host``, ``ftp:``, …),
    False for one inside the site (relative) or embedded (``data:``)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip().startswith("//") or scheme not in ("", "data")


def local_target(page: Path, href: str) -> Path | None:
    """The file a relative link of ``page`` points to (None for an absolute URL or a bare #anchor)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def site_problems(reports: Path, data_dir: Path | None = None) -> list[str]:
    """What is wrong with a built site as a whole; empty for a complete, consistent one.

    - every link of every page (index and reports) resolves to a file of the site;
    - every page and executed notebook names the data it was made from (the digest of the data
      its notebook reads: the whole data for the overview, an action's package for its report), a
      page and its notebook name the same, and, given ``data_dir``, that is the digest of its
      data there;
    - every chart embedded in a page is a file of ``figures/``, byte for byte (the charts are
      from the same run as the pages).
    """
    import json

    problems = []
    index = reports / "index.html"
    if not index.is_file():
        return [f"{index} is missing"]
    digests: dict[str, str | None] = {}
    charts = {p.read_bytes() for p in (reports / "figures").glob("*.png")}
    for page_path in sorted(reports.glob("*.html")):
        page = parse_page(page_path.read_text(encoding="utf-8"))
        digests[page_path.name] = page.data_sha256
        for href in page.links:
            target = local_target(page_path, href)
            if target is not None and not target.is_file():
                problems.append(f"{page_path.name} links {href}, which is not a file of the site")
        for src in page.images:
            prefix = "data:image/png;base64,"
            inline = page_path.name == "explore.html"  # the tour's seaborn charts are the page's own
            if src.startswith(prefix) and not inline and base64.b64decode(src[len(prefix) :]) not in charts:
                problems.append(f"{page_path.name} shows a chart that is not in figures/")
    for nb_path in sorted(reports.glob("*.ipynb")):
        meta = json.loads(nb_path.read_text(encoding="utf-8"))["metadata"].get("linyi_report", {})
        digests[nb_path.name] = meta.get("data_sha256")
    stems: dict[str, set] = {}
    for name, digest in digests.items():
        if name != "index.html":
            stems.setdefault(name.rsplit(".", 1)[0], set()).add(digest)
    if any(len(d) != 1 or None in d for d in stems.values()):
        problems.append(f"a page and its notebook do not name the same data: {digests}")
    if data_dir is not None:
        from linyi_analysis.report.data import digest, packages, read_data

        files = read_data(data_dir)
        for stem, found in stems.items():
            expected = digest(files if stem in ("overview", "explore") else packages(files, [stem])[stem])
            if found != {expected}:
                problems.append(f"{stem} is not made from the data in {data_dir}: {found}")
    return problems


def site_digest(reports: Path) -> str | None:
    """The SHA-256 of the data ``reports/index.html`` says the site was made from."""
    return parse_page((reports / "index.html").read_text(encoding="utf-8")).data_sha256


def plain_overview(directory: Path) -> Path:
    """A copy of the notebooks in ``directory`` whose overview is only its parameters cell (and
    explore only a text cell): for the
    tests of the run itself (locks, signals, reuse of action reports), where the overview's content
    does not matter and its kernel's time would be most of the test's."""
    import nbformat

    directory.mkdir(parents=True, exist_ok=True)
    report = nbformat.read(PROJECT / "notebooks" / "action_report.ipynb", as_version=4)
    nbformat.write(report, directory / "action_report.ipynb")
    overview = nbformat.v4.new_notebook(metadata={"kernelspec": report.metadata.kernelspec})
    overview.cells = [nbformat.v4.new_code_cell('figures_dir: str = ""', metadata={"tags": ["parameters"]})]
    nbformat.write(overview, directory / "overview.ipynb")
    explore = nbformat.v4.new_notebook(metadata={"kernelspec": report.metadata.kernelspec})
    explore.cells = [nbformat.v4.new_markdown_cell("The tour, in short.")]  # no kernel time of its own
    nbformat.write(explore, directory / "explore.ipynb")
    return directory
