"""Apply an import plan: probe files in parallel, then write everything in one transaction.

Probing (read, hash, decode a draft thumbnail) is the slow part and runs in worker processes;
the store is written once at the end, so a cancelled or failed import changes nothing. Bad
files are reported with their reason and skipped; the rest goes on. An image already in the
project (same sha256) is never added twice: its labels from the plan are merged onto it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import ImageError
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.images import ImageInfo, probe
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.io.import_shapes import LabelResolver, apply_shapes
from s2ide.core.labeling.done import DONE_STATUS, is_shape_task
from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState

PARALLEL_THRESHOLD = 64
CHUNK = 16


def _probe_one(args: tuple[str, str]) -> tuple[str, ImageInfo | None, str | None]:
    path, thumbs = args
    try:
        return path, probe(Path(path), Path(thumbs)), None
    except ImageError as exc:
        return path, None, str(exc)
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
    options.validate()
    store = project.store
    report = ImportReport(skipped=list(plan.problems))
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
    by_source = {str(item.source): item for item in pending}

    probed: list[tuple[ImportItem, ImageInfo]] = []
    done = len(known)
    for path, info, error in _probe_all([i.source for i in pending], project.thumbs_dir, state, options.processes):
        done += 1
        if error is not None:
            report.skipped.append(error)
        else:
            assert info is not None
            probed.append((by_source[path], info))
        state.report(done, total, "reading images")
    state.check()

    state.report(total, total, "saving", force=True)
    with store.transaction():
        labels = {label.name: label.id for label in store.labels.list()}
        seen_hashes = store.samples.known_hashes()
        targets: list[tuple[ImportItem, int]] = list(known)
        added_now: dict[str, Path] = {}
        for item, info in probed:
            first = added_now.get(info.sha256)
            if first is not None:
                report.skipped.append(f"{item.source}: the same image as another file in this import ({first.name})")
                continue
            if info.sha256 in seen_hashes:
                existing = store.samples.by_sha256(info.sha256)
                assert existing is not None
                report.already_present += 1
                targets.append((item, existing.id))
                continue
            added_now[info.sha256] = info.path
            sample_id = store.samples.add(
                project.stored_path(info.path),
                info.sha256,
                info.width,
                info.height,
                item.split or options.split or "none",
            )
            report.imported += 1
            targets.append((item, sample_id))
        report.already_present += len(known)

        # Shapes (boxes, polygons, masks...) follow the merge/replace/skip rule in import_shapes.
        resolver = LabelResolver(store, labels, options.unknown_labels, report.created_labels)
        resolver.declare(plan.labels)
        shape_project = is_shape_task(project.task)
        for item, sample_id in targets:
            before = store.samples.get(sample_id).status if shape_project else ""
            apply_shapes(store, sample_id, item, resolver, options, report)
            if shape_project and before != DONE_STATUS and store.samples.get(sample_id).status == DONE_STATUS:
                # a file's shapes count as finished labels (done) unless the import says otherwise
                if options.mark_done:
                    report.marked_done += 1
                else:
                    store.samples.set_status(sample_id, before)
            if item.split and item.split != store.samples.get(sample_id).split:
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
