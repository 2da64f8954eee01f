"""Class-per-subfolder trees (torchvision's ImageFolder): the folder name is the label.

`root/cat/1.jpg` is tagged `cat`. A `train/`, `val/` or `test/` level above the class folders
sets the split (`root/train/cat/1.jpg`). Images directly in root are imported untagged.
"""

from __future__ import annotations

from pathlib import Path

from s2ide.core.formats.base import ImportItem, ImportPlan
from s2ide.core.formats.folder import walk_images

NAME = "imagefolder"
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
        loose = any(p.is_file() and p.suffix.lower() in {".jpg", ".jpeg", ".png"} for p in src.iterdir())
    except OSError:
        return False
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
