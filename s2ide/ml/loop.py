"""The background retrain the app and `s2ide train` share: train (the classifier, the
detector or the segmenter, by the project's task), then (if the new version
went active) let it predict every sample, so pre-labels and the queue follow the new model."""

from __future__ import annotations

from s2ide.core.engine.ml_settings import TrainConfig
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ml.predict import predict
from s2ide.ml.results import EpochCallback, RetrainResult
from s2ide.ml.train import train


def retrain(
    project: Project,
    config: TrainConfig | None = None,
    state: TaskState | None = None,
    *,
    on_epoch: EpochCallback | None = None,
    user: str = "s2ide",
) -> RetrainResult:
    state = state or TaskState()
    task = project.task
    if task == "detect":
        from s2ide.ml.detect.train import train_detector

        trained = train_detector(project, config, state, on_epoch=on_epoch, user=user)
    elif task == "segment":
        from s2ide.ml.segment.train import train_segmenter

        trained = train_segmenter(project, config, state, on_epoch=on_epoch, user=user)
    else:
        trained = train(project, config, state, on_epoch=on_epoch, user=user)
    predicted = None
    if trained.activated:
        threads = config.threads if config is not None else None
        predicted = predict(project, trained.model.version, state, threads=threads)
    return RetrainResult(trained, predicted)
