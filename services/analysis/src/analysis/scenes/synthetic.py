"""Synthetic clips with known shot boundaries, for the tests and the benchmark.

Each shot is a window onto a large periodic 1/f-noise texture (natural-looking structure at every scale), moved by
a pan and/or hand-held shake, with a few moving shapes and sensor noise on top. Transitions between shots are hard
cuts, fades through black or dissolves; flashes can be placed inside a shot. `Clip.cuts` is the ground truth: the
first frame of each new shot, or the middle frame of a gradual transition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass(frozen=True)
class Shot:
    frames: int
    seed: int
    pan: tuple[float, float] = (0.0, 0.0)  # texture pixels per frame
    shake: float = 0.0  # pixels of random jitter per frame (plus a little rotation)
    shapes: int = 3
    tint: tuple[float, float, float] | None = None  # BGR gains; None: drawn from the seed
    contrast: float = 1.0
    brightness: float = 0.0
    flashes: tuple[tuple[int, int], ...] = ()  # (offset in shot, length in frames)


@dataclass(frozen=True)
class Transition:
    kind: str = "cut"  # "cut" | "fade" (out then in through black) | "dissolve"
    frames: int = 0  # frames of the gradual part (fade: out + in)


@dataclass
class Clip:
    width: int
    height: int
    shots: list[Shot]
    transitions: list[Transition] = field(default_factory=list)  # len(shots) - 1; default: hard cuts

    def __post_init__(self) -> None:
        if not self.transitions:
            self.transitions = [Transition() for _ in self.shots[1:]]
        if len(self.transitions) != len(self.shots) - 1:
            raise ValueError("one transition between each pair of shots")

    @property
    def frame_count(self) -> int:
        overlap = sum(t.frames for t in self.transitions if t.kind == "dissolve")
        return sum(s.frames for s in self.shots) - overlap

    @property
    def cuts(self) -> list[int]:
        """Ground truth: the frame each new shot starts at (hard cut) or the middle of a gradual transition."""
        cuts, start = [], 0
        for shot, transition in zip(self.shots, self.transitions, strict=False):
            if transition.kind == "dissolve":
                start += shot.frames - transition.frames
                cuts.append(start + transition.frames // 2)
            else:
                start += shot.frames
                cuts.append(start)
        return cuts

    def frames(self) -> Iterator[np.ndarray]:
        """Yields BGR uint8 frames, one shot renderer alive at a time (two during a dissolve)."""
        renderers = [_ShotRenderer(s, self.width, self.height) for s in self.shots]
        pending: np.ndarray | None = None  # dissolve: frames of the outgoing shot's tail
        for i, renderer in enumerate(renderers):
            before = self.transitions[i - 1] if i else Transition()
            after = self.transitions[i] if i < len(self.transitions) else Transition()
            n = renderer.shot.frames
            for k in range(n):
                frame = renderer.render(k)
                if before.kind == "fade" and k < before.frames - before.frames // 2:
                    fade_in = before.frames - before.frames // 2
                    frame = _gain(frame, (k + 1) / (fade_in + 1))
                if after.kind == "fade" and k >= n - after.frames // 2:
                    fade_out = after.frames // 2
                    frame = _gain(frame, (n - 1 - k) / fade_out)
                if before.kind == "dissolve" and k < before.frames:
                    assert pending is not None
                    alpha = (k + 1) / (before.frames + 1)
                    frame = cv2.addWeighted(pending[k], 1 - alpha, frame, alpha, 0)
                if after.kind == "dissolve" and k >= n - after.frames:
                    if k == n - after.frames:
                        pending = np.empty((after.frames, self.height, self.width, 3), np.uint8)
                    pending[k - (n - after.frames)] = frame
                    continue
                yield _noise(frame, renderer.rng)


def _gain(frame: np.ndarray, g: float) -> np.ndarray:
    return cv2.convertScaleAbs(frame, alpha=max(0.0, g))


def _noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, 2.0, frame.shape).astype(np.int16)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def texture(seed: int, size: int = 512, slope: float = 1.8) -> np.ndarray:
    """A periodic 1/f^slope noise image, 3 channels, float32 roughly in [-1, 1]."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    amplitude = radius ** (-slope / 1.0)
    amplitude[0, 0] = 0.0
    channels = []
    base = rng.normal(size=(size, size // 2 + 1)) + 1j * rng.normal(size=(size, size // 2 + 1))
    for _ in range(3):
        # Channels share most of their structure, like natural images do.
        own = rng.normal(size=base.shape) + 1j * rng.normal(size=base.shape)
        img = np.fft.irfft2((0.8 * base + 0.45 * own) * amplitude, s=(size, size))
        channels.append(img / (3 * img.std()))
    return np.clip(np.stack(channels, axis=-1), -1, 1).astype(np.float32)


class _ShotRenderer:
    def __init__(self, shot: Shot, width: int, height: int) -> None:
        self.shot, self.w, self.h = shot, width, height
        self.rng = np.random.default_rng(shot.seed + 7919)
        # Small frames (the tests') get a small texture: a quarter of the FFT work.
        self.tsize = 512 if max(width, height) > 200 else 256
        tex = texture(shot.seed, self.tsize)
        tint = np.array(shot.tint or self.rng.uniform(0.35, 1.0, 3), np.float32)
        base = 0.35 + 0.3 * self.rng.random()
        colour = (base + 0.55 * shot.contrast * tex) * tint * 255 + shot.brightness
        self.texture = np.clip(colour, 0, 255).astype(np.uint8)
        # Texture pixels per frame pixel, so that a few textures' periods are not visible in one frame.
        self.zoom = self.tsize / max(width, height) * 0.8
        self.origin = self.rng.uniform(0, self.tsize, 2)
        self.shapes = [
            (
                self.rng.uniform(0, width, 2),
                self.rng.uniform(-3, 3, 2) * width / 320,
                int(self.rng.uniform(0.04, 0.12) * max(width, height)),
                tuple(int(v) for v in self.rng.integers(0, 256, 3)),
            )
            for _ in range(shot.shapes)
        ]
        self.jitter = np.zeros(3)

    def render(self, k: int) -> np.ndarray:
        shot = self.shot
        if shot.shake:
            # A damped random walk: hand-held shake moves a few pixels each frame and drifts back.
            self.jitter = 0.6 * self.jitter + self.rng.normal(0, 1, 3) * np.array([shot.shake, shot.shake, 0.004])
        ox, oy = self.origin + np.array(shot.pan) * k * self.zoom + self.jitter[:2] * self.zoom
        angle = self.jitter[2]
        c, s = np.cos(angle) * self.zoom, np.sin(angle) * self.zoom
        cx, cy = self.w / 2, self.h / 2
        # Frame pixel (x, y) -> texture pixel, rotating about the frame centre.
        matrix = np.array([[c, -s, ox - c * cx + s * cy], [s, c, oy - s * cx - c * cy]], np.float32)
        frame = cv2.warpAffine(
            self.texture,
            matrix,
            (self.w, self.h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_WRAP,
        )
        for pos, vel, radius, colour in self.shapes:
            # Shapes bounce off the frame's edges: wrapping around would teleport them, a cut-like jump.
            x, y = (_bounce(p + v * k, size) for p, v, size in zip(pos, vel, (self.w, self.h), strict=True))
            cv2.circle(frame, (int(x), int(y)), radius, colour, -1, cv2.LINE_AA)
        for offset, length in shot.flashes:
            if offset <= k < offset + length:
                frame = cv2.convertScaleAbs(frame, alpha=1.6, beta=150)
        return frame


def _bounce(x: float, size: int) -> float:
    period = 2 * size
    x %= period
    return x if x < size else period - x


def write(clip: Clip, path: str, fps: float = 30.0, fourcc: str = "mp4v") -> None:
    """Writes the clip with OpenCV's encoder (no ffmpeg binary needed): what the tests use."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps, (clip.width, clip.height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path} with {fourcc}")
    try:
        for frame in clip.frames():
            writer.write(frame)
    finally:
        writer.release()
