"""Train in a team project: the app queues the job, a worker (another machine) trains, and the
Training dock follows its epochs and shows the new version without any action in the app."""

from __future__ import annotations

import threading

import pytest

from s2ide.core.project import Project, TeamProject
from s2ide.ml.worker import Worker, WorkerOptions
from tests.ml.conftest import digits, digits_base  # noqa: F401  (fixtures)
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


@pytest.fixture
def team_digits(team_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    local = request.getfixturevalue("digits")
    local.close()
    team, _report = TeamProject.push(Project.open(local.path), team_url)
    monkeypatch.setenv("S2IDE_MEDIA_ROOT", str(local.path))
    team.close()
    return team_url


def _context(url: str):
    from s2ide.ui.shell.context import AppContext

    ctx = AppContext()
    ctx.open_project(url)
    return ctx


def test_train_in_a_team_project_runs_on_a_worker(qtbot, team_digits: str) -> None:
    from s2ide.ui.training.model_jobs import ModelJobs
    from s2ide.ui.training.worker_status import QtWorkerStatus

    ctx = _context(team_digits)
    jobs = ModelJobs(ctx)
    status = QtWorkerStatus(ctx)
    asked: list[bool] = []
    jobs.ask_without_worker = lambda: asked.append(True) or "queue"  # type: ignore[func-returns-value]
    epochs: list[int] = []
    jobs.epochDone.connect(lambda stats: epochs.append(stats.epoch))
    assert "No worker is running" in status.describe()
    assert jobs.start_training()
    assert asked == [True]  # no worker ran: the person was asked, and chose to queue
    qtbot.waitUntil(lambda: bool(ctx.store.jobs.recent(states=("queued",))), timeout=10_000)
    assert "waits for a worker" in status.describe()

    machine = TeamProject.open(team_digits)  # the GPU box: its own connection and signed-in user
    user = machine.signed_in_user or ""
    worker = Worker(
        machine, user, WorkerOptions(once=True, poll=0.1, heartbeat=0.2, stale_after=1.0, threads=1), lambda _: None
    )
    thread = threading.Thread(target=worker.run)
    thread.start()
    with qtbot.waitSignal(jobs.jobFinished, timeout=120_000) as finished:
        pass
    thread.join(30)
    machine.close()
    assert "trained by worker" in finished.args[0]
    assert epochs and epochs[0] == 1  # the dock's curve followed the worker's epochs
    active = ctx.store.models.active()
    assert active is not None and active.version in finished.args[0]
    status.deleteLater()
    ctx.close_project()


def test_no_worker_and_no_choice_trains_nowhere(qtbot, team_digits: str) -> None:
    from s2ide.ui.training.model_jobs import ModelJobs

    ctx = _context(team_digits)
    jobs = ModelJobs(ctx)
    jobs.ask_without_worker = lambda: None
    assert not jobs.start_training()
    assert ctx.store.jobs.recent() == [] and not jobs.running
    ctx.close_project()


def test_every_dock_draws_the_epochs_of_a_job_a_worker_runs(qtbot, project) -> None:
    """A colleague's app did not start the job: its worker line relays each epoch once, from the
    progress the worker writes, and starts over when the job restarts on another worker."""
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.training.worker_status import QtWorkerStatus

    ctx = AppContext()
    ctx.open_project(project.path)
    status = QtWorkerStatus(ctx)
    relayed: list[int] = []
    started: list[int] = []
    status.epochSeen.connect(lambda stats: relayed.append(stats.epoch))
    status.jobStarted.connect(started.append)
    store = project.store
    with store.transaction():
        job_id = store.jobs.enqueue("train", {}, "eng")
    store.jobs.claim("gpu:1")
    epoch = {"epochs": 3, "train_loss": 1.0, "train_accuracy": 0.5, "val_loss": None, "val_accuracy": None,
             "seconds": 0.1, "images_per_second": 100.0}  # fmt: skip
    store.jobs.heartbeat(job_id, "gpu:1", {"epochs": [{**epoch, "epoch": 1}, {**epoch, "epoch": 2}]})
    status.refresh()
    assert started == [job_id] and relayed == [1, 2] and "gpu:1 runs job" in status.text()
    store.jobs.heartbeat(job_id, "gpu:1", {"epochs": [{**epoch, "epoch": e} for e in (1, 2, 3)]})
    status.refresh()
    status.refresh()
    assert relayed == [1, 2, 3]
    status.deleteLater()
    ctx.close_project()
