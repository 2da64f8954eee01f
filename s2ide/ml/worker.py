"""`s2ide worker`: run a project's queued training and prediction jobs on this machine.

A worker claims one job at a time (several workers may serve one project), trains or predicts
in its own process with the same code path as `s2ide train`, and writes the progress, the
version and its weights back into the project. A second thread refreshes the worker's stamp and
the job's heartbeat every few seconds with its own connection; a job whose heartbeat stops (the
worker was killed, its machine lost power) is queued again by the next worker that looks, and
the version it was training is marked failed, never left half-made or active.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.errors import Cancelled, S2Error
from s2ide.core.project import Project
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.jobs import DEAD_AFTER_SECONDS, HEARTBEAT_SECONDS, Job
from s2ide.core.tasks import Progress, TaskState
from s2ide.ml.results import EpochStats

Say = Callable[[str], None]
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class WorkerOptions:
    device: str = "auto"
    once: bool = False  # run at most one job (waiting for one when the queue is empty: no)
    poll: float = 2.0  # seconds between looks at an empty queue
    heartbeat: float = HEARTBEAT_SECONDS
    stale_after: float = DEAD_AFTER_SECONDS  # another worker's job with a heartbeat this old is reclaimed
    threads: int = 0  # torch threads; 0: every core


class Worker:
    def __init__(self, project: Project, user: str, options: WorkerOptions, say: Say) -> None:
        if options.device not in DEVICES:
            raise S2Error(f"unknown device {options.device!r} (use one of {', '.join(DEVICES)})")
        if options.stale_after <= options.heartbeat * 2:
            raise S2Error("--stale-after must be more than twice the heartbeat interval")
        self.project = project
        self.user = user
        self.options = options
        self.say = say
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()
        self.store = project.connect()
        require(self.store, user, Action.MANAGE_MODELS)  # a worker writes model versions: an engineer's

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> int:
        """Serve the queue until stopped (or one job with --once); returns the number of jobs run."""
        ran = 0
        try:
            while not self.stop.is_set():
                self._stamp(None)
                self.reclaim()
                job = self.store.jobs.claim(self.name)
                if job is None:
                    if self.options.once:
                        break
                    self.stop.wait(self.options.poll)
                    continue
                self.run_job(job)
                ran += 1
                if self.options.once:
                    break
        finally:
            try:
                self.store.jobs.remove_worker(self.name)
            except S2Error:
                pass
            self.store.close()
        return ran

    def _stamp(self, job_id: int | None) -> None:
        self.store.jobs.stamp_worker(self.name, socket.gethostname(), os.getpid(), self.options.device, job_id)

    def reclaim(self) -> list[Job]:
        """Queue again the jobs of workers that stopped beating; fail the versions they left."""
        store = self.store
        with store.transaction():
            stale = store.jobs.reclaim_stale(store.jobs.ago(self.options.stale_after))
            for job in stale:
                for version in _versions_left_by(store, job):
                    store.models.update(version, state="failed", metrics={"error": f"its worker {job.worker} stopped"})
                    store.audit.record(self.user, "train failed", "model", version, {"state": "training"},
                                       {"error": f"worker {job.worker} stopped", "job": job.id})  # fmt: skip
        for job in stale:
            self.say(f"job {job.id}: its worker {job.worker} stopped; queued again")
        return stale

    # -- one job --------------------------------------------------------------------------------
    def run_job(self, job: Job) -> None:
        self.say(f"job {job.id}: {job.kind} for {job.requested_by}")
        self._stamp(job.id)
        state = TaskState(self._progress_writer(job), min_interval=1.0)
        beat = threading.Thread(target=self._beat, args=(job, state), name=f"heartbeat-{job.id}", daemon=True)
        done = threading.Event()
        self._beating = done
        beat.start()
        try:
            summary, version = self._execute(job, state)
        except Cancelled:
            self._finish(job, "cancelled", "cancelled; the active model is unchanged", None)
            self.say(f"job {job.id}: cancelled")
        except S2Error as exc:
            self._finish(job, "failed", None, str(exc))
            self.say(f"job {job.id}: failed: {exc}")
        except Exception as exc:  # a bug or a driver error: the job fails with its reason, the worker goes on
            self._finish(job, "failed", None, f"{type(exc).__name__}: {exc}")
            self.say(f"job {job.id}: failed: {type(exc).__name__}: {exc}")
        else:
            with self.store.transaction():
                if version:
                    self.store.jobs.set_version(job.id, version)
                self._finish(job, "done", summary, None)
            self.say(f"job {job.id}: {summary}")
        finally:
            done.set()
            beat.join()

    def _finish(self, job: Job, state: str, summary: str | None, error: str | None) -> None:
        if not self.store.jobs.finish(job.id, self.name, state, summary, error):
            self.say(f"job {job.id}: another worker took it over while this one stalled; its result is not kept")

    def _execute(self, job: Job, state: TaskState) -> tuple[str, str | None]:
        threads = self.options.threads or max(1, os.cpu_count() or 1)
        if job.kind == "predict":
            from s2ide.ml.predict import predict

            predicted = predict(self.project, job.params.get("version"), state, threads=threads)
            return f"{predicted.version} predicted {predicted.count} samples", predicted.version
        from s2ide.core.engine.headline import metric_headline
        from s2ide.ml.loop import retrain

        config = load_train_config(self.store)
        config.device = self.options.device
        config.threads = threads
        if job.params.get("epochs"):
            config.epochs = int(job.params["epochs"])
        epochs: list[dict[str, Any]] = []

        def on_epoch(stats: EpochStats) -> None:
            epochs.append(dict(stats.__dict__))
            self._progress["epochs"] = epochs
            self._write_progress(job, force=True)

        result = retrain(self.project, config, state, on_epoch=on_epoch, user=self.user)
        model = result.training.model
        text = (
            f"{model.version}: {metric_headline(model.metrics)} on {model.trained_on} labels; {result.training.reason}"
        )
        if result.prediction is not None:
            text += f"; predicted {result.prediction.count} samples"
        return text, model.version

    # -- progress and heartbeats ------------------------------------------------------------------
    def _progress_writer(self, job: Job) -> Callable[[Progress], None]:
        self._progress: dict[str, Any] = {}

        def on_progress(progress: Progress) -> None:
            self._progress.update(done=progress.done, total=progress.total, message=progress.message)
            self._write_progress(job)

        return on_progress

    def _write_progress(self, job: Job, force: bool = False) -> None:
        del force  # every call writes: TaskState already throttles plain progress to once a second
        try:
            self.store.jobs.heartbeat(job.id, self.name, dict(self._progress))
        except S2Error as exc:  # a dropped connection: the heartbeat thread keeps the job alive
            self.say(f"job {job.id}: progress not written ({exc})")

    def _beat(self, job: Job, state: TaskState) -> None:
        """Keep the job and the worker stamped; stop the run when the job was cancelled or taken over."""
        store = self.project.connect()
        try:
            while not self._beating.wait(self.options.heartbeat):
                try:
                    mine = store.jobs.heartbeat(job.id, self.name)
                    store.jobs.stamp_worker(self.name, socket.gethostname(), os.getpid(), self.options.device, job.id)
                    if not mine or store.jobs.get(job.id).cancel_requested:
                        state.cancel()
                except S2Error as exc:
                    self.say(f"heartbeat: {exc}")
                    time.sleep(self.options.heartbeat)
        finally:
            store.close()


def _versions_left_by(store: Store, job: Job) -> list[str]:
    """Versions still 'training' whose run was stamped by the job's (dead) worker process."""
    host, _, pid = (job.worker or "").rpartition(":")
    left = []
    for model in store.models.list(states=("training",)):
        owner = model.metrics.get("owner")
        if isinstance(owner, dict) and owner.get("host") == host and str(owner.get("pid")) == pid:
            left.append(model.version)
    return left
