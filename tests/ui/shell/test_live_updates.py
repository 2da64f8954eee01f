"""The open window shows what another connection commits, with no user action."""

from __future__ import annotations

from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_a_label_from_another_process_shows_in_the_gallery_and_counts(qtbot, window) -> None:
    ctx = window.context
    ids = ctx.store.samples.ids()
    set_tag(ctx.store, ids[0], None, "lara")
    ctx.samplesChanged.emit()
    panel = window.foundation.labels
    dog = ctx.store.labels.by_name("dog")
    before = panel.count_of(dog.id)
    counts_before = window.foundation.counts.text()
    other = Project.open(ctx.project.path)
    try:
        set_tag(other.store, ids[0], dog.id, "leo")  # as `s2ide label` in another process would
    finally:
        other.close()
    qtbot.waitUntil(lambda: panel.count_of(dog.id) == before + 1, timeout=2000)
    qtbot.waitUntil(lambda: window.foundation.counts.text() != counts_before, timeout=2000)


def test_someone_elses_change_to_the_open_sample_is_announced_by_name(qtbot, window) -> None:
    ctx = window.context
    sample_id = ctx.store.samples.ids()[2]
    ctx.open_sample(sample_id)
    messages: list[str] = []
    ctx.statusMessage.connect(lambda text, _ms: messages.append(text))
    other = Project.open(ctx.project.path)
    try:
        set_tag(other.store, sample_id, other.store.labels.by_name("cat").id, "leo")
    finally:
        other.close()
    qtbot.waitUntil(lambda: any("changed by leo" in m for m in messages), timeout=2000)


def test_a_new_model_version_reaches_the_open_window(qtbot, window) -> None:
    from s2ide.core.store.models import NewModel

    ctx = window.context
    seen: list[bool] = []
    ctx.modelsChanged.connect(lambda: seen.append(True))
    other = Project.open(ctx.project.path)
    try:
        with other.store.transaction():
            row = other.store.models.add(NewModel(task="classify", architecture="test"))
            other.store.audit.record("eng", "train", "model", row.version, None, {"state": "training"})
    finally:
        other.close()
    qtbot.waitUntil(lambda: bool(seen), timeout=2000)
