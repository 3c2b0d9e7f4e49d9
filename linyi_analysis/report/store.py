"""The report store: executed notebooks, pages and charts kept under the key of their job.

A *job* is one notebook execution. Its **key** is the SHA-256 of everything that decides its
output (:func:`job_inputs`):

- ``notebook`` — the notebook file's bytes;
- ``parameters`` — its papermill parameters, its page title and whether HTML is written;
- ``data`` — :meth:`linyi_analysis.Plan.digest` of exactly what it reads (the overview: the
  whole plan; an action report: the plan cut to its action, which keeps the shared tables);
- ``code`` — the package version and a hash of the package's code and schema files;
- ``environment`` — the kernel's Python and the versions of the libraries that shape the
  output. The kernel is not started to ask: ``linyi-report`` runs its notebooks in the
  ``python3`` kernel, which jupyter_client starts with the running interpreter
  (``sys.executable``, substituted for ``python`` in the kernelspec), so the kernel's versions are
  this process's. A ``python3`` kernelspec file installed elsewhere would override that: its
  bytes are hashed in too.

The store (``--cache-dir``; default ``$LINYI_CACHE_DIR/report-store``, i.e.
``$XDG_CACHE_HOME/linyi_analysis/report-store`` or ``~/.cache/linyi_analysis/report-store``)
holds one directory per key::

    entries/<key>/manifest.json     key, inputs, and the SHA-256 of every file below
    entries/<key>/<name>.ipynb      the executed notebook
    entries/<key>/<name>.html       its page
    entries/<key>/figures/*         its charts

A job executes into ``tmp/<key>-XXXX/`` (:meth:`Store.workdir`) and is committed by one rename
(:meth:`Store.commit`), so an entry is either whole or absent; two runs (or hosts sharing the
store) committing the same key keep the first. :meth:`Store.verify` re-hashes an entry's files
against its manifest: an entry whose bytes changed is reported corrupt, removed, and its job
executed again; :meth:`Store.files` checks each file's bytes again as they are read for
publishing, so a corrupted file is never published.

Pruning (:meth:`Store.prune`) keeps the store bounded: the most recently used entries are kept
while there are at most ``MAX_ENTRIES`` of them and they take at most ``MAX_BYTES``; the entries
of the current run are always kept. Reusing an entry marks it used (its manifest's mtime).

**What the store removes is only what it made.** The store writes :data:`MARKER` at its root when
it creates it; a directory that exists, is not empty and carries no marker is not a store and is
refused before anything runs (:meth:`Store.check`). Within a store, an entry is the store's own
only if its name is a key (64 hex digits) and it holds a manifest of that key; a work or discard
directory in ``tmp/`` only if its name starts with a key and it holds :data:`WORK_MARKER`. Clean-up
and pruning never touch anything else.

**Trust.** Publishing copies an entry's bytes into the site, so the store must be as trusted as the
package. An entry not owned by the current user, or writable by its group or others (any file or
directory of it), is ignored: never reused, never published, never removed (its job executes and
is published from the run's own work directory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import Error
from ..validated_cache import cache_dir

#: Keep at most this many entries (a run of every action makes seven) …
MAX_ENTRIES = 100
#: … taking at most this many bytes.
MAX_BYTES = 500 * 1024 * 1024
MANIFEST = "manifest.json"
#: Written at the root of a store when linyi-report creates it: the store is recognised by it.
MARKER = "linyi-report-store.json"
MARKER_TEXT = '{"format": "linyi-report job store", "version": 1}\n'
#: Written first into each work or discard directory the store makes under ``tmp/``.
WORK_MARKER = ".linyi-report-work"
_KEY = re.compile(r"[0-9a-f]{64}")
_TMP_NAME = re.compile(r"([0-9a-f]{64})-[A-Za-z0-9_]+")
#: The inputs of a key, in the order ``--dry-run`` names the first that changed.
INPUTS = ("notebook", "parameters", "data", "code", "environment")
#: Libraries whose versions decide what a notebook shows (the kernel is this interpreter).
LIBRARIES = (
    "pandas",
    "numpy",
    "pandera",
    "matplotlib",
    "seaborn",
    "pillow",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "ipython",
    "jupyter_client",
    "jinja2",
    "mistune",
    "pygments",
    "matplotlib-inline",
)


class StoreError(Error, OSError):
    """An entry of the store could not be read back as it was written (changed or removed)."""

    def __reduce__(self):
        return type(self), (str(self),)


class NotAStore(Error):
    """``--cache-dir`` names something that is not a store made by linyi-report (a file, a
    directory holding other files) or that overlaps the output, the data, the notebooks or
    ``--figures``; nothing was touched."""

    def __reduce__(self):
        return type(self), (str(self),)


def _trusted(path: Path) -> bool:
    """Owned by this user and not writable by group or others (as the validated-data cache)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if info.st_mode & 0o022:
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def _not_writable_by_others(directory: Path) -> None:
    for path in [directory, *directory.rglob("*")]:
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                mode = os.lstat(path).st_mode
                if mode & 0o022:
                    os.chmod(path, mode & 0o7755)


def _marked(directory: Path) -> bool:
    try:
        return (directory / WORK_MARKER).read_text(encoding="utf-8") == MARKER_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def default_store() -> Path:
    """``report-store`` in the package's cache directory (``$LINYI_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/linyi_analysis``, else ``~/.cache/linyi_analysis``)."""
    return cache_dir() / "report-store"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_json(value) -> str:
    return sha256_bytes(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode())


@cache
def code_digest() -> str:
    """The package version and a SHA-256 of its code (every ``.py`` file) and its schema and
    citation (``data/*.json``), read once a process."""
    package = Path(__file__).resolve().parents[1]
    from .. import __version__

    digest = hashlib.sha256(f"linyi_analysis {__version__}\0".encode())
    files = sorted(
        p for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in ("data", "notebooks")
    )
    files += sorted((package / "data").glob("*.json"))
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def environment() -> dict:
    """What the kernel runs on, without starting one: it is this interpreter (see the module
    docstring). Python's version and implementation, the platform, the versions of
    :data:`LIBRARIES`, and any ``python3`` kernelspec file on Jupyter's data path."""
    from importlib import metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version,
        "executable": sys.executable,
        "platform": sys.platform,
        "libraries": versions,
        "kernelspecs": _python3_kernelspecs(),
    }


def _python3_kernelspecs() -> dict[str, str]:
    """SHA-256 of each ``kernels/python3/kernel.json`` on Jupyter's data path (as jupyter_core
    lists it: $JUPYTER_PATH, the user's, the environment's, the system's)."""
    home = Path.home()
    dirs = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    xdg = os.environ.get("XDG_DATA_HOME")
    dirs += [
        str(Path(xdg) / "jupyter") if xdg else str(home / ".local" / "share" / "jupyter"),
        str(Path(sys.prefix) / "share" / "jupyter"),
        "/usr/local/share/jupyter",
        "/usr/share/jupyter",
    ]
    found = {}
    for d in dirs:
        spec = Path(d) / "kernels" / "python3" / "kernel.json"
        with contextlib.suppress(OSError):
            found[str(spec)] = sha256_bytes(spec.read_bytes())
    return found


def job_inputs(notebook: Path, parameters: dict, data_digest: str) -> dict[str, str]:
    """The SHA-256 of each input of a job (see the module docstring), by name in :data:`INPUTS`."""
    return {
        "notebook": sha256_bytes(Path(notebook).read_bytes()),
        "parameters": _digest_json(parameters),
        "data": data_digest,
        "code": code_digest(),
        "environment": _digest_json(environment()),
    }


def job_key(inputs: dict[str, str]) -> str:
    """The job's key: SHA-256 over its inputs."""
    return _digest_json({name: inputs[name] for name in INPUTS})


def changed_inputs(inputs: dict[str, str], before: dict[str, str] | None) -> list[str]:
    """The names of the inputs that differ from ``before`` (an earlier run's), in :data:`INPUTS` order."""
    if not before:
        return []
    return [name for name in INPUTS if inputs.get(name) != before.get(name)]


def _tree_hashes(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): sha256_bytes(p.read_bytes())
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


@dataclass
class Store:
    """The store in ``root`` (created, with its :data:`MARKER`, when first written)."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root).absolute()

    # --- whose directory this is ---------------------------------------------------------------

    def is_store(self) -> bool:
        """Whether ``root`` is a store linyi-report made (it carries :data:`MARKER`)."""
        try:
            return (self.root / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
        except (OSError, UnicodeDecodeError):
            return False

    def check(self, others: dict[str, str | os.PathLike] | None = None, option: str = "--cache-dir") -> None:
        """Raise :class:`NotAStore` unless ``root`` may be used as the store: missing, an empty
        directory, or a store linyi-report made; and not equal to, inside or containing any of
        ``others`` (``{"the data directory": path, …}``). Creates and changes nothing."""
        shown = f"{option} {str(self.root)!r}"
        try:
            root = self.root.resolve()
        except (RuntimeError, OSError) as err:
            raise NotAStore(f"{shown} cannot be resolved: {err}") from None
        for what, other in (others or {}).items():
            other = Path(other).resolve()
            if root == other:
                relation = "is"
            elif other.is_relative_to(root):
                relation = "contains"
            elif root.is_relative_to(other):
                relation = "lies inside"
            else:
                continue
            raise NotAStore(f"{shown} {relation} {what} ({other}); the store must be a directory of its own")
        probe = root
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise NotAStore(f"{shown}: {probe} is not a directory")
        if probe != root:
            return  # missing: created as a store when first written
        try:
            empty = next(root.iterdir(), None) is None
        except OSError as err:
            raise NotAStore(f"{shown} cannot be read: {err.strerror or err}") from None
        if not empty and not self.is_store() and not self._adoptable():
            raise NotAStore(
                f"{shown} is not a store made by linyi-report (no {MARKER}) and is not empty; "
                "choose a new or empty directory for the store"
            )

    def _adoptable(self) -> bool:
        """A store made before :data:`MARKER` existed: nothing at its root but ``entries/`` and
        ``tmp/``, every entry one of the store's own and ``tmp/`` empty."""
        try:
            names = {p.name for p in self.root.iterdir()}
            if not names <= {"entries", "tmp"}:
                return False
            entries = self.root / "entries"
            tmp = self.root / "tmp"
            if tmp.exists() and (tmp.is_symlink() or next(tmp.iterdir(), None) is not None):
                return False
            if entries.exists() and (
                entries.is_symlink() or not all(self._own_entry(e) for e in entries.iterdir())
            ):
                return False
        except OSError:
            return False
        return True

    def _create(self) -> None:
        """Make the store (its root and :data:`MARKER`) if it is not there; mark an adopted one."""
        if self.is_store():
            return
        self.check()  # never mark a directory that is not ours
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # written beside it and renamed in: a run checking the store meanwhile sees it whole or absent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.root.name}.marker-", dir=self.root.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(MARKER_TEXT)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.root / MARKER)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _own_entry(self, entry: Path) -> bool:
        """An entry the store made: its name is a key and it holds a manifest of that key."""
        if not _KEY.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            return False
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (
            isinstance(manifest, dict)
            and manifest.get("key") == entry.name
            and isinstance(manifest.get("files"), dict)
        )

    def trusted(self, key: str) -> bool:
        """Whether every directory and file of the entry is this user's and not writable by others."""
        entry = self.entry(key)
        if not _trusted(entry):
            return False
        return all(_trusted(p) for p in entry.rglob("*"))

    # --- entries ---------------------------------------------------------------------------------

    def entry(self, key: str) -> Path:
        return self.root / "entries" / key

    def verify(self, key: str, *, discard: bool = True) -> str:
        """``"ok"``, ``"missing"``, ``"untrusted"`` (see the module docstring: ignored, never
        removed) or ``"corrupt"`` (a file's bytes or the manifest changed). A corrupt entry is
        removed (unless ``discard`` is False, or it is not recognisably the store's own), so its
        job runs again."""
        entry = self.entry(key)
        if not entry.exists() and not entry.is_symlink():
            return "missing"
        if not self.trusted(key):
            return "untrusted"
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            ok = manifest.get("key") == key and _tree_hashes(entry) == manifest.get("files")
        except (OSError, ValueError, AttributeError):
            ok = False
        if ok:
            return "ok"
        if discard and self._own_entry(entry):
            self._discard(entry)
        return "corrupt"

    def _discard(self, entry: Path) -> None:
        with contextlib.suppress(OSError):
            # renamed first: a run reading it at the same moment sees it gone, not half gone
            doomed = self._marked_tmpdir(entry.name)
            os.rename(entry, doomed / "entry")
            shutil.rmtree(doomed, ignore_errors=True)

    def _marked_tmpdir(self, key: str) -> Path:
        """A new directory ``tmp/<key>-XXXX`` holding :data:`WORK_MARKER` (written first)."""
        self._create()
        tmp = self.root / "tmp"
        tmp.mkdir(exist_ok=True)
        made = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=tmp))
        (made / WORK_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        return made

    def workdir(self, key: str) -> Path:
        """A new empty directory for a job to execute into (commit it with :meth:`commit`, or
        remove it with :meth:`release`)."""
        job = self._marked_tmpdir(key) / "job"
        job.mkdir()
        return job

    def release(self, workdir: Path) -> None:
        """Remove a work directory (and its marked parent) made by :meth:`workdir`."""
        parent = Path(workdir).parent
        if _marked(parent) and _TMP_NAME.fullmatch(parent.name) and parent.parent == self.root / "tmp":
            shutil.rmtree(parent, ignore_errors=True)

    def commit(
        self, key: str, workdir: Path, inputs: dict[str, str], name: str, *, replace: bool = False
    ) -> Path:
        """Write the manifest of ``workdir`` and move it into place as the entry of ``key``, in one
        rename; return where the job's files now are (the entry, or ``workdir`` itself).

        If the entry exists already (another run made it), ``workdir`` is dropped, unless
        ``replace`` (``--force``: the new execution is the one published), when the old entry is
        moved aside first. If the existing entry is not one the store can use or remove (not
        trusted, or not recognisably its own), ``workdir`` is kept and returned: the run publishes
        from it and removes it (:meth:`release`)."""
        manifest = {"key": key, "name": name, "inputs": inputs, "files": _tree_hashes(workdir)}
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        _not_writable_by_others(workdir)  # whatever the umask: else the entry would not be trusted
        entries = self.root / "entries"
        entries.mkdir(exist_ok=True)
        state = self.verify(key, discard=False)
        if state == "untrusted" or (state == "corrupt" and not self._own_entry(self.entry(key))):
            return workdir
        if state == "ok" and not replace:
            self.release(workdir)
            return self.entry(key)
        if state != "missing":
            self._discard(self.entry(key))
        try:
            os.rename(workdir, self.entry(key))
        except OSError:  # ENOTEMPTY/EEXIST: committed meanwhile by another run
            if self.verify(key, discard=False) != "ok":
                return workdir
        self.release(workdir)
        return self.entry(key)

    def files(self, key: str, directory: Path | None = None) -> dict[str, bytes]:
        """The entry's files (relative path → bytes), each checked against the manifest as read;
        marks the entry used. ``directory``: read a kept work directory instead (see
        :meth:`commit`). Raises :class:`StoreError` if any differs or is missing, or if the entry
        is not trusted (see the module docstring)."""
        entry = self.entry(key) if directory is None else Path(directory)
        if directory is None and not self.trusted(key):
            raise StoreError(
                f"store entry {entry} is not owned by this user or is writable by others: not published"
            )
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            out = {}
            for rel, expected in manifest["files"].items():
                data = (entry / rel).read_bytes()
                if sha256_bytes(data) != expected:
                    raise StoreError(f"store entry {entry} changed: {rel} does not match its manifest")
                out[rel] = data
            now = time.time()
            if directory is None:
                with contextlib.suppress(OSError):
                    os.utime(entry / MANIFEST, (now, now))
        except StoreError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StoreError(f"store entry {entry} cannot be read: {err}") from None
        return out

    def prune(self, keep: set[str] = frozenset(), max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        """Remove the least recently used of the store's own entries beyond ``max_entries`` or
        ``max_bytes`` (never those in ``keep``, never anything the store did not make), and work
        directories left by killed runs; return the keys removed."""
        entries_dir = self.root / "entries"
        if not self.is_store() or not entries_dir.is_dir() or entries_dir.is_symlink():
            return []
        sized = []
        for entry in entries_dir.iterdir():
            if not self._own_entry(entry) or not self.trusted(entry.name):
                continue
            try:
                used = (entry / MANIFEST).stat().st_mtime
                size = sum(p.stat().st_size for p in entry.rglob("*") if p.is_file())
            except OSError:
                used, size = 0.0, 0
            sized.append((used, entry.name, size))
        sized.sort(reverse=True)  # most recently used first
        removed, count, total = [], 0, 0
        for _used, key, size in sized:
            if key in keep or (count < max_entries and total + size <= max_bytes):
                count, total = count + 1, total + size
                continue
            self._discard(entries_dir / key)
            removed.append(key)
        self._remove_stale_workdirs()
        return removed

    def _remove_stale_workdirs(self, older_than: float = 24 * 3600) -> None:
        """The store's own work directories older than a day: their run was killed (a job takes
        seconds). Anything else in ``tmp/`` is left alone."""
        tmp = self.root / "tmp"
        if tmp.is_symlink() or not tmp.is_dir():
            return
        limit = time.time() - older_than
        for work in tmp.iterdir():
            with contextlib.suppress(OSError):
                if (
                    _TMP_NAME.fullmatch(work.name)
                    and not work.is_symlink()
                    and work.is_dir()
                    and _marked(work)
                    and _trusted(work)
                    and work.stat().st_mtime < limit
                ):
                    shutil.rmtree(work, ignore_errors=True)
