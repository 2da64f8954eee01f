"""K-fold cross-validation gives out-of-sample probabilities; the job flags flipped labels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from s2ide.core.engine.label_errors import load_suspects
from s2ide.core.engine.ml_settings import TrainConfig
from s2ide.core.errors import Cancelled
from s2ide.core.labeling.tags import set_tag
from s2ide.core.tasks import TaskState
from s2ide.ml.crossval import cross_val_probabilities, find_label_errors, fold_of

CONFIG = TrainConfig(input_size=16, width=4, epochs=6, batch_size=16, min_steps_per_epoch=6, rotate=0, scale=0)


def stripes_project(project, tmp_path, per_class: int = 16):
    """cat = horizontal stripes, dog = vertical stripes; two cats are labeled dog."""
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    rng = np.random.default_rng(0)
    ids, truth = [], []
    for index in range(2 * per_class):
        is_cat = index % 2 == 0
        pixels = np.zeros((16, 16), dtype=np.uint8)
        if is_cat:
            pixels[::4] = 255
        else:
            pixels[:, ::4] = 255
        pixels = np.clip(pixels.astype(int) + rng.integers(0, 40, (16, 16)), 0, 255).astype(np.uint8)
        path = tmp_path / "img" / f"{index}.png"
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(pixels, mode="L").save(path)
        with store.transaction():
            sample_id = store.samples.add(project.stored_path(path), f"{index:064x}", 16, 16, "train")
        ids.append(sample_id)
        truth.append(cat if is_cat else dog)
    flipped = [ids[0], ids[2]]
    for sample_id, label_id in zip(ids, truth):
        set_tag(store, sample_id, dog if sample_id in flipped else label_id, "lara")
    return ids, flipped


def test_folds_are_stratified() -> None:
    targets = np.array([0] * 8 + [1] * 4)
    fold = fold_of(np.arange(12), targets, 4, seed=0)
    for f in range(4):
        assert (targets[fold == f] == 0).sum() == 2 and (targets[fold == f] == 1).sum() == 1


def test_cross_validation_flags_the_flipped_labels(project, tmp_path) -> None:
    ids, flipped = stripes_project(project, tmp_path)
    result = cross_val_probabilities(project, TaskState(), folds=4, config=CONFIG)
    assert sorted(result.sample_ids.tolist()) == sorted(ids)
    assert np.allclose(result.probabilities.sum(axis=1), 1, atol=1e-4)
    suspects = find_label_errors(project, TaskState(), folds=4, config=CONFIG)
    flagged = [s.sample_id for s in suspects]
    assert set(flipped) <= set(flagged[:4])
    cat = project.store.labels.list()[0].id
    assert all(s.suggested_label_id == cat for s in suspects if s.sample_id in flipped)
    saved, how = load_suspects(project.store)
    assert saved == suspects and "4-fold" in how


def test_cancel(project, tmp_path) -> None:
    stripes_project(project, tmp_path, per_class=6)
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        find_label_errors(project, state, folds=2, config=CONFIG)
