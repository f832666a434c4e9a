"""detect_scenes: a video file in, its shots out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from analysis.scenes.decoding import frames, probe
from analysis.scenes.detector import DetectorConfig, ShotDetector
from analysis.scenes.features import Frame
from analysis.scenes.model import SceneResult, build_shots

METHOD = "luma-ncc-motion+contrast-dip/v1"
FEATURE_AREA = 96 * 54  # pixels of the small luma image every comparison works on
PROGRESS_EVERY = 250  # frames between two progress reports

Progress = Callable[[int, int], None]


def detect_scenes(
    path: str | Path,
    *,
    progress: Progress | None = None,
    config: DetectorConfig | None = None,
    feature_area: int = FEATURE_AREA,
) -> SceneResult:
    """Finds the shots of a video. `progress(frames_done, frames_total)` is called every few hundred frames and
    once at the end; frames_total is the container's estimate (0 when it has none) until the end."""
    started = time.perf_counter()
    info = probe(str(path), feature_area)
    detector = ShotDetector(info.fps, *info.feature_size, config=config)
    count = 0
    last_t = 0.0
    prev_t = 0.0
    for index, t, luma in frames(str(path), info):
        detector.push(Frame.of(index, t, luma))
        count = index + 1
        prev_t, last_t = last_t, t
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, max(count, info.frame_count))
    cuts = detector.finish()
    # The last frame lasts as long as the one before it (or a nominal frame).
    end_s = last_t + ((last_t - prev_t) if count > 1 else 1.0 / info.fps)
    shots = build_shots(cuts, count, detector.times, end_s)
    if progress is not None:
        progress(count, count)
    return SceneResult(
        shots=shots,
        cuts=cuts,
        fps=info.fps,
        frames=count,
        method=METHOD,
        elapsed_s=time.perf_counter() - started,
    )
