"""Keypoints of a label: the skeleton that names and joins them (store/skeletons.py).

A label drawn with keypoints before it has a skeleton gets one of plain numbers ("1".."n"), so
every later keypoints shape of that label has the same points; an import brings real names.
"""

from __future__ import annotations

from s2ide.core.store import Store
from s2ide.core.store.skeletons import Skeleton


def skeleton_of(store: Store, label_id: int) -> Skeleton | None:
    return store.skeletons.get(label_id)


def ensure_skeleton(store: Store, label_id: int, count: int) -> Skeleton:
    """The label's skeleton, made of `count` numbered points when it has none yet."""
    known = store.skeletons.get(label_id)
    if known is not None:
        return known
    made = Skeleton([str(i + 1) for i in range(count)])
    with store.transaction():
        store.skeletons.set(label_id, made)
    return made
