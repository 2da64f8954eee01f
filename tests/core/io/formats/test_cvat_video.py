"""CVAT for video 1.1: each track's shape on each frame becomes a shape of that frame's image."""

from __future__ import annotations

from pathlib import Path

from s2ide.core.io.formats import read_plan
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport

CVAT_VIDEO = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><name>v</name><mode>interpolation</mode>
    <labels><label><name>car</name></label><label><name>road</name></label></labels>
    <original_size><width>64</width><height>48</height></original_size>
  </task></meta>
  <track id="0" label="car" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="2" xbr="11" ybr="12" z_order="0"></box>
    <box frame="1" outside="0" occluded="1" keyframe="0" xtl="3" ytl="2" xbr="13" ybr="12" z_order="0"></box>
    <box frame="2" outside="1" occluded="0" keyframe="1" xtl="3" ytl="2" xbr="13" ybr="12" z_order="0"></box>
  </track>
  <track id="4" label="road" source="manual">
    <polygon frame="1" outside="0" occluded="0" keyframe="1" points="0,40;60,40;60,47" z_order="0">
      <attribute name="wet">true</attribute>
    </polygon>
    <polygon frame="7" outside="0" occluded="0" keyframe="1" points="0,40;60,40;60,47" z_order="0"></polygon>
  </track>
</annotations>
"""


def test_cvat_video_tracks_become_per_frame_shapes(tmp_path: Path) -> None:
    src = tmp_path / "video"
    for frame in range(3):
        write_image(src / "images" / f"frame_{frame:06d}.png", size=(64, 48), color=(frame, 50, 60))
    (src / "annotations.xml").write_text(CVAT_VIDEO)
    plan = read_plan(src, "auto")
    assert "video" in plan.layout
    assert plan.refused == [(1, "no image for frame 7 (expected images/frame_000007.*)", str(src / "annotations.xml"))]
    project, report = reimport(src, "cvat", tmp_path / "p")
    assert report.annotations_added == 3 and report.imported == 3
    store = project.store
    found = {}
    for row in store.samples.rows():
        found[Path(row["path"]).name] = sorted(
            (a.kind, a.geometry.get("x"), a.attributes.get("track_id"), a.attributes.get("occluded"))
            for a in store.annotations.for_sample(row["id"])
        )
    assert found == {
        "frame_000000.png": [("box", 1.0, 0, None)],
        "frame_000001.png": [("box", 3.0, 0, 1), ("polygon", None, 4, None)],
        "frame_000002.png": [],  # the car is outside on frame 2
    }
    project.close()
