"""Release the program: a model version as a deployable file, with its label map, input size,
preprocessing and a model card (`s2ide export-model`, Model > Export model...).

The exported network takes float images scaled to [0, 1] (N, C, S, S) and returns class
probabilities (N, K); the training set's mean/std normalization is inside the graph, so a
deployment only resizes and scales. The card says what the version is and what it was tested
on: metrics per class and per slice, the model tests it passed, the labels it trained on and
the audit position of that label set, so the training data can be reconstructed. The app's
pre-labels average a few shifted views (predict_views); the exported file scores the image once.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from s2ide import __version__
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.ml.nets import Classifier
from s2ide.ml.registry import load_network

FORMATS = ("onnx", "torchscript")
OPSET = 17


class Deployable(nn.Module):
    """[0, 1] images in, probabilities out: the normalization and softmax the app applies."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, network: Classifier, mean: float, std: float) -> None:
        super().__init__()
        self.network = network
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("std", torch.tensor(float(std)))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.network((image - self.mean) / self.std).float(), dim=1)


@dataclass
class ExportResult:
    version: str
    model_file: Path
    card_file: Path
    files: list[Path] = field(default_factory=list)


def deployable(project: Project, model: ModelVersion) -> Deployable:
    hyper = model.hyperparameters
    return Deployable(load_network(project, model), float(hyper["mean"]), float(hyper["std"])).eval()


def preprocessing(model: ModelVersion) -> dict[str, Any]:
    hyper = model.hyperparameters
    channels = int(hyper["in_channels"])
    size = int(hyper["input_size"])
    return {
        "input_name": "image",
        "output_name": "probabilities",
        "input_shape": ["N", channels, size, size],
        "color": "grayscale (L)" if channels == 1 else "RGB",
        "resize": f"{size}x{size}, bilinear, after EXIF orientation (aspect ratio not kept)",
        "scale": "uint8 / 255 -> float32 in [0, 1]",
        "normalization": f"inside the model: (x - {float(hyper['mean']):.6f}) / {float(hyper['std']):.6f}",
        "output": "softmax probabilities, one column per label in label_map order",
        "test_time_views": 1,
    }


def model_card(store: Store, model: ModelVersion) -> dict[str, Any]:
    m = model.metrics
    suite = m.get("suite") or {}
    test_report = m.get("test") or {}
    return {
        "version": model.version,
        "created_at": model.created_at,
        "exported_by": f"s2ide {__version__}",
        "project": store.meta.get("name"),
        "task": model.task,
        "architecture": model.architecture,
        "label_map": [{"index": i, **entry} for i, entry in enumerate(model.label_map)],
        "trained_on_labels": model.trained_on,
        "label_audit_position": m.get("label_audit_position"),
        "metrics": {
            "evaluated_on": m.get("evaluated_on"),
            "accuracy": m.get("accuracy"),
            "macro_f1": m.get("macro_f1"),
            "per_class": m.get("per_class", {}),
            "test": {"accuracy": test_report.get("accuracy"), "n": test_report.get("n")} if test_report else None,
            "validation_accuracy": model.val_score,
        },
        "slices": [
            {k: s.get(k) for k in ("name", "metric", "minimum", "value", "passed", "n")}
            for s in suite.get("slices", [])
        ],
        "tests": [{k: t.get(k) for k in ("name", "kind", "expected", "got", "passed")} for t in suite.get("tests", [])],
        "tests_passed": suite.get("passed"),
        "activation": (m.get("activation") or {}).get("reason"),
        "preprocessing": preprocessing(model),
        "hyperparameters": {k: v for k, v in model.hyperparameters.items() if k != "config"},
    }


def card_markdown(card: dict[str, Any]) -> str:
    """The card for people (the JSON beside it is for tools)."""
    metrics = card["metrics"]
    lines = [
        f"# Model card: {card['project'] or 'project'} {card['version']}",
        "",
        f"- task: {card['task']}, architecture {card['architecture']}, created {card['created_at']}",
        f"- trained on {card['trained_on_labels']} labels; label set as of audit entry {card['label_audit_position']}",
        f"- {metrics['evaluated_on']} accuracy: {_pct(metrics['accuracy'])}, macro-F1 {_pct(metrics['macro_f1'])}",
        f"- activation: {card['activation'] or '-'}",
        "",
        "## Per class",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for name, row in metrics["per_class"].items():
        lines.append(
            f"| {name} | {_pct(row['precision'])} | {_pct(row['recall'])} | {_pct(row['f1'])} | {row['support']} |"
        )
    lines += ["", "## Slices", "| slice | metric | minimum | value | passed |", "|---|---|---|---|---|"]
    for s in card["slices"]:
        lines.append(f"| {s['name']} | {s['metric']} | {_pct(s['minimum'])} | {_pct(s['value'])} | {s['passed']} |")
    lines += ["", "## Model tests", "| test | expected | got | passed |", "|---|---|---|---|"]
    for t in card["tests"]:
        lines.append(f"| {t['name']} | {t['expected']} | {t['got']} | {t['passed']} |")
    pre = card["preprocessing"]
    lines += ["", "## Input", *(f"- {key}: {value}" for key, value in pre.items()), ""]
    return "\n".join(lines)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.3f}"


def export_model(
    project: Project, store: Store, dest: Path, version: str | None = None, fmt: str = "onnx"
) -> ExportResult:
    """Write DEST/<version>.onnx (or .pt), DEST/<version>.card.json and DEST/<version>.card.md."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    model = store.models.get(version) if version else store.models.active()
    if model is None:
        raise S2Error("no active model yet: train one first, or name one with --model")
    if model.state not in ("ready", "active"):
        raise S2Error(f"model {model.version} is {model.state} and cannot be exported")
    if dest.exists() and not dest.is_dir():
        raise InvalidInputError(f"{dest}: exists and is not a folder")
    dest.mkdir(parents=True, exist_ok=True)
    module = deployable(project, model)
    hyper = model.hyperparameters
    example = torch.rand(1, int(hyper["in_channels"]), int(hyper["input_size"]), int(hyper["input_size"]))
    card = model_card(store, model)
    target = dest / f"{model.version}.{'onnx' if fmt == 'onnx' else 'pt'}"
    tmp = target.with_name(target.name + ".tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notes
        if fmt == "onnx":
            torch.onnx.export(
                module, (example,), str(tmp), input_names=["image"], output_names=["probabilities"],
                dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=OPSET, dynamo=False,
            )  # fmt: skip
            _add_onnx_metadata(tmp, card)
        else:
            traced = torch.jit.trace(module, example)
            extra = {"model_card.json": json.dumps(card)}
            torch.jit.save(traced, str(tmp), _extra_files=extra)
    tmp.replace(target)
    card_json = dest / f"{model.version}.card.json"
    card_json.write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    card_md = dest / f"{model.version}.card.md"
    card_md.write_text(card_markdown(card), encoding="utf-8")
    return ExportResult(model.version, target, card_json, [target, card_json, card_md])


def _add_onnx_metadata(path: Path, card: dict[str, Any]) -> None:
    """The label map and preprocessing inside the file too, so it travels alone."""
    try:
        import onnx
    except ImportError:  # the sidecar card still says it all
        return
    proto = onnx.load(str(path))
    for key, value in (
        ("s2ide.label_map", json.dumps(card["label_map"])),
        ("s2ide.preprocessing", json.dumps(card["preprocessing"])),
        ("s2ide.version", card["version"]),
    ):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
