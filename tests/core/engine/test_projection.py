from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.projection import Method, available_methods, pca, project
from s2ide.core.errors import InvalidInputError


def test_pca_finds_the_main_axis_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    t = rng.normal(0, 10, 500)
    data = np.stack([t, 2 * t, rng.normal(0, 0.1, 500), rng.normal(0, 0.1, 500)], axis=1)
    xy = pca(data)
    assert xy.shape == (500, 2) and xy.dtype == np.float32
    assert np.corrcoef(xy[:, 0], t)[0, 1] > 0.999  # the first axis is the spread direction, sign fixed
    assert xy[:, 0].var() > 100 * xy[:, 1].var()
    assert np.array_equal(pca(data), xy)
    assert np.allclose(pca(-data)[:, 0], -xy[:, 0], atol=1e-3) or np.allclose(pca(-data)[:, 0], xy[:, 0], atol=1e-3)


def test_small_inputs() -> None:
    assert pca(np.zeros((1, 5))).tolist() == [[0.0, 0.0]]
    assert pca(np.ones((3, 1))).shape == (3, 2)


def test_bad_input_and_missing_umap() -> None:
    with pytest.raises(InvalidInputError):
        pca(np.zeros(5))
    with pytest.raises(InvalidInputError):
        pca(np.array([[np.inf, 1.0]]))
    assert available_methods()[0] is Method.PCA
    if Method.UMAP not in available_methods():
        with pytest.raises(InvalidInputError, match="umap-learn"):
            project(np.zeros((4, 3)), "umap")
