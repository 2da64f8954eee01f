"""`s2ide worker`: queued jobs are claimed once, trained, followed, reclaimed when a worker dies."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from s2ide.core.errors import Cancelled
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ml.remote_jobs import follow_job, request_training
from s2ide.ml.worker import Worker, WorkerOptions

QUICK = WorkerOptions(once=True, poll=0.1, heartbeat=0.2, stale_after=1.0, threads=1)


def _worker(project: Project, options: WorkerOptions = QUICK, user: str = "eng") -> Worker:
    return Worker(project, user, options, lambda _text: None)


def test_a_queued_job_is_trained_and_followed(digits: Project) -> None:
    job_id = request_training(digits, "eng", epochs=3)
    assert digits.store.jobs.get(job_id).state == "queued"
    seen: list[int] = []
    followed: dict[str, object] = {}

    def follow() -> None:
        followed["job"] = follow_job(digits, job_id, TaskState(), lambda stats: seen.append(stats.epoch), poll=0.05)

    thread = threading.Thread(target=follow)
    thread.start()
    assert _worker(digits).run() == 1
    thread.join(30)
    job = digits.store.jobs.get(job_id)
    assert job.state == "done" and job.version is not None and job.worker and job.finished_at
    model = digits.store.models.get(job.version)
    assert model.state == "active" and job.summary and model.version in job.summary
    assert len(job.progress["epochs"]) >= 3  # the held-out check may add its own epochs
    assert seen[:3] == [1, 2, 3] and followed["job"] == job
    assert digits.store.jobs.live_workers() == []  # a stopped worker takes its stamp with it


def test_no_two_workers_claim_one_job(any_project: Project) -> None:
    store = any_project.store
    with store.transaction():
        ids = [store.jobs.enqueue("predict", {"n": n}, "eng") for n in range(12)]
    claimed: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        own = any_project.connect()
        try:
            while (job := own.jobs.claim(name)) is not None:
                with lock:
                    claimed.append(job.id)
        finally:
            own.close()

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(claimed) == ids
    assert {job.state for job in store.jobs.recent()} == {"running"}


def test_cancel_stops_a_queued_job_at_once(digits: Project) -> None:
    job_id = request_training(digits, "eng")
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        follow_job(digits, job_id, state, poll=0.01)
    assert digits.store.jobs.get(job_id).state == "cancelled"
    assert _worker(digits).run() == 0  # nothing left to claim


def test_a_failing_job_fails_with_its_reason_and_the_worker_goes_on(digits: Project) -> None:
    with digits.store.transaction():
        bad = digits.store.jobs.enqueue("predict", {"version": "v99"}, "eng")
    assert _worker(digits).run() == 1
    job = digits.store.jobs.get(bad)
    assert job.state == "failed" and "v99" in (job.error or "")


def test_a_labeler_cannot_run_a_worker(digits: Project) -> None:
    from s2ide.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _worker(digits, user="lara")


def test_a_killed_worker_s_job_is_reclaimed_and_finished(digits: Project) -> None:
    """SIGKILL mid-training: the next worker queues the job again, marks the half-made version
    failed (never active) and trains it to the end."""
    job_id = request_training(digits, "eng", epochs=400)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-m", "s2ide", "worker", str(digits.path), "--user", "eng", "--once", "--heartbeat", "0.2",
         "--stale-after", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = digits.store.jobs.get(job_id)
            if job.state not in ("queued", "running") or job.progress.get("epochs"):
                break
            time.sleep(0.1)
        assert job.state == "running" and job.progress.get("epochs"), job
        half_made = [m.version for m in digits.store.models.list(states=("training",))]
        assert half_made
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    with digits.store.transaction():  # the next run of the job needs fewer epochs, to keep the test short
        digits.store.conn.execute("UPDATE jobs SET params = '{\"epochs\": 2}' WHERE id = ?", (job_id,))
    time.sleep(1.2)  # the dead worker's heartbeat goes stale
    assert _worker(digits).run() == 1
    job = digits.store.jobs.get(job_id)
    assert job.state == "done" and job.attempts == 2 and job.version not in half_made
    for version in half_made:
        assert digits.store.models.get(version).state == "failed"
    assert digits.store.models.active().version == job.version


def test_a_team_worker_keeps_weights_in_the_database(team_url: str, digits: Project, monkeypatch) -> None:
    """A version trained by a worker on one machine loads on another: its weights come from the
    database into that machine's cache, checked against their sha256."""
    from s2ide.core.project import TeamProject
    from s2ide.ml.registry import weights_path

    digits.close()
    team, _report = TeamProject.push(Project.open(digits.path), team_url)
    monkeypatch.setenv("S2IDE_MEDIA_ROOT", str(digits.path))
    job_id = request_training(team, team.signed_in_user or "", epochs=2)
    assert _worker(team, user=team.signed_in_user or "").run() == 1
    job = team.store.jobs.get(job_id)
    assert job.state == "done", job.error
    model = team.store.models.get(job.version or "")
    local = weights_path(team, model)
    sha = hashlib.sha256(local.read_bytes()).hexdigest()
    assert team.store.model_weights.checksum(model.version) == sha
    local.unlink()  # another machine: nothing in its cache yet
    assert hashlib.sha256(weights_path(team, model).read_bytes()).hexdigest() == sha
    local.write_bytes(b"not these weights")  # a stale copy of another project is replaced
    assert hashlib.sha256(weights_path(team, model).read_bytes()).hexdigest() == sha
    team.close()
