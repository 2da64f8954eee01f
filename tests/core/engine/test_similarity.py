"""Find more like this: the search arithmetic, the cheap embedding's proof, the index, the priority slice."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.priority import clear_priority, pending, prioritize
from s2ide.core.engine.sampling import Strategy, build_queue
from s2ide.core.engine.similar_search import SearchRequest, run_search
from s2ide.core.engine.similarity import (
    Mode,
    VectorSet,
    find_similar,
    load_vectors,
    nearest,
    query_vector,
    similarities,
)
from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.io.demo import load_digits, render_digit
from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState
from tests.store_helpers import add_model

HIDDEN_COPIES = 20
CROWD = 2000


# -- arithmetic on hand-made vectors -----------------------------------------------------------
def test_nearest_orders_by_cosine_and_respects_the_mask() -> None:
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0], [0.7, 0.7]], dtype=np.float16)
    rows, distances = nearest(vectors, np.array([[1.0], [0.0]]), 3)
    assert rows.tolist() == [0, 1, 4]
    assert distances[0] == pytest.approx(0.0, abs=1e-3)
    assert np.all(np.diff(distances) >= 0)
    allowed = np.array([False, True, True, True, False])
    rows, distances = nearest(vectors, np.array([[1.0], [0.0]]), 10, allowed)
    assert rows.tolist() == [1, 2, 3]  # only the allowed ones, and never more than exist
    assert distances[-1] == pytest.approx(2.0, abs=1e-3)  # the opposite direction


def test_mean_and_any_differ_on_two_far_examples() -> None:
    examples = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    mean = query_vector(examples, Mode.MEAN)
    assert mean.shape == (3, 1) and np.allclose(mean[:, 0], [2**-0.5, 2**-0.5, 0])
    either = query_vector(examples, Mode.ANY)
    assert either.shape == (3, 2)
    crowd = np.array([[0.7, 0.7, 0.1], [1.0, 0.05, 0.0], [0.0, 0.0, 1.0]], dtype=np.float16)
    assert nearest(crowd, mean, 1)[0].tolist() == [0]  # between both: what they share
    assert nearest(crowd, either, 1)[0].tolist() == [1]  # a near copy of one of them
    with pytest.raises(InvalidInputError, match="cancel out"):
        query_vector(np.array([[1.0, 0.0], [-1.0, 0.0]]), Mode.MEAN)


def test_float16_chunks_match_a_float32_product() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(70_000, 16)).astype(np.float16)  # more than one chunk
    query = rng.normal(size=(16, 2)).astype(np.float32)
    assert np.allclose(similarities(data, query), data.astype(np.float32) @ query, atol=1e-3)


def test_unknown_example_is_named() -> None:
    vset = VectorSet("cheap-v1", "t", np.array([3, 5]), np.eye(2, dtype=np.float16))
    assert vset.rows_of([5, 3]).tolist() == [1, 0]
    with pytest.raises(InvalidInputError, match="sample"):
        vset.rows_of([4])


# -- the proof: 20 re-rendered copies of one digit hidden among 2,000 others --------------------
def _render(pixels: np.ndarray, rng: np.random.Generator, size: int = 64) -> Image.Image:
    """The digit re-rendered with a shift of up to 2 px and pixel noise (sigma 12 of 255)."""
    image = np.asarray(render_digit(pixels, size).convert("RGB"), dtype=np.float32)
    dx, dy = rng.integers(-2, 3, 2)
    image = np.roll(np.roll(image, int(dx), axis=1), int(dy), axis=0)
    return Image.fromarray(np.clip(image + rng.normal(0, 12, image.shape), 0, 255).astype(np.uint8))


def _hidden_copies_project(path: Path, target: int = 77) -> tuple[Project, list[int], dict[int, int]]:
    """The project, the copies' sample ids, and each sample's digit (for tests that train a model)."""
    images, targets = load_digits()
    rng = np.random.default_rng(0)
    crowd = np.concatenate([rng.permutation(len(images)), rng.integers(0, len(images), CROWD)])
    crowd = crowd[crowd != target][:CROWD]
    project = Project.create(path, [str(d) for d in range(10)])
    folder = path / "images"
    folder.mkdir()
    rows = []
    for i, source in enumerate([target] * HIDDEN_COPIES + crowd.tolist()):
        file = folder / f"{i:05d}.png"
        _render(images[source], rng).save(file)
        rows.append((f"images/{file.name}", hashlib.sha256(file.read_bytes()).hexdigest(), 64, 64, "train"))
    with project.store.transaction():
        project.store.samples.add_many(rows)
    ids = [int(r) for r in project.store.samples.ids()]
    sources = [target] * HIDDEN_COPIES + crowd.tolist()
    digits = {sample_id: int(targets[source]) for sample_id, source in zip(ids, sources)}
    return project, ids[:HIDDEN_COPIES], digits


@pytest.fixture(scope="module")
def hidden_copies(tmp_path_factory) -> tuple[Path, list[int], dict[int, int]]:
    """Built once for the module (2,020 images); each test works on its own copy of the folder."""
    path = tmp_path_factory.mktemp("hidden") / "p"
    project, copies, digits = _hidden_copies_project(path)
    project.close()
    return path, copies, digits


def _copy_of(hidden_copies, tmp_path: Path) -> tuple[Project, list[int], dict[int, int]]:
    source, copies, digits = hidden_copies
    shutil.copytree(source, tmp_path / "p")
    return Project.open(tmp_path / "p"), copies, digits


def test_cheap_embedding_finds_the_hidden_copies(hidden_copies, tmp_path: Path) -> None:
    project, copies, _digits = _copy_of(hidden_copies, tmp_path)
    done = cheap_embedding.compute_missing(project)
    assert done.computed == HIDDEN_COPIES + CROWD and not done.skipped
    store = project.store
    assert load_vectors(store).source == cheap_embedding.KIND  # no model yet
    for query in copies[:3]:
        found = find_similar(store, [query], 20).matches
        hits = len({m.sample_id for m in found} & set(copies))
        assert hits >= 15, f"sample {query}: {hits} of the other 19 copies in the top 20"
        assert query not in {m.sample_id for m in found}
    # several examples: by their mean, and close to any of them
    for mode in (Mode.MEAN, Mode.ANY):
        found = find_similar(store, copies[:3], 17, mode=mode).matches
        assert len({m.sample_id for m in found} & set(copies[3:])) >= 13
    project.close()


def test_cheap_embedding_counts_unreadable_images(project, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    Image.new("RGB", (20, 20), (200, 10, 10)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with project.store.transaction():
        project.store.samples.add_many([(str(good), "a" * 64, 20, 20, "none"), (str(bad), "b" * 64, 20, 20, "none")])
    done = cheap_embedding.compute_missing(project)
    assert done.computed == 1 and len(done.skipped) == 1 and "bad.png" in done.skipped[0]
    assert cheap_embedding.compute_missing(project).computed == 0  # the good one is not redone
    vector = project.store.vectors.one(cheap_embedding.KIND, 1)
    assert vector is not None and vector.shape == (cheap_embedding.DIM,)


# -- a model's embeddings win once they exist ----------------------------------------------------
def test_active_model_embeddings_replace_the_cheap_ones(project, tmp_path: Path) -> None:
    store = project.store
    with store.transaction():
        store.samples.add_many([(f"s{i}.png", f"{i:064x}", 8, 8, "none") for i in range(4)])
        store.vectors.put_many(cheap_embedding.KIND, [(i + 1, np.eye(4)[i]) for i in range(4)])
    assert find_similar(store, [1], 3).source == cheap_embedding.KIND
    add_model(store, "v1", "active")
    model_vectors = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9]], dtype=np.float32)
    with store.transaction():
        store.predictions.put_many("v1", [{"sample_id": i + 1, "embedding": model_vectors[i]} for i in range(4)])
    result = find_similar(store, [1], 3)
    assert result.source == "model v1"
    assert [m.sample_id for m in result.matches] == [3, 4, 2]
    set_tag(store, 3, store.labels.by_name("cat").id, "lara")  # type: ignore[union-attr]
    assert [m.sample_id for m in find_similar(store, [1], 3, unlabeled_only=True).matches] == [4, 2]
    assert [m.sample_id for m in find_similar(store, [1], 3, exclude=[4]).matches] == [3, 2]


# -- the approximate index -----------------------------------------------------------------------
def _clustered(n: int, dims: int = 32, seed: int = 0) -> VectorSet:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(50, dims))
    data = centers[rng.integers(0, 50, n)] + 0.4 * rng.normal(size=(n, dims))
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return VectorSet("cheap-v1", "t", np.arange(1, n + 1, dtype=np.int64), data.astype(np.float16))


def test_index_recall_against_brute_force() -> None:
    vset = _clustered(3000)
    index = ann_index.AnnIndex(ann_index.build_from(vset), vset.source, vset.stamp, vset)
    recalls = []
    for row in range(0, 3000, 300):
        query = query_vector(vset.vectors[[row]], Mode.MEAN)
        exact, exact_distances = nearest(vset.vectors, query, 20)
        found = index.search(query, 20)
        recalls.append(ann_index.recall_at((vset.sample_ids[exact]).tolist(), [key for key, _ in found]))
        truth = dict(zip(vset.sample_ids[exact].tolist(), exact_distances.tolist()))
        for key, distance in found:  # re-ranked by the exact product: brute force's distances
            if key in truth:
                assert distance == pytest.approx(truth[key], abs=1e-5)
        assert [d for _, d in found] == sorted(d for _, d in found)
    assert np.mean(recalls) >= 0.98 and min(recalls) >= 0.8
    allowed = set(range(1, 3001, 2))
    assert all(key in allowed for key, _ in index.search(query_vector(vset.vectors[[0]], Mode.MEAN), 10, allowed))


def test_saved_index_is_used_only_for_the_vectors_it_was_built_from(project, monkeypatch) -> None:
    store = project.store
    rng = np.random.default_rng(1)
    with store.transaction():
        store.samples.add_many([(f"s{i}.png", f"{i:064x}", 8, 8, "none") for i in range(300)])
        store.vectors.put_many(cheap_embedding.KIND, [(i + 1, rng.normal(size=8)) for i in range(300)])
    monkeypatch.setattr(ann_index, "INDEX_THRESHOLD", 100)
    assert ann_index.build_index(project) is not None
    vset = load_vectors(store)
    assert ann_index.open_index(project, vset) is not None
    outcome = run_search(project, SearchRequest([1], 10))
    assert outcome.result.approximate and outcome.index_note == "approximate index"
    exact = run_search(project, SearchRequest([1], 10, exact=True)).result
    assert not exact.approximate
    assert len({m.sample_id for m in outcome.result.matches} & {m.sample_id for m in exact.matches}) >= 9
    with store.transaction():  # new vectors: the saved index is stale and brute force answers
        store.samples.add_many([("new.png", "f" * 64, 8, 8, "none")])
        store.vectors.put_many(cheap_embedding.KIND, [(301, rng.normal(size=8))])
    assert ann_index.open_index(project, load_vectors(store)) is None
    stale = run_search(project, SearchRequest([1], 10))
    assert not stale.result.approximate and "no up-to-date index" in stale.index_note


def test_pgvector_needs_a_server_with_the_extension() -> None:
    pytest.skip("pgvector: the team PostgreSQL server here has no vector extension; search uses numpy/usearch")


# -- the priority slice ------------------------------------------------------------------------
def test_priority_slice_comes_first_and_empties_as_samples_are_labeled(project) -> None:
    store = project.store
    with store.transaction():
        store.samples.add_many([(f"s{i}.png", f"{i:064x}", 8, 8, "train") for i in range(6)])
    with pytest.raises(PermissionDenied):
        prioritize(store, [5], "lara")  # a labeler does not reorder everyone's queue
    assert prioritize(store, [5, 3, 5], "leo") == [5, 3]
    assert prioritize(store, [3, 6], "eng") == [6]  # 3 keeps its place
    assert [sample_id for sample_id, _ in pending(store)] == [5, 3, 6]
    queue = build_queue(store, Strategy.RANDOM)
    assert [e.sample_id for e in queue[:3]] == [5, 3, 6] and all(e.pinned for e in queue[:3])
    assert not any(e.pinned for e in queue[3:]) and len(queue) == 6
    set_tag(store, 3, store.labels.by_name("dog").id, "lara")  # type: ignore[union-attr]
    assert [sample_id for sample_id, _ in pending(store)] == [5, 6]
    assert store.priority.ids() == [5, 6]  # the labeled one left the slice
    assert clear_priority(store, "leo") == 2 and pending(store) == []
    assert any(entry.action == "prioritize" for entry in store.audit.list(entity="priority"))


def test_a_new_project_has_the_tables(tmp_path: Path) -> None:
    made = Project.create(tmp_path / "fresh", ["a"])
    add_user(made.store, "leo", "lead")
    names = {r[0] for r in made.store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sample_embeddings", "priority_samples"} <= names
    made.close()


@pytest.mark.slow
@pytest.mark.timeout(600)  # a few seconds alone; minutes on a machine shared by eight test runs
def test_a_trained_models_embedding_finds_the_hidden_copies(hidden_copies, tmp_path: Path) -> None:
    """The same proof with the active model's embedding (a small net trained on 300 labels of the crowd)."""
    from dataclasses import replace

    from s2ide.core.engine.ml_settings import save_train_config
    from s2ide.ml.loop import retrain
    from tests.ml.digits import FAST_CONFIG

    project, copies, digits = _copy_of(hidden_copies, tmp_path)
    store = project.store
    add_user(store, "eng", "engineer")
    label_of = {label.name: label.id for label in store.labels.list()}
    crowd = [sample_id for sample_id in digits if sample_id not in copies]
    for sample_id in np.random.default_rng(3).choice(crowd, 300, replace=False).tolist():
        set_tag(store, sample_id, label_of[str(digits[sample_id])], "eng")
    config = replace(FAST_CONFIG, epochs=8, patience=8, threads=2)
    save_train_config(store, config, "eng")
    project.close()
    result = retrain(project, config, TaskState(), user="eng")
    assert result.prediction is not None and result.prediction.count == HIDDEN_COPIES + CROWD
    for query in copies[:3]:
        found = find_similar(project.store, [query], 20)
        assert found.source.startswith("model ")
        hits = len({m.sample_id for m in found.matches} & set(copies))
        assert hits >= 15, f"sample {query}: {hits} of the other 19 copies in the top 20"
    project.close()
