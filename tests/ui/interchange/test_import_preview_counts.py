"""File ▸ Import annotations…: the preview names the layout found and, before anything is
written, how many annotations will not be added and why."""

from __future__ import annotations

import json

from s2ide.ui.interchange.import_preview import ImportPreviewDialog
from tests.conftest import write_image
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_preview_shows_layout_and_what_will_not_be_added(qtbot, context, tmp_path) -> None:
    root = tmp_path / "rf"
    write_image(root / "train" / "x.jpg", size=(32, 32), color=(9, 8, 7))
    box = {"image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4]}
    doc = {
        "images": [
            {"id": 1, "file_name": "x.jpg", "width": 32, "height": 32},
            {"id": 2, "file_name": "../../../elsewhere.jpg", "width": 32, "height": 32},
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [{"id": 1, **box}, {"id": 2, **box}, {"id": 3, **box, "image_id": 2}],
    }
    (root / "train" / "_annotations.coco.json").write_text(json.dumps(doc))
    dialog = ImportPreviewDialog(context)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.reader.finished, timeout=10_000):
        dialog.set_source(root)
    text = dialog.summary.text()
    assert "3 annotations" in text and "Roboflow" in text
    assert "2 will not be added. identical copies of a shape on the same image: 1" in text
    assert "leads outside the dataset folder" in text
    assert dialog.import_button.isEnabled()
