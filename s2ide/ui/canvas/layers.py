"""Layers: the image, one layer per annotation kind and the model's predictions.

`Layers` is the model (visible, opacity, locked per layer; brightness/contrast/gamma of the
image); the canvas applies it to its items and the `LayersPanel` dock binds to it both ways,
blocking the echo while it updates its widgets (DESIGN.md §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)


class Layer(StrEnum):
    IMAGE = "image"
    BOX = "box"
    POLYGON = "polygon"
    POINT = "point"
    MASK = "mask"
    PREDICTIONS = "predictions"


LAYER_TITLES = {
    Layer.IMAGE: "Image",
    Layer.BOX: "Boxes",
    Layer.POLYGON: "Polygons and lines",
    Layer.POINT: "Points",
    Layer.MASK: "Masks",
    Layer.PREDICTIONS: "Model predictions",
}
LAYER_OF_KIND = {
    "box": Layer.BOX,
    "polygon": Layer.POLYGON,
    "line": Layer.POLYGON,
    "point": Layer.POINT,
    "keypoints": Layer.POINT,
    "mask": Layer.MASK,
}


@dataclass
class LayerProps:
    visible: bool = True
    opacity: float = 1.0
    locked: bool = False


class Layers(QObject):
    changed = Signal(str)  # the layer whose visibility, opacity or lock changed
    adjustmentsChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.props = {layer: LayerProps() for layer in Layer}
        self.props[Layer.MASK].opacity = 0.5
        self.props[Layer.PREDICTIONS].opacity = 0.8
        self.brightness = 0.0
        self.contrast = 1.0
        self.gamma = 1.0

    def get(self, layer: Layer | str) -> LayerProps:
        return self.props[Layer(layer)]

    def set_visible(self, layer: Layer | str, visible: bool) -> None:
        self._set(layer, "visible", visible)

    def set_opacity(self, layer: Layer | str, opacity: float) -> None:
        self._set(layer, "opacity", max(0.0, min(1.0, opacity)))

    def set_locked(self, layer: Layer | str, locked: bool) -> None:
        self._set(layer, "locked", locked)

    def _set(self, layer: Layer | str, name: str, value: object) -> None:
        props = self.props[Layer(layer)]
        if getattr(props, name) != value:
            setattr(props, name, value)
            self.changed.emit(str(Layer(layer)))

    def locked_kind(self, kind: str) -> bool:
        layer = LAYER_OF_KIND.get(kind)
        return layer is not None and (self.props[layer].locked or not self.props[layer].visible)

    def set_adjustments(self, brightness: float, contrast: float, gamma: float) -> None:
        if (brightness, contrast, gamma) != (self.brightness, self.contrast, self.gamma):
            self.brightness, self.contrast, self.gamma = brightness, contrast, gamma
            self.adjustmentsChanged.emit()


class LayersPanel(QWidget):
    """A row per layer (visible, opacity, locked) and the image's viewing adjustments."""

    def __init__(self, layers: Layers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers = layers
        self.visible: dict[Layer, QCheckBox] = {}
        self.opacity: dict[Layer, QSlider] = {}
        self.locked: dict[Layer, QCheckBox] = {}
        outer = QVBoxLayout(self)
        grid = QGridLayout()
        for column, title in enumerate(("Layer", "Show", "Opacity", "Lock")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        for row, layer in enumerate(Layer, start=1):
            grid.addWidget(QLabel(LAYER_TITLES[layer]), row, 0)
            visible = self.visible[layer] = QCheckBox()
            visible.setToolTip(f"Show {LAYER_TITLES[layer].lower()}")
            visible.toggled.connect(lambda on, layer=layer: layers.set_visible(layer, on))
            opacity = self.opacity[layer] = QSlider(Qt.Orientation.Horizontal)
            opacity.setRange(0, 100)
            opacity.valueChanged.connect(lambda value, layer=layer: layers.set_opacity(layer, value / 100))
            locked = self.locked[layer] = QCheckBox()
            locked.setToolTip(f"Lock {LAYER_TITLES[layer].lower()} against edits")
            locked.toggled.connect(lambda on, layer=layer: layers.set_locked(layer, on))
            locked.setEnabled(layer not in (Layer.IMAGE, Layer.PREDICTIONS))
            grid.addWidget(visible, row, 1)
            grid.addWidget(opacity, row, 2)
            grid.addWidget(locked, row, 3)
        outer.addLayout(grid)
        box = QGroupBox("Image (viewing only)")
        form = QGridLayout(box)
        self.brightness = self._spin(-1.0, 1.0, 0.05)
        self.contrast = self._spin(0.1, 4.0, 0.1)
        self.gamma = self._spin(0.2, 5.0, 0.1)
        for row, (name, spin) in enumerate(
            (("Brightness", self.brightness), ("Contrast", self.contrast), ("Gamma", self.gamma))
        ):
            form.addWidget(QLabel(name), row, 0)
            form.addWidget(spin, row, 1)
        reset = QPushButton("Reset")
        reset.clicked.connect(lambda: layers.set_adjustments(0.0, 1.0, 1.0))
        form.addWidget(reset, 3, 1)
        outer.addWidget(box)
        outer.addStretch(1)
        layers.changed.connect(lambda _name: self.sync())
        layers.adjustmentsChanged.connect(self.sync)
        self.sync()

    def _spin(self, low: float, high: float, step: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(2)
        spin.valueChanged.connect(self._adjust)
        return spin

    def _adjust(self) -> None:
        self.layers.set_adjustments(self.brightness.value(), self.contrast.value(), self.gamma.value())

    def sync(self) -> None:
        """Show the model's values without echoing them back."""
        for layer, props in self.layers.props.items():
            for box, on in ((self.visible[layer], props.visible), (self.locked[layer], props.locked)):
                with QSignalBlocker(box):
                    box.setChecked(on)
            with QSignalBlocker(self.opacity[layer]):
                self.opacity[layer].setValue(round(props.opacity * 100))
        for spin, value in (
            (self.brightness, self.layers.brightness),
            (self.contrast, self.layers.contrast),
            (self.gamma, self.layers.gamma),
        ):
            with QSignalBlocker(spin):
                spin.setValue(value)
