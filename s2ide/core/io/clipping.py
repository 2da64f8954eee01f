"""Shapes against the real image: clipped to it when they reach past an edge, refused when wholly outside.

Exporters are sloppy at the edges (an OBB corner at -0.0098, a COCO box at [-5, -5, 10, 10]);
such shapes are kept, clipped to the image, and counted in the import report. A shape with
nothing inside the image is refused on its own (the rest of the file still imports).
"""

from __future__ import annotations

from typing import Any

from s2ide.core import geometry

EPS = 1e-9
NEAR = 0.01  # points within 1 % of the image size past an edge are moved onto it

Point = list[float]


def _clip_ring(points: list[Point], width: float, height: float) -> list[Point]:
    """Sutherland-Hodgman clipping of one polygon ring to the rectangle [0, width] x [0, height]."""

    def cut(ring: list[Point], inside: Any, cross: Any) -> list[Point]:
        out: list[Point] = []
        for i, cur in enumerate(ring):
            prev = ring[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        return out

    def at_x(x: float) -> Any:
        return lambda p, q: [x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0])]

    def at_y(y: float) -> Any:
        return lambda p, q: [p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y]

    ring = [list(p) for p in points]
    for inside, cross in (
        (lambda p: p[0] >= 0, at_x(0.0)),
        (lambda p: p[0] <= width, at_x(width)),
        (lambda p: p[1] >= 0, at_y(0.0)),
        (lambda p: p[1] <= height, at_y(height)),
    ):
        if not ring:
            break
        ring = cut(ring, inside, cross)
    # Drop repeated consecutive points the cuts may leave.
    clean: list[Point] = []
    for p in ring:
        if not clean or abs(p[0] - clean[-1][0]) > EPS or abs(p[1] - clean[-1][1]) > EPS:
            clean.append(p)
    if len(clean) > 1 and abs(clean[0][0] - clean[-1][0]) <= EPS and abs(clean[0][1] - clean[-1][1]) <= EPS:
        clean.pop()
    return clean


def _inside(points: list[Point], width: float, height: float) -> bool:
    return all(-EPS <= x <= width + EPS and -EPS <= y <= height + EPS for x, y in points)


def clip(kind: str, geom: dict[str, Any], size: tuple[int, int]) -> tuple[dict[str, Any] | None, bool]:
    """(the shape inside the image, whether it was changed); (None, False) when nothing of it is inside."""
    width, height = float(size[0]), float(size[1])
    if kind == "box" and not geom.get("angle"):
        x, y, w, h = geom["x"], geom["y"], geom["w"], geom["h"]
        if x >= 0 and y >= 0 and x + w <= width and y + h <= height:
            return geom, False
        x0, y0, x1, y1 = max(0.0, x), max(0.0, y), min(width, x + w), min(height, y + h)
        if x1 - x0 <= EPS or y1 - y0 <= EPS:
            return None, False
        return {**geom, "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}, True
    if kind == "box":
        corners = geometry.box_corners(geom)
        if _inside([list(c) for c in corners], width, height):
            return geom, False
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        if min(xs) >= width or min(ys) >= height or max(xs) <= 0 or max(ys) <= 0:
            return None, False
        return geom, False  # a rotated box reaching past an edge is kept as drawn (see `reaches_out`)
    if kind == "polygon":
        rings = [geom["points"], *geom.get("rings", [])]
        if all(_inside(r, width, height) for r in rings):
            return geom, False
        kept = [r for r in (_clip_ring(r, width, height) for r in rings) if len(r) >= 3]
        kept = [r for r in kept if geometry.polygon_area(r) > EPS]
        if not kept:
            return None, False
        out: dict[str, Any] = {**geom, "points": kept[0]}
        if len(kept) > 1:
            out["rings"] = kept[1:]
        else:
            out.pop("rings", None)
        return out, True
    if kind == "line":
        points = geom["points"]
        if _inside(points, width, height):
            return geom, False
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if min(xs) > width or min(ys) > height or max(xs) < 0 or max(ys) < 0:
            return None, False
        clamped = [[min(max(x, 0.0), width), min(max(y, 0.0), height)] for x, y in points]
        return {**geom, "points": clamped}, True
    if kind == "point":
        x, y = geom["x"], geom["y"]
        if 0 <= x <= width and 0 <= y <= height:
            return geom, False
        if -NEAR * width <= x <= width * (1 + NEAR) and -NEAR * height <= y <= height * (1 + NEAR):
            return {**geom, "x": min(max(x, 0.0), width), "y": min(max(y, 0.0), height)}, True
        return None, False
    if kind == "keypoints":
        return _clip_keypoints(geom, width, height)
    return geom, False


def _clip_keypoints(geom: dict[str, Any], width: float, height: float) -> tuple[dict[str, Any] | None, bool]:
    """Labelled points within 1 % outside the image are moved onto its edge; an object whose
    labelled points all lie further out is outside; unlabelled points (visibility 0) stay as written."""
    near_x, near_y = NEAR * width, NEAR * height
    points, changed, inside = [], False, 0
    for x, y, v in geom["points"]:
        if v and -near_x <= x <= width + near_x and -near_y <= y <= height + near_y:
            inside += 1
            cx, cy = min(max(x, 0.0), width), min(max(y, 0.0), height)
            changed = changed or (cx, cy) != (x, y)
            x, y = cx, cy
        points.append([x, y, v])
    if not inside and any(p[2] for p in geom["points"]):
        return None, False
    return ({**geom, "points": points}, True) if changed else (geom, False)


def reaches_out(kind: str, geom: dict[str, Any], size: tuple[int, int]) -> bool:
    """A rotated box that reaches past an edge (kept as drawn; the report says how many)."""
    if kind != "box" or not geom.get("angle"):
        return False
    return not _inside([list(c) for c in geometry.box_corners(geom)], float(size[0]), float(size[1]))
