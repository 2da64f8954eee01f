"""`s2ide escalate`, `escalations` and `resolve`: the DESIGN.md §4 shapes, roles and errors."""

from __future__ import annotations

import json

from s2ide.cli import main

KEYS = {"id", "sample_id", "state", "reason", "note", "raised_by", "proposed_label", "resolution_label", "resolved_by"}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_escalate_list_resolve(filled_project, capsys):
    path = filled_project.path
    sample = filled_project.store.samples.ids()[0]
    code, out, err = run(
        capsys,
        "escalate",
        path,
        sample,
        "--reason",
        "ambiguous class",
        "--note",
        "ears?",
        "--proposed",
        "dog",
        "--user",
        "lara",
        "--json",
    )
    assert code == 0, err
    raised = json.loads(out)
    assert raised["state"] == "open" and raised["proposed_label"] == "dog"

    code, out, _ = run(capsys, "escalations", path, "--json")
    rows = json.loads(out)
    assert len(rows) == 1 and set(rows[0]) >= KEYS
    assert {k: rows[0][k] for k in KEYS} == {
        "id": raised["id"],
        "sample_id": sample,
        "state": "open",
        "reason": "ambiguous class",
        "note": "ears?",
        "raised_by": "lara",
        "proposed_label": "dog",
        "resolution_label": None,
        "resolved_by": None,
    }

    code, out, err = run(capsys, "resolve", path, raised["id"], "--label", "dog", "--note", "ears", "--user", "leo")
    assert code == 0 and "resolved" in out, err
    code, out, _ = run(capsys, "escalations", path, "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "escalations", path, "--state", "resolved", "--json")
    (row,) = json.loads(out)
    assert (row["state"], row["resolution_label"], row["resolved_by"]) == ("resolved", "dog", "leo")
    code, out, _ = run(capsys, "stats", path, "--json")
    assert json.loads(out)["escalations"] == {"resolved": 1}
    code, out, _ = run(capsys, "escalations", path, "--state", "all")
    assert code == 0 and "ambiguous class" in out


def test_a_labeler_cannot_resolve(filled_project, capsys):
    path = filled_project.path
    sample = filled_project.store.samples.ids()[0]
    run(capsys, "escalate", path, sample, "--reason", "other", "--user", "lara")
    code, out, err = run(capsys, "resolve", path, "1", "--label", "cat", "--user", "lara")
    assert code == 1 and out == ""
    assert err.strip() == "s2ide: error: lara is a labeler and may not resolve an escalation"
    assert filled_project.store.review.escalations.get(1).state == "open"


def test_bad_input_is_one_line_and_exit_1(filled_project, capsys):
    path = filled_project.path
    sample = filled_project.store.samples.ids()[0]
    cases = [
        (["escalate", path, sample, "--reason", "", "--user", "lara"], "needs a reason"),
        (["escalate", path, sample, "--reason", "other", "--proposed", "cow", "--user", "lara"], "unknown label 'cow'"),
        (["escalate", path, "nope.png", "--reason", "other", "--user", "lara"], "no sample 'nope.png'"),
        (["resolve", path, "x1", "--label", "cat", "--user", "leo"], "is not an escalation id"),
        (["resolve", path, "5", "--label", "cat", "--user", "leo"], "no escalation #5"),
    ]
    for argv, message in cases:
        code, _out, err = run(capsys, *argv)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, (argv, err)
    assert run(capsys, "escalate", path, sample, "--reason", "other", "--user", "lara")[0] == 0
    code, _, err = run(capsys, "escalate", path, sample, "--reason", "other", "--user", "lara")
    assert code == 1 and "already escalated" in err
    run(capsys, "resolve", path, "1", "--label", "cat", "--user", "leo")
    code, _, err = run(capsys, "resolve", path, "1", "--label", "dog", "--user", "leo")
    assert code == 1 and "is resolved" in err
    code, _, err = run(capsys, "resolve", path, "1", "--label", "cow", "--user", "leo")
    assert code == 1 and "unknown label 'cow'" in err
    assert filled_project.store.annotations.tag_of(sample).label_id == filled_project.store.labels.by_name("cat").id


def test_usage_errors_exit_2(filled_project, capsys):
    try:
        main(["escalations", str(filled_project.path), "--state", "closed"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should refuse an unknown state")
    capsys.readouterr()
