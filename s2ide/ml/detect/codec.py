"""Boxes to training targets and network outputs back to boxes (CenterNet/TTFNet style).

Targets: per class a heatmap with an elliptic Gaussian at each box centre (peak exactly 1 at
the centre pixel), and at each pixel inside a box's Gaussian the distances to the box's four
sides (log, in stride units) with a weight that sums to 1 per box. Small boxes are drawn last
so they are not swallowed by a large neighbour. Boxes here are (x1, y1, x2, y2) in network
input pixels.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.detection_metrics import box_iou
from s2ide.ml.detect.net import STRIDE

GAUSS_ALPHA = 0.54  # TTFNet's ratio of the Gaussian's extent to the box


def encode(
    boxes: np.ndarray, classes: np.ndarray, num_classes: int, height: int, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(heat (k, H, W), sides (4, H, W), weight (H, W)) for one image at output size H x W."""
    heat = np.zeros((num_classes, height, width), np.float32)
    sides = np.zeros((4, height, width), np.float32)
    weight = np.zeros((height, width), np.float32)
    if len(boxes) == 0:
        return heat, sides, weight
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    ys = (np.arange(height, dtype=np.float32) + 0.5) * STRIDE
    xs = (np.arange(width, dtype=np.float32) + 0.5) * STRIDE
    for index in np.argsort(-areas):  # large first: small boxes overwrite them
        x1, y1, x2, y2 = (float(v) for v in boxes[index])
        w, h = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
        cx = min(max(int((x1 + x2) / 2 / STRIDE), 0), width - 1)
        cy = min(max(int((y1 + y2) / 2 / STRIDE), 0), height - 1)
        sx, sy = max(GAUSS_ALPHA * w / 6, 0.35), max(GAUSS_ALPHA * h / 6, 0.35)
        rx, ry = int(3 * sx) + 1, int(3 * sy) + 1
        left, right = max(0, cx - rx), min(width, cx + rx + 1)
        top, bottom = max(0, cy - ry), min(height, cy + ry + 1)
        gy = np.exp(-((np.arange(top, bottom) - cy) ** 2) / (2 * sy * sy))[:, None]
        gx = np.exp(-((np.arange(left, right) - cx) ** 2) / (2 * sx * sx))[None, :]
        gauss = (gy * gx).astype(np.float32)
        region = heat[int(classes[index]), top:bottom, left:right]
        np.maximum(region, gauss, out=region)
        px, py = xs[left:right][None, :], ys[top:bottom][:, None]
        distances = np.stack(np.broadcast_arrays(px - x1, py - y1, x2 - px, y2 - py))  # (4, h, w) in input pixels
        inside = (distances > 0).all(axis=0) & (gauss > 0.05)
        inside[cy - top, cx - left] = True  # the centre pixel always regresses, even for tiny boxes
        wanted = np.where(inside, gauss, 0.0)
        total = wanted.sum()
        if total <= 0:
            continue
        patch = weight[top:bottom, left:right]
        take = wanted > 0
        patch[take] = (wanted / total)[take]
        logs = np.log(np.maximum(distances, 0.25) / STRIDE)
        for side in range(4):
            sides[side, top:bottom, left:right][take] = logs[side][take]
    return heat, sides, weight


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, averaged over the objects (peaks)."""
    prob = torch.sigmoid(logits.float()).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg_weight = torch.pow(1 - target, 4)
    pos_loss = torch.log(prob) * torch.pow(1 - prob, 2) * pos
    neg_loss = torch.log(1 - prob) * torch.pow(prob, 2) * neg_weight * (1 - pos)
    count = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / count


def sides_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted L1 on log side distances; each box's weights sum to 1."""
    boxes = weight.sum().clamp(min=1)
    return ((pred.float() - target).abs().sum(dim=1) * weight).sum() / boxes


@torch.no_grad()
def decode(
    heat_logits: torch.Tensor, sides: torch.Tensor, max_boxes: int = 100, floor: float = 0.05
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per image (boxes (m, 4) x1y1x2y2 in input pixels, scores (m,), classes (m,))."""
    heat = torch.sigmoid(heat_logits.float())
    peaks = heat * (F.max_pool2d(heat, 3, 1, 1) == heat).float()
    n, _, h, w = peaks.shape
    out = []
    for index in range(n):
        flat = peaks[index].reshape(-1)
        count = min(max_boxes, flat.numel())
        scores, where = torch.topk(flat, count)
        keep = scores >= floor
        scores, where = scores[keep], where[keep]
        classes = where // (h * w)
        pixel = where % (h * w)
        py, px = (pixel // w).float(), (pixel % w).float()
        dist = torch.exp(sides[index].float()).reshape(4, -1)[:, pixel] * STRIDE
        cx, cy = (px + 0.5) * STRIDE, (py + 0.5) * STRIDE
        boxes = torch.stack([cx - dist[0], cy - dist[1], cx + dist[2], cy + dist[3]], dim=1)
        b, s, c = boxes.cpu().numpy(), scores.cpu().numpy(), classes.cpu().numpy()
        keep_nms = nms(b, s, c, 0.6)
        out.append((b[keep_nms], s[keep_nms], c[keep_nms]))
    return out


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, threshold: float) -> np.ndarray:
    """Indices kept by greedy per-class non-maximum suppression, highest score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    ious = box_iou(boxes, boxes)
    suppressed = np.zeros(len(boxes), bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(int(i))
        suppressed |= (ious[i] > threshold) & (classes == classes[i])
    return np.array(keep, dtype=np.int64)
