"""The result of a shot-boundary analysis, as the CLI and the analysis worker return it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Shot:
    index: int
    start_frame: int
    end_frame: int  # inclusive
    start_s: float
    end_s: float  # the start of the next shot (or the end of the video)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class SceneResult:
    shots: list[Shot]
    cuts: list[int]  # the first frame of every shot but the first
    fps: float
    frames: int
    method: str
    elapsed_s: float

    @property
    def shot_count(self) -> int:
        return len(self.shots)

    @property
    def average_shot_s(self) -> float:
        return round(sum(s.duration_s for s in self.shots) / len(self.shots), 3) if self.shots else 0.0

    def to_dict(self) -> dict:
        return {
            "shots": [asdict(s) for s in self.shots],
            "cuts": list(self.cuts),
            "shot_count": self.shot_count,
            "average_shot_s": self.average_shot_s,
            "fps": round(self.fps, 3),
            "frames": self.frames,
            "method": self.method,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def build_shots(cuts: list[int], frames: int, times: dict[int, float], end_s: float) -> list[Shot]:
    """Shots between the cuts; `times` gives the timestamp (s) of every cut frame and of frame 0."""
    if frames <= 0:
        return []
    starts = [0, *cuts]
    ends = [*cuts, frames]
    return [
        Shot(
            index=i,
            start_frame=start,
            end_frame=end - 1,
            start_s=round(times[start], 3),
            end_s=round(times[end] if end < frames else end_s, 3),
        )
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
