"""The training dock: start/cancel, live loss and accuracy, model versions, strategy, auto-retrain.

The panel only shows state and forwards clicks to `ModelJobs` (s2ide.ui.training.model_jobs); the
versions table is a small item model over the `models` table, reloaded on modelsChanged.
pyqtgraph stays off the start-up path: a background thread imports it a moment after the
window is up (importing it on the GUI thread when training starts froze the window ~1 s),
and the plot widgets are made the first time a training starts.
"""

from __future__ import annotations

import sys
import textwrap
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.headline import metric_headline
from s2ide.core.engine.ml_settings import load_loop_settings, load_train_config, save_loop_settings, save_train_config
from s2ide.core.engine.sampling import STRATEGY_HELP, Strategy, get_strategy, set_strategy
from s2ide.core.errors import S2Error
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.review.users import Action, can
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.core.tasks import Progress
from s2ide.ui.shell.context import AppContext
from s2ide.ui.training.worker_status import QtWorkerStatus

if TYPE_CHECKING:
    from s2ide.ui.training.model_jobs import ModelJobs

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
PRELOAD_DELAY_MS = 2000


def _preload_pyqtgraph() -> None:
    import pyqtgraph  # noqa: F401  (only warms the module cache)


def preload_plots_later(delay_ms: int = PRELOAD_DELAY_MS) -> None:
    """Import pyqtgraph in a daemon thread once the app is idle (pure-Python imports let the
    GUI thread run between bytecodes, so the window stays responsive)."""
    QTimer.singleShot(delay_ms, lambda: threading.Thread(target=_preload_pyqtgraph, daemon=True).start())


def _pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1%}"


RETRAIN_HELP = (
    "Retrain in the background after this many new labels. It is also how many samples Next\n"
    "takes from one model's ranking, so the uncertainty strategies spread them over kinds of sample"
)
MEMBERS_HELP = (
    "Networks trained from different seeds whose predictions are averaged (an ensemble):\n"
    "steadier uncertainty for the queue, at the cost of training time"
)


def acceptance_text(store: Store) -> str:
    """'Pre-labels taken unchanged: ada 72% of 118 (v3), ...' for the newest version each labeler saw."""

    def number(version: str) -> int:
        return int(version[1:]) if version[1:].isdigit() else -1

    latest: dict[str, dict[str, Any]] = {}
    for row in store.prelabel_outcomes.rates():
        seen = latest.get(row["labeler"])
        if row["shown"] and (seen is None or number(row["model_version"]) > number(seen["model_version"])):
            latest[row["labeler"]] = row
    parts = [
        f"{name} {row['acceptance_rate']:.0%} of {row['shown']} ({row['model_version']})"
        for name, row in sorted(latest.items())
        if row["acceptance_rate"] is not None
    ]
    return "Pre-labels taken unchanged: " + ", ".join(parts) if parts else ""


def activation_reason(model: ModelVersion) -> str | None:
    """Why the version went active or not, in one line (both scores and the set), as training
    decided it; None for versions trained before this was recorded."""
    return (model.metrics.get("activation") or {}).get("reason")


def suite_failed(model: ModelVersion) -> bool:
    return (model.metrics.get("suite") or {}).get("passed") is False


class ModelsTableModel(QAbstractTableModel):
    COLUMNS = ("version", "state", "labels", "accuracy", "val acc", "tests", "ECE", "created")

    def __init__(self) -> None:
        super().__init__()
        self.models: list[ModelVersion] = []

    def set_models(self, models: list[ModelVersion]) -> None:
        self.beginResetModel()
        self.models = models
        self.endResetModel()

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.models)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        model = self.models[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            metrics = model.metrics
            if column == "version":
                return model.version
            if column == "state":
                return model.state
            if column == "labels":
                return str(model.trained_on)
            if column == "accuracy" and model.task in ("detect", "segment"):
                return metric_headline(metrics) if model.state != "failed" else "–"
            if column == "accuracy":
                where = {"test": "test", "validation": "val", "train": "train"}.get(metrics.get("evaluated_on", ""), "")
                return f"{_pct(metrics.get('accuracy'))} {where}".strip() if model.state != "failed" else "–"
            if column == "val acc":
                return _pct(model.val_score)
            if column == "tests":
                passed = (metrics.get("suite") or {}).get("passed")
                return "–" if passed is None else ("pass" if passed else "FAIL")
            if column == "ECE":
                ece = (metrics.get("calibration") or {}).get("ece")
                return "–" if ece is None else f"{ece:.3f}"
            if column == "created":
                return model.created_at[:16].replace("T", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            error = model.metrics.get("error")
            return f"failed: {error}" if error else activation_reason(model)
        if role == Qt.ItemDataRole.FontRole and model.active:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None


class QtTrainingPanel(QWidget):
    def __init__(self, context: AppContext, jobs: ModelJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.jobs = jobs
        self.history: list[Any] = []
        self._plots: Any = None

        self.train_button = QPushButton("Train now")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.status = QLabel("Label some samples, then train.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.plot_area = QVBoxLayout()
        self.plot_area.setContentsMargins(0, 0, 0, 0)
        plot_holder = QWidget()
        plot_holder.setLayout(self.plot_area)
        plot_holder.setMinimumHeight(150)

        self.table_model = ModelsTableModel()
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.why = QLabel("")
        self.why.setWordWrap(True)
        self.why.setObjectName("activation_reason")
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.activate_button = QPushButton("Activate")
        self.predict_button = QPushButton("Predict all")
        self.predict_button.setToolTip("Let the active model predict every sample again")

        self.strategy = QComboBox()
        for strategy in Strategy:
            self.strategy.addItem(strategy.value, strategy.value)
            help_text = textwrap.fill(STRATEGY_HELP[strategy], 72)
            self.strategy.setItemData(self.strategy.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.retrain_after = QSpinBox()
        self.retrain_after.setRange(0, 100000)
        self.retrain_after.setSpecialValueText("never")
        self.retrain_after.setSuffix(" new labels")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.members = QSpinBox()
        self.members.setRange(1, 8)
        self.members.setSuffix(" averaged")
        self.members.setSpecialValueText("1 (no ensemble)")

        top = QHBoxLayout()
        top.addWidget(self.train_button)
        top.addWidget(self.cancel_button)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addWidget(self.predict_button)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Next sample by", self.strategy)
        form.addRow("Retrain after", self.retrain_after)
        form.addRow("Epochs", self.epochs)
        form.addRow("Networks", self.members)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.worker_status = QtWorkerStatus(context, self)
        layout.addWidget(self.worker_status)
        layout.addWidget(plot_holder, 2)
        layout.addWidget(QLabel("Model versions"))
        layout.addWidget(self.table, 2)
        self.prelabel_rates = QLabel()
        self.prelabel_rates.setWordWrap(True)
        self.prelabel_rates.setToolTip(
            "Share of shown pre-labels the labeler took unchanged (recorded when an image is marked done)"
        )
        layout.addWidget(self.prelabel_rates)
        layout.addWidget(self.why)
        layout.addLayout(buttons)
        layout.addLayout(form)

        self.train_button.clicked.connect(self._on_train)
        self.cancel_button.clicked.connect(jobs.cancel)
        self.activate_button.clicked.connect(self._on_activate)
        self.predict_button.clicked.connect(lambda: jobs.start_prediction())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_enabled())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_reason())
        self.strategy.currentIndexChanged.connect(self._on_strategy)
        self.strategy.currentIndexChanged.connect(self._update_tooltips)
        self.retrain_after.editingFinished.connect(self._on_retrain_after)
        self.epochs.editingFinished.connect(lambda: self._save_setting("epochs", self.epochs.value()))
        self.members.editingFinished.connect(lambda: self._save_setting("members", self.members.value()))
        jobs.runner.started.connect(lambda _title: self._set_running(True))
        jobs.runner.idle.connect(lambda: self._set_running(False))
        jobs.runner.progress.connect(self._on_progress)
        jobs.trainingStarted.connect(self._on_training_started)
        jobs.epochDone.connect(self._on_epoch)
        # a job a worker runs for someone else: its curves too (this dock's own job reports itself)
        self.worker_status.jobStarted.connect(lambda _id: None if jobs.running else self._clear_curves())
        self.worker_status.epochSeen.connect(lambda stats: None if jobs.running else self._on_epoch(stats))
        jobs.jobFinished.connect(self._on_finished)
        jobs.jobFailed.connect(self._on_failed)
        context.modelsChanged.connect(self.reload)
        context.projectChanged.connect(self.reload)
        context.userChanged.connect(self._update_enabled)
        self.reload()
        preload_plots_later()
        QTimer.singleShot(PRELOAD_DELAY_MS + 1500, self, self._make_plots_when_loaded)

    # -- model -> widgets ------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.context
        selected = self.selected_version()
        if ctx.project is None:
            self.table_model.set_models([])
            self._update_enabled()
            return
        store = ctx.store
        self.table_model.set_models(store.models.list())
        self.prelabel_rates.setText(acceptance_text(store))
        for row, model in enumerate(self.table_model.models):
            if model.version == selected:
                self.table.selectRow(row)
        config = load_train_config(store)
        for widget, value in (
            (self.strategy, None),
            (self.retrain_after, load_loop_settings(store).retrain_after),
            (self.epochs, config.epochs),
            (self.members, config.members),
        ):
            widget.blockSignals(True)  # set from the store: no echo back into it
            if widget is self.strategy:
                self._enable_shape_strategies(is_shape_task(ctx.project.task))
                self.strategy.setCurrentIndex(self.strategy.findData(get_strategy(store).value))
            elif isinstance(widget, QSpinBox) and value is not None:
                widget.setValue(int(value))
            widget.blockSignals(False)
        self._update_enabled()
        self._show_reason()

    def _enable_shape_strategies(self, shapes: bool) -> None:
        """The localisation queue ranks boxes and regions: offered in detect/segment projects only."""
        model = self.strategy.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(self.strategy.findData(Strategy.LOCALISATION.value))
            if item is not None:
                item.setEnabled(shapes)

    def _show_reason(self) -> None:
        """The selected version's activation line (else the newest's), e.g. "v7 activated:
        accuracy 0.912 vs 0.874 of v6 on the same 34 held-out samples neither trained on"."""
        models = self.table_model.models
        version = self.selected_version()
        model = next((m for m in models if m.version == version), models[0] if models else None)
        reason = activation_reason(model) if model is not None else None
        self.why.setText(f"{model.version} {reason}" if model is not None and reason else "")
        self.why.setStyleSheet("color: #b00020;" if model is not None and suite_failed(model) else "")

    def selected_version(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.table_model.models[rows[0].row()].version

    def _is_engineer(self) -> bool:
        user = self.context.user
        return user is not None and can(user.role, Action.MANAGE_MODELS)

    def _update_enabled(self) -> None:
        has_project = self.context.project is not None
        running = self.jobs.running
        engineer = self._is_engineer()
        version = self.selected_version()
        model = next((m for m in self.table_model.models if m.version == version), None)
        self.train_button.setEnabled(has_project and not running)
        self.cancel_button.setEnabled(running)
        self.activate_button.setEnabled(engineer and not running and model is not None and model.state == "ready")
        self.activate_button.setToolTip("" if engineer else "Only engineers activate model versions")
        self.predict_button.setEnabled(has_project and not running and any(m.active for m in self.table_model.models))
        for widget in (self.strategy, self.retrain_after, self.epochs, self.members):
            widget.setEnabled(has_project and engineer)
        self._update_tooltips()

    def _set_running(self, running: bool) -> None:
        if not running:
            self.progress.setRange(0, 100)
            self.progress.setValue(0)
            self.progress.setFormat("idle")
        self._update_enabled()
        self.cancel_button.setEnabled(running)

    # -- job reports -----------------------------------------------------------------------
    def _on_training_started(self) -> None:
        self.history = []
        self.status.setStyleSheet("")
        self.status.setText("Reading the labels…")
        self.progress.setRange(0, 0)
        self._ensure_plots()
        self._draw()

    def _clear_curves(self) -> None:
        self.history = []
        self._ensure_plots()
        self._draw()

    def _on_progress(self, progress: Progress) -> None:
        if progress.total > 0:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        if progress.message:
            self.progress.setFormat(f"{progress.message[:48]}  %p%")

    def _on_epoch(self, stats: Any) -> None:
        self.history.append(stats)
        text = f"epoch {stats.epoch}/{stats.epochs}: loss {stats.train_loss:.3f}, accuracy {stats.train_accuracy:.1%}"
        if getattr(stats, "stage", ""):
            text = f"{stats.stage}, " + text
        if stats.val_accuracy is not None:
            text += f", validation {stats.val_accuracy:.1%}"
        self.status.setText(text + f"  ({stats.images_per_second:.0f} images/s)")
        self._draw()

    def _on_finished(self, summary: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(summary)
        self.reload()

    def _on_failed(self, message: str) -> None:
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText(message)
        self.reload()

    # -- plot (pyqtgraph, loaded on first use) ---------------------------------------------
    def _make_plots_when_loaded(self) -> None:
        """Build the (empty) plots at idle once the background import is done, so the first
        training does not pay the ~100 ms of making them; retry later if it is not done yet."""
        module = sys.modules.get("pyqtgraph")
        ready = module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False) is False
        if self._plots is None and ready and hasattr(module, "GraphicsLayoutWidget"):
            self._ensure_plots()
        elif self._plots is None:
            QTimer.singleShot(1000, self, self._make_plots_when_loaded)

    def _ensure_plots(self) -> None:
        if self._plots is not None:
            return
        import pyqtgraph as pg

        from s2ide.ui.insight.axes import WholeNumberAxis

        widget = pg.GraphicsLayoutWidget()
        widget.setBackground("w")
        loss = widget.addPlot(title="loss", axisItems={"bottom": WholeNumberAxis("bottom")})
        acc = widget.addPlot(title="accuracy", axisItems={"bottom": WholeNumberAxis("bottom")})
        for plot in (loss, acc):
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-5, 5))
        acc.setYRange(0, 1)
        for plot in (loss, acc):  # empty, epoch 0 and 1 sit inside the axis (labels, not 0.2 ... 0.8)
            plot.setXRange(0, 1, padding=0.2)
            plot.enableAutoRange(x=True)
        curves = {
            "train_loss": loss.plot(pen=pg.mkPen("#1f77b4", width=2), name="train"),
            "val_loss": loss.plot(pen=pg.mkPen("#ff7f0e", width=2), name="val"),
            "train_acc": acc.plot(pen=pg.mkPen("#1f77b4", width=2), name="train"),
            "val_acc": acc.plot(pen=pg.mkPen("#ff7f0e", width=2), name="val"),
        }
        self.plot_area.addWidget(widget)
        self._plots = (widget, curves)

    def _draw(self) -> None:
        if self._plots is None:
            return
        _widget, curves = self._plots
        for name, field in (("train_loss", "train_loss"), ("train_acc", "train_accuracy")):
            curves[name].setData(*_member_curves(self.history, field), connect="finite")
        for name, field in (("val_loss", "val_loss"), ("val_acc", "val_accuracy")):
            curves[name].setData(*_member_curves(self.history, field), connect="finite")

    # -- widgets -> model ------------------------------------------------------------------
    def _on_train(self) -> None:
        self.jobs.start_training()

    def _on_activate(self) -> None:
        version = self.selected_version()
        if version is None:
            return
        model = next((m for m in self.table_model.models if m.version == version), None)
        reason = None
        if model is not None and suite_failed(model):
            from PySide6.QtWidgets import QInputDialog

            why = activation_reason(model) or ""
            text, ok = QInputDialog.getText(
                self,
                f"Activate {version}",
                f"{version} failed its model tests or slices:\n{why}\n\nWhy activate it anyway? (kept in the audit)",
            )
            if not ok or not text.strip():
                return
            reason = text.strip()
        self.jobs.activate(version, reason)

    def _on_strategy(self) -> None:
        ctx = self.context
        if ctx.project is None:
            return
        try:
            set_strategy(ctx.store, str(self.strategy.currentData()), ctx.user_name)
        except S2Error as exc:
            ctx.message(str(exc), 0)
            self.reload()
            return
        self.jobs.strategyChanged.emit()
        ctx.message(f"Next sample now follows {self.strategy.currentData()}")

    def _update_tooltips(self) -> None:
        """What each setting does; for everyone but engineers, also that they cannot change it."""
        helps = {
            self.strategy: self.strategy.currentData(Qt.ItemDataRole.ToolTipRole) or "",  # the item's own help
            self.retrain_after: RETRAIN_HELP,
            self.epochs: "",
            self.members: MEMBERS_HELP,
        }
        engineer = self._is_engineer()
        for widget, text in helps.items():
            if not engineer:
                text = "Only engineers change these" + (f"\n{text}" if text else "")
            widget.setToolTip(text)

    def _on_retrain_after(self) -> None:
        ctx = self.context
        if ctx.project is None or not self._is_engineer():
            return
        settings = load_loop_settings(ctx.store)
        if settings.retrain_after != self.retrain_after.value():
            settings.retrain_after = self.retrain_after.value()
            save_loop_settings(ctx.store, settings, ctx.user_name)
            self.jobs.strategyChanged.emit()  # the interval is the queue's batch: Next re-ranks

    def _save_setting(self, name: str, value: int) -> None:
        """One training setting from its spin box into the project (engineers only)."""
        ctx = self.context
        if ctx.project is None or not self._is_engineer():
            return
        try:
            config = load_train_config(ctx.store)
            if getattr(config, name) != value:
                setattr(config, name, value)
                save_train_config(ctx.store, config, ctx.user_name)
        except S2Error as exc:
            ctx.message(str(exc), 0)


def _member_curves(history: list[Any], field: str) -> tuple[list[float], list[float]]:
    """x (epoch) and y of one curve; the networks of an ensemble each start again at epoch 1,
    so a NaN between them breaks the line instead of drawing a jump back to the start."""
    xs: list[float] = []
    ys: list[float] = []
    member = None
    for stats in history:
        value = getattr(stats, field)
        if value is None:
            continue
        if member is not None and getattr(stats, "member", 1) != member:
            xs.append(float("nan"))
            ys.append(float("nan"))
        member = getattr(stats, "member", 1)
        xs.append(float(stats.epoch))
        ys.append(float(value))
    return xs, ys
