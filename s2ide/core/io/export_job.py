"""What an export hands each format: the snapshot of samples and labels, the options, and the
report the format fills in. Formats import these types; `exporting.py` builds the job and runs
the format, so the two never import each other."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.store.records import Label
from s2ide.core.store.schema import SPLITS
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState


class ImagesMode(StrEnum):
    """How image files reach the export: copied, hard-linked (no extra space), or left out."""

    COPY = "copy"
    LINK = "link"
    NONE = "none"


@dataclass
class ExportOptions:
    split: str | None = None  # only samples of this split
    images: ImagesMode | None = None  # None: the format's default
    yolo_task: str = "auto"  # detect, obb, segment, pose or auto (from the shapes present)
    overwrite: bool = False
    user: str = "export"

    def validate(self) -> None:
        if self.split is not None and self.split not in SPLITS:
            raise InvalidInputError(f"unknown split {self.split!r} (use one of {', '.join(SPLITS)})")
        if self.yolo_task not in ("auto", "detect", "obb", "segment", "pose"):
            raise InvalidInputError(f"unknown YOLO task {self.yolo_task!r} (auto, detect, obb, segment or pose)")


@dataclass
class ExportReport:
    format: str
    dest: Path
    images: int = 0
    annotations: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    unsupported: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        text = f"exported {self.images} images, {self.annotations} annotations to {self.dest}"
        if self.skipped:
            text += f" ({len(self.skipped)} note{'' if len(self.skipped) == 1 else 's'})"
        return text


@dataclass(frozen=True)
class ExportAnnotation:
    kind: str
    label: str
    geometry: dict[str, Any] | None
    data: bytes | None = None
    attributes: dict[str, Any] | None = None  # iscrowd, truncated, difficult, occluded, group_id, ...

    def attr(self, name: str, default: Any = None) -> Any:
        return (self.attributes or {}).get(name, default)


@dataclass
class ExportSample:
    id: int
    path: Path
    width: int
    height: int
    split: str
    tag: str | None
    annotations: list[ExportAnnotation]
    name: str = ""  # a file name unique within the export


@dataclass
class ExportJob:
    """What an exporter gets: the snapshot, options, and the report it fills in."""

    project_name: str
    labels: list[Label]
    samples: list[ExportSample]
    options: ExportOptions
    images: ImagesMode
    report: ExportReport
    _linked_fallback: bool = False
    # Keypoint names and edges by label name, for formats that write them (COCO categories).
    skeletons: dict[str, Skeleton] = field(default_factory=dict)

    def place_image(self, sample: ExportSample, dest: Path) -> None:
        """Copy or hard-link the sample's image to dest (a hard link falls back to a copy across disks)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        if self.images == ImagesMode.LINK:
            try:
                os.link(sample.path, dest)
                return
            except OSError:
                if not self._linked_fallback:
                    self._linked_fallback = True
                    self.report.skipped.append("hard links are not possible here; images were copied instead")
        try:
            shutil.copyfile(sample.path, dest)
        except OSError as exc:
            raise S2Error(f"{sample.path}: cannot copy it to {dest} ({exc.strerror or exc})") from exc

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]


class Exporter(Protocol):
    NAME: str
    IMAGE_MODES: tuple[ImagesMode, ...]

    def export(self, job: ExportJob, out: Path, state: TaskState) -> None: ...


def unique_names(samples: list[ExportSample]) -> None:
    """Give each sample a file name whose stem is unique in the export (label files are named by
    stem): its own name, else with its id added."""
    taken: set[str] = set()
    for sample in samples:
        name = sample.path.name
        if sample.path.stem.lower() in taken:
            name = f"{sample.path.stem}_{sample.id}{sample.path.suffix}"
        taken.add(Path(name).stem.lower())
        sample.name = name


def pair_keypoints(annotations: list[ExportAnnotation]) -> dict[int, list[list[float]]]:
    """Keypoints that share a `group_id` and a label with exactly one outline (box, polygon or
    mask) of the image: outline -> its points, keypoints -> their points (both by `id()`)."""
    outlines: dict[tuple[Any, str], list[Any]] = {}
    for ann in annotations:
        group = ann.attr("group_id")
        if ann.kind in ("box", "polygon", "mask") and group is not None:
            outlines.setdefault((group, ann.label), []).append(ann)
    paired: dict[int, list[list[float]]] = {}
    for ann in annotations:
        group = ann.attr("group_id")
        if ann.kind != "keypoints" or group is None:
            continue
        match = outlines.get((group, ann.label), [])
        if len(match) == 1 and id(match[0]) not in paired:
            points = (ann.geometry or {})["points"]
            paired[id(match[0])] = points
            paired[id(ann)] = points
    return paired
