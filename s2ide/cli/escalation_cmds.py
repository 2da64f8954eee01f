"""Commands of the review loop: escalate, escalations, resolve (DESIGN.md §4)."""

from __future__ import annotations

import argparse

from s2ide.cli._common import acting_user, add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.tags import find_sample
from s2ide.core.review.escalations import as_json, escalate, list_escalations, resolve

STATE_CHOICES = ("open", "in_review", "returned", "resolved", "active", "all")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("escalate", help="send a sample to the lead's escalation queue")
    add_project_arg(p)
    p.add_argument("sample", help="a sample id or path")
    p.add_argument("--reason", required=True, help="one of the project's escalation reasons")
    p.add_argument("--note", default="", help="what is confusing")
    p.add_argument("--proposed", help="the label you would give it")
    p.add_argument("--user", help="who is escalating (default: you, on a team project; the OS user locally)")
    add_json_arg(p)
    p.set_defaults(run=cmd_escalate)

    p = sub.add_parser("escalations", help="list escalations (oldest first)")
    add_project_arg(p)
    p.add_argument(
        "--state",
        choices=STATE_CHOICES,
        default="open",
        help="open (default: open or in review), resolved, all, or one exact state",
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_escalations)

    p = sub.add_parser("resolve", help="settle an escalation with a final label (leads and engineers)")
    add_project_arg(p)
    p.add_argument("escalation", help="the escalation id")
    p.add_argument("--label", required=True, help="the final label")
    p.add_argument("--note", default="", help="the answer for the labeler")
    p.add_argument("--promote", action="store_true", help="also make the sample a guideline example of the label")
    p.add_argument("--user", help="who is resolving (default: you, on a team project; the OS user locally)")
    add_json_arg(p)
    p.set_defaults(run=cmd_resolve)


def _escalation_id(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit():
        raise InvalidInputError(f"{text!r} is not an escalation id (a number, as `s2ide escalations` lists)")
    return int(value)


def cmd_escalate(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    sample = find_sample(project, args.sample)
    proposed = store.labels.resolve(args.proposed).id if args.proposed else None
    escalation = escalate(
        store,
        sample.id,
        args.reason,
        acting_user(project, args.user, "escalating"),
        note=args.note,
        proposed_label_id=proposed,
    )
    if args.json:
        print_json(as_json(store, escalation))
    else:
        print(f"escalation #{escalation.id}: {sample.path} ({escalation.reason})")
    return 0


def cmd_escalations(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    rows = [as_json(store, e) for e in list_escalations(store, args.state)]
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["id", "sample_id", "state", "reason", "raised_by", "proposed_label", "resolution_label"])
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    escalation_id = _escalation_id(args.escalation)
    label = store.labels.resolve(args.label)
    escalation = resolve(
        store, escalation_id, label.id, acting_user(project, args.user, "resolving"), args.note, promote=args.promote
    )
    if args.json:
        print_json(as_json(store, escalation))
    else:
        print(f"escalation #{escalation.id} resolved: sample {escalation.sample_id} is {label.name}")
    return 0
