"""Write the generated parts of docs/ from the package: ``python docs/generate.py`` (``make docs``).

- ``data-dictionary.md``, whole, from the data package (``datapackage.json``) and the columns
  the frames add (``la.describe``, :mod:`linyi_analysis.dictionary`);
- in ``delivery.md``, the blocks between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``: which
  fact may decide (:data:`linyi_analysis.delivery_rules.DECIDES`) and which area speaks for which
  (:data:`~linyi_analysis.delivery_rules.COVERS`).

tests/test_docs.py checks that the committed pages equal what this writes.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def dictionary_page() -> str:
    from linyi_analysis.dictionary import added_markdown, markdown

    return "\n".join(
        [
            "# Data dictionary",
            "",
            "Every column of every table in `data/` (the data package, `data/datapackage.json`), generated",
            "by `python docs/generate.py` (`make docs`); do not edit by hand. In Python: `la.describe(name)`.",
            "",
            markdown().rstrip("\n"),
            "",
            "#### Columns the frames add (`load_plan()`, the derived frames)",
            "",
            added_markdown(),
            "",
        ]
    )


def blocks() -> dict[str, str]:
    """Generated blocks of delivery.md, by name."""
    from linyi_analysis.delivery_rules import COVERS, DECIDES

    decides = ["| kind | relation | role |", "|---|---|---|"]
    decides += [f"| `{kind}` | `{relation}` | `{role}` |" for (kind, relation), role in DECIDES.items()]
    covers = ["| a figure for | speaks for commitments in |", "|---|---|"]
    covers += [f"| `{a}` | {', '.join(f'`{b}`' for b in c) or 'none'} |" for a, c in COVERS.items()]
    return {"decides": "\n".join(decides), "covers": "\n".join(covers)}


def fill(text: str, generated: dict[str, str]) -> str:
    """``text`` with each ``<!-- NAME:start -->…<!-- NAME:end -->`` block holding ``generated[NAME]``."""
    for name, body in generated.items():
        pattern = rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)"
        text, n = re.subn(pattern, lambda m, body=body: f"{m[1]}{body}\n{m[2]}", text, flags=re.S)
        if n != 1:
            raise SystemExit(f"delivery.md: no block {name!r} (or more than one)")
    return text


def main() -> None:
    (DOCS / "data-dictionary.md").write_text(dictionary_page(), encoding="utf-8")
    page = DOCS / "delivery.md"
    page.write_text(fill(page.read_text(encoding="utf-8"), blocks()), encoding="utf-8")


if __name__ == "__main__":
    main()
