"""Refine (Label ▸ Refine): grow, shrink, smooth, fill holes or remove specks on what the
labeler is working on, and simplify polygons. The target, in order: a selection tool's pending
selection; the selected polygons; else the current label's mask. Each is one edit (one undo
step), saved at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from s2ide.core.labeling.history import ChangeShapes, FieldChange, MaskEdit
from s2ide.core.labeling.selection.refine import Refinement, refine, simplify_polygon
from s2ide.core.labeling.selection.regions import polygons, rasterize_polygon
from s2ide.core.labeling.tiles import deltas_to, occupied_box, union
from s2ide.ui.canvas.tools.selection import SelectionTool

if TYPE_CHECKING:
    from s2ide.ui.canvas.canvas import AnnotationCanvas

RADIUS_PX = 2
SIMPLIFY_PX = 1.5
SIMPLIFY = "simplify"


def refine_target(canvas: AnnotationCanvas, how: str, radius: int = RADIUS_PX) -> str:
    """Apply one refinement where the labeler is working; a sentence saying what changed."""
    tool = canvas.tool
    if how != SIMPLIFY and isinstance(tool, SelectionTool) and tool.selection is not None:
        tool.set_selection(refine(tool.selection, how, radius))
        return f"Refined the pending selection ({how.replace('_', ' ')})"
    if canvas.doc is None:
        return "Open a sample first"
    chosen = [
        canvas.doc.shapes[i]
        for i in sorted(canvas.selection)
        if i in canvas.doc.shapes and canvas.doc.shapes[i].kind == "polygon"
    ]
    if chosen:
        return _refine_polygons(canvas, chosen, how, radius)
    if how == SIMPLIFY:
        return "Select polygons to simplify"
    return _refine_mask(canvas, how, radius)


def _refine_polygons(canvas: AnnotationCanvas, chosen: list, how: str, radius: int) -> str:
    assert canvas.doc is not None
    width, height = canvas.doc.width, canvas.doc.height
    changes = []
    for annotation in chosen:
        points = annotation.geometry["points"]
        if how == SIMPLIFY:
            new_points = simplify_polygon(points, SIMPLIFY_PX)
        else:
            shape = refine(rasterize_polygon(points, width, height), how, radius)
            found = polygons(shape, tolerance=0.7)
            if not found:
                continue  # refined away entirely: keep the polygon rather than delete it silently
            new_points = max(found, key=len)
        if new_points != points:
            changes.append(
                FieldChange(annotation.id, {"geometry": annotation.geometry}, {"geometry": {"points": new_points}})
            )
    if not changes:
        return "Nothing changed"
    canvas.commit(ChangeShapes(canvas.doc.sample_id, changes, f"refine ({how})"))
    return f"Refined {len(changes)} polygon(s) ({how.replace('_', ' ')})"


def _refine_mask(canvas: AnnotationCanvas, how: str, radius: int) -> str:
    assert canvas.doc is not None
    if canvas.label_id is None or not canvas.can_draw("mask"):
        return "Nothing to refine"
    array = canvas.doc.mask(canvas.label_id).array
    if not array.any():
        return "The current label's mask is empty: select polygons or paint a mask to refine"
    refined = refine(array, Refinement(how), radius)
    box = union(occupied_box(array), occupied_box(refined))
    assert box is not None
    x0, y0, x1, y1 = box
    deltas = deltas_to(array, box, refined[y0:y1, x0:x1])
    if not deltas:
        return "Nothing changed"
    canvas.commit(MaskEdit(canvas.doc.sample_id, canvas.label_id, deltas, f"refine ({how})", painted=False))
    changed = int(np.count_nonzero(array != refined))
    return f"Refined the mask ({how.replace('_', ' ')}): {changed:,} pixels changed"
