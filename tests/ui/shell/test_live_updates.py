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


def test_next_skips_a_sample_another_labeler_holds_and_leases_its_choice(qtbot, window) -> None:
    from s2ide.core.engine.work_queue import hold, holders
    from s2ide.core.review.users import add_user

    ctx = window.context
    ids = ctx.store.samples.ids()
    for sample_id in ids[:4]:
        set_tag(ctx.store, sample_id, None, "lara")
    add_user(ctx.store, "lara2", "labeler", by="eng")
    ctx.samplesChanged.emit()
    other = Project.open(ctx.project.path)
    try:
        assert hold(other.store, ids[1], "lara2")  # a colleague has ids[1] open
    finally:
        other.close()
    ctx.open_sample(ids[0])
    assert ctx.next_sample() == ids[2]
    held = {sample: holder for sample, holder, _t, _e in holders(ctx.store)}
    assert held == {ids[1]: "lara2", ids[2]: "lara"}
    ctx.open_sample(ids[3])  # leaving the sample gives it back
    assert {sample: holder for sample, holder, _t, _e in holders(ctx.store)} == {ids[1]: "lara2"}


def test_the_team_dashboard_follows_another_persons_labels(qtbot, filled_project) -> None:
    from tests.ui.conftest import open_window

    windows = open_window(qtbot, filled_project, user="leo")  # a lead
    window = next(windows)
    try:
        dashboard = window.team_dashboard
        menu = window.menu("&Review")
        next(a for a in menu.actions() if a.text() == "Team dashboard").trigger()
        qtbot.waitUntil(dashboard.isVisible, timeout=2000)
        rows = lambda: {r.user: r for r in dashboard.model.rows}  # noqa: E731
        before = rows()["lara"].labels_today
        other = Project.open(filled_project.path)
        try:
            set_tag(other.store, other.store.samples.ids()[0], other.store.labels.by_name("dog").id, "lara")
        finally:
            other.close()
        qtbot.waitUntil(lambda: rows()["lara"].labels_today == before + 1 and rows()["lara"].active_now, timeout=3000)
        assert "active now" in dashboard.status.text()
        # who holds what: lara's Next lease shows in her row within the dashboard's lease refresh
        from s2ide.core.engine.work_queue import take_next
        from s2ide.ui.review.team_dashboard import HOLDING

        other = Project.open(filled_project.path)
        try:
            set_tag(other.store, other.store.samples.ids()[1], None, "lara")  # one sample left to label
            lease = take_next(other.store, "lara", 600)
        finally:
            other.close()
        assert lease is not None
        lara_row = lambda: list(rows()).index("lara")  # noqa: E731
        cell = lambda: dashboard.model.index(lara_row(), HOLDING).data()  # noqa: E731
        qtbot.waitUntil(lambda: cell() == f"#{lease.sample_id}", timeout=7000)
        assert "1 samples held" in dashboard.status.text()
    finally:
        next(windows, None)


def test_on_a_team_project_a_colleagues_label_arrives_by_notify(qtbot, team_project, team_url) -> None:
    """PostgreSQL: the watcher sleeps on the NOTIFY socket (its timer is only a slow backup), and
    a label committed by another connection reaches the context's signals within a second."""
    import time

    from s2ide.ui.shell.change_watcher import BACKUP_POLL_MS, ChangeWatcher
    from s2ide.ui.shell.context import AppContext

    with team_project.store.transaction():
        sample_id = team_project.store.samples.add("a.png", "sha-a", 4, 4)
    ctx = AppContext()
    ctx.open_project(team_url)
    watcher = ChangeWatcher(ctx)
    assert watcher.notifier is not None and watcher.timer.interval() == BACKUP_POLL_MS
    other = Project.open(team_url)
    try:
        with qtbot.waitSignal(ctx.annotationsChanged, timeout=1000) as changed:
            started = time.perf_counter()
            set_tag(other.store, sample_id, other.store.labels.by_name("cat").id, other.signed_in_user)
        latency = time.perf_counter() - started
    finally:
        other.close()
    assert changed.args == [sample_id] and latency < BACKUP_POLL_MS / 1000  # woken by NOTIFY, not the timer
    ctx.close_project()
    ctx.projectChanged.emit()


def test_a_dropped_server_connection_is_said_and_retried(qtbot, team_project, team_url, pg_cluster) -> None:
    """The server drops every connection (a restart): the status bar says so and that it retries;
    the watcher reconnects on its own, says so, and reloads what others did meanwhile."""
    from s2ide.ui.shell.change_watcher import ChangeWatcher
    from s2ide.ui.shell.context import AppContext

    ctx = AppContext()
    ctx.open_project(team_url)
    watcher = ChangeWatcher(ctx)
    messages: list[str] = []
    ctx.statusMessage.connect(lambda text, _ms: messages.append(text))
    states: list[bool] = []
    watcher.connectionChanged.connect(states.append)
    reloaded: list[bool] = []
    ctx.samplesChanged.connect(lambda: reloaded.append(True))
    database = team_url.rsplit("/", 1)[1]
    with pg_cluster.admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
    qtbot.waitUntil(lambda: False in states, timeout=5000)  # the socket notifier or the backup timer notices
    assert states[0] is False
    assert any("lost the connection" in m and "Retrying" in m for m in messages)
    qtbot.waitUntil(lambda: states == [False, True], timeout=8000)
    assert watcher.lost is None and reloaded and any(m.startswith("Reconnected") for m in messages)
    ctx.close_project()
    ctx.projectChanged.emit()
