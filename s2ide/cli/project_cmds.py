"""Commands over the project itself: gui, demo, init, import, users, stats, samples, label."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from s2ide.cli._common import (
    ProgressBar,
    add_json_arg,
    add_project_arg,
    open_project,
    print_json,
    print_table,
)
from s2ide.core.io.formats import IMPORTERS, read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import label_sample
from s2ide.core.project import TASKS, Project
from s2ide.core.review.users import add_user
from s2ide.core.store import SampleFilter
from s2ide.core.store.schema import ROLES, SPLITS, STATUSES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the app (no PROJECT: the last one, else the demo)")
    p.add_argument("project", nargs="?", type=Path, help="the project folder, or a folder of images (s2ide FOLDER)")
    p.set_defaults(run=cmd_gui)

    p = sub.add_parser("demo", help="build the bundled demo project and print its path")
    p.add_argument("dir", nargs="?", type=Path, help="where to build it (default: your data folder)")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("init", help="create a project")
    add_project_arg(p)
    p.add_argument("--labels", required=True, help="comma-separated label names, e.g. cat,dog")
    p.add_argument("--task", choices=TASKS, default="classify")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("import", help="import images (and labels) into a project")
    add_project_arg(p)
    p.add_argument("src", type=Path, help="a folder, or a labels file (csv, ...)")
    p.add_argument("--format", default="auto", choices=["auto", *IMPORTERS])
    p.add_argument("--split", choices=[s for s in SPLITS if s != "none"], help="split for new images")
    p.add_argument(
        "--unknown-labels",
        choices=["create", "skip"],
        default="create",
        help="labels the project lacks: create them (default) or skip those annotations",
    )
    p.add_argument(
        "--existing",
        choices=["merge", "replace", "skip"],
        default="merge",
        help="images that already have annotations: merge (default), replace or skip",
    )
    p.add_argument("--user", default="import", help="who the audit log names")
    add_json_arg(p)
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("users", help="list the project's users, or add one")
    add_project_arg(p)
    users_sub = p.add_subparsers(dest="users_command", metavar="add")
    add = users_sub.add_parser("add", help="add a user (or change their role)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--by", help="the lead or engineer adding them (needed once users exist)")
    add_json_arg(p)
    p.set_defaults(run=cmd_users)

    p = sub.add_parser("stats", help="counts by label, split, status, source; escalations by state")
    add_project_arg(p)
    add_json_arg(p)
    p.set_defaults(run=cmd_stats)

    p = sub.add_parser("samples", help="list samples: id, path, split, status, label")
    add_project_arg(p)
    p.add_argument("--split", choices=SPLITS)
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--label", help="only samples tagged with this label")
    p.add_argument("--search", help="only paths containing this text")
    add_json_arg(p)
    p.set_defaults(run=cmd_samples)

    p = sub.add_parser("label", help="tag a sample with a class")
    add_project_arg(p)
    p.add_argument("sample", help="a sample id or path")
    p.add_argument("label", help="a label name")
    p.add_argument("--user", required=True, help="who is labeling")
    add_json_arg(p)
    p.set_defaults(run=cmd_label)


def cmd_gui(args: argparse.Namespace) -> int:
    # Imported by name so the command line never loads Qt unless the app is opened.
    app = importlib.import_module("s2ide.ui.shell.app")
    return int(app.main([str(args.project)] if args.project else []))


def cmd_demo(args: argparse.Namespace) -> int:
    from s2ide.core.io.demo import build_demo  # numpy: kept off the path of every other command

    bar = ProgressBar("demo")
    try:
        project = build_demo(args.dir, bar.state())
    finally:
        bar.close()
    print(project.path)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    labels = [name for name in args.labels.split(",") if name.strip()]
    project = Project.create(args.project, labels, task=args.task)
    print(f"created {project.path} with labels {', '.join(labels) or '(none)'}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    plan = read_plan(args.src, args.format)
    bar = ProgressBar("import")
    options = ImportOptions(
        user=args.user, split=args.split, unknown_labels=args.unknown_labels, on_existing=args.existing
    )
    try:
        report = run_import(project, plan, options, bar.state())
    finally:
        bar.close()
    if args.json:
        print_json(
            {
                "imported": report.imported,
                "skipped": report.skipped,
                "already_present": report.already_present,
                "labels_set": report.labels_set,
                "annotations_added": report.annotations_added,
                "created_labels": report.created_labels,
            }
        )
    else:
        print(report.summary())
        for reason in report.skipped:
            print(f"  skipped: {reason}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    if args.users_command == "add":
        user = add_user(store, args.name, args.role, by=args.by)
        if not args.json:
            print(f"{user.name} is a {user.role}")
    users = [{"name": u.name, "role": u.role} for u in store.users.list()]
    if args.json:
        print_json(users)
    elif args.users_command != "add":
        print_table(users, ["name", "role"])
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    stats = project.store.stats.summary()
    if args.json:
        print_json(stats)
        return 0
    print(f"{project.name}: {stats['samples']} samples, {stats['annotations']} annotations")
    for title, key in (
        ("labels", "labels"),
        ("splits", "splits"),
        ("status", "status"),
        ("sources", "sources"),
        ("escalations", "escalations"),
    ):
        counts = stats[key]
        body = ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"
        print(f"  {title}: {body}")
    return 0


def sample_rows(project: Project, flt: SampleFilter) -> list[dict[str, Any]]:
    names = {label.id: label.name for label in project.store.labels.list()}
    return [
        {
            "id": r["id"],
            "path": r["path"],
            "split": r["split"],
            "status": r["status"],
            "label": names.get(r["label_id"]) if r["label_id"] is not None else None,
        }
        for r in project.store.samples.rows(flt)
    ]


def cmd_samples(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    label_id = project.store.labels.resolve(args.label).id if args.label else None
    rows = sample_rows(
        project, SampleFilter(split=args.split, status=args.status, label_id=label_id, search=args.search)
    )
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["id", "path", "split", "status", "label"])
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    sample, label = label_sample(project, args.sample, args.label, args.user)
    if args.json:
        print_json(
            {"id": sample.id, "path": sample.path, "split": sample.split, "status": sample.status, "label": label.name}
        )
    else:
        print(f"{sample.path}: {label.name}")
    return 0
