"""Apply an import plan: probe files in parallel, then write everything in one transaction.

Probing (read, hash, decode a draft thumbnail) is the slow part and runs in worker processes;
the store is written once at the end, so a cancelled or failed import changes nothing. Bad
files are reported with their reason and skipped; the rest goes on. An image already in the
project (same sha256) is never added twice: its labels from the plan are merged onto it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import DiskFullError, ImageError
from s2ide.core.io.formats.base import ImportItem, ImportPlan, shown
from s2ide.core.io.images import ImageInfo, probe
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.io.import_shapes import LabelResolver, ShapeBatch, apply_shapes
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.storage_errors import disk_full, is_disk_full
from s2ide.core.tasks import TaskState

PARALLEL_THRESHOLD = 64
CHUNK = 16
EMBEDDED_DIR = "imported"  # images that came inside annotation files (labelme imageData)


def _save_embedded(project: Project, item: ImportItem) -> None:
    """Write an image carried inside its annotation file into the project, named by content."""
    assert item.embedded is not None
    digest = hashlib.sha256(item.embedded).hexdigest()[:12]
    folder = project.path / EMBEDDED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{item.source.stem}-{digest}{item.source.suffix or '.png'}"
    if not target.exists():
        target.write_bytes(item.embedded)
    item.source = target
    item.embedded = None


def _probe_one(args: tuple[str, str]) -> tuple[str, ImageInfo | None, str | None]:
    path, thumbs = args
    try:
        return path, probe(Path(path), Path(thumbs)), None
    except ImageError as exc:
        return path, None, str(exc)
    except OSError as exc:
        if is_disk_full(exc):  # the disk, not the file: end the import (run_import cleans up)
            raise
        return path, None, f"{path}: unreadable ({type(exc).__name__}: {exc})"
    except Exception as exc:  # one hostile file must not end the import
        return path, None, f"{path}: unreadable ({type(exc).__name__}: {exc})"


def _probe_all(
    paths: list[Path], thumbs: Path, state: TaskState, processes: int | None
) -> Iterator[tuple[str, ImageInfo | None, str | None]]:
    jobs = [(str(p), str(thumbs)) for p in paths]
    workers = processes or os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or workers <= 1:
        for job in jobs:
            state.check()
            yield _probe_one(job)
        return
    # spawn, not fork: the caller may be a GUI process with threads running.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for result in pool.map(_probe_one, jobs, chunksize=CHUNK):
                state.check()
                yield result
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_import(project: Project, plan: ImportPlan, options: ImportOptions, state: TaskState) -> ImportReport:
    """Apply `plan`; on any failure nothing is stored and this import's new thumbnails are removed."""
    options.validate()
    started = time.time()
    try:
        return _run_import(project, plan, options, state)
    except BaseException as exc:
        removed = remove_orphan_thumbnails(project, since=started - 2)
        if isinstance(exc, DiskFullError) or (isinstance(exc, OSError) and is_disk_full(exc)):
            raise disk_full(
                project.path, f"the import was rolled back ({removed} new thumbnails removed), nothing saved was lost"
            ) from exc
        raise


def remove_orphan_thumbnails(project: Project, since: float) -> int:
    """Delete thumbnails made since `since` whose image is not in the project (a failed import's)."""
    if not project.thumbs_dir.is_dir():
        return 0
    known = project.store.samples.known_hashes()
    removed = 0
    for path in project.thumbs_dir.glob("*/*"):
        sha = path.name.split(".", 1)[0]
        try:
            fresh = path.stat().st_mtime >= since
        except OSError:
            continue
        if fresh and (sha not in known or path.suffix == ".tmp"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _run_import(project: Project, plan: ImportPlan, options: ImportOptions, state: TaskState) -> ImportReport:
    store = project.store
    report = ImportReport(skipped=list(plan.problems), layout=plan.layout)
    report.annotations_in_source = plan.source_count
    for count, why, where in plan.refused:
        report.not_added(count, why, where)
    for item in plan.items:
        if item.embedded is not None and not item.source.is_file():
            _save_embedded(project, item)
    total = len(plan.items)
    state.report(0, total, "reading images", force=True)

    # Images already stored under the same path need no probing.
    pending: list[ImportItem] = []
    known: list[tuple[ImportItem, int]] = []
    for item in plan.items:
        existing = store.samples.by_path(project.stored_path(item.source)) if item.source.exists() else None
        if existing is not None:
            known.append((item, existing.id))
        else:
            pending.append(item)
    # Several annotation files may name one image: probe it once, apply all of them.
    by_source: dict[str, list[ImportItem]] = {}
    for item in pending:
        by_source.setdefault(str(item.source), []).append(item)

    probed: list[tuple[ImportItem, ImageInfo]] = []
    done = len(known)
    paths = [Path(p) for p in by_source]
    for path, info, error in _probe_all(paths, project.thumbs_dir, state, options.processes):
        items = by_source[path]
        done += len(items)
        if error is not None:
            lost = sum(len(item.annotations) + item.duplicates for item in items)
            if lost:
                report.not_added(lost, f"the image cannot be read ({shown(error)})", shown(path))
            else:
                report.skipped.append(shown(error))
        else:
            assert info is not None
            probed.extend((item, info) for item in items)
        state.report(done, total, "reading images")
    state.check()

    state.report(total, total, "saving", force=True)
    with store.transaction():
        labels = {label.name: label.id for label in store.labels.list()}
        seen_hashes = store.samples.known_hashes()
        # (item, sample id, added by this import) for every image whose labels are applied
        targets: list[tuple[ImportItem, int, bool]] = [(item, sid, False) for item, sid in known]
        new_rows: list[tuple[str, str, int, int, str]] = []
        new_items: list[tuple[ImportItem, int, bool]] = []  # (item, index into new_rows, first of its image)
        added_now: dict[str, tuple[Path, int]] = {}  # sha256 -> (first file, index into new_rows)
        for item, info in probed:
            first = added_now.get(info.sha256)
            if first is not None:
                # A byte-identical file: one sample; this file's shapes are merged onto it.
                if first[0] != info.path:
                    report.skipped.append(
                        f"{shown(item.source)}: the same image as {shown(first[0].name)} in this import "
                        f"(one sample; its {len(item.annotations)} annotation(s) are applied to it)"
                    )
                new_items.append((item, first[1], False))
                continue
            if info.sha256 in seen_hashes:
                existing = store.samples.by_sha256(info.sha256)
                assert existing is not None
                report.already_present += 1
                targets.append((item, existing.id, False))
                continue
            split = item.split or options.split or "none"
            added_now[info.sha256] = (info.path, len(new_rows))
            new_items.append((item, len(new_rows), True))
            new_rows.append((project.stored_path(info.path), info.sha256, info.width, info.height, split))
        new_ids = store.samples.add_many_ids(new_rows)
        fresh_sizes = {new_ids[i]: (row[2], row[3]) for i, row in enumerate(new_rows)}
        targets += [(item, new_ids[index], first) for item, index, first in new_items]
        report.imported += len(new_rows)
        report.already_present += len(known)

        # Shapes (boxes, polygons, masks...) follow the merge/replace/skip rule in import_shapes.
        resolver = LabelResolver(store, labels, options.unknown_labels, report.created_labels)
        resolver.declare(plan.labels)
        resolver.skeletons(plan.skeletons, report)
        batch = ShapeBatch()
        # Shapes: one application per sample, even when several files of this import are the
        # same image (their shapes are pooled, identical copies counted once).
        pooled: dict[int, tuple[ImportItem, bool]] = {}
        for item, sample_id, fresh in targets:
            if sample_id not in pooled:
                pooled[sample_id] = (item, fresh)
                continue
            earlier = pooled[sample_id][0]
            if earlier is item:
                continue
            merged = ImportItem(earlier.source, declared_size=earlier.declared_size, origin=earlier.origin)
            merged.duplicates = earlier.duplicates + item.duplicates
            merged.extend(earlier.annotations)
            merged.extend(item.annotations)
            pooled[sample_id] = (merged, pooled[sample_id][1])
        for sample_id, (item, fresh) in pooled.items():
            if fresh:
                size, status = fresh_sizes[sample_id], "unlabeled"
            else:
                sample = store.samples.get(sample_id)
                size, status = (sample.width, sample.height), sample.status
            apply_shapes(
                store, sample_id, item, resolver, options, report, batch, size=size, status=status, fresh=fresh
            )
        for item, sample_id, fresh in targets:
            if item.split and not fresh and item.split != store.samples.get(sample_id).split:
                store.samples.set_split([sample_id], item.split)
            if not item.tag:
                continue
            label_id = labels.get(item.tag)
            if label_id is None:
                if options.unknown_labels == "skip":
                    report.skipped.append(f"{item.source}: unknown label {item.tag!r} (skipped)")
                    continue
                index = len(labels)
                label_id = store.labels.create(item.tag, default_color(index), _free_hotkey(store, index)).id
                labels[item.tag] = label_id
                report.created_labels.append(item.tag)
            current = store.annotations.tag_of(sample_id)
            if current is not None and current.label_id == label_id:
                continue
            if current is not None and not _may_overwrite(current.source, options.on_existing):
                report.skipped.append(
                    f"{item.source}: kept its {current.source} label (import label {item.tag!r} not applied)"
                )
                continue
            set_tag(store, sample_id, label_id, options.user, source="import")
            report.labels_set += 1
        # In detect/segment projects a file's shapes count as finished labels (done) unless the
        # import says otherwise; in classification projects shapes mark a sample labeled as before.
        shape_project = is_shape_task(project.task)
        marked = batch.flush(store, options, mark_labeled=options.mark_done or not shape_project)
        if shape_project:
            report.marked_done += marked
        report.skipped.extend(resolver.messages())
        store.audit.record(
            options.user,
            "import",
            "project",
            None,
            None,
            {
                "format": plan.format,
                "root": str(plan.root),
                "imported": report.imported,
                "skipped": len(report.skipped),
                "annotations_added": report.annotations_added,
                "annotations": report.accounting(),
            },
        )
    state.report(total, total, report.summary(), force=True)
    return report


def _may_overwrite(current_source: str, on_existing: str) -> bool:
    """merge: a human tag wins over the import; replace: the import wins; skip: keep any tag."""
    if on_existing == "replace":
        return True
    if on_existing == "skip":
        return False
    return current_source != "human"


def _free_hotkey(store: Store, index: int) -> str | None:
    key = default_hotkey(index)
    return key if key is not None and store.labels.hotkey_owner(key) is None else None
