"""`s2ide train/predict/queue/mistakes/models`: DESIGN.md §4 shapes, errors as one line."""

from __future__ import annotations

import json

import pytest

from s2ide.cli import main
from s2ide.core.labeling.tags import set_tag
from tests.ml.conftest import digits, digits_base, trained, trained_base  # noqa: F401 (fixtures)


def _json(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_train_json_is_the_models_entry_and_epochs_go_to_stderr(digits, capsys) -> None:  # noqa: F811
    assert main(["train", str(digits.path), "--epochs", "3", "--json", "--user", "eng"]) == 0
    captured = capsys.readouterr()
    assert "epoch 1/3" in captured.err and "epoch 3/3" in captured.err
    entry = json.loads(captured.out)  # stdout holds the JSON and nothing else
    assert entry["version"] == "v1" and entry["active"] is True and entry["trained_on"] == 150
    metrics = entry["metrics"]
    assert set(metrics) >= {"accuracy", "per_class", "confusion_matrix", "labels"}
    assert set(metrics["per_class"]["zero"]) == {"precision", "recall", "f1", "support"}
    assert len(metrics["confusion_matrix"]) == 10 and metrics["labels"][0] == "zero"
    models = _json(capsys, ["models", str(digits.path), "--json"])
    assert [m["version"] for m in models] == ["v1"] and models[0]["metrics"] == metrics
    assert main(["models", str(digits.path)]) == 0
    assert "v1" in capsys.readouterr().out


def test_train_names_the_network_of_an_ensemble_on_each_epoch_line(digits, capsys) -> None:  # noqa: F811
    from dataclasses import replace

    from s2ide.core.engine.ml_settings import load_train_config, save_train_config

    save_train_config(digits.store, replace(load_train_config(digits.store), members=2), "eng")
    assert main(["train", str(digits.path), "--epochs", "2", "--user", "eng"]) == 0
    err = capsys.readouterr().err
    assert "network 1/2  epoch 2/2" in err and "network 2/2  epoch 1/2" in err
    assert digits.store.models.get("v1").hyperparameters["members"] == 2


def test_predict_queue_and_mistakes_shapes(trained, capsys) -> None:  # noqa: F811
    path = str(trained.path)
    preds = _json(capsys, ["predict", path, "--json"])
    assert len(preds) == 310
    assert set(preds[0]) >= {"id", "path", "label", "score", "margin", "entropy"}
    queue = _json(capsys, ["queue", path, "--strategy", "margin", "--limit", "5", "--json"])
    assert len(queue) == 5 and set(queue[0]) >= {"id", "path", "label", "score"}
    by_id = {p["id"]: p for p in preds}
    margins = [by_id[q["id"]]["margin"] for q in queue]
    assert margins == sorted(margins)
    unlabeled = {r["id"] for r in trained.store.samples.rows() if r["label_id"] is None}
    assert {q["id"] for q in queue} <= unlabeled
    # make a sure mistake: relabel a confidently predicted test sample
    store = trained.store
    row = max((p for p in preds if p["id"] not in unlabeled), key=lambda p: p["score"])
    wrong = next(lb for lb in store.labels.list() if lb.name != row["label"])
    set_tag(store, row["id"], wrong.id, "lara")
    mistakes = _json(capsys, ["mistakes", path, "--limit", "100", "--json"])
    assert mistakes[0]["id"] == row["id"]
    assert mistakes[0]["label"] == wrong.name and mistakes[0]["predicted"] == row["label"]
    assert set(mistakes[0]) == {"id", "path", "label", "predicted", "score", "loss"}
    losses = [m["loss"] for m in mistakes]
    assert losses == sorted(losses, reverse=True)


def test_errors_are_one_line(digits, capsys) -> None:  # noqa: F811
    path = str(digits.path)
    assert main(["mistakes", path]) == 1
    assert (
        capsys.readouterr().err.strip() == "s2ide: error: no active model yet: train one first (`s2ide train PROJECT`)"
    )
    assert main(["predict", path, "--model", "v7"]) == 1
    assert "no model version 'v7'" in capsys.readouterr().err
    assert main(["train", path, "--epochs", "0"]) == 1
    assert "--epochs must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["queue", path, "--strategy", "bogus"])
    assert exc.value.code == 2


def test_label_errors_finds_flipped_labels_and_keeps_the_ranking(digits, capsys) -> None:  # noqa: F811
    from dataclasses import replace

    from s2ide.core.engine.ml_settings import load_train_config, save_train_config

    store = digits.store
    save_train_config(store, replace(load_train_config(store), epochs=12), "eng")
    path = str(digits.path)
    assert main(["label-errors", path, "--saved"]) == 1  # nothing saved yet: one clear line
    assert "no saved ranking" in capsys.readouterr().err
    labels = store.labels.list()
    tagged = [r for r in store.samples.rows() if r["label_id"] is not None and r["split"] == "train"]
    flipped = {}
    for row in tagged[:10]:
        wrong = next(lb for lb in labels if lb.id != row["label_id"])
        set_tag(store, row["id"], wrong.id, "lara")
        flipped[row["id"]] = wrong.name
    found = _json(capsys, ["label-errors", path, "--folds", "3", "--json"])
    assert found and set(found[0]) == {"id", "path", "label", "suggested", "self_confidence", "suggested_probability"}
    hits = [f for f in found if f["id"] in flipped]
    assert len(hits) >= 5 and all(f["label"] == flipped[f["id"]] for f in hits)
    assert _json(capsys, ["label-errors", path, "--saved", "--json"]) == found
