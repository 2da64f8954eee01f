"""Next in the app takes a lease, so two labelers on one project never get the same sample.

It wraps whatever Next provider the features installed (gallery order, the strategy, second
labels owed, priorities): when the chosen sample is held by someone else it asks again from
there. The open sample's lease is renewed every minute while it stays open and released when
the labeler moves on; a lease left behind by a crash expires by itself (core/engine/work_queue.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from s2ide.core.engine.work_queue import hold, release, renew
from s2ide.core.errors import S2Error
from s2ide.ui.shell.context import AppContext, NextProvider

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

RENEW_MS = 60_000
TRIES = 25  # samples held by others skipped before giving up on this Next


class LeasedNext(QObject):
    def __init__(self, context: AppContext, fallback: NextProvider | None) -> None:
        super().__init__(context)
        self.context = context
        self.fallback = fallback
        self.held: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(RENEW_MS)
        self.timer.timeout.connect(self._renew)
        context.sampleChanged.connect(self._on_sample)
        context.projectChanged.connect(self._forget)

    def __call__(self, context: AppContext, current: int | None) -> int | None:
        if self.fallback is None:
            return None
        chosen = self.fallback(context, current)
        user = context.user
        if context.project is None or user is None:
            return chosen
        for _ in range(TRIES):
            if chosen is None:
                return None
            try:
                if hold(context.store, chosen, user.name):
                    self._release_held(keep=chosen)
                    self.held = chosen
                    self.timer.start()
                    return chosen
            except S2Error:
                return chosen  # the lease is a courtesy between labelers; never block Next on it
            chosen = self.fallback(context, chosen)
        context.message("Every sample Next offered is being labeled by someone else right now.")
        return None

    def _on_sample(self, sample_id: int) -> None:
        if self.held is not None and sample_id != self.held:
            self._release_held()

    def _release_held(self, keep: int | None = None) -> None:
        held, user = self.held, self.context.user
        if held is None or held == keep or user is None or self.context.project is None:
            return
        self.held = None
        self.timer.stop()
        try:
            release(self.context.store, held, user.name)
        except S2Error:
            pass  # it expires by itself

    def _renew(self) -> None:
        user = self.context.user
        if self.held is None or user is None or self.context.project is None:
            self.timer.stop()
            return
        if not renew(self.context.store, self.held, user.name):
            self.context.message("Your hold on this sample expired and someone else took it.")
            self.held = None
            self.timer.stop()

    def _forget(self) -> None:
        self.held = None
        self.timer.stop()


def attach(window: QMainWindow) -> None:
    """Last in the feature list: it wraps every Next provider installed before it."""
    context: AppContext = window.context  # type: ignore[attr-defined]
    window.leased_next = LeasedNext(context, context.next_provider)  # type: ignore[attr-defined]
    context.set_next_provider(window.leased_next)  # type: ignore[attr-defined]
