"""Embeddings view: numpy-fed scatter, lasso/box selection, and the store-fed view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from s2ide.ui.insight.embeddings_view import EmbeddingsView, ScatterPanel, SelectMode, points_in_polygon
from s2ide.ui.shell.context import AppContext
from tests.engineer_data import add_model, add_samples, tag_all


def test_points_in_polygon() -> None:
    xy = np.array([[0.5, 0.5], [2, 2], [0.1, 0.9], [-1, 0.5]])
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    assert points_in_polygon(xy, square).tolist() == [True, False, True, False]
    assert not points_in_polygon(xy, square[:2]).any()


def drag(widget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """A real left-button drag (QTest's mouseMove cannot hold a button down)."""
    viewport = widget.viewport()

    def send(kind, pos, buttons) -> None:
        event = QMouseEvent(kind, pos, viewport.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
        QApplication.sendEvent(viewport, event)

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for i in range(1, steps + 1):
        t = i / steps
        send(QEvent.Type.MouseMove, start + (end - start) * t, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_box_selection_by_drag(qtbot) -> None:
    panel = ScatterPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 500)
    panel.show()
    rng = np.random.default_rng(0)
    xy = np.concatenate([rng.normal(0, 0.3, (50, 2)), rng.normal(5, 0.3, (50, 2))])
    panel.set_points(xy, np.array([0] * 50 + [1] * 50), ["#ff0000", "#0000ff"])
    panel.set_mode(SelectMode.BOX)
    qtbot.waitExposed(panel)
    vb = panel.view_box
    to_widget = lambda x, y: QPointF(panel.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y))))  # noqa: E731
    with qtbot.waitSignal(panel.selected, timeout=2000) as blocker:
        drag(panel.plot_widget, to_widget(3.5, 3.5), to_widget(6.5, 6.5))
    assert sorted(blocker.args[0].tolist()) == list(range(50, 100))
    assert panel.nearest(vb.mapViewToScene(QPointF(*xy[7]))) == 7


def test_view_from_store_colors_and_selection(qtbot, project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 6)
    tag_all(project, ids[:4], [cat, cat, dog, dog])
    rng = np.random.default_rng(1)
    emb = rng.normal(0, 1, (6, 8)).astype(np.float32)
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]])
    add_model(project, "v1", ids, probs, embeddings=emb)
    context = AppContext()
    context.project = project
    view = EmbeddingsView(context)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.data is not None and not view.refresher.busy, timeout=10000)
        assert view.data.sample_ids.tolist() == ids and view.data.xy.shape == (6, 2)
        assert view.panel.classes.tolist() == [0, 0, 1, 1, -1, -1]  # by label; untagged are grey
        view.color_combo.setCurrentText("prediction")
        assert view.panel.classes.tolist() == [0, 0, 1, 0, 0, 1]
        xy = view.data.xy
        (x0, y0), (x1, y1) = xy.min(axis=0) - 1, xy.max(axis=0) + 1
        around = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        with qtbot.waitSignal(context.showSamplesRequested) as blocker:
            view.panel.view_box.sigSelected.emit(around)
        assert blocker.args[0] == ids
        assert view.similar_any.isEnabled()  # the lasso's samples can seed a search: mean or any
        with qtbot.waitSignal(context.findSimilarRequested) as found:
            view.similar_any.click()
        assert found.args == [ids, "any"]
        view.panel.hovered.emit(0)
        assert "cat" in view.hover_text.text()
    finally:
        view.shutdown()


def test_points_are_painted_where_they_lie(qtbot) -> None:
    from PySide6.QtGui import QColor, QImage

    panel = ScatterPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_points(np.array([[0.0, 0.0], [10.0, 10.0], [5.0, 5.0]]), np.array([0, 1, -1]), ["#ff0000", "#0000ff"])
    vb = panel.view_box
    for move in (None, "pan", "zoom"):  # a pan reuses the cached image at an offset, a zoom splats again
        if move == "pan":
            vb.translateBy(x=0.3, y=-0.2)
        elif move == "zoom":
            vb.scaleBy(s=(1.3, 1.3))
        image = QImage(panel.plot_widget.viewport().size(), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        panel.plot_widget.viewport().render(image)
        for (x, y), rgb in (((0, 0), (255, 0, 0)), ((10, 10), (0, 0, 255)), ((5, 5), (200, 200, 200))):
            pos = panel.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
            color = image.pixelColor(pos)
            assert (color.red(), color.green(), color.blue()) == rgb, (move, x, y)
