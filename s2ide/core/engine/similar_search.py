"""One search over a project, as the CLI and the app run it.

Makes sure there are vectors to search (the cheap embeddings of samples that lack one, when no
model has embeddings yet), then answers from the approximate index when the project is past
`ann_index.INDEX_THRESHOLD` and a fresh index is saved, else by brute force.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.similarity import Mode, SearchResult, VectorSet, find_nearest_to, find_similar, load_vectors
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState


@dataclass(frozen=True)
class SearchRequest:
    sample_ids: Sequence[int]
    limit: int = 20
    mode: Mode = Mode.MEAN
    unlabeled_only: bool = False
    exclude: Sequence[int] = ()
    exact: bool = False  # brute force even when an index is available
    build_index: bool = False  # build (or rebuild) the index first when the project is past the threshold
    region: Region | None = None  # search by this box of sample_ids[0] instead of whole samples


Box = tuple[float, float, float, float]  # x, y, w, h in the displayed image's pixels
# (model version, image path as stored, box, state) -> the box's embedding in that model's space;
# the caller supplies it (ml/jobs.py: region_in_child) because the core does not import the ml side
RegionEmbedder = Callable[[str, str, Box, TaskState], Sequence[float]]


@dataclass(frozen=True)
class Region:
    """A box on one sample: search by what it holds (detect and segment projects)."""

    sample_id: int
    box: Box


@dataclass
class SearchOutcome:
    result: SearchResult
    embedded: int = 0  # cheap embeddings computed for this search
    skipped: list[str] = field(default_factory=list)  # images that could not be embedded
    index_note: str = ""  # why the index was or was not used


def run_search(
    project: Project,
    request: SearchRequest,
    state: TaskState | None = None,
    region_embedder: RegionEmbedder | None = None,
) -> SearchOutcome:
    """`find_similar` on a fresh connection (safe in a worker thread); with `request.region`,
    the nearest samples to that box's embedding (`region_embedder` makes it in a model's space)."""
    state = state or TaskState()
    store = project.connect()
    try:
        embedded, skipped = 0, []
        source = load_vectors(store).source
        if source == cheap_embedding.KIND and store.vectors.count(source) < store.samples.count():
            done = cheap_embedding.compute_missing(project, state)
            embedded, skipped = done.computed, done.skipped
        vectors = load_vectors(store)
        index, note = None, ""
        if ann_index.needs_index(vectors) and not request.exact:
            if request.build_index:
                ann_index.build_index(project, state)
            index = ann_index.open_index(project, vectors)
            note = "approximate index" if index is not None else "no up-to-date index yet: exact search"
        state.check()
        if request.region is not None:
            vector = region_vector(project, store, vectors, request.region, region_embedder, state)
            state.check()
            found = find_nearest_to(
                store,
                vector,
                request.limit,
                unlabeled_only=request.unlabeled_only,
                exclude=[request.region.sample_id, *request.exclude],
                vectors=vectors,
                index=index,
            )
            return SearchOutcome(found, embedded, skipped, note)
        result = find_similar(
            store,
            request.sample_ids,
            request.limit,
            mode=request.mode,
            unlabeled_only=request.unlabeled_only,
            exclude=request.exclude,
            vectors=vectors,
            index=index,
        )
        return SearchOutcome(result, embedded, skipped, note)
    finally:
        store.close()


def region_vector(
    project: Project,
    store: Store,
    vectors: VectorSet,
    region: Region,
    region_embedder: RegionEmbedder | None,
    state: TaskState,
) -> Sequence[float]:
    """The box's embedding in the space of `vectors`: the active model's (computed by
    `region_embedder`, in the model process) or the cheap recipe's on the cropped pixels."""
    x, y, w, h = region.box
    if w < 1 or h < 1:
        raise InvalidInputError("the region is empty: drag a box over the part of the image to search by")
    sample = store.samples.get(region.sample_id)  # UnknownSampleError names a missing one
    if vectors.source == cheap_embedding.KIND:
        try:
            return cheap_embedding.embed_region_file(project.image_path(sample.path), region.box).tolist()
        except (OSError, ValueError) as exc:
            raise S2Error(f"{sample.path}: cannot read the region ({exc})") from exc
    if region_embedder is None:
        raise S2Error(f"searching by a region in {vectors.source}'s space needs the model process")
    return region_embedder(vectors.source.removeprefix("model "), sample.path, (x, y, w, h), state)
