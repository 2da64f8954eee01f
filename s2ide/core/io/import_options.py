"""What an import is asked to do (ImportOptions) and what it did (ImportReport): shared by the
import run and the shape writer it calls, which therefore need not import each other."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from s2ide.core.errors import InvalidInputError
from s2ide.core.store.schema import SPLITS


@dataclass
class ImportOptions:
    user: str = "import"
    split: str | None = None
    unknown_labels: str = "create"  # or "skip"
    on_existing: str = "merge"  # or "replace" or "skip": labels for images already labeled
    processes: int | None = None
    mark_done: bool = True  # detect/segment projects: an image that receives shapes is marked done

    def validate(self) -> None:
        if self.split is not None and self.split not in SPLITS:
            raise InvalidInputError(f"unknown split {self.split!r} (use one of {', '.join(SPLITS)})")
        if self.unknown_labels not in ("create", "skip"):
            raise InvalidInputError("unknown labels are either created or skipped")
        if self.on_existing not in ("merge", "replace", "skip"):
            raise InvalidInputError("existing annotations are merged, replaced or skipped")


@dataclass
class ImportReport:
    imported: int = 0
    already_present: int = 0
    labels_set: int = 0
    annotations_added: int = 0
    annotations_removed: int = 0
    marked_done: int = 0  # detect/segment images marked done because the import gave them shapes
    created_labels: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # The accounting of shapes: every shape of the source is added, or counted by reason.
    annotations_in_source: int = 0
    annotations_not_added: Counter[str] = field(default_factory=Counter)  # reason -> count
    annotations_clipped: int = 0  # added, but clipped to the image
    layout: str = ""

    @property
    def annotations_skipped(self) -> int:
        return sum(self.annotations_not_added.values())

    def not_added(self, count: int, why: str, where: str = "", *, line: bool = True) -> None:
        """Count `count` source shapes as not added for reason `why` ("outside the image"), and
        name them in `skipped` with `where` (the file or image) unless another line does."""
        if count <= 0:
            return
        self.annotations_not_added[why] += count
        if not line:
            return
        noun = "annotation" if count == 1 else "annotations"
        self.skipped.append(
            f"{where}: {count} {noun} not added: {why}" if where else f"{count} {noun} not added: {why}"
        )

    def accounting(self) -> dict[str, object]:
        """What `import --json` prints about shapes: in the source = added + not added."""
        return {
            "in_source": self.annotations_in_source,
            "added": self.annotations_added,
            "not_added": self.annotations_skipped,
            "clipped": self.annotations_clipped,
            "reasons": dict(self.annotations_not_added),
        }

    def summary(self) -> str:
        parts = [f"{self.imported} imported", f"{len(self.skipped)} skipped"]
        if self.already_present:
            parts.append(f"{self.already_present} already in the project")
        if self.labels_set:
            parts.append(f"{self.labels_set} labels set")
        if self.annotations_added:
            parts.append(f"{self.annotations_added} annotations added")
        if self.annotations_skipped:
            parts.append(f"{self.annotations_skipped} annotations not added (see below)")
        if self.annotations_clipped:
            parts.append(f"{self.annotations_clipped} clipped to the image")
        if self.annotations_removed:
            parts.append(f"{self.annotations_removed} replaced annotations removed")
        if self.marked_done:
            parts.append(f"{self.marked_done} images marked done")
        if self.created_labels:
            parts.append(f"new labels: {', '.join(self.created_labels)}")
        return ", ".join(parts)
