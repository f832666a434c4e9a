"""Per-frame features: a small luma image, its mean and contrast, and a motion-tolerant distance between two."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

# Below this luma standard deviation (0-255 scale) a frame carries no structure to compare: black, white or a
# solid card. Such frames are left to the gradual-transition logic.
FLAT_SIGMA = 3.0


@dataclass(slots=True)
class Frame:
    index: int
    t: float  # presentation time, seconds
    luma: np.ndarray  # small float32 image
    mean: float = 0.0
    std: float = 0.0
    z: np.ndarray | None = field(default=None, repr=False)  # zero-mean, unit-variance luma (None when flat)
    d: float = math.nan  # distance to the previous frame

    @classmethod
    def of(cls, index: int, t: float, luma: np.ndarray) -> Frame:
        luma = np.asarray(luma, dtype=np.float32)
        mean, std = cv2.meanStdDev(luma)
        frame = cls(index, t, luma, float(mean[0, 0]), float(std[0, 0]))
        if frame.std >= FLAT_SIGMA:
            frame.z = (luma - frame.mean) * (1.0 / frame.std)
        return frame

    @property
    def flat(self) -> bool:
        return self.z is None


class Comparator:
    """1 - normalised cross-correlation between two frames after compensating a global translation.

    Normalising makes the distance blind to brightness and contrast changes (flashes that do not saturate, fades);
    the translation (phase correlation, sub-pixel) makes it blind to pans and hand-held shake. Two different shots
    score ~1, the same shot a few frames later ~0-0.2.
    """

    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self.window = cv2.createHanningWindow((width, height), cv2.CV_32F)

    def distance(self, a: Frame, b: Frame, *, reach: float = 1 / 8) -> float:
        """`reach`: the largest translation compensated, as a fraction of the frame's sides. Consecutive frames
        need little; frames further apart in a pan need more, and then only their overlap is compared."""
        if a.flat or b.flat:
            return math.nan
        direct = 1.0 - float(a.z.ravel() @ b.z.ravel()) / a.z.size
        if direct < 0.1:
            return direct
        w, h = self.size
        # The window is applied here, not passed: OpenCV 5's phaseCorrelate writes a passed window into its inputs.
        (dx, dy), _ = cv2.phaseCorrelate(a.z * self.window, b.z * self.window)
        if (abs(dx) < 0.5 and abs(dy) < 0.5) or abs(dx) > w * reach or abs(dy) > h * reach:
            return direct
        # b(x) ~ a(x - shift): move a by the shift and compare the part both frames show.
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        moved = cv2.warpAffine(a.luma, shift, self.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        mx, my = math.ceil(abs(dx)) + 1, math.ceil(abs(dy)) + 1
        x0, x1 = (mx, w) if dx > 0 else (0, w - mx)
        y0, y1 = (my, h) if dy > 0 else (0, h - my)
        return min(direct, 1.0 - _ncc(moved[y0:y1, x0:x1], b.luma[y0:y1, x0:x1]))


def blend_weights(frame: Frame, a: Frame, b: Frame) -> tuple[float, float, float]:
    """Least-squares weights of frame ~ wa*a + wb*b, as they are (no motion compensation), and the fit's R^2."""
    return _fit(frame.luma, a.luma, b.luma)


def _fit(y: np.ndarray, xa: np.ndarray, xb: np.ndarray) -> tuple[float, float, float]:
    """Least-squares y ~ wa*xa + wb*xb (all mean-removed): (wa, wb, R^2)."""
    y = (y - y.mean()).ravel()
    xa = (xa - xa.mean()).ravel()
    xb = (xb - xb.mean()).ravel()
    aa, bb, ab = float(xa @ xa), float(xb @ xb), float(xa @ xb)
    ya, yb, yy = float(y @ xa), float(y @ xb), float(y @ y)
    det = aa * bb - ab * ab
    if det <= 1e-9 * max(1.0, aa * bb) or yy <= 1e-9:
        return 0.0, 0.0, 0.0
    wa = (ya * bb - yb * ab) / det
    wb = (yb * aa - ya * ab) / det
    residual = y - wa * xa - wb * xb
    return wa, wb, 1.0 - float(residual @ residual) / yy


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 16:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float(np.dot(a.ravel(), a.ravel())) * float(np.dot(b.ravel(), b.ravel())))
    return float(np.dot(a.ravel(), b.ravel())) / den if den > 1e-6 else 0.0


def small_size(width: int, height: int, area: int) -> tuple[int, int]:
    """The feature image size: about `area` pixels, the frame divided by a whole factor (OpenCV's fast
    area-averaging path), at least 16 on a side."""
    factor = max(1, round(math.sqrt(width * height / max(1, area))))
    return max(16, width // factor), max(16, height // factor)
