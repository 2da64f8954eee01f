"""Find similar to a region in a model's space: the box pooled on the backbone's feature map,
compared with the per-sample vectors the model stores (its map pooled over the whole image)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from s2ide.core.engine.similarity import Mode, nearest, query_vector, unit_rows
from s2ide.ml.detect.net import CenterNet
from s2ide.ml.detect.train import normalize
from s2ide.ml.region_embedding import embed_region, pool_box
from s2ide.ml.segment.net import UNet
from tests.region_scenes import scene_arrays, write_scenes

HYPER = {"mean": 0.5, "std": 0.25}


def _stored_vectors(network, images: np.ndarray) -> np.ndarray:
    """What predict stores per sample: the network's pooled features of the whole image."""
    with torch.no_grad():
        outputs = network.forward_with_features(normalize(torch.from_numpy(images), HYPER))
    return outputs[-1].numpy()


@pytest.mark.parametrize("net", ["detect", "segment"])
def test_a_box_around_an_object_finds_the_samples_with_that_object_first(tmp_path: Path, net: str) -> None:
    torch.manual_seed(0)
    network = (CenterNet(3, 2, width=8, head=16) if net == "detect" else UNet(3, 2, width=8)).eval()
    red_box, blue_box = write_scenes(tmp_path)
    names, images = scene_arrays(tmp_path)
    vectors = unit_rows(_stored_vectors(network, images))
    others = np.array([n != "both.png" for n in names])
    both = images[names.index("both.png")]
    for box, want in ((red_box, "red_"), (blue_box, "blue_")):
        region = embed_region(network, both, 1.0, box, HYPER)
        rows, _ = nearest(vectors, query_vector(region[None], Mode.MEAN), 8, others)
        found = [names[r] for r in rows]
        assert all(name.startswith(want) for name in found), (box, found)


def test_pooling_covers_the_box_cells_and_never_nothing() -> None:
    features = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4)
    # a box over cells (1..2, 1..2) at stride 16 and scale 0.5: image pixels 32..96
    pooled = pool_box(features, 16, (32, 32, 64, 64), 0.5)
    assert np.allclose(pooled, features[:, 1:3, 1:3].mean(dim=(1, 2)).numpy())
    tiny = pool_box(features, 16, (200, 200, 1, 1), 1.0)  # past the map: the last cell, not an empty mean
    assert np.isfinite(tiny).all() and np.allclose(tiny, features[:, 3, 3].numpy())


def test_region_search_through_the_project_runs_the_model_in_its_process(tmp_path: Path) -> None:
    """The app's path: the active detector's stored embeddings, the box embedded in the child."""
    from s2ide.core.engine.similar_search import Region, SearchRequest, run_search
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.project import Project
    from s2ide.core.store.models import NewModel
    from s2ide.core.tasks import TaskState
    from s2ide.ml.detect.net import DETECTOR
    from s2ide.ml.jobs import region_in_child
    from s2ide.ml.predict import predict
    from s2ide.ml.registry import save_weights

    red_box, _blue_box = write_scenes(tmp_path / "scenes")
    project = Project.create(tmp_path / "p", ["red", "blue"], task="detect")
    run_import(project, read_plan(tmp_path / "scenes", "folder"), ImportOptions(), TaskState())
    store = project.store
    torch.manual_seed(0)
    network = CenterNet(3, 2, width=8, head=16)
    hyper = {"in_channels": 3, "num_classes": 2, "width": 8, "head": 16, "input_size": 96, **HYPER}
    label_map = [{"id": label.id, "name": label.name} for label in store.labels.list()]
    with store.transaction():
        model = store.models.add(NewModel(task="detect", architecture=DETECTOR, label_map=label_map, trained_on=0))
    weights = project.models_dir / f"{model.version}.safetensors"
    save_weights(weights, network, [])
    with store.transaction():
        store.models.update(model.version, weights_file=weights.name, hyperparameters=hyper, state="ready")
        store.models.set_active(model.version)
    predict(project, model.version, TaskState())
    both = next(r["id"] for r in store.samples.rows() if r["path"].endswith("both.png"))

    def embed(version: str, path: str, box, state: TaskState):
        return region_in_child(project.location, version, path, box, state)

    outcome = run_search(project, SearchRequest([both], limit=8, region=Region(both, red_box)), None, embed)
    assert outcome.result.source == f"model {model.version}"
    names = {r["id"]: Path(r["path"]).name for r in store.samples.rows()}
    found = [names[m.sample_id] for m in outcome.result.matches]
    assert len(found) == 8 and all(name.startswith("red_") for name in found), found
    project.close()
