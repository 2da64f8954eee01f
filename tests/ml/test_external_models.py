"""Bring-your-own ONNX models end to end with tiny models built here: signature checks (and
refusals), checksummed storage, the external_models table, SAM clicks and box, YOLO pre-labels."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.ml.external import files, registry
from s2ide.ml.external.signatures import check
from tests.core.labeling.test_selection import disc_image, iou
from tests.ml import onnx_models


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    encoder, decoder = onnx_models.sam_pair(folder)
    return {
        "encoder": encoder,
        "decoder": decoder,
        "det": onnx_models.yolo(folder, segment=False),
        "seg": onnx_models.yolo(folder, segment=True),
    }


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv(files.ENV_DIR, str(folder))
    return folder


def test_signatures_are_recognised_and_a_mismatch_is_refused(built, tmp_path):
    assert check(built["encoder"], "sam-encoder")[0] == "sam-encoder"
    assert check(built["decoder"], "sam-decoder")[0] == "sam-decoder"
    assert check(built["det"], ("yolo-detect", "yolo-segment"))[0] == "yolo-detect"
    assert check(built["seg"], ("yolo-detect", "yolo-segment"))[0] == "yolo-segment"
    with pytest.raises(InvalidInputError, match=r"tiny-det\.onnx: this is a yolo-detect model, expected sam-decoder"):
        check(built["det"], "sam-decoder")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(InvalidInputError, match=r"junk\.onnx: not a readable ONNX model"):
        check(junk, "sam-encoder")


def test_sam_pair_is_stored_by_checksum_and_segments_by_clicks(built, models_dir, project):
    model = registry.add_sam(project.store, "tiny sam", built["encoder"], built["decoder"], "eng")
    assert model.kind == "sam" and project.store.external_models.list() == [model]
    sha = hashlib.sha256(built["encoder"].read_bytes()).hexdigest()
    assert model.files["encoder"] == sha and (models_dir / f"{sha}.onnx").exists()
    sam = registry.load(model)
    image, truth = disc_image(width=240, height=160, centre=(120, 80), radius=45, noise=3)
    embedding = sam.encode(image)
    mask = sam.decode(embedding, [(120, 80)], [1])
    assert mask.shape == truth.shape and iou(mask, truth) > 0.8
    background = sam.decode(embedding, [(20, 20)], [1])
    assert iou(background, ~truth) > 0.8
    carved = sam.decode(embedding, [(120, 80), (150, 80)], [1, 0])  # a negative click removes its part
    assert carved[78:82, 145:155].sum() < mask[78:82, 145:155].sum()
    boxed = sam.decode(embedding, [], [], box=(70, 30, 170, 130))
    assert boxed.shape == truth.shape
    with pytest.raises(InvalidInputError):
        registry.add_sam(project.store, "tiny sam", built["encoder"], built["decoder"])  # the name is taken


def test_a_swapped_pair_or_a_tampered_file_is_refused(built, models_dir, project):
    with pytest.raises(InvalidInputError, match="expected sam-encoder"):
        registry.add_sam(project.store, "wrong", built["decoder"], built["encoder"])
    assert project.store.external_models.list() == []
    model = registry.add_yolo(project.store, "det", built["det"])
    stored = models_dir / f"{model.files['model']}.onnx"
    stored.write_bytes(stored.read_bytes() + b"x")
    with pytest.raises(InvalidInputError, match="checksum mismatch"):
        registry.load(model)


def test_download_checks_the_sha256(built, models_dir, project):
    url = built["det"].as_uri()
    sha = hashlib.sha256(built["det"].read_bytes()).hexdigest()
    with pytest.raises(InvalidInputError, match="checksum mismatch"):
        files.download(url, "0" * 64)
    assert not list(models_dir.glob("*.onnx"))
    model = registry.add_from_urls(project.store, "downloaded", "yolo", {"model": (url, sha)})
    assert model.kind == "yolo-detect" and registry.available(model)
    with pytest.raises(InvalidInputError, match="64 hexadecimal"):
        files.download(url, "abc")


def test_yolo_detector_and_segmenter_give_prelabels_by_label_name(built, models_dir, project):
    image, truth = disc_image(width=128, height=128, centre=(48, 48), radius=26, noise=2)
    det = registry.load(registry.add_yolo(project.store, "det", built["det"]))
    found = det.predict(image)
    assert found and all(d.name == "disc" for d in found)
    union = np.zeros_like(truth)
    for d in found:
        x0, y0, x1, y1 = (round(v) for v in d.box)
        union[y0:y1, x0:x1] = True
    assert union[truth].mean() > 0.6
    pre = registry.prelabels(found, {"disc": 7}, as_masks=False)
    assert len(pre.shapes) == len(found) and pre.shapes[0][0] == "box" and pre.shapes[0][1] == 7
    unmatched = registry.prelabels(found, {"cat": 1}, as_masks=False)
    assert unmatched.shapes == [] and unmatched.unmatched["disc"] == len(found)
    seg = registry.load(registry.add_yolo(project.store, "seg", built["seg"]))
    masks = [d.mask for d in seg.predict(image)]
    assert masks and all(m is not None and m.shape == truth.shape for m in masks)
    pre = registry.prelabels(seg.predict(image), {"disc": 7}, as_masks=True)
    assert pre.shapes and pre.shapes[0][0] == "polygon"
