"""One report run: check, key every notebook, execute what changed, publish the site at once.

1. Where the run may write is checked, then the data is read once (the run's snapshot, which
   every notebook reads) and validated: bad data stops the run before anything starts.
2. Each job (the overview, the explore tour; one ``action_report`` per action) gets its data (the snapshot; the
   action's package, :mod:`.data`) and a key over everything that decides its files
   (:func:`job_inputs`). A job the current site's marker holds with that key, its files intact,
   is reused from the site; the others execute. All reused, nothing else to do: the run ends.
3. In a build directory beside the output: the jobs run, reused files are copied, the data copy,
   ``index.html`` and the marker are written; the site is swapped in with ``--figures`` (:mod:`.site`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from ..errors import BuildFailed, ParameterError, ReportError
from ..parameters import report_actions
from ..plan import Plan, load_plan
from ..resources import citation
from ..resources import data_dir as resolve_data_dir
from . import changes as changelog
from . import site
from .data import digest, packages, read_data, write_data
from .execute import Job, Pool, default_jobs
from .notebooks import ACTION_REPORT, EXPLORE, OVERVIEW, notebook_dir, notebook_path

SITE_TITLE = "Linyi 2022 livelihood action plan"
FIGURES = "figures"
#: Libraries whose versions decide what a page shows (the kernel runs this interpreter).
LIBRARIES = (  # noqa: SIM905 (names, read as a list)
    "pandas numpy pandera matplotlib seaborn pillow papermill nbclient nbconvert nbformat ipykernel ipython "
    "jupyter_client jinja2 mistune pygments matplotlib-inline"
).split()


@dataclass
class Options:
    """What to build: the ``linyi-report`` options (see ``linyi-report --help``)."""

    actions: list[str] | None = None  # None: every action
    output: Path = Path("reports")
    figures: Path | None = None  # also put the charts here (``--figures``)
    jobs: int | None = None  # notebooks at a time; None: one per CPU
    html: bool = True
    timeout: int | None = 600  # whole seconds a cell may run
    notebooks: Path | None = None  # None: the notebooks shipped with the package
    data_dir: Path | None = None  # None: $LINYI_DATA_DIR or the package's data
    wait: bool = True  # wait for another run on the same output (else Busy)
    force: bool = False  # execute every notebook
    dry_run: bool = False  # only say what would be reused or executed, and why
    stopped: Callable[[], bool] = lambda: False  # a signal came: publish nothing


@dataclass
class Result:
    """What a run did."""

    output: Path
    lines: list[str]  # one line per notebook: reuse or execute, and why (``--dry-run``)
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    published: bool = False  # a new site is in place
    charts: list[str] = field(default_factory=list)  # chart files new or changed in --figures
    warnings: list[str] = field(default_factory=list)  # said after publishing (the site is in place)
    seconds: float = 0.0


class InterruptedAfterPublishing(KeyboardInterrupt):
    """Ctrl-C or SIGTERM came while the new site was being put in place: it is in place."""


Progress = Callable[..., None]
REUSE = "reuse"


def build(options: Options, progress: Progress = lambda event, **info: None) -> Result:
    """Run the reports described by ``options``; return what was done.

    ``progress(event, **info)`` is told ``"note"`` (``text``: a damaged marker ignored…),
    ``"waiting"`` (for another run), ``"start"`` (``total``), ``"done"`` (``name``,
    ``seconds``) and ``"failed"`` (``error``). Raises a :class:`~linyi_analysis.Error` (its
    ``exit_code`` says which); before publishing, the output and ``--figures`` are as they were.
    """
    started = time.perf_counter()
    try:
        source = resolve_data_dir(options.data_dir)
        books = {n: notebook_path(n, options.notebooks) for n in (OVERVIEW, EXPLORE, ACTION_REPORT)}
    except (RuntimeError, OSError) as err:  # a missing notebook, a symbolic link loop
        raise ReportError(f"{err}") from None
    if not source.is_dir():
        raise ReportError(f"data directory not found: {source}")
    inputs = {"the data directory": source, "the notebooks directory": options.notebooks or notebook_dir()}
    output, figures = site.check_destinations(options.output, options.figures, inputs)
    files = read_data(source)
    plan = load_plan(source)  # DataValidationError: nothing started, nothing written
    if read_data(source) != files:  # every notebook reads ``files``: they must be what was validated
        raise ReportError(f"the data in {source} changed while the run read it; run again")
    data = {"overview": files, "explore": files, **packages(files, _chosen(options.actions, plan))}
    jobs = _jobs(plan, data, books, options.html)
    plans = _decide(jobs, output, options.force, progress)
    width = max(len(j.name) for j in jobs)
    result = Result(output, [f"{j.name:<{width}}  {plans[j.name]}" for j in jobs])
    if options.dry_run or _nothing_changed(plans, output, figures, options.html):
        if options.stopped():
            raise KeyboardInterrupt
        return result
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(_pool(plans, options))  # before the lock: workers never hold it
        build_dir = None
        try:
            stack.enter_context(site.locked([output, *filter(None, [figures])], options.wait, progress))
            site.recover(output)
            plans = _decide(jobs, output, options.force)  # again, under the lock
            pool = pool or stack.enter_context(_pool(plans, options))  # (the site changed meanwhile)
            build_dir = site.new_build(output)
            job_files = _assemble(jobs, data, plans, build_dir, output, pool, options, progress)
            result.executed = [j.name for j in jobs if not plans[j.name].startswith(REUSE)]
            result.reused = [j.name for j in jobs if plans[j.name].startswith(REUSE)]
            _write(build_dir, files, jobs, job_files, plan, output, options.html)
            charts = {p.name: p for p in (build_dir / FIGURES).glob("*")}  # (only names a site may hold)
            staged, result.charts = site.stage_charts(charts, figures) if figures else ([], [])
            try:
                result.warnings = site.publish(build_dir, output, staged, options.stopped)
            except KeyboardInterrupt:
                if not build_dir.exists():  # it was swapped in: the signal came during publishing
                    raise InterruptedAfterPublishing from None
                raise
            result.published = True
        except BaseException as err:
            if pool is not None:
                pool.stop()  # before the build directory goes: its workers write there
            if isinstance(err, OSError):
                where = err.filename or output.parent  # the path that failed, where the error says
                raise ReportError(f"cannot write {where}: {err.strerror or err}") from None
            raise
        finally:  # (after publishing there is none: it was swapped in)
            if build_dir is not None:
                shutil.rmtree(build_dir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _chosen(requested: list[str] | None, plan: Plan) -> list[str]:
    valid = report_actions(plan)
    unknown = [a for a in dict.fromkeys(requested or []) if a not in valid]
    if unknown:
        listed = ", ".join(repr(a) for a in unknown)
        raise ParameterError(
            f"unknown action{'s' * (len(unknown) > 1)} {listed}; valid ids: {', '.join(valid)}"
        )
    return [a for a in valid if a in requested] if requested else valid  # the plan's order, always


def _jobs(plan: Plan, data: dict[str, dict[str, bytes]], books: dict, html: bool) -> list[Job]:
    """The overview, the analyst's tour and one report per action (``data``: what each reads),
    each with its key."""
    names = dict(zip(plan.actions["action_id"].astype(str), plan.actions["name"], strict=True))
    jobs = [
        Job("overview", books[OVERVIEW], {"figures_dir": FIGURES}, f"{SITE_TITLE}: overview"),
        Job(
            "explore",
            books[EXPLORE],
            {},
            f"{SITE_TITLE}: explore the data with pandas and seaborn",
            code=True,
        ),
    ]
    for action in [a for a in data if a in names]:
        parameters = {"action": action, "figures_dir": FIGURES}
        jobs.append(Job(action, books[ACTION_REPORT], parameters, f"{SITE_TITLE}: {names[action]}"))
    return [replace(j, provenance=job_inputs(j, data[j.name], html)) for j in jobs]


# --- keys --------------------------------------------------------------------------------------


def job_inputs(job: Job, data: dict[str, bytes], html: bool) -> dict[str, str]:
    """The SHA-256 of each input that decides a job's files (``data_sha256``: the data its kernel
    reads), and ``key``, the hash of them all."""
    parameters = json.dumps([job.parameters, job.title, html], sort_keys=True).encode()
    inputs = {
        "data_sha256": digest(data),
        "notebook": hashlib.sha256(job.notebook.read_bytes()).hexdigest(),
        "parameters": hashlib.sha256(parameters).hexdigest(),
        "code": code_digest(),
        "environment": environment_digest(),
    }
    return {**inputs, "key": hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()}


@cache
def code_digest() -> str:
    """SHA-256 of the package's version and every Python file and template of it (its code decides
    every page)."""
    import linyi_analysis

    root = Path(linyi_analysis.__file__).parent
    h = hashlib.sha256(linyi_analysis.__version__.encode())
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.j2")]):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@cache
def environment_digest() -> str:
    """SHA-256 of the kernel's interpreter, the versions of :data:`LIBRARIES`, the ``python3``
    kernelspec jupyter would start (a user's kernelspec may name another interpreter) and the
    IPython configuration files of the environment and the system (a kernel reads them)."""
    from importlib.metadata import PackageNotFoundError, version

    from jupyter_core.paths import jupyter_path

    found = [Path(d, "python3", "kernel.json") for d in jupyter_path("kernels")]
    spec = next((p.read_bytes() for p in found if p.is_file()), b"ipykernel's own")
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} absent")
    # IPython's configuration outside the run's own empty profile: the environment's and the system's
    from IPython.core.application import ENV_CONFIG_DIRS, SYSTEM_CONFIG_DIRS

    config = b"".join(
        str(p).encode() + b"\0" + p.read_bytes()
        for d in [*ENV_CONFIG_DIRS, *SYSTEM_CONFIG_DIRS]
        for p in sorted(Path(d).rglob("*"))
        if p.is_file()
    )
    text = "\n".join([sys.executable, sys.version, *versions]).encode()
    return hashlib.sha256(text + b"\0" + spec + b"\0" + config).hexdigest()


def _decide(jobs: list[Job], output: Path, force: bool, progress: Progress = lambda *a, **k: None) -> dict:
    """``reuse …`` or ``execute  why`` for each job, against the site in ``output``."""
    marker = site.read_marker(output) if output.is_dir() else None
    if marker and "damaged" in marker:
        progress("note", text=marker["damaged"] + ": every notebook executes")
    out = {}
    for job in jobs:
        was = (marker or {}).get("jobs", {}).get(job.name) or {}
        before = was.get("inputs") or {}
        changed = [k for k, v in job.provenance.items() if k != "key" and before.get(k) != v]
        if force:
            out[job.name] = "execute  --force"
        elif not was:
            out[job.name] = "execute  not in the site"
        elif was["key"] != job.provenance["key"]:
            out[job.name] = f"execute  {', '.join(changed) or 'key'} changed".replace("data_sha256", "data")
        elif not _intact(output, {f: marker["files"].get(f) for f in was["files"]}):
            out[job.name] = "execute  its files in the site changed"
        else:
            out[job.name] = f"{REUSE}    unchanged, from the site"
    return out


def _intact(directory: Path, files: dict[str, str]) -> bool:
    """Whether each of ``files`` (relative path → SHA-256) is in ``directory`` with those bytes."""
    try:  # a link, a pipe (opening it would block) or a directory in a file's place: not intact
        return all(
            stat.S_ISREG(os.lstat(directory / f).st_mode) and site.sha256(directory / f) == h
            for f, h in files.items()
        )
    except OSError:
        return False


def _nothing_changed(plans: dict[str, str], output: Path, figures: Path | None, html: bool) -> bool:
    """Every job reused; the site made of exactly these jobs with these options, every file intact;
    ``figures`` holding each of its charts (it may hold more: a fuller site's)."""
    marker = site.read_marker(output) if output.is_dir() else None
    if not marker or "damaged" in marker or marker.get("html") != html or set(marker["jobs"]) != set(plans):
        return False
    if site.leftovers(output):  # a killed run's: the run goes on, to remove them under the lock
        return False
    listed = marker["files"]
    charts = {Path(f).name: h for f, h in listed.items() if f.startswith(f"{FIGURES}/")} if figures else {}
    reused = all(p.startswith(REUSE) for p in plans.values()) and not site.strangers_in(output)
    return reused and _intact(output, listed) and _intact(figures or output, charts)


def _pool(plans: dict[str, str], options: Options):
    """A pool for the jobs to execute (a context giving None if none is)."""
    n = sum(not p.startswith(REUSE) for p in plans.values())
    return Pool(min(options.jobs or default_jobs(), n), options.html) if n else contextlib.nullcontext()


# --- building ----------------------------------------------------------------------------------


def _assemble(jobs, data, plans, build_dir: Path, output: Path, pool, options: Options, progress) -> dict:
    """Copy the reused jobs' files from the site; execute the others; return each job's files."""
    job_files: dict[str, list[str]] = {}
    for job in [j for j in jobs if plans[j.name].startswith(REUSE)]:
        job_files[job.name] = site.read_marker(output)["jobs"][job.name]["files"]
        for rel in job_files[job.name]:
            (build_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output / rel, build_dir / rel)
    work = build_dir / ".work"  # inside the build: removed with it whatever happens
    to_run = [j for j in jobs if j.name not in job_files]
    for job in to_run:
        (work / job.name / FIGURES).mkdir(parents=True)
        job = replace(job, data=write_data(data[job.name], work / f"{job.name}-data"))
        pool.submit(job, work / job.name, options.timeout)
    if to_run:
        progress("start", total=len(to_run))
    failures = []
    for job, outcome in pool.results() if to_run else []:
        if isinstance(outcome, Exception):
            failures.append(outcome)
            progress("failed", error=outcome)
            continue
        progress("done", name=job.name, seconds=outcome)
        made = [f"{job.name}.ipynb", *([f"{job.name}.html"] if options.html else [])]
        charts = sorted(f"{FIGURES}/{p.name}" for p in (work / job.name / FIGURES).iterdir() if p.is_file())
        made += [rel for rel in charts if site.SITE_FILE.fullmatch(rel)]  # names a site may hold
        for rel in made:  # only these: anything else a notebook wrote stays behind
            (build_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(work / job.name / rel, build_dir / rel)
        job_files[job.name] = sorted(made)
    if failures:
        n, lines = len(failures), "".join(f"\n  - {f}" for f in failures)
        raise BuildFailed(
            f"{n} notebook{'s' * (n != 1)} failed; {options.output} is unchanged:{lines}", failures
        )
    shutil.rmtree(work, ignore_errors=True)
    return job_files


def _write(build_dir: Path, files, jobs: list[Job], job_files, plan: Plan, output: Path, html: bool) -> None:
    """The data copy, the index (with the changes since the site in ``output``) and the marker."""
    write_data(files, build_dir / "data")  # for readers, and for the next run's changes
    if html:
        from .index import Entry, headlines, latest_search, render

        numbers, entries = headlines(plan, [j.name for j in jobs if "action" in j.parameters]), []
        for job in jobs:
            links = [[("report", f"{job.name}.html")]]
            for f in [f for f in job_files[job.name] if f.endswith(".png")]:
                chart = Path(f).stem.removesuffix(f"_{job.name}").replace("action", "targets")
                pair = [(f"{chart.replace('_', ' ').capitalize()} chart (PNG)", f)]
                if f[:-4] + ".csv" in job_files[job.name]:  # the rows the chart drew, beside it
                    pair.append(("data (CSV)", f[:-4] + ".csv"))
                links.append(pair)
            links.append([("for analysts: the Jupyter notebook", f"{job.name}.ipynb")])
            title = job.title.removeprefix(f"{SITE_TITLE}: ")
            entries.append(Entry(job.name, title[:1].upper() + title[1:], numbers.get(job.name, []), links))
            if job.name == "overview" and "goals" in numbers:  # no page of their own: on the overview
                goals = str(plan.actions.set_index("action_id").at["goals", "name"])
                where = [[(f"{goals} on the overview", "overview.html#The-overall-goals")]]
                entries.append(Entry("goals", goals, numbers["goals"], where))
        cite, data_sha = citation(), digest(files)
        sections = changelog.changes(output, build_dir / "data")
        first_build = sections == [("Nothing to compare with", ["no earlier site"])]  # nothing to tell
        searched = latest_search(plan)
        page = render(
            entries,
            title=SITE_TITLE,
            intro="What Linyi City's 2022 action plan for people's livelihood commits to, in figures, "
            "and what official sources say was done.",
            source=f"Source: {cite['title']} {cite.get('outlet', '')}, {cite.get('date', '')}.",
            source_url=cite.get("url", ""),
            footer=f"Data as of {searched}: the latest search for public evidence."
            if searched
            else "Each report is made from the plan's data, published beside it.",
            data_sha256=data_sha,
            preface="" if first_build else changelog.as_html(sections),
        )
        (build_dir / "index.html").write_text(page, encoding="utf-8")
    jobs_marked = {
        j.name: {"key": j.provenance["key"], "inputs": j.provenance, "files": job_files[j.name]} for j in jobs
    }
    site.write_marker(build_dir, html=html, jobs=jobs_marked)
