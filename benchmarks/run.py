"""Benchmarks: each figure beside its baseline, measured in the same run (``make bench``).

Prints a table of medians over several repetitions with the ratios, and writes it as JSON to
benchmarks/results/latest.json. Never part of ``make test``'s pass/fail: goals are reported, not
asserted.

    python benchmarks/run.py [--repeat N] [--skip report,naive,load,scaling,scaled-report,tests]

The whole report on 10x the data runs by default (once: it is minutes, not seconds, at 100x); set
``LINYI_BENCH_REPORT_SCALES=10,100`` (factors, comma-separated) to add 100x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACTIONS = ["key_groups", "employment", "education", "medical", "urban", "rural"]
#: The notebooks a full run executes: the overview, the explore tour, one report per action.
NOTEBOOKS = 2 + len(ACTIONS)
TRIVIAL_SOURCE = "import pandas, matplotlib, seaborn\nmatplotlib.use('Agg')\n"
#: The floor without seaborn, shown beside the specified floor (the report's kernels import seaborn
#: for the charts' theme, as the specified floor does): what seaborn's import costs the run.
LEAN_SOURCE = "import pandas, matplotlib\nmatplotlib.use('Agg')\n"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def run(cmd: list[str] | str, **kwargs) -> None:
    """Run a command quietly; if it fails, stop with what it printed."""
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed (exit {done.returncode}): {cmd}\n{done.stdout[-3000:]}")


# --- 1. full report run and its baselines --------------------------------------------------


def report_run(jobs: int, out: Path) -> Callable[[], None]:
    """A full run: ``--force`` (every notebook executes) into a new output."""

    def go():
        shutil.rmtree(out, ignore_errors=True)
        run(
            [
                str(BIN / "linyi-report"),
                "--output",
                str(out),
                "--jobs",
                str(jobs),
                "--quiet",
                "--force",
            ],
            cwd=ROOT,
        )

    return go


def incremental_run(out: Path, data: Path, edit: bool) -> Callable[[], None]:
    """An incremental run on a private copy of the data, into the same output. ``edit``: first change
    one evidence row of the medical action to a value not seen before (so exactly the overview and
    the medical report execute); else nothing changed since the previous run (nothing executes)."""
    if not data.exists():
        shutil.copytree(ROOT / "data", data)
    edits = iter(range(1, 10_000))

    def go():
        if edit:
            path = data / "evidence.csv"
            lines = path.read_text(encoding="utf-8").split("\n")
            i = next(n for n, line in enumerate(lines) if line.startswith("spend_health_2014h1,"))
            fields = lines[i].split(",")
            fields[4] = str(3240000000 + next(edits))  # the value column
            lines[i] = ",".join(fields)
            path.write_text("\n".join(lines), encoding="utf-8")
        run(
            [
                str(BIN / "linyi-report"),
                "--output",
                str(out),
                "--quiet",
                "--data-dir",
                str(data),
            ],
            cwd=ROOT,
        )

    return go


def _trivial_notebook(path: Path, source: str = TRIVIAL_SOURCE) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


FLOOR_SCRIPT = """
import sys, pathlib
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
import papermill
from nbconvert import HTMLExporter

def one(args):
    src, out = args
    papermill.execute_notebook(src, out, progress_bar=False, log_output=False, kernel_name="python3")
    return out

if __name__ == "__main__":
    src, outdir, n, jobs = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    outs = [str(outdir / f"nb{i}.ipynb") for i in range(n)]
    with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
        done = list(pool.map(one, [(src, o) for o in outs]))
    exporter = HTMLExporter(exclude_input=True)
    for o in done:
        body, _ = exporter.from_filename(o)
        pathlib.Path(o).with_suffix(".html").write_text(body)
"""


def floor_run(nb: Path, out: Path, n: int, jobs: int) -> Callable[[], None]:
    script = out.parent / "floor.py"
    script.write_text(FLOOR_SCRIPT)

    def go():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        run([sys.executable, str(script), str(nb), str(out), str(n), str(jobs)])

    return go


def naive_run(out: Path) -> Callable[[], None]:
    """A shell loop of the papermill CLI, then the nbconvert CLI, per notebook."""
    nbs = ROOT / "notebooks"
    lines = [f'set -e; rm -rf "{out}"; mkdir -p "{out}"; export PATH="{BIN}:$PATH"']
    lines.append(f'papermill "{nbs}/overview.ipynb" "{out}/overview.ipynb" --no-progress-bar')
    lines.append(f'jupyter nbconvert --to html --no-input "{out}/overview.ipynb"')
    lines.append(f'papermill "{nbs}/explore.ipynb" "{out}/explore.ipynb" --no-progress-bar')
    lines.append(f'jupyter nbconvert --to html --no-input "{out}/explore.ipynb"')
    for a in ACTIONS:
        lines.append(
            f'papermill "{nbs}/action_report.ipynb" "{out}/{a}.ipynb" -p action {a} '
            f'-p figures_dir "{out}/figures" --no-progress-bar'
        )
        lines.append(f'jupyter nbconvert --to html --no-input "{out}/{a}.ipynb"')
    return lambda: run(["bash", "-c", "\n".join(lines)], cwd=ROOT)


# --- 2. library load ------------------------------------------------------------------------


def python_c(code: str) -> Callable[[], None]:
    return lambda: run([sys.executable, "-c", code], cwd=ROOT)


# --- 3. scaling on synthetic data -----------------------------------------------------------


def synthetic_data(factor: int, directory: Path) -> Path:
    """A valid data directory with the targets repeated ``factor`` times (ids made unique)."""
    import pandas as pd

    src = ROOT / "data"
    shutil.copytree(src, directory, dirs_exist_ok=True)
    t = pd.read_csv(src / "targets.csv", dtype=str, keep_default_na=False)
    copies = []
    for k in range(factor):
        c = t.copy()
        suffix = "" if k == 0 else f"_x{k}"
        for col in ("target_id", "counterpart_id", "part_of"):
            c[col] = c[col].where(c[col] == "", c[col] + suffix)
        copies.append(c)
    pd.concat(copies).to_csv(directory / "targets.csv", index=False)
    return directory


def scaling(repeat: int, work: Path) -> dict:
    """Loader (full validation, then cached), summary functions and the delivery tracker at 1×, 10×
    and 100× the targets (each function on a new plan: nothing derived beforehand)."""
    code = r"""
import json, os, sys, time, tempfile
os.environ["LINYI_CACHE_DIR"] = tempfile.mkdtemp()
import linyi_analysis as la
from linyi_analysis import loaders
d = sys.argv[1]
out = {}
t0 = time.perf_counter(); la.load_tables(d); out["load (validate)"] = time.perf_counter() - t0
loaders._cache.clear()
t0 = time.perf_counter(); la.load_tables(d); out["load (cached)"] = time.perf_counter() - t0
from linyi_analysis import analysis
fns = {
    "summary_by_action": analysis.summary_by_action,
    "derived_ratios": la.derived_ratios,
    "corroboration": analysis.corroboration,
    "spending_ratios": la.spending_ratios,
    "delivery": lambda plan: plan.delivery(),
}
for name, fn in fns.items():
    fn(la.load_plan(d))  # first call pays for loading
    plan = la.load_plan(d)  # a new plan: nothing derived yet
    t0 = time.perf_counter(); fn(plan); out[name] = time.perf_counter() - t0
print(json.dumps(out))
"""
    results: dict[str, dict[str, float]] = {}
    for factor in (1, 10, 100):
        d = synthetic_data(factor, work / f"data_x{factor}")
        samples: dict[str, list[float]] = {}
        for _ in range(repeat):
            out = subprocess.run(
                [sys.executable, "-c", code, str(d)], capture_output=True, text=True, check=True
            )
            for k, v in json.loads(out.stdout).items():
                samples.setdefault(k, []).append(v)
        results[f"{factor}x"] = {k: statistics.median(v) for k, v in samples.items()}
    return results


#: Factors of the data the whole report is run on (``scaled-report``); 100 takes minutes.
REPORT_SCALES_ENV = "LINYI_BENCH_REPORT_SCALES"

PEAK_SCRIPT = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # bytes (Linux: kB)
last = (done.stderr.strip().splitlines() or [""])[-1]
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "exit": done.returncode, "last": last}))
"""


def scaled_report(factors: list[int], jobs: int, work: Path) -> dict:
    """The whole report (every action, HTML, index) on the data with the targets repeated
    ``factor`` times: seconds, peak memory of the largest process (a kernel, as a rule: the
    maximum resident set of any descendant) and the exit status. Run once per factor."""
    results = {}
    for factor in factors:
        data = synthetic_data(factor, work / f"report_data_x{factor}")
        out = work / f"report_x{factor}"
        cmd = [str(BIN / "linyi-report"), "--output", str(out), "--data-dir", str(data), "--jobs", str(jobs)]
        done = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, *cmd, "--quiet"], capture_output=True, text=True, cwd=ROOT
        )
        results[f"{factor}x"] = json.loads(done.stdout)
        shutil.rmtree(out, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measurement (median reported)")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: report,naive,load,scaling,tests"
    )
    parser.add_argument(
        "--test-repeat", type=int, default=1, help="repetitions of `make test` (a minute or two each)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    jobs = os.cpu_count() or 1
    rows: list[tuple[str, float, str]] = []  # (name, median seconds, note)
    ratios: dict[str, float] = {}
    med = {}

    def measure(
        name: str, fn: Callable[[], None], note: str = "", warm: bool = True, repeat: int | None = None
    ) -> float:
        if warm:
            fn()
        m = statistics.median(timed(fn, repeat or args.repeat))
        rows.append((name, m, note))
        med[name] = m
        print(f"  {name:<48} {m:8.2f} s  {note}", flush=True)
        return m

    def measure_pair(*pairs: tuple[str, Callable[[], None], str]) -> list[float]:
        """Like :func:`measure` for several measurements, taken in turns within each repetition."""
        for _name, fn, _note in pairs:
            fn()  # warm
        times: list[list[float]] = [[] for _ in pairs]
        for _ in range(args.repeat):
            for i, (_name, fn, _note) in enumerate(pairs):
                times[i] += timed(fn, 1)
        medians = []
        for (name, _fn, note), t in zip(pairs, times, strict=True):
            m = statistics.median(t)
            rows.append((name, m, note))
            med[name] = m
            print(f"  {name:<48} {m:8.2f} s  {note}", flush=True)
            medians.append(m)
        return medians

    with tempfile.TemporaryDirectory(prefix="linyi-bench-") as tmp:
        work = Path(tmp)
        env_note = f"{jobs} cores"
        if "report" not in skip:
            print("full report run", flush=True)
            nb, lean = work / "trivial.ipynb", work / "lean.ipynb"
            _trivial_notebook(nb)
            _trivial_notebook(lean, LEAN_SOURCE)
            # taken in turns (report, floor, report, ...): a machine that slows down during the
            # benchmark slows both alike, and the ratio compares like with like
            full, floor, lean_floor = measure_pair(
                ("report: linyi-report (all, HTML, index)", report_run(jobs, work / "r"), f"--jobs {jobs}"),
                (
                    f"floor: {NOTEBOOKS} trivial notebooks, API + HTML",
                    floor_run(nb, work / "f", NOTEBOOKS, jobs),
                    f"{jobs} workers",
                ),
                (
                    "floor without seaborn (what the kernels import)",
                    floor_run(lean, work / "fl", NOTEBOOKS, jobs),
                    f"{jobs} workers",
                ),
            )
            ratios["report / floor without seaborn (no goal)"] = full / lean_floor
            ratios["report / floor (goal <= 1.3)"] = full / floor
            # issue 12: incremental runs, beside the floor and the full (--force) run
            nothing = measure(
                "incremental: nothing changed",
                incremental_run(work / "i", work / "i-data", False),
                "no kernel",
            )
            one_changed = measure(
                "incremental: one action's evidence changed",
                incremental_run(work / "i", work / "i-data", True),
                "overview, explore + 1 report executed",
            )
            ratios["nothing changed / floor (goal <= 0.1)"] = nothing / floor
            ratios["one action changed / full run"] = one_changed / full
            if "naive" not in skip:
                naive = measure(
                    "naive: papermill CLI + nbconvert CLI loop",
                    naive_run(work / "n"),
                    "sequential",
                    warm=False,
                )
                ratios["naive / report (goal >= 4)"] = naive / full
            one, two = measure_pair(
                ("report with 1 worker", report_run(1, work / "r1"), "--jobs 1"),
                ("report with 2 workers", report_run(2, work / "r2"), "--jobs 2"),
            )
            ratios["1 worker / 2 workers (goal >= 1.7)"] = one / two
            ratios["seconds per notebook, 1 worker"] = one / NOTEBOOKS
        if "load" not in skip:
            print("library load", flush=True)
            la = measure(
                "load: import linyi_analysis; load_targets()",
                python_c("import linyi_analysis as la; la.load_targets()"),
            )
            pd_ = measure(
                "baseline: import pandas; read_csv(targets)",
                python_c("import pandas as pd; pd.read_csv('data/targets.csv')"),
            )
            ratios["library load / pandas (goal <= 1.5)"] = la / pd_
        scale = {}
        if "scaling" not in skip:
            print("scaling on synthetic data (seconds, median)", flush=True)
            scale = scaling(args.repeat, work)
            for factor, values in scale.items():
                print(f"  {factor:>5}: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in values.items()))
        scaled = {}
        if "scaled-report" not in skip:
            factors = [int(f) for f in os.environ.get(REPORT_SCALES_ENV, "10").split(",") if f.strip()]
            print(
                f"whole report on {', '.join(f'{f}x' for f in factors)} the data (one run each)", flush=True
            )
            scaled = scaled_report(factors, jobs, work)
            for factor, r in scaled.items():
                outcome = "ok" if r["exit"] == 0 else f"exit {r['exit']}: {r['last']}"
                print(
                    f"  {factor:>5}: {r['seconds']:.1f} s, peak {r['peak_bytes'] / 2**30:.2f} GB ({outcome})"
                )
        if "tests" not in skip:
            print("test suite", flush=True)
            measure(
                "make test (warm environment)",
                lambda: run(["make", "test"], cwd=ROOT),
                f"{args.test_repeat} run(s)",
                warm=False,
                repeat=args.test_repeat,
            )

    print("\nratios")
    for k, v in ratios.items():
        print(f"  {k:<48} {v:8.2f}")
    result = {
        "machine": {"cores": jobs, "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "note": env_note,
        "medians_seconds": med,
        "ratios": ratios,
        "scaling_seconds": scale,
        "scaled_report": scaled,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
