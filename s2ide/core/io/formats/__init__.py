"""Import and export formats: one module per format.

Importers have `detect(src)` and `read(src) -> ImportPlan` (`core.importing.run_import`
applies the plan); exporters have `IMAGE_MODES` and `export(job, out, state)` (run by
`core.io.exporting.run_export`, which writes to a temporary folder and moves it into place).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.gc_pause import paused_gc
from s2ide.core.io.formats import (
    cityscapes,
    coco,
    csv_labels,
    cvat,
    datumaro,
    folder,
    imagefolder,
    kitti,
    labelme,
    labelstudio,
    masks,
    mots,
    voc,
    vocseg,
    yolo,
)
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation

__all__ = [
    "EXPORTERS",
    "IMPORTERS",
    "ImportItem",
    "ImportPlan",
    "PlannedAnnotation",
    "detect_format",
    "exporter_for",
    "read_plan",
]

# Order matters for detection: the most specific format first, plain folder last.
IMPORTERS: dict[str, ModuleType] = {
    csv_labels.NAME: csv_labels,
    coco.NAME: coco,
    datumaro.NAME: datumaro,
    cvat.NAME: cvat,
    yolo.NAME: yolo,
    voc.NAME: voc,
    vocseg.NAME: vocseg,
    cityscapes.NAME: cityscapes,
    mots.NAME: mots,
    kitti.NAME: kitti,
    labelstudio.NAME: labelstudio,
    labelme.NAME: labelme,
    imagefolder.NAME: imagefolder,  # class-per-folder only when nothing else matches
    folder.NAME: folder,
}

EXPORTERS: dict[str, ModuleType] = {
    coco.NAME: coco,
    yolo.NAME: yolo,
    labelme.NAME: labelme,
    voc.NAME: voc,
    vocseg.NAME: vocseg,
    cvat.NAME: cvat,
    datumaro.NAME: datumaro,
    labelstudio.NAME: labelstudio,
    cityscapes.NAME: cityscapes,
    kitti.NAME: kitti,
    imagefolder.NAME: imagefolder,
    csv_labels.NAME: csv_labels,
    masks.NAME: masks,
}


# Layouts recognised but not read: named, instead of being misread as a plain folder.
UNSUPPORTED = ((("gt", "img1"), "a MOT tracking sequence (gt/, img1/)"),)


def detect_format(src: Path) -> str:
    if not src.exists():
        raise ImportFormatError(f"{src}: no such file or folder")
    for folders, what in UNSUPPORTED:
        if src.is_dir() and all((src / f).is_dir() for f in folders) and not mots.detect(src):
            raise ImportFormatError(
                f"{src}: looks like {what}, which s2ide cannot import yet; name a format with --format "
                "(folder imports the images without their annotations)"
            )
    for name, module in IMPORTERS.items():
        if module.detect(src):
            return name
    raise ImportFormatError(f"{src}: cannot tell its format; name one with --format")


def read_plan(src: Path, fmt: str = "auto") -> ImportPlan:
    src = Path(os.path.abspath(src))  # relative sources work from any working directory
    if fmt == "auto":
        fmt = detect_format(src)
    module = IMPORTERS.get(fmt)
    if module is None:
        raise ImportFormatError(f"unknown import format {fmt!r} (known: {', '.join(IMPORTERS)})")
    if not src.exists():
        raise ImportFormatError(f"{src}: no such file or folder")
    with paused_gc():  # millions of fresh containers, no cycles: the collector only slows this down
        plan: ImportPlan = module.read(src)
    if not plan.layout:
        plan.layout = getattr(module, "LAYOUT", fmt)
    return plan


def exporter_for(fmt: str) -> ModuleType:
    module = EXPORTERS.get(fmt)
    if module is None:
        raise InvalidInputError(f"unknown export format {fmt!r} (known: {', '.join(EXPORTERS)})")
    return module
