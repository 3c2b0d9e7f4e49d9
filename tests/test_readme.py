"""Every ```python block of the README runs, in order, in one fresh process: a README example can
never drift from the API again."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import PROJECT

README = PROJECT / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


def test_the_readme_has_its_examples():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    # Using the data; Analysis, evidence and figures; Delivery
    assert len(blocks) >= 3
    assert any("plan.delivery()" in b for b in blocks)


def test_every_python_block_of_the_readme_runs(tmp_path):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    script = "\n\n".join(
        f"print('--- README python block {i}', flush=True)\n{block}" for i, block in enumerate(blocks, 1)
    )
    script += "\nprint('--- all README blocks ran', flush=True)\n"
    env = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}  # the package's own data
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # nothing in the project directory is read or written by accident
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert f"--- README python block {len(blocks)}" in done.stdout
    assert done.stdout.rstrip().endswith("--- all README blocks ran")
    assert list(tmp_path.iterdir()) == []  # the examples write no file
