"""One search over a project, as the CLI and the app run it.

Makes sure there are vectors to search (the cheap embeddings of samples that lack one, when no
model has embeddings yet), then answers from the approximate index when the project is past
`ann_index.INDEX_THRESHOLD` and a fresh index is saved, else by brute force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.similarity import Mode, SearchResult, find_similar, load_vectors
from s2ide.core.project import Project
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


@dataclass
class SearchOutcome:
    result: SearchResult
    embedded: int = 0  # cheap embeddings computed for this search
    skipped: list[str] = field(default_factory=list)  # images that could not be embedded
    index_note: str = ""  # why the index was or was not used


def run_search(project: Project, request: SearchRequest, state: TaskState | None = None) -> SearchOutcome:
    """`find_similar` on a fresh connection (safe in a worker thread)."""
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
