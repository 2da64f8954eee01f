"""Export a project to a folder in some format, all or nothing.

Every format writes into a fresh temporary folder beside the destination; only when it has
finished is that folder moved into place (a rename on the same file system), so a failed or
cancelled export leaves no half-written set, and an existing destination is only replaced
when the user asked for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from types import ModuleType

from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.gc_pause import paused_gc
from s2ide.core.io.export_job import (
    ExportAnnotation,
    ExportJob,
    ExportOptions,
    ExportReport,
    ExportSample,
    ImagesMode,
    unique_names,
)
from s2ide.core.io.formats import exporter_for
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState


def collect(
    project: Project, options: ExportOptions, need_images: bool, report: ExportReport, state: TaskState
) -> list[ExportSample]:
    """A snapshot of the samples to export with their annotations, in id order (one pass each)."""
    store = project.store
    tags: dict[int, str] = {}
    shapes: dict[int, list[ExportAnnotation]] = {}
    for count, (sample_id, kind, label, geometry, data, attributes) in enumerate(store.export_reads.annotations()):
        if count % 4096 == 0:
            state.check()
        if kind == "tag":
            tags[sample_id] = label
        else:
            shapes.setdefault(sample_id, []).append(ExportAnnotation(kind, label, geometry, data, attributes))
    rows = store.samples.rows()
    samples: list[ExportSample] = []
    for index, row in enumerate(rows):
        if index % 256 == 0:
            state.check()
            state.report(index, len(rows), "reading the project")
        if options.split is not None and row["split"] != options.split:
            continue
        path = project.image_path(row["path"])
        if need_images and not path.is_file():
            report.skipped.append(f"{path}: image file is missing (not exported)")
            continue
        sid = row["id"]
        samples.append(
            ExportSample(sid, path, row["width"], row["height"], row["split"], tags.get(sid), shapes.get(sid, []))
        )
    unique_names(samples)
    return samples


def _prepare(dest: Path, overwrite: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise InvalidInputError(f"{dest}: exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not overwrite:
        raise InvalidInputError(f"{dest}: the folder is not empty (choose another, or allow overwriting)")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"{dest.parent}: cannot create the folder ({exc.strerror or exc})") from exc


def _move_into_place(tmp: Path, dest: Path) -> None:
    old: Path | None = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
        old.rmdir()
        dest.rename(old)
    try:
        tmp.rename(dest)
    except OSError as exc:
        if old is not None:
            old.rename(dest)
        raise S2Error(f"{dest}: cannot move the export into place ({exc.strerror or exc})") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _dropped_attributes(exporter: ModuleType, samples: list[ExportSample], fmt: str) -> list[str]:
    """Name the attributes (iscrowd, occluded, ...) the format has no place for: not written."""
    keeps = getattr(exporter, "keeps_attribute", None)
    dropped: Counter[str] = Counter()
    for sample in samples:
        for ann in sample.annotations:
            for key, value in (ann.attributes or {}).items():
                if keeps is None or not keeps(key, value):
                    dropped[key] += 1
    return [f"attribute {key!r} of {n} annotation(s) has no place in {fmt} (not written)" for key, n in dropped.items()]


def run_export(project: Project, dest: Path, fmt: str, options: ExportOptions, state: TaskState) -> ExportReport:

    options.validate()
    exporter = exporter_for(fmt)
    images = options.images or exporter.IMAGE_MODES[0]
    if images not in exporter.IMAGE_MODES:
        modes = ", ".join(str(m) for m in exporter.IMAGE_MODES)
        raise InvalidInputError(f"{fmt} export takes images as {modes}, not {images}")
    dest = Path(dest).absolute()
    _prepare(dest, options.overwrite)
    report = ExportReport(format=fmt, dest=dest)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    except OSError as exc:
        raise InvalidInputError(f"{dest.parent}: cannot write there ({exc.strerror or exc})") from exc
    try:
        with paused_gc():  # a snapshot of every annotation: many fresh objects, no cycles
            samples = collect(project, options, images != ImagesMode.NONE, report, state)
            labels = project.store.labels.list()
            job = ExportJob(project.name, labels, samples, options, ImagesMode(images), report)
            skeletons = project.store.skeletons.all()
            job.skeletons = {label.name: skeletons[label.id] for label in labels if label.id in skeletons}
            exporter.export(job, tmp, state)
        state.check()
        report.files = sum(len(files) for _, _, files in os.walk(tmp))
        _move_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.skipped += [
        f"{n} {kind} annotation(s) have no {fmt} form (not exported)" for kind, n in report.unsupported.items()
    ]
    report.skipped += _dropped_attributes(exporter, samples, fmt)
    state.report(1, 1, report.summary(), force=True)
    return report
