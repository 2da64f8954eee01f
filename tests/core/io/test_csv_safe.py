"""Every CSV s2ide writes neutralises formula cells (OWASP CSV injection; issue 23.3)."""

from __future__ import annotations

import csv
import io

import pytest

from s2ide.core.io.csv_safe import FORMULA_STARTS, SafeWriter, safe_cell, unescape_cell
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.tasks import TaskState
from tests.conftest import write_image

EVIL = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", EVIL)
def test_a_formula_cell_is_quoted_and_read_back_unchanged(text):
    assert safe_cell(text) == "'" + text
    assert unescape_cell(safe_cell(text)) == text


def test_plain_cells_pass_unchanged():
    for value in ("cat", "images/a.png", "/abs/path.png", "", 3, 1.5, None, "a=b", "'quoted"):
        assert safe_cell(value) == value
    assert unescape_cell("'quoted") == "'quoted"


def test_safe_writer_never_writes_a_cell_a_spreadsheet_would_run():
    buffer = io.StringIO()
    SafeWriter(buffer).writerows([EVIL, ["fine", 1]])
    for row in csv.reader(io.StringIO(buffer.getvalue(), newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def test_export_csv_neutralises_labels_and_file_names_and_round_trips(project, tmp_path):
    src = tmp_path / "src"
    write_image(src / "=HYPERLINK(1).png", color=(1, 1, 1))
    write_image(src / "b.png", color=(2, 2, 2))
    (src / "labels.csv").write_text("path,label\n=HYPERLINK(1).png,=cmd|' /C calc'!A0\nb.png,@evil\n")
    report = run_import(project, read_plan(src, "csv"), ImportOptions(), TaskState())
    assert report.imported == 2
    names = {label.name for label in project.store.labels.list()}
    assert {"=cmd|' /C calc'!A0", "@evil"} <= names
    out = tmp_path / "out"
    run_export(project, out, "csv", ExportOptions(images=None), TaskState())
    text = (out / "labels.csv").read_text()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["path", "label", "split"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), row
    labels = sorted(row[1] for row in rows[1:])
    assert labels == ["'=cmd|' /C calc'!A0", "'@evil"]
    # s2ide reads its own export back to the same labels.
    again = read_plan(out / "labels.csv", "csv")
    assert sorted(item.tag or "" for item in again.items) == ["=cmd|' /C calc'!A0", "@evil"]
