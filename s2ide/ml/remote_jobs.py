"""Asking `s2ide worker` to train, and following the job from the app or the command line.

This side imports no torch: the app's Training dock and `s2ide train URL` only write a row in
the job queue and read the progress the worker writes back (per-epoch stats, the version it
made, or why it failed), so a labeler's laptop never trains when the team has a GPU machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from s2ide.core.errors import Cancelled, S2Error
from s2ide.core.project import Project
from s2ide.core.store.jobs import Job
from s2ide.core.tasks import TaskState
from s2ide.ml.results import EpochStats

FOLLOW_POLL_SECONDS = 0.25
_EPOCH_FIELDS = {f.name for f in fields(EpochStats)}


class RemoteJobFailed(S2Error):
    """The worker could not finish the job: the message is its one-line reason."""


def request_training(project: Project, user: str, epochs: int | None = None) -> int:
    """Queue a training job (the worker predicts with the new version when it goes active)."""
    store = project.connect()
    try:
        params: dict[str, Any] = {} if epochs is None else {"epochs": epochs}
        with store.transaction():
            job_id = store.jobs.enqueue("train", params, user)
            store.audit.record(user, "train requested", "job", str(job_id), None, {"kind": "train", **params})
        return job_id
    finally:
        store.close()


def request_prediction(project: Project, user: str, version: str | None) -> int:
    store = project.connect()
    try:
        with store.transaction():
            job_id = store.jobs.enqueue("predict", {"version": version}, user)
            store.audit.record(user, "predict requested", "job", str(job_id), None, {"version": version})
        return job_id
    finally:
        store.close()


def live_worker_count(project: Project) -> int:
    return len(project.store.jobs.live_workers())


def epoch_stats(entry: dict[str, Any]) -> EpochStats:
    return EpochStats(**{k: v for k, v in entry.items() if k in _EPOCH_FIELDS})


def follow_job(
    project: Project,
    job_id: int,
    state: TaskState,
    on_epoch: Callable[[EpochStats], None] | None = None,
    on_restart: Callable[[Job], None] | None = None,
    poll: float = FOLLOW_POLL_SECONDS,
) -> Job:
    """Wait for a job to end, relaying its epochs and progress; a cancel asks the worker to stop
    (a queued job is cancelled at once). Raises Cancelled or RemoteJobFailed when it ends so."""
    store = project.connect()
    try:
        seen, attempts, cancel_sent = 0, 0, False
        while True:
            job = store.jobs.get(job_id)
            if job.attempts != attempts:
                if attempts and on_restart is not None:
                    on_restart(job)  # its first worker stopped; another took it from the start
                attempts, seen = job.attempts, 0
            epochs = job.progress.get("epochs") or []
            for entry in epochs[seen:]:
                if on_epoch is not None:
                    on_epoch(epoch_stats(entry))
            seen = max(seen, len(epochs))
            progress = job.progress
            if "total" in progress:
                state.report(int(progress.get("done", 0)), int(progress["total"]), str(progress.get("message", "")))
            if job.finished:
                break
            if state.cancelled and not cancel_sent:
                store.jobs.request_cancel(job_id)
                cancel_sent = True
            time.sleep(poll)
    finally:
        store.close()
    if job.state == "cancelled":
        raise Cancelled()
    if job.state == "failed":
        raise RemoteJobFailed(job.error or "the worker could not finish the job")
    return job
