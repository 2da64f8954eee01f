"""AppContext: the state the whole window shares, and the signals views subscribe to.

Models own the state; widgets subscribe and set (DESIGN.md §6.1). Widgets never talk to each
other directly: a gallery click calls `open_sample`, the canvas listens to `sampleChanged`.
Everything here runs on the GUI thread; workers open their own store connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from s2ide.core.labeling.history import Edit
from s2ide.core.project import Project
from s2ide.core.settings import Settings
from s2ide.core.store import Store
from s2ide.core.store.records import Label, User

NextProvider = Callable[["AppContext", int | None], int | None]


class RankedIds(list[int]):
    """Sample ids for `show_samples` that the gallery keeps in this order (most similar first);
    `distances` (sample id -> distance), when given, are drawn on the thumbnails."""

    def __init__(self, ids: Iterable[int] = (), distances: Mapping[int, float] | None = None) -> None:
        super().__init__(ids)
        self.distances: dict[int, float] = dict(distances or {})


class AppContext(QObject):
    projectChanged = Signal()  # a project was opened or closed
    userChanged = Signal()
    sampleChanged = Signal(int)  # the open sample's id, -1 for none
    annotationsChanged = Signal(int)  # a sample whose annotations or status changed
    samplesChanged = Signal()  # samples added or many changed at once: reload lists
    labelsChanged = Signal()
    predictionsChanged = Signal()
    modelsChanged = Signal()
    showSamplesRequested = Signal(object, str)  # ids (list[int]) or None for all, a title
    findSimilarRequested = Signal(object, str)  # example sample ids (list[int]), "mean" or "any"
    statusMessage = Signal(str, int)  # text, timeout in ms (0: until replaced)
    drawLabelRequested = Signal(int)  # detect/segment projects: a label key chose the class to draw

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.project: Project | None = None
        self.user: User | None = None
        self.current_sample_id: int | None = None
        self._labels: list[Label] | None = None
        self._next_provider: NextProvider | None = None
        # saves an edit as one undo step (the canvas's undo history); None: no history, apply directly
        self.edit_committer: Callable[[Edit], bool] | None = None
        self.edit_recorder: Callable[[Edit], None] | None = None  # an edit applied already: undo only
        self.labelsChanged.connect(self._forget_labels)
        self.projectChanged.connect(self._forget_labels)

    # -- project and user ------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self.project is None:
            raise RuntimeError("no project is open")
        return self.project.store

    def open_project(self, path: Path | str) -> Project:
        project = Project.open(path)
        self.close_project()
        self.project = project
        if project.signed_in_user is not None:  # a team project: the database user is the user
            self.user = project.store.users.get(project.signed_in_user)
        else:
            self.settings.remember_project(project.path)
        self.projectChanged.emit()
        return project

    def close_project(self) -> None:
        if self.project is not None:
            self.project.close()
        self.project = None
        self.user = None
        self.current_sample_id = None
        self.projectChanged.emit()
        self.sampleChanged.emit(-1)

    def set_user(self, name: str) -> User:
        user = self.store.users.get(name)
        if user is None:
            raise ValueError(f"unknown user {name!r}")
        self.user = user
        assert self.project is not None
        self.settings.remember_user(self.project.path, name)
        self.userChanged.emit()
        return user

    @property
    def user_name(self) -> str:
        return self.user.name if self.user else "unknown"

    # -- labels ----------------------------------------------------------------------------
    def labels(self) -> list[Label]:
        if self._labels is None:
            self._labels = self.store.labels.list() if self.project else []
        return self._labels

    def label_by_id(self, label_id: int | None) -> Label | None:
        return next((label for label in self.labels() if label.id == label_id), None)

    def _forget_labels(self) -> None:
        self._labels = None

    # -- samples ---------------------------------------------------------------------------
    def open_sample(self, sample_id: int | None) -> None:
        self.current_sample_id = sample_id
        self.sampleChanged.emit(-1 if sample_id is None else sample_id)

    @property
    def next_provider(self) -> NextProvider | None:
        """The provider in charge now, so a feature can wrap it rather than replace it."""
        return self._next_provider

    def set_next_provider(self, provider: NextProvider | None) -> None:
        """Who decides the next sample (the gallery's order by default; the queue strategy later)."""
        self._next_provider = provider

    def next_sample(self) -> int | None:
        if self._next_provider is None:
            return None
        chosen = self._next_provider(self, self.current_sample_id)
        if chosen is not None:
            self.open_sample(chosen)
        return chosen

    def show_samples(self, ids: Sequence[int] | None, title: str) -> None:
        """Ask the gallery to show just these samples (click-through from plots and tables)."""
        self.showSamplesRequested.emit(None if ids is None else ids if isinstance(ids, RankedIds) else list(ids), title)

    def find_similar(self, ids: Sequence[int], mode: str = "mean") -> None:
        """Ask for the samples that look like these (the Similar view answers)."""
        if ids:
            self.findSimilarRequested.emit([int(i) for i in ids], mode)

    def commit_edit(self, edit: Edit) -> bool:
        """Save an edit so that Edit ▸ Undo can revert it (a tag, an accepted suggestion); without an
        undo history (tests of one widget) it is applied and notified directly."""
        if self.edit_committer is not None:
            return self.edit_committer(edit)
        from s2ide.core.labeling.history import Session

        edit.apply(Session(self.store, self.user_name))
        self.notify_annotations(edit.sample_id)
        return True

    def record_edit(self, edit: Edit) -> None:
        """Put an edit its caller applied (and reported on) in the undo history."""
        if self.edit_recorder is not None:
            self.edit_recorder(edit)
        else:
            self.notify_annotations(edit.sample_id)

    def notify_annotations(self, sample_id: int) -> None:
        self.annotationsChanged.emit(sample_id)

    def message(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusMessage.emit(text, timeout_ms)
