"""Ultralytics YOLO ONNX exports (detect and segment): letterbox, run, decode boxes (and masks)
with per-class non-maximum suppression, in image pixels. Class names come from the file's
metadata (Ultralytics writes them there) and are matched to the project's labels by name."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from s2ide.ml.external.signatures import check

CONFIDENCE = 0.25
IOU = 0.45
MAX_DETECTIONS = 300


@dataclass
class Detection:
    class_id: int
    name: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels
    mask: np.ndarray | None = None  # HxW bool for segmenters


def _names(metadata: dict[str, str], count: int) -> list[str]:
    text = metadata.get("names", "")
    try:
        parsed = ast.literal_eval(text) if text else None  # a literal only: never code
    except (ValueError, SyntaxError):
        parsed = None
    if isinstance(parsed, dict):
        return [str(parsed.get(i, f"class{i}")) for i in range(count)]
    if isinstance(parsed, (list, tuple)):
        return [str(parsed[i]) if i < len(parsed) else f"class{i}" for i in range(count)]
    return [f"class{i}" for i in range(count)]


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float = IOU) -> list[int]:
    """Indices kept by greedy non-maximum suppression (boxes as x0, y0, x1, y1)."""
    order = np.argsort(-scores)
    keep: list[int] = []
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx0 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy0 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx1 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy1 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = (xx1 - xx0).clip(0) * (yy1 - yy0).clip(0)
        overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[overlap <= iou]
    return keep


class YoloModel:
    def __init__(self, path: Path) -> None:
        from s2ide.ml.external.signatures import signature_of

        self.kind, self.session = check(path, ("yolo-detect", "yolo-segment"))
        signature = signature_of(self.session)
        shape = signature.inputs[0].shape
        self.input_name = signature.inputs[0].name
        self.height = shape[2] if isinstance(shape[2], int) and shape[2] > 0 else 640
        self.width = shape[3] if isinstance(shape[3], int) and shape[3] > 0 else 640
        channels = signature.outputs[0].shape[1]
        extra = signature.outputs[1].shape[1] if self.kind == "yolo-segment" else 0
        if not isinstance(channels, int) or not isinstance(extra, int) or channels - 4 - extra < 1:
            from s2ide.core.errors import InvalidInputError

            raise InvalidInputError(f"{Path(path).name}: cannot tell the number of classes from {signature.describe()}")
        self.mask_channels = extra
        self.names = _names(signature.metadata, channels - 4 - extra)

    def predict(self, image: np.ndarray, confidence: float = CONFIDENCE) -> list[Detection]:
        import cv2

        height, width = image.shape[:2]
        scale = min(self.width / width, self.height / height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        pad_x, pad_y = (self.width - new_w) // 2, (self.height - new_h) // 2
        frame = np.full((self.height, self.width, 3), 114, np.uint8)
        frame[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = cv2.resize(
            np.ascontiguousarray(image[:, :, :3]), (new_w, new_h), interpolation=cv2.INTER_LINEAR
        )
        tensor = np.ascontiguousarray(frame.transpose(2, 0, 1)[None], np.float32) / 255.0
        outputs = self.session.run(None, {self.input_name: tensor})
        rows = outputs[0][0].T  # [N, 4 + classes + mask coefficients]
        count = len(self.names)
        scores_all = rows[:, 4 : 4 + count]
        classes = scores_all.argmax(axis=1)
        scores = scores_all[np.arange(len(rows)), classes]
        chosen = scores >= confidence
        rows, classes, scores = rows[chosen], classes[chosen], scores[chosen]
        cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        keep: list[int] = []
        for cls in np.unique(classes):
            index = np.flatnonzero(classes == cls)
            keep.extend(index[i] for i in nms(boxes[index], scores[index]))
        keep = sorted(keep, key=lambda i: -scores[i])[:MAX_DETECTIONS]
        protos = outputs[1][0] if self.kind == "yolo-segment" else None
        out = []
        for i in keep:
            x0, y0, x1, y1 = ((boxes[i] - [pad_x, pad_y, pad_x, pad_y]) / scale).tolist()
            x0, x1 = float(np.clip(x0, 0, width)), float(np.clip(x1, 0, width))
            y0, y1 = float(np.clip(y0, 0, height)), float(np.clip(y1, 0, height))
            if x1 - x0 < 1 or y1 - y0 < 1:
                continue
            mask = None
            if protos is not None:
                coef = rows[i, 4 + count : 4 + count + self.mask_channels]
                mh, mw = protos.shape[1:]
                logits = (coef @ protos.reshape(self.mask_channels, -1)).reshape(mh, mw).astype(np.float32)
                full = cv2.resize(logits, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
                crop = np.ascontiguousarray(full[pad_y : pad_y + new_h, pad_x : pad_x + new_w])
                mask = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR) > 0
                inside = np.zeros_like(mask)
                inside[int(y0) : int(np.ceil(y1)), int(x0) : int(np.ceil(x1))] = True
                mask &= inside
            out.append(
                Detection(int(classes[i]), self.names[int(classes[i])], float(scores[i]), (x0, y0, x1, y1), mask)
            )
        return out
