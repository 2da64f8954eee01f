"""Label editor, user dialog and new-project dialog, driven through their widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from s2ide.core.project import Project
from s2ide.ui.gallery.label_editor import QtLabelEditor
from s2ide.ui.gallery.project_dialogs import QtNewProjectDialog
from s2ide.ui.review.user_dialog import QtUserDialog
from s2ide.ui.shell.context import AppContext
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_label_editor_rename_clash_and_add(qtbot, window):
    ctx = window.context
    ctx.set_user("leo")
    editor = QtLabelEditor(ctx, window)
    qtbot.addWidget(editor)
    cat = ctx.store.labels.by_name("cat")
    editor.select(cat.id)
    editor.hotkey.setCurrentIndex(editor.hotkey.findData("2"))
    assert editor.save() is False
    assert editor.error.text() == "hotkey 2 is already used by label 'dog'"
    assert ctx.store.labels.get(cat.id).hotkey == "1"

    editor.hotkey.setCurrentIndex(editor.hotkey.findData("1"))
    editor.name.setText("kitty")
    editor.set_color("#112233")
    with qtbot.waitSignal(ctx.labelsChanged):
        assert editor.save()
    saved = ctx.store.labels.get(cat.id)
    assert (saved.name, saved.color) == ("kitty", "#112233")
    assert ctx.store.audit.list(entity="label", entity_id=cat.id)[0].user == "leo"
    assert window.foundation.labels.tree.topLevelItem(0).text(0) == "kitty"

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.hotkey.currentData() == "3"
    editor.name.setText("bird")
    editor.description.setText("feathers")
    assert editor.save()
    bird = ctx.store.labels.by_name("bird")
    assert bird is not None and bird.hotkey == "3" and bird.description == "feathers"
    # The new hotkey works at once.
    first = ctx.store.samples.ids()[0]
    ctx.open_sample(first)
    qtbot.keyClick(window, Qt.Key.Key_3)
    assert ctx.store.annotations.tag_of(first).label_id == bird.id


def test_labeler_may_not_edit_labels(qtbot, window):
    editor = QtLabelEditor(window.context, window)
    qtbot.addWidget(editor)
    editor.name.setText("renamed")
    assert editor.save() is False
    assert "lara is a labeler and may not edit labels" in editor.error.text()


def test_user_dialog_adds_and_remembers(qtbot, filled_project):
    ctx = AppContext()
    ctx.open_project(filled_project.path)
    assert ctx.user is None
    dialog = QtUserDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.users.count() == 4  # three users and "Add a new user…"
    dialog.choose_new("", "labeler")
    assert dialog.apply() is False and "type a name" in dialog.error.text()
    dialog.choose_new("lara", "lead")
    assert dialog.apply() is False and "exists already" in dialog.error.text()
    dialog.choose_new("nina", "engineer")
    assert dialog.apply()
    assert ctx.user is not None and (ctx.user.name, ctx.user.role) == ("nina", "engineer")
    assert ctx.settings.user_for(ctx.project.path) == "nina"
    ctx.close_project()

    # Opening the project again in the app restores the remembered user with no dialog.
    from s2ide.ui.shell.main_window import MainWindow

    again = AppContext()
    win = MainWindow(again)
    qtbot.addWidget(win)
    again.open_project(filled_project.path)
    assert again.user is not None and again.user.name == "nina"
    assert "nina (engineer)" in win.windowTitle()
    win.close()
    again.close_project()


def test_user_dialog_switches_to_existing(qtbot, context):
    dialog = QtUserDialog(context)
    qtbot.addWidget(dialog)
    assert dialog.users.currentData() == "lara"
    dialog.choose_existing("leo")
    assert not dialog.name.isEnabled()
    assert dialog.apply() and context.user.name == "leo"


def test_new_project_dialog(qtbot, tmp_path):
    dialog = QtNewProjectDialog()
    qtbot.addWidget(dialog)
    assert dialog.apply() is False and "choose a folder" in dialog.error.text()
    dialog.fill(tmp_path / "fresh", "cat, dog , bird", "detect")
    assert dialog.apply()
    opened = Project.open(tmp_path / "fresh")
    assert [lb.name for lb in opened.store.labels.list()] == ["cat", "dog", "bird"] and opened.task == "detect"
    owner = opened.store.users.get(dialog.owner)  # the creator owns it: every action, labels included
    assert owner is not None and owner.role == "engineer" and opened.store.meta.get("owner") == dialog.owner
    opened.close()
    dialog.fill(tmp_path / "fresh", "x")
    assert dialog.apply() is False and "exists here already" in dialog.error.text()


def test_open_project_via_feature_remembers_recent(qtbot, window, tmp_path):
    other = Project.create(tmp_path / "second", ["a"])
    other.close()
    window.context.settings.remember_user((tmp_path / "second").resolve(), "nobody")  # unknown: ignored
    assert window.context.open_project(tmp_path / "second")
    assert window.foundation.gallery.model.rowCount() == 0
    assert window.context.settings.recent_projects()[0] == str((tmp_path / "second").resolve())
    assert window.context.user is None


def test_recent_projects_menu_opens_one(qtbot, window, tmp_path, filled_project, monkeypatch):
    asked = []
    monkeypatch.setattr(QtUserDialog, "exec", lambda dialog: asked.append(dialog) or 0)
    other = Project.create(tmp_path / "third", ["x"])
    other.close()
    ctx = window.context
    ctx.open_project(tmp_path / "third")
    ctx.open_project(filled_project.path)
    foundation = window.foundation
    foundation._fill_recent()
    titles = [action.text() for action in foundation.recent_menu.actions()]
    assert titles[:2] == [str(filled_project.path), str((tmp_path / "third").resolve())]
    foundation.recent_menu.actions()[1].trigger()
    assert ctx.project is not None and ctx.project.path == (tmp_path / "third").resolve()
    assert len(asked) == 1 and ctx.user is None  # nobody remembered there: the dialog asked


def test_a_project_opens_on_a_sample_not_an_empty_canvas(qtbot, window, tmp_path, filled_project, monkeypatch):
    """A labeler faces the next sample to label; an engineer the gallery's first; an open
    sample or a lead's queue in front is left alone."""
    from s2ide.core.labeling.tags import set_tag

    monkeypatch.setattr(QtUserDialog, "exec", lambda dialog: 0)  # nobody signs in on the other project
    from s2ide.core.review.users import add_user

    ctx = window.context
    store = filled_project.store
    ids = store.samples.ids()
    add_user(store, "eve", "engineer")
    for sid in ids[1:]:
        set_tag(store, sid, None, "lara")  # the first stays labeled, the rest are to do
    other = Project.create(tmp_path / "other", ["x"])
    other.close()
    for who, expected in (("lara", ids[1]), ("eve", ids[0])):
        window.foundation.open_project(tmp_path / "other")
        ctx.settings.remember_user(filled_project.path, who)
        assert window.foundation.open_project(filled_project.path)
        assert ctx.user is not None and ctx.user.name == who
        assert ctx.current_sample_id == expected, who
        assert window.view.has_image() or window.tabs.currentWidget() is window.view
    ctx.open_sample(ids[3])
    from s2ide.ui.gallery.feature import start_on_a_sample

    start_on_a_sample(window)  # a sample is open: nothing changes
    assert ctx.current_sample_id == ids[3]
