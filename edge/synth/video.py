"""Videos of a game played on a filmed board, with the exact truth of every frame.

A game is filmed by one fixed camera (one `Scene`). Each move is a visit of
the mover's hand: it reaches in from the player's side of the board towards
the point (covering stones on its way), holds there, lets the stone go and
leaves; calm frames follow. The capturer lifts captured stones a few frames
after the capture, a few at a time, sometimes only while the opponent is
already placing the next stone (two hands over the board). Now and then two
moves come quickly: with only one or two calm frames between them, or the
next hand coming in while the last one leaves, so that both stones appear
within one spell of occlusion. The light drifts slowly over the game, and
frames where a hand moves fast are sometimes motion-blurred.

`plan_game_video` lays all of this out as data, frame by frame, without
drawing anything (cheap enough for tests that only need the truth);
`render_game_video` draws the plan. Truth positions are in the board's own
frame (the game record's); `VideoFrame.view_position` is the same in the
frame of the image's corners, which is what a reader of the image returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

import cv2
import numpy as np

from edge.board.position import Color, Point, Position
from edge.errors import BadInputError
from edge.synth.games import PlayedGame
from edge.synth.hands import HandLook, HandPose
from edge.synth.photo import Exposure, jpeg_roundtrip
from edge.synth.scene import Scene, StoneLayer
from edge.synth.truth import StoneTruth

MIN_CALM = 3
"""Calm frames after a move (unless two moves come quickly): what game following needs to see it."""
MIN_FRAMES_PER_MOVE = MIN_CALM + 2
P_LIFT_WITH_NEXT = 0.3
"""Chance that captured stones are lifted only while the next move is being placed."""
LIFT_MAX_STONES = 4
"""Stones one hand lifts at once at most; a bigger capture takes several visits."""
P_BLUR_MOVING = 0.3
P_GLARE = 0.3
P_JPEG = 0.6
NOISE_FIELDS = 4
NOISE_SHIFT = 64
"""Sensor noise comes from a few fields drawn once per video, each frame a random
one at a random offset: drawing fresh noise for every frame would cost most of the frame's time."""
SETUP_SEED = 1_000_000
"""Stone seeds of the setup stones start here; a move's stone has its move index as seed."""


@dataclass(frozen=True)
class FramePlan:
    """What one frame shows, before it is drawn."""

    index: int
    timestamp: float
    position: Position
    """Board frame: the stones physically on the board, captured ones not yet lifted included."""
    stone_seeds: Mapping[Point, int]
    """Each stone's own seed: a stone looks the same and lies at the same spot in every frame."""
    version: int
    """Changes whenever the stones on the board do."""
    move_index: int
    """Moves whose stone has been placed so far."""
    hands: tuple[HandPose, ...]
    motion_blur: bool
    light_drift: float

    @property
    def calm(self) -> bool:
        """No hand anywhere in the picture."""
        return not self.hands


@dataclass(frozen=True)
class VideoPlan:
    game: PlayedGame
    seed: int
    fps: float
    frames: tuple[FramePlan, ...]
    placed_at: tuple[int, ...]
    """Frame at which each move's stone appears (move k, 0-based, at placed_at[k])."""
    lifted_at: tuple[tuple[int, tuple[Point, ...]], ...]
    """(frame, points) of every lift of captured stones."""
    double_moves: tuple[int, ...]
    """Moves k (0-based) followed quickly by move k + 1."""
    sides: Mapping[Color, int]
    """Board side each player sits at (see `HandPose.side`)."""
    glare: float
    """Strength of a lamp's reflection on the board, the same all game (0: none)."""
    jpeg: bool


@dataclass(frozen=True)
class VideoFrame:
    index: int
    timestamp: float
    """Seconds on the video's own clock: start_time + index / fps."""
    image: np.ndarray
    """(H, W, 3) uint8 BGR."""
    truth_position: Position
    """Board frame (the game record's): the stones physically on the board."""
    view_position: Position
    """`truth_position` in the frame of `corners`, as a reader of the image sees it."""
    corners: np.ndarray
    """(4, 2) float32 image px of the outer grid corners (fixed camera: the same every frame)."""
    move_index: int
    """Moves whose stone has been placed so far."""
    occluded: bool
    """A hand is over the board."""
    occlusion: float
    """Fraction of the grid area covered by hands."""
    stones: list[StoneTruth]
    """Per stone: its point (corners' frame), box and how much of it hands cover."""


@dataclass
class _Visit:
    """One hand's trip over the board: reach per frame from `start`, one action on the way."""

    start: int
    color: Color
    target: Point
    reaches: list[float]
    action_at: int
    action: tuple

    @property
    def end(self) -> int:
        return self.start + len(self.reaches)

    @property
    def action_frame(self) -> int:
        return self.start + self.action_at


def _visit(start: int, color: Color, target: Point, frames: int, action: tuple) -> _Visit:
    """In, hold twice (the second time letting the stone go or closing on the captured ones), out."""
    n_in = (frames - 1) // 2
    n_out = frames - 2 - n_in
    reaches = list(np.linspace(0.55, 0.9, n_in)) if n_in > 1 else [0.75] * n_in
    reaches += [1.0, 1.0]
    reaches += list(np.linspace(0.85, 0.55, n_out)) if n_out > 1 else [0.7] * n_out
    return _Visit(start, color, target, [float(r) for r in reaches], n_in + 1, action)


def _lift_groups(points: tuple[Point, ...]) -> list[tuple[Point, ...]]:
    """Captured stones in handfuls: neighbours together, at most LIFT_MAX_STONES each."""
    remaining = sorted(points)
    groups = []
    while remaining:
        r0, c0 = remaining[0]
        group = [p for p in remaining if abs(p[0] - r0) <= 1 and abs(p[1] - c0) <= 1][:LIFT_MAX_STONES]
        remaining = [p for p in remaining if p not in group]
        groups.append(tuple(group))
    return groups


def _lift_target(group: tuple[Point, ...]) -> Point:
    mean = np.mean(np.array(group, dtype=float), axis=0)
    return min(group, key=lambda p: (p[0] - mean[0]) ** 2 + (p[1] - mean[1]) ** 2)


def plan_game_video(
    game: PlayedGame,
    seed: int,
    *,
    frames_per_move: int = 10,
    double_move_rate: float = 0.05,
    fps: float = 10.0,
    start_time: float = 0.0,
) -> VideoPlan:
    """The frame-by-frame plan of filming `game` (see the module's doc).

    A move takes `frames_per_move` frames on average: the hand's visit, then
    calm frames (at least MIN_CALM). `double_move_rate` is the chance that a
    move is followed quickly by the next one.
    """
    if frames_per_move < MIN_FRAMES_PER_MOVE:
        raise BadInputError(f"frames_per_move {frames_per_move} is below {MIN_FRAMES_PER_MOVE}")
    if not 0.0 <= double_move_rate <= 1.0:
        raise BadInputError(f"double_move_rate {double_move_rate} is outside 0..1")
    if not fps > 0:
        raise BadInputError(f"fps {fps} must be positive")
    played = game.replay()
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x71DE0])
    black_side = int(rng.integers(4))
    sides: dict[Color, int] = {"b": black_side, "w": (black_side + 2) % 4}
    looks = {"b": HandLook.random(rng, pose="pinch"), "w": HandLook.random(rng, pose="pinch")}
    glare = float(rng.uniform(0.2, 1.0)) if rng.random() < P_GLARE else 0.0
    jpeg = bool(rng.random() < P_JPEG)

    calm_mean = max(MIN_CALM, frames_per_move // 2)
    visit_frames = frames_per_move - calm_mean
    visits: list[_Visit] = []
    doubles: list[int] = []
    cursor = calm_mean  # the starting position is seen calm first
    busy = cursor
    deferred: list[tuple[Color, tuple[Point, ...]]] = []
    after_double = False
    for k, move in enumerate(played):
        place = _visit(cursor, move.color, move.point, visit_frames, ("place", k))
        visits.append(place)
        busy = max(busy, place.end)
        # Stones left from the last capture go while this stone is being placed.
        t = cursor + int(rng.integers(0, 2))
        for color, group in deferred:
            lift = _visit(t, color, _lift_target(group), visit_frames, ("lift", group))
            visits.append(lift)
            t = lift.end
            busy = max(busy, t)
        deferred = []
        following = played[k + 1] if k + 1 < len(played) else None
        earlier_captures = set(played[k - 1].captured) if k > 0 else set()
        calm = max(MIN_CALM, calm_mean + int(rng.integers(-1, 2)))
        quick = following is not None and rng.random() < double_move_rate
        if quick and not after_double and not move.captured and following.point not in earlier_captures:
            doubles.append(k)
            after_double = True
            if rng.random() < 0.5:
                cursor = busy + int(rng.integers(1, 3))  # one or two calm frames between the two
            else:
                cursor = place.action_frame + 1  # the next hand comes in as this one leaves
            continue
        after_double = False
        if move.captured:
            groups = _lift_groups(move.captured)
            if following is not None and following.point not in move.captured and rng.random() < P_LIFT_WITH_NEXT:
                deferred = [(move.color, g) for g in groups]
            else:
                t = busy + int(rng.integers(1, 4))
                for group in groups:
                    lift = _visit(t, move.color, _lift_target(group), visit_frames, ("lift", group))
                    visits.append(lift)
                    t = lift.end
                busy = t
        cursor = busy + calm
    total = max(cursor, busy + calm_mean)
    return _materialise(game, seed, fps, start_time, total, visits, doubles, sides, looks, glare, jpeg, rng)


def _materialise(
    game: PlayedGame,
    seed: int,
    fps: float,
    start_time: float,
    total: int,
    visits: list[_Visit],
    doubles: list[int],
    sides: dict[Color, int],
    looks: dict[Color, HandLook],
    glare: float,
    jpeg: bool,
    rng: np.random.Generator,
) -> VideoPlan:
    hands: list[list[tuple[int, HandPose]]] = [[] for _ in range(total)]
    actions: dict[int, list[tuple]] = {}
    for v_id, visit in enumerate(visits):
        for i, reach in enumerate(visit.reaches):
            hands[visit.start + i].append((v_id, HandPose(visit.target, reach, sides[visit.color], looks[visit.color])))
        actions.setdefault(visit.action_frame, []).append(visit.action)

    moves = game.moves
    stones: dict[Point, tuple[Color, int]] = {p: (c, SETUP_SEED + i) for i, (p, c) in enumerate(sorted(game.setup.items()))}
    placed_at = [-1] * len(moves)
    lifted: list[tuple[int, tuple[Point, ...]]] = []
    move_index = 0
    version = 0
    position, seeds = _snapshot(game.size, stones)
    drift, speed = float(rng.uniform(-0.3, 0.3)), 0.0
    previous: dict[int, float] = {}
    frames: list[FramePlan] = []
    for f in range(total):
        changed = False
        # Placements before lifts: a lift in the same frame never frees the point being played.
        for action in sorted(actions.get(f, []), key=lambda a: a[0] != "place"):
            if action[0] == "place":
                k = action[1]
                color, point = moves[k]
                if point in stones or k != move_index:
                    raise AssertionError(f"plan places move {k} at {point} out of order or on a stone")
                stones[point] = (color, k)
                placed_at[k] = f
                move_index = k + 1
            else:
                for point in action[1]:
                    del stones[point]
                lifted.append((f, action[1]))
            changed = True
        if changed:
            version += 1
            position, seeds = _snapshot(game.size, stones)
        # Light: a smooth random walk (its speed wanders), kept within -0.5..0.5.
        speed = 0.97 * speed + float(rng.normal(0.0, 0.0003))
        drift += speed
        if abs(drift) > 0.5:
            drift = float(np.sign(drift)) * (1.0 - abs(drift))
            speed = -speed
        now = {v_id: pose.reach for v_id, pose in hands[f]}
        moving = any(abs(r - previous.get(v_id, 0.0)) > 0.2 for v_id, r in now.items()) or any(v not in now for v in previous)
        blur = bool(moving and rng.random() < P_BLUR_MOVING)
        previous = now
        frames.append(
            FramePlan(
                index=f, timestamp=start_time + f / fps, position=position, stone_seeds=seeds, version=version,
                move_index=move_index, hands=tuple(p for _, p in hands[f]), motion_blur=blur, light_drift=drift,
            )
        )
    if move_index != len(moves):
        raise AssertionError(f"plan placed {move_index} of {len(moves)} moves")
    return VideoPlan(game, int(seed), float(fps), tuple(frames), tuple(placed_at), tuple(lifted), tuple(doubles), sides, glare, jpeg)


def _snapshot(size: int, stones: dict[Point, tuple[Color, int]]) -> tuple[Position, dict[Point, int]]:
    return Position(size, {p: c for p, (c, _) in stones.items()}), {p: s for p, (_, s) in stones.items()}


def video_scene(game: PlayedGame, seed: int, *, width: int = 640, height: int = 480, max_tilt_deg: float = 45.0) -> Scene:
    """The camera set-up `render_game_video` films `game` with for `seed`."""
    return Scene.random(game.size, seed, width=width, height=height, max_tilt_deg=max_tilt_deg)


def render_game_video(
    game: PlayedGame,
    seed: int,
    *,
    frames_per_move: int = 10,
    double_move_rate: float = 0.05,
    fps: float = 10.0,
    start_time: float = 0.0,
    width: int = 640,
    height: int = 480,
    max_tilt_deg: float = 45.0,
    plan: VideoPlan | None = None,
) -> Iterator[VideoFrame]:
    """The frames of `game` filmed as `plan_game_video` lays it out (or as `plan` says).

    The same arguments give the same frames. The board and its stones are
    drawn once per position and reused until a stone comes or goes.
    """
    if plan is None:
        plan = plan_game_video(
            game, seed, frames_per_move=frames_per_move, double_move_rate=double_move_rate, fps=fps, start_time=start_time
        )
    elif plan.game != game or plan.seed != int(seed):
        raise BadInputError("the video plan passed to render_game_video is for another game or seed")
    scene = video_scene(game, seed, width=width, height=height, max_tilt_deg=max_tilt_deg)
    sensor = _Sensor(scene.exposure, (scene.height, scene.width), plan.jpeg, seed)
    layer: StoneLayer | None = None
    version = -1
    for fp in plan.frames:
        if fp.version != version or layer is None:
            layer = scene.stone_layer(fp.position, seed=fp.version, stone_seeds=fp.stone_seeds)
            version = fp.version
        rendered = scene.render(
            fp.position,
            seed=fp.index,
            hand=fp.hands if fp.hands else False,
            motion_blur=fp.motion_blur,
            glare=plan.glare,
            noise=False,
            jpeg=False,
            light_drift=fp.light_drift,
            layer=layer,
        )
        yield VideoFrame(
            index=fp.index,
            timestamp=fp.timestamp,
            image=sensor.capture(rendered.image, fp.index),
            truth_position=fp.position,
            view_position=rendered.position,
            corners=rendered.corners,
            move_index=fp.move_index,
            occluded=rendered.occlusion > 0.0,
            occlusion=rendered.occlusion,
            stones=rendered.stones,
        )


class _Sensor:
    """The camera's noise and compression, the same kind as `Scene.render` adds (see
    `edge.synth.photo.add_noise`), from noise fields reused across the video's frames."""

    def __init__(self, exposure: Exposure, shape: tuple[int, int], jpeg: bool, seed: int) -> None:
        self.exposure = exposure
        self.jpeg = jpeg
        self.seed = int(seed) & 0xFFFFFFFF
        h, w = shape[0] + NOISE_SHIFT, shape[1] + NOISE_SHIFT
        rng = np.random.default_rng([self.seed, 0x5E75])
        self.fields = []
        for _ in range(NOISE_FIELDS):
            chroma = rng.standard_normal(((h + 1) // 2, (w + 1) // 2, 3), dtype=np.float32)
            field = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR) * np.float32(0.6)
            field += rng.standard_normal((h, w, 1), dtype=np.float32)
            self.fields.append(field)

    def capture(self, image: np.ndarray, index: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, int(index) & 0xFFFFFFFF, 0x5E76])
        h, w = image.shape[:2]
        k, dy, dx = int(rng.integers(NOISE_FIELDS)), int(rng.integers(NOISE_SHIFT)), int(rng.integers(NOISE_SHIFT))
        out = image.astype(np.float32)
        sigma = cv2.sqrt(out)
        sigma *= np.float32(self.exposure.shot_noise)
        sigma += np.float32(self.exposure.noise_sigma)
        sigma *= self.fields[k][dy : dy + h, dx : dx + w]
        out += sigma
        np.clip(out, 0, 255, out=out)
        frame = out.astype(np.uint8)
        if self.jpeg:
            frame = jpeg_roundtrip(frame, int(np.clip(self.exposure.jpeg_quality + rng.integers(-10, 11), 25, 95)))
        return frame
