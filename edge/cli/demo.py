"""`goban-edge demo`: the appliance end to end on the bundled recording, nothing to set up.

1. finds the board in the recording's first frame and writes the calibration
   (the same code as `goban-calibrate`);
2. starts a private mosquitto on a free local port;
3. runs the real daemon (`goban-edge run`) on the recording, played at its
   frame rate as a camera would deliver it;
4. subscribes like an overlay would and prints each move as it arrives;
5. prints where the finished SGF is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from calibration.corner_model import CornerModel
from calibration.find import find_board
from calibration.store import Calibration
from edge.capture.still import first_frame
from edge.detect.detector import DEFAULT_MODEL
from edge.errors import BadInputError, HardwareError
from edge.publish.local_broker import MosquittoBroker, free_port, mosquitto_binary, plain_config

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "castle-game-60-moves.mp4"
BOARD_ID = "demo"
LETTERS = "ABCDEFGHJKLMNOPQRST"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the appliance on the bundled recording with a private MQTT broker")
    p.add_argument("--recording", type=Path, default=SAMPLE, help="video or image folder (default: bundled game)")
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="where calibration and SGF go")
    p.set_defaults(handler=run)


def _describe(move: dict) -> str:
    if move["kind"] == "move":
        row, col = move["point"]
        where = f"{LETTERS[col]}{move['size'] - row}"
        taken = f", captures {len(move['captured'])}" if move.get("captured") else ""
        return f"move {move['move_number']:>3}: {'Black' if move['color'] == 'b' else 'White'} {where}{taken}"
    if move["kind"] == "pass":
        return f"move {move['move_number']:>3}: {'Black' if move['color'] == 'b' else 'White'} passes"
    return f"correction after move {move['move_number']}: the board is taken as seen"


def run(args: argparse.Namespace) -> int:
    recording = args.recording.resolve()
    if not recording.exists():
        raise BadInputError(f"recording {recording} does not exist")
    binary = mosquitto_binary()
    if binary is None:
        raise HardwareError("mosquitto is not installed: run 'make demo' (it installs it) or apt-get install mosquitto")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    image = first_frame(recording)
    calibration = Calibration.from_fit(find_board(image, corner_model=CornerModel.load()), str(recording))
    calibration.save(out / "calibration.json")
    print(f"board found: {calibration.board_size}x{calibration.board_size}, grid-fit error "
          f"{calibration.grid_fit_error_px:.2f} px -> {out / 'calibration.json'}", flush=True)

    with tempfile.TemporaryDirectory(prefix="goban-demo-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        broker = MosquittoBroker(binary, work, free_port(), plain_config()).start()
        try:
            return _run_daemon(recording, out, work, broker.port)
        finally:
            broker.stop()


def _run_daemon(recording: Path, out: Path, work: Path, port: int) -> int:
    config = work / "config.toml"
    config.write_text(f"""
[board]
id = "{BOARD_ID}"

[camera]
type = "opencv"
device = "{recording}"
fps = 10

[detector]
model = "{DEFAULT_MODEL}"
delegate = "cpu"
threads = 2

[calibration]
file = "{out / 'calibration.json'}"
auto_recalibrate = false

[game]
black = "Hayashi Yubi"
white = "Honinbo Shusaku"
event = "goban-edge demo: the 1861 Castle Game, first 60 moves"
komi = 0
sgf_dir = "{out / 'games'}"

[mqtt]
port = {port}
outbox_path = "{work / 'outbox.sqlite3'}"
status_interval_s = 5
""")
    received: list[dict] = []
    subscribed = threading.Event()

    def on_message(client, userdata, message) -> None:
        move = json.loads(message.payload)
        received.append(move)
        print(f"  mqtt goban/{BOARD_ID}/move  {_describe(move)}", flush=True)

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="goban-demo-viewer")
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", port)
    client.subscribe(f"goban/{BOARD_ID}/move", qos=1)
    client.loop_start()
    subscribed.wait(5)
    print(f"broker on 127.0.0.1:{port}; playing {recording.name} through the daemon "
          f"(subscribe with: mosquitto_sub -p {port} -t 'goban/#' -v)", flush=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NOTIFY_SOCKET", None)
    daemon = subprocess.run([sys.executable, "-m", "edge.cli.main", "run", "--config", str(config)], env=env)
    # The last events may still be on their way from the broker.
    seen, deadline = -1, time.monotonic() + 3.0
    while seen != len(received) and time.monotonic() < deadline:
        seen = len(received)
        time.sleep(0.3)
    client.loop_stop()
    client.disconnect()
    games = sorted((out / "games").glob("*.sgf"), key=lambda p: p.stat().st_mtime)
    moves = sum(1 for m in received if m["kind"] == "move")
    print(f"daemon exited with {daemon.returncode}; a subscriber received {moves} moves "
          f"and {len(received) - moves} other events")
    if games:
        print(f"finished SGF: {games[-1]}")
    return daemon.returncode
