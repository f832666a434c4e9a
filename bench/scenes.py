#!/usr/bin/env python3
"""Shot detection: our engine against PySceneDetect, on the same clips, in the same run.

Usage: uv run python bench/scenes.py [--rounds 3] [--only CASE ...] [--cache DIR]

For every clip of the evaluation set (bench/scene_clips.py: generated once into a cache directory), runs
`analysis.scenes.detect_scenes` and PySceneDetect's ContentDetector and AdaptiveDetector at their defaults
(`scenedetect-headless`, OpenCV backend), alternating the order every round. Reports per case and overall the
precision, recall and F1 of the cuts (a detected cut matches a true one within +-2 frames, one to one) and the
frames per second (median of the rounds), then our fps over PySceneDetect's. Also: our shot start times on the
variable-frame-rate clip against the written timestamps, and peak memory and progress reports on a short and the
long clip, each in a fresh process.

The machine is shared and noisy (+-10-15%, more under load): compare the ratios, measured within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scene_clips import DEFAULT_CACHE, Case, cases, ensure
from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video

from analysis.scenes import detect_scenes

TOLERANCE = 2
ENGINES = ("ours", "content", "adaptive")


def run_ours(path: Path) -> tuple[list[int], dict]:
    result = detect_scenes(path)
    return result.cuts, result.to_dict()


def run_pyscenedetect(path: Path, detector: str) -> tuple[list[int], dict]:
    video = open_video(str(path))
    manager = SceneManager()
    manager.add_detector(ContentDetector() if detector == "content" else AdaptiveDetector())
    manager.detect_scenes(video, show_progress=False)
    return [start.frame_num for start, _ in manager.get_scene_list()[1:]], {}


def run(engine: str, path: Path) -> tuple[list[int], dict, float]:
    started = time.perf_counter()
    cuts, extra = run_ours(path) if engine == "ours" else run_pyscenedetect(path, engine)
    return cuts, extra, time.perf_counter() - started


def match(found: list[int], truth: list[int], tolerance: int = TOLERANCE) -> list[tuple[int, int]]:
    """One-to-one pairs (true, found) within the tolerance, nearest first."""
    pairs = sorted((abs(f - t), t, f) for t in truth for f in found if abs(f - t) <= tolerance)
    used_t, used_f, out = set(), set(), []
    for _, t, f in pairs:
        if t not in used_t and f not in used_f:
            used_t.add(t)
            used_f.add(f)
            out.append((t, f))
    return out


def prf(tp: int, found: int, truth: int) -> tuple[float, float, float]:
    p = tp / found if found else 1.0
    r = tp / truth if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def memory_probe(path: Path) -> dict:
    """Peak RSS and progress calls of one analysis, in a fresh interpreter."""
    code = (
        "import json, resource, sys\n"
        "from analysis.scenes import detect_scenes\n"
        "calls = []\n"
        "r = detect_scenes(sys.argv[1], progress=lambda d, t: calls.append((d, t)))\n"
        "print(json.dumps({'frames': r.frames, 'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'progress_calls': len(calls), 'last': calls[-1]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    selected: list[Case] = [c for c in cases() if not args.only or c.name in args.only]
    paths = {c.name: ensure(c, args.cache) for c in selected}
    found: dict[tuple[str, str], list[int]] = {}
    extras: dict[str, dict] = {}
    seconds: dict[tuple[str, str], list[float]] = {}
    for engine in ENGINES:  # warm-up: imports, FFmpeg's first open, caches
        run(engine, paths[selected[0].name])
    for r in range(args.rounds):
        order = ENGINES[r % 3 :] + ENGINES[: r % 3]
        for case in selected:
            for engine in order:
                cuts, extra, elapsed = run(engine, paths[case.name])
                found[(case.name, engine)] = cuts
                if extra:
                    extras[case.name] = extra
                seconds.setdefault((case.name, engine), []).append(elapsed)

    print(
        f"| case | frames | cuts | {' | '.join(f'{e} P / R / F1' for e in ENGINES)} | "
        f"{' | '.join(f'{e} fps' for e in ENGINES)} | ours / content | ours / adaptive |"
    )
    print("|" + "---|" * (3 + 2 * len(ENGINES) + 2))
    totals = {e: [0, 0] for e in ENGINES}  # true positives, found
    truth_total = 0
    time_total = {e: 0.0 for e in ENGINES}
    frame_total = 0
    for case in selected:
        truth = case.clip.cuts
        frames = case.clip.frame_count
        truth_total += len(truth)
        frame_total += frames
        cells, fps = [], {}
        for e in ENGINES:
            cuts = found[(case.name, e)]
            tp = len(match(cuts, truth))
            totals[e][0] += tp
            totals[e][1] += len(cuts)
            p, rc, f1 = prf(tp, len(cuts), len(truth))
            cells.append(f"{p:.2f} / {rc:.2f} / **{f1:.2f}**" if e == "ours" else f"{p:.2f} / {rc:.2f} / {f1:.2f}")
            med = statistics.median(seconds[(case.name, e)])
            time_total[e] += med
            fps[e] = frames / med
        print(
            f"| {case.name} | {frames} | {len(truth)} | {' | '.join(cells)} | "
            f"{' | '.join(f'{fps[e]:.0f}' for e in ENGINES)} | {fps['ours'] / fps['content']:.2f} | "
            f"{fps['ours'] / fps['adaptive']:.2f} |"
        )
    cells = []
    for e in ENGINES:
        p, rc, f1 = prf(totals[e][0], totals[e][1], truth_total)
        cells.append(f"{p:.2f} / {rc:.2f} / **{f1:.2f}**")
    fps = {e: frame_total / time_total[e] for e in ENGINES}
    print(
        f"| **all** | {frame_total} | {truth_total} | {' | '.join(cells)} | "
        f"{' | '.join(f'{fps[e]:.0f}' for e in ENGINES)} | **{fps['ours'] / fps['content']:.2f}** | "
        f"**{fps['ours'] / fps['adaptive']:.2f}** |"
    )

    for case in selected:
        if case.vfr_half_fps is None or case.name not in extras:
            continue
        times = case.times()
        shots = extras[case.name]["shots"]
        starts = {s["start_frame"]: s["start_s"] for s in shots}
        pairs = match(found[(case.name, "ours")], case.clip.cuts)
        err = max((abs(starts[f] - times[t]) for t, f in pairs), default=0.0)
        naive = max((abs(f / case.fps - times[t]) for t, f in pairs), default=0.0)
        print(
            f"\n{case.name}: shot start times vs written timestamps: max error {err * 1000:.0f} ms "
            f"(frame / nominal fps would be off by up to {naive * 1000:.0f} ms)"
        )
    probes = [c for c in selected if c.name in ("hard_cuts", "long")]
    for case in probes:
        m = memory_probe(paths[case.name])
        print(
            f"{case.name}: {m['frames']} frames, peak RSS {m['rss_mb']:.0f} MB, "
            f"{m['progress_calls']} progress reports, last {tuple(m['last'])}"
        )


if __name__ == "__main__":
    main()
