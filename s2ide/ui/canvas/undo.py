"""Undo and redo: history edits wrapped in QUndoCommands, one stack per sample, bounded by memory.

Edits are applied (saved) before they are pushed, so a failing save never leaves a command
on the stack. The depth is bounded by the bytes the edits hold (256 MB by default, counted
with `Edit.cost`), not by a count: stacks of samples opened long ago go first, then the oldest
edits of the open sample. QUndoStack cannot drop its oldest commands, so trimming rebuilds it
from the kept edits without running them again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from s2ide.core.errors import S2Error
from s2ide.core.labeling.history import DEFAULT_BUDGET_BYTES, Edit, Session, keep_within_budget

Notify = Callable[[Edit, str | None], None]  # after an edit is done or undone; error text or None


class EditCommand(QUndoCommand):
    def __init__(self, edit: Edit, session: Callable[[], Session], notify: Notify, done: bool) -> None:
        super().__init__(edit.text)
        self.edit = edit
        self._session = session
        self._notify = notify
        self._skip_redo = done

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._run(self.edit.apply)

    def undo(self) -> None:
        self._run(self.edit.revert)

    def _run(self, step: Callable[[Session], None]) -> None:
        try:
            step(self._session())
        except S2Error as exc:  # the store rolled back; say so rather than crash mid-undo
            self._notify(self.edit, str(exc))
        else:
            self._notify(self.edit, None)


class UndoManager(QObject):
    changed = Signal()  # an edit was committed, undone or redone, or the open sample changed
    committed = Signal(object)  # the Edit just saved (time telemetry counts tags and shapes)

    def __init__(
        self, session: Callable[[], Session], notify: Notify, budget: int = DEFAULT_BUDGET_BYTES, parent=None
    ) -> None:
        super().__init__(parent)
        self.group = QUndoGroup(self)
        self._session = session
        self._notify = notify
        self.budget = budget
        self._stacks: OrderedDict[int, QUndoStack] = OrderedDict()
        self._recent: list[int] = []  # samples by their latest commit, oldest first
        self.group.indexChanged.connect(lambda _index: self.changed.emit())
        self.group.activeStackChanged.connect(lambda _stack: self.changed.emit())

    def stack(self, sample_id: int) -> QUndoStack:
        stack = self._stacks.get(sample_id)
        if stack is None:
            stack = self._stacks[sample_id] = QUndoStack(self.group)
        self._stacks.move_to_end(sample_id)
        return stack

    def activate(self, sample_id: int | None) -> None:
        self.group.setActiveStack(None if sample_id is None else self.stack(sample_id))  # type: ignore[arg-type]

    def commit(self, edit: Edit) -> bool:
        """Apply (save) the edit and push it as one undo step; False (and a message) if it failed."""
        try:
            edit.apply(self._session())
        except S2Error as exc:
            self._notify(edit, str(exc))
            return False
        self.stack(edit.sample_id).push(EditCommand(edit, self._session, self._notify, done=True))
        if edit.sample_id in self._recent:
            self._recent.remove(edit.sample_id)
        self._recent.append(edit.sample_id)
        self._notify(edit, None)
        self.trim()
        self.changed.emit()
        self.committed.emit(edit)
        return True

    def push_done(self, edit: Edit) -> None:
        """Record an edit its caller already applied (a dialog that shows its own errors)."""
        self.stack(edit.sample_id).push(EditCommand(edit, self._session, self._notify, done=True))
        if edit.sample_id in self._recent:
            self._recent.remove(edit.sample_id)
        self._recent.append(edit.sample_id)
        self._notify(edit, None)
        self.trim()
        self.changed.emit()
        self.committed.emit(edit)

    def undo_target(self, current: int | None) -> int | None:
        """The sample whose edit Undo reverts: the open one while it has something to undo, else
        the one edited most recently (a tag moves on to the next sample; Ctrl+Z brings it back)."""
        stack = self._stacks.get(current) if current is not None else None
        if stack is not None and stack.canUndo():
            return current
        for sample_id in reversed(self._recent):
            other = self._stacks.get(sample_id)
            if other is not None and other.canUndo():
                return sample_id
        return None

    def undo_text(self, current: int | None) -> str:
        target = self.undo_target(current)
        if target is None:
            return ""
        text = self._stacks[target].undoText()
        return text if target == current else f"{text} (sample {target})"

    def undo(self, current: int | None) -> int | None:
        """Undo the latest edit of `undo_target(current)` on its own stack; the sample it was on."""
        target = self.undo_target(current)
        if target is not None:
            self._stacks[target].undo()
            self.changed.emit()
        return target

    def used_bytes(self) -> int:
        return sum(self._edit(stack, i).cost for stack in self._stacks.values() for i in range(stack.count()))

    @staticmethod
    def _edit(stack: QUndoStack, index: int) -> Edit:
        command = stack.command(index)
        assert isinstance(command, EditCommand)
        return command.edit

    def trim(self) -> None:
        """Forget the oldest edits until the history fits in the budget."""
        while self.used_bytes() > self.budget and len(self._stacks) > 1:
            dropped, oldest = self._stacks.popitem(last=False)
            if dropped in self._recent:
                self._recent.remove(dropped)
            self.group.removeStack(oldest)
            oldest.deleteLater()
        if not self._stacks:
            return
        stack = next(reversed(self._stacks.values()))
        if stack.index() != stack.count():
            return  # only trim right after a push, when nothing is left to redo
        edits = [self._edit(stack, i) for i in range(stack.count())]
        drop = keep_within_budget([e.cost for e in edits], self.budget)
        if drop == 0:
            return
        stack.clear()
        for edit in edits[drop:]:
            stack.push(EditCommand(edit, self._session, self._notify, done=True))

    def clear(self) -> None:
        for stack in self._stacks.values():
            self.group.removeStack(stack)
            stack.deleteLater()
        self._stacks.clear()
        self._recent.clear()
        self.changed.emit()
