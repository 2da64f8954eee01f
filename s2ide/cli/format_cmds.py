"""`s2ide export`: write a project's images and annotations in a format other tools read.

(`s2ide import` lives in project_cmds; its --format choices come from the same registry.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from s2ide.cli._common import ProgressBar, add_json_arg, add_project_arg, open_project, print_json
from s2ide.core.io.export_job import ExportOptions, ImagesMode
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import EXPORTERS
from s2ide.core.store.schema import SPLITS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export images and annotations (coco, yolo, labelme, voc, imagefolder, csv, masks)",
        description="Write the project to DEST (a new or empty folder) in one format. The set is written to a "
        "temporary folder and moved into place, so a failed export leaves nothing half-written.",
    )
    add_project_arg(p)
    p.add_argument("dest", type=Path, help="the folder to create")
    p.add_argument("--format", required=True, choices=list(EXPORTERS))
    p.add_argument("--split", choices=SPLITS, help="only samples of this split")
    p.add_argument(
        "--images",
        choices=[m.value for m in ImagesMode],
        help="copy the images, hard-link them (no extra disk), or leave them out (csv, masks); "
        "default: the format's first choice (copy; none for csv and masks)",
    )
    p.add_argument(
        "--yolo-task",
        choices=["auto", "detect", "obb", "segment", "pose"],
        default="auto",
        help="YOLO label kind; auto picks pose with keypoints, segment with polygons, obb with rotated boxes, "
        "else detect",
    )
    p.add_argument("--overwrite", action="store_true", help="replace DEST if it exists and is not empty")
    add_json_arg(p)
    p.set_defaults(run=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    options = ExportOptions(
        split=args.split,
        images=ImagesMode(args.images) if args.images else None,
        yolo_task=args.yolo_task,
        overwrite=args.overwrite,
    )
    bar = ProgressBar("export")
    try:
        report = run_export(project, args.dest, args.format, options, bar.state())
    finally:
        bar.close()
    if args.json:
        print_json(
            {
                "format": report.format,
                "dest": str(report.dest),
                "images": report.images,
                "annotations": report.annotations,
                "files": report.files,
                "notes": report.skipped,
            }
        )
    else:
        print(report.summary())
        for note in report.skipped:
            print(f"  note: {note}")
    return 0
