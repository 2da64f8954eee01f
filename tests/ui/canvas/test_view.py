"""ImageView and the canvas feature: fit, 1:1, zoom about the cursor, pan, EXIF, bad images."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from s2ide.ui.canvas.decode import QT_MAX_SIDE, DecodeError, decode
from s2ide.ui.canvas.view import ImageView
from tests.ui.canvas.conftest import add_samples, exif_rotated_jpeg


@pytest.fixture
def view(qtbot):
    widget = ImageView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    image = QImage(800, 400, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    widget.set_image(image)
    return widget


def wheel(view: ImageView, pos: QPoint, delta: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    global_pos = view.viewport().mapToGlobal(pos)
    event = QWheelEvent(
        QPointF(pos),
        QPointF(global_pos),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def mouse(view: ImageView, kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton, buttons) -> None:
    global_pos = view.viewport().mapToGlobal(pos)
    event = QMouseEvent(kind, QPointF(pos), QPointF(global_pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def drag(view: ImageView, start: QPoint, end: QPoint, button: Qt.MouseButton) -> None:
    mouse(view, QEvent.Type.MouseButtonPress, start, button, button)
    mouse(view, QEvent.Type.MouseMove, (start + end) / 2, Qt.MouseButton.NoButton, button)
    mouse(view, QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, button)
    mouse(view, QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)


def test_fit_shows_the_whole_image(view):
    view.actual_size()
    view.fit()
    visible = view.visible_scene_rect()
    assert visible.contains(view.image_rect().adjusted(1, 1, -1, -1))
    assert view.scale_factor == pytest.approx(
        min(view.viewport().width() / 800, view.viewport().height() / 400), rel=0.03
    )


def test_actual_size_is_one_to_one(view):
    view.actual_size()
    assert view.scale_factor == pytest.approx(1.0)
    assert view.visible_scene_rect().width() == pytest.approx(view.viewport().width(), abs=2)


def test_wheel_zoom_keeps_the_point_under_the_cursor(view):
    view.actual_size()  # the image overflows the view both ways, so any point can stay put
    pos = QPoint(100, 80)
    before = view.mapToScene(pos)
    scale = view.scale_factor
    wheel(view, pos, 240)
    assert view.scale_factor > scale * 1.3
    after = view.mapToScene(pos)
    assert after.x() == pytest.approx(before.x(), abs=1.5 / view.scale_factor + 0.5)
    assert after.y() == pytest.approx(before.y(), abs=1.5 / view.scale_factor + 0.5)
    wheel(view, pos, -240)
    assert view.scale_factor == pytest.approx(scale, rel=0.01)


def test_wheel_with_ctrl_does_not_zoom(view):
    scale = view.scale_factor
    wheel(view, QPoint(50, 50), 240, Qt.KeyboardModifier.ControlModifier)
    assert view.scale_factor == pytest.approx(scale)


def test_middle_drag_pans(view):
    view.set_scale(2.0)
    h, v = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    drag(view, QPoint(200, 150), QPoint(150, 110), Qt.MouseButton.MiddleButton)
    assert view.horizontalScrollBar().value() == h + 50
    assert view.verticalScrollBar().value() == v + 40


def test_space_and_left_drag_pans_and_plain_left_drag_does_not(qtbot, view):
    view.set_scale(2.0)
    h = view.horizontalScrollBar().value()
    drag(view, QPoint(200, 150), QPoint(160, 150), Qt.MouseButton.LeftButton)
    assert view.horizontalScrollBar().value() == h
    qtbot.keyPress(view, Qt.Key.Key_Space)
    assert view.panning
    drag(view, QPoint(200, 150), QPoint(160, 150), Qt.MouseButton.LeftButton)
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert view.horizontalScrollBar().value() == h + 40
    assert not view.panning


def test_message_shows_over_the_canvas(view):
    view.show_message("broken.jpg: cannot decode it")
    assert "broken.jpg" in view.message()
    view.set_image(None)
    assert view.message() == ""


def test_decode_honours_exif_orientation(tmp_path):
    path = exif_rotated_jpeg(tmp_path / "rotated.jpg", (64, 32), orientation=6)
    decoded = decode(path)
    assert (decoded.size.width(), decoded.size.height()) == (32, 64)
    assert decoded.tiles[0][1].size() == QSize(32, 64)


def test_decode_large_image_gives_a_preview_first(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (3000, 2000), (50, 60, 70)).save(path, quality=70)
    previews = []
    decoded = decode(path, previews.append)
    assert len(previews) == 1 and previews[0].preview.width() < 3000 and not previews[0].tiles
    assert previews[0].size == QSize(3000, 2000)
    assert decoded.size == QSize(3000, 2000)


def test_decode_beyond_qt_limit_uses_tiles(tmp_path):
    path = tmp_path / "panorama.png"
    Image.new("RGB", (QT_MAX_SIDE + 100, 8), (1, 2, 3)).save(path)
    decoded = decode(path)
    assert decoded.size == QSize(QT_MAX_SIDE + 100, 8)
    assert len(decoded.tiles) > 1
    assert sum(rect.width() for rect, _ in decoded.tiles) == QT_MAX_SIDE + 100
    assert decoded.preview is not None


def test_decode_refuses_garbage_with_the_file_name(tmp_path):
    path = tmp_path / "garbage.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    with pytest.raises(DecodeError, match=r"garbage\.jpg"):
        decode(path)


def _wait_shown(qtbot, window, size: QSize) -> None:
    qtbot.waitUntil(
        lambda: window.view.image_item.size == size and window.view.image_item.full_resolution, timeout=5000
    )


def test_open_sample_shows_exif_rotated_image_with_swapped_size(qtbot, window, tmp_path: Path):
    path = exif_rotated_jpeg(tmp_path / "shots" / "rotated.jpg", (64, 32), orientation=6)
    (sample_id,) = add_samples(window.context.project, [path])
    window.context.open_sample(sample_id)
    _wait_shown(qtbot, window, QSize(32, 64))
    assert window.view.message() == ""


def test_open_sample_that_fails_to_decode_says_so(qtbot, window, tmp_path: Path):
    path = tmp_path / "shots" / "broken.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (20, 10)).save(path)
    (sample_id,) = add_samples(window.context.project, [path])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    messages = []
    window.context.statusMessage.connect(lambda text, ms: messages.append(text))
    window.context.open_sample(sample_id)
    qtbot.waitUntil(lambda: "broken.png" in window.view.message(), timeout=5000)
    assert any("broken.png" in text for text in messages)
    assert not window.view.has_image()


def test_view_actions_exist_with_their_shortcuts(window):
    actions = {action.text(): action for action in window.menu("&View").actions()}
    assert actions["Fit"].shortcut().toString() == "F"
    assert "=" in [s.toString() for s in actions["1:1"].shortcuts()]
    assert "Zoom in" in actions and "Zoom out" in actions


def test_open_sample_wider_than_qt_can_paint_shows_in_tiles(qtbot, window, tmp_path: Path):
    path = tmp_path / "wide" / "panorama.png"
    path.parent.mkdir()
    Image.new("RGB", (QT_MAX_SIDE + 233, 16), (5, 100, 5)).save(path)
    (sample_id,) = add_samples(window.context.project, [path])
    window.context.open_sample(sample_id)
    _wait_shown(qtbot, window, QSize(QT_MAX_SIDE + 233, 16))
    assert len(window.view.image_item.tiles()) > 1
    window.view.grab()  # paints without error


def test_delete_key_only_acts_when_the_canvas_has_focus(window):
    (delete,) = [a for a in window.view.actions() if a.objectName() == "canvas_delete"]
    assert delete.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    assert delete not in window.actions()


def test_large_images_get_a_half_size_level_for_middle_zooms(qtbot):
    from s2ide.ui.canvas.decode import Decoded, with_half_level

    image = QImage(6000, 4000, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.gray)
    decoded = Decoded(image.size(), [(image.rect(), image)])
    better = with_half_level(decoded)
    assert better is not None and better.half.size() == QSize(3000, 2000)
    assert better.nbytes > decoded.nbytes
    small = QImage(640, 480, QImage.Format.Format_RGB32)
    assert with_half_level(Decoded(small.size(), [(small.rect(), small)])) is None
    view = ImageView()
    qtbot.addWidget(view)
    view.show_image(better.size, better.tiles, better.reduced)
    assert [level.width() for level in view.image_item.levels()] == [3000]


def test_preview_only_where_scaled_decoding_is_cheap(tmp_path):
    png = tmp_path / "big.png"
    Image.new("RGB", (3000, 2000), (50, 60, 70)).save(png)
    previews = []
    decoded = decode(png, previews.append)
    assert previews == []  # a PNG preview would cost a second full decode
    assert decoded.size == QSize(3000, 2000) and decoded.preview is not None  # scaled from the full one
