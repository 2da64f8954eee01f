"""Show changes that other processes commit (the CLI, a colleague's app, a training process).

Each open project gets a ChangeFeed. On PostgreSQL the audit trigger NOTIFYs every change and a
socket notifier wakes the GUI thread the moment one arrives; on SQLite a timer asks four times a
second whether another connection committed (a PRAGMA that costs microseconds). When one did, it
turns the new audit rows into the context's ordinary signals, so every view refreshes as it
does for the user's own edits. A change to the open sample by someone else is announced in the
status bar with their name; an edit in progress is never replaced under the user (the canvas
skips reloads while a tool is busy), and both versions stay in the audit history.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from s2ide.core.errors import S2Error
from s2ide.core.store.changes import ChangeEvent, ChangeFeed
from s2ide.ui.shell.context import AppContext

POLL_MS = 250
RETRY_MS = 2000  # while the server is unreachable
BACKUP_POLL_MS = 2000  # with LISTEN/NOTIFY: only catches a listener whose link dropped
MANY = 50  # more changed samples than this in one poll: reload lists once instead


class ChangeWatcher(QObject):
    connectionChanged = Signal(bool)  # False when the project's server went away, True when it is back

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.context = context
        self.feed: ChangeFeed | None = None
        self.notifier: QSocketNotifier | None = None
        self.lost: str | None = None  # why the connection dropped, until it is back
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        context.projectChanged.connect(self._on_project)
        self._on_project()

    def _on_project(self) -> None:
        self.timer.stop()
        if self.notifier is not None:
            self.notifier.setEnabled(False)
            self.notifier.deleteLater()
            self.notifier = None
        if self.feed is not None:
            self.feed.close()
        self.feed = None
        if self.context.project is not None:
            self.feed = ChangeFeed(self.context.store)
            fd = self.feed.fileno()
            if fd is not None:  # PostgreSQL: NOTIFY wakes the loop at once; the timer only backs it up
                self.notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
                self.notifier.activated.connect(self.poll)
                self.timer.setInterval(BACKUP_POLL_MS)
            else:
                self.timer.setInterval(POLL_MS)
            self.timer.start()

    def poll(self) -> None:
        """Read what others committed since the last poll and emit the matching signals."""
        if self.context.project is None:
            return
        if self.feed is None or self.lost is not None:
            self._reconnect()
            return
        try:
            events = self.feed.poll()
        except S2Error as exc:  # ConnectionLost: the server restarted or the network dropped
            self._on_lost(exc)
            return
        if self.notifier is not None and self.feed.fileno() is None:  # the listener's link dropped: poll
            self.notifier.setEnabled(False)
            self.timer.setInterval(POLL_MS)
        if events is None:
            return
        while True:
            more = self.feed.events()
            if not more:
                break
            events.extend(more)
        self._announce(events)

    # -- a dropped connection -------------------------------------------------------------------
    def _on_lost(self, exc: Exception) -> None:
        """Say so until it is back; what is on screen stays, and nothing uncommitted is shown as saved."""
        self.lost = str(exc)
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        self.timer.setInterval(RETRY_MS)
        self.context.message(f"{exc}. Retrying every {RETRY_MS // 1000} s…", 0)
        self.connectionChanged.emit(False)

    def _reconnect(self) -> None:
        try:
            self._on_project()  # a new feed on a new connection (the store replaces a dropped one)
        except S2Error as exc:
            self.lost = str(exc)
            self.timer.setInterval(RETRY_MS)
            self.timer.start()
            return
        if self.lost is not None:
            self.lost = None
            self.context.message("Reconnected: showing the project as it is now.", 8000)
            self.connectionChanged.emit(True)
            self.context.samplesChanged.emit()  # whatever others did meanwhile
            self.context.modelsChanged.emit()

    def _announce(self, events: list[ChangeEvent]) -> None:
        ctx = self.context
        if not events:  # committed without an audit row: predictions or model files
            ctx.predictionsChanged.emit()
            return
        samples: list[int] = []
        labels = models = everything = False
        for event in events:
            if event.entity == "label":
                labels = True
            elif event.entity == "model":
                models = True
            elif event.sample_id is not None:
                if event.sample_id not in samples:
                    samples.append(event.sample_id)
            elif event.entity in ("escalation", "sample", "annotation", "import"):
                everything = True
        if labels:
            ctx.labelsChanged.emit()
        if models:
            ctx.modelsChanged.emit()
            ctx.predictionsChanged.emit()
        if everything or len(samples) > MANY:
            ctx.samplesChanged.emit()
        else:
            for sample_id in samples:
                ctx.annotationsChanged.emit(sample_id)
        self._notice(events)

    def _notice(self, events: list[ChangeEvent]) -> None:
        ctx = self.context
        current, me = ctx.current_sample_id, ctx.user_name
        others = [e for e in events if e.sample_id == current and current is not None and e.user != me]
        if others:
            last = others[-1]
            ctx.message(
                f"This sample was just changed by {last.user} ({last.action}); both versions are in the history."
            )
        elif any(e.entity == "model" and e.user != me for e in events):
            last = next(e for e in reversed(events) if e.entity == "model")
            ctx.message(f"{last.user}: {last.action} {last.entity_id or ''}".rstrip())
