"""The review feature: escalate (Ctrl+E or "!"), the lead's Escalations view with its badge,
guidelines beside the canvas, escalations returned to the labeler, the audit log, double-labeling
settings, and the escalation's region drawn over the canvas while its sample is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QToolBar,
)

from s2ide.core.review.agreement import waiting_for_second_label
from s2ide.core.review.escalations import is_lead, waiting_count
from s2ide.core.store.escalations import Escalation
from s2ide.ui.review.audit_view import AuditView
from s2ide.ui.review.escalate_dialog import EscalateDialog
from s2ide.ui.review.escalations_view import EscalationsView
from s2ide.ui.review.guidelines_panel import GuidelinesPanel
from s2ide.ui.review.returned_panel import ReturnedPanel
from s2ide.ui.review.review_next import SecondLabelFirst
from s2ide.ui.review.review_settings import ReviewSettingsDialog

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

REGION_COLOR = QColor("#ff8c00")
OVERLAY_Z = 1000.0
BOTTOM_DOCK_HEIGHT = 380  # px: the queue's table and the detail with its Decide buttons


class RegionOverlay:
    """The region of the escalation being reviewed, over the canvas; gone when another sample opens."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.sample_id: int | None = None
        self.items: list[QGraphicsItem] = []
        window.context.sampleChanged.connect(self._on_sample)

    def show(self, escalation: Escalation) -> None:
        self.clear()
        region = escalation.region
        if not region:
            return
        scene = self.window.view.scene()
        g = region["geometry"]
        pen = QPen(REGION_COLOR, 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        if region["kind"] == "box":
            shape: QGraphicsItem = QGraphicsRectItem(QRectF(g["x"], g["y"], g["w"], g["h"]))
            shape.setPen(pen)  # type: ignore[attr-defined]
            shape.setBrush(QBrush(QColor(255, 140, 0, 40)))  # type: ignore[attr-defined]
            anchor = QPointF(g["x"], g["y"])
        else:
            shape = QGraphicsEllipseItem(QRectF(-7, -7, 14, 14))
            shape.setPen(QPen(QColor("white"), 2))  # type: ignore[attr-defined]
            shape.setBrush(QBrush(REGION_COLOR))  # type: ignore[attr-defined]
            shape.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            shape.setPos(g["x"], g["y"])
            anchor = QPointF(g["x"], g["y"])
        caption = QGraphicsSimpleTextItem(f"#{escalation.id} {escalation.reason}")
        caption.setBrush(QBrush(REGION_COLOR))
        caption.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        caption.setPos(anchor)
        for item in (shape, caption):
            item.setZValue(OVERLAY_Z)
            item.setData(0, "escalation-region")
            scene.addItem(item)
        self.items = [shape, caption]
        self.sample_id = escalation.sample_id

    def clear(self) -> None:
        for item in self.items:
            if shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.items = []
        self.sample_id = None

    def _on_sample(self, sample_id: int) -> None:
        if sample_id != self.sample_id:
            self.clear()


class ReviewFeature(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.context = context = window.context
        self.overlay = RegionOverlay(window)

        self.guidelines = GuidelinesPanel(context)
        self.escalations = EscalationsView(context)
        self.returned = ReturnedPanel(context)
        self.audit = AuditView(context)
        # Guidelines beside the canvas; the queues and the audit log under it, where a wide table fits.
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.guidelines_dock = window.add_dock(self.guidelines, "Guidelines", Qt.DockWidgetArea.RightDockWidgetArea)
        # Hidden until the user's role is known: leads get the queue, labelers only what came back.
        self.escalations_dock = window.add_dock(self.escalations, "Escalations", bottom, visible=False)
        self.returned_dock = window.add_dock(
            self.returned, "Returned to me", bottom, tabify_with=self.escalations_dock, visible=False
        )
        self.audit_dock = window.add_dock(self.audit, "Audit", bottom, tabify_with=self.escalations_dock, visible=False)
        window.resizeDocks([self.escalations_dock], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.escalations.openRequested.connect(self.show_escalation)
        self.returned.openRequested.connect(self.show_escalation)
        self.escalations.countChanged.connect(self._badge)
        self.returned_count = 0
        self.returned.countChanged.connect(self._returned_badge)
        self._add_actions()
        context.userChanged.connect(self._arrange_for_role)
        context.set_next_provider(SecondLabelFirst(context.next_provider))
        self.escalations.reload()

    # -- menu and toolbar ------------------------------------------------------------------
    def _add_actions(self) -> None:
        window = self.window
        menu = window.menu("&Review")
        self.escalate_action = QAction("&Escalate sample…", window)
        self.escalate_action.setShortcuts([QKeySequence("Ctrl+E"), QKeySequence("!")])
        self.escalate_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.escalate_action.setToolTip("Send the open sample to a lead with a question (Ctrl+E or !)")
        self.escalate_action.triggered.connect(self.escalate_current)
        window.addAction(self.escalate_action)
        menu.addAction(self.escalate_action)
        menu.addSeparator()
        self.queue_action = self._show_action(menu, "Escalations", self.escalations_dock, "Ctrl+Alt+E")
        self._show_action(menu, "Returned to me", self.returned_dock)
        self._show_action(menu, "Guidelines", self.guidelines_dock)
        self._show_action(menu, "Audit log", self.audit_dock)
        second = QAction("Samples waiting for my second label", window)
        second.triggered.connect(self.show_second_label_queue)
        menu.addAction(second)
        menu.addSeparator()
        settings = QAction("Review settings…", window)
        settings.triggered.connect(self.edit_settings)
        menu.addAction(settings)
        toolbar = QToolBar("Review", window)
        toolbar.setObjectName("toolbar_review")
        toolbar.addAction(self.escalate_action)
        toolbar.addAction(self.queue_action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def _show_action(self, menu, text: str, dock: QDockWidget, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda: self._raise(dock))
        menu.addAction(action)
        return action

    @staticmethod
    def _raise(dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()

    def _badge(self, waiting: int) -> None:
        title = f"Escalations ({waiting})" if waiting else "Escalations"
        self.escalations_dock.setWindowTitle(title)
        self.queue_action.setText(title)
        self.queue_action.setToolTip(f"{waiting} escalation(s) waiting for a lead")

    def _returned_badge(self, count: int) -> None:
        self.returned_count = count
        self.returned_dock.setWindowTitle(f"Returned to me ({count})" if count else "Returned to me")
        user = self.context.user
        if user is None or is_lead(user.role):
            return
        if count:
            self._raise(self.returned_dock)
            self.window.resizeDocks([self.returned_dock], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)
        else:
            self.returned_dock.hide()
            self.escalations_dock.hide()

    def _arrange_for_role(self) -> None:
        """Leads start from the queue; labelers from the guidelines, and see the queue area only
        when something was returned to them (the canvas keeps the room otherwise)."""
        user = self.context.user
        if user is None:
            return
        self._raise(self.guidelines_dock)
        if is_lead(user.role) and waiting_count(self.context.store) > 0:
            self._raise(self.escalations_dock)  # a big view: it opens in a window of its own
        elif is_lead(user.role):
            return  # nothing waits: the canvas keeps the room (Review ▸ Escalations opens the queue)
        elif self.returned_count:
            self._raise(self.returned_dock)
        else:
            self.escalations_dock.hide()
            self.returned_dock.hide()
            self.audit_dock.hide()
            return
        self.window.resizeDocks([self.escalations_dock], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)

    # -- actions ---------------------------------------------------------------------------
    def make_escalate_dialog(self) -> EscalateDialog | None:
        context = self.context
        if context.project is None or context.current_sample_id is None:
            context.message("Open a sample first, then escalate it.")
            return None
        if context.user is None:
            context.message("Say who is working first (File ▸ Switch user…).")
            return None
        return EscalateDialog(context, context.current_sample_id, self.window)

    def escalate_current(self) -> Escalation | None:
        dialog = self.make_escalate_dialog()
        if dialog is None or dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.after_escalated(dialog.escalation)

    def after_escalated(self, escalation: Escalation | None) -> Escalation | None:
        """The labeler moves on: the sample left their queue."""
        if escalation is None:
            return None
        self.context.notify_annotations(escalation.sample_id)
        self.context.message(f"Escalated sample {escalation.sample_id} (#{escalation.id}, {escalation.reason}).")
        self.context.next_sample()
        return escalation

    def show_escalation(self, escalation: Escalation) -> None:
        """Open its sample on the canvas with the region drawn over it."""
        self.context.open_sample(escalation.sample_id)
        fresh = self.context.store.review.escalations.get(escalation.id)
        self.overlay.show(fresh)
        label_id = fresh.proposed_label_id
        if label_id is not None:
            self.guidelines.show_label(label_id)

    def show_second_label_queue(self) -> None:
        if self.context.project is None or self.context.user is None:
            return
        ids = waiting_for_second_label(self.context.store, self.context.user.name)
        self.context.show_samples(ids, f"Waiting for {self.context.user.name}'s independent label")
        self.context.message(f"{len(ids)} sample(s) wait for your independent label.")

    def edit_settings(self) -> None:
        if self.context.project is None:
            return
        if ReviewSettingsDialog(self.context, self.window).exec() == QDialog.DialogCode.Accepted:
            self.escalations.reset_filters()


def attach(window: MainWindow) -> None:
    window.review = ReviewFeature(window)  # type: ignore[attr-defined]
