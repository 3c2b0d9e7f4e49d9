"""Executed notebook → one self-contained HTML page: no code, nothing loaded from the network.

The template extends nbconvert's ``lab`` one without its CDN scripts (require.js, MathJax,
mermaid: the reports have no widgets, formulas or diagrams). Images are embedded, a PNG with the
alt text of its output (:class:`linyi_analysis.tables.Figure`); a link back to the index heads
every page; cells tagged ``notebook-only`` are left out; ``<meta name="linyi-data-sha256">``
names the data the page was made from. Text from the data reaches a page only through outputs,
escaped where they are made (pandas' tables, :class:`~linyi_analysis.tables.Heading`) or by the
template. One :class:`~nbconvert.HTMLExporter` serves a whole process (:func:`exporter`).
"""

from __future__ import annotations

from functools import cache

#: Tag of the cells that only make sense in the notebook (left out of the HTML page).
NOTEBOOK_ONLY = "notebook-only"
TEMPLATE_NAME = "linyi_report.html.j2"
TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head -%}
{{ super() }}
{%- if nb.metadata.linyi_report and nb.metadata.linyi_report.data_sha256 %}
<meta name="linyi-data-sha256" content="{{ nb.metadata.linyi_report.data_sha256 | escape_html }}">
{%- endif %}
{%- endblock html_head -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style type="text/css">
  nav.linyi-nav { max-width: 1100px; margin: 0 auto; padding: 8px 20px; font-family: var(--jp-ui-font-family); }
  main { max-width: 1100px; margin: 0 auto; }
  .jp-RenderedImage img { max-width: 100%; height: auto; }
  .jp-RenderedHTMLCommon table.dataframe td, .jp-RenderedHTMLCommon table.dataframe th { text-align: left; }
  .jp-RenderedHTMLCommon table.linyi-table .date { white-space: nowrap; }
  .jp-RenderedHTMLCommon table.linyi-table a { overflow-wrap: anywhere; }
  /* A phone's width: each row is a card of "column: value" lines, so no column is out of sight. */
  @media (max-width: 700px) {
    .jp-RenderedHTMLCommon table.linyi-table, .jp-RenderedHTMLCommon table.linyi-table tbody,
    .jp-RenderedHTMLCommon table.linyi-table tr, .jp-RenderedHTMLCommon table.linyi-table td {
      display: block; width: auto; max-width: 100%; }
    .jp-RenderedHTMLCommon table.linyi-table thead {
      position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    .jp-RenderedHTMLCommon table.linyi-table tr { border: 1px solid #ccc; border-radius: 4px; margin: 0 0 8px; padding: 4px 8px; }
    .jp-RenderedHTMLCommon table.linyi-table td { border: none; padding: 2px 0; overflow-wrap: anywhere; }
    .jp-RenderedHTMLCommon table.linyi-table td:empty { display: none; }
    .jp-RenderedHTMLCommon table.linyi-table td::before { content: attr(data-label) ": "; font-weight: 600; }
  }
  .jp-RenderedImage:has(.linyi-chart-links) { flex-direction: column; align-items: flex-start; }
  .linyi-chart-links { margin: 0.3em 0 1em; font-family: var(--jp-ui-font-family); }
  .linyi-chart-links a { white-space: nowrap; color: #0a58ca; text-decoration: underline; }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.linyi_index %}
<nav class="linyi-nav"><a href="{{ resources.linyi_index | escape_html }}">← All reports</a></nav>
{%- endif %}
{%- endblock body_header -%}
{% block data_png scoped %}
{%- set files = output | get_metadata('files', 'image/png') or {} %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
{%- if files.png %}<a href="{{ files.png | escape_html }}" title="The chart at full size">{% endif %}
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ (output | get_metadata('alt', 'image/png') or 'chart') | escape_html }}">
{%- if files.png %}</a>{% endif %}
{%- if files %}
<p class="linyi-chart-links">Open this chart:
{%- for kind, label in [('png', 'PNG'), ('svg', 'SVG'), ('csv', 'its data (CSV)')] if files[kind] %}
{{ ' · ' if not loop.first }}<a href="{{ files[kind] | escape_html }}">{{ label }}</a>
{%- endfor %}</p>
{%- endif %}
</div>
{%- endblock data_png %}
"""


@cache
def exporter(code: bool = False):
    """The process's HTML exporter: prompts hidden, code cells too unless ``code``, the template above."""
    import jinja2
    from nbconvert import HTMLExporter

    return HTMLExporter(
        extra_loaders=[jinja2.DictLoader({TEMPLATE_NAME: TEMPLATE})],
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
