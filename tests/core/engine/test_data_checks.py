"""Data checks: leakage across splits, duplicates, changed and broken files, label conflicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core.engine.data_checks import hamming, perceptual_hash, run
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState


def _photo(rng: np.random.Generator, size: int = 96) -> Image.Image:
    """A photo-like picture: a smooth gradient with a few soft coloured blobs."""
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size, 3))
    for channel in range(3):
        a, b, c = rng.uniform(-1, 1, 3)
        image[..., channel] = 0.5 + 0.3 * (a * x + b * y + c * x * y)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.08, 0.3)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        image += blob[..., None] * rng.uniform(-0.6, 0.6, 3)
    return Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8))


def _project(tmp_path: Path, n_train: int = 40, n_test: int = 12) -> tuple[Project, list[Path]]:
    rng = np.random.default_rng(7)
    folder = tmp_path / "images"
    folder.mkdir()
    plan = ImportPlan(format="test", root=folder, labels=["a", "b"])
    test_files = []
    for index in range(n_train + n_test):
        file = folder / f"img{index:03d}.png"
        _photo(rng).save(file)
        split = "test" if index >= n_train else "train"
        if split == "test":
            test_files.append(file)
        plan.items.append(ImportItem(source=file, tag="ab"[index % 2], split=split))
    project = Project.create(tmp_path / "p", ["a", "b"])
    for name, role in (("lara", "labeler"), ("lena", "labeler")):
        add_user(project.store, name, role)
    run_import(project, plan, ImportOptions(user="test", processes=1), TaskState())
    return project, test_files


def test_five_test_images_copied_into_train_reencoded_and_resized_are_all_found(tmp_path: Path) -> None:
    project, test_files = _project(tmp_path)
    copies = tmp_path / "copies"
    copies.mkdir()
    plan = ImportPlan(format="test", root=copies, labels=["a", "b"])
    for index, source in enumerate(test_files[:5]):
        image = Image.open(source).convert("RGB")
        smaller = image.resize((round(image.width * 0.9), round(image.height * 0.9)), Image.Resampling.BILINEAR)
        target = copies / f"copy{index}.jpg"
        smaller.save(target, quality=85)
        plan.items.append(ImportItem(source=target, tag="a", split="train"))
    run_import(project, plan, ImportOptions(user="test", processes=1), TaskState())
    report = run(project)
    leaks = [f for f in report.findings if f.kind == "leakage"]
    paths = {row["id"]: row["path"] for row in project.store.samples.rows()}
    leaked_pairs = {tuple(sorted(Path(paths[i]).name for i in f.sample_ids)) for f in leaks}
    expected = {tuple(sorted((f"copy{i}.jpg", test_files[i].name))) for i in range(5)}
    assert expected <= leaked_pairs
    assert len(leaks) == 5  # and nothing else among 52 distinct pictures
    assert not [f for f in report.findings if f.kind in ("near_duplicate", "exact_duplicate")]
    assert report.as_json()["counts"]["leakage"] == 5
    project.close()


def test_changed_missing_broken_and_conflicting_labels_are_reported(tmp_path: Path) -> None:
    project, _ = _project(tmp_path, n_train=6, n_test=2)
    store = project.store
    rows = store.samples.rows()
    project.image_path(rows[0]["path"]).write_bytes(b"not an image at all")
    Image.open(project.image_path(rows[1]["path"])).rotate(90).save(project.image_path(rows[1]["path"]))
    project.image_path(rows[2]["path"]).unlink()
    set_tag(store, rows[3]["id"], store.labels.list()[0].id, "lara")
    set_tag(store, rows[3]["id"], store.labels.list()[1].id, "lena")
    report = run(project)
    kinds = {(f.kind, f.sample_ids[0]) for f in report.findings}
    assert ("unreadable", rows[0]["id"]) in kinds and ("changed", rows[0]["id"]) in kinds
    assert ("changed", rows[1]["id"]) in kinds and ("missing", rows[2]["id"]) in kinds
    conflict = next(f for f in report.findings if f.kind == "label_conflict")
    assert conflict.sample_ids == [rows[3]["id"]] and "lara: a" in conflict.message and "lena: b" in conflict.message
    assert report.findings[0].severity == "error"
    project.close()


def test_perceptual_hash_survives_reencoding_and_separates_different_pictures() -> None:
    rng = np.random.default_rng(3)
    one, other = _photo(rng), _photo(rng)
    import io

    buffer = io.BytesIO()
    one.resize((86, 86)).save(buffer, "JPEG", quality=80)
    again = Image.open(io.BytesIO(buffer.getvalue()))
    h1, h2, h3 = (np.uint64(perceptual_hash(image)[0]) for image in (one, again, other))
    assert int(hamming(h1, h2)) <= 8 < int(hamming(h1, h3))


def test_a_class_short_of_labels_for_its_share_of_predictions_is_flagged(project) -> None:
    from tests.engineer_data import add_model, add_samples, tag_all

    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    labeled = add_samples(project, 14, split="train")
    tag_all(project, labeled, [cat] * 12 + [dog] * 2)
    unlabeled = add_samples(project, 20, split="train", start=100)
    probs = np.array([[0.9, 0.1]] * 14 + [[0.2, 0.8]] * 20)
    add_model(project, "v1", labeled + unlabeled, probs)
    report = run(project)
    short = [f for f in report.findings if f.kind == "few_labels"]
    assert len(short) == 1 and short[0].data["label"] == "dog" and short[0].data["labels"] == 2
    assert short[0].sample_ids == unlabeled and "100.0% of the active model's predictions" in short[0].message
    assert report.counts()["missing"] == 34  # rows without files: each named, none dropped
