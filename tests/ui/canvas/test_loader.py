"""ImageLoader: preview then full, the LRU by bytes, prefetch that never delays a request."""

from __future__ import annotations

import pytest
from PIL import Image

from s2ide.ui.canvas.loader import ImageLoader


@pytest.fixture
def loader(qtbot):
    made = ImageLoader()
    yield made
    made.shutdown()


def _images(tmp_path, count, size=(40, 30)):
    paths = []
    for index in range(count):
        path = tmp_path / f"i{index}.png"
        Image.new("RGB", size, (index * 20, 0, 0)).save(path)
        paths.append(path)
    return paths


def test_request_decodes_then_answers_from_the_cache(qtbot, loader, tmp_path):
    (path,) = _images(tmp_path, 1)
    with qtbot.waitSignal(loader.imageReady) as blocker:
        assert loader.request(1, path) is None
    assert blocker.args[0] == 1 and blocker.args[1].size.width() == 40
    got = []
    loader.imageReady.connect(lambda sid, decoded: got.append(sid))
    assert loader.request(1, path) is not None  # at once, from the cache
    assert got == [1]


def test_large_image_previews_first(qtbot, loader, tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (3000, 2000), (9, 9, 9)).save(path)
    seen = []
    loader.previewReady.connect(lambda sid, d: seen.append("preview"))
    loader.imageReady.connect(lambda sid, d: seen.append("full"))
    loader.request(7, path)
    qtbot.waitUntil(lambda: "full" in seen, timeout=10000)
    assert seen == ["preview", "full"]


def test_prefetch_waits_for_a_request_in_flight_then_fills_the_cache(qtbot, loader, tmp_path):
    paths = _images(tmp_path, 4)
    loader.request(0, paths[0])
    loader.prefetch([(1, paths[1]), (2, paths[2])])
    qtbot.waitUntil(lambda: loader.cached(1) is not None and loader.cached(2) is not None, timeout=5000)
    assert loader.cached(0) is not None
    shown = []
    loader.imageReady.connect(lambda sid, d: shown.append(sid))
    loader.prefetch([(3, paths[3])])
    loader.request(3, paths[3])  # asked for while (maybe) queued for prefetch: shown once decoded
    qtbot.waitUntil(lambda: 3 in shown, timeout=5000)


def test_failures_are_reported_and_remembered(qtbot, loader, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with qtbot.waitSignal(loader.failed) as blocker:
        loader.request(5, bad)
    assert "bad.png" in blocker.args[1]
    with qtbot.waitSignal(loader.failed, timeout=100):
        loader.request(5, bad)


def test_cache_is_bounded_by_bytes(qtbot, tmp_path):
    loader = ImageLoader(cache_bytes=40 * 30 * 4 * 2 + 10)
    try:
        paths = _images(tmp_path, 4)
        loader.prefetch([(i, p) for i, p in enumerate(paths)])
        loader.wait()
        qtbot.waitUntil(lambda: not loader.busy, timeout=5000)
        assert sum(loader.cached(i) is not None for i in range(4)) == 2
        assert loader.cached(3) is not None
    finally:
        loader.shutdown()
