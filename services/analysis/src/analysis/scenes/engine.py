"""detect_scenes: a video file in, its shots out.

With two or more cores and a video long enough, the file is cut in two halves at its middle time. Each half is
decoded (one FFmpeg thread each: two decoders measured 1.15-1.4x one on a 5-minute clip, on a shared machine)
and analysed by its own detector on its own thread; the second half starts `margin` before the middle and the first
stops `margin` after it, so both detectors see the full context of every frame near the middle. Cuts before the
middle come from the first half, the others from the second; the second half's frame numbers are made absolute by
finding its first frame, by timestamp, among the first half's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from analysis.scenes.decoding import Video, VideoInfo, in_background, read_frames
from analysis.scenes.detector import DetectorConfig, ShotDetector
from analysis.scenes.features import Frame
from analysis.scenes.model import SceneResult, build_shots

METHOD = "luma-ncc-motion+contrast-dip/v1"
FEATURE_AREA = 96 * 54  # pixels of the small luma image every comparison works on
PROGRESS_EVERY_S = 0.5  # seconds between two progress reports
# Shorter videos are analysed in one pass: two halves cost two decoder start-ups, a keyframe seek and 2 x margin.
SPLIT_MIN_S = 60.0
# FFmpeg decoder threads in the one-pass case: its default (as many as cores). Measured on the shared 2-core
# machine: one thread is ~10% faster when the neighbours keep the cores busy (load 7), two ~10% faster when they
# leave one free (load 2-3). Two single-threaded decoders on the two halves of a short video (one detector taking
# the second half's frames from a queue) were slower still at load 5 (0.85-1.0x of one decoder): each pays a seek
# back to a keyframe, and the second core was not free.
DECODER_THREADS = 0

Progress = Callable[[int, int], None]


@dataclass
class _Segment:
    """One decoded range of the file and what its detector found, in the range's own frame numbers."""

    start_s: float | None
    stop_s: float | None
    threads: int
    detector: ShotDetector
    keep_from_s: float = 0.0  # cuts are kept in [keep_from_s, keep_until_s)
    keep_until_s: float = float("inf")
    record_from_s: float = float("inf")  # frame times from here on are recorded to stitch the next range
    frames: int = 0
    first_t: float | None = None
    last_t: float = 0.0
    prev_t: float = 0.0
    index_at: dict[float, int] = field(default_factory=dict)
    cuts: list[int] = field(default_factory=list)

    def run(self, path: str, info: VideoInfo, source: Callable[..., Iterator], video: Video | None = None) -> None:
        frames = source(path, info, start_s=self.start_s, stop_s=self.stop_s, threads=self.threads, video=video)
        for index, t, luma in frames:
            self.detector.push(Frame.of(index, t, luma))
            if self.first_t is None:
                self.first_t = t
            if t >= self.record_from_s:
                self.index_at[round(t, 6)] = index
            self.frames = index + 1
            self.prev_t, self.last_t = self.last_t, t
        self.cuts = [
            c for c in self.detector.finish() if self.keep_from_s <= self.detector.times[c] < self.keep_until_s
        ]


def detect_scenes(
    path: str | Path,
    *,
    progress: Progress | None = None,
    config: DetectorConfig | None = None,
    workers: int | None = None,
    feature_area: int = FEATURE_AREA,
) -> SceneResult:
    """Finds the shots of a video.

    `progress(frames_done, frames_total)` is called from the calling thread about twice a second and once at the
    end; frames_total is the container's estimate (0 when it has none) until the end. `workers`: ranges of the
    file decoded in parallel (default: 2 when the machine has 2 cores or more; 1 disables the split).
    """
    started = time.perf_counter()
    path = str(path)
    video = Video(path, feature_area, threads=DECODER_THREADS)
    try:
        info = video.info
        workers = workers or min(2, os.cpu_count() or 1)

        def detector() -> ShotDetector:
            return ShotDetector(info.fps, *info.feature_size, config=config)

        margin_s = detector().context / info.fps + 0.5
        segments: list[_Segment] = []
        offset = 0
        if workers >= 2 and info.duration_s >= max(SPLIT_MIN_S, 8 * margin_s):
            middle = info.duration_s / 2
            first = _Segment(None, middle + margin_s, 1, detector(), keep_until_s=middle)
            first.record_from_s = middle - margin_s - 1.0
            second = _Segment(middle - margin_s, None, 1, detector(), keep_from_s=middle)
            video.close()  # each half opens its own single-threaded decoder
            _run(path, info, [first, second], progress)
            stitched = _stitch_offset(first, second)
            if stitched is not None:
                segments, offset = [first, second], stitched
            else:  # the seek did not land on a frame the first half saw: analyse in one pass
                video = Video(path, feature_area, threads=DECODER_THREADS)
        if not segments:
            segments = [_Segment(None, None, 0, detector())]
            _run(path, info, segments, progress, video=video)
    finally:
        video.close()

    first, last = segments[0], segments[-1]
    cuts, times = list(first.cuts), dict(first.detector.times)
    if last is not first:
        cuts += [c + offset for c in last.cuts]
        times.update({c + offset: t for c, t in last.detector.times.items()})
    count = offset + last.frames
    end_s = last.last_t + ((last.last_t - last.prev_t) if count > 1 else 1.0 / info.fps)
    if progress is not None:
        progress(count, count)
    return SceneResult(
        shots=build_shots(cuts, count, times, end_s),
        cuts=cuts,
        fps=info.fps,
        frames=count,
        method=METHOD,
        elapsed_s=time.perf_counter() - started,
    )


def _run(
    path: str,
    info: VideoInfo,
    segments: list[_Segment],
    progress: Progress | None,
    *,
    video: Video | None = None,
) -> None:
    """Runs each segment on a thread of its own; a single segment also gets its decoding on a second thread."""
    single = len(segments) == 1

    def source(*args, **kwargs) -> Iterator:
        frames = read_frames(*args, **kwargs)
        return in_background(frames) if single else frames

    with ThreadPoolExecutor(max_workers=len(segments), thread_name_prefix="scenes") as pool:
        futures = [pool.submit(s.run, path, info, source, video if single else None) for s in segments]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=PROGRESS_EVERY_S, return_when=FIRST_EXCEPTION)
            for f in done:
                f.result()  # re-raises a worker's error here
            if progress is not None and pending:
                done_frames = sum(s.frames for s in segments)
                progress(done_frames, max(done_frames, info.frame_count))


def _stitch_offset(first: _Segment, second: _Segment) -> int | None:
    """The absolute frame number of the second range's frame 0, from the first range's frame times."""
    if second.first_t is None:
        return None
    return first.index_at.get(round(second.first_t, 6))
