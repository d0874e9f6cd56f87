"""The daemon end to end: `goban-edge run` as a subprocess on a rendered recording of a real game,
the real detector, a real mosquitto, and a real sd_notify socket bound by the test.

Nothing is faked: the camera is an image folder (the same FolderSource a recorded game uses).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from support.mosquitto import MqttRecorder, mosquitto  # noqa: F401  (fixture)

from calibration.store import Calibration
from edge.detect.detector import DEFAULT_MODEL
from edge.synth.games import real_game
from edge.synth.video import render_game_video, video_scene

MOVES = 6
SEED = 0
"""The camera set-up of the bundled demo recording; the detector's accuracy over many set-ups
is measured by the model card's figures, this test is about the daemon around it."""
LEAD_IN = 20
"""Frames of the empty board before play starts (2 s at 10 fps), as a real board sits empty before
a game. The paced camera drops what the loop misses, as a live one does; on a loaded machine the
daemon's first inferences are slow, and a shorter lead-in was dropped whole: the first stone was
already on the board in the first frame read, the game was followed from there, and move 1 was
never published."""


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple[str, tuple[int, int]]]]:
    """The first moves of the 1861 Castle Game, hands and all, as an image folder plus its calibration."""
    game = real_game("castle").prefix(MOVES)
    folder = tmp_path_factory.mktemp("recording")
    corners = None
    for frame in render_game_video(game, SEED, frames_per_move=6):
        for index in range(LEAD_IN) if frame.index == 0 else [LEAD_IN + frame.index]:
            cv2.imwrite(str(folder / f"{index:05d}.jpg"), frame.image)
        corners = frame.corners
    h, w = frame.image.shape[:2]
    calibration = Calibration.from_corners(corners, 19, (w, h), "rendered")
    cal_path = folder.parent / "calibration.json"
    calibration.save(cal_path)
    scene = video_scene(game, SEED)
    # The appliance sees the board in the camera's frame: expected moves in that frame.
    expected = [(m.color, tuple(int(v) for v in scene.to_view(m.point))) for m in game.replay()]
    return folder, cal_path, expected


def _config(tmp: Path, folder: Path, calibration: Path, port: int, fps: float, loop: bool) -> Path:
    path = tmp / "config.toml"
    path.write_text(f"""
[board]
id = "t1"
[camera]
type = "folder"
device = "{folder}"
fps = {fps}
loop = {str(loop).lower()}
[detector]
model = "{DEFAULT_MODEL}"
delegate = "cpu"
threads = 1
[calibration]
file = "{calibration}"
auto_recalibrate = false
[game]
sgf_dir = "{tmp / 'games'}"
[mqtt]
port = {port}
outbox_path = "{tmp / 'outbox.sqlite3'}"
status_interval_s = 1
""")
    return path


def _notify_socket(tmp: Path) -> tuple[socket.socket, Path]:
    path = tmp / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.05)
    return sock, path


def _drain(sock: socket.socket, into: list[str]) -> None:
    """What has arrived so far (the daemon pings every frame: never wait for a quiet socket)."""
    for _ in range(1000):
        try:
            into.append(sock.recv(4096).decode())
        except (socket.timeout, BlockingIOError):
            return


def _start(config: Path, notify: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "2000000", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "edge.cli.main", "run", "--config", str(config)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_daemon_follows_the_game_and_talks_to_systemd(recording, mosquitto, tmp_path: Path) -> None:  # noqa: F811
    folder, calibration, expected = recording
    broker = mosquitto()
    watcher = MqttRecorder(broker.port, ["goban/t1/#"])
    watcher.wait_subscribed()
    sock, notify = _notify_socket(tmp_path)
    proc = _start(_config(tmp_path, folder, calibration, broker.port, fps=10, loop=False), notify)
    messages: list[str] = []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        _drain(sock, messages)
    _drain(sock, messages)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode == 0, output
    joined = "\n".join(messages)
    assert "READY=1" in joined and "WATCHDOG=1" in joined and "STOPPING=1" in joined
    assert any(m.startswith("STATUS=") for m in messages)

    time.sleep(0.5)
    moves = [json.loads(r.payload) for r in watcher.on("goban/t1/move")]
    got = [(m["color"], tuple(m["point"])) for m in moves if m["kind"] == "move"]
    assert got == expected, output
    assert [m["seq"] for m in moves] == sorted(m["seq"] for m in moves)
    state = json.loads(watcher.on("goban/t1/state")[-1].payload)
    assert state["move_number"] == MOVES
    assert (tmp_path / "games").is_dir() and list((tmp_path / "games").glob("*.sgf"))
    assert watcher.on("goban/t1/available")[-1].payload == b"offline"


def test_sigterm_stops_within_three_seconds(recording, mosquitto, tmp_path: Path) -> None:  # noqa: F811
    folder, calibration, _ = recording
    broker = mosquitto()
    sock, notify = _notify_socket(tmp_path)
    proc = _start(_config(tmp_path, folder, calibration, broker.port, fps=10, loop=True), notify)
    messages: list[str] = []
    deadline = time.monotonic() + 60
    while "READY=1" not in "".join(messages) and time.monotonic() < deadline and proc.poll() is None:
        _drain(sock, messages)
    assert "READY=1" in "".join(messages)
    watcher = MqttRecorder(broker.port, ["goban/t1/available"])
    watcher.wait_subscribed()
    assert watcher.wait(lambda w: w.on("goban/t1/available"), 5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0
    assert elapsed < 3.0, f"took {elapsed:.2f} s"
    assert watcher.wait(lambda w: w.on("goban/t1/available")[-1].payload == b"offline", 5)


def test_bad_config_fails_before_any_work(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[detector]\ndelegate = 'tpu'\n")
    result = subprocess.run([sys.executable, "-m", "edge.cli.main", "run", "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("detector.delegate: Input should be 'auto', 'cpu' or 'edgetpu'")
    assert "Traceback" not in result.stderr


def test_missing_calibration_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[calibration]\nfile = '{tmp_path / 'none.json'}'\n")
    result = subprocess.run([sys.executable, "-m", "edge.cli.main", "run", "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "none.json" in result.stderr and len(result.stderr.strip().splitlines()) == 1
