"""The pre-label banner: the active model's suggestion for the open sample, accepted with Enter.

A number key still overrides it (the label panel's hotkeys). Suggestions below the project's
confidence threshold (the slider, a project setting) are hidden, so weak guesses do not
anchor the labeler. Accepting saves the tag with source `model-accepted`, then opens the next
sample, as the number keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from s2ide.core.engine.prelabel_threshold import TARGET_ACCURACY, effective_threshold, set_manual_threshold
from s2ide.core.errors import S2Error
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.labeling.tag_edit import SetTag
from s2ide.core.review.users import Action, require
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.elided_label import ElidedLabel


class QtPrelabelBanner(QWidget):
    accepted = Signal(int, int)  # sample id, label id

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.suggestion: tuple[int, float] | None = None  # (label id, score) when shown
        self.threshold = 0.5
        self.threshold_source = "default"  # or "calibrated" (from the active model), "manual"
        self.title = QLabel("Suggestion:")
        self.swatch = QLabel()
        self.swatch.setFixedSize(14, 14)
        self.text = ElidedLabel("no model yet")  # shortened with "…", so the tool bar never widens the window
        self.text.setMinimumWidth(80)
        self.accept_button = QPushButton("Accept (Enter)")
        self.accept_button.setToolTip("Save the suggestion as this sample's label (a number key picks another)")
        self.accept_button.clicked.connect(self.accept)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setSingleStep(5)  # arrow keys move 5 %, Page Up/Down 10 %
        self.slider.setPageStep(10)
        self.slider.setMinimumWidth(60)
        self.slider.setMaximumWidth(140)
        self.slider.setToolTip("Hide suggestions less confident than this (a project setting; arrow keys move 5 %)")
        self.threshold_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.swatch)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Show ≥"))
        layout.addWidget(self.slider)
        layout.addWidget(self.threshold_label)
        layout.addStretch(1)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(self._save_threshold)
        self.slider.valueChanged.connect(self._on_slider)
        self.shortcuts = []
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.setWhatsThis("Accept the model's suggestion")  # the shortcut sheet
            shortcut.activated.connect(self.accept)
            self.shortcuts.append(shortcut)
        context.sampleChanged.connect(lambda _id: self.refresh())
        context.annotationsChanged.connect(self._on_annotations)
        context.predictionsChanged.connect(self.refresh)
        context.modelsChanged.connect(self._load_threshold)  # a new model brings its own calibration
        context.projectChanged.connect(self._load_threshold)
        context.projectChanged.connect(self._on_task)
        self._load_threshold()
        self._on_task()

    def _on_task(self) -> None:
        """In detect/segment projects Enter marks the sample done (canvas feature), so the
        tag suggestion gives up its Enter shortcut there."""
        shapes = self.context.project is not None and is_shape_task(self.context.project.task)
        for shortcut in self.shortcuts:
            shortcut.setEnabled(not shapes)

    # -- state -----------------------------------------------------------------------------
    def _load_threshold(self) -> None:
        """The hand-set threshold, else the active model's calibrated one (right 80 % above it)."""
        self.threshold_source = "default"
        if self.context.project is not None:
            try:
                self.threshold, self.threshold_source = effective_threshold(self.context.store)
            except S2Error:
                self.threshold = 0.5
        self.slider.blockSignals(True)  # set from the model: no echo back into it
        self.slider.setValue(round(self.threshold * 100))
        self.slider.blockSignals(False)
        self._show_threshold()
        self.refresh()

    def _show_threshold(self) -> None:
        calibrated = self.threshold_source == "calibrated"
        self.threshold_label.setText(f"{self.threshold:.0%}" + (" cal." if calibrated else ""))
        self.threshold_label.setToolTip(
            f"Calibrated: the active model was right {TARGET_ACCURACY:.0%} of the time above this on validation"
            if calibrated
            else ("Set by hand for this project" if self.threshold_source == "manual" else "The default")
        )

    def _on_slider(self, value: int) -> None:
        self.threshold = value / 100
        self.threshold_source = "manual"
        self._show_threshold()
        self._save_timer.start()
        self.refresh()

    def _save_threshold(self) -> None:
        ctx = self.context
        if ctx.project is None:
            return
        try:
            set_manual_threshold(ctx.store, self.threshold, ctx.user_name)
        except S2Error as exc:  # a labeler on a team project: the project's threshold is a lead's
            ctx.message(f"This threshold applies to this window only ({exc}).", 8000)

    def _on_annotations(self, sample_id: int) -> None:
        if sample_id == self.context.current_sample_id:
            self.refresh()

    def refresh(self) -> None:
        ctx = self.context
        self.suggestion = None
        sample_id = ctx.current_sample_id
        if ctx.project is None or sample_id is None:
            self._show("no sample open", None)
            return
        store = ctx.store
        model = store.models.active()
        if model is None:
            self._show("no active model yet (Model ▸ Train now)", None)
            return
        prediction = store.predictions.active_for_sample(sample_id)
        if prediction is None:
            self._show(f"{model.version} has not seen this sample yet", None)
            return
        if is_shape_task(ctx.project.task):  # suggestions are shapes on the canvas, never an image tag
            self._show(f"{model.version}: shapes on the canvas (click takes one, Shift+Enter all)", None)
            return
        if prediction.label_id is None or prediction.score is None:
            self._show(f"{model.version} has not seen this sample yet", None)
            return
        label = ctx.label_by_id(prediction.label_id)
        name = label.name if label else f"label {prediction.label_id}"
        if prediction.score < self.threshold:  # a weak guess: shown dimmed, not accepted by Enter
            self._show(
                f"<span style='color: gray'>weak: {name} {prediction.score:.0%} "
                f"(below {self.threshold:.0%}; {model.version})</span>",
                None,
            )
            return
        self.suggestion = (prediction.label_id, prediction.score)
        tag = store.annotations.tag_of(sample_id)
        note = ""
        if tag is not None and tag.label_id is not None:
            note = "  · agrees with the label" if tag.label_id == prediction.label_id else "  · differs from the label"
        self._show(f"<b>{name}</b>  {prediction.score:.0%}  ({model.version}){note}", label.color if label else None)

    def _show(self, text: str, color: str | None) -> None:
        self.text.setText(text)
        self.swatch.setStyleSheet(f"background: {color}; border: 1px solid #444;" if color else "")
        self.accept_button.setEnabled(self.suggestion is not None)

    # -- accepting -------------------------------------------------------------------------
    def accept(self) -> bool:
        """Save the shown suggestion as the label (source model-accepted) and go to the next sample."""
        ctx = self.context
        sample_id = ctx.current_sample_id
        if self.suggestion is None or sample_id is None or ctx.project is None:
            ctx.message("No suggestion to accept for this sample.")
            return False
        if ctx.user is None:
            ctx.message("Say who is working first (File ▸ Switch user…).")
            return False
        label_id = self.suggestion[0]
        try:
            require(ctx.store, ctx.user.name, Action.LABEL)
            label = ctx.label_by_id(label_id)
            edit = SetTag(sample_id, label_id, source="model-accepted", label_name=label.name if label else "")
            if not ctx.commit_edit(edit):  # one Ctrl+Z reverts the accept
                return False
        except S2Error as exc:
            ctx.message(str(exc), 0)
            return False
        self.accepted.emit(sample_id, label_id)
        ctx.next_sample()
        return True
