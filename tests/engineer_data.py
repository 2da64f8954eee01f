"""Synthetic labeled projects with models and predictions, written through the repositories."""

from __future__ import annotations

import numpy as np

from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.store.models import NewModel


def add_samples(project: Project, n: int, split: str = "test", start: int = 0) -> list[int]:
    """n fake samples (rows only: the views never need the pixels)."""
    store = project.store
    with store.transaction():
        return [store.samples.add(f"img/{start + i:05d}.png", f"{start + i:064x}", 32, 32, split) for i in range(n)]


def tag_all(project: Project, sample_ids: list[int], label_ids: list[int], user: str = "lara") -> None:
    for sample_id, label_id in zip(sample_ids, label_ids):
        set_tag(project.store, sample_id, label_id, user)


def add_model(
    project: Project,
    version: str,
    sample_ids: list[int],
    probabilities: np.ndarray,
    *,
    active: bool = True,
    embeddings: np.ndarray | None = None,
) -> None:
    """Register a ready model over all labels and store its predictions (argmax of each row)."""
    store = project.store
    labels = store.labels.list()
    label_map = [{"id": label.id, "name": label.name} for label in labels]
    with store.transaction():
        store.models.add(NewModel(task="classify", architecture="test", label_map=label_map, state="ready"), version)
        rows = []
        for row, sample_id in enumerate(sample_ids):
            probs = np.asarray(probabilities[row], dtype=np.float32)
            top = int(np.argmax(probs))
            tag = store.annotations.tag_of(sample_id)
            loss = None
            if tag is not None:
                index = [label.id for label in labels].index(tag.label_id)
                loss = float(-np.log(max(float(probs[index]), 1e-7)))
            rows.append(
                {
                    "sample_id": sample_id,
                    "label_id": labels[top].id,
                    "score": float(probs[top]),
                    "probabilities": probs,
                    "loss": loss,
                    "embedding": None if embeddings is None else embeddings[row],
                }
            )
        store.predictions.put_many(version, rows)
        if active:
            store.models.set_active(version)
