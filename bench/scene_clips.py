"""The shot-detection evaluation set: synthetic clips with known cuts, written once to a cache directory.

Usage: uv run python bench/scene_clips.py [--cache DIR] [--only NAME ...]   (bench/scenes.py calls `ensure`)

Every clip is rendered by `analysis.scenes.synthetic` (1/f-noise textures, moving shapes, sensor noise; pans,
shake, flashes, fades and dissolves placed where the case says) and encoded with the ffmpeg binary that the
`imageio-ffmpeg` dev dependency ships (libx264, as real uploads are). Nothing binary is committed: the cache is
keyed by a hash of the case definitions, so changing a case regenerates it.

No real clip ships in a package we can install here (scenedetect-headless and opencv-python-headless carry no
sample videos), so the set is synthetic only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from analysis.scenes.synthetic import Clip, Shot, Transition

GENERATOR_VERSION = 2
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "suite" / "scene-clips"


@dataclass
class Case:
    name: str
    what: str
    clip: Clip
    fps: float = 30.0
    pix_fmt: str = "yuv420p"
    rotation: int = 0  # display rotation metadata, degrees
    vfr_half_fps: float | None = None  # second half of the frames shown at this rate instead (variable frame rate)
    extra: dict = field(default_factory=dict)

    def times(self) -> list[float]:
        """Presentation time of every frame, as written."""
        n = self.clip.frame_count
        if self.vfr_half_fps is None:
            return [i / self.fps for i in range(n)]
        half = n // 2
        return [i / self.fps if i < half else half / self.fps + (i - half) / self.vfr_half_fps for i in range(n)]

    def key(self) -> str:
        spec = {
            "v": GENERATOR_VERSION,
            "clip": [asdict(s) for s in self.clip.shots],
            "tr": [asdict(t) for t in self.clip.transitions],
            "size": [self.clip.width, self.clip.height],
            "fps": self.fps,
            "pix": self.pix_fmt,
            "rot": self.rotation,
            "vfr": self.vfr_half_fps,
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def _shots(rng: np.random.Generator, n: int, lengths: tuple[int, int], seed0: int, **kw) -> list[Shot]:
    return [Shot(int(rng.integers(*lengths)), seed0 + i, **kw) for i in range(n)]


def cases() -> list[Case]:
    rng = np.random.default_rng(12)
    w, h = 640, 360
    out: list[Case] = []

    out.append(
        Case("hard_cuts", "hard cuts between unrelated shots, slow motion", Clip(w, h, _shots(rng, 10, (25, 70), 100)))
    )

    grey = (0.7, 0.7, 0.7)
    similar = [Shot(int(rng.integers(30, 60)), 200 + i, tint=grey, contrast=0.8, shapes=2) for i in range(10)]
    out.append(
        Case("similar_cuts", "hard cuts between look-alike shots (same palette, contrast, shapes)", Clip(w, h, similar))
    )

    short: list[Shot] = []
    for i in range(8):
        short.append(Shot(int(rng.integers(30, 50)), 300 + 2 * i))
        short.append(Shot(int(rng.integers(2, 5)), 301 + 2 * i))
    out.append(Case("short_shots", "2-4-frame shots between longer ones", Clip(w, h, short)))

    flashes = [
        Shot(60, 400, flashes=((10, 1), (35, 2))),
        Shot(50, 401, flashes=((20, 3),)),
        Shot(70, 402, pan=(6, 0), flashes=((15, 1), (40, 2))),
        Shot(40, 403),
        Shot(60, 404, shake=4, flashes=((25, 2),)),
        Shot(50, 405, flashes=((5, 1), (30, 1), (32, 1))),
    ]
    out.append(Case("flashes", "camera flashes (1-3 frames, strobes) inside shots: not cuts", Clip(w, h, flashes)))

    fades = _shots(rng, 7, (45, 75), 500)
    fade_tr = [Transition("fade", int(n)) for n in rng.integers(10, 31, len(fades) - 1)]
    out.append(
        Case("fades", "fades out to black and in (10-30 frames): one cut in the middle", Clip(w, h, fades, fade_tr))
    )

    dis = _shots(rng, 7, (50, 80), 600)
    dis_tr = [Transition("dissolve", int(n)) for n in rng.integers(8, 31, len(dis) - 1)]
    out.append(Case("dissolves", "dissolves (8-30 frames): one cut in the middle", Clip(w, h, dis, dis_tr)))

    pans = [
        Shot(
            int(rng.integers(40, 70)),
            700 + i,
            pan=(float(rng.uniform(15, 40)) * rng.choice([-1, 1]), float(rng.uniform(-5, 5))),
        )
        for i in range(8)
    ]
    out.append(Case("fast_pans", "fast pans (15-40 px/frame) across a large texture", Clip(w, h, pans)))

    shake = [Shot(int(rng.integers(40, 70)), 800 + i, shake=float(rng.uniform(5, 12)), pan=(2, 0)) for i in range(8)]
    out.append(Case("shake", "hand-held shake (5-12 px jitter and a little rotation)", Clip(w, h, shake)))

    mixed = _shots(rng, 8, (30, 60), 900, pan=(3, 1))
    mixed_tr = [
        Transition(),
        Transition("dissolve", 12),
        Transition(),
        Transition("fade", 16),
        Transition(),
        Transition("dissolve", 20),
        Transition(),
    ]
    out.append(
        Case(
            "vfr",
            "variable frame rate: first half 30 fps, second half 15 fps (times from timestamps)",
            Clip(w, h, mixed, mixed_tr),
            vfr_half_fps=15.0,
        )
    )

    out.append(
        Case(
            "rotated",
            "portrait phone video, 90-degree rotation metadata",
            Clip(h, w, _shots(rng, 8, (30, 60), 1000, shake=3)),
            rotation=90,
        )
    )

    out.append(
        Case(
            "odd_size",
            "317x241 frames (4:4:4, odd sizes need it with x264)",
            Clip(317, 241, _shots(rng, 8, (30, 60), 1100)),
            pix_fmt="yuv444p",
        )
    )

    hd = _shots(rng, 6, (40, 60), 1150, pan=(4, 0), shake=2)
    out.append(Case("hd_720p", "1280x720, mixed motion: where decoding costs most", Clip(1280, 720, hd)))

    # Several minutes at low resolution: shots of 1-6 s, a mix of transitions, a few flashes.
    long_shots, long_tr = [], []
    total = 0
    i = 0
    while total < 5 * 60 * 30:
        n = int(rng.integers(30, 180))
        fl = ((int(rng.integers(5, n - 5)), 2),) if rng.random() < 0.1 else ()
        long_shots.append(
            Shot(n, 1200 + i, pan=(float(rng.uniform(-8, 8)), 0.0), shake=float(rng.choice([0, 0, 4])), flashes=fl)
        )
        if i:
            r = rng.random()
            long_tr.append(
                Transition("dissolve", 12) if r < 0.1 else Transition("fade", 16) if r < 0.2 else Transition()
            )
        total += n
        i += 1
    out.append(
        Case("long", "5 minutes at 256x144, mixed transitions (memory, progress)", Clip(256, 144, long_shots, long_tr))
    )
    return out


def path_for(case: Case, cache: Path) -> Path:
    return cache / f"{case.name}-{case.key()}.mp4"


def ensure(case: Case, cache: Path = DEFAULT_CACHE) -> Path:
    """The clip's file, generated unless the cache has it."""
    target = path_for(case, cache)
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    tmp = target.with_suffix(".tmp.mp4")
    clip = case.clip
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{clip.width}x{clip.height}", "-r", str(case.fps), "-i", "-"]
    if case.vfr_half_fps is not None:
        half = clip.frame_count // 2
        expr = f"if(lt(N,{half}),N/{case.fps},{half}/{case.fps}+(N-{half})/{case.vfr_half_fps})/TB"
        cmd += ["-vf", f"setpts='{expr}'", "-fps_mode", "vfr", "-video_track_timescale", "9000"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", case.pix_fmt, str(tmp)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for frame in clip.frames():
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {case.name}")
    if case.rotation:
        rotated = target.with_suffix(".rot.mp4")
        subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-display_rotation",
                str(case.rotation),
                "-i",
                str(tmp),
                "-c",
                "copy",
                str(rotated),
            ],
            check=True,
        )
        tmp.unlink()
        tmp = rotated
    tmp.rename(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        path = ensure(case, args.cache)
        print(f"{case.name:13s} {case.clip.frame_count:6d} frames {len(case.clip.cuts):4d} cuts  {path}")


if __name__ == "__main__":
    main()
