"""How a chart file this package wrote is recognised by its content (light: no matplotlib).

:func:`linyi_analysis.plots.save_figure` writes :data:`SIGNATURE` into every chart, as a
constant (the same bytes every run): a PNG ``tEXt`` chunk ``Software``, an SVG's ``Creator``
(``<dc:creator>…<dc:title>``). The report runner replaces or accepts only files that carry it:
a user's own ``holiday.png`` in ``figures/`` is not a chart of the package, whatever its suffix
(nor is ``holiday.csv``, having no chart of the package beside it).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The value written; ``save_figure`` passes it to ``savefig(metadata=…)``.
SIGNATURE = "linyi_analysis"
#: Metadata for ``savefig`` by format: the signature, and no timestamps or version strings.
METADATA = {"png": {"Software": SIGNATURE}, "svg": {"Date": None, "Creator": SIGNATURE}}
#: A chart's files: its pictures, and its data (``save_figure`` writes ``name.csv`` beside them).
CHART_SUFFIXES = (".png", ".svg", ".csv")

_PNG_TEXT = b"tEXtSoftware\0" + SIGNATURE.encode()
_SVG_CREATOR = b"<dc:creator>\n     <cc:Agent>\n      <dc:title>" + SIGNATURE.encode() + b"</dc:title>"
#: Both marks are near the start of the file (PNG: before the image data; SVG: in its metadata).
_HEAD = 4096


def is_package_chart(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a regular file (not a link) with a chart suffix that carries the
    signature where ``save_figure`` puts it. A CSV has no place for a mark: it is a chart's data
    when the PNG of the same name beside it is a chart of the package."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES or path.is_symlink() or not path.is_file():
        return False
    if suffix == ".csv":
        return is_package_chart(path.with_suffix(".png"))
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD)
    except OSError:
        return False
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n") and _PNG_TEXT in head
    return b"<svg" in head and _SVG_CREATOR in head
