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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
    """The store in ``root`` (created when first written)."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root).absolute()

    def entry(self, key: str) -> Path:
        return self.root / "entries" / key

    def verify(self, key: str, *, discard: bool = True) -> str:
        """``"ok"``, ``"missing"`` or ``"corrupt"`` (a file's bytes or the manifest changed). A corrupt
        entry is removed (unless ``discard`` is False), so its job runs again."""
        entry = self.entry(key)
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            ok = manifest.get("key") == key and _tree_hashes(entry) == manifest.get("files")
        except FileNotFoundError:
            if not entry.exists():
                return "missing"
            ok = False
        except (OSError, ValueError, AttributeError):
            ok = False
        if ok:
            return "ok"
        if discard:
            self._discard(entry)
        return "corrupt"

    def _discard(self, entry: Path) -> None:
        with contextlib.suppress(OSError):
            # renamed first: a run reading it at the same moment sees it gone, not half gone
            doomed = Path(tempfile.mkdtemp(prefix=f"{entry.name}-", dir=self._tmp()))
            os.rename(entry, doomed / "entry")
            shutil.rmtree(doomed, ignore_errors=True)

    def _tmp(self) -> Path:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp

    def workdir(self, key: str) -> Path:
        """A new empty directory for a job to execute into (commit it with :meth:`commit`)."""
        return Path(tempfile.mkdtemp(prefix=f"{key}-", dir=self._tmp()))

    def commit(
        self, key: str, workdir: Path, inputs: dict[str, str], name: str, *, replace: bool = False
    ) -> None:
        """Write the manifest of ``workdir`` and move it into place as the entry of ``key``, in one
        rename. If the entry exists already (another run made it), ``workdir`` is dropped, unless
        ``replace`` (``--force``: the new execution is the one published), when the old entry is
        moved aside first."""
        manifest = {"key": key, "name": name, "inputs": inputs, "files": _tree_hashes(workdir)}
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        self.entry(key).parent.mkdir(parents=True, exist_ok=True)
        if replace and self.entry(key).exists():
            self._discard(self.entry(key))
        try:
            os.rename(workdir, self.entry(key))
        except OSError:  # ENOTEMPTY/EEXIST: committed meanwhile by another run
            shutil.rmtree(workdir, ignore_errors=True)

    def files(self, key: str) -> dict[str, bytes]:
        """The entry's files (relative path → bytes), each checked against the manifest as read;
        marks the entry used. Raises :class:`StoreError` if any differs or is missing."""
        entry = self.entry(key)
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            out = {}
            for rel, expected in manifest["files"].items():
                data = (entry / rel).read_bytes()
                if sha256_bytes(data) != expected:
                    raise StoreError(f"store entry {entry} changed: {rel} does not match its manifest")
                out[rel] = data
            now = time.time()
            with contextlib.suppress(OSError):
                os.utime(entry / MANIFEST, (now, now))
        except StoreError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StoreError(f"store entry {entry} cannot be read: {err}") from None
        return out

    def prune(self, keep: set[str] = frozenset(), max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        """Remove the least recently used entries beyond ``max_entries`` or ``max_bytes`` (never
        those in ``keep``), and work directories left by killed runs; return the keys removed."""
        entries_dir = self.root / "entries"
        if not entries_dir.is_dir():
            return []
        sized = []
        for entry in entries_dir.iterdir():
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
        """Work directories older than a day: their run was killed (a job takes seconds)."""
        tmp = self.root / "tmp"
        if not tmp.is_dir():
            return
        limit = time.time() - older_than
        for work in tmp.iterdir():
            with contextlib.suppress(OSError):
                if work.stat().st_mtime < limit:
                    shutil.rmtree(work, ignore_errors=True)
