"""A full disk while saving a model version fails it at once, with a message that says so
(issue 23.5: it used to stay `training` behind an `unexpected SafetensorError`)."""

from __future__ import annotations

import pytest
from safetensors import SafetensorError

from s2ide.core.errors import DiskFullError
from s2ide.ml import registry
from s2ide.ml.train import train


def test_disk_full_while_saving_weights_marks_the_version_failed(trained, monkeypatch) -> None:
    def full(tensors, filename, metadata=None):
        with open(filename, "wb") as handle:  # half a file, as a real full disk leaves
            handle.write(b"\0" * 100)
        raise SafetensorError(
            'Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" })'
        )

    monkeypatch.setattr(registry, "save_file", full)
    with pytest.raises(DiskFullError) as info:
        train(trained)
    message = str(info.value)
    assert "disk full" in message and str(trained.models_dir) in message and "free" in message
    store = trained.store
    assert store.models.active().version == "v1"
    failed = store.models.get("v2")
    assert failed.state == "failed" and failed.metrics["error"] == "disk full"
    assert store.models.list(states=("training",)) == []
    assert sorted(p.name for p in trained.models_dir.iterdir()) == ["v1.safetensors"]


def test_an_unexpected_error_never_leaves_a_version_training(trained, monkeypatch) -> None:
    from s2ide.ml import train as train_module

    def broken(*args, **kwargs):
        raise KeyError(1)

    monkeypatch.setattr(train_module, "_activation_decision", broken)
    with pytest.raises(train_module.TrainingFailed, match="KeyError"):
        train(trained)
    assert trained.store.models.get("v2").state == "failed"
