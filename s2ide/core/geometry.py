"""Annotation geometry: the JSON every part of s2ide agrees on, in image pixels.

Coordinates are floats in the displayed (EXIF-oriented) image, origin at the top-left corner
of the top-left pixel, x to the right, y down.

- box:     {"x", "y", "w", "h", "angle"}  top-left of the unrotated box; `angle` in degrees,
           clockwise about the box centre (0 for axis-aligned boxes)
- polygon: {"points": [[x, y], ...]}        at least 3 points, not closed (first != last);
           optional "rings": [[[x, y], ...], ...] further rings of the same instance (a COCO
           object drawn as several polygons stays one annotation)
- line:    {"points": [[x, y], ...]}        at least 2 points (a polyline)
- point:   {"x", "y"}
- mask:    geometry {"encoding": "png", "width", "height"}; the annotation's `data` holds a
           1-bit PNG of the whole image; imported instances of one label stay separate masks
- keypoints: {"points": [[x, y, v], ...]}  named points of one object, in the order of its label's
           skeleton (store/skeletons.py); v is COCO's visibility: 0 not labelled (x, y
           meaningless), 1 labelled but hidden, 2 labelled and visible
- tag:     no geometry
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from PIL import Image

from s2ide.core.errors import InvalidInputError

GEOMETRY_KINDS = ("box", "polygon", "line", "point", "mask", "keypoints")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{what} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidInputError(f"{what} must be finite, got {value}")
    return float(value)


def _points(value: Any, minimum: int, what: str) -> list[list[float]]:
    if not isinstance(value, list):
        raise InvalidInputError(f"{what} must be a list of [x, y] points")
    points = []
    for index, point in enumerate(value):
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise InvalidInputError(f"{what}[{index}] must be an [x, y] pair")
        points.append([_number(point[0], f"{what}[{index}].x"), _number(point[1], f"{what}[{index}].y")])
    if len(points) < minimum:
        raise InvalidInputError(f"{what} needs at least {minimum} points, got {len(points)}")
    return points


def validate(kind: str, geometry: Any, width: int | None = None, height: int | None = None) -> dict[str, Any]:
    """A normalised copy of `geometry`, or InvalidInputError saying what is wrong with it."""
    if kind == "tag":
        return {}
    if not isinstance(geometry, dict):
        raise InvalidInputError(f"{kind} geometry must be an object")
    if kind == "box":
        box = {key: _number(geometry.get(key), f"box.{key}") for key in ("x", "y", "w", "h")}
        box["angle"] = _number(geometry.get("angle", 0.0), "box.angle")
        if box["w"] <= 0 or box["h"] <= 0:
            raise InvalidInputError(f"box has a non-positive size ({box['w']} x {box['h']})")
        if (
            width is not None
            and height is not None
            and box["angle"] == 0
            and (box["x"] >= width or box["y"] >= height or box["x"] + box["w"] <= 0 or box["y"] + box["h"] <= 0)
        ):
            raise InvalidInputError(f"box lies outside the {width}x{height} image")
        return box
    if kind == "polygon":
        polygon: dict[str, Any] = {"points": _points(geometry.get("points"), 3, "polygon.points")}
        rings = geometry.get("rings")
        if rings:
            if not isinstance(rings, list):
                raise InvalidInputError("polygon.rings must be a list of rings")
            polygon["rings"] = [_points(ring, 3, f"polygon.rings[{i}]") for i, ring in enumerate(rings)]
        return polygon
    if kind == "line":
        return {"points": _points(geometry.get("points"), 2, "line.points")}
    if kind == "point":
        return {"x": _number(geometry.get("x"), "point.x"), "y": _number(geometry.get("y"), "point.y")}
    if kind == "keypoints":
        return {"points": keypoint_list(geometry.get("points"))}
    if kind == "mask":
        return {
            "encoding": "png",
            "width": int(_number(geometry.get("width"), "mask.width")),
            "height": int(_number(geometry.get("height"), "mask.height")),
        }
    raise InvalidInputError(f"unknown annotation kind {kind!r}")


def keypoint_list(value: Any, what: str = "keypoints.points") -> list[list[float]]:
    """[[x, y, v], ...] with v in 0/1/2 (COCO's visibility); at least one point labelled."""
    if not isinstance(value, list) or not value:
        raise InvalidInputError(f"{what} must be a non-empty list of [x, y, visibility] points")
    points = []
    for index, point in enumerate(value):
        if not isinstance(point, (list, tuple)) or len(point) != 3:
            raise InvalidInputError(f"{what}[{index}] must be an [x, y, visibility] triple")
        x, y = _number(point[0], f"{what}[{index}].x"), _number(point[1], f"{what}[{index}].y")
        v = _number(point[2], f"{what}[{index}].visibility")
        if v not in (0, 1, 2):
            raise InvalidInputError(f"{what}[{index}].visibility must be 0, 1 or 2, got {point[2]}")
        points.append([x, y, int(v)])
    if not any(p[2] for p in points):
        raise InvalidInputError(f"{what}: no point is labelled (every visibility is 0)")
    return points


def labelled_points(geometry: dict[str, Any]) -> list[list[float]]:
    """The keypoints that are labelled (visibility 1 or 2)."""
    return [p for p in geometry.get("points", []) if p[2] > 0]


def box_corners(box: dict[str, float]) -> list[tuple[float, float]]:
    """The four corners of a (possibly rotated) box, clockwise from the top-left."""
    cx, cy = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2
    theta = math.radians(box.get("angle", 0.0))
    cos, sin = math.cos(theta), math.sin(theta)
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = dx * box["w"] / 2, dy * box["h"] / 2
        corners.append((cx + x * cos - y * sin, cy + x * sin + y * cos))
    return corners


def polygon_area(points: list[list[float]]) -> float:
    """Shoelace area, always positive."""
    area = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        area += x1 * y2 - x2 * y1
    return abs(area) / 2


def bounds(kind: str, geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """x, y, w, h of the axis-aligned bounding box."""
    if kind == "box":
        xs, ys = zip(*box_corners(geometry))
    elif kind in ("polygon", "line"):
        points = [p for ring in [geometry["points"], *geometry.get("rings", [])] for p in ring]
        xs, ys = zip(*points)
    elif kind == "point":
        return geometry["x"], geometry["y"], 0.0, 0.0
    elif kind == "keypoints" and labelled_points(geometry):
        xs, ys = zip(*[(p[0], p[1]) for p in labelled_points(geometry)])
    else:
        raise InvalidInputError(f"{kind} has no vector bounds")
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def encode_mask(mask: np.ndarray) -> bytes:
    """A boolean HxW array as a 1-bit PNG (small for the mostly-empty masks labelers paint)."""
    if mask.ndim != 2:
        raise InvalidInputError(f"a mask must be 2-D, got shape {mask.shape}")
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(bool)).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def decode_mask(data: bytes, width: int | None = None, height: int | None = None) -> np.ndarray:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:
        raise InvalidInputError(f"mask data is not a readable PNG ({exc})") from exc
    # Any non-zero value is inside: labelme writes 0/1 in 8-bit PNGs, which a 128 threshold would empty.
    if image.mode == "1":
        mask = np.asarray(image, dtype=bool)
    elif image.mode in ("L", "P", "I", "I;16", "F"):
        mask = np.asarray(image) > 0
    else:
        mask = np.asarray(image.convert("L")) > 0
    if width is not None and height is not None and mask.shape != (height, width):
        raise InvalidInputError(f"mask is {mask.shape[1]}x{mask.shape[0]}, the image is {width}x{height}")
    return mask
