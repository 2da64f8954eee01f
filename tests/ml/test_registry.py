"""Hostile or broken weights files are refused with a clear message and never executed."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from s2ide.ml.registry import ModelFileError, activate, load_network, read_train_ids
from s2ide.ml.train import train


class _Payload:
    """Unpickling this would create a file: proof that nothing ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _second_version(project) -> str:
    from s2ide.core.engine.ml_settings import load_train_config

    config = load_train_config(project.store)
    config.activation = "never"
    config.epochs = 1
    return train(project, config).model.version


def test_a_pickle_is_refused_and_never_run(trained, tmp_path: Path) -> None:
    version = _second_version(trained)
    model = trained.store.models.get(version)
    marker = tmp_path / "pwned"
    (trained.models_dir / model.weights_file).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelFileError, match="pickle"):
        activate(trained, trained.store, version, "eng")
    assert not marker.exists()
    assert trained.store.models.active().version == "v1"


def test_a_torch_save_zip_is_refused(trained) -> None:
    model = trained.store.models.active()
    path = trained.models_dir / model.weights_file
    torch.save({"x": torch.zeros(2)}, path)
    with pytest.raises(ModelFileError, match=r"torch\.save"):
        load_network(trained, model)


def test_wrong_shapes_and_keys_are_refused_before_loading(trained) -> None:
    model = trained.store.models.active()
    path = trained.models_dir / model.weights_file
    good = load_network(trained, model).state_dict()
    wrong = {k: v.clone() for k, v in good.items()}
    wrong["head.weight"] = torch.zeros(3, 3)
    save_file(wrong, str(path))
    with pytest.raises(ModelFileError, match=r"head.weight has shape \[3, 3\]"):
        load_network(trained, model)
    fewer = {k: v for k, v in good.items() if k != "head.bias"}
    save_file(fewer, str(path))
    with pytest.raises(ModelFileError, match="missing"):
        load_network(trained, model)
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}......")
    with pytest.raises(ModelFileError, match="not a safetensors file"):
        load_network(trained, model)
    path.unlink()
    with pytest.raises(ModelFileError, match="missing"):
        load_network(trained, model)


def test_weights_remember_their_training_samples(trained) -> None:
    model = trained.store.models.active()
    ids = read_train_ids(trained.models_dir / model.weights_file)
    assert model.metrics["trained_on_validation"]  # few labels: the registered network saw them all
    assert len(ids) == model.trained_on == 150


def test_a_header_length_that_looks_like_a_pickle_opcode_still_loads(trained, tmp_path: Path) -> None:
    """A safetensors header of length 0x..80 starts with the byte pickles start with."""
    import json
    import struct

    from s2ide.ml.registry import _check_header

    body = {"__metadata__": {"format": "pt"}, "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    text = json.dumps(body).encode()
    text += b" " * ((0x180 - len(text)) % 0x100 or 0x100)  # pad to a length ending in 0x80
    assert len(text) % 0x100 == 0x80
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"\0\0\0\0")
    assert path.read_bytes()[:1] == b"\x80"
    assert _check_header(path)["x"]["shape"] == [1]
