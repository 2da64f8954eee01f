"""A folder of images, read recursively; no labels.

Folders that hold label maps rather than pictures (VOC's SegmentationClass/, Cityscapes'
gtFine/, masks/...) are not walked: their PNGs are annotations, never samples.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.images import is_image_name
from s2ide.core.io.regular_files import regular_file_problem

NAME = "folder"
LAYOUT = "a folder of images"
LABEL_FOLDERS = frozenset(
    {
        "segmentationclass",
        "segmentationobject",
        "segmentationclassaug",
        "gtfine",
        "gtcoarse",
        "masks",
        "label_2",
        "instances",
    }
)


def walk_images(root: Path, problems: list[str]) -> list[Path]:
    """Image files under root, sorted; unreadable sub-folders are reported, not fatal."""
    if not root.exists():
        raise ImportFormatError(f"{root}: no such file or folder")
    if not root.is_dir():
        raise ImportFormatError(f"{root}: not a folder")

    def on_error(exc: OSError) -> None:
        problems.append(f"{exc.filename}: cannot read the folder ({exc.strerror})")

    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d.lower() not in LABEL_FOLDERS)
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if is_image_name(path):
                problem = regular_file_problem(path)  # FIFOs, devices, sockets: never opened
                if problem is None:
                    found.append(path)
                else:
                    problems.append(problem)
    return found


def detect(src: Path) -> bool:
    return src.is_dir()


def read(src: Path, on_item: Callable[[int], None] | None = None) -> ImportPlan:
    plan = ImportPlan(format=NAME, root=src)
    plan.items = [ImportItem(source=path) for path in walk_images(src, plan.problems)]
    return plan
