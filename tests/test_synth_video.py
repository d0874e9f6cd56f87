"""Rendered game videos (edge.synth.video), the games they film (edge.synth.games) and
tools/render_game.py.

Games: the three real professional records in ../shared/data/games (the Castle
game and the Ear-reddening game are used here: the latter has a long ko fight
and 60 captured stones), and generated games (`generated_game`, a simple
playing policy), named "generated-SEED". Nothing here is faked: the follower
test runs the real `Follower` on the videos' truth positions, the rendering
tests run the real renderer (at a small image size, to stay fast).
"""

from __future__ import annotations

import bisect
import importlib.util
import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import BadInputError
from edge.game import Follower, FrameReading, GameConfig, MoveEvent, NewGameEvent
from edge.synth.games import GAMES_DIR, generated_game, read_sgf, real_game, real_games, sgf_point
from edge.synth.video import MIN_CALM, VideoFrame, plan_game_video, render_game_video, video_scene

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TOOL = Path(__file__).resolve().parents[1] / "tools" / "render_game.py"
SMALL = {"width": 320, "height": 240}


@pytest.fixture(scope="module")
def castle():
    return real_game("castle")


@pytest.fixture(scope="module")
def ear():
    return real_game("ear-reddening")


@pytest.fixture(scope="module")
def short_video(castle) -> list[VideoFrame]:
    game = castle.prefix(5)
    return list(render_game_video(game, 7, frames_per_move=6, **SMALL))


# --- games ---------------------------------------------------------------------


def test_the_real_records_are_read_move_for_move() -> None:
    assert GAMES_DIR == DATA / "games"
    games = real_games()
    assert [len(g.moves) for g in games] == [325, 142, 177]
    assert all(g.real and g.size == 19 and not g.setup for g in games)
    castle = real_game("castle")
    assert castle.black == "Hayashi Yubi" and castle.moves[:2] == (("b", (3, 16)), ("w", (2, 3)))
    assert sgf_point(castle.moves[0][1]) == "qd"
    assert real_game(2).name.startswith("1976")
    replayed = real_game("ear").replay()
    assert sum(len(m.captured) for m in replayed) == 60 and sum(m.ko is not None for m in replayed) > 10
    with pytest.raises(BadInputError, match="no real game matches"):
        real_game("no-such-game")
    with pytest.raises(BadInputError, match="no real game 7"):
        real_game(7)
    with pytest.raises(BadInputError, match="not a readable SGF"):
        read_sgf(b"(;GM[1]SZ[19];B[qd](", "broken")


def test_generated_games_are_legal_long_and_look_played() -> None:
    games = [generated_game(seed) for seed in (1, 2, 3)]
    assert generated_game(1) == games[0] and games[0].moves != games[1].moves
    kos = 0
    for game in games:
        assert not game.real and game.name.startswith("generated-") and len(game.moves) == 200
        assert [c for c, _ in game.moves] == ["b", "w"] * 100
        replayed = game.replay()  # raises on any illegal move
        assert sum(len(m.captured) for m in replayed) >= 5
        kos += sum(m.ko is not None for m in replayed)
        # After the opening, most moves are played near one of the last two moves.
        near = [
            min(max(abs(p[0] - q[0]), abs(p[1] - q[1])) for _, q in game.moves[k - 2 : k]) <= 3
            for k, (_, p) in enumerate(game.moves)
            if k >= 20
        ]
        assert 0.6 < np.mean(near) < 0.98
        # The board gets used, not just one corner.
        final = replayed[-1].after
        quarters = {(r >= 9, c >= 9) for r, c in final.stones}
        assert len(quarters) == 4
    assert kos >= 1
    handicap = generated_game(4, moves=20, handicap=4)
    assert len(handicap.setup) == 4 and handicap.moves[0][0] == "w"
    handicap.replay()
    with pytest.raises(BadInputError, match="handicap 12"):
        generated_game(0, handicap=12)


# --- the plan: truth, captures, double moves -----------------------------------


def test_truth_follows_the_game_with_captured_stones_lifted_a_little_later(ear) -> None:
    plan = plan_game_video(ear, 3, frames_per_move=6, double_move_rate=0.1)
    replayed = ear.replay()
    boards = [ear.start_position(), *(m.after for m in replayed)]
    captured_by = {}  # point -> index of the move that captured the stone there last
    last_index = 0
    for frame in plan.frames:
        k = frame.move_index
        assert k == bisect.bisect_right(plan.placed_at, frame.index)
        for j in range(last_index, k):
            for p in replayed[j].captured:
                captured_by[p] = j
        last_index = k
        board = boards[k]
        truth = frame.position.stones
        assert all(truth.get(p) == c for p, c in board.stones.items()), frame.index
        for p, c in truth.items():
            if board[p] != c:
                # Only captured stones not yet lifted, and only for a few frames.
                j = captured_by[p]
                assert c != replayed[j].color and frame.index - plan.placed_at[j] <= 40, (frame.index, p)
    assert plan.frames[-1].position == boards[-1]
    assert plan.frames[0].position == ear.start_position() and plan.frames[0].calm
    assert list(plan.placed_at) == sorted(plan.placed_at) and len(set(plan.placed_at)) == len(ear.moves)
    lifted = sorted(p for _, group in plan.lifted_at for p in group)
    assert lifted == sorted(p for m in replayed for p in m.captured)
    calm = [f.calm for f in plan.frames]
    # Every lift happens under a hand; some lifts share their spell of hands with the next move.
    assert not any(calm[f] for f, _ in plan.lifted_at)
    shared = 0
    for f, _ in plan.lifted_at:
        lo, hi = f, f
        while not calm[lo - 1]:
            lo -= 1
        while not calm[hi + 1]:
            hi += 1
        shared += any(lo <= t <= hi and t != f for t in plan.placed_at)
    assert 0 < shared < len(plan.lifted_at)
    # The light drifts slowly and smoothly; motion blur only where a hand is.
    drift = np.array([f.light_drift for f in plan.frames])
    assert np.abs(np.diff(drift)).max() < 0.02 and drift.max() - drift.min() > 0.1 and np.abs(drift).max() <= 0.5
    assert all(not f.motion_blur or f.hands or plan.frames[f.index - 1].hands for f in plan.frames)
    assert 0 < sum(f.motion_blur for f in plan.frames) < 0.3 * len(plan.frames)


@pytest.mark.parametrize("rate", [0.0, 0.25])
def test_double_moves_come_at_the_configured_rate(ear, rate: float) -> None:
    replayed = ear.replay()
    eligible = doubles = 0
    spells = {"one visit": 0, "calm between": 0}
    for seed in (0, 1):
        plan = plan_game_video(ear, seed, frames_per_move=8, double_move_rate=rate)
        calm = [f.calm for f in plan.frames]
        quick = set(plan.double_moves)
        for k in range(len(replayed) - 1):
            gap = sum(calm[plan.placed_at[k] : plan.placed_at[k + 1]])
            if k in quick:
                assert gap <= 2, (seed, k)
                spells["one visit" if gap == 0 else "calm between"] += 1
            elif not replayed[k].captured:
                assert gap >= MIN_CALM, (seed, k)
            # A move can be followed quickly unless it captured, its follower plays where the
            # move before captured, or it is itself the second of a quick pair.
            if not (replayed[k].captured or replayed[k + 1].point in (replayed[k - 1].captured if k else ()) or k - 1 in quick):
                eligible += 1
        doubles += len(quick)
    expected, sd = rate * eligible, math.sqrt(eligible * rate * (1 - rate))
    assert abs(doubles - expected) <= 4 * sd + 1e-9, (doubles, expected)
    if rate:
        assert min(spells.values()) > 0, spells


def test_bad_video_arguments_are_named(castle) -> None:
    with pytest.raises(BadInputError, match="frames_per_move 3"):
        plan_game_video(castle, 0, frames_per_move=3)
    with pytest.raises(BadInputError, match="double_move_rate"):
        plan_game_video(castle, 0, double_move_rate=1.5)


# --- game following on the truth -----------------------------------------------


@pytest.mark.parametrize(("seed", "frames_per_move", "rate"), [(0, 6, 0.1), (1, 10, 0.05), (2, 5, 0.3)])
def test_follower_on_the_truth_of_calm_frames_reproduces_the_real_game(castle, seed, frames_per_move, rate) -> None:
    game = castle.prefix(60)
    plan = plan_game_video(game, seed, frames_per_move=frames_per_move, double_move_rate=rate, start_time=1.7e9)
    follower = Follower(GameConfig(size=19))
    events = []
    for frame in plan.frames:
        events += follower.feed(FrameReading(frame.timestamp, frame.position, None, 0.0 if frame.calm else 1.0))
    assert [(e.color, e.point) for e in events if isinstance(e, MoveEvent)] == list(game.moves)
    assert all(isinstance(e, (MoveEvent, NewGameEvent)) for e in events)
    assert follower.position == game.replay()[-1].after


# --- rendered frames ----------------------------------------------------------------


def test_hands_cover_each_placement_and_calm_frames_show_none(castle, short_video: list[VideoFrame]) -> None:
    game = castle.prefix(5)
    plan = plan_game_video(game, 7, frames_per_move=6)
    scene = video_scene(game, 7, **SMALL)
    assert [f.index for f in short_video] == [f.index for f in plan.frames]
    for frame, fp in zip(short_video, plan.frames):
        assert frame.image.shape == (240, 320, 3) and frame.image.dtype == np.uint8
        assert frame.truth_position == fp.position and frame.move_index == fp.move_index
        assert frame.view_position == scene.view_position(frame.truth_position)
        assert np.array_equal(frame.corners, scene.corners)
        assert frame.timestamp == pytest.approx(frame.index / 10.0)
        if fp.calm:
            assert not frame.occluded and frame.occlusion == 0.0
        else:
            assert frame.occluded and frame.occlusion > 0.0, frame.index
    for k, f in enumerate(plan.placed_at):
        point = scene.to_view(game.moves[k][1])
        stone = next(s for s in short_video[f].stones if s.point == point)
        assert stone.visible < 0.5, (k, stone.visible)  # it appears under the hand
        assert point not in short_video[f - 1].view_position.stones


def test_the_same_seed_films_the_same_video(castle, short_video: list[VideoFrame]) -> None:
    game = castle.prefix(5)
    again = [f for f, _ in zip(render_game_video(game, 7, frames_per_move=6, **SMALL), range(12))]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(again, short_video))
    other = next(iter(render_game_video(game, 8, frames_per_move=6, **SMALL)))
    assert not np.array_equal(other.image, short_video[0].image)
    # A stone lies still from frame to frame: calm frames of one position differ only by sensor noise.
    calm = [f for f in short_video if not f.occluded and f.move_index == 5]
    a, b = (cv2.GaussianBlur(f.image.astype(np.float32), (0, 0), 2.0) for f in calm[:2])
    assert np.abs(a - b).mean() < 2.0


# --- tools/render_game.py --------------------------------------------------------


def _tool():
    spec = importlib.util.spec_from_file_location("render_game_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_render_game_tool_writes_frames_or_mp4_with_truth(tmp_path: Path, capsys) -> None:
    tool = _tool()
    small = ["--width", "160", "--height", "120", "--frames-per-move", "5", "--moves", "3"]
    assert tool.main(["generated:3", "--out", str(tmp_path / "frames"), *small]) == 0
    truth = json.loads((tmp_path / "frames" / "truth.json").read_text())
    jpegs = sorted((tmp_path / "frames").glob("*.jpg"))
    assert len(jpegs) == len(truth["frames"]) > 10 and jpegs[0].name == "000000.jpg"
    assert cv2.imread(str(jpegs[-1])).shape == (120, 160, 3)
    assert truth["game"]["name"] == "generated-3" and len(truth["game"]["moves"]) == 3
    assert truth["frames"][-1]["move_index"] == 3 and any(f["occluded"] for f in truth["frames"])
    assert truth["scene"]["rotation"] in (0, 1, 2, 3) and len(truth["scene"]["corners"]) == 4

    sgf = DATA / "games" / "1861-yubi-shusaku-castle-game.sgf"
    assert tool.main([str(sgf), "--out", str(tmp_path / "castle.mp4"), *small]) == 0
    capture = cv2.VideoCapture(str(tmp_path / "castle.mp4"))
    count = 0
    while capture.read()[0]:
        count += 1
    truth = json.loads((tmp_path / "castle.truth.json").read_text())
    assert count == len(truth["frames"]) and truth["game"]["moves"][0] == ["b", "qd"]
    assert "frames/s" in capsys.readouterr().out

    assert tool.main(["nothing-here.sgf", "--out", str(tmp_path / "x")]) == 2
    assert tool.main(["real:castle", "--out", str(tmp_path / "x"), "--frames-per-move", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("render_game: ") for line in err)
