"""Commands of detect and segment projects: mark-done (what Enter and N do in the app)."""

from __future__ import annotations

import argparse

from s2ide.cli._common import add_json_arg, add_project_arg, open_project, print_json
from s2ide.core.labeling.done import mark_done
from s2ide.core.labeling.tags import find_sample


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mark-done", help="detect/segment projects: the sample is done (all objects drawn), or has no objects"
    )
    add_project_arg(p)
    p.add_argument("sample", help="a sample id or path")
    p.add_argument("--empty", action="store_true", help="the sample has no objects (done, empty)")
    p.add_argument("--user", required=True, help="who is labeling")
    add_json_arg(p)
    p.set_defaults(run=cmd_mark_done)


def cmd_mark_done(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    sample = find_sample(project, args.sample)
    before = mark_done(store, sample.id, args.user, empty=args.empty)
    after = store.samples.get(sample.id)
    if args.json:
        print_json({"id": after.id, "path": after.path, "status": after.status, "before": before, "empty": args.empty})
    else:
        print(f"{after.path}: done{' (no objects)' if args.empty else ''}")
    return 0
