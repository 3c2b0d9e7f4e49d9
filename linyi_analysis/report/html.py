"""Executed notebook → one self-contained HTML page: no code, nothing loaded from the network.

The template (``page.html.j2``) extends nbconvert's ``lab`` one without its CDN scripts (require.js, MathJax,
mermaid: the reports have no widgets, formulas or diagrams). Images are embedded, a PNG with the
alt text of its output (:class:`linyi_analysis.tables.Figure`); a link back to the index heads
every page; cells tagged ``notebook-only`` are left out; ``<meta name="linyi-data-sha256">``
names the data the page was made from. Text from the data reaches a page only through outputs,
escaped where they are made (pandas' tables, :class:`~linyi_analysis.tables.Heading`) or by the
template. One :class:`~nbconvert.HTMLExporter` serves a whole process (:func:`exporter`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: Tag of the cells that only make sense in the notebook (left out of the HTML page).
NOTEBOOK_ONLY = "notebook-only"
#: The page template beside this module (nbconvert's ``lab`` template, extended).
TEMPLATE_NAME = "page.html.j2"


@cache
def exporter(code: bool = False):
    """The process's HTML exporter: prompts hidden, code cells too unless ``code``, the template
    :data:`TEMPLATE_NAME`."""
    import jinja2
    from nbconvert import HTMLExporter

    return HTMLExporter(
        extra_loaders=[jinja2.FileSystemLoader(Path(__file__).parent)],
        template_file=TEMPLATE_NAME,
        exclude_input=not code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        config=_config(),
    )


def _config():
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {NOTEBOOK_ONLY}
    return config


def to_html(nb, title: str, index_href: str | None = "index.html", code: bool = False) -> str:
    """The page for executed notebook ``nb``, titled ``title``, linking back to ``index_href``;
    with its code cells if ``code`` (the analyst's tour: code to copy)."""
    body, _ = exporter(code).from_notebook_node(
        nb, resources={"metadata": {"name": title}, "linyi_index": index_href}
    )
    return body
