"""The selection tools through real mouse and key events on a picture of a red disc: each
result is saved as one edit (one undo step) into the current label's mask or as polygons."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QSize, Qt

from s2ide.core.geometry import decode_mask
from tests.core.labeling.test_selection import disc_image, iou
from tests.ui.canvas.conftest import add_samples, click, drag_path, hover

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def disc(qtbot, window, tmp_path):
    """The window showing a 240x160 red disc on grey; (window, sample id, true mask)."""
    image, truth = disc_image(width=240, height=160, centre=(120, 80), radius=45, noise=4)
    folder = tmp_path / "discs"
    folder.mkdir()
    path = folder / "disc.png"
    Image.fromarray(image).save(path)
    (sample_id,) = add_samples(window.context.project, [path])
    window.context.open_sample(sample_id)
    qtbot.waitUntil(lambda: window.view.image_item.size == QSize(240, 160) and window.view.image_item.full_resolution)
    window.view.actual_size()
    window.view.centerOn(120, 80)
    yield window, sample_id, truth


def canvas_of(window):
    return window.canvas_feature.canvas


def key(window, which, modifiers=Qt.KeyboardModifier.NoModifier):
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(window.view, QKeyEvent(QEvent.Type.KeyPress, which, modifiers))


def saved_mask(window, sample_id):
    rows = [a for a in window.context.store.annotations.for_sample(sample_id) if a.kind == "mask"]
    if not rows:
        return None
    return decode_mask(rows[0].data)


def polygons(window, sample_id):
    return [a for a in window.context.store.annotations.for_sample(sample_id) if a.kind == "polygon"]


def test_wand_click_shift_alt_and_enter_saves_one_mask_edit(qtbot, disc):
    window, sample_id, truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("wand")
    click(window.view, (120, 80))
    tool = canvas.tool
    assert tool.selection is not None and iou(tool.selection, truth) > 0.95
    assert saved_mask(window, sample_id) is None  # nothing saved before Enter
    click(window.view, (10, 10), SHIFT)  # add the background too
    assert tool.selection.all()
    click(window.view, (10, 10), ALT)  # and take it away again
    assert iou(tool.selection, truth) > 0.95
    key(window, Qt.Key.Key_Return)
    mask = saved_mask(window, sample_id)
    assert mask is not None and iou(mask, truth) > 0.95
    assert tool.selection is None
    stack = canvas.undo.group.activeStack()
    assert stack.count() == 1
    canvas.undo.group.undo()
    assert saved_mask(window, sample_id) is None


def test_wand_shift_enter_saves_polygons_and_escape_drops(qtbot, disc):
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("wand")
    click(window.view, (120, 80))
    key(window, Qt.Key.Key_Return, SHIFT)
    (polygon,) = polygons(window, sample_id)
    assert polygon.label_id == canvas.label_id
    click(window.view, (120, 80))
    key(window, Qt.Key.Key_Escape)
    assert canvas.tool.selection is None and len(polygons(window, sample_id)) == 1


def test_fill_inside_a_polygon_stays_inside_it(qtbot, disc):
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("polygon")
    for point in [(20, 20), (80, 20), (80, 60), (20, 60)]:
        click(window.view, point)
    key(window, Qt.Key.Key_Return)
    assert len(polygons(window, sample_id)) == 1
    canvas.set_tool("fill")
    click(window.view, (50, 40))
    mask = saved_mask(window, sample_id)
    assert mask is not None
    assert mask[25:55, 25:75].all() and not mask[70:, :].any() and not mask[:, 90:].any()
    assert canvas.undo.group.activeStack().count() == 2


def test_quick_selection_drag_follows_the_disc(qtbot, disc):
    window, sample_id, truth = disc
    canvas = canvas_of(window)
    canvas.set_brush_size(16)
    canvas.set_tool("quick_select")
    tool = canvas.tool
    qtbot.waitUntil(lambda: tool.superpixels is not None, timeout=10000)
    drag_path(window.view, [(100, 80), (120, 70), (140, 80), (120, 95)])
    assert tool.selection is not None
    assert tool.selection[truth].mean() > 0.6 and tool.selection[~truth].mean() < 0.05
    drag_path(window.view, [(10, 10), (30, 12)], modifiers=SHIFT)  # Shift-drag adds the background
    assert tool.selection is not None and tool.selection[~truth].mean() > 0.9
    drag_path(window.view, [(12, 150)], modifiers=ALT)  # Alt-drag takes (like-coloured) background away
    assert tool.selection is not None and tool.selection[~truth].mean() < 0.05
    key(window, Qt.Key.Key_Return)
    assert saved_mask(window, sample_id) is not None
    assert canvas.undo.group.activeStack().count() == 1


def test_magnetic_lasso_clicks_snap_to_the_edge_and_close_as_a_polygon(qtbot, disc):
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("scissors")
    tool = canvas.tool
    for point in [(75, 80), (120, 35), (165, 80), (120, 125)]:
        click(window.view, point)
        qtbot.waitUntil(lambda: tool._ready, timeout=5000)
        hover(window.view, point)
    hover(window.view, (75.5, 80.5))
    click(window.view, (75.5, 80.5))  # on the first point: closes
    (polygon,) = polygons(window, sample_id)
    points = np.asarray(polygon.geometry["points"])
    radii = np.hypot(points[:, 0] - 120, points[:, 1] - 80)
    assert len(points) > 8 and np.abs(radii - 45).max() < 6  # around the disc, not a diamond
    assert tool.last_move_ms > 0  # each move is timed; bench_selection.py holds it to its limit


def test_box_to_mask_runs_in_a_worker_then_strokes_refine(qtbot, disc):
    window, sample_id, truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("grabcut")
    tool = canvas.tool
    drag_path(window.view, [(65, 25), (120, 80), (178, 138)])
    qtbot.waitUntil(lambda: tool.selection is not None, timeout=10000)
    assert iou(tool.selection, truth) > 0.85
    before = tool.selection.copy()
    drag_path(window.view, [(110, 40), (130, 40)], modifiers=ALT)  # "not this part": a background stroke
    qtbot.waitUntil(lambda: tool.selection is None or not np.array_equal(tool.selection, before), timeout=10000)
    qtbot.waitUntil(lambda: not tool.running, timeout=10000)
    assert tool.selection is not None and not tool.selection[39:42, 112:128].any()
    key(window, Qt.Key.Key_Return)
    assert saved_mask(window, sample_id) is not None and tool.box is None
    assert canvas.undo.group.activeStack().count() == 1


def test_pixel_classifier_strokes_predict_and_enter_keeps(qtbot, disc):
    window, sample_id, truth = disc
    canvas = canvas_of(window)
    canvas.set_brush_size(8)
    canvas.set_tool("classifier")
    tool = canvas.tool
    drag_path(window.view, [(100, 80), (140, 80)])
    drag_path(window.view, [(120, 60), (120, 100)])
    drag_path(window.view, [(10, 10), (230, 10), (230, 150)], modifiers=ALT)
    qtbot.waitUntil(lambda: tool.selection is not None and not tool.running, timeout=10000)
    assert iou(tool.selection, truth) > 0.8
    first, other = (label.id for label in window.context.labels()[:2])
    canvas.set_label(other)  # no strokes of that label: nothing predicted for it
    assert tool.selection is None
    canvas.set_label(first)
    assert tool.selection is not None and iou(tool.selection, truth) > 0.8
    key(window, Qt.Key.Key_Return)
    mask = saved_mask(window, sample_id)
    assert mask is not None and iou(mask, truth) > 0.8
    assert canvas.undo.group.activeStack().count() == 1


def test_selection_tools_are_in_the_toolbar_with_keys_and_tips(disc):
    window, _sample_id, _truth = disc
    feature = window.canvas_feature
    for kind, key_text in [
        ("wand", "W"),
        ("quick_select", "Q"),
        ("scissors", "M"),
        ("grabcut", "C"),
        ("classifier", "I"),
    ]:
        action = feature.tool_actions[kind]
        assert action.shortcut().toString() == key_text
        assert key_text in action.toolTip() and len(action.toolTip()) > 10


def test_refine_grows_the_selected_polygon_and_the_mask_one_step_each(qtbot, disc):
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("polygon")
    for point in [(20, 20), (60, 20), (60, 50), (20, 50)]:
        click(window.view, point)
    key(window, Qt.Key.Key_Return)
    (polygon,) = polygons(window, sample_id)
    canvas.set_tool("select")
    canvas.set_selection({polygon.id})
    feature = window.canvas_feature
    feature.refine_actions["grow"].trigger()
    (grown,) = polygons(window, sample_id)
    xs = [p[0] for p in grown.geometry["points"]]
    assert min(xs) < 19 and max(xs) > 61
    feature.refine_actions["simplify"].trigger()
    assert len(polygons(window, sample_id)[0].geometry["points"]) <= len(grown.geometry["points"])
    canvas.set_selection(set())
    canvas.set_tool("wand")
    click(window.view, (120, 80))
    key(window, Qt.Key.Key_Return)
    before = saved_mask(window, sample_id)
    count = canvas.undo.group.activeStack().count()
    feature.refine_actions["shrink"].trigger()
    after = saved_mask(window, sample_id)
    assert after.sum() < before.sum() and canvas.undo.group.activeStack().count() == count + 1
    canvas.undo.group.undo()
    assert np.array_equal(saved_mask(window, sample_id), before)
    assert feature.refine_actions["grow"].shortcut().toString() == "Ctrl+Alt+="


def test_magnetic_lasso_clicks_while_the_map_is_built_still_follow_edges(qtbot, disc):
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("scissors")
    tool = canvas.tool
    for point in [(75, 80), (120, 35), (165, 80), (120, 125)]:
        click(window.view, point)  # no waiting: the later clicks queue behind the edge maps
    qtbot.waitUntil(lambda: not tool.queued and tool._ready, timeout=10000)
    key(window, Qt.Key.Key_Return)
    (polygon,) = polygons(window, sample_id)
    points = np.asarray(polygon.geometry["points"])
    radii = np.hypot(points[:, 0] - 120, points[:, 1] - 80)
    assert np.abs(radii[:-3] - 45).max() < 6  # all but the closing segment follow the disc


def test_wand_on_view_compares_colours_as_shown(qtbot, disc):
    window, _sample_id, truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("wand")
    canvas.wand_tolerance = 12
    layers = canvas.layers
    layers.brightness, layers.contrast = 0.0, 0.05  # a flat view: disc and background look alike
    click(window.view, (120, 80))
    on_image = canvas.tool.selection.copy()
    assert iou(on_image, truth) > 0.9
    window.canvas_feature.on_view_box.setChecked(True)
    click(window.view, (120, 80))
    assert canvas.tool.selection.sum() > on_image.sum() * 2


def test_pixel_classifier_learns_from_the_projects_painted_masks(qtbot, disc, tmp_path):
    """Painted on one image, one stroke on the next is enough: the painted mask taught it."""
    window, sample_id, _truth = disc
    canvas = canvas_of(window)
    canvas.set_tool("wand")
    click(window.view, (120, 80))
    key(window, Qt.Key.Key_Return)
    assert saved_mask(window, sample_id) is not None
    image, truth2 = disc_image(width=240, height=160, centre=(90, 70), radius=40, noise=4, seed=3)
    folder = tmp_path / "second"
    folder.mkdir()
    Image.fromarray(image).save(folder / "second.png")
    (second,) = add_samples(window.context.project, [folder / "second.png"])
    window.context.open_sample(second)
    qtbot.waitUntil(lambda: canvas.sample_id == second and canvas.image_array() is not None, timeout=10000)
    canvas.set_brush_size(8)
    canvas.set_tool("classifier")
    tool = canvas.tool
    drag_path(window.view, [(80, 70), (100, 70)])  # one stroke of the label, no background stroke
    qtbot.waitUntil(lambda: tool.selection is not None and not tool.running, timeout=20000)
    assert tool.from_project and iou(tool.selection, truth2) > 0.8
