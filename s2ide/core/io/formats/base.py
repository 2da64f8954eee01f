"""What a format reader produces: a plan of images and their annotations, not yet applied.

Readers only parse; `core.importing.run_import` applies a plan in one transaction, so every
format shares the same duplicate, merge and bad-file rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PlannedAnnotation:
    """A shape in image pixels, as in `core.geometry` (kind box/polygon/point/line/mask).

    `origin` says where it came from ("instances.json: annotations[12]") so a problem found
    when it is applied can name the file and key.
    """

    kind: str
    label: str
    geometry: dict[str, Any] | None = None
    data: bytes | None = None
    origin: str = ""


@dataclass
class ImportItem:
    source: Path
    tag: str | None = None
    split: str | None = None
    annotations: list[PlannedAnnotation] = field(default_factory=list)
    # The image size the annotation file declares (width, height). When set, the reader has
    # checked every annotation against it; the import checks it against the real image.
    declared_size: tuple[int, int] | None = None
    origin: str = ""


@dataclass
class ImportPlan:
    format: str
    root: Path
    items: list[ImportItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def label_names(self) -> set[str]:
        names = set(self.labels)
        for item in self.items:
            if item.tag:
                names.add(item.tag)
            names.update(a.label for a in item.annotations)
        return names

    @property
    def annotation_count(self) -> int:
        return sum(len(item.annotations) for item in self.items)
