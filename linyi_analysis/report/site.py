"""Where a run may write, and putting a new site in place at once: a failed run loses nothing.

Every site, and every ``--figures`` directory, the command writes holds :data:`MARKER`, listing
the files it wrote there (with their SHA-256) and, for a site, each notebook's key and files. A
site is replaced only if it holds the marker and nothing it does not list; in ``--figures`` a
file is overwritten only if the marker lists it or it holds the bytes to be written. A new site
is built beside the output (same file system) and swapped in by two renames, while SIGINT and
SIGTERM wait; the next run removes what a killed one left (directories holding the marker) and
puts the old site back if a kill fell between the renames. The lock is a :mod:`filelock` file in
the user's cache directory: nothing but the build directory is made beside the output.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
from pathlib import Path

from ..errors import Busy, UsageError

MARKER = ".linyi-report.json"
#: The files a site (or a --figures directory) holds, by name: what a marker may list.
SITE_FILE = re.compile(
    r"[\w-][\w.-]*\.(html|ipynb|png|svg|csv)|figures/[\w.-]+\.(png|svg|csv)|data/[\w.-]+\.(csv|json)"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(directory: Path) -> list[str]:
    """Every entry under ``directory`` that is not a directory (links included), relative, sorted."""
    return sorted(
        p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_symlink() or not p.is_dir()
    )


def read_marker(directory: Path) -> dict | None:
    """The marker of ``directory``: None if it has none; ``{"damaged": reason, …}`` if it cannot
    be read or is not what a run writes (file names of a site's layout, each job's key and files)."""
    path = directory / MARKER
    if not path.is_file() or path.is_symlink():
        return None
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
        files, jobs = marker["files"], marker.setdefault("jobs", {})
        names = [*files, *(f for job in jobs.values() for f in job["files"])]
        if not all(isinstance(n, str) and SITE_FILE.fullmatch(n) for n in names) or not all(
            isinstance(job["key"], str) and isinstance(job.get("inputs", {}), dict) for job in jobs.values()
        ):
            raise ValueError("not a marker linyi-report writes")
        return marker
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:  # UnicodeDecodeError too
        return {"damaged": f"{path} is damaged ({err!r}); it is ignored", "files": {}, "jobs": {}}


def write_marker(directory: Path, **content) -> None:
    """Write the marker of ``directory``, listing every file in it with its SHA-256."""
    files = {rel: sha256(directory / rel) for rel in files_of(directory) if rel != MARKER}
    text = json.dumps({"linyi-report": 1, **content, "files": files}, indent=1, sort_keys=True)
    (directory / MARKER).write_text(text + "\n", encoding="utf-8")


def _resolved(path, option: str) -> Path:
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as err:  # a symbolic link loop
        raise UsageError(f"{option} {str(path)!r} cannot be resolved: {err}") from None


def check_destinations(output, figures, inputs: dict[str, Path]) -> tuple[Path, Path | None]:
    """Where a run may write: ``output`` and ``figures`` resolved (symbolic links followed).

    Raises :class:`~linyi_analysis.errors.UsageError`, before anything runs, if either is the
    root of the file system, equals, contains or lies inside the current directory, one of
    ``inputs`` ({"the data directory": path, …}) or the other; if ``output`` is not empty and
    holds files its marker does not list (or no marker); if ``figures`` is not a directory.
    """
    out = _resolved(output, "--output")
    named = {"--output": (output, out)}
    if figures is not None:
        named["--figures"] = (figures, _resolved(figures, "--figures"))
    cwd = Path.cwd().resolve()
    for option, (given, path) in named.items():
        shown = f"{option} {str(given)!r}" + (f" ({path})" if str(path) != str(given) else "")
        others = {"the current directory": cwd, **inputs}
        if option == "--figures":
            others["the --output directory"] = out
        if path == Path(path.anchor):
            raise UsageError(f"{shown} is the root of the file system")
        for what, other in others.items():
            other = Path(other).resolve()
            relation = "is" if path == other else "contains" if other.is_relative_to(path) else ""
            relation = relation or (
                "lies inside" if path.is_relative_to(other) and what != "the current directory" else ""
            )
            if relation:
                raise UsageError(
                    f"{shown} {relation} {what} ({other}): it would be replaced or mixed with it"
                )
        if path.exists() and not path.is_dir():
            raise UsageError(f"{shown} exists and is not a directory")
        if option == "--output" and os.path.ismount(path):
            raise UsageError(
                f"{shown} is a mount point: a new site is put in place by renaming the output, which a "
                "mount point refuses; name a directory inside it"
            )
    if out.is_dir():
        strangers, marker = strangers_in(out), read_marker(out)
        if strangers and marker and "damaged" in marker:
            raise UsageError(
                f"--output {str(output)!r}: {marker['damaged'].removesuffix('; it is ignored')}, so "
                "nothing says which files linyi-report wrote there: choose another directory, or "
                "empty this one first"
            )
        if strangers:
            raise UsageError(
                f"--output {str(output)!r}: {out} holds files linyi-report did not write "
                f"({_listed(strangers)}); it replaces only a site it wrote, or an empty directory: "
                "choose another directory, or empty this one first"
            )
    return out, named.get("--figures", (None, None))[1]


def strangers_in(site: Path) -> list[str]:
    """The files of ``site`` its marker does not list, and links; every file if it has no marker,
    or a damaged one (a marker that cannot be read vouches for nothing)."""
    marker = read_marker(site)
    if marker is None or "damaged" in marker:
        return [rel for rel in files_of(site) if rel != MARKER or marker is None]
    return [
        rel
        for rel in files_of(site)
        if rel != MARKER and (rel not in marker["files"] or (site / rel).is_symlink())
    ]


def _listed(names: list[str], most: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@contextlib.contextmanager
def locked(paths: list[Path], wait: bool = True, progress=lambda event, **info: None):
    """Hold the lock of each of ``paths`` (resolved outputs) for the block.

    ``wait``: wait for a run holding one (``progress("waiting")`` is said first), else raise
    :class:`~linyi_analysis.errors.Busy`.
    """
    from filelock import FileLock, Timeout

    from ..validated_cache import cache_dir

    folder = cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for path in sorted(set(paths)):
            lock = FileLock(folder / f"{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.lock")
            try:
                stack.enter_context(lock.acquire(timeout=0))
            except Timeout:
                if not wait:
                    raise Busy(f"another linyi-report run is writing {path}") from None
                progress("waiting")
                stack.enter_context(lock.acquire())
        yield


def _beside(output: Path, kind: str) -> list[Path]:
    """Directories a run of this command made beside ``output`` (they hold the marker; never a link)."""
    found = output.parent.glob(f".{glob.escape(output.name)}.linyi-{kind}-*")
    return sorted(p for p in found if not p.is_symlink() and p.is_dir() and (p / MARKER).is_file())


def leftovers(output: Path) -> list[Path]:
    """What killed runs left beside ``output``: build directories, and old sites."""
    return _beside(output, "old") + _beside(output, "build")


def recover(output: Path) -> None:
    """Remove what killed runs left beside ``output``; put the old site back if a kill fell
    between the two renames of a swap (``output`` missing)."""
    for old in _beside(output, "old"):
        if not output.exists():
            os.rename(old, output)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for build in _beside(output, "build"):
        shutil.rmtree(build, ignore_errors=True)


def new_build(output: Path) -> Path:
    """A new, marked build directory beside ``output``, with the mode of the current site."""
    output.parent.mkdir(parents=True, exist_ok=True)
    build = output.parent / f".{output.name}.linyi-build-{secrets.token_hex(4)}"
    build.mkdir()
    (build / MARKER).write_text("{}\n", encoding="utf-8")  # a build: the next run may remove it
    if output.is_dir():  # (else the umask's mode, as any new directory)
        os.chmod(build, os.stat(output).st_mode & 0o7777)
    return build


def stage_charts(charts: dict[str, Path], figures: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Write into ``figures`` beside each chart to replace (``charts``: name → new file) a
    temporary copy, and the new marker; return (temporary, final) pairs and the names changed.

    Raises :class:`~linyi_analysis.errors.UsageError` (nothing written) for a file of that name
    the marker does not list and whose bytes differ; an ``OSError`` (e.g. a full disk) after
    removing the copies written.
    """
    marker = read_marker(figures) if figures.is_dir() else None
    listed = set() if marker is None or "damaged" in marker else set(marker["files"])
    changed, refused = [], []
    for name, new in sorted(charts.items()):
        old = figures / name
        if old.is_symlink() or (old.exists() and not old.is_file()):
            refused.append(name)
        elif not old.exists() or old.read_bytes() != new.read_bytes():
            changed.append(name)
            if old.exists() and name not in listed:
                refused.append(name)
    if refused:
        raise UsageError(
            f"--figures {figures}: {_listed(refused)} would be overwritten, but linyi-report did not "
            "write them; move them away, or choose another directory"
        )
    for stale in figures.glob(".*.linyi-tmp") if figures.is_dir() else []:
        stale.unlink()  # left by a killed run
    figures.mkdir(parents=True, exist_ok=True)
    pairs = []
    try:
        for name in changed:
            pairs.append((figures / f".{name}.linyi-tmp", figures / name))
            shutil.copyfile(charts[name], pairs[-1][0])
        names = sorted(listed | set(charts))
        files = {n: (sha256(charts[n]) if n in charts else marker["files"][n]) for n in names}
        text = json.dumps({"linyi-report": 1, "files": files}, indent=1, sort_keys=True) + "\n"
        pairs.append((figures / f".{MARKER}.linyi-tmp", figures / MARKER))
        pairs[-1][0].write_text(text, encoding="utf-8")
    except OSError:
        for tmp, _ in pairs:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    return pairs, changed


def publish(build: Path, output: Path, charts: list[tuple[Path, Path]], stopped=lambda: False) -> list[str]:
    """Swap ``build`` in as ``output`` and rename the staged ``charts`` into place, with SIGINT
    and SIGTERM held back until done (they take effect after); delete the old site.

    Returns what could not be cleaned up afterwards (the site is published whatever it says).
    ``stopped()`` true (a signal came, though Python swallowed its exception): nothing is done.
    Raises ``OSError`` only if the swap itself failed: then ``output`` is as it was.
    """
    old = output.parent / f".{output.name}.linyi-old-{secrets.token_hex(4)}"
    with signals_held():
        if stopped():  # a signal came just before they were held
            raise KeyboardInterrupt
        if output.exists():
            os.rename(output, old)
        try:
            os.rename(build, output)
        except OSError:
            if old.exists():
                os.rename(old, output)
            raise
        problems = []
        for tmp, final in charts:
            try:
                os.replace(tmp, final)
            except OSError as err:
                problems.append(f"{final} was not updated: {err.strerror or err}")
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
            if old.exists():  # e.g. files of another user in it: the site is published all the same
                problems.append(f"the previous site could not be removed: it is left in {old}")
        return problems


@contextlib.contextmanager
def signals_held():
    """SIGINT and SIGTERM only noted during the block, then the first delivered again. (Python runs
    handlers in the main thread, whichever thread the system gave the signal to: a handler is
    replaced, not the signal mask, which other threads, e.g. numpy's, do not share.)"""
    received: list[int] = []
    saved = {
        s: signal.signal(s, lambda signum, _: received.append(signum))
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])
