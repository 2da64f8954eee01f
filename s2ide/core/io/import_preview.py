"""What an import would do, shown before it runs: "N images, M annotations, K unknown labels".

Cheap: it reads only the plan and the store (no image decoding), so the dialog can ask about
unknown labels (create or skip) and images that already have annotations (merge, replace or
skip) before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from s2ide.core.io.formats.base import ImportPlan
from s2ide.core.project import Project


@dataclass
class ImportPreview:
    images: int
    annotations: int
    tags: int
    unknown_labels: list[str]
    new_images: int
    with_annotations: int  # images already in the project that have annotations
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        unknown = len(self.unknown_labels)
        return (
            f"{self.images} images, {self.annotations} annotations, "
            f"{unknown} unknown label{'s' if unknown != 1 else ''}"
        )


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
    return ImportPreview(
        images=len(plan.items),
        annotations=plan.annotation_count,
        tags=sum(1 for item in plan.items if item.tag),
        unknown_labels=sorted(plan.label_names - known),
        new_images=new_images,
        with_annotations=with_annotations,
        problems=list(plan.problems),
    )
