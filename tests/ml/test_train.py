"""Training for real on a small digits subset, the registry's rules, and runs that must fail cleanly."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest
import torch

from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.errors import Cancelled, PermissionDenied
from s2ide.core.labeling.tags import set_tag
from s2ide.core.tasks import TaskState
from s2ide.ml.data import TrainingDataError, carve_validation, take_snapshot
from s2ide.ml.loop import retrain
from s2ide.ml.registry import activate
from s2ide.ml.train import TrainingFailed, _epoch_batches, train
from tests.ml.digits import FAST_CONFIG


def test_trained_model_is_registered_active_and_accurate(trained) -> None:
    store = trained.store
    model = store.models.active()
    assert model is not None and model.version == "v1"
    assert (trained.models_dir / model.weights_file).is_file()
    assert model.metrics["evaluated_on"] == "test"
    assert model.metrics["accuracy"] > 0.8  # 10 classes, ~120 training images at 16x16
    assert model.metrics["test"]["n"] == 100
    assert model.metrics["validation"]["n"] >= 10  # carved out of the train labels
    assert model.metrics["carved_val"] is True
    assert 0 <= model.metrics["calibration"]["ece"] <= 1
    assert model.trained_on == 150
    assert len(model.metrics["history"]) >= 1
    assert model.hyperparameters["in_channels"] == 1  # digits are grayscale
    # the user's splits were not rewritten by the carve-out
    assert store.stats.summary()["splits"] == {"train": 210, "test": 100}


def test_predictions_store_every_field(trained) -> None:
    store = trained.store
    model = store.models.active()
    arrays = store.predictions.arrays(model.version)
    assert len(arrays) == store.samples.count() == 310
    assert arrays.probabilities.shape == (310, 10)
    assert np.allclose(arrays.probabilities.sum(1), 1, atol=1e-4)
    assert np.allclose(arrays.scores, arrays.probabilities.max(1), atol=1e-5)
    assert np.allclose(arrays.least_confidence, 1 - arrays.scores, atol=1e-5)
    assert (arrays.margin >= 0).all() and (arrays.entropy >= 0).all()
    assert arrays.embeddings is not None and arrays.embeddings.shape == (310, 32)
    tagged = {r["id"]: r["label_id"] for r in store.samples.rows() if r["label_id"] is not None}
    has_loss = ~np.isnan(arrays.loss)
    assert set(arrays.sample_ids[has_loss].tolist()) == set(tagged)
    # few labels: the registered network trained on every train label, the carved-out
    # validation ones included; test and unlabeled samples are out of sample
    assert arrays.in_training.sum() == 150
    val_ids = set(model.metrics["validation_ids"])
    assert arrays.in_training[np.isin(arrays.sample_ids, list(val_ids))].all()
    one = store.predictions.get(int(arrays.sample_ids[0]), model.version)
    assert one is not None and one.embedding.dtype == np.float16


def test_validation_carve_is_stratified_and_stable(digits) -> None:
    snap = take_snapshot(digits, digits.store, 0.2)
    assert snap.carved_val and len(snap.val) > 0
    assert set(snap.val.targets) == set(snap.train.targets)  # every class in both
    again = take_snapshot(digits, digits.store, 0.2)
    assert again.val.sample_ids == snap.val.sample_ids
    keep, _ = carve_validation(snap.train, 0.99)
    assert set(keep.targets) == set(snap.train.targets)  # a class never loses its last sample


def test_activation_rule_and_engineer_activation(trained) -> None:
    store = trained.store
    config = load_train_config(store)
    config.activation = "never"
    result = train(trained, config, TaskState(), user="eng")
    assert not result.activated and "by hand" in result.reason
    assert store.models.active().version == "v1"
    assert store.models.get(result.model.version).state == "ready"
    with pytest.raises(PermissionDenied):
        activate(trained, store, result.model.version, "lara")
    activate(trained, store, result.model.version, "eng")
    assert store.models.active().version == result.model.version
    assert store.models.get("v1").state == "ready"
    assert store.audit.list(entity="model", entity_id=result.model.version)[0].action == "activate"


def test_if_not_worse_needs_samples_neither_version_trained_on(trained) -> None:
    """The same labels again: the active model trained on every one of them (few-label refit),
    so nothing can judge the two side by side and a weak version is not blocked by a number
    measured on other samples (tests/ml/test_activation.py has the cases with evidence)."""
    store = trained.store
    config = load_train_config(store)
    config.epochs = 1
    result = train(trained, config, TaskState(), user="eng")
    assert result.activated and "no held-out samples neither trained on (v2 and v1)" in result.reason
    assert result.model.metrics["activation"]["verdict"]["n"] == 0


def test_no_labels_and_one_class_are_refused(digits) -> None:
    store = digits.store
    labeled = [r["id"] for r in store.samples.rows() if r["label_id"] is not None and r["split"] == "train"]
    one = store.labels.by_name("one")
    for sid in labeled:
        set_tag(store, sid, one.id, "lara")
    with pytest.raises(TrainingDataError, match="all 150 training labels are 'one'"):
        train(digits)
    for sid in labeled:
        set_tag(store, sid, None, "lara")
    with pytest.raises(TrainingDataError, match="no labeled training samples"):
        retrain(digits)
    assert store.models.count() == 0


def test_a_corrupt_image_fails_the_run_and_keeps_the_active_model(trained) -> None:
    store = trained.store
    row = next(r for r in store.samples.rows() if r["label_id"] is not None and r["split"] == "train")
    trained.image_path(row["path"]).write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(TrainingFailed, match=row["path"].split("/")[-1]):
        retrain(trained)
    assert store.models.active().version == "v1"
    failed = store.models.get("v2")
    assert failed.state == "failed" and "image" in failed.metrics["error"]
    assert not (trained.models_dir / "v2.safetensors").exists()


def test_out_of_memory_is_reported_and_changes_nothing(trained, monkeypatch) -> None:
    from s2ide.ml import nets

    def boom(self, x):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(nets.SmallResNet, "forward", boom)
    with pytest.raises(TrainingFailed, match="out of memory"):
        train(trained)
    assert trained.store.models.active().version == "v1"


def test_cancel_stops_within_a_second_and_leaves_no_version(trained) -> None:
    config = load_train_config(trained.store)
    config.epochs = 200
    state = TaskState()
    errors: list[BaseException] = []
    started = threading.Event()
    state._on_progress = lambda p: started.set()  # first batch reported: training is under way

    def run() -> None:
        try:
            train(trained, config, state)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(30)
    time.sleep(0.2)
    asked = time.monotonic()
    state.cancel()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - asked < 1.0
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    store = trained.store
    assert store.models.active().version == "v1" and store.models.count() == 1


@pytest.mark.parametrize(("n", "batch_size", "min_steps"), [(66, 32, 8), (98, 32, 1), (5, 32, 8), (64, 32, 1)])
def test_batches_are_near_equal_and_cover_every_sample(n: int, batch_size: int, min_steps: int) -> None:
    """No 2-image tail batch: its batch-norm statistics made small training sets fail to learn."""
    generator = torch.Generator()
    generator.manual_seed(0)
    batches = _epoch_batches(n, batch_size, min_steps, generator)
    sizes = [len(b) for b in batches]
    assert len(batches) >= min_steps
    assert max(sizes) <= batch_size and max(sizes) - min(sizes) <= 1
    counts = np.bincount(torch.cat(batches).numpy(), minlength=n)
    assert counts.min() >= 1 and counts.max() == counts.min()  # whole passes: every sample equally often


def test_patience_counts_only_in_the_second_half_of_the_schedule(digits, monkeypatch) -> None:
    """Validation that never improves after epoch 1 stops the run `patience` epochs into the
    schedule's second half: a stall at the high learning rate of the first half is no reason."""
    from s2ide.ml import train as train_module

    def flat(network, images, hyper, batch_size=256, views=1):  # type: ignore[no-untyped-def]
        k, n = network.head.out_features, len(images)
        return np.full((n, k), 1.0 / k, np.float32), np.zeros((n, network.feature_dim), np.float32)

    monkeypatch.setattr(train_module, "evaluate", flat)
    config = replace(FAST_CONFIG, epochs=10, patience=2, early_stop_min_val=0)
    result = train(digits, config, TaskState())
    assert len(result.history) == 7  # epochs 6 and 7 stale, then stop


def test_a_run_leaves_another_live_runs_row_alone_and_fails_a_dead_ones(digits) -> None:
    """The app and `s2ide train` on one project: neither marks the other's run interrupted."""
    from s2ide.core.engine.run_owner import owner_stamp
    from s2ide.core.store.models import NewModel
    from tests.core.engine.test_run_owner import _dead_pid

    store = digits.store
    dead = owner_stamp()
    dead["pid"] = _dead_pid()
    with store.transaction():
        live = store.models.add(NewModel(task="classify", architecture="x", metrics={"owner": owner_stamp()}))
        gone = store.models.add(NewModel(task="classify", architecture="x", metrics={"owner": dead}))
        legacy = store.models.add(NewModel(task="classify", architecture="x"))
    train(digits, replace(FAST_CONFIG, epochs=2), TaskState())
    assert store.models.get(live.version).state == "training"
    assert store.models.get(gone.version).state == "failed"
    assert store.models.get(legacy.version).state == "failed"


def test_an_ensemble_trains_its_members_apart_and_predicts_their_mean(digits) -> None:
    from s2ide.ml.nets import Ensemble
    from s2ide.ml.predict import predict
    from s2ide.ml.registry import load_network

    epochs: list = []
    result = train(digits, replace(FAST_CONFIG, epochs=12, members=3), TaskState(), on_epoch=epochs.append)
    model = result.model
    assert model.hyperparameters["members"] == 3
    assert [s.member for s in epochs] == [0] * 12 + [1] * 12 + [2] * 12 + [3] * 12  # 0: the held-out check
    assert epochs[0].stage == "measuring on validation" and epochs[-1].stage == "network 3/3"
    network = load_network(digits, model)
    assert isinstance(network, Ensemble) and len(network.members) == 3
    images = torch.rand(5, 1, 16, 16)
    with torch.no_grad():
        mean = torch.stack([torch.softmax(m(images), 1) for m in network.members]).mean(0)
        assert torch.allclose(torch.softmax(network(images), 1), mean, atol=1e-5)
        first, second = (m(images) for m in network.members[:2])
    assert not torch.allclose(first, second)  # different seeds, different networks
    assert model.metrics["accuracy"] > 0.7
    predicted = predict(digits, model.version, TaskState())
    arrays = digits.store.predictions.arrays(model.version)
    assert predicted.count == 310 and arrays.embeddings.shape[1] == 3 * network.members[0].feature_dim


def test_saved_metrics_are_the_accuracy_of_the_stored_predictions(digits) -> None:
    """The model table, the evaluation view and the activation rule all judge the same
    predictor: the one with test-time views that makes the pre-labels."""
    from s2ide.core.engine.compare import evaluate as evaluate_stored

    model = retrain(digits, replace(FAST_CONFIG, epochs=6, predict_views=5), TaskState()).training.model
    stored = evaluate_stored(digits.store, model.version, "test")
    assert stored.n == model.metrics["test"]["n"] == 100
    assert model.metrics["test"]["accuracy"] == pytest.approx(stored.accuracy)
    assert model.metrics["test"]["confusion_matrix"] == stored.confusion.tolist()
    assert model.metrics["test"]["calibration"]["ece"] == pytest.approx(stored.calibration.ece, abs=1e-6)


def test_few_labels_measure_on_a_held_out_network_and_register_one_trained_on_all(digits) -> None:
    """A carved validation set under early_stop_min_val only measures: the validation report
    comes from a network that never saw it, the registered one trains on every label."""
    from s2ide.ml.data import decode_many
    from s2ide.ml.inference import evaluate
    from s2ide.ml.registry import load_network, read_train_ids

    epochs: list = []
    result = train(digits, replace(FAST_CONFIG, epochs=8), TaskState(), on_epoch=epochs.append)
    model = result.model
    assert model.metrics["trained_on_validation"] is True
    val_ids = model.metrics["validation_ids"]
    assert set(val_ids) <= set(read_train_ids(digits.models_dir / model.weights_file))
    assert [s.member for s in epochs] == [0] * 8 + [1] * 8  # no early stop, no epoch picking
    assert all(s.val_accuracy is not None for s in epochs[:8]) and all(s.val_accuracy is None for s in epochs[8:])
    # the registered network fits its own validation samples better than the report says
    snapshot = take_snapshot(digits, digits.store, 0.2, FAST_CONFIG.seed)
    assert list(snapshot.val.sample_ids) == val_ids
    images = torch.from_numpy(decode_many(snapshot.val.paths, 16, 1, TaskState(), "val"))
    probs, _ = evaluate(load_network(digits, model), images, model.hyperparameters, views=5)
    seen_accuracy = float((probs.argmax(1) == np.array(snapshot.val.targets)).mean())
    assert seen_accuracy > model.metrics["validation"]["accuracy"]


def test_a_large_enough_validation_set_picks_the_epoch_and_is_never_trained_on(digits) -> None:
    from s2ide.ml.registry import read_train_ids

    result = train(digits, replace(FAST_CONFIG, epochs=8, early_stop_min_val=10), TaskState())
    model = result.model
    assert model.metrics["trained_on_validation"] is False
    assert not set(model.metrics["validation_ids"]) & set(read_train_ids(digits.models_dir / model.weights_file))
    assert all(s.member == 1 for s in result.history)


def test_label_smoothing_keeps_the_training_loss_above_the_smoothed_targets_entropy(digits) -> None:
    """Cross-entropy against a target spread by epsilon can never fall below that target's
    entropy (1.18 nats for 0.3 over ten classes); without smoothing the loss goes well under it."""
    from s2ide.core.engine.ml_settings import TrainConfig
    from s2ide.core.errors import InvalidInputError

    k, epsilon = 10, 0.3
    true_p, other_p = 1 - epsilon + epsilon / k, epsilon / k
    floor = -(true_p * np.log(true_p) + (k - 1) * other_p * np.log(other_p))
    plain = train(digits, replace(FAST_CONFIG, epochs=20), TaskState())
    smoothed = train(digits, replace(FAST_CONFIG, epochs=20, label_smoothing=epsilon), TaskState())
    assert min(h.train_loss for h in plain.history) < floor - 0.2
    assert min(h.train_loss for h in smoothed.history) >= floor - 1e-3
    assert smoothed.model.hyperparameters["config"]["label_smoothing"] == epsilon
    with pytest.raises(InvalidInputError, match="label_smoothing"):
        TrainConfig(label_smoothing=1.0).validate()
