"""`python -m analysis.scenes VIDEO [--json]`: the shots of a video, as a summary or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from analysis.scenes.decoding import VideoError
from analysis.scenes.engine import detect_scenes
from analysis.scenes.model import SceneResult

MAX_LISTED = 500  # shots listed in the human summary; the JSON always has them all


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


def summary(path: str, result: SceneResult) -> str:
    duration = result.shots[-1].end_s if result.shots else 0.0
    lines = [
        f"{path}: {result.shot_count} shots in {duration:.2f} s ({result.frames} frames, {result.fps:g} fps nominal),"
        f" average shot {result.average_shot_s:.2f} s",
        f"{'shot':>5}  {'start':>9}  {'end':>9}  {'length':>8}  frames",
    ]
    for shot in result.shots[:MAX_LISTED]:
        lines.append(
            f"{shot.index:>5}  {_clock(shot.start_s)}  {_clock(shot.end_s)}  {shot.duration_s:>7.3f}s"
            f"  {shot.start_frame}-{shot.end_frame}"
        )
    if result.shot_count > MAX_LISTED:
        lines.append(f"  ... {result.shot_count - MAX_LISTED} more (use --json for all)")
    rate = result.frames / result.elapsed_s if result.elapsed_s > 0 else 0.0
    lines.append(f"analysed in {result.elapsed_s:.2f} s ({rate:.0f} frames/s), method {result.method}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.scenes", description="Find the shots of a video.")
    parser.add_argument("video", help="a video file OpenCV/FFmpeg can read")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--workers", type=int, default=None, help="parallel decoders (default: 2 on 2+ cores)")
    args = parser.parse_args(argv)
    try:
        result = detect_scenes(args.video, workers=args.workers)
    except VideoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict()) if args.json else summary(args.video, result))
    return 0
