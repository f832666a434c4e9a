"""A streaming shot-boundary detector over per-frame features.

Frames are pushed in order; decisions about frame t are taken once frames up to t + W have arrived (W is about one
second), so the detector holds a bounded window of small frames whatever the video's length.

Hard cuts: the motion-compensated distance between consecutive frames (see `Comparator`) jumps well above its
local median. A jump is dropped when, within `flash_frames`, the picture comes back to what it was before and the
frames in between were brighter: a camera flash or a strobe, not a cut.

Gradual transitions (fades through black, dissolves): a cross-fade of two unrelated pictures lowers the contrast
(the luma standard deviation) of the frames in the middle, down to nothing for a fade through black. A dip in the
contrast curve between two different pictures is a transition when it is a fade through black (or black frames or
a card held between two shots), or, for a dissolve, when its deepest frame is a blend of the frames around it and
the pictures across it differ more than the shot's own motion explains; the cut is put in its middle.
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass

from analysis.scenes.features import Comparator, Frame, blend_weights

WIDE = 1 / 3  # translation compensated between frames a transition apart (see Comparator.distance)


@dataclass(frozen=True)
class DetectorConfig:
    window_s: float = 1.0  # context on each side of a frame; also the longest half-transition found
    cut_threshold: float = 0.45  # distance (0 same picture, ~1 unrelated) a hard cut needs at least
    cut_margin: float = 0.3  # ... and by how much it must exceed the local median distance
    flash_frames: int = 6  # the longest flash (frames) that is recognised as one
    flash_brightness: float = 10.0  # mean luma rise (0-255) of flash frames over the frame before
    same_threshold: float = 0.25  # distance under which two frames show the same picture
    dip_ratio: float = 0.8  # contrast at a gradual transition's middle vs the highest on each side
    gradual_threshold: float = 0.45  # distance between the pictures before and after a gradual transition
    gradual_margin: float = 0.15  # ... and by how much more than frames as far apart within each side (dissolves)
    blend_change: float = 0.2  # distance between the frames just around a dissolve's dip, at least
    blend_r2: float = 0.6  # share of the dip's deepest frame explained as a blend of those two
    dark_mean: float = 60.0  # a flat frame darker than this (0-255) is a fade's black; a brighter one held
    # for at most flash_frames is a flash

    def window(self, fps: float) -> int:
        return max(8, min(90, round(fps * self.window_s)))


class ShotDetector:
    def __init__(self, fps: float, width: int, height: int, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self.w = self.config.window(fps)
        self.k = min(self.config.flash_frames, self.w)
        self.runcap = 2 * self.w  # the longest contrast dip (frames) treated as one transition
        # Frames kept: a dip's run plus W before it and 2W after (its right side, then the hard-cut lag).
        self.capacity = self.runcap + 3 * self.w + 2
        # Frames of context a decision needs on either side: a cut at t can come from a dip run reaching back
        # runcap frames and its left side W before that, or forward as far (and W of lag).
        self.context = self.runcap + 2 * self.w + 2
        self.compare = Comparator(width, height)
        self.buf: dict[int, Frame] = {}
        self.head = -1
        self.hard: list[int] = []
        self.gradual: list[int] = []
        self.times: dict[int, float] = {}
        self._suppressed: set[int] = set()
        self._run: list[int] | None = None
        self._pending: list[tuple[int, int]] = []
        self._decided_hard = 0  # hard cuts are decided for frames < this
        self.max_buffered = 0

    # -- input ---------------------------------------------------------------------------------------------------

    def push(self, frame: Frame) -> None:
        prev = self.buf.get(frame.index - 1)
        if prev is not None:
            frame.d = self.compare.distance(prev, frame)
        self.buf[frame.index] = frame
        self.head = frame.index
        if frame.index == 0:
            self.times[0] = frame.t
        self._advance(self.head - self.w)
        self.buf.pop(self.head - self.capacity, None)  # frames arrive one by one: one falls out of the window
        self.max_buffered = max(self.max_buffered, len(self.buf))

    def finish(self) -> list[int]:
        """Decides the last frames and returns every cut, in order."""
        self._advance(self.head)
        if self._run is not None:
            self._pending.append(tuple(self._run))
            self._run = None
        self._resolve(final=True)
        gradual = set(self.gradual)
        cuts = sorted(set(self.hard) | gradual)
        kept: list[int] = []
        for c in cuts:  # one boundary, found by both paths a frame apart, is one cut
            if kept and c - kept[-1] <= 1 and c in gradual:
                continue
            kept.append(c)
        return kept

    def _advance(self, upto: int) -> None:
        while self._decided_hard <= upto:
            t = self._decided_hard
            if t >= 1:
                self._decide_hard(t)
            self._dip_step(t)
            self._decided_hard += 1
        self._resolve(final=False)

    # -- hard cuts -----------------------------------------------------------------------------------------------

    def _decide_hard(self, t: int) -> None:
        c = self.config
        d = self.buf[t].d
        if t in self._suppressed:
            self._suppressed.discard(t)  # each frame is decided once: the set stays as small as a flash
            return
        if math.isnan(d) or d < c.cut_threshold:
            return
        around = [
            self.buf[j].d
            for j in range(max(1, t - self.w), min(self.head, t + self.w) + 1)
            if abs(j - t) > 1 and j in self.buf and not math.isnan(self.buf[j].d)
        ]
        base = statistics.median(around) if around else 0.0
        if d - base < c.cut_margin or self._flash_at(t):
            return
        self.hard.append(t)
        self.times[t] = self.buf[t].t

    def _flash_at(self, t: int) -> bool:
        c = self.config
        before = self.buf.get(t - 1)
        if before is None:
            return False
        for j in range(1, self.k + 1):
            after = self.buf.get(t + j)
            if after is None:
                break
            d = self.compare.distance(before, after)
            # Back to the same picture: close in absolute terms and much closer than the jump was.
            if math.isnan(d) or d > c.same_threshold or d > 0.5 * self.buf[t].d:
                continue
            between = [self.buf[i] for i in range(t, t + j)]
            if min(f.mean for f in between) - before.mean >= c.flash_brightness:
                self._suppressed.update(range(t + 1, t + j + 1))
                return True
        return False

    # -- gradual transitions ------------------------------------------------------------------------------------

    def _dip_step(self, t: int) -> None:
        f = self.buf.get(t)
        if f is None:
            return
        left = [self.buf[i].std for i in range(max(0, t - self.w), t) if i in self.buf]
        right = [self.buf[i].std for i in range(t + 1, min(self.head, t + self.w) + 1)]
        in_dip = False
        if left and right:
            sa, sb = max(left), max(right)
            # A dissolve of two uncorrelated pictures bottoms at sa*sb/sqrt(sa^2 + sb^2): 0.71 x sa when the two
            # sides' contrasts match, but only 0.85 x the lower one when they differ 36 to 22. So the bar is
            # dip_ratio x the lower side, raised towards that bottom (+10%) for unequal sides, at most 0.9 x.
            lower = min(sa, sb)
            blend_bottom = sa * sb / math.sqrt(sa * sa + sb * sb)
            bar = min(0.9 * lower, max(self.config.dip_ratio * lower, 1.1 * blend_bottom))
            in_dip = f.std <= bar
        if in_dip:
            if self._run is None:
                self._run = [t, t]
            else:
                self._run[1] = t
            if self._run[1] - self._run[0] + 1 >= self.runcap:
                self._pending.append(tuple(self._run))
                self._run = None
        elif self._run is not None:
            self._pending.append(tuple(self._run))
            self._run = None

    def _resolve(self, *, final: bool) -> None:
        still: list[tuple[int, int]] = []
        for run in self._pending:
            # Wait until hard cuts are decided past the run's right side, so that a hard cut there wins.
            if not final and self._decided_hard <= run[1] + self.w:
                still.append(run)
                continue
            cut = self._gradual_cut(*run)
            if cut is not None:
                self.gradual.append(cut)
                self.times[cut] = self.buf[cut].t
        self._pending = still

    def _gradual_cut(self, start: int, end: int) -> int | None:
        c = self.config
        # Hard cuts are appended in order: the ones near the dip are found by bisection.
        near = self.hard[bisect.bisect_left(self.hard, start - self.w) : bisect.bisect_right(self.hard, end + self.w)]
        if any(start < h <= end for h in near):
            return None
        # Sides: up to W frames, not across another (hard) cut.
        begin = max([start - self.w, *(h for h in near if h <= start)])
        stop = min([end + self.w + 1, *(h for h in near if h > end)])
        left = [i for i in range(begin, start) if i in self.buf]
        right = [i for i in range(end + 1, stop) if i in self.buf]
        if not left or not right:
            return None
        # The pictures just outside the dip (beyond a dissolve's ends when its content is uncorrelated).
        reach = (end - start) // 2 + 2
        ia, ib = max(left[0], start - reach), min(right[-1], end + reach)
        a, b = self.buf[ia], self.buf[ib]
        middle = self.buf[min(range(start, end + 1), key=lambda i: self.buf[i].std)]
        flat = [i for i in range(start, end + 1) if self.buf[i].flat]
        # Flat frames held longer than a flash: black between shots, or a solid card; otherwise flat frames must
        # be dark (a fade through black), and no frame brighter than both sides (a saturating flash).
        held = len(flat) > c.flash_frames
        if not held and middle.mean > max(a.mean, b.mean) + c.flash_brightness:
            return None
        if not held and middle.flat and middle.mean > c.dark_mean:
            return None
        # The pictures on the two sides must differ: both the highest-contrast frames within W and the frames
        # just outside the dip (a shot's own contrast can dip, as it pans across a dull area).
        lo = max(left, key=lambda i: self.buf[i].std)
        hi = max(right, key=lambda i: self.buf[i].std)
        far = self.compare.distance(self.buf[lo], self.buf[hi], reach=WIDE)
        across = self.compare.distance(a, b, reach=WIDE)
        if middle.flat:  # through black: either pair differing is enough (the other may be mid-motion)
            if not max(_num(far), _num(across)) >= c.gradual_threshold:
                return None
        else:
            if not (far >= c.gradual_threshold and across >= c.gradual_threshold):
                return None
            # A dissolve, not a dip within one moving shot: (1) the frames just around the dip differ, and the
            # dip's deepest frame is a blend of them; (2) a and b differ more than frames as far apart on either
            # side do (a cut at a coarser time scale).
            near_a, near_b = self.buf[start - 1], self.buf[end + 1]
            near = self.compare.distance(near_a, near_b, reach=WIDE)
            if math.isnan(near) or near < c.blend_change or blend_weights(middle, near_a, near_b)[2] < c.blend_r2:
                return None
            span = ib - ia
            sides = []
            if ia - span >= left[0]:
                sides.append(self.compare.distance(self.buf[ia - span], a, reach=WIDE))
            if ib + span <= right[-1]:
                sides.append(self.compare.distance(b, self.buf[ib + span], reach=WIDE))
            sides = [x for x in sides if not math.isnan(x)]
            if sides and across - max(sides) < c.gradual_margin:
                return None
        if flat:  # through black (or a card): the middle of the flat frames (the fade-in's first, for just one)
            return (flat[0] + flat[-1] + 2) // 2
        return self._middle(start, end, left, right)

    def _middle(self, start: int, end: int, left: list[int], right: list[int]) -> int:
        """The transition's middle frame, from where its contrast curve leaves each side's level.

        Near its ends a dissolve's contrast is ~(1 - a) x the outgoing side's and ~a x the incoming side's (a: the
        blend weight), a fade's likewise: so the first frame below 90% of the left level and the last below 90%
        of the right level sit at a = 0.1 and a = 0.9 whatever the two levels, and their middle at a = 0.5."""
        near = end - start + 4
        side_a, side_b = left[-near:], right[:near]
        level_a = max(self.buf[i].std for i in side_a)
        level_b = max(self.buf[i].std for i in side_b)
        # Scan from each side's highest frame towards the dip.
        top_a = max(side_a, key=lambda i: self.buf[i].std)
        top_b = max(side_b, key=lambda i: self.buf[i].std)
        first = next((i for i in range(top_a, start + 1) if self.buf[i].std < 0.9 * level_a), start)
        last = next((i for i in range(top_b, end - 1, -1) if self.buf[i].std < 0.9 * level_b), end)
        return (first + last + 1) // 2


def _num(x: float) -> float:
    return 0.0 if math.isnan(x) else x
