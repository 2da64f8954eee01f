"""`s2ide similar`: the samples nearest to one (or several) by embedding, nearest first."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from s2ide.cli._common import ProgressBar, add_json_arg, add_project_arg, open_project, print_json, print_table
from s2ide.core.engine.similar_search import Box, Region, RegionEmbedder, SearchRequest, run_search
from s2ide.core.engine.similarity import Mode
from s2ide.core.errors import S2Error
from s2ide.core.labeling.tags import find_sample
from s2ide.core.tasks import TaskState


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "similar",
        help="samples that look like SAMPLE (by the active model's embedding, else a cheap image embedding)",
        description="The samples nearest to SAMPLE by embedding, nearest first, with their cosine distance. "
        "Embeddings come from the active model; before a model has them, a cheap image embedding "
        "(colour and gradient layout) is computed on demand. Several samples search by their mean "
        "(--mode mean) or by the nearest of them (--mode any).",
    )
    add_project_arg(p)
    p.add_argument("samples", nargs="+", metavar="SAMPLE", help="a sample id or path (several: see --mode)")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--unlabeled", action="store_true", help="only samples nobody has labeled yet")
    p.add_argument(
        "--mode", choices=[m.value for m in Mode], default=Mode.MEAN.value, help="several samples: mean or any"
    )
    p.add_argument("--exact", action="store_true", help="brute force even when an approximate index exists")
    p.add_argument("--build-index", action="store_true", help="build the approximate index first (large projects only)")
    p.add_argument(
        "--box",
        metavar="X,Y,W,H",
        help="search by this region of SAMPLE (image pixels): the active model's feature map pooled over "
        "it (detect and segment models), else the cheap embedding of the crop",
    )
    add_json_arg(p)
    p.set_defaults(run=cmd_similar)


def cmd_similar(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise S2Error("--limit must be at least 1")
    project = open_project(args.project)
    ids = [find_sample(project, ref).id for ref in args.samples]
    region = None
    if args.box is not None:
        if len(ids) != 1:
            raise S2Error("--box searches by a region of one SAMPLE")
        region = Region(ids[0], parse_box(args.box))
    bar = ProgressBar("similar")
    request = SearchRequest(
        ids,
        args.limit,
        Mode(args.mode),
        args.unlabeled,
        exact=args.exact,
        build_index=args.build_index,
        region=region,
    )
    outcome = run_search(project, request, bar.state(), _model_region_embedder(str(project.location)))
    bar.close()
    result = outcome.result
    for line in outcome.skipped[:5]:
        print(f"skipped: {line}", file=sys.stderr)
    if len(outcome.skipped) > 5:
        print(f"skipped {len(outcome.skipped)} unreadable images in all", file=sys.stderr)
    store = project.store
    names: dict[int | None, str] = {label.id: label.name for label in store.labels.list()}
    details = store.samples.rows() if len(result.matches) > 500 else None
    by_id = {row["id"]: row for row in details} if details is not None else {}
    out = []
    for match in result.matches:
        row = by_id.get(match.sample_id)
        if row is None:
            sample = store.samples.get(match.sample_id)
            tag = store.annotations.tag_of(match.sample_id)
            path, label_id = sample.path, (tag.label_id if tag else None)
        else:
            path, label_id = row["path"], row["label_id"]
        out.append(
            {"id": match.sample_id, "path": path, "distance": round(match.distance, 6), "label": names.get(label_id)}
        )
    how = f"{result.source}, {outcome.index_note}" if outcome.index_note else result.source
    print(f"searched {result.searched:,} of {result.total:,} samples ({how})", file=sys.stderr)
    if args.json:
        print_json(out)
    else:
        print_table(out, ["id", "path", "distance", "label"])
    return 0


def parse_box(text: str) -> Box:
    try:
        x, y, w, h = (float(part) for part in text.split(","))
    except ValueError:
        raise S2Error(f"--box {text!r}: expected X,Y,W,H in image pixels, e.g. 10,20,64,48") from None
    return (x, y, w, h)


def _model_region_embedder(location: str) -> RegionEmbedder:
    """A region's embedding in a model's space, computed in the model process (torch loads there)."""

    def embed(version: str, path: str, box: Box, state: TaskState) -> Sequence[float]:
        from s2ide.ml.jobs import region_in_child

        return list(region_in_child(location, version, path, box, state))

    return embed
