"""Class-per-subfolder trees (torchvision's ImageFolder): the folder name is the label.

`root/cat/1.jpg` is tagged `cat`. A `train/`, `val/` or `test/` level above the class folders
sets the split (`root/train/cat/1.jpg`). Images directly in root are imported untagged.
Export copies or hard-links tagged images into the same layout.
"""

from __future__ import annotations

from pathlib import Path

from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.formats.folder import walk_images
from s2ide.core.tasks import TaskState

NAME = "imagefolder"
LAYOUT = "class per folder (the folder name is the label)"
# Files or folders that mean an annotated layout, not classes: class-per-folder never claims them.
OTHER_LAYOUTS = frozenset(
    {
        "annotations",
        "labels",
        "jpegimages",
        "segmentationclass",
        "segmentationobject",
        "gtfine",
        "leftimg8bit",
        "label_2",
        "image_2",
        "obj.names",
        "obj.data",
        "data.yaml",
        "annotations.xml",
        "instances",
        "gt",
    }
)
SPLIT_NAMES = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def _class_dirs(src: Path) -> list[Path]:
    try:
        return sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def detect(src: Path) -> bool:
    """Sub-folders holding images and no images loose at the top."""
    if not src.is_dir():
        return False
    subdirs = _class_dirs(src)
    if not subdirs:
        return False
    try:
        entries = list(src.iterdir())
        nested = [e for d in subdirs for e in d.iterdir()]
    except OSError:
        return False
    loose = any(p.is_file() and p.suffix.lower() in {".jpg", ".jpeg", ".png"} for p in entries)
    if any(p.name.lower() in OTHER_LAYOUTS for p in entries + nested):
        return False  # an annotated dataset this reader would misread as classes
    if any(p.is_file() and p.suffix.lower() in {".json", ".xml", ".txt"} for p in entries + nested):
        return False  # annotation files beside images: not class folders
    return not loose


def read(src: Path) -> ImportPlan:
    plan = ImportPlan(format=NAME, root=src)
    for path in walk_images(src, plan.problems):
        parts = path.relative_to(src).parts[:-1]
        split = None
        if parts and parts[0].lower() in SPLIT_NAMES and len(parts) >= 2:
            split = SPLIT_NAMES[parts[0].lower()]
            parts = parts[1:]
        tag = parts[0] if parts else None
        plan.items.append(ImportItem(source=path, tag=tag, split=split))
    plan.labels = sorted({item.tag for item in plan.items if item.tag})
    return plan


# -- export ----------------------------------------------------------------------------------

IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    """`<split>/<label>/<image>` for tagged samples (`<label>/<image>` for samples with no split).

    Hard links (`--images link`) make the tree without using more disk.
    """
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing ImageFolder")
        job.report.unsupported.update(ann.kind for ann in sample.annotations)
        if not sample.tag:
            continue
        if sample.tag in (".", "..") or "/" in sample.tag or "\\" in sample.tag:
            job.report.skipped.append(f"{sample.path}: label {sample.tag!r} cannot be a folder name (not exported)")
            continue
        folder = out / sample.tag if sample.split == "none" else out / sample.split / sample.tag
        job.place_image(sample, folder / sample.name)
        job.report.images += 1
        job.report.annotations += 1
