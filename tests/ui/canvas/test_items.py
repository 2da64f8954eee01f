"""Items: geometry editing helpers per kind, and the tiled mask overlay."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from s2ide.core.geometry import box_corners
from s2ide.ui.canvas.items import ITEM_CLASSES, BoxItem, MaskItem, PointItem, PolygonItem
from s2ide.ui.canvas.items.box import box_from_edge, edge_height


def test_lookup_table_covers_every_vector_kind():
    assert set(ITEM_CLASSES) == {"box", "polygon", "line", "point", "keypoints"}


def test_box_corner_drag_keeps_the_opposite_corner(qtbot):
    item = BoxItem(1, {"x": 10, "y": 10, "w": 20, "h": 10, "angle": 0}, QColor("red"))
    geometry = item.with_handle(2, QPointF(50, 40))  # bottom-right
    assert geometry == pytest.approx({"x": 10, "y": 10, "w": 40, "h": 30, "angle": 0})


def test_rotated_box_corner_drag_stays_rotated(qtbot):
    item = BoxItem(1, {"x": 0, "y": 0, "w": 20, "h": 10, "angle": 30}, QColor("red"))
    fixed = QPointF(*box_corners(item.geometry)[0])
    corner = QPointF(*box_corners(item.geometry)[2])
    geometry = item.with_handle(2, corner + QPointF(5, 5))
    assert geometry["angle"] == 30
    assert box_corners(geometry)[0] == pytest.approx((fixed.x(), fixed.y()))
    assert geometry["w"] > 20


def test_box_from_edge_and_height():
    geometry = box_from_edge(QPointF(0, 0), QPointF(10, 0), 5)
    assert geometry == pytest.approx({"x": 0, "y": 0, "w": 10, "h": 5, "angle": 0})
    assert edge_height(QPointF(0, 0), QPointF(10, 0), QPointF(3, 7)) == pytest.approx(7)
    flipped = box_from_edge(QPointF(0, 0), QPointF(10, 0), -5)
    assert flipped["h"] == pytest.approx(5) and flipped["y"] == pytest.approx(-5)


def test_polygon_and_point_editing(qtbot):
    polygon = PolygonItem(1, {"points": [[0, 0], [10, 0], [10, 10]]}, QColor("blue"))
    assert polygon.with_handle(1, QPointF(20, 0))["points"][1] == [20, 0]
    assert polygon.moved(1, 2)["points"][0] == [1, 2]
    assert polygon.hit(QPointF(8, 2)) and not polygon.hit(QPointF(-30, 40))
    assert polygon.handle_at(QPointF(10.5, 0.5)) == 1
    point = PointItem(2, {"x": 5, "y": 5}, QColor("green"))
    assert point.moved(1, 1) == {"x": 6, "y": 6}


def test_mask_item_colours_only_painted_tiles_and_follows_edits(qtbot):
    array = np.zeros((600, 600), dtype=bool)
    item = MaskItem(1, array, QColor("#ff0000"))
    assert item.tile_count == 0
    array[300:310, 300:310] = True
    item.refresh((300, 300, 310, 310))
    assert item.tile_count == 1
    image = item._tiles[(1, 1)][1]
    assert image.pixelColor(300 - 256, 300 - 256) == QColor("#ff0000")
    array[300:310, 300:310] = False
    item.refresh((300, 300, 310, 310))
    assert item.tile_count == 0


def test_tiles_colored_in_a_worker_paint_what_the_item_would_paint_itself(qtbot, monkeypatch):
    from s2ide.core.labeling.tiles import color_tiles, opaque_argb
    from s2ide.ui.canvas.items import mask as mask_module

    array = np.zeros((600, 700), dtype=bool)
    array[10:40, 500:650] = True
    array[590:600, 0:5] = True
    own = MaskItem(1, array, QColor("#3cb44b"))
    argb = opaque_argb("#3cb44b")
    prepared = (argb, color_tiles(array, argb))
    assert sorted(prepared[1]) == sorted(own._tiles)
    for key, pixels in prepared[1].items():
        assert np.array_equal(pixels, own._tiles[key][0])
    monkeypatch.setattr(mask_module, "color_tiles", lambda *_: pytest.fail("prepared tiles were recolored"))
    reused = MaskItem(1, array, QColor("#3cb44b"), prepared=prepared)
    assert reused.tile_count == own.tile_count
    assert reused._tiles[(0, 2)][1].pixelColor(0, 20) == QColor("#3cb44b")
    monkeypatch.undo()
    recolored = MaskItem(1, array, QColor("#ff0000"), prepared=prepared)  # the label's color changed since
    assert recolored._tiles[(0, 2)][1].pixelColor(0, 20) == QColor("#ff0000")


def test_only_plain_hex_colors_are_prepared_ahead():
    from s2ide.core.labeling.tiles import opaque_argb

    assert opaque_argb("#0a0b0c") == 0xFF0A0B0C
    assert opaque_argb("red") is None and opaque_argb("#12345") is None and opaque_argb("#zzzzzz") is None


def test_a_multi_ring_polygon_draws_every_ring_and_keeps_them_through_edits(qtbot):
    rings = [[[20, 20], [30, 20], [30, 30]]]
    polygon = PolygonItem(1, {"points": [[0, 0], [10, 0], [10, 10]], "rings": rings}, QColor("blue"))
    assert polygon.build_path().contains(QPointF(28, 22))  # the second ring is drawn
    assert polygon.with_handle(0, QPointF(1, 1))["rings"] == rings
    assert polygon.moved(1, 2)["rings"] == [[[21, 22], [31, 22], [31, 32]]]
    assert polygon.with_vertex_inserted(QPointF(5, 0))["rings"] == rings
    assert PolygonItem(2, {"points": [[0, 0], [10, 0], [10, 10]]}, QColor("blue")).moved(1, 1).keys() == {"points"}
