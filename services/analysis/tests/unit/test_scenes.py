"""Shot-boundary detection on small generated clips with known cuts (no database, no network)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.scenes import DetectorConfig, VideoError, detect_scenes
from analysis.scenes import engine as scenes_engine
from analysis.scenes.decoding import QUEUE_FRAMES, Video
from analysis.scenes.detector import ShotDetector
from analysis.scenes.features import Frame
from analysis.scenes.synthetic import Clip, Shot, Transition, write

W, H = 192, 108  # small frames: a clip renders and analyses in well under a second


def render(tmp_path: Path, clip: Clip, name: str = "clip.mp4", fps: float = 30.0) -> Path:
    path = tmp_path / name
    write(clip, str(path), fps=fps)
    return path


def assert_cuts(found: list[int], expected: list[int], tolerance: int) -> None:
    assert len(found) == len(expected), f"found {found}, expected {expected}"
    for f, e in zip(found, expected, strict=True):
        assert abs(f - e) <= tolerance, f"found {found}, expected {expected}"


def test_hard_cuts_are_found_to_the_frame(tmp_path: Path) -> None:
    grey = (0.7, 0.7, 0.7)  # the last three shots look alike: same palette, contrast and shapes
    clip = Clip(
        W,
        H,
        [
            Shot(25, 1),
            Shot(30, 2, pan=(3, 0)),
            Shot(20, 3, tint=grey, shapes=2),
            Shot(25, 4, tint=grey, shapes=2),
            Shot(25, 5, tint=grey, shapes=2),
        ],
    )
    result = detect_scenes(render(tmp_path, clip))
    assert_cuts(result.cuts, clip.cuts, tolerance=1)
    assert result.frames == clip.frame_count
    assert [s.start_frame for s in result.shots] == [0, *result.cuts]


def test_shots_of_two_to_four_frames_are_found(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(20, 10), Shot(2, 11), Shot(20, 12), Shot(3, 13), Shot(4, 14), Shot(20, 15)])
    result = detect_scenes(render(tmp_path, clip))
    assert_cuts(result.cuts, clip.cuts, tolerance=1)
    assert [s.end_frame - s.start_frame + 1 for s in result.shots][1:5] == [2, 20, 3, 4]


def test_a_camera_flash_is_not_a_cut(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(40, 20, flashes=((8, 1), (20, 2))), Shot(40, 21, pan=(2, 0), flashes=((15, 3),))])
    result = detect_scenes(render(tmp_path, clip))
    assert_cuts(result.cuts, clip.cuts, tolerance=1)  # the one real cut, none at the flashes


@pytest.mark.parametrize("kind,frames", [("fade", 20), ("dissolve", 16)])
def test_a_gradual_transition_gives_one_cut_in_its_middle(tmp_path: Path, kind: str, frames: int) -> None:
    clip = Clip(W, H, [Shot(45, 30), Shot(45, 31)], [Transition(kind, frames)])
    result = detect_scenes(render(tmp_path, clip))
    assert_cuts(result.cuts, clip.cuts, tolerance=2)
    assert result.shot_count == 2


def test_fast_pan_and_shake_are_not_cuts(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(40, 40, pan=(9, 1)), Shot(40, 41, shake=4, pan=(1, 0))])
    result = detect_scenes(render(tmp_path, clip))
    assert_cuts(result.cuts, clip.cuts, tolerance=1)


def test_odd_frame_size(tmp_path: Path) -> None:
    clip = Clip(157, 121, [Shot(20, 50), Shot(20, 51), Shot(20, 52)])
    result = detect_scenes(render(tmp_path, clip, "odd.avi"))
    assert_cuts(result.cuts, clip.cuts, tolerance=1)


def test_shot_times_come_from_timestamps(tmp_path: Path) -> None:
    """Variable frame rate: the second half of the frames is shown at 10 fps instead of 30, so frame / fps
    would put its cut 1 s early; the shot times must follow the frames' timestamps."""
    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    clip = Clip(W, H, [Shot(30, 60), Shot(30, 61), Shot(30, 62)])
    source = render(tmp_path, clip, "cfr.avi")
    vfr = tmp_path / "vfr.mp4"
    expr = "if(lt(N,45),N/30,45/30+(N-45)/10)/TB"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-i", str(source), "-vf", f"setpts='{expr}'", "-fps_mode", "vfr",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", str(vfr)],
        check=True,
    )  # fmt: skip
    result = detect_scenes(vfr)
    assert_cuts(result.cuts, [30, 60], tolerance=1)
    times = [i / 30 if i < 45 else 45 / 30 + (i - 45) / 10 for i in range(91)]
    for shot in result.shots:
        assert shot.start_s == pytest.approx(times[shot.start_frame], abs=0.002)
    assert result.shots[-1].end_s == pytest.approx(times[-1], abs=0.002)


def test_progress_is_reported_up_to_the_last_frame(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(30, 70), Shot(30, 71)])
    calls: list[tuple[int, int]] = []
    result = detect_scenes(render(tmp_path, clip), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (result.frames, result.frames)
    assert all(done <= total for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_two_halves_decoded_in_parallel_give_the_same_cuts(tmp_path: Path, monkeypatch) -> None:
    """The split at the middle (with its seek and stitch) must not lose, add or shift a cut, including one right
    at the middle."""
    shots = [Shot(n, 80 + i, pan=(1.5, 0)) for i, n in enumerate([40, 30, 25, 39, 2, 35, 40, 30])]
    clip = Clip(W, H, shots, [Transition()] * 5 + [Transition("dissolve", 10), Transition()])
    path = render(tmp_path, clip)
    config = DetectorConfig(window_s=0.3)
    single = detect_scenes(path, config=config, workers=1)
    monkeypatch.setattr(scenes_engine, "SPLIT_MIN_S", 0.0)
    split = detect_scenes(path, config=config, workers=2)
    assert split.frames == single.frames == clip.frame_count
    assert split.cuts == single.cuts
    assert [s.start_s for s in split.shots] == [s.start_s for s in single.shots]
    assert_cuts(split.cuts, clip.cuts, tolerance=2)


def test_the_detector_holds_a_bounded_number_of_frames() -> None:
    """Memory does not grow with the video's length: the detector keeps a fixed window of small frames (and the
    decoder a fixed queue), whether it has seen 300 or 3,000 frames."""
    rng = np.random.default_rng(1)
    textures = [rng.normal(120, 30, (27, 48)).astype(np.float32) for _ in range(4)]
    held = {}
    for length in (300, 3000):
        detector = ShotDetector(30.0, 48, 27)
        for i in range(length):
            luma = np.roll(textures[(i // 90) % 4], i % 90, axis=1) + rng.normal(0, 1, (27, 48)).astype(np.float32)
            detector.push(Frame.of(i, i / 30, luma))
        held[length] = detector.max_buffered
        assert len(detector.buf) <= detector.capacity
        cuts = detector.finish()
        assert cuts == [c for c in range(90, length, 90)]
    assert held[300] == held[3000] <= ShotDetector(30.0, 48, 27).capacity
    assert QUEUE_FRAMES <= 64


def test_cli_prints_json_with_the_documented_fields(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(20, 90), Shot(25, 91), Shot(15, 92)])
    path = render(tmp_path, clip)
    out = subprocess.run(
        [sys.executable, "-m", "analysis.scenes", str(path), "--json"], capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    assert set(data) == {"shots", "cuts", "shot_count", "average_shot_s", "fps", "frames", "method", "elapsed_s"}
    assert data["shot_count"] == 3 == len(data["shots"])
    assert data["frames"] == 60 and data["fps"] == 30.0
    assert data["cuts"] == [s["start_frame"] for s in data["shots"][1:]]
    assert set(data["shots"][0]) == {"index", "start_frame", "end_frame", "start_s", "end_s"}
    assert data["average_shot_s"] == pytest.approx(2.0 / 3, abs=0.01)
    assert math.isclose(data["shots"][-1]["end_s"], 2.0, abs_tol=0.001)


def test_cli_summary_and_errors(tmp_path: Path) -> None:
    clip = Clip(W, H, [Shot(20, 93), Shot(20, 94)])
    path = render(tmp_path, clip)
    out = subprocess.run([sys.executable, "-m", "analysis.scenes", str(path)], capture_output=True, text=True)
    assert out.returncode == 0
    assert "2 shots" in out.stdout and "00:00.667" in out.stdout
    bad = tmp_path / "not-a-video.mp4"
    bad.write_bytes(b"no video here")
    out = subprocess.run([sys.executable, "-m", "analysis.scenes", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2 and "error:" in out.stderr
    with pytest.raises(VideoError):
        detect_scenes(bad)


def test_rotation_metadata_does_not_change_the_cuts(tmp_path: Path) -> None:
    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    clip = Clip(H, W, [Shot(20, 95), Shot(20, 96), Shot(20, 97)])  # portrait
    source = render(tmp_path, clip, "portrait.avi")
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-display_rotation", "90", "-i", str(source), "-c:v", "libx264",
         "-pix_fmt", "yuv420p", str(rotated)],
        check=True,
    )  # fmt: skip
    assert shutil.which(ffmpeg)
    result = detect_scenes(rotated)
    assert_cuts(result.cuts, clip.cuts, tolerance=1)


@pytest.mark.parametrize("level", [0, 255])
def test_black_or_white_frames_held_between_shots_give_one_cut(tmp_path: Path, level: int) -> None:
    import cv2

    a = list(Clip(W, H, [Shot(30, 98)]).frames())
    b = list(Clip(W, H, [Shot(30, 99)]).frames())
    card = [np.full((H, W, 3), level, np.uint8)] * 10
    path = tmp_path / "card.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (W, H))
    for frame in a + card + b:
        writer.write(frame)
    writer.release()
    result = detect_scenes(path)
    assert len(result.cuts) == 1 and 30 <= result.cuts[0] <= 40, result.cuts


def test_a_pixel_format_without_an_8_bit_luma_plane_falls_back_to_converted_frames(tmp_path: Path) -> None:
    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    clip = Clip(W, H, [Shot(20, 100), Shot(20, 101), Shot(20, 102)])
    source = render(tmp_path, clip, "eight_bit.avi")
    ten_bit = tmp_path / "ten_bit.mp4"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-i", str(source), "-c:v", "libx264", "-pix_fmt", "yuv420p10le", str(ten_bit)],
        check=True,
    )
    assert not Video(str(ten_bit), 5184).info.luma_plane
    result = detect_scenes(ten_bit)
    assert_cuts(result.cuts, clip.cuts, tolerance=1)
