"""What an ONNX file is, from its inputs and outputs: a SAM-family encoder or decoder (the
layout samexporter and segment-anything's exporter write), or an Ultralytics YOLO detector or
segmenter. A file whose signature matches none is refused with a message naming the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s2ide.core.errors import InvalidInputError

SAM_DECODER_INPUTS = {
    "image_embeddings",
    "point_coords",
    "point_labels",
    "mask_input",
    "has_mask_input",
    "orig_im_size",
}


@dataclass(frozen=True)
class Port:
    name: str
    shape: tuple[Any, ...]  # ints, or strings/None for dynamic axes


@dataclass(frozen=True)
class Signature:
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    metadata: dict[str, str]

    def describe(self) -> str:
        def ports(items: tuple[Port, ...]) -> str:
            return ", ".join(f"{p.name}{list(p.shape)}" for p in items)

        return f"inputs {ports(self.inputs)}; outputs {ports(self.outputs)}"


def session(path: Path) -> Any:
    """An onnxruntime session on the CPU (a file onnxruntime cannot read is refused clearly)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for bad files
        raise InvalidInputError(f"{Path(path).name}: not a readable ONNX model ({type(exc).__name__})") from exc


def signature_of(sess: Any) -> Signature:
    meta = sess.get_modelmeta()
    return Signature(
        tuple(Port(i.name, tuple(i.shape)) for i in sess.get_inputs()),
        tuple(Port(o.name, tuple(o.shape)) for o in sess.get_outputs()),
        dict(meta.custom_metadata_map or {}),
    )


def _four_d(port: Port) -> bool:
    return len(port.shape) == 4


def kind_of(signature: Signature) -> str:
    """'sam-encoder', 'sam-decoder', 'yolo-detect' or 'yolo-segment'; InvalidInputError otherwise."""
    names = {p.name for p in signature.inputs}
    if names >= SAM_DECODER_INPUTS and any(o.name == "masks" for o in signature.outputs):
        return "sam-decoder"
    if len(signature.inputs) == 1 and _four_d(signature.inputs[0]):
        outputs = signature.outputs
        if len(outputs) == 1 and len(outputs[0].shape) == 3:
            return "yolo-detect"
        if len(outputs) == 2 and len(outputs[0].shape) == 3 and _four_d(outputs[1]):
            return "yolo-segment"
        if len(outputs) >= 1 and _four_d(outputs[0]):
            return "sam-encoder"
    raise InvalidInputError("not a SAM encoder/decoder or YOLO detector/segmenter ONNX export: " + signature.describe())


def check(path: Path, expected: str | tuple[str, ...]) -> tuple[str, Any]:
    """Open `path`, make sure its signature is one of `expected`; (kind, session)."""
    sess = session(path)
    try:
        kind = kind_of(signature_of(sess))
    except InvalidInputError as exc:
        raise InvalidInputError(f"{Path(path).name}: {exc}") from exc
    wanted = (expected,) if isinstance(expected, str) else expected
    if kind not in wanted:
        raise InvalidInputError(f"{Path(path).name}: this is a {kind} model, expected {' or '.join(wanted)}")
    return kind, sess
