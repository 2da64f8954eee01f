"""The app's model jobs (retrain, predict, activate), each run in a child process.

The `*_entry` functions run in the child (they import torch); the others run in the
parent's worker thread and import nothing heavy, so the GUI process never loads torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from s2ide.core.engine.ml_settings import TrainConfig
from s2ide.core.engine.run_owner import is_abandoned
from s2ide.core.errors import Cancelled
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ml.process import ChildJobError, run_in_child

Emit = Callable[[str, Any], None]


# -- in the child --------------------------------------------------------------------------
def retrain_entry(*, state: TaskState, emit: Emit, project_path: str, config: TrainConfig | None, user: str) -> Any:
    from s2ide.ml.loop import retrain

    project = Project.open(project_path)
    try:
        return retrain(project, config, state, on_epoch=lambda stats: emit("epoch", stats), user=user)
    finally:
        project.close()


def predict_entry(*, state: TaskState, emit: Emit, project_path: str, version: str | None, threads: int) -> Any:
    from s2ide.ml.predict import predict

    project = Project.open(project_path)
    try:
        return predict(project, version, state, threads=threads)
    finally:
        project.close()


def activate_entry(
    *, state: TaskState, emit: Emit, project_path: str, version: str, user: str, threads: int, reason: str | None = None
) -> Any:
    from s2ide.ml.predict import predict
    from s2ide.ml.registry import activate

    project = Project.open(project_path)
    store = project.connect()
    try:
        model = activate(project, store, version, user, reason)
        if store.predictions.count(version) == 0:
            predict(project, version, state, threads=threads)
        return model
    finally:
        store.close()
        project.close()


def export_entry(*, state: TaskState, emit: Emit, project_path: str, dest: str, version: str | None, fmt: str) -> Any:
    from s2ide.ml.export import export_model

    project = Project.open(project_path)
    store = project.connect()
    try:
        return export_model(project, store, Path(dest), version, fmt)
    finally:
        store.close()
        project.close()


def suite_entry(*, state: TaskState, emit: Emit, project_path: str, version: str) -> Any:
    from s2ide.ml.suite import run_version_suite

    project = Project.open(project_path)
    store = project.connect()
    try:
        return run_version_suite(project, store, store.models.get(version))
    finally:
        store.close()
        project.close()


def region_entry(
    *, state: TaskState, emit: Emit, project_path: str, version: str, image_path: str, box: list[float]
) -> Any:
    from s2ide.ml.region_embedding import region_vector

    project = Project.open(project_path)
    store = project.connect()
    try:
        model = store.models.get(version)
        return region_vector(project, model, image_path, (box[0], box[1], box[2], box[3])).tolist()
    finally:
        store.close()
        project.close()


# -- in the parent (a worker thread) -------------------------------------------------------
def _mark_interrupted(project_path: Path | str, message: str) -> None:
    """A child that died or was stopped mid-training left its row in 'training': say it
    failed, and why (its weights were never registered, the active model is unchanged)."""
    project = Project.open(project_path)
    store = project.connect()
    try:
        with store.transaction():
            for stale in store.models.list(states=("training",)):
                if is_abandoned(stale.metrics):  # not a run of the CLI or another app window
                    store.models.update(stale.version, state="failed", metrics={"error": message})
    finally:
        store.close()


def retrain_in_child(
    project_path: Path | str,
    config: TrainConfig | None,
    user: str,
    state: TaskState,
    on_epoch: Callable[[Any], None] | None = None,
) -> Any:
    def on_event(kind: str, payload: Any) -> None:
        if kind == "epoch" and on_epoch is not None:
            on_epoch(payload)

    kwargs = {"project_path": str(project_path), "config": config, "user": user}
    try:
        return run_in_child("s2ide.ml.jobs:retrain_entry", kwargs, state, on_event)
    except ChildJobError as exc:
        if "model process" in str(exc):
            _mark_interrupted(project_path, str(exc))
        raise
    except Cancelled:
        _mark_interrupted(project_path, "cancelled")
        raise


def predict_in_child(project_path: Path | str, version: str | None, threads: int, state: TaskState) -> Any:
    kwargs = {"project_path": str(project_path), "version": version, "threads": threads}
    return run_in_child("s2ide.ml.jobs:predict_entry", kwargs, state)


def activate_in_child(
    project_path: Path | str, version: str, user: str, threads: int, state: TaskState, reason: str | None = None
) -> Any:
    kwargs = {"project_path": str(project_path), "version": version, "user": user, "threads": threads, "reason": reason}
    return run_in_child("s2ide.ml.jobs:activate_entry", kwargs, state)


def export_in_child(project_path: Path, dest: Path, version: str | None, fmt: str, state: TaskState) -> Any:
    kwargs = {"project_path": str(project_path), "dest": str(dest), "version": version, "fmt": fmt}
    return run_in_child("s2ide.ml.jobs:export_entry", kwargs, state)


def suite_in_child(project_path: Path, version: str, state: TaskState) -> Any:
    kwargs = {"project_path": str(project_path), "version": version}
    return run_in_child("s2ide.ml.jobs:suite_entry", kwargs, state)


def region_in_child(project_path: Path | str, version: str, image_path: str, box: Any, state: TaskState) -> Any:
    """A box's embedding in the model's space (a list of floats), computed in the model process."""
    kwargs = {"project_path": str(project_path), "version": version, "image_path": image_path, "box": list(box)}
    return run_in_child("s2ide.ml.jobs:region_entry", kwargs, state)
