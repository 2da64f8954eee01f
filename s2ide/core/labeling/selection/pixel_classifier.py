"""Live pixel classifier (the ilastik idea): a few strokes per class train a random forest on
multi-scale filter features (colour, Gaussian, gradient magnitude, Laplacian of Gaussian,
structure-tensor eigenvalues), which then predicts every pixel. The classifier is a small
two-layer network in numpy (ilastik uses a random forest; OpenCV 5 no longer ships one, and a
tiny MLP on standardised features trains in tens of milliseconds on a few thousand pixels).

Features are computed once per image on a copy at most WORK_SIDE pixels a side; retraining on
new strokes and predicting the whole image take well under a second on 1080p. `run` is a plain
function the canvas calls in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from s2ide.core.errors import InvalidInputError
from s2ide.core.tasks import TaskState

WORK_SIDE = 640
SIGMAS = (1.0, 2.0, 4.0)
HIDDEN = 32
STEPS = 80
LEARNING_RATE = 0.08
NOISE = 0.6  # standard deviations of noise added to the features while training
MAX_SAMPLES_PER_CLASS = 2000


def features(image: np.ndarray, work_side: int = WORK_SIDE) -> np.ndarray:
    """hxwxF float32 features of a reduced copy of the image (h, w at most `work_side`)."""
    import cv2

    if image.ndim not in (2, 3) or image.dtype != np.uint8:
        raise InvalidInputError("the pixel classifier needs an 8-bit grey or colour image")
    height, width = image.shape[:2]
    scale = min(1.0, work_side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image if scale >= 1 else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    colour = (small[:, :, :3] if small.ndim == 3 else np.repeat(small[:, :, None], 3, 2)).astype(np.float32) / 255
    grey = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
    out = [colour[:, :, 0], colour[:, :, 1], colour[:, :, 2]]
    for sigma in SIGMAS:
        blurred = cv2.GaussianBlur(colour, (0, 0), sigma)
        out.extend([blurred[:, :, 0], blurred[:, :, 1], blurred[:, :, 2]])
        g = cv2.GaussianBlur(grey, (0, 0), sigma)
        gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
        out.append(np.sqrt(gx * gx + gy * gy))
        out.append(cv2.Laplacian(g, cv2.CV_32F, ksize=3) * sigma * sigma)
        jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
        jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
        jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
        root = np.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy)
        out.append((jxx + jyy + root) / 2)
        out.append((jxx + jyy - root) / 2)
    return np.ascontiguousarray(np.stack(out, axis=-1), dtype=np.float32)


@dataclass
class ClassifierInputs:
    feats: np.ndarray  # hxwxF from `features`
    strokes: dict[int, np.ndarray]  # class -> HxW bool painted pixels (full image size)
    size: tuple[int, int]  # (width, height) of the full image
    extra: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (X, y) from other images
    seed: int = 0


def training_samples(feats: np.ndarray, strokes: dict[int, np.ndarray], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from the pixels under the strokes, at most MAX_SAMPLES_PER_CLASS per class."""
    import cv2

    h, w = feats.shape[:2]
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for cls, painted in strokes.items():
        small = cv2.resize(painted.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        if not small.any() and painted.any():
            small = cv2.resize(painted.astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0
        rows = feats[small]
        if len(rows) > MAX_SAMPLES_PER_CLASS:
            rows = rows[rng.choice(len(rows), MAX_SAMPLES_PER_CLASS, replace=False)]
        xs.append(rows)
        ys.append(np.full(len(rows), cls, np.int32))
    if not xs:
        return np.zeros((0, feats.shape[2]), np.float32), np.zeros(0, np.int32)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def run(inputs: ClassifierInputs, state: TaskState | None = None) -> np.ndarray:
    """The predicted class of every pixel (HxW int32, full size); needs two classes painted."""
    import cv2

    x, y = training_samples(inputs.feats, inputs.strokes, inputs.seed)
    for ex, ey in inputs.extra:
        x, y = np.concatenate([x, ex]), np.concatenate([y, ey])
    if len(np.unique(y)) < 2:
        raise InvalidInputError("paint strokes of at least two classes (Alt-drag paints background)")
    h, w, f = inputs.feats.shape
    every = inputs.feats.reshape(-1, f)
    reference = every[:: max(1, len(every) // 20000)]
    model = PixelMLP.fit(x, y, seed=inputs.seed, state=state, reference=reference)
    small = model.predict(inputs.feats.reshape(-1, f)).reshape(h, w)
    if state is not None:
        state.check()
    width, height = inputs.size
    if (w, h) == (width, height):
        return small
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)


def _mm(a: np.ndarray, b: np.ndarray, flags: int = 0) -> np.ndarray:
    """float32 matrix product through OpenCV: numpy's threaded BLAS stalls on small products
    when the cores are busy (15 ms instead of 0.2 ms here), OpenCV's gemm does not."""
    import cv2

    return cv2.gemm(
        np.ascontiguousarray(a, np.float32), np.ascontiguousarray(b, np.float32), 1.0, None, 0.0, flags=flags
    )


class PixelMLP:
    """Standardised features -> ReLU hidden layer -> softmax over the classes seen, fit by Adam."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, weights: list[np.ndarray], classes: np.ndarray) -> None:
        self.mean, self.scale, self.weights, self.classes = mean, scale, weights, classes

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        seed: int = 0,
        state: TaskState | None = None,
        reference: np.ndarray | None = None,
    ) -> PixelMLP:
        """Fit on (x, y); features are standardised by their spread over `reference` (pixels of
        the whole image): scaled by the strokes alone, an edge filter that is flat under every
        stroke would blow up at each edge and decide the class there."""
        import cv2

        rng = np.random.default_rng(seed)
        classes, target = np.unique(y, return_inverse=True)
        basis = reference if reference is not None and len(reference) else x
        mean = basis.mean(axis=0)
        scale = basis.std(axis=0) + 1e-6
        z = ((x - mean) / scale).astype(np.float32)
        n, f = z.shape
        k = len(classes)
        w1 = (rng.standard_normal((f, HIDDEN)) * np.sqrt(2 / f)).astype(np.float32)
        b1 = np.zeros(HIDDEN, np.float32)
        w2 = (rng.standard_normal((HIDDEN, k)) * np.sqrt(1 / HIDDEN)).astype(np.float32)
        b2 = np.zeros(k, np.float32)
        params = [w1, b1, w2, b2]
        moments = [np.zeros_like(p) for p in params]
        squares = [np.zeros_like(p) for p in params]
        onehot = np.eye(k, dtype=np.float32)[target]
        counts = onehot.sum(axis=0)
        weight = (n / (k * np.maximum(counts, 1)))[target][:, None].astype(np.float32)  # balance classes
        for step in range(1, STEPS + 1):
            zn = z + rng.standard_normal(z.shape, dtype=np.float32) * NOISE  # smoother boundaries
            hidden = np.maximum(_mm(zn, w1) + b1, 0)
            logits = _mm(hidden, w2) + b2
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            grad_logits = (prob - onehot) * weight / n
            grad_logits = grad_logits.astype(np.float32)
            grad_hidden = _mm(grad_logits, w2, cv2.GEMM_2_T) * (hidden > 0)
            grads = [
                _mm(zn, grad_hidden, cv2.GEMM_1_T),
                grad_hidden.sum(0),
                _mm(hidden, grad_logits, cv2.GEMM_1_T),
                grad_logits.sum(0),
            ]
            for p, g, m, v in zip(params, grads, moments, squares, strict=True):
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
            if state is not None and step % 50 == 0:
                state.check()
        return cls(mean.astype(np.float32), scale.astype(np.float32), params, classes)

    def predict(self, x: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2 = self.weights
        out = np.empty(len(x), np.int32)
        for start in range(0, len(x), 65536):
            z = (x[start : start + 65536] - self.mean) / self.scale
            logits = _mm(np.maximum(_mm(z, w1) + b1, 0), w2) + b2
            out[start : start + 65536] = self.classes[np.argmax(logits, axis=1)]
        return out
