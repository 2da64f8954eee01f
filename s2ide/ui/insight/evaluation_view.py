"""Evaluation view: one model version's accuracy, per-class P/R/F1, confusion matrix, calibration,
and a comparison with a second version (samples fixed, samples broken, metrics side by side).

Clicking a confusion-matrix cell shows its samples in the gallery and opens the first one on
the canvas, where the prediction is drawn beside the label. For a detector or a segmenter the
matrix counts objects (core/engine/detection_confusion.py): a background row for spurious boxes
or masks and a background column for missed objects; a cell's images open the same way.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.compare import ALL_SPLITS, Comparison, Evaluation, VersionReport, evaluate, version_report
from s2ide.core.engine.detection_confusion import MATCH_IOU, DetectionConfusion, detection_confusion
from s2ide.core.engine.shape_compare import ShapeComparison, shape_version_report
from s2ide.core.errors import S2Error
from s2ide.core.store import Store
from s2ide.ui.insight.common import Refresher
from s2ide.ui.insight.shape_evaluation import is_shape_model, show_shape_metrics
from s2ide.ui.shell.context import AppContext

SPLIT_CHOICES = ("test", "val", "train", ALL_SPLITS)
NO_COMPARISON = "— none —"
MAX_CELL_TEXT = 25  # classes above which the cells carry no numbers (they would not fit)


def _lut() -> np.ndarray:
    """White to deep blue, so an empty cell reads as empty."""
    start, end = np.array([255, 255, 255]), np.array([8, 69, 148])
    steps = np.linspace(0, 1, 256)[:, None]
    return (start + (end - start) * steps).astype(np.uint8)


Result = tuple[Evaluation, Comparison | None, VersionReport | None]


def _query(version: str, split: str, other: str | None, store: Store) -> Result:
    if other:  # the other version is the baseline: "fixed" and "broken" are by the chosen one
        report = version_report(store, other, version, split)
        return report.comparison.b, report.comparison, report
    return evaluate(store, version, split), None, None


ShapeResult = tuple[DetectionConfusion, ShapeComparison | None]


def _detection_query(version: str, split: str, other: str | None, store: Store) -> ShapeResult:
    """The object confusion of `version`, and its comparison with `other` (the baseline) when
    that is a model of the same task."""
    confusion = detection_confusion(store, version, split)
    if other is None or store.models.get(other).task != store.models.get(version).task:
        return confusion, None
    return confusion, shape_version_report(store, other, version, split)


CLASSIFY_TITLE = "Confusion matrix (rows: label, columns: prediction)"


class ConfusionPlot:
    """A heatmap of counts (rows true, columns predicted); `on_click(true, predicted)` per cell."""

    def __init__(self, widget: pg.GraphicsLayoutWidget, on_click: Any) -> None:
        self.plot = widget.addPlot(title=CLASSIFY_TITLE)
        self.plot.setLabel("left", "label")
        self.plot.setLabel("bottom", "prediction")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.image.setLookupTable(_lut())
        self.plot.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.on_click = on_click
        self.size = 0
        widget.scene().sigMouseClicked.connect(self._on_scene_click)

    def set_matrix(self, cm: np.ndarray, names: list[str]) -> None:
        for text in self.texts:
            self.plot.removeItem(text)
        self.texts = []
        k = cm.shape[0]
        self.size = k
        rows = cm.sum(axis=1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)
        self.image.setImage(share.T, levels=(0.0, 1.0))  # ImageItem's first axis is x: columns
        self.image.setRect(0, 0, k, k)
        if k <= MAX_CELL_TEXT:
            for r in range(k):
                for c in range(k):
                    if cm[r, c] == 0:
                        continue
                    color = "w" if share[r, c] > 0.5 else "#222"
                    text = pg.TextItem(str(int(cm[r, c])), color=color, anchor=(0.5, 0.5))
                    text.setPos(c + 0.5, r + 0.5)
                    self.plot.addItem(text)
                    self.texts.append(text)
        ticks = [(i + 0.5, name) for i, name in enumerate(names)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.getAxis("left").setTicks([ticks])
        self.plot.setRange(xRange=(0, max(k, 1)), yRange=(0, max(k, 1)), padding=0.02)

    def scene_point(self, true_index: int, predicted_index: int) -> QPointF:
        return self.plot.vb.mapViewToScene(QPointF(predicted_index + 0.5, true_index + 0.5))

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        if not self.size or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        col, row = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= row < self.size and 0 <= col < self.size:
            return row, col
        return None

    def _on_scene_click(self, event: Any) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.on_click(*cell)


class EvaluationView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.evaluation: Evaluation | None = None
        self.comparison: Comparison | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.model_combo = QComboBox()
        self.split_combo = QComboBox()
        self.split_combo.addItems(list(SPLIT_CHOICES))
        self.other_combo = QComboBox()
        self.accuracy = QLabel("no model yet")
        self.accuracy.setStyleSheet("font-weight: bold;")
        for text, widget in (
            ("Model", self.model_combo),
            ("Split", self.split_combo),
            ("Compare with", self.other_combo),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addWidget(self.accuracy, 1)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "F1", "support"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        splitter.addWidget(self.table)
        self.graphics = pg.GraphicsLayoutWidget()
        self.confusion = ConfusionPlot(self.graphics, self._on_cell)
        self.reliability = self.graphics.addPlot(title="Reliability")
        self.reliability.setLabel("bottom", "confidence")
        self.reliability.setLabel("left", "accuracy")
        self.reliability.setXRange(0, 1, padding=0.02)
        self.reliability.setYRange(0, 1, padding=0.02)
        self.reliability.setMouseEnabled(x=False, y=False)
        self.reliability.hideButtons()
        splitter.addWidget(self.graphics)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 3)

        compare_row = QHBoxLayout()
        self.fixed_button = QPushButton("Fixed: –")
        self.broken_button = QPushButton("Broken: –")
        self.fixed_button.setToolTip("samples this version gets right and the compared one got wrong")
        self.broken_button.setToolTip("samples the compared version got right and this one gets wrong")
        self.changed_button = QPushButton("Changed: –")
        self.changed_button.setToolTip("every sample whose predicted label differs between the two versions")
        self.flipped_button = QPushButton("Tests flipped: –")
        self.flipped_button.setToolTip("pinned model tests that pass under one version and fail under the other")
        self.fixed_button.clicked.connect(lambda: self._show_change("fixed"))
        self.broken_button.clicked.connect(lambda: self._show_change("broken"))
        self.changed_button.clicked.connect(lambda: self._show_change("changed"))
        self.flipped_button.clicked.connect(lambda: self._show_change("flipped"))
        self.compare_table = QTableWidget(0, 4)
        self.compare_table.setHorizontalHeaderLabels(["metric", "baseline", "this", "change"])
        self.compare_table.verticalHeader().hide()
        self.compare_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.compare_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QVBoxLayout()
        buttons.addWidget(self.fixed_button)
        buttons.addWidget(self.broken_button)
        buttons.addWidget(self.changed_button)
        buttons.addWidget(self.flipped_button)
        buttons.addStretch(1)
        compare_row.addLayout(buttons)
        compare_row.addWidget(self.compare_table, 1)
        self.compare_box = QWidget()
        self.compare_box.setLayout(compare_row)
        self.compare_box.hide()
        layout.addWidget(self.compare_box, 1)

        # the query is set by schedule() from the combos; it never runs before a version exists
        self.report: VersionReport | None = None
        self.refresher: Refresher[Result] = Refresher(
            self, context, functools.partial(_query, "", "test", None), self.apply
        )
        self.detection: DetectionConfusion | None = None  # shown while a detector is chosen
        self.detector_version = ""  # the chosen version when it is a detector
        self.shape_comparison: ShapeComparison | None = None  # a detector or segmenter against another
        self.detection_refresher: Refresher[ShapeResult] = Refresher(
            self, context, functools.partial(_detection_query, "", "test", None), self.apply_detection
        )
        for combo in (self.model_combo, self.split_combo, self.other_combo):
            combo.currentIndexChanged.connect(self.schedule)
        context.modelsChanged.connect(self.reload_models)
        context.projectChanged.connect(self.reload_models)
        context.predictionsChanged.connect(self.schedule)
        context.annotationsChanged.connect(self.schedule)
        self.reload_models()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.model_combo.currentText():
            if self.detector_version:
                self.detection_refresher.refresh_if_stale()
            else:
                self.refresher.refresh_if_stale()

    # -- selection -------------------------------------------------------------------------
    def reload_models(self) -> None:
        """Fill the combos from the registry; keep the choice, else pick the active model."""
        versions: list[str] = []
        active = None
        if self.context.project is not None:
            models = [m for m in self.context.store.models.list() if m.state in ("ready", "active")]
            versions = [m.version for m in models]
            active = next((m.version for m in models if m.active), None)
        current, other = self.model_combo.currentText(), self.other_combo.currentText()
        for combo in (self.model_combo, self.other_combo):
            combo.blockSignals(True)
            combo.clear()
        self.model_combo.addItems(versions)
        self.other_combo.addItems([NO_COMPARISON, *versions])
        self.model_combo.setCurrentText(
            current if current in versions else (active or (versions[0] if versions else ""))
        )
        self.other_combo.setCurrentText(other if other in versions else NO_COMPARISON)
        for combo in (self.model_combo, self.other_combo):
            combo.blockSignals(False)
        self.schedule()

    def select(self, version: str, split: str = "test", other: str | None = None) -> None:
        for combo in (self.model_combo, self.split_combo, self.other_combo):
            combo.blockSignals(True)
        self.model_combo.setCurrentText(version)
        self.split_combo.setCurrentText(split)
        self.other_combo.setCurrentText(other or NO_COMPARISON)
        for combo in (self.model_combo, self.split_combo, self.other_combo):
            combo.blockSignals(False)
        self.schedule()

    def schedule(self) -> None:
        version = self.model_combo.currentText()
        if not version or self.context.project is None:
            self.accuracy.setText("no trained model yet: train one (Model menu or `s2ide train`)")
            return
        try:
            model = self.context.store.models.get(version)
        except S2Error:
            return
        split = self.split_combo.currentText()
        shapes = is_shape_model(model)
        other = self.other_combo.currentText()
        other_version = None if other in ("", NO_COMPARISON) or other == version else other
        self.detector_version = version if shapes else ""
        self.detection_refresher.query = functools.partial(_detection_query, version, split, other_version)
        if not shapes:
            self.detection = None
            self.shape_comparison = None
        if shapes:  # detectors and segmenters: their stored COCO-style / mIoU report
            show_shape_metrics(model, split, self.table, self.accuracy)
            self.detection_refresher.schedule()  # and the object confusion, from the stored shapes
            return
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "F1", "support"])
        self.refresher.query = functools.partial(_query, version, self.split_combo.currentText(), other_version)
        self.refresher.schedule()

    # -- drawing ---------------------------------------------------------------------------
    def apply(self, result: Result) -> None:
        evaluation, comparison, report = result
        self.evaluation, self.comparison, self.report = evaluation, comparison, report
        cal = evaluation.calibration
        self.accuracy.setText(
            f"{evaluation.version} on {evaluation.split}: accuracy {evaluation.accuracy:.1%} "
            f"over {evaluation.n:,} labeled samples · ECE {cal.ece:.3f}"
        )
        pc = evaluation.per_class
        self.table.setRowCount(len(evaluation.label_names))
        for row, name in enumerate(evaluation.label_names):
            values = [name, f"{pc.precision[row]:.3f}", f"{pc.recall[row]:.3f}", f"{pc.f1[row]:.3f}"]
            values.append(str(int(pc.support[row])))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.confusion.plot.setTitle(CLASSIFY_TITLE)
        self.confusion.plot.setLabel("left", "label")
        self.confusion.plot.setLabel("bottom", "prediction")
        self.confusion.set_matrix(evaluation.confusion, evaluation.label_names)
        self._draw_reliability(evaluation)
        self._draw_comparison(comparison)

    def apply_detection(self, shape_result: ShapeResult) -> None:
        """A detector's object confusion: rows labeled, columns predicted, background last."""
        result, comparison = shape_result
        if self.detector_version != result.version:
            return  # another version was chosen meanwhile
        self.detection = result
        errors = result.errors()
        plot = self.confusion.plot
        plot.setTitle(
            f"Objects in {result.images} done images (IoU ≥ {MATCH_IOU:g}, {result.plural} ≥ "
            f"{result.score_floor:.2f}): {errors['missed']} missed, {errors['spurious']} spurious, "
            f"{errors['wrong_class']} wrong class"
        )
        plot.setLabel("left", f"label (background: a {result.kind} over nothing)")
        plot.setLabel("bottom", "prediction (background: missed)")
        self.confusion.set_matrix(result.matrix, result.names)
        self.reliability.clear()
        self.reliability.setTitle("Reliability (classifiers)")
        self._draw_shape_comparison(comparison)

    def _draw_shape_comparison(self, comparison: ShapeComparison | None) -> None:
        """Images fixed and broken by object errors, and the figures of both versions."""
        self.shape_comparison = comparison
        self.compare_box.setVisible(comparison is not None)
        if comparison is None:
            return
        for button in (self.changed_button, self.flipped_button):
            button.hide()  # classifier-only: changed top labels, pinned sample tests
        self.fixed_button.setText(f"Fixed by {comparison.b}: {len(comparison.fixed)}")
        self.broken_button.setText(f"Broken by {comparison.b}: {len(comparison.broken)}")
        rows = comparison.metric_rows()
        self.compare_table.setRowCount(len(rows))
        self.compare_table.setHorizontalHeaderLabels(["metric", comparison.a, comparison.b, "change"])
        for row, (name, a, b) in enumerate(rows):
            for col, value in enumerate((name, f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}")):
                self.compare_table.setItem(row, col, QTableWidgetItem(value))

    def _draw_reliability(self, evaluation: Evaluation) -> None:
        cal = evaluation.calibration
        plot = self.reliability
        plot.clear()
        plot.setTitle(f"Reliability (ECE {cal.ece:.3f})")
        plot.plot([0, 1], [0, 1], pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        width = float(cal.edges[1] - cal.edges[0]) if len(cal.edges) > 1 else 0.1
        filled = cal.counts > 0
        if filled.any():
            centers = (cal.edges[:-1] + cal.edges[1:]) / 2
            plot.addItem(
                pg.BarGraphItem(
                    x=centers[filled], height=cal.accuracy[filled], width=width * 0.9, brush="#4c78a8", name="accuracy"
                )
            )
            plot.plot(
                centers[filled], cal.confidence[filled], pen=None, symbol="o", symbolSize=5, symbolBrush="#e45756"
            )

    def _draw_comparison(self, comparison: Comparison | None) -> None:
        self.compare_box.setVisible(comparison is not None)
        if comparison is None:
            return
        for button in (self.changed_button, self.flipped_button):
            button.show()
        self.fixed_button.setText(f"Fixed by {comparison.b.version}: {len(comparison.fixed)}")
        self.broken_button.setText(f"Broken by {comparison.b.version}: {len(comparison.broken)}")
        rows = comparison.metric_rows()
        report = self.report
        if report is not None:
            self.changed_button.setText(f"Changed: {len(report.changed)}")
            self.flipped_button.setText(f"Tests flipped: {len(report.flipped_tests)}")
            for item in report.slices:  # per slice, from each version's test results
                a, b = item["a"], item["b"]
                if isinstance(a, float) and isinstance(b, float):
                    rows.append((f"slice {item['name']} ({item['metric']})", a, b))
        self.compare_table.setRowCount(len(rows))
        self.compare_table.setHorizontalHeaderLabels(["metric", comparison.a.version, comparison.b.version, "change"])
        for row, (name, a, b) in enumerate(rows):
            for col, value in enumerate((name, f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}")):
                self.compare_table.setItem(row, col, QTableWidgetItem(value))

    # -- click-through ---------------------------------------------------------------------
    def _on_cell(self, true_index: int, predicted_index: int) -> None:
        if self.detection is not None:
            ids = self.detection.cell_ids(true_index, predicted_index)
            self.context.show_samples(ids, self.detection.cell_title(true_index, predicted_index))
            if ids:
                self.context.open_sample(ids[0])
            return
        evaluation = self.evaluation
        if evaluation is None:
            return
        ids = evaluation.cell_ids(true_index, predicted_index)
        names = evaluation.label_names
        title = f"{evaluation.version}: label {names[true_index]}, predicted {names[predicted_index]}"
        self.context.show_samples(ids, title)
        if ids:
            self.context.open_sample(ids[0])

    def _show_change(self, which: str) -> None:
        shapes = self.shape_comparison
        if shapes is not None and self.detection is not None:  # a detector or segmenter: by object errors
            ids = shapes.fixed if which == "fixed" else shapes.broken if which == "broken" else []
            fewer = "fewer" if which == "fixed" else "more"
            self.context.show_samples(ids, f"{which} by {shapes.b}: {fewer} object errors than {shapes.a}")
            if ids:
                self.context.open_sample(ids[0])
            return
        comparison = self.comparison
        if comparison is None:
            return
        report = self.report
        if which == "changed":
            ids = [int(str(c["sample_id"])) for c in report.changed] if report else []
        elif which == "flipped":
            ids = (
                [int(str(t["sample_id"])) for t in report.flipped_tests if t["sample_id"] is not None] if report else []
            )
        else:
            ids = comparison.fixed if which == "fixed" else comparison.broken
        self.context.show_samples(ids, f"{which} by {comparison.b.version} (vs {comparison.a.version})")
        if ids:
            self.context.open_sample(ids[0])

    def shutdown(self) -> None:
        self.refresher.shutdown()
        self.detection_refresher.shutdown()
