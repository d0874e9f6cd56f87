"""From noisy per-frame board readings to a stable position.

Each point keeps a candidate value and the evidence for it: readings that
agree add their confidence, readings that disagree take it away, and when the
evidence runs out the point's candidate becomes what it was just read as.
A candidate that differs from the stable position is accepted once it has
been read `stable_frames` times, over `stable_seconds`, with enough summed
confidence or every one of those readings steady enough (see `GameConfig`);
the stable position then changes and is emitted. An empty reading with a
detection under the reader's threshold there says neither way for a new
stone, until such readings outnumber its sightings two to one: a stone the
detector scores weakly reads now as itself, now as that.

Frames that cannot be trusted are held back rather than read: unreadable ones
(position None), those whose occlusion estimate is over the threshold (a hand,
a change of light), and those where more than `max_jump` points differ from the
stable position at once (counted weighted by confidence). A held-back frame
breaks every run of steady readings and wipes the evidence that a stone is
going (stones vanish around a hand because it hides them), but a new stone
keeps what it gathered: a stone lying on the board reads the same on both
sides of a hand, so one the detector scores weakly still goes down after
enough calm frames although hands pass every few frames; a stone that was
only carried over the point reads gone once the hand has left, and that
takes its evidence away again.
Where frames are marked quiet (`FrameReading.quiet`: nothing but stones
changed on the board, no hand at all), a new stone goes down only on a quiet
frame: a hand at the board's edge covers too few cells for the occlusion
estimate, and what it carries or passes over reads as stones. And given
whose move it is (the `to_play` callback, the game tracker's), a run of
quiet readings of a stone of that colour on an empty point is steady at
`expected_level`, below `steady_level`: a stone the detector scores 0.3-0.45
lies still and reads so frame after frame; a stone in a hand never comes in
quiet frames. Once such a stone is steady, the other colour's reply is the
stone expected next (a quick double move: both stones placed in one visit).
A stone of the colour to play read confidently in the last `quiet_frames`
quiet frames goes down then, without waiting for `stable_frames`: with no hand
anywhere over the board, nothing carried it there or hid the point.
Stones whose going the rules explain (a group the new stones captured, captured
stones being lifted: the `explained` callback, the game tracker's, names them)
do not count towards that jump: a big capture is a move, not a hand. With that
callback and `hidden_stone_frames` set, a stone going for no reason the rules
know is accepted only once that has held for that many frames: in a game, a
stone that vanishes for a few frames was hidden (an arm the occlusion
estimate missed), not taken away.
A large jump is accepted only when it holds, self-consistent, for `jump_frames`
readable frames; the very first position is accepted the same way after
`stable_frames` frames.

No change is accepted on a frame that reads the point back. Changes accepted
together are emitted together; an accepted change waits up to `stable_frames`
more frames for other points whose change is confidently under way (read in
`stable_frames - 1` frames, or glimpsed before, or the capturing stone that
explains an accepted going), so that two stones placed in one visit reach the
game as one change.
Each changed point comes with the time it was first read as its new value,
in the run of readings that accepted it or confidently before, hands in
between or not: when several stones reach the game at once, that tells which
went down first. A change also names the stones that were glimpsed since the
last one -- read confidently in `stable_frames - 1` frames or more, never
accepted, then read gone -- such as a stone captured by the very next move and
lifted before it could settle.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Collection, Literal, Mapping

import numpy as np

from edge.board.position import Color, Point, Position, opponent
from edge.errors import BadInputError
from edge.game.config import GameConfig

EMPTY, BLACK, WHITE = 0, 1, 2
_CODES = {"b": BLACK, "w": WHITE}
_COLORS = {BLACK: "b", WHITE: "w"}

FrameStatus = Literal["unreadable", "occluded", "jump", "read", "start"]

RemovalExplainer = Callable[[Position], Collection[Point]]
"""Given a frame's reading, the points whose stone it lacks because the rules took it."""

NextColor = Callable[[], Color | None]
"""The colour whose move the game waits for (None: not known)."""


@dataclass(frozen=True)
class FrameReading:
    """One frame's reading of the board.

    position None means the frame could not be read. `confidence` is a
    (size, size) array of per-point confidence in 0..1 (None: all 1.0).
    `occlusion` is the estimated fraction of the board covered or changed in
    appearance, 0..1. `timestamp` is Unix epoch seconds.
    """

    timestamp: float
    position: Position | None
    confidence: np.ndarray | None = None
    occlusion: float = 0.0
    quiet: bool | None = None
    """Whether nothing but stones changed on the board since it was last seen still: no hand at
    all, however little of the board it covers (`edge.follow.BoardWatch` measures it). None where
    nothing measured it."""


@dataclass(frozen=True)
class StableChange:
    """The stable position changed at `timestamp`; `changed` lists the points that did."""

    position: Position
    timestamp: float
    changed: tuple[Point, ...]
    via_jump: bool = False
    first_seen: Mapping[Point, float] = field(default_factory=dict)
    """Per changed point, when it was first read (confidently) as it now is."""
    glimpsed: Mapping[Point, Color] = field(default_factory=dict)
    """Stones seen for a while since the last change but gone before they were accepted (empty now)."""


def position_to_array(position: Position) -> np.ndarray:
    grid = np.zeros((position.size, position.size), dtype=np.int8)
    for (row, col), color in position.stones.items():
        grid[row, col] = _CODES[color]
    return grid


def array_to_position(grid: np.ndarray) -> Position:
    rows, cols = np.nonzero(grid)
    return Position(
        grid.shape[0],
        {(int(r), int(c)): _COLORS[int(grid[r, c])] for r, c in zip(rows, cols)},
    )


class Stabilizer:
    """Per-frame readings in, stable positions out (`update` returns one only when it changes)."""

    def __init__(
        self, config: GameConfig, explained: RemovalExplainer | None = None, to_play: NextColor | None = None
    ) -> None:
        self.config = config
        self._explained = explained
        self._to_play = to_play
        n = config.size
        self._stable: np.ndarray | None = None
        self._position: Position | None = None  # _stable as a Position: made once per change, read every frame
        self._cand = np.zeros((n, n), dtype=np.int8)
        self._evidence = np.zeros((n, n), dtype=np.float64)
        self._frames = np.zeros((n, n), dtype=np.int32)
        self._doubts = np.zeros((n, n), dtype=np.int32)  # doubtful readings of a new stone (see update)
        self._since = np.zeros((n, n), dtype=np.float64)
        # Confidence of the candidate's last stable_frames readings in a row (0: not read so, or broken),
        # and whether each came in a quiet frame.
        self._recent = np.zeros((config.stable_frames, n, n), dtype=np.float64)
        self._recent_quiet = np.zeros((config.stable_frames, n, n), dtype=bool)
        self._held = 0  # frames an accepted change has waited for others under way
        # What each point was last read as with confidence, and since when (kept through hands).
        self._seen = np.zeros((n, n), dtype=np.int8)
        self._seen_at = np.zeros((n, n), dtype=np.float64)
        self._seen_count = np.zeros((n, n), dtype=np.int32)
        # Stones seen for a while and then gone before they were accepted, with when they were
        # first seen: a hand that hid a new stone must not make it look newer than the next one.
        self._glimpsed: dict[Point, tuple[Color, float]] = {}
        self._jump: deque[tuple[np.ndarray, np.ndarray]] = deque()
        self.last_status: FrameStatus | None = None

    @property
    def position(self) -> Position | None:
        return self._position

    def reset(self) -> None:
        """Forget the stable position (e.g. after recalibration); the next one is taken afresh."""
        self._stable = self._position = None
        self._jump.clear()
        self._glimpsed.clear()
        self._clear_evidence()

    def update(self, reading: FrameReading) -> StableChange | None:
        if reading.position is None:
            self.last_status = "unreadable"
            return None
        self._check(reading)
        if not reading.occlusion <= self.config.occlusion_threshold:  # NaN counts as occluded
            self.last_status = "occluded"
            self._interrupt()
            return None
        grid, conf = self._arrays(reading)
        # An empty reading with a detection there that would carry a vote of its own (a stone
        # scored under the reader's threshold) says neither, for a new stone: one the detector
        # scores weakly reads so between its weak sightings and must not lose to them. Not once
        # such readings outnumber the stone's sightings two to one: that is a weak phantom.
        doubtful = (
            (grid == EMPTY) & (self._cand != EMPTY) & (1.0 - conf >= self.config.ignore_confidence)
            & (self._doubts < 2 * self._frames)
        )
        valid = (conf >= self.config.ignore_confidence) & ~doubtful
        if self._stable is None:
            self.last_status = "start"
            return self._collect_jump(grid, conf, valid, reading.timestamp, self.config.stable_frames)
        # Confidence-weighted count of points that differ: a hand reads as many confident changes.
        differ = valid & (grid != self._stable)
        jumped = float(conf[differ].sum())
        if jumped > self.config.max_jump and self._explained is not None:
            captured = self._explained_mask(reading.position) & (grid == EMPTY)
            jumped = float(conf[differ & ~captured].sum())
        if jumped > self.config.max_jump:
            self.last_status = "jump"
            self._interrupt()
            return self._collect_jump(grid, conf, valid, reading.timestamp, self.config.jump_frames)
        self._jump.clear()
        self.last_status = "read"
        return self._read(grid, conf, valid, doubtful, reading.timestamp, reading.quiet)

    # -- internals -----------------------------------------------------------------

    def _check(self, reading: FrameReading) -> None:
        n = self.config.size
        position = reading.position
        assert position is not None
        if position.size != n:
            raise BadInputError(f"reading is of a {position.size}x{position.size} board, expected {n}x{n}")
        if reading.confidence is not None and np.shape(reading.confidence) != (n, n):
            raise BadInputError(f"confidence has shape {np.shape(reading.confidence)}, expected {(n, n)}")

    def _arrays(self, reading: FrameReading) -> tuple[np.ndarray, np.ndarray]:
        n = self.config.size
        assert reading.position is not None
        grid = position_to_array(reading.position)
        if reading.confidence is None:
            return grid, np.ones((n, n), dtype=np.float64)
        conf = np.asarray(reading.confidence, dtype=np.float64)
        return grid, np.clip(np.where(np.isnan(conf), 0.0, conf), 0.0, 1.0)

    def _explained_mask(self, position: Position) -> np.ndarray:
        assert self._explained is not None
        mask = np.zeros((self.config.size, self.config.size), dtype=bool)
        for row, col in self._explained(position):
            mask[row, col] = True
        return mask

    def _interrupt(self) -> None:
        """A held-back frame: see the module's doc for what survives it."""
        going = np.zeros_like(self._cand, dtype=bool)
        if self._stable is not None:
            going = (self._cand == EMPTY) & (self._stable != EMPTY)
        self._forget(going)

    def _clear_evidence(self) -> None:
        self._forget(np.ones_like(self._cand, dtype=bool))

    def _forget(self, points: np.ndarray) -> None:
        """Break every run of readings in progress, and drop what `points` gathered."""
        if self._stable is not None:
            self._cand[points] = self._stable[points]
        self._drop_counts(points)
        self._recent[...] = 0.0
        self._recent_quiet[...] = False
        self._held = 0

    def _drop_counts(self, points: np.ndarray) -> None:
        """What `points` gathered for their candidate: they start again from nothing."""
        self._evidence[points] = 0.0
        self._frames[points] = 0
        self._doubts[points] = 0

    def _read(
        self, grid: np.ndarray, conf: np.ndarray, valid: np.ndarray, doubtful: np.ndarray, t: float,
        quiet: bool | None,
    ) -> StableChange | None:
        stable = self._stable
        assert stable is not None
        agree = valid & (grid == self._cand)
        disagree = valid & ~agree
        self._evidence[agree] += conf[agree]
        self._frames[agree] += 1
        self._doubts[doubtful] += 1
        self._evidence[disagree] -= conf[disagree]
        self._recent[:, agree] = np.roll(self._recent[:, agree], -1, axis=0)
        self._recent[-1, agree] = conf[agree]
        self._recent[:, disagree] = 0.0
        self._recent_quiet[:, agree] = np.roll(self._recent_quiet[:, agree], -1, axis=0)
        self._recent_quiet[-1, agree] = quiet is True
        # A doubtful reading breaks a quiet run: a stone lying still is read in every quiet frame,
        # a weak phantom comes and goes (generated-14 of video seed 5, S18).
        self._recent_quiet[:, disagree | doubtful] = False
        sure = valid & (conf >= self.config.confident_level)
        gone = (
            sure & (grid == EMPTY) & (stable == EMPTY) & (self._seen != EMPTY)
            & (self._seen_count >= max(1, self.config.stable_frames - 1))
        )
        for row, col in zip(*np.nonzero(gone)):
            self._glimpsed[(int(row), int(col))] = (_COLORS[int(self._seen[row, col])], float(self._seen_at[row, col]))
        new = sure & (grid != self._seen)
        self._seen[new] = grid[new]
        self._seen_at[new] = t
        self._seen_count[new] = 0
        self._seen_count[sure] += 1
        switch = disagree & (self._evidence <= 0.0)
        self._cand[switch] = grid[switch]
        self._evidence[switch] = conf[switch]
        self._recent[-1, switch] = conf[switch]
        self._recent_quiet[-1, switch] = quiet is True
        self._frames[switch] = 1
        self._doubts[switch] = 0
        self._since[switch] = t
        settled = self._cand == stable
        self._drop_counts(settled)

        cfg = self.config
        # Accepted on a frame that reads the point as changed with confidence, or after twice the
        # frames: a short run of weak readings whose sum just passes (a captured stone glimpsed
        # past the hand lifting it) must not put a stone down, a stone read weakly but steadily must.
        # stable_frames readings in a row, none below steady_level, are steady enough at once:
        # a stone lying on the board reads alike from frame to frame, one in a moving hand does not.
        # Never on a frame that reads it back: a stone a hand hid is there again. A new stone, only
        # on a quiet frame where that is measured: a hand the occlusion estimate passes, at the
        # board's edge, makes phantoms of what it carries or passes over.
        against = valid & (grid != self._cand)
        summed = (
            (self._evidence >= cfg.stable_frames * cfg.confident_level - 1e-9)
            & (sure | (self._frames >= 2 * cfg.stable_frames))
        )
        timely = (
            ~settled
            & ~against
            & (t - self._since >= cfg.stable_seconds)
            & ((quiet is not False) | (stable != EMPTY) | (self._cand == EMPTY))
        )
        ready = timely & (self._frames >= cfg.stable_frames)
        accepted = ready & (summed | (self._recent.min(axis=0) >= self._steady_levels(ready)))
        accepted |= timely & self._quick(quiet)
        hidden = self._hidden(settled, accepted)
        accepted &= ~hidden
        if not accepted.any():
            return None
        # Stones placed together should reach the game together (two moves seen as one
        # out of order read as two moves out of turn): wait a little for other points
        # whose change is already confidently under way.
        # (A weak reading that merely persists is not "under way": its mean confidence is low;
        # nor is a stone's going held back as hidden: it is not to be believed yet; nor is a
        # change this frame reads against: its evidence is running out, whatever is left of it;
        # nor one read in a single frame, a phantom or a stone read as the other colour, unless
        # it was glimpsed before: a stone hidden after it went down may have been played first;
        # or unless the capture that explains an accepted going needs it.)
        sighted = self._frames >= max(1, cfg.stable_frames - 1)
        for (row, col), (color, _) in self._glimpsed.items():
            sighted[row, col] |= _COLORS.get(int(self._cand[row, col])) == color
        if self._captor_settling(accepted):
            sighted |= self._cand != EMPTY
        waiting = (
            ~settled
            & ~accepted
            & (self._evidence >= cfg.confident_level)
            & (self._evidence >= self._frames * cfg.confident_level / 2)
            & sighted
            & ~hidden
            & ~against
        )
        if waiting.any() and self._held < cfg.stable_frames:
            self._held += 1
            return None
        self._held = 0
        stable[accepted] = self._cand[accepted]
        self._position = array_to_position(stable)
        self._drop_counts(accepted)
        rows, cols = np.nonzero(accepted)
        changed = tuple((int(r), int(c)) for r, c in zip(rows, cols))
        # The start of the accepting run, or an earlier confident sighting of the same value.
        first_seen = {
            point: float(min(self._since[point], self._seen_at[point]) if self._seen[point] == stable[point]
                         else self._since[point])
            for point in changed
        }
        for point in changed:
            color, seen_at = self._glimpsed.get(point, (None, t))
            if color is not None and _COLORS.get(int(stable[point])) == color:
                first_seen[point] = min(first_seen[point], seen_at)
        glimpsed = {point: color for point, (color, _) in self._glimpsed.items() if stable[point] == EMPTY}
        self._glimpsed.clear()
        return StableChange(self._position, t, changed, first_seen=first_seen, glimpsed=glimpsed)

    def _quick(self, quiet: bool | None) -> np.ndarray | bool:
        """Stones of the colour to play on empty points, read at `confident_level` or more in the
        last `quiet_frames` frames, every one quiet: no hand was anywhere near the board, so
        nothing it carried or hid can have made them, and the move the game waits for needs no
        third sighting."""
        cfg = self.config
        color = None if self._to_play is None else self._to_play()
        if color is None or quiet is not True or cfg.quiet_frames >= cfg.stable_frames:
            return False
        assert self._stable is not None
        recent = slice(cfg.stable_frames - cfg.quiet_frames, None)
        return (
            (self._stable == EMPTY)
            & (self._cand == _CODES[color])
            & (self._recent[recent].min(axis=0) >= cfg.confident_level)
            & self._recent_quiet[recent].all(axis=0)
        )

    def _steady_levels(self, ready: np.ndarray) -> np.ndarray | float:
        """Per point, the lowest reading a steady run may hold: `expected_level` for a stone
        of the colour to play on an empty point, read in quiet frames only, and for its reply
        once such a stone is steady where it may go down now (`ready`); see the module's doc."""
        cfg = self.config
        color = None if self._to_play is None else self._to_play()
        if color is None or self._stable is None:
            return cfg.steady_level
        quiet_new = (self._stable == EMPTY) & self._recent_quiet.all(axis=0)
        expected = quiet_new & (self._cand == _CODES[color])
        levels = np.where(expected, cfg.expected_level, cfg.steady_level)
        # A quick double move: the stone of the colour to play going down now makes its reply
        # the stone expected next.
        if (expected & ready & (self._recent.min(axis=0) >= levels)).any():
            levels[quiet_new & (self._cand == _CODES[opponent(color)])] = cfg.expected_level
        return levels

    def _captor_settling(self, accepted: np.ndarray) -> bool:
        """Whether a stone going in `accepted` is explained as captured only by new stones not yet
        accepted: the capturing stone, still settling, belongs to the same change."""
        assert self._stable is not None
        going = accepted & (self._cand == EMPTY) & (self._stable != EMPTY)
        if self._explained is None or not going.any():
            return False
        after = self._stable.copy()
        after[accepted] = self._cand[accepted]
        return bool((going & ~self._explained_mask(array_to_position(after))).any())

    def _hidden(self, settled: np.ndarray, accepted: np.ndarray) -> np.ndarray:
        """Points whose stone is going for no reason the rules know, not yet for `hidden_stone_frames`.

        In a game stones leave by capture; a stone that goes for no reason the rules know was
        more likely hidden (an arm the occlusion estimate missed) than taken off by hand, so
        where configured such a going has to hold for hidden_stone_frames before it is
        believed -- unless the board is being cleared: no arm hides every stone.
        Found whenever something is accepted, not only when these are: a change that has to
        wait that long must neither be accepted nor hold up the others.
        """
        none = np.zeros_like(accepted)
        slow = self.config.hidden_stone_frames
        if not slow or self._explained is None or not self._cand.any() or not accepted.any():
            return none
        going = ~settled & (self._cand == EMPTY) & (self._frames < slow)
        if not going.any():
            return none
        return going & ~self._explained_mask(array_to_position(self._cand))

    def _collect_jump(
        self, grid: np.ndarray, conf: np.ndarray, valid: np.ndarray, t: float, needed: int
    ) -> StableChange | None:
        """Keep the last `needed` held-back frames; accept their consensus once they agree."""
        self._jump.append((grid, np.where(valid, conf, 0.0)))
        while len(self._jump) > needed:
            self._jump.popleft()
        if len(self._jump) < needed:
            return None
        grids = np.stack([g for g, _ in self._jump])
        weights = np.stack([w for _, w in self._jump])
        votes = np.stack([((grids == code) * weights).sum(axis=0) for code in (EMPTY, BLACK, WHITE)])
        consensus = votes.argmax(axis=0).astype(np.int8)
        if self._stable is not None:
            # Points nobody could read keep their stable value.
            unread = weights.sum(axis=0) == 0.0
            consensus[unread] = self._stable[unread]
        disagreement = ((grids != consensus) * weights).sum(axis=(1, 2))
        if float(disagreement.max()) > self.config.max_jump:
            return None
        previous = self._stable
        self._stable = consensus
        self._position = array_to_position(consensus)
        self._seen[...] = consensus
        self._seen_at[...] = t
        self._seen_count[...] = 0
        self._glimpsed.clear()
        self._jump.clear()
        self._clear_evidence()
        if previous is None:
            changed_mask = consensus != EMPTY
        else:
            changed_mask = consensus != previous
            if not changed_mask.any():
                return None
        rows, cols = np.nonzero(changed_mask)
        changed = tuple((int(r), int(c)) for r, c in zip(rows, cols))
        return StableChange(self._position, t, changed, via_jump=True)
