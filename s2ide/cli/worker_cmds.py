"""Training on any machine of the team: `s2ide worker`, `s2ide jobs`, and `train` through the queue."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from s2ide.cli._common import acting_user, add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.errors import InvalidInputError
from s2ide.core.project import Project, TeamProject
from s2ide.core.review.users import Action, require
from s2ide.core.store.jobs import DEAD_AFTER_SECONDS, HEARTBEAT_SECONDS
from s2ide.core.tasks import TaskState


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="run the project's queued training and prediction jobs on this machine (Ctrl+C stops)",
        description="Claims queued jobs one at a time (several workers may serve a project), trains or predicts "
        "with this machine's CPU or GPU, and writes versions, weights and metrics back into the project. "
        "Needs an engineer's sign-in and this machine's mount of the media root (S2IDE_MEDIA_ROOT).",
    )
    add_project_arg(p)
    p.add_argument("--once", action="store_true", help="run at most one queued job, then stop")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where to train (default auto)")
    p.add_argument("--user", help="the engineer the worker runs as (default: the signed-in user / you)")
    p.add_argument("--poll", type=float, default=2.0, help="seconds between looks at an empty queue (default 2)")
    p.add_argument(
        "--stale-after",
        type=float,
        default=DEAD_AFTER_SECONDS,
        help="reclaim another worker's job after this many seconds without a heartbeat "
        f"(default {DEAD_AFTER_SECONDS:g})",
    )
    p.add_argument("--threads", type=int, default=0, help="CPU threads for training (default: every core)")
    p.add_argument("--heartbeat", type=float, default=HEARTBEAT_SECONDS, help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_worker)

    p = sub.add_parser("jobs", help="the project's job queue: queued, running and recent jobs, and live workers")
    add_project_arg(p)
    p.add_argument("--cancel", type=int, metavar="JOB", help="cancel a queued or running job")
    add_json_arg(p)
    p.set_defaults(run=cmd_jobs)


def cmd_worker(args: argparse.Namespace) -> int:
    from s2ide.ml.worker import Worker, WorkerOptions  # torch loads only in the worker's own process

    project = open_project(args.project)
    if isinstance(project, TeamProject):
        project.media_root()  # one clear line now rather than a failed job per image later
    user = acting_user(project, args.user, "running the worker")
    options = WorkerOptions(
        device=args.device,
        once=args.once,
        poll=args.poll,
        heartbeat=args.heartbeat,
        stale_after=args.stale_after,
        threads=max(0, args.threads),
    )
    worker = Worker(project, user, options, lambda text: print(text, file=sys.stderr, flush=True))
    signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
    print(f"worker {worker.name} serving {project.location} as {user} ({args.device})", file=sys.stderr, flush=True)
    try:
        ran = worker.run()
    except KeyboardInterrupt:
        worker.stop.set()
        ran = 0
    print(f"worker {worker.name} stopped after {ran} job(s)", file=sys.stderr, flush=True)
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    if args.cancel is not None:
        if project.is_team or store.users.list():
            require(store, acting_user(project, None, "cancelling a job"), Action.MANAGE_MODELS)
        job = store.jobs.request_cancel(args.cancel)
        print(f"job {job.id}: {'cancelled' if job.state == 'cancelled' else 'asked to stop'}", file=sys.stderr)
    jobs = [job.as_json() for job in store.jobs.recent(limit=50)]
    workers = [
        {"name": w.name, "device": w.device, "since": w.started_at, "heartbeat": w.heartbeat_at, "job": w.job_id}
        for w in store.jobs.live_workers()
    ]
    if args.json:
        print_json({"jobs": jobs, "workers": workers})
        return 0
    print_table(jobs, ["id", "kind", "state", "requested_by", "worker", "version", "error"])
    print(
        f"{len(workers)} live worker(s)" + "".join(f"\n  {w['name']} ({w['device']}) job {w['job']}" for w in workers)
    )
    return 0


def train_through_queue(project: Project, user: str, args: argparse.Namespace, say: Any) -> str | None:
    """Queue a training job and follow it to its end; the new version, or None when nothing was made.
    With no live worker the job is not queued unless --queue says so (a queue nobody serves waits forever)."""
    from s2ide.ml.remote_jobs import follow_job, live_worker_count, request_training

    if not live_worker_count(project) and not args.queue:
        raise InvalidInputError(
            f"no worker is running for {project.location}: start `s2ide worker {project.location}` on the machine "
            "that should train (the GPU box), or add --here to train on this machine, or --queue to leave the job "
            "queued for a worker that starts later"
        )
    job_id = request_training(project, user, args.epochs)
    if args.queue and not live_worker_count(project):
        say(f"job {job_id} queued; no worker is running yet")
        return None
    say(f"job {job_id} queued; following it (Ctrl+C asks the worker to stop)")

    def on_epoch(stats: Any) -> None:
        say(f"epoch {stats.epoch}/{stats.epochs}  loss {stats.train_loss:.4f}  ({stats.images_per_second:.0f} img/s)")

    state = TaskState()
    try:
        job = follow_job(project, job_id, state, on_epoch, lambda j: say(f"job {j.id}: restarted on {j.worker}"))
    except KeyboardInterrupt:
        state.cancel()
        follow_job(project, job_id, state)
        raise
    say(job.summary or "")
    return job.version
