"""Edits apply and revert on the store and the document, with audit rows, as deltas."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.core.geometry import decode_mask
from s2ide.core.labeling.document import Change, SampleDocument
from s2ide.core.labeling.history import (
    AddShape,
    AddShapes,
    ChangeShapes,
    DeleteShapes,
    FieldChange,
    MaskEdit,
    MoveMask,
    Session,
    keep_within_budget,
)
from s2ide.core.labeling.masks import paint_segment
from s2ide.core.labeling.tiles import TileRecorder


@pytest.fixture
def session(filled_project):
    return Session(filled_project.store, "lara")


def _sample(session) -> int:
    return session.store.samples.ids()[0]


def _kinds(session, sample_id):
    return sorted(a.kind for a in session.store.annotations.for_sample(sample_id) if a.kind != "tag")


def test_add_shape_then_undo_and_redo_keep_the_same_id(session):
    sid = _sample(session)
    cat = session.store.labels.by_name("cat").id
    events = []
    session.document(sid).subscribe(events.append)
    edit = AddShape(sid, "box", cat, {"x": 1, "y": 2, "w": 5, "h": 6})
    edit.apply(session)
    first_id = edit.annotation.id
    assert _kinds(session, sid) == ["box"]
    assert first_id in session.document(sid).shapes
    edit.revert(session)
    assert _kinds(session, sid) == []
    assert first_id not in session.document(sid).shapes
    edit.apply(session)
    assert session.store.annotations.get(first_id).geometry["w"] == 5
    assert [e.change for e in events] == [Change.SHAPES_ADDED, Change.SHAPES_REMOVED, Change.SHAPES_ADDED]
    actions = [a.action for a in session.store.audit.list(entity="annotation")]
    assert actions[:3] == ["add", "undo add", "add"]


def test_relabel_and_move_many_as_one_step(session):
    sid = _sample(session)
    cat, dog = (session.store.labels.by_name(n).id for n in ("cat", "dog"))
    adds = [AddShape(sid, "point", cat, {"x": i, "y": i}) for i in range(3)]
    for edit in adds:
        edit.apply(session)
    changes = [
        FieldChange(
            e.annotation.id,
            {"label_id": cat, "geometry": e.annotation.geometry},
            {"label_id": dog, "geometry": {"x": 10.0, "y": 10.0}},
        )
        for e in adds
    ]
    edit = ChangeShapes(sid, changes, "relabel")
    edit.apply(session)
    stored = [session.store.annotations.get(e.annotation.id) for e in adds]
    assert {a.label_id for a in stored} == {dog} and {a.geometry["x"] for a in stored} == {10.0}
    edit.revert(session)
    stored = [session.store.annotations.get(e.annotation.id) for e in adds]
    assert {a.label_id for a in stored} == {cat} and [a.geometry["x"] for a in stored] == [0.0, 1.0, 2.0]
    assert session.document(sid).shapes[adds[0].annotation.id].label_id == cat


def test_delete_then_undo_restores_rows(session):
    sid = _sample(session)
    add = AddShape(sid, "polygon", None, {"points": [[0, 0], [4, 0], [4, 4]]})
    add.apply(session)
    delete = DeleteShapes(sid, [add.annotation])
    delete.apply(session)
    assert _kinds(session, sid) == []
    delete.revert(session)
    assert session.store.annotations.get(add.annotation.id).geometry["points"][1] == [4.0, 0.0]


def test_bad_geometry_is_refused_before_anything_is_saved(session):
    from s2ide.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        AddShape(_sample(session), "box", None, {"x": 0, "y": 0, "w": -1, "h": 3})


def _stroke(session, sid, label_id, value=True):
    doc = session.document(sid)
    layer = doc.mask(label_id)
    recorder = TileRecorder(layer.array)
    for x0, x1 in ((2, 10), (10, 20)):
        box = (0, 0, doc.width, doc.height)
        recorder.touch(box)
        paint_segment(layer.array, x0, 5, x1, 5, 2, value)
    return MaskEdit(sid, label_id, recorder.deltas(), "paint" if value else "erase", painted=True)


def test_mask_stroke_saves_png_and_undo_clears_it(session):
    sid = _sample(session)
    cat = session.store.labels.by_name("cat").id
    edit = _stroke(session, sid, cat)
    edit.apply(session)
    doc = session.document(sid)
    rows = [a for a in session.store.annotations.for_sample(sid) if a.kind == "mask"]
    assert len(rows) == 1
    saved = decode_mask(rows[0].data, doc.width, doc.height)
    assert (saved == doc.mask(cat).array).all() and saved[5, 15]
    assert edit.cost < 10_000 and edit.changed_pixels > 40
    edit.revert(session)
    assert not doc.mask(cat).array.any()
    assert [a for a in session.store.annotations.for_sample(sid) if a.kind == "mask"] == []
    edit.apply(session)
    reloaded = SampleDocument.load(session.store, sid)
    assert (reloaded.masks[cat].array == doc.mask(cat).array).all()
    assert session.store.audit.list(entity="annotation")[0].after["changed_pixels"] == edit.changed_pixels


def test_eraser_after_brush_undoes_in_order(session):
    sid = _sample(session)
    cat = session.store.labels.by_name("cat").id
    paint = _stroke(session, sid, cat, True)
    paint.apply(session)
    painted = session.document(sid).mask(cat).array.copy()
    erase = _stroke(session, sid, cat, False)
    erase.apply(session)
    assert not session.document(sid).mask(cat).array.any()
    erase.revert(session)
    assert (session.document(sid).mask(cat).array == painted).all()
    stored = next(a for a in session.store.annotations.for_sample(sid) if a.kind == "mask")
    assert (decode_mask(stored.data) == painted).all()


def test_budget_drops_oldest_but_keeps_the_newest():
    assert keep_within_budget([10, 10, 10], budget=25) == 1
    assert keep_within_budget([10, 10, 10], budget=100) == 0
    assert keep_within_budget([500], budget=10) == 0
    assert np.sum([1]) == 1


def test_unknown_user_cannot_edit_and_nothing_is_saved(filled_project):
    from s2ide.core.errors import InvalidInputError

    session = Session(filled_project.store, "mallory")
    sid = filled_project.store.samples.ids()[0]
    with pytest.raises(InvalidInputError, match="mallory"):
        AddShape(sid, "point", None, {"x": 1, "y": 1}).apply(session)
    assert _kinds(session, sid) == []


def test_add_many_shapes_is_one_step(session):
    sid = _sample(session)
    edit = AddShapes(sid, [("point", None, {"x": 1, "y": 1}), ("box", None, {"x": 0, "y": 0, "w": 2, "h": 2})])
    edit.apply(session)
    ids = [a.id for a in edit.annotations]
    assert _kinds(session, sid) == ["box", "point"]
    edit.revert(session)
    assert _kinds(session, sid) == []
    edit.apply(session)
    assert sorted(a.id for a in session.store.annotations.for_sample(sid) if a.kind != "tag") == sorted(ids)


def _mask_rows(session, sid) -> dict[int, np.ndarray]:
    return {a.label_id: decode_mask(a.data) for a in session.store.annotations.for_sample(sid) if a.kind == "mask"}


def test_changing_a_masks_label_merges_its_pixels_as_one_undo_step(session):
    sid = _sample(session)
    cat = session.store.labels.by_name("cat").id
    dog = session.store.labels.by_name("dog").id
    _stroke(session, sid, cat).apply(session)
    doc = session.document(sid)
    dog_layer = doc.mask(dog)
    recorder = TileRecorder(dog_layer.array)
    recorder.touch((0, 0, doc.width, doc.height))
    paint_segment(dog_layer.array, 15, 5, 30, 5, 2, True)  # overlaps the cat stroke's end
    MaskEdit(sid, dog, recorder.deltas(), "paint", painted=True).apply(session)
    cat_before, dog_before = doc.mask(cat).array.copy(), doc.mask(dog).array.copy()

    move = MoveMask(doc, cat, dog)
    move.apply(session)
    assert not doc.mask(cat).array.any()
    assert (doc.mask(dog).array == (cat_before | dog_before)).all()
    rows = _mask_rows(session, sid)
    assert set(rows) == {dog} and (rows[dog] == (cat_before | dog_before)).all()
    assert move.cost < 20_000

    move.revert(session)
    assert (doc.mask(cat).array == cat_before).all() and (doc.mask(dog).array == dog_before).all()
    rows = _mask_rows(session, sid)
    assert (rows[cat] == cat_before).all() and (rows[dog] == dog_before).all()

    move.apply(session)
    reloaded = SampleDocument.load(session.store, sid)
    assert set(reloaded.masks) == {dog} and (reloaded.masks[dog].array == (cat_before | dog_before)).all()


def test_moving_an_empty_mask_or_onto_itself_is_refused(session):
    sid = _sample(session)
    cat = session.store.labels.by_name("cat").id
    dog = session.store.labels.by_name("dog").id
    doc = session.document(sid)
    with pytest.raises(InvalidInputError, match="no mask pixels"):
        MoveMask(doc, cat, dog)
    _stroke(session, sid, cat).apply(session)
    with pytest.raises(InvalidInputError, match="another label"):
        MoveMask(doc, cat, cat)
