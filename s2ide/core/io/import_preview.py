"""What an import would do, shown before it runs: "N images, M annotations, K unknown labels",
which layout was recognised, and the annotations already known not to be added, by reason
(identical copies on one image, image paths that leave the folder), before anything is written.

Cheap: it reads only the plan and the store (no image decoding), so the dialog can ask about
unknown labels (create or skip) and images that already have annotations (merge, replace or
skip) before anything changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from s2ide.core.io import clipping
from s2ide.core.io.formats.base import ImportPlan
from s2ide.core.project import Project


@dataclass
class ImportPreview:
    images: int
    annotations: int  # every shape the source holds
    tags: int
    unknown_labels: list[str]
    new_images: int
    with_annotations: int  # images already in the project that have annotations
    problems: list[str] = field(default_factory=list)
    to_add: int = 0  # shapes the import will try to add (edges, labels and merging decide the rest)
    not_added: dict[str, int] = field(default_factory=dict)  # reason -> shapes known not to be added
    layout: str = ""
    clipped: int = 0  # shapes reaching past an edge of their declared image size: clipped when added

    def summary(self) -> str:
        unknown = len(self.unknown_labels)
        text = (
            f"{self.images} images, {self.annotations} annotations, "
            f"{unknown} unknown label{'s' if unknown != 1 else ''}"
        )
        left = sum(self.not_added.values())
        if left:
            reasons = "; ".join(f"{why}: {n}" for why, n in self.not_added.items())
            text += f" ({left} will not be added. {reasons})"
        if self.clipped:
            text += f"; {self.clipped} reach past the image edge and will be clipped"
        return text


def preview_import(project: Project, plan: ImportPlan) -> ImportPreview:
    store = project.store
    known = {label.name for label in store.labels.list()}
    new_images = with_annotations = 0
    for item in plan.items:
        sample = store.samples.by_path(project.stored_path(item.source))
        if sample is None:
            new_images += 1
        elif store.annotations.count_for_sample(sample.id):
            with_annotations += 1
    not_added: Counter[str] = Counter()
    if plan.duplicate_count:
        not_added["identical copies of a shape on the same image"] += plan.duplicate_count
    for count, why, _ in plan.refused:
        not_added[why] += count
    clipped = 0
    for item in plan.items:  # where the file declares the image size, the edges are known now
        if item.declared_size is None:
            continue
        for ann in item.annotations:
            if ann.geometry is None or ann.kind == "mask":
                continue
            fitted, changed = clipping.clip(ann.kind, ann.geometry, item.declared_size)
            if fitted is None:
                not_added["wholly outside the image"] += 1
            clipped += changed
    return ImportPreview(
        images=len(plan.items),
        annotations=plan.source_count,
        to_add=plan.annotation_count,
        not_added=dict(not_added),
        clipped=clipped,
        layout=plan.layout,
        tags=sum(1 for item in plan.items if item.tag),
        unknown_labels=sorted(plan.label_names - known),
        new_images=new_images,
        with_annotations=with_annotations,
        problems=list(plan.problems),
    )
