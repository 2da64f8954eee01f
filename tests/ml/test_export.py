"""export-model: the ONNX file gives torch's probabilities (1e-4) and carries its label map and card."""

from __future__ import annotations

import json
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from s2ide.cli import main
from s2ide.core.errors import S2Error
from s2ide.ml.export import deployable, export_model


def test_onnx_matches_torch_and_the_card_says_what_the_version_is(trained, tmp_path, capsys) -> None:
    store = trained.store
    assert main(["export-model", str(trained.path), str(tmp_path / "out"), "--format", "onnx"]) == 0
    printed = capsys.readouterr().out.split()
    onnx_file = tmp_path / "out" / "v1.onnx"
    assert str(onnx_file) in printed
    model = store.models.get("v1")
    reference = deployable(trained, model)
    size, channels = model.hyperparameters["input_size"], model.hyperparameters["in_channels"]
    images = torch.rand(7, channels, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = reference(images).numpy()
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    got = session.run(None, {"image": images.numpy()})[0]
    assert got.shape == (7, len(model.label_map))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert np.allclose(got.sum(axis=1), 1, atol=1e-5)
    meta = {p.key: p.value for p in onnx.load(str(onnx_file)).metadata_props}
    assert [e["name"] for e in json.loads(meta["s2ide.label_map"])] == model.label_names
    card = json.loads((tmp_path / "out" / "v1.card.json").read_text())
    assert card["version"] == "v1" and card["trained_on_labels"] == model.trained_on
    assert card["label_audit_position"] == model.metrics["label_audit_position"] > 0
    assert set(card["metrics"]["per_class"]) == set(model.label_names)
    assert card["preprocessing"]["input_shape"] == ["N", channels, size, size]
    assert "## Per class" in (tmp_path / "out" / "v1.card.md").read_text()


def test_torchscript_export_matches_and_bad_requests_are_one_line(trained, tmp_path) -> None:
    result = export_model(trained, trained.store, tmp_path / "ts", "v1", "torchscript")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.load's note about torch.export
        loaded = torch.jit.load(str(result.model_file))
    model = trained.store.models.get("v1")
    images = torch.rand(3, model.hyperparameters["in_channels"], 16, 16)
    with torch.no_grad():
        assert torch.allclose(loaded(images), deployable(trained, model)(images), atol=1e-5)
    with pytest.raises(S2Error, match="no model version 'v9'"):
        export_model(trained, trained.store, tmp_path / "x", "v9", "onnx")
    (tmp_path / "file").write_text("x")
    with pytest.raises(S2Error, match="not a folder"):
        export_model(trained, trained.store, tmp_path / "file", None, "onnx")
