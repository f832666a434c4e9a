"""Streaming decode to small luma images.

Most of the cost of shot detection is decoding. This module keeps everything else off the decoder's path:
- it asks FFmpeg for the frame's luma plane as is (CAP_PROP_CONVERT_RGB off), so no frame is converted to BGR,
  after checking on the first frame that the plane really is luma (8-bit planar YUV); otherwise it falls back to
  BGR frames, downscaled before the grey conversion;
- it does not apply rotation metadata (cuts do not depend on orientation);
- it downscales in two cheap steps (see `shrink`);
- it can start at a time (a keyframe seek, then decoding forward to the exact frame) and stop at one, so that two
  threads can each decode one half of a file.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from analysis.scenes.features import small_size

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

QUEUE_FRAMES = 64  # decoded-but-unprocessed frames in flight between a decoding thread and its consumer


class VideoError(Exception):
    """The file cannot be opened or decoded as a video."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    width: int
    height: int
    fps: float  # the container's nominal rate; times come from each frame's timestamp
    frame_count: int  # the container's estimate: 0 when unknown
    start_ms: float  # timestamp of the first frame: times are reported from it
    luma_plane: bool  # True: read the Y plane directly; False: BGR frames converted after downscaling
    feature_size: tuple[int, int]

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps


def _open(path: str, *, convert: bool, threads: int = 0) -> cv2.VideoCapture:
    params = [cv2.CAP_PROP_N_THREADS, threads] if threads else []
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        raise VideoError(f"cannot open {path} as a video")
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    if not convert:
        cap.set(cv2.CAP_PROP_CONVERT_RGB, 0)
    return cap


# FFmpeg pixel formats (as OpenCV reports their codec tags) whose first plane is the 8-bit luma at full size:
# planar and semi-planar 8-bit YUV, full or limited range, and grey.
LUMA_FORMATS = {b"I420", b"J420", b"Y42B", b"J422", b"444P", b"J444", b"NV12", b"NV21", b"Y800", b"Y41B", b"Y410"}


class Video:
    """An open video, its first frame already read: `probe` and the decoding of frame 0 onwards share it."""

    def __init__(self, path: str, feature_area: int, threads: int = 0) -> None:
        cap = _open(path, convert=False, threads=threads)
        ok, image = cap.read()
        if not ok or image is None:
            cap.release()
            raise VideoError(f"{path} has no decodable video frame")
        tag = int(cap.get(cv2.CAP_PROP_CODEC_PIXEL_FORMAT)).to_bytes(4, "little", signed=False)
        size = (int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)))
        luma_plane = tag in LUMA_FORMATS and image.dtype == np.uint8 and image.shape == size
        if not luma_plane:  # anything else: let OpenCV convert to BGR
            cap.release()
            cap = _open(path, convert=True, threads=threads)
            ok, image = cap.read()
            if not ok or image is None:
                cap.release()
                raise VideoError(f"{path} has no decodable video frame")
        fps = cap.get(cv2.CAP_PROP_FPS)
        if not (fps and math.isfinite(fps) and fps > 0):
            fps = 30.0
        start_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        height, width = image.shape[:2]
        self.info = VideoInfo(
            width,
            height,
            fps,
            max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT))),
            start_ms if math.isfinite(start_ms) else 0.0,
            luma_plane,
            small_size(width, height, feature_area),
        )
        self._cap: cv2.VideoCapture | None = cap
        self._first = image

    def take(self) -> tuple[cv2.VideoCapture, np.ndarray]:
        """Hands the capture (positioned after frame 0) and frame 0 over to a reader, once."""
        if self._cap is None:
            raise RuntimeError("the capture was already taken")
        cap, self._cap = self._cap, None
        return cap, self._first

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Downscales to `size` by averaging (uint8: a quarter of float32's memory while frames are queued).

    OpenCV's INTER_AREA is fast only for a whole factor; straight to any other size it costs 0.4 ms (SD) to 2 ms
    (HD) a frame, as much as decoding. So large frames go bilinear to 4x the size first (16 samples averaged per
    output pixel: enough not to alias fine textures), small ones are cropped to a whole multiple of the size.
    """
    w, h = size
    if image.shape[1] > 4 * w and image.shape[0] > 4 * h:
        image = cv2.resize(image, (4 * w, 4 * h), interpolation=cv2.INTER_LINEAR)
    else:
        fx, fy = image.shape[1] // w, image.shape[0] // h
        if fx == fy and fx >= 1:
            image = image[: h * fy, : w * fx]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def read_frames(
    path: str,
    info: VideoInfo,
    *,
    start_s: float | None = None,
    stop_s: float | None = None,
    threads: int = 0,
    video: Video | None = None,
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yields (index from the first frame read, time in s from the video's first frame, small uint8 luma).

    `video`: continue from an open video's frame 0 instead of opening the file again. `start_s`: seek there first
    (the first frame read is the one shown at that time); `stop_s`: stop after the first frame at or past it.
    `threads`: FFmpeg decoder threads (0: its default).
    """
    if video is not None:
        cap, first = video.take()
    else:
        cap, first = _open(path, convert=not info.luma_plane, threads=threads), None
    try:
        if start_s:
            cap.set(cv2.CAP_PROP_POS_MSEC, info.start_ms + start_s * 1000.0)
        last_t = -math.inf
        index = 0
        while True:
            if first is not None:
                image, first = first, None
            elif cap.grab():
                ok, image = cap.retrieve()
                if not ok or image is None:
                    break
            else:
                break
            t = (cap.get(cv2.CAP_PROP_POS_MSEC) - info.start_ms) / 1000.0 if index or video is None else 0.0
            if not math.isfinite(t) or t <= last_t:  # no or broken timestamps: count frames instead
                t = last_t + 1.0 / info.fps if index else (start_s or 0.0)
            last_t = t
            small = shrink(image, info.feature_size)
            if not info.luma_plane:
                small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            yield index, t, small
            index += 1
            if stop_s is not None and t >= stop_s:
                break
    finally:
        cap.release()


def in_background(frames: Iterator[tuple[int, float, np.ndarray]]) -> Iterator[tuple[int, float, np.ndarray]]:
    """Runs a frame iterator on a thread of its own (OpenCV releases the GIL while decoding), handing frames
    over a bounded queue, so that decoding and the detector's work overlap."""
    out: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in frames:
                if stop.is_set():
                    break
                out.put(item)
            out.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            out.put(exc)
        finally:
            frames.close()  # type: ignore[attr-defined]  # releases the capture now, on this thread

    thread = threading.Thread(target=produce, name="scenes-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                out.get_nowait()
            except queue.Empty:
                thread.join(0.05)
