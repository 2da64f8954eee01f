"""Taking a model's suggestions as one gesture: boxes and polygons become shapes of their own,
mask instances join their label's mask (a project keeps one mask per label and sample).

One click or key press may take shapes and masks of several labels at once; they are saved in
one transaction and undone by one Ctrl+Z, each mask as tile deltas like a brush stroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.history import AddShapes, CompositeEdit, MaskEdit
from s2ide.core.labeling.selection.regions import mask_deltas


class TakeSuggestions(CompositeEdit):
    """Suggested shapes added (source model-accepted) and suggested masks merged, as one step."""

    def __init__(
        self,
        doc: SampleDocument,
        shapes: Sequence[tuple[str, int | None, dict[str, Any]]],
        masks: Sequence[tuple[int, np.ndarray]],
    ) -> None:
        super().__init__(doc.sample_id)
        if shapes:
            self.parts.append(AddShapes(doc.sample_id, shapes, source="model-accepted"))
        merged: dict[int, np.ndarray] = {}
        for label_id, mask in masks:
            merged[label_id] = merged[label_id] | mask if label_id in merged else mask.astype(bool)
        for label_id, union in merged.items():
            deltas, _box = mask_deltas(doc.mask(label_id).array, union)
            if deltas:
                self.parts.append(MaskEdit(doc.sample_id, label_id, deltas, "accept suggested mask", painted=False))
        self.count = len(shapes) + len(masks)
        self.text = f"accept {self.count} suggestion(s)"

    @property
    def empty(self) -> bool:
        """Nothing would change (every suggested pixel is in its label's mask already)."""
        return not self.parts
