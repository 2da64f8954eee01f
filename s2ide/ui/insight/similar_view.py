"""The Similar view: the samples nearest to a failure case, and what to do with them.

A search comes from anywhere (gallery, canvas, mispredictions, label errors, an escalation, a
lasso in Embeddings) through `AppContext.find_similar`; it runs in a worker (the first search of
a project without a model embeds its images first) and the answer fills this table, nearest
first with the cosine distance, and narrows the gallery to the same samples in the same order.
From here the results go to the front of everyone's Next (the priority slice), get a tag or an
escalation in bulk, or are excluded (and stay out of the next search). Actions apply to the
selected rows, or to all rows when none is selected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.model_tests import save_slice
from s2ide.core.engine.priority import prioritize
from s2ide.core.engine.similar_search import Box, Region, SearchOutcome, SearchRequest, run_search
from s2ide.core.engine.similarity import Mode
from s2ide.core.errors import S2Error
from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.review.escalations import escalate
from s2ide.core.store import SampleFilter
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext, RankedIds
from s2ide.ui.shell.workers import TaskRunner

THUMB = 40
DEFAULT_COUNT = 50
MAX_COUNT = 5000
DEFAULT_REASON = "like a known failure case"


def thumbnail_icon(project: Project, sha256: str, size: int = THUMB) -> QIcon:
    """The cached thumbnail (insight.common has the same, but importing it loads pyqtgraph at start-up)."""
    path = project.thumbnail_path(sha256)
    pixmap = QPixmap(str(path)) if path.is_file() else QPixmap()
    return QIcon(pixmap.scaled(size, size)) if not pixmap.isNull() else QIcon()


def _button(text: str) -> QToolButton:
    """A push-like button only as wide as its text (a QPushButton insists on ~80 px, and six of
    them do not fit the narrow right column at 1366x768)."""
    button = QToolButton()
    button.setText(text)
    button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return button


@dataclass(frozen=True)
class SimilarRow:
    sample_id: int
    path: str
    sha256: str
    label_id: int | None
    status: str
    distance: float


def _embed_region_in_model_process(project: Project) -> Callable[[str, str, Box, TaskState], Any]:
    """A region's embedding in a model's space, computed in the model child process (torch)."""

    def embed(version: str, path: str, box: Box, state: TaskState) -> Any:
        from s2ide.ml.jobs import region_in_child  # imports no torch in this process

        return region_in_child(project.location, version, path, box, state)

    return embed


def _search_job(project: Project, request: SearchRequest) -> Callable[[TaskState], Any]:
    def job(state: TaskState) -> tuple[SearchOutcome, list[SimilarRow]]:
        outcome = run_search(project, request, state, _embed_region_in_model_process(project))
        store = project.connect()
        try:
            ids = [m.sample_id for m in outcome.result.matches]
            found = {r["id"]: r for r in store.samples.rows(SampleFilter(ids=ids))} if ids else {}
        finally:
            store.close()
        rows = [
            SimilarRow(m.sample_id, r["path"], r["sha256"], r["label_id"], r["status"], m.distance)
            for m in outcome.result.matches
            if (r := found.get(m.sample_id)) is not None
        ]
        return outcome, rows

    return job


class SimilarView(QWidget):
    searched = Signal()  # results shown (tests wait on it)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.examples: list[int] = []
        self.region: Box | None = None  # searching by this box of examples[0]
        self.excluded: set[int] = set()
        self.rows: list[SimilarRow] = []
        self.outcome: SearchOutcome | None = None
        self.runner = TaskRunner(self)
        self.runner.finished.connect(self._apply)
        self.runner.failed.connect(self._failed)

        self.title = QLabel("Right-click a sample (or Ctrl+Shift+F) and choose Find similar.")
        self.title.setWordWrap(True)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_COUNT)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setPrefix("show ")
        self.count.setToolTip("how many of the nearest samples to show")
        self.mode = QComboBox()
        self.mode.addItem("near mean", Mode.MEAN.value)
        self.mode.addItem("near any", Mode.ANY.value)
        self.mode.setToolTip("several examples: search by what they share (mean) or by each one (any)")
        self.unlabeled = QCheckBox("unlabeled")
        self.unlabeled.setToolTip("only samples nobody has labeled yet")
        for signal in (self.count.editingFinished, self.mode.currentIndexChanged, self.unlabeled.toggled):
            signal.connect(lambda *_: self.run())
        controls = QHBoxLayout()
        controls.addWidget(self.count)
        controls.addWidget(self.mode)
        controls.addWidget(self.unlabeled)
        controls.addStretch(1)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["sample", "label", "status", "distance"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setTextElideMode(Qt.TextElideMode.ElideLeft)  # the end of a name tells files apart
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        # short texts: the dock shares the right column (under 300 px wide at 1366x768)
        self.queue_button = _button("Queue first")
        self.queue_button.setToolTip("put them first in everyone's Next, before the strategy's choice (leads)")
        self.queue_button.clicked.connect(lambda: self.send_to_queue())
        self.tag_choice = QComboBox()
        self.tag_button = _button("Tag")
        self.tag_button.clicked.connect(lambda: self.tag_rows(self.tag_choice.currentData()))
        self.escalate_button = _button("Escalate…")
        self.escalate_button.clicked.connect(self._ask_escalate)
        self.exclude_button = _button("Exclude")
        self.exclude_button.setToolTip("drop them from these results and from the next search")
        self.exclude_button.clicked.connect(lambda: self.exclude())
        self.gallery_button = _button("Gallery")
        self.gallery_button.setToolTip("show them in the gallery, nearest first, with their distances")
        self.gallery_button.clicked.connect(self.show_in_gallery)
        self.slice_button = _button("Slice…")
        self.slice_button.setToolTip("save them as a named slice the model tests check each version on")
        self.slice_button.clicked.connect(self._ask_slice)
        # two short rows above the table: the dock shares a narrow column and a short screen
        first = QHBoxLayout()
        for widget in (self.queue_button, self.exclude_button, self.gallery_button):
            first.addWidget(widget)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.tag_choice)
        for button in (self.tag_button, self.escalate_button, self.slice_button):
            second.addWidget(button)
        second.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(controls)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)
        context.annotationsChanged.connect(self._on_annotations)
        context.labelsChanged.connect(self._fill_labels)
        context.projectChanged.connect(self._on_project)
        self._fill_labels()
        self._enable()

    # -- searching -------------------------------------------------------------------------
    def search(self, sample_ids: Sequence[int], mode: str = Mode.MEAN.value) -> None:
        """Start a new search from these examples (the excluded set starts empty again)."""
        self.examples = [int(i) for i in sample_ids]
        self.region = None
        self.excluded = set()
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(max(0, self.mode.findData(Mode(mode).value)))
        self.mode.blockSignals(False)
        self.run()

    def search_region(self, sample_id: int, box: Box) -> None:
        """Start a search by what a box (x, y, w, h in image pixels) of one sample holds."""
        self.examples = [int(sample_id)]
        self.region = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        self.excluded = set()
        self.run()

    def run(self) -> None:
        project = self.context.project
        if project is None or not self.examples:
            return
        request = SearchRequest(
            list(self.examples),
            self.count.value(),
            Mode(self.mode.currentData()),
            self.unlabeled.isChecked(),
            exclude=sorted(self.excluded),
            region=None if self.region is None else Region(self.examples[0], self.region),
        )
        self.title.setText(f"Searching for samples like {self._examples_text()}…")
        self.runner.start(_search_job(project, request), "finding similar samples")

    def _examples_text(self) -> str:
        if self.region is not None:
            return f"a region of sample {self.examples[0]}"
        if len(self.examples) == 1:
            return f"sample {self.examples[0]}"
        return f"{len(self.examples)} samples ({self.mode.currentText()})"

    def _apply(self, result: tuple[SearchOutcome, list[SimilarRow]]) -> None:
        self.outcome, rows = result
        found = self.outcome.result
        notes = [found.source]
        if found.searched < found.total:
            notes.append(f"{found.total - found.searched:,} samples have no embedding yet")
        if self.outcome.index_note:
            notes.append(self.outcome.index_note)
        if self.outcome.skipped:
            notes.append(f"{len(self.outcome.skipped)} unreadable images skipped")
        if self.region is not None:
            notes.insert(0, "box {:.0f},{:.0f} {:.0f}x{:.0f}".format(*self.region))
        self.title.setText(f"{len(rows):,} nearest to {self._examples_text()}, most similar first ({'; '.join(notes)})")
        self._set_rows(rows)
        self.show_in_gallery()
        self.searched.emit()

    def _failed(self, text: str) -> None:
        self.title.setText(f"Find similar: {text}")
        self.context.message(f"Find similar: {text}", 0)

    def _set_rows(self, rows: list[SimilarRow]) -> None:
        self.rows = rows
        project = self.context.project
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            item = QTableWidgetItem(row.path.rsplit("/", 1)[-1])
            item.setToolTip(f"{row.path} (id {row.sample_id})")
            if project is not None:
                item.setIcon(thumbnail_icon(project, row.sha256, THUMB))
            self.table.setItem(index, 0, item)
            label = self.context.label_by_id(row.label_id)
            self.table.setItem(index, 1, QTableWidgetItem("—" if label is None else label.name))
            self.table.setItem(index, 2, QTableWidgetItem(row.status))
            cell = QTableWidgetItem(f"{row.distance:.4f}")
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(index, 3, cell)
        self._enable()

    def _enable(self) -> None:
        for button in (self.queue_button, self.tag_button, self.escalate_button, self.exclude_button):
            button.setEnabled(bool(self.rows))
        self.gallery_button.setEnabled(bool(self.rows))
        self.slice_button.setEnabled(bool(self.rows))

    def _fill_labels(self) -> None:
        self.tag_choice.clear()
        if self.context.project is not None:
            for label in self.context.labels():
                self.tag_choice.addItem(label.name, label.id)

    def _on_project(self) -> None:
        self.runner.cancel()
        self.examples = []
        self.region = None
        self.excluded = set()
        self._set_rows([])
        self._fill_labels()
        self.title.setText("Right-click a sample (or Ctrl+Shift+F) and choose Find similar.")

    # -- acting on results -----------------------------------------------------------------
    def chosen(self) -> list[SimilarRow]:
        """The selected rows, or every row when none is selected."""
        picked = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[i] for i in picked] if picked else list(self.rows)

    def open_row(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            self.context.open_sample(self.rows[index].sample_id)

    def show_in_gallery(self) -> None:
        if not self.rows:
            return
        ids = RankedIds((row.sample_id for row in self.rows), {row.sample_id: row.distance for row in self.rows})
        self.context.show_samples(ids, f"{len(ids)} like {self._examples_text()}")

    def send_to_queue(self, rows: list[SimilarRow] | None = None) -> int:
        rows = self.chosen() if rows is None else rows
        note = f"like {self._examples_text()}"
        try:
            added = prioritize(self.context.store, [r.sample_id for r in rows], self.context.user_name, note)
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return 0
        self.context.message(f"{len(added)} sample(s) now first in everyone's Next ({len(rows) - len(added)} were)")
        return len(added)

    def tag_rows(self, label_id: int | None, rows: list[SimilarRow] | None = None) -> int:
        if label_id is None:
            return 0
        rows = self.chosen() if rows is None else rows
        done = 0
        for row in rows:
            try:
                set_tag(self.context.store, row.sample_id, label_id, self.context.user_name)
            except S2Error as exc:
                self.context.message(f"{row.path}: {exc}", 0)
                break
            done += 1
        label = self.context.label_by_id(label_id)
        self.context.message(f"tagged {done} sample(s) {label.name if label else label_id!r}")
        self.context.samplesChanged.emit()
        self._refresh_rows()
        return done

    def escalate_rows(self, reason: str, rows: list[SimilarRow] | None = None) -> int:
        rows = self.chosen() if rows is None else rows
        done = 0
        for row in rows:
            try:
                escalate(
                    self.context.store,
                    row.sample_id,
                    reason,
                    self.context.user_name,
                    note=f"found by Find similar: like {self._examples_text()} (distance {row.distance:.3f})",
                )
            except S2Error as exc:
                self.context.message(f"{row.path}: {exc}", 0)
                continue
            done += 1
        self.context.message(f"escalated {done} of {len(rows)} sample(s)")
        self.context.samplesChanged.emit()
        self._refresh_rows()
        return done

    def exclude(self, rows: list[SimilarRow] | None = None) -> int:
        rows = self.chosen() if rows is None else rows
        gone = {r.sample_id for r in rows}
        self.excluded |= gone
        self._set_rows([r for r in self.rows if r.sample_id not in gone])
        self.show_in_gallery()
        return len(gone)

    def save_slice(self, name: str, rows: list[SimilarRow] | None = None) -> bool:
        """The results (or the chosen ones) as a named slice the model tests check each version on."""
        if not name.strip():
            return False
        rows = self.chosen() if rows is None else rows
        try:
            save_slice(self.context.store, name.strip(), [r.sample_id for r in rows], self.context.user_name)
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return False
        self.context.message(f"saved {len(rows)} sample(s) as the slice {name.strip()!r}")
        return True

    def _refresh_rows(self) -> None:
        """Re-read label and status of the shown rows after a bulk action."""
        if self.context.project is None or not self.rows:
            return
        fresh = {
            r["id"]: r for r in self.context.store.samples.rows(SampleFilter(ids=[r.sample_id for r in self.rows]))
        }
        self._set_rows(
            [
                SimilarRow(
                    r.sample_id,
                    r.path,
                    r.sha256,
                    fresh[r.sample_id]["label_id"],
                    fresh[r.sample_id]["status"],
                    r.distance,
                )
                if r.sample_id in fresh
                else r
                for r in self.rows
            ]
        )

    def _on_annotations(self, sample_id: int) -> None:
        """A shown sample was labeled or escalated elsewhere (Next, the canvas): update its row."""
        if any(r.sample_id == sample_id for r in self.rows):
            self._refresh_rows()

    def _ask_escalate(self) -> None:
        if self.context.project is None:
            return
        reasons = list(self.context.store.meta.get_json("escalation_reasons", []) or [])
        if DEFAULT_REASON not in reasons:
            reasons.insert(0, DEFAULT_REASON)
        reason, ok = QInputDialog.getItem(self, "Escalate", f"Escalate {len(self.chosen())} sample(s) as:", reasons)
        if ok and reason:
            self.escalate_rows(reason)

    def _ask_slice(self) -> None:
        name, ok = QInputDialog.getText(self, "Save as slice", "Slice name:")
        if ok:
            self.save_slice(name)

    def _context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        ids = [r.sample_id for r in self.chosen()]
        menu.addAction("Find similar to these", lambda: self.context.find_similar(ids))
        menu.addAction("Send to queue first", lambda: self.send_to_queue())
        menu.addAction("Exclude", lambda: self.exclude())
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def shutdown(self) -> None:
        self.runner.shutdown()
