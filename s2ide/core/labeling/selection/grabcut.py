"""Box to mask: GrabCut (OpenCV) finds the object inside a box, refined by strokes.

GrabCut's cost grows with the pixels it models, so the box (plus a margin of background) is cut
out and scaled to at most WORK_SIDE pixels a side; the result is scaled back and smoothed. A
700x700 box on a 1080p image drops from about 2.6 s to well under a second. It is a plain
`run(inputs, state)` so the canvas runs it in a worker and a test calls it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.tiles import Box, clip_box
from s2ide.core.tasks import TaskState

WORK_SIDE = 320
MARGIN = 0.1  # of the box side, background around the box for the colour model
ITERATIONS = 4


@dataclass
class GrabCutInputs:
    image: np.ndarray  # HxWx3 uint8
    box: Box  # (x0, y0, x1, y1), end-exclusive
    foreground: np.ndarray | None = None  # HxW bool: strokes that are surely the object
    background: np.ndarray | None = None  # HxW bool: strokes that are surely not
    iterations: int = ITERATIONS


def run(inputs: GrabCutInputs, state: TaskState | None = None) -> np.ndarray:
    """The object inside the box as a boolean HxW mask (False outside the box)."""
    import cv2

    image = inputs.image
    if image.ndim != 3 or image.shape[2] < 3 or image.dtype != np.uint8:
        raise InvalidInputError("GrabCut needs an 8-bit colour image")
    height, width = image.shape[:2]
    box = clip_box(inputs.box, width, height)
    if box is None or box[2] - box[0] < 4 or box[3] - box[1] < 4:
        raise InvalidInputError("draw a box of at least 4x4 pixels inside the image")
    x0, y0, x1, y1 = box
    pad = int(MARGIN * max(x1 - x0, y1 - y0)) + 2
    roi = clip_box((x0 - pad, y0 - pad, x1 + pad, y1 + pad), width, height)
    assert roi is not None
    rx0, ry0, rx1, ry1 = roi
    scale = min(1.0, WORK_SIDE / max(rx1 - rx0, ry1 - ry0))
    size = (max(4, round((rx1 - rx0) * scale)), max(4, round((ry1 - ry0) * scale)))
    crop = np.ascontiguousarray(image[ry0:ry1, rx0:rx1, :3])
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if scale < 1 else crop
    model = np.full((size[1], size[0]), cv2.GC_BGD, np.uint8)
    bx0, by0 = int((x0 - rx0) * scale), int((y0 - ry0) * scale)
    bx1, by1 = max(bx0 + 2, int(np.ceil((x1 - rx0) * scale))), max(by0 + 2, int(np.ceil((y1 - ry0) * scale)))
    model[by0:by1, bx0:bx1] = cv2.GC_PR_FGD
    for strokes, value in ((inputs.foreground, cv2.GC_FGD), (inputs.background, cv2.GC_BGD)):
        if strokes is not None and strokes[ry0:ry1, rx0:rx1].any():
            part = strokes[ry0:ry1, rx0:rx1].astype(np.uint8)
            if scale < 1:
                part = cv2.resize(part, size, interpolation=cv2.INTER_NEAREST)
            model[part.astype(bool)] = value
    if state is not None:
        state.check()
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(small, model, None, bgd, fgd, max(1, inputs.iterations), cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:  # e.g. strokes that leave no unknown pixel, or a one-colour box
        raise InvalidInputError(f"GrabCut could not separate the object: {exc.err}") from exc
    if state is not None:
        state.check()
    chosen = ((model == cv2.GC_FGD) | (model == cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1:
        chosen = cv2.resize(chosen, (rx1 - rx0, ry1 - ry0), interpolation=cv2.INTER_LINEAR)
    out = np.zeros((height, width), bool)
    inside = chosen >= 0.5
    out[ry0:ry1, rx0:rx1] = inside
    keep = np.zeros_like(out)
    keep[y0:y1, x0:x1] = True
    return out & keep
