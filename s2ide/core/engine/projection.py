"""2-D projections of model embeddings for the embeddings view.

PCA is the default: exact, deterministic and fast (an eigen-decomposition of the D x D covariance,
so 100,000 x 64 embeddings project in a few milliseconds). UMAP is offered only when the optional
`umap-learn` package is importable; it is not a dependency.
"""

from __future__ import annotations

import importlib.util
from enum import StrEnum

import numpy as np

from s2ide.core.errors import InvalidInputError


class Method(StrEnum):
    PCA = "pca"
    UMAP = "umap"


def available_methods() -> list[Method]:
    """PCA always; UMAP when installed (checked without importing it: it is slow to import)."""
    methods = [Method.PCA]
    if importlib.util.find_spec("umap") is not None:
        methods.append(Method.UMAP)
    return methods


def _check(embeddings: np.ndarray) -> np.ndarray:
    data = np.asarray(embeddings, dtype=np.float64)
    if data.ndim != 2:
        raise InvalidInputError(f"embeddings must be a 2-D array (samples x features), got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise InvalidInputError("embeddings contain NaN or infinite values")
    return data


def pca(embeddings: np.ndarray, n_components: int = 2) -> np.ndarray:
    """N x n_components float32 coordinates; missing components (tiny inputs) are zeros.

    Signs are fixed (the largest loading of each axis is positive) so refreshing the view after
    a retrain does not mirror the picture for no reason.
    """
    data = _check(embeddings)
    n, dims = data.shape
    out = np.zeros((n, n_components), dtype=np.float32)
    if n < 2 or dims == 0:
        return out
    centered = data - data.mean(axis=0)
    cov = centered.T @ centered / (n - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][: min(n_components, dims)]
    axes = vectors[:, order]
    flip = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(axes.shape[1])])
    axes = axes * np.where(flip == 0, 1.0, flip)
    out[:, : axes.shape[1]] = (centered @ axes).astype(np.float32)
    return out


def umap(embeddings: np.ndarray, n_components: int = 2, seed: int = 0) -> np.ndarray:
    """UMAP through the optional umap-learn package; a clear error when it is absent."""
    data = _check(embeddings)
    if importlib.util.find_spec("umap") is None:
        raise InvalidInputError("UMAP needs the optional package umap-learn (pip install umap-learn); use PCA")
    import umap as umap_learn  # optional; only reached when installed

    reducer = umap_learn.UMAP(n_components=n_components, random_state=seed)
    return np.asarray(reducer.fit_transform(data), dtype=np.float32)


def project(embeddings: np.ndarray, method: Method | str = Method.PCA) -> np.ndarray:
    method = Method(method)
    return pca(embeddings) if method is Method.PCA else umap(embeddings)
