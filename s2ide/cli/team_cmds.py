"""Commands for working beside others on one project: watch, next (DESIGN.md §4, wave 2)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from s2ide.cli._common import acting_user, add_json_arg, add_project_arg, open_project
from s2ide.core.engine.work_queue import DEFAULT_TTL_S, take_next
from s2ide.core.store.changes import ChangeEvent, ChangeFeed

POLL_S = 0.1  # PRAGMA data_version costs microseconds; 100 ms keeps a change well inside a second


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="print each change to the project as it is committed (Ctrl+C stops)")
    add_project_arg(p)
    add_json_arg(p)
    p.add_argument(
        "--for", dest="duration", type=float, help="stop after this many seconds (default: run until stopped)"
    )
    p.set_defaults(run=cmd_watch)

    p = sub.add_parser("next", help="take (lease) the next sample to label, one nobody else holds")
    add_project_arg(p)
    p.add_argument("--user", help="who takes it (default: your login name, when it is a project user)")
    p.add_argument("--ttl", type=float, default=DEFAULT_TTL_S, help="seconds the lease lasts (default 600)")
    add_json_arg(p)
    p.set_defaults(run=cmd_next)


def _line(event: ChangeEvent) -> str:
    where = f"{event.entity} {event.entity_id}" if event.entity_id is not None else event.entity
    sample = f" (sample {event.sample_id})" if event.sample_id is not None and event.entity != "sample" else ""
    return f"{event.at}  {event.user}  {event.action}  {where}{sample}"


def cmd_watch(args: argparse.Namespace) -> int:
    """Changes committed after the command started, one line each, flushed at once for pipes."""
    project = open_project(args.project)
    feed = ChangeFeed(project.store)
    deadline = None if args.duration is None else time.monotonic() + args.duration
    try:
        while deadline is None or time.monotonic() < deadline:
            events = feed.poll()
            while events:
                for event in events:
                    sys.stdout.write((json.dumps(event.as_json()) if args.json else _line(event)) + "\n")
                sys.stdout.flush()
                events = feed.events()  # more than one batch committed at once
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        pass
    finally:
        feed.close()
        project.close()
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    try:
        user = acting_user(project, args.user, "taking the next sample")
        lease = take_next(project.store, user, args.ttl)
    finally:
        project.close()
    if args.json:
        print(json.dumps(lease.as_json() if lease else None))
    elif lease is None:
        print("nothing left to label")
    else:
        print(f"{lease.sample_id}  {lease.path}  (yours until {lease.expires_at})")
    return 0
