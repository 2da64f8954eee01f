"""Open a folder of images as a project: names at once, hashes, sizes and thumbnails in the background.

`s2ide FOLDER` and File ▸ Open folder… land here. `open_folder` creates the project in
`FOLDER/.s2ide` (or, when the folder is read-only, in a per-person data folder, or a place the
caller picks), lists the image files and stores their names in one transaction, so the first
image can be shown at once. A project in `FOLDER/.s2ide` stores the names relative to it
("../img1.jpg"), so the folder can be moved, renamed or opened from another mount; one in a
data folder (a read-only folder's) stores them absolute. Projects made before keep their
absolute paths (nothing is rewritten). `index_pending` (a long job: `run(inputs, state)`) then reads each
file in name order: hash, displayed size, cached thumbnail. A file that cannot be read is
skipped with its reason in the audit log (never blocking the rest); a second copy of an image
already in the project is folded into the first (counted and named). Reopening a folder only
adds the names that appeared since.
"""

from __future__ import annotations

import getpass
import hashlib
import multiprocessing
import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from s2ide.core.errors import ImageError, InvalidInputError, S2Error
from s2ide.core.io.images import IMAGE_SUFFIXES, probe
from s2ide.core.labeling.skip import skip_sample
from s2ide.core.project import DB_NAME, FOLDER_PATHS_KEY, FOLDER_PROJECT_DIR, PARENT_PREFIX, Project
from s2ide.core.review.users import Role, add_user
from s2ide.core.store import Store, folder_index
from s2ide.core.tasks import TaskState

PROJECT_DIR = FOLDER_PROJECT_DIR
BATCH = 32  # results written per transaction: the gallery sees progress, commits stay short
PARALLEL_THRESHOLD = 16
_DIGITS = re.compile(r"(\d+)")


@dataclass
class FolderOpen:
    project: Project
    folder: Path
    created: bool
    added: int  # names new to the project this time
    owner: str


@dataclass
class IndexReport:
    indexed: int = 0
    broken: list[str] = field(default_factory=list)  # "path: reason"
    duplicates: list[str] = field(default_factory=list)  # "path (same as other)"

    def summary(self) -> str:
        text = f"indexed {self.indexed:,} image(s)"
        if self.broken:
            text += f"; {len(self.broken)} unreadable, skipped: " + "; ".join(self.broken[:3])
        if self.duplicates:
            text += f"; {len(self.duplicates)} duplicate(s) folded: " + "; ".join(self.duplicates[:3])
        return text


def _natural_key(text: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(text)]


def list_images(folder: Path) -> list[str]:
    """Image files under `folder` as posix paths relative to it (sub-folders too; hidden ones
    and .s2ide left out), in natural name order (img2 before img10). Plain strings and
    os.scandir: no stat or Path object per file, so 10,000 names take a few milliseconds."""
    found: list[str] = []
    stack = [""]
    root = str(folder)
    while stack:
        prefix = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, prefix) if prefix else root))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES:
                found.append(prefix + name)
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(prefix + name + "/")
            except OSError:
                continue
    found.sort(key=_natural_key)
    return found


def has_images(folder: Path) -> bool:
    """True for a folder (not a project) that holds at least one image file, near the top."""
    if not folder.is_dir() or (folder / DB_NAME).is_file():
        return False
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
                    return True
    except OSError:
        return False
    return bool(list_images(folder))


def fallback_dir(folder: Path) -> Path:
    """Where the project of a read-only folder lives: the person's data folder, one per path."""
    digest = hashlib.sha1(str(folder).encode("utf-8")).hexdigest()[:10]
    return Path(platformdirs.user_data_dir("s2ide")) / "folders" / f"{folder.name or 'root'}-{digest}"


def project_dir_for(folder: Path) -> Path:
    """An existing project for the folder (beside it, else in the fallback), else where to make one."""
    folder = folder.resolve()
    inside, outside = folder / PROJECT_DIR, fallback_dir(folder)
    for candidate in (inside, outside):
        if (candidate / DB_NAME).is_file():
            return candidate
    return inside if os.access(folder, os.W_OK) else outside


def _placeholders(count: int) -> list[str]:
    """Unique stand-ins for the hashes not read yet: a time stamp and a counter, so they are
    inserted in key order (a random key per row would double the cost of the unique index)."""
    stamp = time.time_ns()
    return [f"{folder_index.PENDING_PREFIX}{stamp:x}-{n:07d}" for n in range(count)]


def open_folder(
    folder: Path | str, user: str | None = None, project_dir: Path | None = None, labels: list[str] | None = None
) -> FolderOpen:
    """Open (or make) the folder's project and store the names of images not yet in it."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: not a folder")
    where = project_dir or project_dir_for(folder)
    owner = (user or getpass.getuser() or "owner").strip()
    created = not (where / DB_NAME).is_file()
    if created:
        project = Project.create(where, labels or [], name=folder.name)
        store = project.store
        with store.transaction():
            store.meta.set("image_folder", str(folder))
            store.meta.set("owner", owner)
            if where.resolve().parent == folder:  # beside the images: move the folder, it still opens
                store.meta.set(FOLDER_PATHS_KEY, "relative")
        add_user(store, owner, Role.ENGINEER.value)  # the creator may do everything (owner)
    else:
        project = Project.open(where)
        store = project.store
    known = set() if created else folder_index.known_paths(store)
    # As Project.stored_path stores them: "../name" in a project made beside its images (since
    # folder_paths), absolute in a read-only folder's project or one made before (kept as is).
    absolute = folder.as_posix().rstrip("/") + "/"
    base = PARENT_PREFIX if project.paths_beside else absolute
    names = list_images(folder)
    new = [base + name for name in names if base + name not in known and absolute + name not in known]
    rows = list(zip(new, _placeholders(len(new)), strict=True))
    with store.transaction():
        if not created and project.paths_beside and store.meta.get("image_folder") != str(folder):
            store.meta.set("image_folder", str(folder))  # moved or mounted elsewhere: where it is now
        added = folder_index.add_names(store, rows) if rows else 0
    return FolderOpen(project=project, folder=folder, created=created, added=added, owner=owner)


def _probe_one(args: tuple[int, str, str]) -> tuple[int, str, tuple[str, int, int] | None, str | None]:
    sample_id, path, thumbs = args
    try:
        info = probe(Path(path), Path(thumbs))
        return sample_id, path, (info.sha256, info.width, info.height), None
    except ImageError as exc:
        return sample_id, path, None, str(exc)
    except Exception as exc:  # one hostile file must not end the indexing
        return sample_id, path, None, f"{path}: unreadable ({type(exc).__name__}: {exc})"


def _probe_all(
    jobs: list[tuple[int, str, str]], state: TaskState, processes: int | None
) -> Iterator[tuple[int, str, tuple[str, int, int] | None, str | None]]:
    workers = processes or os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or workers <= 1:
        for job in jobs:
            state.check()
            yield _probe_one(job)
        return
    # spawn, not fork: the caller is often a GUI process with threads running.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for result in pool.map(_probe_one, jobs, chunksize=16):  # as the importer: less IPC
                state.check()
                yield result
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def probe_sample(project: Project, sample_id: int, user: str) -> str | None:
    """Read one pending sample now (the one the labeler opened before the indexer got there);
    None when done, else the reason it could not be read (it is then skipped)."""
    store = project.store
    sample = store.samples.get(sample_id)
    if not folder_index.is_pending(sample.sha256):
        return None
    result = _probe_one((sample_id, str(project.image_path(sample.path)), str(project.thumbs_dir)))
    report = IndexReport()
    _write(project, store, [result], user, report)
    return report.broken[0] if report.broken else None


def _write(
    project: Project,
    store: Store,
    results: list[tuple[int, str, tuple[str, int, int] | None, str | None]],
    user: str,
    report: IndexReport,
) -> None:
    with store.transaction():
        for sample_id, path, facts, error in results:
            sample = store.samples.get(sample_id)
            if not folder_index.is_pending(sample.sha256):
                continue  # the labeler's open sample was read meanwhile
            if facts is None:
                reason = error or "unreadable"
                report.broken.append(reason)
                # The placeholder stays, so a file fixed later is read on the next open.
                if sample.status != "skipped":
                    try:
                        skip_sample(store, sample_id, user, reason=reason)
                    except S2Error:  # a user who may not label still gets the rest indexed
                        pass
                continue
            sha256, width, height = facts
            other = store.samples.by_sha256(sha256)
            if other is not None and other.id != sample_id:
                if folder_index.has_annotations(store, sample_id):
                    report.broken.append(f"{path}: same image as {other.path}, kept unread (it has annotations)")
                else:
                    folder_index.delete_sample(store, sample_id)
                    report.duplicates.append(f"{path} (same as {other.path})")
                continue
            folder_index.set_facts(store, sample_id, sha256, width, height)
            report.indexed += 1


def index_pending(project_path: Path, user: str, state: TaskState, processes: int | None = None) -> IndexReport:
    """Read every pending sample of a folder project (its own connection: run it in a worker)."""
    project = Project.open(project_path)
    store = project.connect()
    report = IndexReport()
    try:
        todo = folder_index.pending(store)
        total = len(todo)
        state.report(0, total, f"indexing {total:,} image(s)", force=True)
        jobs = [(sample_id, str(project.image_path(path)), str(project.thumbs_dir)) for sample_id, path in todo]
        batch: list[tuple[int, str, tuple[str, int, int] | None, str | None]] = []
        for done, result in enumerate(_probe_all(jobs, state, processes), start=1):
            batch.append(result)
            if len(batch) >= BATCH:
                _write(project, store, batch, user, report)
                batch = []
                state.report(done, total, f"indexing images {done:,}/{total:,}")
        if batch:
            _write(project, store, batch, user, report)
        state.report(total, total, report.summary(), force=True)
    finally:
        store.close()
    return report
