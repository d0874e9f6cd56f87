"""Stabilizer: per-frame readings -> stable positions; GameConfig validation."""

from __future__ import annotations

import numpy as np
import pytest

from edge.board.position import Position
from edge.errors import BadInputError, ConfigError
from edge.game import FrameReading, GameConfig, GameTracker, Stabilizer
from game_data import BIG_CAPTURE, BIG_CAPTURE_START, BIG_CAPTURE_VICTIMS, diagram, with_stones

EMPTY = Position(9)
ONE = Position(9, {(2, 2): "b"})
TWO = Position(9, {(2, 2): "b", (6, 6): "w"})


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def reading(self, position, confidence=None, occlusion=0.0, quiet=None) -> FrameReading:
        self.t += 0.2
        return FrameReading(self.t, position, confidence, occlusion, quiet)


def settle(stab: Stabilizer, clock: Clock, position: Position, frames: int = 3):
    return [stab.update(clock.reading(position)) for _ in range(frames)]


def scatter(position: Position, points: list[tuple[int, int]], color="w") -> Position:
    return Position(position.size, {**position.stones, **{p: color for p in points}})


def read_at(level: float) -> np.ndarray:
    """Confidence of a reading whose point (2, 2) is read at `level`, every other point surely."""
    conf = np.ones((9, 9))
    conf[2, 2] = level
    return conf


def new_stone_read_at(stab: Stabilizer, clock: Clock, levels: tuple[float, ...]) -> list:
    """One frame of ONE per level, its new stone (2, 2) read at that confidence."""
    return [stab.update(clock.reading(ONE, read_at(level))) for level in levels]


def test_first_position_after_stable_frames():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    out = settle(stab, clock, EMPTY)
    assert out[:2] == [None, None]
    assert out[2].position == EMPTY and out[2].via_jump and stab.position == EMPTY


def test_change_accepted_on_the_third_frame_not_before():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = settle(stab, clock, ONE)
    assert out[:2] == [None, None]
    assert out[2].position == ONE and out[2].changed == ((2, 2),) and not out[2].via_jump
    assert out[2].timestamp == clock.t
    assert settle(stab, clock, ONE) == [None, None, None]


def test_flicker_is_never_accepted():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    for _ in range(20):
        assert stab.update(clock.reading(ONE)) is None
        assert stab.update(clock.reading(EMPTY)) is None
    assert stab.position == EMPTY


def test_low_confidence_needs_more_frames():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    weak = np.ones((9, 9))
    weak[2, 2] = 0.25  # 3 * 0.5 / 0.25 = 6 frames
    out = [stab.update(clock.reading(ONE, weak)) for _ in range(6)]
    assert out[:5] == [None] * 5 and out[5].position == ONE


def test_a_short_run_of_weak_readings_puts_no_stone_down():
    """0.4 + 0.9 + 0.3 passes the summed confidence of three frames, but the frame that would accept it
    is not sure: a captured stone glimpsed past the hand lifting it, not a stone put down."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = new_stone_read_at(stab, clock, (0.4, 0.9, 0.3, 0.45))
    out += [stab.update(clock.reading(EMPTY)) for _ in range(4)]
    assert out == [None] * 8 and stab.position == EMPTY


def test_a_weak_but_steady_stone_goes_down_in_stable_frames():
    """0.42 three times sums to less than 3 * 0.5, but a stone lying on the board reads alike frame after frame."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = new_stone_read_at(stab, clock, (0.42, 0.42, 0.42))
    assert out[:2] == [None, None] and out[2].position == ONE


def test_a_weak_stone_read_empty_between_its_sightings_goes_down():
    """Rendered game generated-16, seed 5: the detector scores a white stone 0.2-0.45, so it reads
    as the stone in half the calm frames and as empty with a weak detection in the rest. Those
    readings say neither way; counted against it, the stone never settled and reached the game
    after the next two moves, in the wrong order."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = []
    for stone, empty in (((0.32, 0.31), 0.75), ((0.35, 0.34), 0.79), ((0.30, 0.42), None)):
        out += new_stone_read_at(stab, clock, stone)
        if empty is not None:
            out.append(stab.update(clock.reading(EMPTY, read_at(empty))))
    assert out[:7] == [None] * 7 and out[7].position == ONE


def test_a_weak_phantom_read_empty_twice_as_often_stays_off_the_board():
    """Rendered game generated-14, seed 5: a phantom the detector finds at 0.3-0.45 in one calm frame
    of four, and under its threshold in the others. Three such readings to one sighting are an
    empty point, and a stone accepted there was a correction in the record."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = []
    for _ in range(8):
        out += new_stone_read_at(stab, clock, (0.45,))
        out += [stab.update(clock.reading(EMPTY, read_at(level))) for level in (0.77, 0.71, 0.77)]
    assert out == [None] * 32 and stab.position == EMPTY


def test_steadiness_counts_the_last_stable_frames_readings():
    """The stone read 0.3 while the hand was still leaving (rendered game generated-13, seed 4), then
    steadily: accepted on the 4th frame, not when its summed confidence and a sure frame come."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = new_stone_read_at(stab, clock, (0.3, 0.45, 0.45, 0.45))
    assert out[:3] == [None] * 3 and out[3].position == ONE


def test_a_stone_that_flickers_is_not_steady():
    """A stone carried in a hand the occlusion estimate missed, hovering over a point (rendered
    game generated-15, seed 4): 0.52, 0.36, 0.53, then the hand moves on."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = new_stone_read_at(stab, clock, (0.52, 0.36, 0.53))
    out += [stab.update(clock.reading(EMPTY)) for _ in range(4)]
    assert out == [None] * 7 and stab.position == EMPTY


def test_a_new_stone_goes_down_only_on_a_quiet_frame():
    """Frames with a hand at the board's edge, too little of it for the occlusion estimate: what it
    carries or passes over reads as stones (rendered game generated-17, video seed 5: a white
    phantom where a stone had been captured, read 0.55, 0.82, 0.50, held Black's next move back six
    frames). A new stone waits for a frame in which nothing else changed."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = [stab.update(clock.reading(ONE, quiet=False)) for _ in range(4)]
    out.append(stab.update(clock.reading(ONE, quiet=True)))
    assert out[:4] == [None] * 4 and out[4].position == ONE


def test_a_stone_going_does_not_wait_for_a_quiet_frame():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, ONE)
    out = [stab.update(clock.reading(EMPTY, quiet=False)) for _ in range(3)]
    assert out[:2] == [None, None] and out[2].position == EMPTY


def expecting(color: str) -> Stabilizer:
    """A stabilizer told that the game waits for `color`'s move, as the follower tells it."""
    return Stabilizer(GameConfig(size=9), to_play=lambda: color)


def weak_run(stab: Stabilizer, clock: Clock, levels: tuple[float, ...], quiet: tuple[bool, ...] = (True,) * 3) -> list:
    return [stab.update(clock.reading(ONE, read_at(level), quiet=q)) for level, q in zip(levels, quiet)]


def test_a_weak_stone_of_the_colour_to_play_read_in_quiet_frames_goes_down_in_stable_frames():
    """Rendered game generated-6, video seed 5: White's stone, White to play, read 0.32, 0.50, 0.47
    once the hand had gone, with nothing else changing on the board; it waited for a fourth frame."""
    stab, clock = expecting("b"), Clock()
    settle(stab, clock, EMPTY)
    out = weak_run(stab, clock, (0.32, 0.50, 0.47))
    assert out[:2] == [None, None] and out[2].position == ONE


@pytest.mark.parametrize("to_play, quiet", [("w", (True,) * 3), (None, (True,) * 3), ("b", (False, True, True))])
def test_a_weak_run_is_steady_at_the_lower_level_only_for_the_colour_to_play_in_quiet_frames(to_play, quiet):
    """The other colour, or no turn known, or a run with a frame that is not quiet (rendered game
    1976-otake-ishida-meijin-1, video seed 4: Black's next stone, carried in a hand at the board's
    edge that the occlusion estimate passed, read 0.60, 0.42, 0.31 at Q2): steady_level as before."""
    stab, clock = expecting(to_play), Clock()
    settle(stab, clock, EMPTY)
    out = weak_run(stab, clock, (0.32, 0.50, 0.47), quiet)
    out += [stab.update(clock.reading(EMPTY)) for _ in range(3)]
    assert out == [None] * 6 and stab.position == EMPTY


def test_the_reply_in_a_quick_double_move_is_expected_once_the_first_stone_is_steady():
    """Rendered game generated-9, video seed 5, moves 7 and 8, placed in one visit: Black's stone,
    Black to play, read 0.60, 0.62, 0.58 once the hands had gone; White's reply 0.39, 0.52, 0.55.
    Both waited for a fourth frame, for White's first reading. Alone, White's run stays short."""
    both, reply = Position(9, {(2, 2): "b", (6, 6): "w"}), Position(9, {(6, 6): "w"})
    levels = [(0.60, 0.39), (0.62, 0.52), (0.58, 0.55)]
    for first, want in ((True, [None, None, both]), (False, [None] * 3)):
        stab, clock = expecting("b"), Clock()
        settle(stab, clock, EMPTY)
        out = []
        for black, white in levels:
            conf = np.ones((9, 9))
            conf[2, 2], conf[6, 6] = black, white
            out.append(stab.update(clock.reading(both if first else reply, conf, quiet=True)))
        assert [o and o.position for o in out] == want


def test_a_sure_stone_of_the_colour_to_play_goes_down_on_the_second_quiet_frame():
    """Rendered game generated-11, video seed 4, move 9: the first calm frame after the hand read
    Black's stone at 0.28, under the reader's threshold, the next ones at 0.57 and 0.62. With no
    hand anywhere near, two sure readings of the move the game waits for are enough."""
    stab, clock = expecting("b"), Clock()
    settle(stab, clock, EMPTY)
    out = weak_run(stab, clock, (0.57, 0.62))
    assert out[0] is None and out[1].position == ONE and out[1].changed == ((2, 2),)


@pytest.mark.parametrize("to_play, levels, quiet, quiet_frames", [
    ("w", (0.57, 0.62), (True, True), 2),  # the other colour's stone
    (None, (0.57, 0.62), (True, True), 2),  # whose move it is not known
    ("b", (0.57, 0.62), (False, True), 2),  # a hand near in the first frame
    ("b", (0.45, 0.62), (True, True), 2),  # a reading under confident_level
    ("b", (0.57, 0.62), (True, True), 3),  # the shortcut turned off
])
def test_two_quiet_frames_are_enough_only_for_sure_readings_of_the_colour_to_play(to_play, levels, quiet, quiet_frames):
    stab, clock = Stabilizer(GameConfig(size=9, quiet_frames=quiet_frames), to_play=lambda: to_play), Clock()
    settle(stab, clock, EMPTY)
    assert weak_run(stab, clock, levels, quiet) == [None, None] and stab.position == EMPTY


def test_a_doubtful_reading_breaks_a_quiet_run():
    """Rendered game generated-14, video seed 5: a phantom of the colour to play at S18, read at
    0.3-0.45 in quiet frames between readings of a weak detection there. Counting only its
    sightings, three in a row were a stone, and the record had a correction for it."""
    stab, clock = expecting("b"), Clock()
    settle(stab, clock, EMPTY)
    out = weak_run(stab, clock, (0.30,))
    for seen in (0.32, 0.35):
        out.append(stab.update(clock.reading(EMPTY, read_at(0.78), quiet=True)))
        out += weak_run(stab, clock, (seen,))
    out += [stab.update(clock.reading(EMPTY, read_at(0.80), quiet=True)) for _ in range(2)]
    assert out == [None] * 7 and stab.position == EMPTY


def test_readings_below_ignore_confidence_do_not_vote():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    faint = read_at(0.1)
    assert [stab.update(clock.reading(ONE, faint)) for _ in range(10)] == [None] * 10
    # and a faint contrary reading does not break a run
    out = [stab.update(clock.reading(ONE)), stab.update(clock.reading(EMPTY, faint)),
           stab.update(clock.reading(ONE)), stab.update(clock.reading(ONE))]
    assert out[:3] == [None] * 3 and out[3].position == ONE


def test_stable_seconds():
    stab, clock = Stabilizer(GameConfig(size=9, stable_seconds=1.0)), Clock()
    settle(stab, clock, EMPTY, frames=6)
    out = settle(stab, clock, ONE, frames=6)  # 0.2 s apart: the 6th frame is 1.0 s after the 1st
    assert out[:5] == [None] * 5 and out[5].position == ONE


def test_occluded_and_unreadable_frames_are_held_back():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    garbage = scatter(EMPTY, [(r, r) for r in range(9)])
    for _ in range(30):
        assert stab.update(clock.reading(garbage, occlusion=0.6)) is None
        assert stab.update(clock.reading(None)) is None
    assert stab.last_status == "unreadable" and stab.position == EMPTY


def test_a_new_stone_keeps_its_evidence_through_a_hand():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    settle(stab, clock, ONE, frames=2)
    assert stab.update(clock.reading(ONE, occlusion=0.9)) is None
    out = stab.update(clock.reading(ONE))
    assert out is not None and out.position == ONE


def test_a_weak_stone_seen_between_hands_goes_down():
    # The detector scores a real stone 0.35 in every calm frame; hands come by every three.
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    out = []
    for _ in range(2):
        out += new_stone_read_at(stab, clock, (0.35, 0.35, 0.35))
        out.append(stab.update(clock.reading(EMPTY, occlusion=0.9)))
    first = clock.t - 7 * 0.2
    assert out[:6] == [None] * 6 and out[6].position == ONE and out[6].first_seen == {(2, 2): pytest.approx(first)}


def test_a_hand_resets_a_stone_going():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    settle(stab, clock, ONE)
    settle(stab, clock, EMPTY, frames=2)
    assert stab.update(clock.reading(EMPTY, occlusion=0.9)) is None
    out = settle(stab, clock, EMPTY)
    assert out[:2] == [None, None] and out[2].position == EMPTY


def test_many_points_at_once_is_a_hand_unless_it_persists():
    config = GameConfig(size=9)
    stab, clock = Stabilizer(config), Clock()
    settle(stab, clock, EMPTY)
    rng = np.random.default_rng(3)
    for _ in range(25):  # a moving hand: a different jumble every frame
        points = [tuple(p) for p in rng.integers(0, 9, size=(12, 2))]
        assert stab.update(clock.reading(scatter(EMPTY, points))) is None
        assert stab.last_status == "jump"
    assert stab.position == EMPTY
    # a real jump (a position set up at once) is accepted after jump_frames frames
    setup = scatter(EMPTY, [(r, c) for r in (0, 8) for c in range(5)], "b")
    out = settle(stab, clock, setup, frames=config.jump_frames)
    assert out[:-1] == [None] * (config.jump_frames - 1)
    assert out[-1].position == setup and out[-1].via_jump


def test_weak_disagreements_do_not_count_as_a_jump():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    noisy = scatter(TWO, [(0, c) for c in range(9)])
    conf = np.ones((9, 9))
    conf[0, :] = 0.2  # nine weak flips weigh 1.8 points
    out = [stab.update(clock.reading(noisy, conf)) for _ in range(3)]
    assert out[2].position == TWO and stab.last_status == "read"


def test_bad_readings_are_bad_input():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    with pytest.raises(BadInputError, match="13x13 board"):
        stab.update(clock.reading(Position(13)))
    with pytest.raises(BadInputError, match="confidence has shape"):
        stab.update(clock.reading(EMPTY, np.ones((19, 19))))


@pytest.mark.parametrize(
    "field, value",
    [("size", 1), ("stable_frames", 0), ("max_jump", 0), ("occlusion_threshold", 0.0),
     ("jump_frames", 2), ("confident_level", 1.5), ("steady_level", 0.0), ("komi", float("nan")), ("max_search_stones", 9),
     ("hidden_stone_frames", 2), ("expected_level", 0.45), ("expected_level", 0.0), ("quiet_frames", 0)],
)
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ConfigError, match=f"game.{field}"):
        GameConfig(**{field: value})


def test_stones_placed_together_are_emitted_together():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    assert stab.update(clock.reading(ONE)) is None  # the second stone is not visible yet
    out = settle(stab, clock, TWO)
    assert out[:2] == [None, None]  # ONE's stone is accepted here but waits for its partner
    assert out[2].position == TWO and out[2].changed == ((2, 2), (6, 6))


def test_accepted_change_does_not_wait_for_a_single_sighting():
    """A change read in one frame only is no stone placed in the same visit but a glimpse (a
    phantom, a stone read as the other colour): waiting for it would only delay the move."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    settle(stab, clock, ONE, frames=2)
    change = stab.update(clock.reading(TWO))  # (6, 6) read once, confidently
    assert change is not None and change.position == ONE
    settle(stab, clock, TWO)
    played = with_stones(TWO, {(4, 4): "b"})
    settle(stab, clock, played, frames=2)
    change = stab.update(clock.reading(with_stones(played, {(6, 6): "b"})))  # white read black once
    assert change is not None and change.changed == ((4, 4),) and change.position == played


def test_a_capture_waits_for_its_capturing_stone_read_once():
    """White (0, 0) is lifted before Black's capturing stone (1, 0) is read: the going waits
    as hidden until the capturer explains it, and then goes with it, not ahead of it."""
    config = GameConfig(size=9)
    start = Position(9, {(0, 0): "w", (0, 1): "b"})
    tracker = GameTracker(config)
    tracker.observe(start, 0.0)
    stab, clock = Stabilizer(config, explained=tracker.explained_removals), Clock()
    settle(stab, clock, start)
    assert settle(stab, clock, Position(9, {(0, 1): "b"}), frames=4) == [None] * 4
    captured = Position(9, {(0, 1): "b", (1, 0): "b"})
    out = settle(stab, clock, captured)
    assert out[:2] == [None, None]
    assert out[2].position == captured and out[2].changed == ((0, 0), (1, 0))


def test_a_change_is_not_accepted_on_a_frame_that_reads_it_back():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, ONE)
    for level in (1.0, 1.0, 0.3):  # (2, 2) read gone, the last time weakly
        conf = np.ones((9, 9))
        conf[2, 2] = level
        assert stab.update(clock.reading(EMPTY, conf)) is None
    conf = np.ones((9, 9))
    conf[2, 2] = 0.5
    assert stab.update(clock.reading(ONE, conf)) is None  # and read back: the evidence left is no proof
    assert stab.position == ONE


def test_stones_the_rules_took_are_not_a_jump():
    config = GameConfig(size=9)
    start = diagram(BIG_CAPTURE_START)
    captured = with_stones(start, {BIG_CAPTURE: "b"}, remove=BIG_CAPTURE_VICTIMS)  # 13 points changed
    tracker = GameTracker(config)
    tracker.observe(start, 0.0)
    stab, clock = Stabilizer(config, explained=tracker.explained_removals), Clock()
    settle(stab, clock, start)
    out = settle(stab, clock, captured)
    assert out[:2] == [None, None] and stab.last_status == "read"
    assert out[2].position == captured and not out[2].via_jump
    # Without the rules' word, the same change looks like a hand until it has held for jump_frames.
    plain = Stabilizer(config)
    settle(plain, clock, start)
    out = settle(plain, clock, captured, frames=config.jump_frames)
    assert out[:-1] == [None] * (config.jump_frames - 1) and plain.last_status == "jump"
    assert out[-1].position == captured and out[-1].via_jump


def test_change_tells_when_each_point_was_first_seen():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    faint = np.ones((9, 9))
    faint[6, 6] = 0.3
    first = clock.reading(TWO, faint)  # (2, 2) is seen; a weak reading of (6, 6) is not a sighting
    stab.update(first)
    assert stab.update(clock.reading(ONE)) is None
    assert stab.update(clock.reading(TWO, occlusion=0.9)) is None  # a hand: (2, 2) is not yet stable
    later = [clock.reading(TWO) for _ in range(3)]
    out = [stab.update(r) for r in later]
    assert out[0].changed == ((2, 2),) and out[0].first_seen == {(2, 2): first.timestamp}
    assert out[2].changed == ((6, 6),) and out[2].first_seen == {(6, 6): later[0].timestamp}


def test_stone_seen_then_gone_before_it_settled_is_reported_as_glimpsed():
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, ONE)
    quick = Position(9, {(2, 2): "b", (0, 0): "w"})
    taken = Position(9, {(2, 2): "b", (0, 1): "b"})
    assert [stab.update(clock.reading(quick)) for _ in range(2)] == [None, None]
    assert stab.update(clock.reading(quick, occlusion=0.9)) is None  # lifted under a hand
    out = settle(stab, clock, taken)
    assert out[2].changed == ((0, 1),) and out[2].glimpsed == {(0, 0): "w"}
    # Once reported, a glimpse is forgotten; a single sighting is no glimpse.
    flash = Position(9, {**taken.stones, (8, 8): "w"})
    stab.update(clock.reading(flash))
    out = settle(stab, clock, Position(9, {**taken.stones, (4, 4): "w"}))
    assert out[2].changed == ((4, 4),) and out[2].glimpsed == {}


def test_accepted_change_does_not_wait_for_a_change_read_back():
    """(6, 6) is misread twice, then read right again while (4, 4) settles: a change
    the frame reads against is not under way, however much evidence it had left."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, TWO)
    played = with_stones(TWO, {(4, 4): "b"})
    misread = with_stones(played, {}, remove=[(6, 6)])
    out = [*settle(stab, clock, misread, frames=2), stab.update(clock.reading(played))]
    assert out[:2] == [None, None]
    assert out[2] is not None and out[2].changed == ((4, 4),) and out[2].position == played


def test_stone_going_for_no_reason_waits_for_hidden_stone_frames_where_set():
    config = GameConfig(size=9, hidden_stone_frames=6, unexplained_wait=0)
    tracker = GameTracker(config)
    tracker.observe(TWO, 0.0)
    stab, clock = Stabilizer(config, explained=tracker.explained_removals), Clock()
    settle(stab, clock, TWO)
    # An arm the occlusion estimate missed hides (6, 6) for four frames: nothing happened.
    assert settle(stab, clock, ONE, frames=4) == [None] * 4
    # (it is back: the evidence for its going runs out after as many frames again)
    assert settle(stab, clock, TWO, frames=5) == [None] * 5 and stab.position == TWO
    # Gone for good: believed after six frames.
    out = settle(stab, clock, ONE, frames=6)
    assert out[:5] == [None] * 5 and out[5].position == ONE
    # A board being cleared goes at the usual pace.
    out = settle(stab, clock, EMPTY)
    assert out[2].position == EMPTY
    # So does a capture (here seen whole at once, with the lifting done).
    start = diagram(BIG_CAPTURE_START)
    tracker.observe(EMPTY, 1.0)
    tracker.observe(start, 2.0)
    settle(stab, clock, start, frames=config.jump_frames)
    out = settle(stab, clock, with_stones(start, {BIG_CAPTURE: "b"}, remove=BIG_CAPTURE_VICTIMS))
    assert out[2] is not None and not out[2].via_jump


def test_a_stone_believed_hidden_does_not_hold_up_a_new_one():
    """The arm that placed (4, 4) hides (6, 6) on its way out, unnoticed: (6, 6)'s going has
    to hold for hidden_stone_frames, so waiting for it would only delay the move."""
    config = GameConfig(size=9, hidden_stone_frames=6)
    tracker = GameTracker(config)
    tracker.observe(TWO, 0.0)
    stab, clock = Stabilizer(config, explained=tracker.explained_removals), Clock()
    settle(stab, clock, TWO)
    played = with_stones(TWO, {(4, 4): "b"})
    covered = with_stones(played, {}, remove=[(6, 6)])
    out = [stab.update(clock.reading(played)), *settle(stab, clock, covered, frames=2)]
    assert out[:2] == [None, None]
    assert out[2] is not None and out[2].changed == ((4, 4),) and out[2].position == played
    assert settle(stab, clock, played) == [None] * 3 and stab.position == played


def test_a_stone_hidden_before_it_settled_keeps_its_first_sighting():
    """Black plays (2, 2); an arm that the occlusion estimate misses hides it; white and
    black play again and all three settle together. (2, 2) must still count as seen
    first, or the move order search would put black's second stone before it."""
    stab, clock = Stabilizer(GameConfig(size=9)), Clock()
    settle(stab, clock, EMPTY)
    first = [stab.update(clock.reading(ONE)) for _ in range(2)]
    seen_at = clock.t - 0.2
    hidden = [stab.update(clock.reading(EMPTY)) for _ in range(2)]
    later = Position(9, {(6, 6): "w", (4, 4): "b"})
    assert [stab.update(clock.reading(later)) for _ in range(2)] == [None, None]
    three = Position(9, {(2, 2): "b", (6, 6): "w", (4, 4): "b"})
    out = [stab.update(clock.reading(three)) for _ in range(3)]
    assert first + hidden == [None] * 4
    change = next(c for c in out if c is not None)
    assert change.position == three
    assert change.first_seen[(2, 2)] == pytest.approx(seen_at)
    assert change.first_seen[(2, 2)] < change.first_seen[(4, 4)]
