"""Model commands: train, predict, queue, mistakes, models (DESIGN.md §4 shapes), and
label-errors (the engineer view's "Find likely label errors", same job and saved ranking)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from s2ide.cli._common import acting_user, add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.engine.sampling import STRATEGY_HELP, Strategy, build_queue, find_mistakes
from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.core.review.users import Action, require
from s2ide.core.store.models import ModelVersion
from s2ide.core.tasks import TaskState


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model version on the labels (as the app's background retrain does)")
    add_project_arg(p)
    p.add_argument("--epochs", type=int, help="epochs to train (default: the project's setting)")
    p.add_argument("--user", help="the engineer training (default: you, on a team project; the OS user locally)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--here", action="store_true", help="train on this machine (a team project's default: a worker)")
    where.add_argument(
        "--queue", action="store_true", help="queue the job for `s2ide worker` even when none is running yet"
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("predict", help="predict every sample with a model: label, score, uncertainty")
    add_project_arg(p)
    p.add_argument("--model", metavar="VERSION", help="the model version (default: the active one)")
    add_json_arg(p)
    p.set_defaults(run=cmd_predict)

    p = sub.add_parser(
        "queue",
        help="the samples to label next, in order",
        description="The samples to label next, in order. Strategies:\n"
        + "\n".join(f"  {s.value}: {STRATEGY_HELP[s]}" for s in Strategy)
        + "\nThe labels until the next retrain are the project's auto-retrain interval (Training dock).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_project_arg(p)
    p.add_argument(
        "--strategy", choices=[s.value for s in Strategy], help="how to choose (default: the project's strategy)"
    )
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument(
        "--prioritize",
        nargs="+",
        metavar="SAMPLE",
        help="put these samples (ids or paths) first in everyone's Next, before the strategy's choice",
    )
    p.add_argument("--clear-priority", action="store_true", help="empty the priority slice")
    p.add_argument("--user", help="who prioritizes (a lead or engineer; needed with --prioritize)")
    add_json_arg(p)
    p.set_defaults(run=cmd_queue)

    p = sub.add_parser("mistakes", help="labeled samples the active model gets wrong, highest loss first")
    add_project_arg(p)
    p.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    add_json_arg(p)
    p.set_defaults(run=cmd_mistakes)

    p = sub.add_parser("models", help="model versions with their metrics; which one is active")
    add_project_arg(p)
    add_json_arg(p)
    p.set_defaults(run=cmd_models)

    p = sub.add_parser(
        "label-errors", help="labels that are likely wrong (K-fold cross-validation + confident learning)"
    )
    add_project_arg(p)
    p.add_argument("--folds", type=int, default=4, help="cross-validation folds (default 4)")
    p.add_argument("--limit", type=int, default=50, help="how many to show, most likely wrong first (default 50)")
    p.add_argument("--saved", action="store_true", help="show the last saved ranking instead of computing one")
    add_json_arg(p)
    p.set_defaults(run=cmd_label_errors)


def _label_names(project: Project) -> dict[int | None, str]:
    return {label.id: label.name for label in project.store.labels.list()}


def _positive(value: int | None, name: str) -> None:
    if value is not None and value < 1:
        raise S2Error(f"{name} must be at least 1")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_train(args: argparse.Namespace) -> int:
    from s2ide.ml.loop import retrain  # torch loads only for the commands that need it
    from s2ide.ml.train import EpochStats

    _positive(args.epochs, "--epochs")
    project = open_project(args.project)
    user = "cli"
    if project.is_team or project.store.users.list():  # once a project has users, training is an engineer's
        user = acting_user(project, args.user, "training")
        require(project.store, user, Action.MANAGE_MODELS)
    if (project.is_team and not args.here) or args.queue:
        from s2ide.cli.worker_cmds import train_through_queue

        version = train_through_queue(project, user if user != "cli" else "s2ide", args, _say)
        if version is not None:
            _print_trained(project.store.models.get(version), args.json)
        return 0
    config = load_train_config(project.store)
    if args.epochs is not None:
        config.epochs = args.epochs
    config.threads = max(1, os.cpu_count() or 1)

    def on_epoch(stats: EpochStats) -> None:
        line = f"epoch {stats.epoch}/{stats.epochs}  loss {stats.train_loss:.4f}  acc {stats.train_accuracy:.3f}"
        if stats.stage:
            line = f"{stats.stage}  " + line
        if stats.val_accuracy is not None and stats.val_loss is not None:
            line += f"  val_loss {stats.val_loss:.4f}  val_acc {stats.val_accuracy:.3f}"
        _say(line + f"  ({stats.images_per_second:.0f} img/s)")

    result = retrain(project, config, TaskState(), on_epoch=on_epoch, user=user)
    model = project.store.models.get(result.training.model.version)
    _say(result.training.reason)
    if result.prediction is not None:
        _say(f"{model.version} predicted {result.prediction.count} samples")
        for line in result.prediction.skipped[:5]:
            _say(f"skipped: {line}")
    _print_trained(model, args.json)
    return 0


def _print_trained(model: ModelVersion, as_json: bool) -> None:
    if as_json:
        print_json(model.summary())
    elif model.task in ("detect", "segment"):
        from s2ide.cli.shape_outputs import train_line

        print(train_line(model))
    else:
        accuracy = model.metrics.get("accuracy")
        where = model.metrics.get("evaluated_on")
        print(f"{model.version}: trained on {model.trained_on} labels, {where} accuracy {accuracy:.3f} ({model.state})")


def cmd_predict(args: argparse.Namespace) -> int:
    from s2ide.ml.predict import predict

    project = open_project(args.project)
    result = predict(project, args.model, TaskState(), threads=max(1, os.cpu_count() or 1))
    for line in result.skipped[:5]:
        _say(f"skipped: {line}")
    model = project.store.models.get(result.version)
    if model.task in ("detect", "segment"):
        from s2ide.cli.shape_outputs import predictions_json

        shaped = predictions_json(project, model)
        if args.json:
            print_json(shaped)
        else:
            key = "boxes" if model.task == "detect" else "masks"
            rows = [
                {"id": e["id"], "path": e["path"], key: len(e[key]), "uncertainty": e["uncertainty"]} for e in shaped
            ]
            print_table(rows, ["id", "path", key, "uncertainty"])
            _say(f"{result.version} predicted {result.count} samples")
        return 0
    names = _label_names(project)
    out = [
        {
            "id": row["id"],
            "path": row["path"],
            "label": names.get(row["predicted_id"]),
            "score": row["score"],
            "margin": row["margin"],
            "entropy": row["entropy"],
            "least_confidence": row["least_confidence"],
            "loss": row["loss"],
        }
        for row in project.store.predictions.rows(result.version)
    ]
    if args.json:
        print_json(out)
    else:
        print_table(out, ["id", "path", "label", "score", "margin", "entropy"])
        _say(f"{result.version} predicted {result.count} samples")
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    _positive(args.limit, "--limit")
    project = open_project(args.project)
    if args.prioritize or args.clear_priority:
        _change_priority(project, args)
    strategy = Strategy(args.strategy) if args.strategy else None
    names = _label_names(project)
    out: list[dict[str, Any]] = [
        {
            "id": e.sample_id,
            "path": e.path,
            "label": names.get(e.label_id),
            "score": e.score,
            "priority": e.priority,
            "prioritized": e.pinned,
        }
        for e in build_queue(project.store, strategy, args.limit)
    ]
    if args.json:
        print_json(out)
    else:
        print_table(out, ["id", "path", "label", "score"])
    return 0


def _change_priority(project: Project, args: argparse.Namespace) -> None:
    from s2ide.core.engine.priority import clear_priority, prioritize
    from s2ide.core.labeling.tags import find_sample

    if not args.user:
        raise S2Error("say who changes the priority slice (--user NAME, a lead or engineer)")
    if args.clear_priority:
        _say(f"{clear_priority(project.store, args.user)} sample(s) left the priority slice")
    if args.prioritize:
        ids = [find_sample(project, ref).id for ref in args.prioritize]
        added = prioritize(project.store, ids, args.user)
        kept = len(ids) - len(added)
        _say(f"{len(added)} sample(s) now first in everyone's Next" + (f" ({kept} were already)" if kept else ""))


def _active(project: Project) -> ModelVersion:
    model = project.store.models.active()
    if model is None:
        raise S2Error("no active model yet: train one first (`s2ide train PROJECT`)")
    return model


def cmd_mistakes(args: argparse.Namespace) -> int:
    _positive(args.limit, "--limit")
    project = open_project(args.project)
    model = _active(project)
    if model.task in ("detect", "segment"):
        from s2ide.cli.shape_outputs import mistakes_json

        shaped = mistakes_json(project, model, args.limit)
        if args.json:
            print_json(shaped)
        else:
            print_table(shaped, ["id", "path", "predicted", "score", "errors"])
        return 0
    names = _label_names(project)
    store = project.store
    out = []
    for entry in find_mistakes(store, model.version, args.limit):
        tag = store.annotations.tag_of(entry.sample_id)
        out.append(
            {
                "id": entry.sample_id,
                "path": entry.path,
                "label": names.get(tag.label_id) if tag and tag.label_id is not None else None,
                "predicted": names.get(entry.label_id),
                "score": entry.score,
                "loss": entry.priority,
            }
        )
    if args.json:
        print_json(out)
    else:
        print_table(out, ["id", "path", "label", "predicted", "score", "loss"])
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    models = project.store.models.list(states=("ready", "active"))
    out = [m.summary() for m in models]
    if args.json:
        print_json(out)
    else:
        rows = [
            {
                "version": m["version"],
                "state": m["state"],
                "created_at": m["created_at"][:19],
                "trained_on": m["trained_on"],
                "accuracy": m["metrics"]["accuracy"],
                "ap50": m["metrics"].get("ap50"),
                "miou": m["metrics"].get("miou"),
                "on": m["metrics"]["evaluated_on"],
            }
            for m in out
        ]
        columns = ["version", "state", "created_at", "trained_on", "accuracy", "on"]
        if project.task == "detect":
            columns[4] = "ap50"
        elif project.task == "segment":
            columns[4] = "miou"
        print_table(rows, columns)
        for m in out:  # why each version did or did not go active: both scores and the set
            if m.get("activation"):
                print(f"{m['version']}: {m['activation']}")
    return 0


def cmd_label_errors(args: argparse.Namespace) -> int:
    from s2ide.core.engine.label_errors import load_suspects

    _positive(args.limit, "--limit")
    if args.folds < 2:
        raise S2Error("--folds must be at least 2")
    project = open_project(args.project)
    if args.saved:
        suspects, how = load_suspects(project.store)
        if not how:
            raise S2Error("no saved ranking yet: run `s2ide label-errors PROJECT` without --saved")
    else:
        from s2ide.ml.crossval import find_label_errors

        config = load_train_config(project.store)
        config.threads = max(1, os.cpu_count() or 1)
        progress = TaskState(lambda p: _say(f"{p.message} ({p.done}/{p.total})"), min_interval=2.0)
        suspects = find_label_errors(project, progress, args.folds, config)
        how = f"{args.folds}-fold cross-validation"
    _say(f"{len(suspects)} likely label errors ({how})")
    names = _label_names(project)
    paths = {row["id"]: row["path"] for row in project.store.samples.rows()}
    out = [
        {
            "id": s.sample_id,
            "path": paths.get(s.sample_id),
            "label": names.get(s.given_label_id),
            "suggested": names.get(s.suggested_label_id),
            "self_confidence": round(s.self_confidence, 4),
            "suggested_probability": round(s.suggested_probability, 4),
        }
        for s in suspects[: args.limit]
    ]
    if args.json:
        print_json(out)
    else:
        print_table(out, ["id", "path", "label", "suggested", "self_confidence", "suggested_probability"])
    return 0
