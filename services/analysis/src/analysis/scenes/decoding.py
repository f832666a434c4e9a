"""Streaming decode to small luma images, on its own thread.

Most of the cost of shot detection is decoding. This module keeps the rest off the decoder's path:
- it asks FFmpeg for the frame's luma plane as is (CAP_PROP_CONVERT_RGB off), so no frame is converted to BGR,
  after checking on the first frame that the plane really is luma (8-bit planar YUV); otherwise it falls back to
  BGR frames, downscaled before the grey conversion;
- it does not apply rotation metadata (cuts do not depend on orientation);
- decoding runs on a thread of its own (OpenCV releases the GIL) and hands small float32 images over a bounded
  queue, so the detector works on one core while FFmpeg's decoder threads keep the other busy.
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

QUEUE_FRAMES = 64  # decoded-but-unprocessed frames in flight: the reader's whole memory


class VideoError(Exception):
    """The file cannot be opened or decoded as a video."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int  # the container's estimate: 0 when unknown
    luma_plane: bool  # True: read the Y plane directly; False: BGR frames converted after downscaling
    feature_size: tuple[int, int]


def _open(path: str, *, convert: bool) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not cap.isOpened():
        raise VideoError(f"cannot open {path} as a video")
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    if not convert:
        cap.set(cv2.CAP_PROP_CONVERT_RGB, 0)
    return cap


def probe(path: str, feature_area: int) -> VideoInfo:
    cap = _open(path, convert=True)
    try:
        ok, bgr = cap.read()
        if not ok or bgr is None:
            raise VideoError(f"{path} has no decodable video frame")
        fps = cap.get(cv2.CAP_PROP_FPS)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()
    height, width = bgr.shape[:2]
    raw = _open(path, convert=False)
    try:
        ok, plane = raw.read()
    finally:
        raw.release()
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    luma_plane = bool(ok) and plane is not None and plane.shape == grey.shape and plane.dtype == np.uint8
    if luma_plane:
        corr = np.corrcoef(grey.ravel()[::7].astype(np.float32), plane.ravel()[::7].astype(np.float32))[0, 1]
        # A flat first frame has no correlation to check: then only trust a plane whose level matches.
        flat = grey.std() < 2 or plane.std() < 2
        luma_plane = bool(abs(float(grey.mean()) - float(plane.mean())) < 40) if flat else bool(corr > 0.98)
    if not (fps and math.isfinite(fps) and fps > 0):
        fps = 30.0
    return VideoInfo(width, height, fps, max(0, count), luma_plane, small_size(width, height, feature_area))


def frames(path: str, info: VideoInfo) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yields (index, time in s, small float32 luma) for every frame, decoded on a background thread."""
    out: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()
    thread = threading.Thread(target=_decode, args=(path, info, out, stop), name="scenes-decode", daemon=True)
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


def _decode(path: str, info: VideoInfo, out: queue.Queue, stop: threading.Event) -> None:
    try:
        cap = _open(path, convert=not info.luma_plane)
    except VideoError as exc:
        out.put(exc)
        return
    size = info.feature_size
    last_t = -math.inf
    first_t = 0.0
    index = 0
    try:
        while not stop.is_set() and cap.grab():
            ok, image = cap.retrieve()
            if not ok or image is None:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if index == 0 and math.isfinite(t):
                first_t = t  # times count from the first frame shown, whatever the container's start offset
            t -= first_t
            if not math.isfinite(t) or t <= last_t:  # no or broken timestamps: count frames instead
                t = last_t + 1.0 / info.fps if index else 0.0
            last_t = t
            if info.luma_plane:
                small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            else:
                small = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
            out.put((index, t, small.astype(np.float32)))
            index += 1
        out.put(None)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)
    finally:
        cap.release()
