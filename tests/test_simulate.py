"""`goban-edge simulate`: boards replaying games through the real Publisher to a real mosquitto.

The end-to-end tests run a handful of boards (spawned fleet and subscriber
processes, real paho clients, real outboxes) and check what arrived against
what was sent; they never assert timings. The delivery analysis is also
checked on hand-made receipts, where every irregularity is known.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.mosquitto import mosquitto, require_mosquitto  # noqa: F401  (mosquitto is a fixture)

from edge.bench.delivery import analyse
from edge.bench.scripts import board_script
from edge.bench.simulate import BOARDS_PER_PROCESS, BrokerAddress, SimulationSettings, parse_broker_url, simulate
from edge.bench.simulate_report import largest_holding
from edge.cli.main import main
from edge.errors import BadInputError
from edge.publish.payloads import move_payload, sgf_payload, state_payload
from edge.synth.games import real_game


def test_a_few_boards_deliver_every_move_in_order_through_a_local_broker() -> None:
    require_mosquitto()
    run = simulate(SimulationSettings(boards=4, moves=3, interval_s=0.1, games=2, drain_s=10.0))
    d = run.delivery
    assert run.connected == 4
    assert (d.sent, d.delivered, d.lost) == (12, 12, 0)
    assert (d.out_of_order, d.wrong_content, d.foreign, d.extra_streams) == (0, 0, 0, 0)
    assert d.latency_ms.n == 12 and d.latency_ms.p50 is not None and d.latency_ms.p50 > 0
    assert run.unacknowledged == 0 and run.errors == []
    assert "local mosquitto" in run.broker


def test_cli_against_a_given_broker_with_two_fleet_processes(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    out = tmp_path / "sim.json"
    main(["simulate", "--boards", "2,3", "--moves", "2", "--interval", "0.1", "--processes", "2", "--games", "1",
          "--broker", f"mqtt://127.0.0.1:{broker.port}", "--keep-going", "--out", str(out)])
    data = json.loads(out.read_text())
    assert [r["boards"] for r in data["runs"]] == [2, 3]
    for r in data["runs"]:
        d = r["delivery"]
        assert d["sent"] == d["delivered"] == r["boards"] * 2 and d["lost"] == 0 and d["out_of_order"] == 0
        assert r["broker"] == f"mqtt://127.0.0.1:{broker.port}"
    md = out.with_suffix(".md").read_text()
    assert "goban-edge simulate --boards 2,3" in md and "Largest N that holds" in md
    assert "| 3 |" in md


def _receipt(board: str, seq: int, t: float, move: int | None = None, stream: str = "s1") -> tuple:
    return (board, stream, seq, seq if move is None else move, "g", t)


def test_analysis_counts_losses_duplicates_reordering_and_latency() -> None:
    boards = ("a", "b")
    sends = [(0, 1, 0.0, 0.0, 0.001), (0, 2, 1.0, 1.0, 1.001), (0, 3, 2.0, 2.0, 2.001),
             (1, 1, 0.5, 0.6, 0.601), (1, 2, 1.5, 1.5, 1.501)]
    numbers = {(i, seq): seq for i, seq, *_ in sends}
    receipts = [
        _receipt("a", 1, 0.010), _receipt("a", 3, 2.010), _receipt("a", 2, 1.020),  # 2 overtaken by 3
        _receipt("a", 2, 1.030),  # duplicate
        _receipt("b", 1, 0.700, move=9),  # wrong move number for seq 1; seq 2 of b never arrives
        _receipt("zz", 1, 0.1),  # another publisher on the broker
    ]
    d = analyse(boards, sends, receipts, numbers)
    assert (d.sent, d.delivered, d.lost, d.duplicates, d.out_of_order, d.gaps) == (5, 4, 1, 1, 1, 1)
    assert (d.wrong_content, d.foreign) == (1, 1)
    assert d.late_boards == ["a", "b"]
    assert d.latency_ms.n == 4
    assert d.latency_ms.max == pytest.approx(100.0)  # b/1: sent 0.6, received 0.7
    assert d.schedule_latency_ms.max == pytest.approx(200.0)  # b/1: scheduled 0.5
    assert d.lag_ms.max == pytest.approx(100.0)


def test_analysis_of_a_clean_run_and_of_a_second_stream() -> None:
    sends = [(0, 1, 0.0, 0.0, 0.0), (0, 2, 1.0, 1.0, 1.0)]
    clean = analyse(("a",), sends, [_receipt("a", 1, 0.005), _receipt("a", 2, 1.005)], {(0, 1): 1, (0, 2): 2})
    assert (clean.lost, clean.duplicates, clean.out_of_order, clean.gaps, clean.extra_streams) == (0, 0, 0, 0, 0)
    assert clean.latency_ms.p50 == pytest.approx(5.0)
    two = analyse(("a",), sends, [_receipt("a", 1, 0.005), _receipt("a", 2, 1.005, stream="s2")], {(0, 1): 1, (0, 2): 2})
    assert two.extra_streams == 1


def test_broker_urls() -> None:
    assert parse_broker_url("mqtt://hub.local:1884") == BrokerAddress("hub.local", 1884)
    assert parse_broker_url("mqtt://10.0.0.5") == BrokerAddress("10.0.0.5", 1883)
    for bad in ("hub:1883", "http://hub", "mqtt://", "mqtt://hub:99999", "mqtt://u:p@hub", "mqtt://hub/x"):
        with pytest.raises(BadInputError):
            parse_broker_url(bad)


def test_settings_refuse_nonsense() -> None:
    for bad in ({"boards": 0}, {"boards": 3, "moves": 0}, {"boards": 3, "interval_s": 0}, {"boards": 3, "processes": -1}):
        with pytest.raises(BadInputError):
            SimulationSettings(**bad)
    # paho's select() loop: file descriptors above 1023 fail, ~6 per board.
    with pytest.raises(BadInputError, match="per process"):
        SimulationSettings(boards=BOARDS_PER_PROCESS + 1, processes=1)
    assert SimulationSettings(boards=BOARDS_PER_PROCESS + 1).fleet_processes == 2
    assert SimulationSettings(boards=500).fleet_processes == 4
    assert SimulationSettings(boards=500, processes=5).fleet_processes == 5


def test_board_script_replays_a_real_game_through_the_real_payload_checks() -> None:
    game = real_game("castle")
    script = board_script(game, len(game.moves) + 5, "sim-0")
    assert len(script) == len(game.moves) + 5
    first, again = script[0], script[len(game.moves)]
    assert first.game_id == "sim-0-1" and again.game_id == "sim-0-2"
    assert again.event["move_number"] == 1 and again.event["point"] == first.event["point"]
    last = script[len(game.moves) - 1]
    assert last.sgf.count(b";") == len(game.moves) + 1 and b"PB[Hayashi Yubi]" in last.sgf
    assert last.state["prisoners"]["b"] + last.state["prisoners"]["w"] == sum(len(m.captured) for m in game.replay())
    for step in (first, last, again):  # the publisher's own checks accept every message
        move_payload(step.event, "b1", "0" * 32, 1, 0.0)
        state_payload(step.state, "b1", 0.0)
        sgf_payload(step.sgf, step.game_id, "b1", 0.0)


def test_largest_holding_stops_at_the_first_failure() -> None:
    class R:
        def __init__(self, boards: int, holds: bool) -> None:
            self.boards, self.holds = boards, holds

    assert largest_holding([R(500, True), R(100, True), R(250, True)]) == 500
    assert largest_holding([R(100, True), R(250, False), R(500, True)]) == 100
    assert largest_holding([R(100, False)]) is None
