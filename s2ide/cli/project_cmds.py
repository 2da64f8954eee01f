"""Commands over the project itself: gui, demo, init, import, users, stats, samples, label."""

from __future__ import annotations

import argparse
import importlib
import os
from pathlib import Path
from typing import Any

from s2ide.cli._common import (
    ProgressBar,
    acting_user,
    add_json_arg,
    add_project_arg,
    open_project,
    print_json,
    print_table,
    project_has_users,
)
from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.io.formats import IMPORTERS, read_plan
from s2ide.core.io.formats.base import ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.labeling.tags import label_sample
from s2ide.core.labeling.time_telemetry import prelabel_time, prelabel_time_line
from s2ide.core.project import TASKS, Project, TeamProject, os_user
from s2ide.core.review.users import Action, add_user, can, require, require_user
from s2ide.core.store import SampleFilter
from s2ide.core.store.postgres import is_url
from s2ide.core.store.schema import ROLES, SPLITS, STATUSES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the app (no PROJECT: the last one, else the demo)")
    p.add_argument(
        "project", nargs="?", help="the project folder, a folder of images (s2ide FOLDER) or a postgresql:// URL"
    )
    p.set_defaults(run=cmd_gui)

    p = sub.add_parser(
        "self-test",
        help="check this installation end to end: open the app offscreen on a new demo, tag, train one epoch, export",
    )
    p.add_argument("dir", nargs="?", type=Path, help="where to work (default: a temporary folder, removed after)")
    p.set_defaults(run=cmd_self_test)

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
    p.add_argument("--user", help="who is importing (default: the OS user when a project user; a team project's: you)")
    p.add_argument(
        "--no-mark-done",
        dest="mark_done",
        action="store_false",
        help="detect/segment projects: leave images that receive shapes unlabeled (default: mark them done)",
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("users", help="list the project's users, or add one")
    add_project_arg(p)
    users_sub = p.add_subparsers(dest="users_command", metavar="add")
    add = users_sub.add_parser("add", help="add a user (or change their role)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--by", help="the lead or engineer adding them (needed once users exist, locally)")
    add.add_argument(
        "--password-file", type=Path, help="team projects: a file holding the new login's password (first line)"
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_users)

    p = sub.add_parser("push", help="copy a local project onto a PostgreSQL server (one transaction)")
    p.add_argument("local", type=Path, help="the local project folder (only read)")
    p.add_argument("url", help="postgresql://HOST:PORT/DB: an empty database; you become the project's owner")
    p.add_argument(
        "--map-user",
        action="append",
        default=[],
        metavar="LOCAL=LOGIN",
        help="push the local user LOCAL as the database login LOGIN (repeat for each person)",
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_push)

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
    p.add_argument("--user", help="who is labeling (default: you, on a team project; the OS user locally)")
    add_json_arg(p)
    p.set_defaults(run=cmd_label)


def cmd_gui(args: argparse.Namespace) -> int:
    # Imported by name so the command line never loads Qt unless the app is opened.
    app = importlib.import_module("s2ide.ui.shell.app")
    return int(app.main([str(args.project)] if args.project else []))


def cmd_self_test(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a check, not a session: no window on screen
    self_test = importlib.import_module("s2ide.ui.shell.self_test")
    return int(self_test.main(str(args.dir) if args.dir else None))


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
    project = Project.create(args.project, labels, task=args.task, owner=os_user())
    print(f"created {project.location} with labels {', '.join(labels) or '(none)'}")
    return 0


def _import_user(project: Project, args: argparse.Namespace, plan: ImportPlan) -> str:
    """Once a project has users, an import is someone's: labeler for new samples and their tags, lead to
    replace others' annotations or to create labels."""
    if not project_has_users(project) and not project.is_team:
        return args.user or "import"
    name = acting_user(project, args.user, "importing")
    require(project.store, name, Action.LABEL)
    known = {label.name for label in project.store.labels.list()}
    if args.existing == "replace":
        require(project.store, name, Action.EDIT_LABELS)
    if args.unknown_labels == "create" and plan.label_names - known:
        missing = ", ".join(sorted(plan.label_names - known)[:5])
        user = require_user(project.store, name)
        if not can(user.role, Action.EDIT_LABELS):
            raise PermissionDenied(
                f"{name} is a {user.role} and may not create labels ({missing}); "
                "ask a lead, or use --unknown-labels skip"
            )
    return name


def cmd_import(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    plan = read_plan(args.src, args.format)
    user = _import_user(project, args, plan)
    if isinstance(project, TeamProject):
        project.media_root()  # a missing mapping is one clear line before any work starts
    bar = ProgressBar("import")
    options = ImportOptions(
        user=user,
        split=args.split,
        unknown_labels=args.unknown_labels,
        on_existing=args.existing,
        mark_done=args.mark_done,
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
                "format": plan.format,
                "layout": plan.layout or plan.format,
                "annotations": report.accounting(),
            }
        )
    else:
        print(f"read {plan.layout or plan.format}")
        print(report.summary())
        for reason in report.skipped:
            print(f"  skipped: {reason}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    if args.users_command == "add":
        password = _read_password(args.password_file) if args.password_file else None
        if project.is_team:  # without --password-file the login signs in another way (certificate, peer, ...)
            by = acting_user(project, args.by, "adding users")
        else:
            if password is not None:
                raise InvalidInputError("--password-file is for team projects; a local project has no sign-in")
            by = args.by
            if by is None and project_has_users(project):
                raise InvalidInputError("this project has users: say who is adding (--by NAME, a lead or engineer)")
        user = add_user(store, args.name, args.role, by=by, password=password)
        if not args.json:
            print(f"{user.name} is a {user.role}")
    users = [{"name": u.name, "role": u.role} for u in store.users.list()]
    if args.json:
        print_json(users)
    elif args.users_command != "add":
        print_table(users, ["name", "role"])
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    if not is_url(args.url):
        raise InvalidInputError(f"{args.url}: push copies onto a team project; give a postgresql:// URL")
    local = open_project(args.local)
    if local.is_team:
        raise InvalidInputError(f"{args.local}: push copies a local project folder")
    user_map: dict[str, str] = {}
    for pair in args.map_user:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInputError(f"--map-user {pair!r}: write LOCAL=LOGIN, e.g. ada=ada_lovelace")
        user_map[old.strip()] = new.strip()
    team, report = TeamProject.push(local, args.url, user_map)
    if args.json:
        print_json(
            {
                "url": team.location,
                "rows": report.rows,
                "users_granted": report.users_granted,
                "users_without_login": report.users_without_login,
            }
        )
        return 0
    print(f"{report.summary()} to {team.location}")
    if report.users_granted:
        print(f"  users with a database login, granted their role: {', '.join(report.users_granted)}")
    if report.users_without_login:
        print(
            "  users with no database login yet (their names stay on their work): "
            f"{', '.join(report.users_without_login)}; add each with `s2ide users URL add NAME --role ROLE`"
        )
    print("  model weights stay in the local models/ folder: retrain on the team project, or copy them by hand")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    stats = project.store.stats.summary()
    if is_shape_task(project.task):  # time saved by pre-labels, per labeler and model version
        stats["prelabel_time"] = prelabel_time(project.store)
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
    for row in stats.get("prelabel_time", []):
        print(f"  {prelabel_time_line(row)}")
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


def _read_password(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read the password file ({exc.strerror})") from exc
    password = text.splitlines()[0].strip() if text.strip() else ""
    if not password:
        raise InvalidInputError(f"{path}: the password file is empty")
    return password


def cmd_label(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    sample, label = label_sample(project, args.sample, args.label, acting_user(project, args.user, "labeling"))
    if args.json:
        print_json(
            {"id": sample.id, "path": sample.path, "split": sample.split, "status": sample.status, "label": label.name}
        )
    else:
        print(f"{sample.path}: {label.name}")
    return 0
