"""`s2ide test/pin/slice/activate`: pinned samples and slices gate activation and CI."""

from __future__ import annotations

import json

from s2ide.cli import main
from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.engine.model_tests import save_slice
from s2ide.core.labeling.tags import set_tag
from s2ide.core.tasks import TaskState
from tests.ml.conftest import digits_base, trained, trained_base  # noqa: F401 (fixtures)


def _predicted(project, version: str = "v1") -> dict[int, int]:
    return {row["id"]: row["predicted_id"] for row in project.store.predictions.rows(version)}


def test_a_broken_pin_and_a_slice_below_its_minimum_fail_the_suite_and_block_activation(trained, capsys) -> None:  # noqa: F811
    store = trained.store
    predicted = _predicted(trained)
    labels = store.labels.list()
    rows = [r for r in store.samples.rows() if r["split"] == "test"]
    good, bad, relabeled = rows[0], rows[1], rows[2]
    right = next(label for label in labels if label.id == predicted[good["id"]])
    wrong = next(label for label in labels if label.id != predicted[bad["id"]])
    assert main(["pin", str(trained.path), str(good["id"]), right.name, "--user", "eng", "--note", "easy"]) == 0
    assert main(["pin", str(trained.path), bad["path"], wrong.name, "--user", "leo", "--note", "the tunnel"]) == 0
    assert main(["pin", str(trained.path), str(good["id"]), right.name, "--user", "lara"]) == 1  # a labeler may not
    # a slice whose one sample is now labeled unlike the model's guess: accuracy 0 < 0.5
    other = next(label for label in labels if label.id != predicted[relabeled["id"]])
    set_tag(store, relabeled["id"], other.id, "eng")
    save_slice(store, "night", [relabeled["id"]], "eng", minimum=0.5)
    assert main(["slice", str(trained.path), "test set", "--split", "test", "--minimum", "0.1", "--user", "eng"]) == 0
    capsys.readouterr()

    assert main(["test", str(trained.path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "v1" and report["passed"] is False
    by_note = {t["note"]: t for t in report["tests"]}
    assert by_note["easy"]["passed"] is True and by_note["easy"]["expected"] == f"must be {right.name}"
    assert by_note["the tunnel"]["passed"] is False and by_note["the tunnel"]["expected"] == f"must be {wrong.name}"
    assert set(by_note["the tunnel"]) >= {"name", "kind", "expected", "got", "passed"}
    slices = {s["name"]: s for s in report["slices"]}
    assert slices["night"] == {**slices["night"], "metric": "accuracy", "minimum": 0.5, "value": 0.0, "passed": False}
    assert slices["test set"]["passed"] is True and slices["test set"]["n"] == len(rows)
    assert main(["test", str(trained.path)]) == 1
    captured = capsys.readouterr()
    assert "FAIL" in captured.out and "the tunnel" not in captured.out and bad["path"] in captured.out

    from s2ide.ml.train import train

    config = load_train_config(store)
    config.activation = "always"  # even the most permissive rule does not pass a failing suite
    result = train(trained, config, TaskState(), user="eng")
    assert not result.activated and result.reason.startswith("not activated: ")
    assert "failed" in result.reason and store.models.active().version == "v1"
    version = result.model.version
    assert main(["activate", str(trained.path), version, "--user", "eng"]) == 1
    assert "give a reason" in capsys.readouterr().err
    assert main(["activate", str(trained.path), version, "--user", "eng", "--reason", "pin is outdated"]) == 0
    assert store.models.active().version == version
    entry = store.audit.list(entity="model", entity_id=version)[0]
    assert entry.action == "activate" and "pin is outdated" in json.dumps(entry.after)
    assert main(["models", str(trained.path)]) == 0
    assert f"{version}: not activated: " in capsys.readouterr().out


def test_test_without_a_model_is_one_clear_line(tmp_path, capsys) -> None:
    from s2ide.core.project import Project

    Project.create(tmp_path / "p", ["a", "b"]).close()
    assert main(["test", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no active model" in err


def test_check_json_lists_findings_with_their_samples(tmp_path, capsys) -> None:
    from tests.core.engine.test_data_checks import _project

    project, _ = _project(tmp_path, n_train=4, n_test=2)
    rows = project.store.samples.rows()
    project.image_path(rows[0]["path"]).unlink()
    project.close()
    assert main(["check", str(tmp_path / "p"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checked"] == 6 and report["counts"] == {"missing": 1}
    assert report["findings"][0]["sample_ids"] == [rows[0]["id"]] and report["findings"][0]["severity"] == "error"
