"""Tests and releases for the model (issue 22): `test`, `pin`, `slice`, `activate`.

`s2ide test` runs the pinned model tests and slices on a version and exits 1 when one fails,
so a team's CI can gate on it (DESIGN.md §4 gives the --json shape).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s2ide.cli._common import add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.engine.model_tests import pin_sample, save_filter_slice, save_slice
from s2ide.core.errors import S2Error
from s2ide.core.labeling.tags import find_sample
from s2ide.core.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run the model tests and slices on a version; exit 1 when one fails")
    add_project_arg(p)
    p.add_argument("--model", metavar="VERSION", help="the model version (default: the active one)")
    add_json_arg(p)
    p.set_defaults(run=cmd_test)

    p = sub.add_parser("pin", help="pin a sample as a model test: it must (not) be predicted as LABEL")
    add_project_arg(p)
    p.add_argument("sample", help="a sample id or path")
    p.add_argument("label", help="the label it must be (or must not be, with --not)")
    p.add_argument("--not", dest="negate", action="store_true", help="the sample must NOT be predicted as LABEL")
    p.add_argument(
        "--find", metavar="X,Y,W,H", help="detection: an object of LABEL must be found in this region (image pixels)"
    )
    p.add_argument("--note", default="", help="why this case matters")
    p.add_argument("--user", required=True, help="who pins it (an engineer or a lead)")
    p.set_defaults(run=cmd_pin)

    p = sub.add_parser("slice", help="save a named slice (samples or a filter) with a minimum metric")
    add_project_arg(p)
    p.add_argument("name")
    p.add_argument("--samples", help="comma-separated sample ids")
    p.add_argument("--split", help="filter: samples of this split")
    p.add_argument("--label", help="filter: samples tagged with this label")
    p.add_argument("--search", help="filter: path contains this text")
    p.add_argument("--metric", default="accuracy", choices=("accuracy", "macro_f1"))
    p.add_argument("--minimum", type=float, help="the least value the metric may take (0-1)")
    p.add_argument("--note", default="")
    p.add_argument("--user", required=True)
    p.set_defaults(run=cmd_slice)

    p = sub.add_parser(
        "check", help="data checks: duplicates and cross-split leakage, changed or broken files, label conflicts"
    )
    add_project_arg(p)
    add_json_arg(p)
    p.set_defaults(run=cmd_check)

    p = sub.add_parser(
        "export-model", help="write a model version as a deployable file (onnx or torchscript) with a model card"
    )
    add_project_arg(p)
    p.add_argument("dest", type=Path, help="the folder to write into (made if missing)")
    p.add_argument("--model", metavar="VERSION", help="the model version (default: the active one)")
    p.add_argument("--format", required=True, choices=("onnx", "torchscript"))
    p.set_defaults(run=cmd_export_model)

    p = sub.add_parser(
        "compare",
        help="version report: per class and slice, tests flipped, predictions changed (A is the baseline); "
        "detectors and segmenters: images fixed and broken by object errors, mAP/AP50 or mIoU/Dice",
    )
    add_project_arg(p)
    p.add_argument("a", metavar="VERSION_A")
    p.add_argument("b", metavar="VERSION_B")
    p.add_argument("--split", default="test", help="the split the metrics are on (train, val, test, all)")
    add_json_arg(p)
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("activate", help="make a model version active (a failed suite needs --reason)")
    add_project_arg(p)
    p.add_argument("version")
    p.add_argument("--reason", help="why, when the version failed its model tests (goes into the audit)")
    p.add_argument("--user", required=True)
    p.set_defaults(run=cmd_activate)


def cmd_test(args: argparse.Namespace) -> int:
    from s2ide.ml.suite import run_version_suite

    project = open_project(args.project)
    store = project.store
    if args.model:
        model = store.models.get(args.model)
    else:
        active = store.models.active()
        if active is None:
            raise S2Error("no active model yet: train one first (`s2ide train PROJECT`) or name one with --model")
        model = active
    if model.state not in ("ready", "active"):
        raise S2Error(f"model {model.version} is {model.state} and cannot be tested")
    result = run_version_suite(project, store, model)
    if args.json:
        out = result.as_json()
        for item in out["slices"]:
            item.pop("sample_ids", None)
        print_json(out)
    else:
        rows = [
            {"test": t["name"], "expected": t["expected"], "got": t["got"], "result": _word(t["passed"])}
            for t in result.tests
        ]
        rows += [
            {
                "test": f"slice {s['name']} ({s['n']} samples)",
                "expected": f"{s['metric']} >= {s['minimum']:.3f}" if s["minimum"] is not None else s["metric"],
                "got": "-" if s["value"] is None else f"{s['value']:.3f}",
                "result": _word(s["passed"]),
            }
            for s in result.slices
        ]
        print_table(rows, ["test", "expected", "got", "result"])
        print(f"{model.version}: {result.summary()}", file=sys.stderr)
    return 0 if result.passed else 1


def _word(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def cmd_pin(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    sample = find_sample(project, args.sample)
    kind = "must_not_be" if args.negate else "must_be"
    region = None
    if args.find:
        try:
            region = [float(part) for part in args.find.split(",")]
        except ValueError:
            raise S2Error("--find takes X,Y,W,H in image pixels") from None
        kind = "must_find"
    test = pin_sample(project.store, sample.id, args.label, args.user, kind=kind, note=args.note, region=region)
    print(f"model test #{test.id}: {sample.path} {kind.replace('_', ' ')} {args.label}")
    return 0


def cmd_slice(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    store = project.store
    if args.samples:
        try:
            ids = [int(part) for part in args.samples.split(",") if part.strip()]
        except ValueError:
            raise S2Error("--samples takes comma-separated sample ids") from None
        slice_id = save_slice(
            store, args.name, ids, args.user, metric=args.metric, minimum=args.minimum, note=args.note
        )
    else:
        flt: dict[str, object] = {"split": args.split, "search": args.search}
        if args.label:
            match = [label.id for label in store.labels.list() if label.name == args.label]
            if not match:
                raise S2Error(f"unknown label {args.label!r}")
            flt["label_id"] = match[0]
        if not any(flt.values()):
            raise S2Error("say which samples: --samples, or a filter (--split, --label, --search)")
        slice_id = save_filter_slice(
            store, args.name, flt, args.user, metric=args.metric, minimum=args.minimum, note=args.note
        )
    print(f"slice {args.name!r} saved (id {slice_id})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from s2ide.cli._common import ProgressBar
    from s2ide.core.engine.data_checks import run as run_checks
    from s2ide.core.tasks import TaskState

    project = open_project(args.project)
    bar = ProgressBar("checking")
    report = run_checks(project, TaskState(bar, min_interval=0.5))
    bar.close()
    if args.json:
        print_json(report.as_json())
    else:
        rows = [{"severity": f.severity, "kind": f.kind, "samples": ",".join(map(str, f.sample_ids[:6])),
                 "finding": f.message} for f in report.findings]  # fmt: skip
        print_table(rows, ["severity", "kind", "samples", "finding"])
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.counts().items())) or "nothing found"
        print(f"{report.checked} samples checked: {counts}", file=sys.stderr)
    return 0


def cmd_export_model(args: argparse.Namespace) -> int:
    from s2ide.ml.export import export_model

    project = open_project(args.project)
    result = export_model(project, project.store, args.dest, args.model, args.format)
    for path in result.files:
        print(path)
    print(f"{result.version} exported as {args.format}", file=sys.stderr)
    return 0


def _compare_shapes(args: argparse.Namespace, store: Store) -> int:
    """Two detectors or segmenters: headline figures, per-class AP50 or IoU, images fixed and
    broken by object errors."""
    from s2ide.core.engine.shape_compare import shape_version_report

    shapes = shape_version_report(store, args.a, args.b, args.split)
    if args.json:
        print_json(shapes.as_json())
        return 0
    errors = shapes.as_json()["errors"]
    print(f"{args.split}: object errors {errors['a']} -> {errors['b']} on {len(shapes.errors)} common images; "  # type: ignore[index]
          f"{len(shapes.fixed)} fixed, {len(shapes.broken)} broken")  # fmt: skip
    rows = [{"what": name, "a": f"{a:.3f}", "b": f"{b:.3f}"} for name, a, b in shapes.metric_rows()]
    print_table(rows, ["what", "a", "b"])
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from s2ide.core.engine.compare import version_report
    from s2ide.core.engine.shape_compare import SHAPE_TASKS

    project = open_project(args.project)
    if project.store.models.get(args.a).task in SHAPE_TASKS:
        return _compare_shapes(args, project.store)
    report = version_report(project.store, args.a, args.b, args.split)
    if args.json:
        print_json(report.as_json())
        return 0
    c = report.comparison
    print(f"{args.split}: accuracy {c.a.accuracy:.3f} -> {c.b.accuracy:.3f} on {c.common} common samples; "
          f"{len(c.fixed)} fixed, {len(c.broken)} broken, {len(report.changed)} predictions changed")  # fmt: skip
    rows: list[dict[str, object]] = [
        {"what": f"F1 {r['label']}", "a": r["f1"]["a"], "b": r["f1"]["b"]}  # type: ignore[index]
        for r in report.per_class
    ]
    rows += [{"what": f"slice {s['name']}", "a": s["a"], "b": s["b"]} for s in report.slices]
    rows += [{"what": f"test {t['name']}", "a": t["got_a"], "b": t["got_b"]} for t in report.flipped_tests]
    print_table(rows, ["what", "a", "b"])
    return 0


def cmd_activate(args: argparse.Namespace) -> int:
    from s2ide.ml.registry import activate

    project = open_project(args.project)
    model = activate(project, project.store, args.version, args.user, args.reason)
    print(f"{model.version} is now the active model")
    return 0
