"""Commands of detect and segment projects: mark-done (what Enter and N do in the app) and
prelabels (acceptance of the model's suggested shapes per labeler and model version)."""

from __future__ import annotations

import argparse

from s2ide.cli._common import add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.engine.ml_settings import load_loop_settings
from s2ide.core.labeling.done import mark_done
from s2ide.core.labeling.tags import find_sample
from s2ide.core.labeling.time_telemetry import prelabel_time


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

    p = sub.add_parser(
        "prelabels", help="detect/segment projects: how often pre-labels were accepted, per labeler and model version"
    )
    add_project_arg(p)
    add_json_arg(p)
    p.set_defaults(run=cmd_prelabels)


def cmd_mark_done(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    sample = find_sample(project, args.sample)
    threshold = load_loop_settings(store).confidence_threshold
    before = mark_done(store, sample.id, args.user, empty=args.empty, threshold=threshold)
    after = store.samples.get(sample.id)
    if args.json:
        print_json({"id": after.id, "path": after.path, "status": after.status, "before": before, "empty": args.empty})
    else:
        print(f"{after.path}: done{' (no objects)' if args.empty else ''}")
    return 0


def cmd_prelabels(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    rows = project.store.prelabel_outcomes.rates()
    saved = {(row["labeler"], row["model_version"]): row for row in prelabel_time(project.store)}
    time_keys = (
        "seconds_per_shape",
        "baseline_seconds_per_shape",
        "seconds_saved_per_shape",
        "seconds_saved_per_image",
    )
    for row in rows:  # beside each rate, the time the version's pre-labels saved that labeler
        found = saved.get((row["labeler"], row["model_version"]), {})
        row.update({key: found.get(key) for key in time_keys})
    if args.json:
        print_json(rows)
    else:
        columns = ["labeler", "model_version", "shown", "accepted", "edited", "rejected", "acceptance_rate"]
        print_table(rows, [*columns, "edited_mean_iou", "seconds_saved_per_shape", "seconds_saved_per_image"])
    return 0
