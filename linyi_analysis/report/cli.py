"""The ``linyi-report`` command (also ``python -m linyi_analysis.report``).

Exit status: 0 done (published, or nothing changed); 1 bad data, a data file that cannot be
read, a notebook failed, the site could not be written; 2 bad usage (an unknown action, a bad
option value, an output the run may not replace); 75 another run holds the output (with
``--no-wait``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Unless a message says the
new site is in place, the output and ``--figures`` are as they were.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from ..errors import DataValidationError, Error
from .build import InterruptedAfterPublishing, Options, build
from .execute import default_jobs

PROG = "linyi-report"


class _Parser(argparse.ArgumentParser):
    """argparse, but under ``--quiet`` a usage error is one line (no usage block): cron mails it."""

    quiet = False

    def error(self, message: str):
        if self.quiet:
            self.exit(2, f"{PROG}: error: {' '.join(message.split())}\n")
        super().error(message)


def _positive(text: str) -> int:
    """A whole number, at least 1 (``--jobs``, ``--timeout``: nbclient counts whole seconds)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return int(text)


def parser(quiet: bool = False) -> argparse.ArgumentParser:
    """The command's arguments (``quiet``: usage errors in one line)."""
    p = _Parser(
        prog=PROG,
        description="Run the overview, the explore tour and one action_report notebook per action through papermill, "
        "and publish the executed notebooks, HTML pages (code hidden), charts, the data and an index.html. "
        "A notebook whose inputs did not change since the site was built is not run again: its files are "
        "reused. The new site is built beside the output and put in place at once, only when every "
        "notebook has run: a failed or interrupted run leaves the output as it was.",
    )
    flag = {"action": "store_true"}
    options = [
        ("--action", {"action": "append", "metavar": "ID"}, "report on this action only (repeatable; "
         "default: every action); the overview and the tour are always built"),
        ("--output", {"type": Path, "default": Path("reports"), "metavar": "DIR"}, "the site (default: "
         "reports). It is replaced only if it is missing, empty or a site linyi-report wrote (its "
         ".linyi-report.json lists every file); a symbolic link is followed. One that holds other files, "
         "or overlaps the data, the notebooks, --figures or the current directory, is refused (exit 2)"),
        ("--figures", {"type": Path, "metavar": "DIR"}, "also put the charts (PNG and SVG) in DIR, with "
         "the site; a file there is overwritten only if linyi-report wrote it (DIR/.linyi-report.json "
         "lists them), and none is deleted"),
        ("--jobs", {"type": _positive, "metavar": "N"}, "notebooks run at a time, one kernel each "
         f"(default: the number of CPUs, here {default_jobs()})"),
        ("--no-html", flag, "executed notebooks only: no HTML pages, no index"),
        ("--quiet", flag, "print nothing on success (for cron); on failure, one line per failure on stderr"),
        ("--timeout", {"type": _positive, "default": 600, "metavar": "SECONDS"}, "fail a "
         "notebook whose cell runs longer than this (a whole number, at least 1; default 600)"),
        ("--notebooks", {"type": Path, "metavar": "DIR"}, "run the notebooks in DIR (overview.ipynb, "
         "explore.ipynb, action_report.ipynb) instead of the shipped ones"),
        ("--data-dir", {"type": Path, "metavar": "DIR"}, "read the tables from DIR (default: "
         "$LINYI_DATA_DIR, else the package's data)"),
        ("--no-wait", flag, "if another run is writing the same output, stop (exit 75) instead of waiting"),
        ("--force", flag, "execute every notebook, even those whose inputs did not change"),
        ("--dry-run", flag, "list each notebook with 'reuse' or 'execute' and why; run and write nothing"),
        ("--changes", flag, "print what changed in the data since the site in --output was built; run nothing"),
    ]  # fmt: skip
    for name, keywords, text in options:
        p.add_argument(name, help=text, **keywords)
    p.quiet = quiet
    return p


def _say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


class _Progress:
    """One line per notebook finished (a tqdm bar under them on a terminal)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bar = quiet, None

    def __call__(self, event: str, **info) -> None:
        if event == "note":  # said even under --quiet: something is not as it should be
            _say(info["text"])
        elif self.quiet:
            return
        elif event == "waiting":
            _say("waiting for another linyi-report run on the same output to finish")
        elif event == "start":
            from tqdm import tqdm

            self.bar = tqdm(total=info["total"], unit="notebook", file=sys.stderr, disable=None)
            self.bar.write(f"running {info['total']} notebook{'s' * (info['total'] != 1)}", file=sys.stderr)
        elif event in ("done", "failed"):
            line = (
                f"{info['name']} ({info['seconds']:.1f} s)" if event == "done" else f"FAILED {info['error']}"
            )
            self.bar.write(line, file=sys.stderr)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit status."""
    received: list[int] = []

    def interrupted(signum, _frame):  # SIGTERM as Ctrl-C: stop the workers, remove the build
        received.append(signum)
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # (`cmd &` in a script ignores Ctrl-C)
            signal.signal(signum, interrupted)
    given = sys.argv[1:] if argv is None else argv
    args = parser(quiet="--quiet" in given).parse_args(argv)
    if args.changes:
        return _print_changes(args)
    options = Options(
        args.action, args.output, args.figures, args.jobs, not args.no_html, args.timeout,
        args.notebooks, args.data_dir, not args.no_wait, args.force, args.dry_run,
        stopped=lambda: bool(received),  # a signal Python swallowed (in a callback) still stops the run
    )  # fmt: skip
    progress = _Progress(args.quiet or args.dry_run)
    unchanged = f"{args.output}" + (f" and {args.figures} are" if args.figures else " is") + " unchanged"
    try:
        result = build(options, progress)
    except Error as err:
        first, _, rest = str(err).partition("\n")
        if isinstance(err, DataValidationError):
            first, rest = f"the data is not valid; nothing was run and {unchanged}.", str(err)
        elif "unchanged" not in first:
            first += "; nothing was run" if err.exit_code == 2 else f"; {unchanged}"
        quiet = [str(f) for f in getattr(err, "failures", [])] or [f"{first} {rest}"]  # one line each
        for line in [" ".join(q.split()) for q in quiet] if args.quiet else [f"{first}\n{rest}".strip()]:
            _say(f"error: {line}")
        return err.exit_code
    except InterruptedAfterPublishing:
        _say(f"interrupted once the new site was in place in {args.output}")
        return 128 + (received or [signal.SIGINT])[0]
    except KeyboardInterrupt:
        _say(f"interrupted; {unchanged}")
        return 128 + (received or [signal.SIGINT])[0]
    finally:
        progress.close()
    for warning in result.warnings:  # the site is published; something around it is not right
        _say(f"warning: {warning}")
    try:
        _report(args, result)
    except BrokenPipeError:  # `linyi-report --dry-run | head -2`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no error at exit either)
    return 0


def _report(args, result) -> None:
    """Say what the run did, on stdout."""
    if args.dry_run:
        print("\n".join(result.lines))
    elif not result.published and not args.quiet:
        print(f"nothing changed: {result.output} is up to date; no notebook executed")
    elif not args.quiet:
        what = "executed notebooks" if args.no_html else "reports"
        print(f"published {len(result.executed + result.reused)} {what} to {result.output} in {result.seconds:.1f} s "
              f"(executed: {', '.join(result.executed) or 'none'}; reused: {', '.join(result.reused) or 'none'})")  # fmt: skip
        if not args.no_html:
            print(f"open {result.output / 'index.html'}")
        if result.charts:
            print(f"updated {len(result.charts)} chart files in {args.figures}")


def _print_changes(args) -> int:
    """``--changes``: what changed in the data since the site in ``--output`` was built."""
    from ..plan import load_plan
    from ..resources import data_dir
    from .changes import as_text, changes

    try:
        source = data_dir(args.data_dir)
        load_plan(source)  # bad data: every problem listed
        sys.stdout.write(as_text(changes(args.output.resolve(), source), str(args.output)))
    except Error as err:
        _say(f"error: {err}")
        return err.exit_code
    except OSError as err:
        _say(f"error: {err}")
        return 1
    return 0
