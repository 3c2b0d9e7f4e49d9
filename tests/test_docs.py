"""The README and docs/: their links resolve, their Python examples run, the generated pages are
current; and the installs they describe: environment.yml, the dependency lists, the Makefile."""

from __future__ import annotations

import ast
import os
import re
import runpy
import subprocess
import sys
import time
import tomllib
import urllib.parse
from importlib import metadata
from pathlib import Path

import matplotlib
import pytest
import yaml  # PyYAML comes with papermill, a runtime dependency
from conftest import PROJECT, set_cell

import linyi_analysis as la
from linyi_analysis.delivery import STATUSES, commitments
from linyi_analysis.delivery_rules import DECIDES

README = PROJECT / "README.md"
DOCS = PROJECT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
GENERATE = runpy.run_path(str(DOCS / "generate.py"))
#: Test tools and the lab: never a requirement of the package itself (a scheduled server's install).
NOT_RUNTIME = {
    "pytest",
    "pytest-xdist",
    "nbval",
    "playwright",
    "frictionless",
    "ruff",
    "coverage",
    "jupyterlab",
}


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_code(markdown: str) -> str:
    """The Markdown outside fenced code blocks and inline code spans."""
    markdown = re.sub(r"^```.*?^```[ \t]*$", "", markdown, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", markdown)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"[`*_]|\[|\]\([^)]*\)", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", without_code(markdown), flags=re.M)}


def broken_links(page: Path) -> list[str]:
    """Every link of ``page`` that does not resolve: a relative file that is missing, an anchor no
    heading of its page has, an external address that is not a well-formed http(s) URL."""
    body = without_code(text(page))
    targets = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", body) + re.findall(r"<(https?://[^>]+)>", body)
    bad = []
    for target in targets:
        url = urllib.parse.urlsplit(target)
        if url.scheme:
            if url.scheme not in ("http", "https") or not re.fullmatch(r"[\w.-]+\.[a-z]{2,}", url.netloc):
                bad.append(target)
            continue
        path = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path else page
        missing = not path.exists() or not path.is_relative_to(PROJECT)
        if missing or (url.fragment and (path.suffix != ".md" or url.fragment not in anchors(text(path)))):
            bad.append(target)
    return bad


def test_pages_have_links_and_every_one_resolves():
    assert sum(len(re.findall(r"\]\(", without_code(text(p)))) for p in PAGES) >= 10
    assert {p.name: broken_links(p) for p in PAGES} == {p.name: [] for p in PAGES}


def test_the_link_check_finds_a_broken_link(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PROJECT", tmp_path)
    (tmp_path / "b.md").write_text("# A heading\n")
    page = tmp_path / "a.md"
    page.write_text(
        "# Top\n[ok](b.md#a-heading) [ok](#top) [ok](https://example.org/x) `[code](nowhere.md)`\n"
        "[gone](missing.md) [no anchor](b.md#nope) [bad url](https://) ![img](pic.png) [out](../x.md)\n"
    )
    assert broken_links(page) == ["missing.md", "b.md#nope", "https://", "pic.png", "../x.md"]


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(PROJECT / t).resolve() for t in re.findall(r"\]\((docs/[^)#]+)", text(README))}
    assert {p.resolve() for p in DOCS.glob("*.md")} <= linked
    assert len(linked) >= 5


def test_the_readme_is_short_and_shows_one_chart():
    lines = text(README).splitlines()
    assert len(lines) <= 250
    charts = re.findall(r"!\[[^\]]+\]\((figures/[^)]+\.png)\)", text(README))
    assert len(charts) == 1 and (PROJECT / charts[0]).is_file()


def test_the_readme_counts_commitments_and_targets_as_the_data_does(plan):
    rows, (kept, _) = len(plan.targets), commitments(plan.targets)
    assert (rows, len(kept)) == (44, 42)  # by hand: two lead-paragraph rows restate body rows
    prose = " ".join(text(README).split())
    assert f"the {rows} rows of the targets table are {len(kept)} commitments" in prose


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.M | re.S)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_examples_run(page, tmp_path, monkeypatch):
    """A page's ```python blocks run in order, in one namespace, on the package's own data, and
    write nothing. Shell, text and other blocks are not Python and are not run."""
    import matplotlib.pyplot as plt

    monkeypatch.delenv("LINYI_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")
    namespace: dict = {}
    for i, block in enumerate(python_blocks(text(page)), 1):
        exec(compile(block, f"{page.name}, python block {i}", "exec"), namespace)
    plt.close("all")
    assert list(tmp_path.iterdir()) == []


def test_the_readme_example_uses_pandas_and_seaborn():
    [example] = python_blocks(text(README))
    assert "la.load_plan()" in example and "import seaborn" in example and "plan.delivery()" in example


def test_no_search_date_is_typed_in_the_docs(plan):
    latest = max(plan.table("evidence_searches")["searched_on"])
    for page in PAGES:
        assert latest not in text(page), page.name


# --- generated reference --------------------------------------------------------------------


def test_the_data_dictionary_page_is_current():
    page = text(DOCS / "data-dictionary.md")
    assert page == GENERATE["dictionary_page"](), "run: make docs"
    for table in la.datapackage()["resources"]:
        assert f"`{table['path']}`" in page
    assert "`targets.label`" in page  # a column load_plan adds


def test_the_data_dictionary_follows_the_data_package(monkeypatch):
    """Generated from datapackage.json: a description changed there changes the page."""
    import json

    package = json.loads((PROJECT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"][0]["schema"]["fields"][0]["description"] = "A new meaning"
    monkeypatch.setattr(sys.modules["linyi_analysis.dictionary"], "datapackage", lambda: package)
    assert "A new meaning" in GENERATE["dictionary_page"]()


def test_the_delivery_page_holds_the_rule_tables_of_the_code():
    page = text(DOCS / "delivery.md")
    assert page == GENERATE["fill"](page, GENERATE["blocks"]()), "run: make docs"
    for (kind, relation), role in DECIDES.items():
        assert f"| `{kind}` | `{relation}` | `{role}` |" in page
    roles = re.search(r"^The roles: (.*?)\n\n", page, flags=re.M | re.S)[1]
    assert set(re.findall(r"`(\w+)`, ", roles)) == set(DECIDES.values())
    statuses = re.search(r"^## Statuses\n(.*?)\n## ", page, flags=re.M | re.S)[1]
    assert {s for s in STATUSES if f"`{s}`" in statuses} == set(STATUSES)


def test_the_changes_example_is_what_the_command_prints(data_copy, tmp_path):
    """docs/report.md's `--changes` example: a site built from the data, then one cell edited."""
    import shutil

    from linyi_analysis.report.changes import as_text, changes
    from linyi_analysis.report.site import write_marker

    site = tmp_path / "reports"
    shutil.copytree(data_copy, site / "data")
    write_marker(site)
    set_cell(data_copy, "evidence", "pocket_parks_built_2022", "value", "140")
    printed = as_text(changes(site, data_copy), "reports")
    page = text(DOCS / "report.md")
    assert f"```text\n{printed}```" in page


def test_the_validation_example_is_what_the_loader_raises(data_copy):
    set_cell(data_copy, "targets", "edu_school_teachers_headline", "value", "abc")
    set_cell(data_copy, "targets", "kg_veteran_subsidy", "action_id", "nope")
    with pytest.raises(la.DataValidationError) as raised:
        la.load_plan(data_copy)
    shown = f"{type(raised.value).__module__}.{type(raised.value).__name__}: {raised.value}"
    assert f"```text\n{shown}\n```" in text(DOCS / "data.md")


def test_the_reliability_page_names_tests_that_exist():
    named = set(re.findall(r"tests/(test_\w+\.py)", text(DOCS / "reliability.md")))
    assert len(named) >= 6
    assert {n for n in named if not (PROJECT / "tests" / n).is_file()} == set()


# --- installs -------------------------------------------------------------------------------


def project() -> dict:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def names(requirements) -> set[str]:
    from packaging.requirements import Requirement

    return {Requirement(r).name.lower() for r in requirements}


def test_the_package_requires_no_test_tool_and_no_lab():
    core = names(project()["dependencies"])
    assert core >= {"pandas", "pandera", "matplotlib", "seaborn", "papermill", "nbconvert", "ipykernel"}
    assert core & NOT_RUNTIME == set()
    assert names(project()["optional-dependencies"]["lab"]) == {"jupyterlab"}
    assert names(project()["optional-dependencies"]["test"]) >= NOT_RUNTIME - {"coverage", "jupyterlab"}
    # what pip installed from it (make reinstalls when pyproject.toml changes)
    installed = [r for r in metadata.requires("linyi-analysis") or [] if "extra ==" not in r]
    assert names(installed) == core, "installed from an older pyproject.toml: run make test (it reinstalls)"


def third_party_imports(directory: Path) -> set[str]:
    found = set()
    for path in directory.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"linyi_analysis", "__future__"}


def requirement_closure(roots: set[str]) -> set[str]:
    """The distributions ``roots`` install, with their own requirements (no extras), as installed here."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for r in metadata.requires(name) or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name.lower())
    return {n.replace("_", "-") for n in seen}


def test_every_runtime_import_is_installed_by_the_runtime_requirements():
    """What the package imports comes with its core requirements; each requirement is imported
    (ipykernel is the notebooks' kernel, started by papermill, not imported)."""
    imported = third_party_imports(PROJECT / "linyi_analysis")
    distributions = metadata.packages_distributions()
    provided = {m: {d.lower().replace("_", "-") for d in distributions[m]} for m in imported}
    core = names(project()["dependencies"])
    closure = requirement_closure(core)
    assert {m for m, dists in provided.items() if not dists & closure} == set()
    direct = {d for dists in provided.values() for d in dists}
    assert core - direct == {"ipykernel"}


def test_environment_yml_lists_what_pyproject_does():
    p = project()
    wanted = [*p["dependencies"], *(r for extra in p["optional-dependencies"].values() for r in extra)]
    env = yaml.safe_load((PROJECT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d.split("#")[0].strip() for d in env["dependencies"] if isinstance(d, str)]
    assert names(conda) - {"python", "pip"} == names(wanted)
    assert {r.replace(" ", "") for r in wanted} <= {c.replace(" ", "") for c in conda}, (
        "version bounds differ"
    )


def pip_lines_problems(lines: list[str], tmp_path: Path) -> str | None:
    """What pip's own requirements-file parser says of ``lines`` (None: all valid), as conda runs
    them: written to a requirements file, read from the environment file's directory."""
    from pip._internal.exceptions import InstallationError
    from pip._internal.network.session import PipSession
    from pip._internal.req.constructors import install_req_from_parsed_requirement
    from pip._internal.req.req_file import parse_requirements

    requirements = tmp_path / "condaenv.requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    cwd = Path.cwd()
    os.chdir(PROJECT)
    try:
        for parsed in parse_requirements(str(requirements), session=PipSession()):
            install_req_from_parsed_requirement(parsed)
    except (InstallationError, SystemExit) as err:  # optparse's exit on an unknown option
        return str(err) or "bad option"
    finally:
        os.chdir(cwd)
    return None


def test_environment_yml_pip_section_is_valid_for_pip(tmp_path):
    env = yaml.safe_load((PROJECT / "environment.yml").read_text(encoding="utf-8"))
    [section] = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert section == ["-e ."]  # the package, from the environment file's directory
    assert pip_lines_problems(section, tmp_path) is None


@pytest.mark.parametrize("line", ["--no-deps -e .", "-e ./no-such-project", "linyi analysis"])
def test_pips_parser_refuses_what_conda_would_fail_on(line, tmp_path):
    assert pip_lines_problems([line], tmp_path) is not None


def make_plan(directory: Path, target: str) -> str:
    """What ``make -n target`` would run in ``directory`` (a copy of the Makefile and pyproject.toml)."""
    done = subprocess.run(["make", "-n", target], cwd=directory, capture_output=True, text=True, check=True)
    return done.stdout


def test_each_make_target_installs_what_it_needs(tmp_path):
    """A fresh machine: each command sets up what it needs; after `make report`, `make test` adds
    the test extra; once installed, nothing is installed again until pyproject.toml changes."""
    for name in ("Makefile", "pyproject.toml"):
        (tmp_path / name).write_bytes((PROJECT / name).read_bytes())
    install = "-m pip install --quiet -e '.{}'"
    fresh = {t: make_plan(tmp_path, t) for t in ("report", "test", "lab", "lint")}
    assert "-m venv .venv" in fresh["report"] and "-m venv .venv" in fresh["test"]
    assert install.format("") in fresh["report"] and "[test]" not in fresh["report"]
    assert install.format("[test]") in fresh["test"] and install.format("[test]") in fresh["lint"]
    assert install.format("[lab]") in fresh["lab"] and "[test]" not in fresh["lab"]

    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    later = time.time() + 10
    (tmp_path / ".venv" / ".installed").touch()
    os.utime(tmp_path / ".venv" / ".installed", (later, later))  # `make report` has run
    assert "pip install" not in make_plan(tmp_path, "report")
    assert install.format("[test]") in make_plan(tmp_path, "test")
    for stamp in (".installed-test", ".installed-lab"):
        (tmp_path / ".venv" / stamp).touch()
        os.utime(tmp_path / ".venv" / stamp, (later, later))
    assert all("pip install" not in make_plan(tmp_path, t) for t in ("report", "test", "lab"))
    os.utime(tmp_path / "pyproject.toml", (later + 10, later + 10))  # dependencies changed
    assert install.format("[test]") in make_plan(tmp_path, "test")
