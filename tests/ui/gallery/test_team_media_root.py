"""A team project opened on a machine with no media root mapped: one clear message naming it, no
crash in the gallery's painting and no grey wall of "unreadable"."""

from __future__ import annotations

import pytest

from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_gallery_without_a_media_root_says_so_once(qtbot, team_project, team_url, monkeypatch) -> None:
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

    monkeypatch.delenv("S2IDE_MEDIA_ROOT", raising=False)
    with team_project.store.transaction():
        first = team_project.store.samples.add("cats/a.png", "sha-a", 8, 8)
        team_project.store.samples.add("cats/b.png", "sha-b", 8, 8)
    ctx = AppContext()
    messages: list[str] = []
    ctx.statusMessage.connect(lambda text, _ms: messages.append(text))
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    ctx.open_project(team_url)
    qtbot.waitExposed(win)
    gallery = win.foundation.gallery
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 2, timeout=3000)
    gallery.view.viewport().repaint()
    qtbot.waitUntil(lambda: any("no media root" in m for m in messages), timeout=3000)
    said = [m for m in messages if "media root" in m]
    assert len(said) == 1 and "S2IDE_MEDIA_ROOT" in said[0]
    ctx.open_sample(first)  # the canvas says the same instead of failing
    qtbot.wait(200)
    win.close()
    ctx.close_project()


@pytest.fixture(autouse=True)
def _no_media_root_setting(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("S2IDE_CONFIG_DIR", str(tmp_path / "config"))
